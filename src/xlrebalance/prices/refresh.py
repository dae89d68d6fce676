"""Refresh semantics: previous Prices rows + quotes -> the new Prices rows.

Rules (the Prices table contract):
- every ticker the workbook needs gets a row; new ones are appended after the existing
  rows, which keep their order (rows are joined by ticker, never by position);
- a quote updates Price, Currency, As of, Source and sets Status to ``OK``;
- a ticker that failed keeps its previous price, currency, date and source, and its
  Status says ``STALE: <reason>, price from <date> (<n> days old)``, or
  ``MISSING: <reason>`` when there never was a price;
- rows with Source = Manual are never fetched nor changed; rows with a blank ticker and
  rows of tickers nobody needs any more are kept (refreshed if not Manual).

``refresh_rows`` is pure (give it ``now``); ``refresh_table`` works on the 2-D table as
Excel or the reader hands it; ``fetch_for_tables``, ``live_prices`` and
``with_live_prices_table`` are what the CLI calls.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..core.model import Household, Issue, Price
from ..core.staleness import (
    MANUAL_SOURCE, STATUS_MISSING, STATUS_OK, STATUS_STALE, is_manual, needed_tickers, price_date,
    stale_price_issues,
)
from ..spec import layout, normalize_header
from ..cells import parse_number
from ..files.formula import inert
from ..files.output import refuse_output, write_text_atomically
from ..tables import parse_household, to_rows
from .deadline import within
from .source import FetchResult, PriceSource, ProgressCallback, normalize_ticker, unique_tickers

__all__ = [
    "MANUAL_SOURCE", "RefreshResult", "default_source", "excel_time", "fetch_for_tables", "live_prices",
    "needed_tickers", "prices_from_table", "prices_to_table", "refresh_rows", "refresh_table",
    "stale_status", "tickers_to_fetch", "with_live_prices_table", "write_csv",
]

TABLE = "Prices"


def _columns() -> tuple[str, ...]:
    return tuple(c.name for c in layout().table(TABLE).columns)


@dataclass(frozen=True)
class RefreshResult:
    """The new rows, which tickers were written (``updated`` OK, ``stale``, ``missing``)."""

    rows: tuple[Price, ...]
    updated: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    added: tuple[str, ...] = ()
    manual: tuple[str, ...] = ()

    @property
    def changed(self) -> frozenset[str]:
        """Tickers whose row differs from before (every fetched ticker, and added rows)."""
        return frozenset(self.updated + self.stale + self.missing + self.added)

    def summary(self) -> str:
        parts = [f"{len(self.updated)} updated"]
        if self.stale:
            parts.append(f"{len(self.stale)} stale ({', '.join(self.stale)})")
        if self.missing:
            parts.append(f"{len(self.missing)} missing ({', '.join(self.missing)})")
        if self.manual:
            parts.append(f"{len(self.manual)} manual kept")
        return ", ".join(parts)


# ---------------------------------------------------------------------------------------
# Pure semantics


def tickers_to_fetch(previous: Sequence[Price], needed: Sequence[str]) -> tuple[str, ...]:
    """Needed tickers and the tickers already in Prices, minus those priced by hand."""
    manual = {normalize_ticker(p.ticker) for p in previous if is_manual(p) and p.ticker}
    everything = unique_tickers(list(needed) + [p.ticker for p in previous if p.ticker])
    return tuple(t for t in everything if t not in manual)


def stale_status(reason: str, as_of: object, today: date) -> str:
    """``STALE: <reason>, price from <date> (<n> days old)``."""
    day = price_date(as_of)
    if day is None:
        return f"{STATUS_STALE}: {reason}, price of unknown date"
    days = (today - day).days
    unit = "day" if days == 1 else "days"
    return f"{STATUS_STALE}: {reason}, price from {day.isoformat()} ({days} {unit} old)"


def _has_price(price: Price) -> bool:
    return isinstance(price.price, (int, float)) and math.isfinite(price.price) and price.price > 0


def _refreshed(row: Price, result: FetchResult, today: date) -> tuple[Price, str]:
    """The row after the fetch, and what happened: ok / stale / missing."""
    ticker = normalize_ticker(row.ticker)
    quote = result.quotes.get(ticker)
    if quote is not None:
        return replace(row, ticker=ticker, price=quote.price, currency=quote.currency, as_of=quote.time,
                       source=quote.source, status=STATUS_OK), "ok"
    failure = result.failures.get(ticker)
    reason = failure.reason if failure is not None else "the price source gave no answer"
    if _has_price(row):
        return replace(row, status=stale_status(reason, row.as_of, today)), "stale"
    return replace(row, price=None, status=f"{STATUS_MISSING}: {reason}"), "missing"


def _is_blank(row: Price) -> bool:
    return not row.ticker and row.price is None and not row.source and not row.status


def refresh_rows(previous: Sequence[Price], needed: Sequence[str], result: FetchResult, *,
                 now: datetime) -> RefreshResult:
    """New Prices rows from the previous rows, the needed tickers and a fetch result.

    Tickers without a row fill the table's blank rows first (a new workbook's Prices table
    has one), then are appended.  ``now`` (timezone-aware) dates the age of stale prices.
    """
    today = now.date()
    rows: list[Price] = []
    outcome: dict[str, list[str]] = {"ok": [], "stale": [], "missing": [], "manual": []}
    present, slots = set(), []
    for row in previous:
        ticker = normalize_ticker(row.ticker) if row.ticker else ""
        if ticker:
            present.add(ticker)
        if _is_blank(row):
            slots.append(len(rows))
        if not ticker or is_manual(row):
            rows.append(row)
            if ticker:
                outcome["manual"].append(ticker)
            continue
        new_row, what = _refreshed(row, result, today)
        rows.append(new_row)
        outcome[what].append(ticker)
    added = [t for t in unique_tickers(needed) if t not in present]
    for ticker in added:
        new_row, what = _refreshed(Price(ticker, None, "USD", None, "", ""), result, today)
        if slots:
            at = slots.pop(0)
            rows[at] = replace(new_row, row=rows[at].row)
        else:
            rows.append(new_row)
        outcome[what].append(ticker)
    return RefreshResult(
        rows=tuple(rows), updated=_unique(outcome["ok"]), stale=_unique(outcome["stale"]),
        missing=_unique(outcome["missing"]), added=tuple(added), manual=_unique(outcome["manual"]),
    )


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------
# The 2-D table (header row first), as Excel, the reader and the UDFs hand it over


def _header_index(header: Sequence[Any]) -> dict[str, int]:
    keys = {normalize_header(name): i for i, name in enumerate(header) if name is not None}
    return {name: keys[normalize_header(name)] for name in _columns() if normalize_header(name) in keys}


def _when(value: Any) -> Optional[date]:
    if isinstance(value, (date, datetime)):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    if isinstance(value, str) and value.strip():
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def prices_from_table(table: Sequence[Sequence[Any]], *, header_row: int = 1) -> tuple[Price, ...]:
    """Every data row of a Prices table, leniently (bad cells become blanks).

    ``row`` is the sheet row: ``header_row`` (the header's sheet row, default 1) + position.
    Blank rows are kept as rows with an empty ticker.
    """
    if not table:
        return ()
    where = _header_index(table[0])
    if "Ticker" not in where:
        raise ValueError("the Prices table has no 'Ticker' column")

    def cell(values: Sequence[Any], name: str) -> Any:
        i = where.get(name)
        return values[i] if i is not None and i < len(values) else None

    rows = []
    for n, values in enumerate(table[1:], start=header_row + 1):
        ticker = _text(cell(values, "Ticker"))
        rows.append(Price(
            ticker=normalize_ticker(ticker) if ticker else "", price=parse_number(cell(values, "Price"))[0],
            currency=_text(cell(values, "Currency")) or "USD", as_of=_when(cell(values, "As of")),
            source=_text(cell(values, "Source")), status=_text(cell(values, "Status")), row=n,
        ))
    return tuple(rows)


def excel_time(value: object) -> object:
    """A quote time as Excel shows it: local wall-clock time, no time zone (Excel has none)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    return value


def prices_to_table(rows: Sequence[Price], *, header: bool = True) -> list[list[Any]]:
    """Rows in the registry's column order; ``As of`` as naive local time (see ``excel_time``)."""
    body = [[p.ticker or None, p.price, p.currency or None, excel_time(p.as_of), p.source or None,
             p.status or None] for p in rows]
    return ([list(_columns())] if header else []) + body


def refresh_table(table: Sequence[Sequence[Any]], needed: Sequence[str], source: PriceSource, *,
                  now: Optional[datetime] = None, progress: Optional[ProgressCallback] = None,
                  header_row: int = 1, deadline: Optional[float] = None) -> RefreshResult:
    """Fetch what ``table`` (a Prices table, header first) and ``needed`` call for; refresh.

    The fetch returns within ``deadline`` seconds (default 20): tickers not answered by
    then keep their previous price, marked STALE."""
    previous = prices_from_table(table, header_row=header_row) if table else ()
    result = within(source, deadline).fetch(tickers_to_fetch(previous, needed), progress=progress)
    return refresh_rows(previous, needed, result, now=now or datetime.now(timezone.utc).astimezone())


# ---------------------------------------------------------------------------------------
# Front-end helpers: default source, workbook files, CSV, live prices for `check --live`


def default_source() -> PriceSource:
    """Yahoo Finance behind the on-disk cache (15-minute time-to-live)."""
    from .cache import cached
    from .yahoo import YahooSource

    return cached(YahooSource())


def _prices_key(tables: Mapping[str, Any]) -> str:
    for key in tables:
        if normalize_header(key) == normalize_header(TABLE):
            return key
    return TABLE


def fetch_for_tables(tables: Mapping[str, Any], *, header_rows: Optional[Mapping[str, int]] = None,
                     source: Optional[PriceSource] = None, progress: Optional[ProgressCallback] = None,
                     now: Optional[datetime] = None) -> tuple[tuple[Price, ...], list[Issue]]:
    """Fetch the quotes a workbook's tables need; return the new Prices rows and warnings.

    ``tables`` as the reader returns them (header first).  Nothing is written anywhere.
    The warnings are the stale/missing-price issues of the refreshed rows for tickers the
    workbook needs.
    """
    household, result = _refresh_tables(tables, source or default_source(), now=now, progress=progress,
                                        header_rows=header_rows)
    refreshed = replace(household, prices=tuple(p for p in result.rows if p.ticker))
    return result.rows, stale_price_issues(refreshed)


def _refresh_tables(tables: Mapping[str, Any], source: PriceSource, *, now: Optional[datetime],
                    progress: Optional[ProgressCallback],
                    header_rows: Optional[Mapping[str, int]] = None) -> tuple[Household, RefreshResult]:
    household = parse_household(tables)
    key = _prices_key(tables)
    table = to_rows(tables.get(key))
    header_row = (header_rows or {}).get(key, 1)
    return household, refresh_table(table, needed_tickers(household), source, now=now, progress=progress,
                                    header_row=header_row, deadline=household.settings.price_timeout_seconds)


def with_live_prices_table(tables: Mapping[str, Any], source: Optional[PriceSource] = None, *,
                           now: Optional[datetime] = None,
                           progress: Optional[ProgressCallback] = None) -> dict[str, Any]:
    """``tables`` with the Prices table replaced by freshly fetched rows (in memory only).

    For ``xlrebalance check PATH --live``: parse the result as usual.
    """
    _, result = _refresh_tables(tables, source or default_source(), now=now, progress=progress)
    updated = dict(tables)
    updated[_prices_key(tables)] = prices_to_table(result.rows)
    return updated


def live_prices(household: Household, source: Optional[PriceSource] = None, *,
                now: Optional[datetime] = None,
                progress: Optional[ProgressCallback] = None) -> tuple[Price, ...]:
    """The household's prices refreshed from ``source`` (default: Yahoo, cached)."""
    source = source or default_source()
    needed = needed_tickers(household)
    result = within(source, household.settings.price_timeout_seconds).fetch(
        tickers_to_fetch(household.prices, needed), progress=progress)
    now = now or datetime.now(timezone.utc).astimezone()
    return refresh_rows(household.prices, needed, result, now=now).rows


def write_csv(rows: Sequence[Price], path: str | Path, *, inputs: Sequence[str | Path] = ()) -> Path:
    """Write the Prices rows as CSV (registry columns; As of in ISO 8601 with its offset).

    Whole or not at all (a temporary file renamed into place); never over one of ``inputs``
    nor to a workbook name.  Text that a spreadsheet would run as a formula is made inert
    (OWASP: a leading apostrophe); numbers and dates are written as they are."""
    target = refuse_output(path, inputs, what="the CSV file")
    lines = io.StringIO(newline="")
    writer = csv.writer(lines)
    writer.writerow(_columns())
    for p in rows:
        as_of = p.as_of.isoformat() if isinstance(p.as_of, date) else ""
        price = "" if p.price is None else repr(float(p.price))
        writer.writerow([inert(p.ticker), price, inert(p.currency), as_of, inert(p.source), inert(p.status)])
    return write_text_atomically(target, lines.getvalue(), newline="")
