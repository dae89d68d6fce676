"""Monthly total returns per asset class: the input of a backtest.

A ``ReturnSeries`` is one row per month end (oldest first) and one column per asset
class, each cell that month's total return as a fraction (0.02 = 2%).  It comes from a
CSV the user downloads (``parse_returns``: Date, then one column per class), from the
optional ``Returns`` table of the workbook (same columns), from the price layer's monthly
history, or from ``synthetic_returns`` (a fixed-seed series for tests and the demo, and
labelled synthetic wherever it is shown).

Problems in the data are ``Issue`` values naming the line (CSV) or row (table) and the
column, never exceptions.
"""
from __future__ import annotations

import calendar
import math
import random
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional, Sequence

from ..cells import parse_date, parse_number
from ..core.model import Issue

#: Fewer months than this cannot say anything about a rebalancing policy.
MIN_MONTHS = 24
#: An optional column saying where the numbers come from (shown with every answer).
SOURCE_COLUMN = "source"
#: A monthly return outside this range is a typo (a percent typed as a number, say).
LOWEST_RETURN, HIGHEST_RETURN = -0.95, 3.0


@dataclass(frozen=True)
class ReturnSeries:
    """Monthly total returns.  ``months``: month-end dates, oldest first; ``returns``: one
    tuple per month, in ``classes`` order, fractions.  ``source``: where the numbers came
    from, shown with every answer ("synthetic ..." for generated data)."""

    months: tuple[date, ...]
    classes: tuple[str, ...]
    returns: tuple[tuple[float, ...], ...]
    source: str = ""

    @property
    def synthetic(self) -> bool:
        return self.source.lower().startswith("synthetic")

    @property
    def years(self) -> float:
        return len(self.months) / 12.0

    def last_years(self, years: Optional[float]) -> "ReturnSeries":
        """The last ``years`` years (all of it when None or longer than the series)."""
        if years is None:
            return self
        keep = max(1, int(round(years * 12)))
        return ReturnSeries(self.months[-keep:], self.classes, self.returns[-keep:], self.source)

    def only(self, classes: Sequence[str]) -> "ReturnSeries":
        """The columns of ``classes`` (matched case-insensitively), in that order."""
        index = {c.lower(): i for i, c in enumerate(self.classes)}
        picks = [index[c.lower()] for c in classes]
        return ReturnSeries(self.months, tuple(self.classes[i] for i in picks),
                            tuple(tuple(row[i] for i in picks) for row in self.returns), self.source)


def month_end(day: date) -> date:
    return date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def next_month_end(day: date) -> date:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_returns(rows: Sequence[Sequence[Any]], *, where: str = "Returns", first_line: int = 1,
                  source: str = "") -> tuple[Optional[ReturnSeries], list[Issue]]:
    """A series from rows (header first: Date, then one column per asset class).

    ``where`` names the file or table in the issues; ``first_line`` is the header's line
    (CSV) or sheet row (table).  A ``Source`` column, if any, says where the numbers come
    from (its first value becomes the series' ``source``; "synthetic ..." marks made-up data).  Dates may be any day of the month; each is read as its
    month's end.  Returns (None, issues) when the rows cannot make a series.
    """
    issues: list[Issue] = []
    rows = [list(r) for r in rows if any(v not in (None, "") for v in r)]
    if not rows:
        return None, [Issue("returns-empty", "no rows: the first line must be Date, then one column per "
                            "asset class", table=where)]
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    if not header or header[0].lower() not in ("date", "month", "month end"):
        return None, [Issue("returns-header", f"the first column must be Date (found {header[0]!r}); then one "
                            "column per asset class", table=where, row=first_line)]
    if SOURCE_COLUMN in (h.lower() for h in header):       # where the numbers come from, not a class
        at = [h.lower() for h in header].index(SOURCE_COLUMN)
        said = next((str(r[at]).strip() for r in rows[1:] if at < len(r) and r[at] not in (None, "")), "")
        source = said or source
        rows = [[v for j, v in enumerate(r) if j != at] for r in rows]
        header = header[:at] + header[at + 1:]
    classes = header[1:]
    for i, name in enumerate(classes):
        if not name:
            issues.append(Issue("returns-header", f"column {i + 2} has no asset class name", table=where,
                                row=first_line))
    months: list[date] = []
    values: list[tuple[float, ...]] = []
    for offset, row in enumerate(rows[1:], start=1):
        line = first_line + offset
        day = _date(row[0] if row else None)
        if day is None:
            issues.append(Issue("returns-date", f"{row[0]!r} is not a date (write 2024-01-31)", table=where,
                                row=line, column=header[0]))
            continue
        cells = []
        for j, name in enumerate(classes, start=1):
            number = _fraction(row[j] if j < len(row) else None)
            if number is None:
                issues.append(Issue("returns-number", f"{(row[j] if j < len(row) else None)!r} is not a "
                                    "monthly return: write a decimal such as 0.012 for 1.2%", table=where,
                                    row=line, column=name))
                number = math.nan
            elif not LOWEST_RETURN <= number <= HIGHEST_RETURN:
                issues.append(Issue("returns-range", f"{number:g} is not a plausible monthly return (a decimal: "
                                    "0.012 = 1.2%; was a percent typed as a whole number?)", table=where,
                                    row=line, column=name))
            cells.append(number)
        months.append(month_end(day))
        values.append(tuple(cells))
    issues += _month_issues(months, where, first_line)
    if len(months) < MIN_MONTHS:
        issues.append(Issue("returns-short", f"{len(months)} months of returns: a backtest needs at least "
                            f"{MIN_MONTHS}", table=where))
    if any(i.is_error for i in issues):
        return None, issues
    return ReturnSeries(tuple(months), tuple(classes), tuple(values), source or where), issues


