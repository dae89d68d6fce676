"""One entry point for the CLI, the library and the Excel function: pick the returns, match
them to the household's classes, run the policies."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence

from ..core.model import Household, Issue
from .policies import policies_named
from .returns import ReturnSeries, parse_returns
from .sources import returns_from_csv, returns_from_history, returns_synthetic
from .summary import Backtest, match_classes, run_backtest


def backtest_household(household: Household, *, returns: Any = None, years: Optional[float] = None,
                       policies: Optional[Sequence[str]] = None, monthly_flow: float = 0.0,
                       skip_missing: bool = False, synthetic: bool = False,
                       price_source: Any = None) -> tuple[Optional[Backtest], list[Issue]]:
    """The backtest of ``household`` (None when the data cannot be used) and every issue.

    ``returns``: a CSV path, a ``ReturnSeries`` or 2-D rows (header first: Date, then one
    column per asset class); None fetches each class's Buy-ticker history through the price
    layer (``price_source``), or with ``synthetic`` uses a fixed-seed made-up series.
    ``years``: the last N years of the series.  ``policies``: keys from ``POLICIES``.
    """
    chosen = policies_named(policies)           # ValueError for an unknown key: a usage error
    if synthetic:
        series, issues = returns_synthetic(household, years), []
    elif isinstance(returns, ReturnSeries):
        series, issues = returns, []
    elif isinstance(returns, (str, Path)):
        series, issues = returns_from_csv(returns)
    elif returns is not None:
        series, issues = parse_returns(returns)
    else:
        series, issues = returns_from_history(household, years, price_source)
    if series is None:
        return None, issues
    matched, skipped, more = match_classes(household, series.last_years(years), skip_missing=skip_missing,
                                           where=_where(returns))
    issues += more
    if matched is None or any(i.is_error for i in issues):
        return None, issues
    series = series.last_years(years)
    return run_backtest(matched, series, chosen, monthly_flow=monthly_flow, skipped=skipped), issues


def _where(returns: Any) -> str:
    return Path(returns).name if isinstance(returns, (str, Path)) else "Returns"
