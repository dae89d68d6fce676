"""Small households as 2-D tables, for tests: the same shape a UDF receives."""
from __future__ import annotations

from datetime import date
from typing import Optional

AS_OF = date(2026, 11, 20)


def tables(targets: dict[str, float], values: dict[str, float], *, settings: Optional[dict] = None,
           cash: float = 0.0, tradable: Optional[dict[str, bool]] = None,
           bands: Optional[dict[str, tuple]] = None) -> dict[str, list[list]]:
    """One taxable account holding one $1-priced security per class, so value = shares."""
    tradable = tradable or {}
    bands = bands or {}
    ticker = {name: f"T{i}" for i, name in enumerate(targets)}
    settings = {"As of date": AS_OF, "Last review": date(2026, 8, 1), **(settings or {})}
    return {
        "Settings": [["Setting", "Value"]] + [[k, v] for k, v in settings.items()],
        "Accounts": [["Account", "Type", "Cash"], ["Brokerage", "Taxable", cash]],
        "Targets": [["Asset class", "Target", "Abs band", "Rel band", "Tradable"]]
        + [[name, t, *bands.get(name, (None, None)), tradable.get(name, True)] for name, t in targets.items()],
        "Securities": [["Ticker", "Asset class"]] + [[ticker[n], n] for n in targets],
        "Holdings": [["Account", "Ticker", "Shares"]]
        + [["Brokerage", ticker[n], float(values.get(n, 0.0))] for n in targets if n in values],
        "Prices": [["Ticker", "Price"]] + [[ticker[n], 1.0] for n in targets],
    }


def household_tables(household) -> dict[str, list[list]]:
    """A ``Household`` (e.g. ``trade_helpers.random_household``) as the 2-D tables a user
    types: every table with its registry header, every setting that differs from blank."""
    from enum import Enum

    from xlrebalance.settings import FIELDS

    def cell(value):
        if isinstance(value, Enum):
            return value.value
        if isinstance(value, tuple):
            return ", ".join(value) or None
        if isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        return value

    s = household.settings
    return {
        "Settings": [["Setting", "Value"]] + [[key, cell(getattr(s, name))] for key, name in FIELDS.items()
                                              if cell(getattr(s, name)) is not None],
        "Accounts": [["Account", "Type", "Owner", "Cash", "Cash flow"]]
        + [[a.name, a.type.value, a.owner or None, a.cash, a.cash_flow] for a in household.accounts],
        "Targets": [["Asset class", "Target", "Abs band", "Rel band", "Tradable", "Buy ticker", "Location"]]
        + [[t.asset_class, t.target, t.abs_band, t.rel_band, t.tradable, t.buy_ticker, t.location]
           for t in household.targets],
        "Securities": [["Ticker", "Asset class", "Wash group", "Replacement"]]
        + [[s.ticker, s.asset_class, s.wash_group or None, s.replacement] for s in household.securities],
        "Holdings": [["Account", "Ticker", "Shares"]] + [[h.account, h.ticker, h.shares] for h in household.holdings],
        "Lots": [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"]]
        + [[x.account, x.ticker, x.lot_id, x.acquired, x.shares, x.cost_basis] for x in household.lots],
        "Transactions": [["Date", "Account", "Ticker", "Action", "Shares", "Price", "Lot ID", "Acquired", "Cost basis"]]
        + [[t.date, t.account, t.ticker, t.action.value, t.shares, t.price, t.lot_id, t.acquired, t.cost_basis]
           for t in household.transactions],
        "Prices": [["Ticker", "Price", "Currency", "As of", "Source", "Status"]]
        + [[p.ticker, p.price, p.currency, p.as_of, p.source or None, p.status or None] for p in household.prices],
    }


#: The classes of the three test models (Models tables from ``model_tables``).
MODEL_TARGETS = {
    "Growth": {"US Stocks": 0.55, "Intl Stocks": 0.25, "Bonds": 0.20},
    "Balanced": {"US Stocks": 0.40, "Intl Stocks": 0.20, "Bonds": 0.40},
    "Income": {"US Stocks": 0.20, "Intl Stocks": 0.10, "Bonds": 0.70},
}
MODEL_TICKERS = {"US Stocks": "VTI", "Intl Stocks": "VXUS", "Bonds": "BND"}


def model_tables(targets: Optional[dict] = None) -> dict[str, list[list]]:
    """A models workbook's tables: ``targets`` {model: {class: target}} (default MODEL_TARGETS)."""
    targets = targets or MODEL_TARGETS
    return {
        "Models": [["Model", "Asset class", "Target", "Abs band", "Rel band", "Buy ticker"]]
        + [[m, c, t, None, None, MODEL_TICKERS.get(c)] for m, classes in targets.items() for c, t in classes.items()],
        "Securities": [["Ticker", "Asset class"]] + [[t, c] for c, t in MODEL_TICKERS.items()],
    }


def model_household(model: Optional[str], weights: dict[str, float], *, value: float = 100_000.0,
                     targets: Optional[list[list]] = None, extra_settings: Optional[dict] = None
                     ) -> dict[str, list[list]]:
    """A household following ``model`` (Settings 'Model'), holding ``weights`` {class: fraction}
    of ``value`` dollars in one taxable account, every price $100; its Targets table is only
    a header unless ``targets`` (rows after the header) override the model.  Trigger Threshold:
    any class out of its band (5 pp or 25% of target, the tighter) needs a rebalance."""
    settings = {"As of date": AS_OF, "Last review": date(2026, 10, 1), "Trigger": "Threshold",
                **({"Model": model} if model is not None else {}), **(extra_settings or {})}
    return {
        "Settings": [["Setting", "Value"]] + [[k, v] for k, v in settings.items()],
        "Accounts": [["Account", "Type", "Cash"], ["Brokerage", "Taxable", 0.0]],
        "Targets": [["Asset class", "Target", "Abs band", "Rel band", "Tradable", "Buy ticker", "Location"]]
        + [list(r) for r in targets or ()],
        "Securities": [["Ticker", "Asset class"]],
        "Holdings": [["Account", "Ticker", "Shares"]]
        + [["Brokerage", MODEL_TICKERS.get(c, c[:4].upper()), round(value * w / 100.0, 4)]
           for c, w in weights.items() if w],
        "Prices": [["Ticker", "Price"]] + [[t, 100.0] for t in MODEL_TICKERS.values()],
    }


def model_households(count: int = 50) -> list[tuple[str, str, dict[str, list[list]], bool]]:
    """``count`` households over the three models: (file stem, model, tables, out of tolerance).

    Household i follows model i % 3; every third-and-a-bit (i % 7 in (1, 4)) holds its
    model with US Stocks 8 points over and Bonds 8 under (out of band in every model: the
    bands are at most 5 points), the others 1 point over and under (inside every band)."""
    names = list(MODEL_TARGETS)
    out = []
    for i in range(count):
        model = names[i % 3]
        drifted = i % 7 in (1, 4)
        shift = 0.08 if drifted else 0.01
        weights = dict(MODEL_TARGETS[model])
        weights["US Stocks"] += shift
        weights["Bonds"] -= shift
        out.append((f"household_{i:03d}", model, model_household(model, weights, value=50_000.0 + 1_000 * i),
                    drifted))
    return out