def _date(value: Any) -> Optional[date]:
    parsed, error = parse_date(value)
    return None if error else parsed


def _fraction(value: Any) -> Optional[float]:
    number, error = parse_number(value)      # "1.2%" reads as 0.012
    if error or number is None or not math.isfinite(number):
        return None
    return number


def _month_issues(months: list[date], where: str, first_line: int) -> list[Issue]:
    issues = []
    for i in range(1, len(months)):
        expected = next_month_end(months[i - 1])
        if months[i] != expected:
            what = "is repeated" if months[i] == months[i - 1] else \
                "comes before the month above it" if months[i] < months[i - 1] else \
                f"skips {expected:%Y-%m}"
            issues.append(Issue("returns-months", f"{months[i]:%Y-%m} {what}: the returns must be one row per "
                                "month, oldest first, with no gaps", table=where, row=first_line + i + 1))
    return issues


def synthetic_returns(classes: Sequence[str], months: int = 240, *, seed: int = 2008,
                      end: date = date(2025, 12, 31)) -> ReturnSeries:
    """A made-up but plausible monthly series (fixed seed): stocks-like classes volatile,
    bond-like classes calm, with a shared market factor.  For tests and the demo only;
    its ``source`` says synthetic and every output shows it."""
    rng = random.Random(seed)
    profiles = [_profile(c) for c in classes]
    start = end
    for _ in range(months - 1):
        start = _previous_month_end(start)
    out, day = [], start
    for _ in range(months):
        market = rng.gauss(0.0, 1.0)
        row = []
        for mean, vol, beta in profiles:
            shock = beta * market + math.sqrt(max(0.0, 1 - beta * beta)) * rng.gauss(0.0, 1.0)
            row.append(round(mean + vol * shock, 6))
        out.append((day, tuple(row)))
        day = next_month_end(day)
    return ReturnSeries(tuple(d for d, _ in out), tuple(classes), tuple(r for _, r in out),
                        f"synthetic (seed {seed}): made-up returns, not history")


def _previous_month_end(day: date) -> date:
    first = date(day.year, day.month, 1)
    prev = date(first.year - 1, 12, 31) if first.month == 1 else \
        date(first.year, first.month - 1, calendar.monthrange(first.year, first.month - 1)[1])
    return prev


def _profile(asset_class: str) -> tuple[float, float, float]:
    """(monthly mean, monthly volatility, market beta) by the class's name."""
    name = asset_class.lower()
    if any(word in name for word in ("bond", "treasur", "fixed", "income", "tips")):
        return 0.003, 0.012, 0.1
    if "cash" in name or "money" in name:
        return 0.0015, 0.001, 0.0
    if "reit" in name or "real estate" in name:
        return 0.007, 0.055, 0.7
    if "intl" in name or "international" in name or "emerging" in name:
        return 0.006, 0.048, 0.8
    return 0.0075, 0.044, 0.9
