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
