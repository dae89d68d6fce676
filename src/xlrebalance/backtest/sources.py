"""Where a backtest's monthly returns come from: a CSV file, a synthetic series, or the
monthly history of each class's Buy ticker through the price layer.

Each returns ``(series, issues)``; a series is None when the data cannot be used.
"""
from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..core.model import Household, Issue, Severity
from .returns import MIN_MONTHS, ReturnSeries, month_end, parse_returns, synthetic_returns
from .simulate import policy_targets, ticker_for


def returns_from_csv(path: str | Path) -> tuple[Optional[ReturnSeries], list[Issue]]:
    """A returns CSV: Date, then one column per asset class (decimals, 0.02 = 2%); lines are
    numbered as a text editor shows them."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Issue("returns-file", f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}",
                            table=path.name)]
    return parse_returns(rows, where=path.name, source=f"{path.name} (monthly total returns)")


def returns_synthetic(household: Household, years: Optional[float]) -> ReturnSeries:
    """A fixed-seed made-up series for the household's classes (labelled synthetic)."""
    classes, _ = policy_targets(household)
    return synthetic_returns(classes, int(round((years or 20) * 12)))


def returns_from_closes(household: Household, closes: Mapping[str, Sequence[tuple[date, float]]],
                        source: str) -> tuple[Optional[ReturnSeries], list[Issue]]:
    """Monthly returns from each class's Buy-ticker month-end closes (adjusted for
    distributions), over the months every ticker has; issues name the tickers without data."""
    classes, targets = policy_targets(household)
    issues, series = [], {}
    for target in targets:
        ticker = ticker_for(target, household)
        points = {month_end(d): p for d, p in closes.get(ticker, ()) if p and p > 0}
        if len(points) < 2:
            issues.append(Issue("returns-history", f"no monthly price history for {ticker} "
                                f"({target.asset_class})", table="Prices", ticker=ticker))
            continue
        months = sorted(points)
        series[target.asset_class] = {m: points[m] / points[p] - 1 for p, m in zip(months, months[1:])}
    if not series:
        return None, issues
    common = sorted(set.intersection(*(set(s) for s in series.values())))
    rows: list[list[Any]] = [["Date"] + list(series)]
    rows += [[m] + [series[c][m] for c in series] for m in common]
    parsed, more = parse_returns(rows, where="price history", source=source)
    if len(common) < MIN_MONTHS:
        issues.append(Issue("returns-short", f"the tickers' shared history is {len(common)} months; "
                            f"a backtest needs at least {MIN_MONTHS}: use --monthly-returns with a longer series"))
    return parsed, issues + [i for i in more if i.code != "returns-short"]


def returns_from_history(household: Household, years: Optional[float], source: Any = None
                         ) -> tuple[Optional[ReturnSeries], list[Issue]]:
    """Each class's Buy ticker's monthly history, fetched once through the price layer
    (``source``: an object with ``monthly_history``, default Yahoo through a one-day cache)."""
    if source is None:
        from ..prices.cache import CachedHistory
        from ..prices.yahoo import YahooSource

        source = CachedHistory(YahooSource())
    _, targets = policy_targets(household)
    tickers = [ticker_for(t, household) for t in targets]
    history, failures = source.monthly_history(tickers, years=int(years) + 1 if years else None)
    issues = [Issue("returns-history", f"no monthly history for {t}: {f.reason}", table="Prices", ticker=t,
                    severity=Severity.WARNING) for t, f in failures.items()]
    closes = {t: [(d.date() if hasattr(d, "date") else d, p) for d, p in points] for t, points in history.items()}
    series, more = returns_from_closes(household, closes, f"{getattr(source, 'name', 'price history')} "
                                       "monthly closes adjusted for distributions")
    return series, issues + [i for i in more if i.ticker not in failures]
