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
