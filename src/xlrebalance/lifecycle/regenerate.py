"""``new NEW --from OLD``: a fresh workbook of the current layout holding OLD's data.

    result = regenerate("Yesterday.xlsm", "Today.xlsm", live=True)
    result.tables        # what NEW holds: {table: rows, header first}
    result.report        # rows per table, extra columns, formulas, cells not carried, issues

OLD is only read (``read_book``); NEW is written by the builder (``write_book``), so it has
today's tables, formulas, Dashboard (dynamic arrays), VBA project and companion module,
whatever a spreadsheet program did to OLD.  With ``live`` the Prices table is refreshed
first, by the same rules as the Refresh prices button (``prices.refresh``).

``read_book`` and ``write_book`` are the primitive every headless change uses: read the
old workbook, change its tables, write a new one.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..cells import plain
from ..core.heap import collector_paused
from ..core.model import Issue, Severity
from ..errors import WorkbookError
from ..spec import layout, normalize_header
from ..workbook.builder import BuildResult, build_workbook
from ..workbook.xlwings_parts import check_workbook_path
from .book import Book, NotCarried, read_book

# Parser issues that repeat a table-level problem the structure check already reported.
_REPEATS = {"missing_table", "missing_column", "empty_table", "empty_holdings", "empty_targets"}
_TABLE_LEVEL = {"missing_sheet", "missing_table", "missing_column"}


@dataclass(frozen=True)
class RegenerateReport:
    """What ``regenerate`` carried from ``source`` into ``workbook``, and what it could not."""

    source: Path
    workbook: Path
    companion: Path
    rows: dict[str, int]                            # data rows per table in the new workbook
    extra_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    formulas: tuple[str, ...] = ()                  # cells carried as formulas ("Lots!G7")
    renamed: tuple[str, ...] = ()                   # headers/keys read by their new names
    not_carried: tuple[NotCarried, ...] = ()
    issues: tuple[Issue, ...] = ()                  # the old workbook's problems, formulas kept as values
    prices: Optional[str] = None                    # with live prices: what the refresh did

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]


@dataclass(frozen=True)
class Regenerated:
    tables: dict[str, list[list[Any]]]
    report: RegenerateReport


def write_book(path: str | Path, tables: Mapping[str, Sequence[Sequence[Any]]], *, force: bool = False,
               xlwings_conf: Optional[Mapping[str, Any]] = None) -> BuildResult:
    """Write a new workbook of the current layout holding ``tables`` (as ``read_book`` gives
    them, changed or not): extra columns at the right of their table, formulas as formulas."""
    return build_workbook(path, tables=tables, force=force, xlwings_conf=xlwings_conf)


def refuse_overwrite(old: str | Path, new: str | Path, force: bool) -> None:
    """``WorkbookError`` when NEW is OLD (never written over, not even with ``force``), or
    NEW or its companion module exists and ``force`` is not given."""
    old_path, name = Path(old), check_workbook_path(new)
    if _same_file(old_path, name.path) or _same_file(old_path, name.companion_path):
        raise WorkbookError(f"{name.path} is the workbook being read; write the new workbook under another name "
                            "(the old one is never changed)")
    existing = [p for p in (name.path, name.companion_path) if p.exists()]
    if existing and not force:
        listed = " and ".join(str(p) for p in existing)
        raise WorkbookError(f"{listed} already exist{'s' if len(existing) == 1 else ''}; choose another name or "
                            "pass --force to overwrite")


def _same_file(a: Path, b: Path) -> bool:
    if a.exists() and b.exists():
        return os.path.samefile(a, b)
    return a.resolve() == b.resolve()


def regenerate(old: str | Path, new: str | Path, *, force: bool = False, live: bool = False,
               source: Any = None, now: Optional[datetime] = None, progress: Any = None) -> Regenerated:
    """Build ``new`` from the current layout with every data row of ``old``.

    ``live`` fetches quotes into the Prices table first (``source``: a ``PriceSource``,
    default Yahoo behind the cache).  Raises ``WorkbookError`` when ``new`` is ``old``,
    exists without ``force``, or ``old`` has no readable data; a broken layout in ``old``
    is no obstacle (regenerating is how it is repaired): its problems are in the report.
    """
    refuse_overwrite(old, new, force)
    # A 100,000-lot book becomes millions of short-lived values (rows read, cells written):
    # the cyclic collector would only rescan them, about 1 s of CPU (bench_new.py).
    with collector_paused():
        return _regenerate(Path(old), new, force, live, source, now, progress)


def _regenerate(old: Path, new: str | Path, force: bool, live: bool, source: Any, now: Optional[datetime],
                progress: Any) -> Regenerated:
    from ..tables import parse_household

    book = read_book(old)
    household = parse_household(book.values(), header_rows=book.header_rows)
    issues = list(book.issues) + _parse_issues(book, household) + _repeated_settings(book)
    tables, prices = book.tables, None
    if live:
        tables, prices = with_live_prices(book, source=source, now=now, progress=progress)
        household = None    # the builder parses the refreshed tables
    built = build_workbook(new, tables=tables, force=force, xlwings_conf=book.xlwings_conf, household=household)
    report = RegenerateReport(
        source=Path(old), workbook=built.workbook, companion=built.companion, rows=dict(built.rows),
        extra_columns=book.extra_columns(), formulas=book.formulas, renamed=book.renamed,
        not_carried=book.not_carried, issues=tuple(issues), prices=prices,
    )
    return Regenerated(tables=tables, report=report)


def _parse_issues(book: Book, household) -> list[Issue]:
    """The data problems ``check`` would report for the old workbook (``household`` is its
    tables parsed), minus repeats of the structure problems already found."""
    parsed = household.issues
    covered = {normalize_header(i.table or "") for i in book.issues if i.code in _TABLE_LEVEL}
    return [i for i in parsed if not (i.code in _REPEATS and normalize_header(i.table or "") in covered)]


def _repeated_settings(book: Book) -> list[Issue]:
    """A Settings key typed twice: the new workbook keeps the last row (the one the answers
    use); the earlier rows are not carried."""
    rows = book.tables.get("Settings")
    if not rows:
        return []
    keys = [normalize_header(h) if h is not None else "" for h in rows[0]]
    if normalize_header("Setting") not in keys:
        return []
    at = keys.index(normalize_header("Setting"))
    value_at = keys.index(normalize_header("Value")) if normalize_header("Value") in keys else None
    last: dict[str, int] = {}
    for index, row in enumerate(rows[1:], start=1):
        key = plain(row[at]) if at < len(row) else None
        if key is not None and str(key).strip():
            last[normalize_header(key)] = index
    header_row = book.header_rows.get("Settings", 1)
    out = []
    for index, row in enumerate(rows[1:], start=1):
        key = plain(row[at]) if at < len(row) else None
        if key is None or not str(key).strip() or last[normalize_header(key)] == index:
            continue
        value = plain(row[value_at]) if value_at is not None and value_at < len(row) else None
        out.append(Issue("repeated_setting", f"'{key}' is set again in row {header_row + last[normalize_header(key)]}; "
                         f"this row's value ({value}) is not carried, the later one is (as the answers use it).",
                         book.sheets.get("Settings", "Settings"), header_row + index, "Setting", Severity.WARNING))
    return out


def with_live_prices(book: Book, *, source: Any = None, now: Optional[datetime] = None,
                     progress: Any = None) -> tuple[dict[str, list[list[Any]]], str]:
    """``book.tables`` with the Prices table refreshed as the Refresh prices button does it
    (Manual rows untouched, failed tickers kept and marked STALE/MISSING, needed tickers
    added); the extra columns of a row stay with its ticker.  Returns the tables and a
    one-line summary."""
    from ..core.staleness import needed_tickers
    from ..prices.refresh import default_source, prices_to_table, refresh_table
    from ..tables import parse_household

    household = parse_household(book.values())
    old = book.tables.get("Prices") or [[c.name for c in layout().table("Prices").columns]]
    plain_rows = [[plain(v) for v in row] for row in old]
    result = refresh_table(plain_rows, needed_tickers(household), source or default_source(), now=now,
                           progress=progress, header_row=1)
    header = list(old[0])
    keys = [normalize_header(h) if h is not None else "" for h in header]
    registry = [c.name for c in layout().table("Prices").columns]
    for name in registry:
        if normalize_header(name) not in keys:
            header.append(name)
            keys.append(normalize_header(name))
    at = [keys.index(normalize_header(name)) for name in registry]
    fresh = prices_to_table(result.rows, header=False)
    rows = [header]
    for price, values in zip(result.rows, fresh):
        index = price.row - 2 if price.row else None     # header_row=1: sheet row 2 is the first data row
        kept = list(old[index + 1]) if index is not None and 0 <= index < len(old) - 1 else []
        row = kept + [None] * (len(header) - len(kept))
        if price.ticker and price.ticker in result.changed:
            for position, value in zip(at, values):
                row[position] = value
        rows.append(row)
    tables = dict(book.tables)
    tables["Prices"] = rows
    return tables, result.summary()
