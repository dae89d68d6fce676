"""The Refresh prices button, inside Excel: fetch quotes and write only the Prices table.

The companion module's ``main()`` calls ``refresh_workbook(xw.Book.caller())``.  It reads
the tables it needs through xlwings, fetches every needed ticker in one batch (Yahoo behind
the 15-minute cache by default), writes the six contract columns of the Prices table (extra
columns the user added are left alone; rows priced by hand, Source = Manual, are written
back exactly as they were read), grows the table for new tickers, and recalculates.

While it runs, a message in the cell to the right of the Prices table (and Excel's status
bar) says what is happening; when it ends the cell keeps the outcome.  Nothing is written
if anything fails before the write; the user sees a message, never a traceback.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Optional, Sequence

from ..core.staleness import needed_tickers
from ..prices.refresh import RefreshResult, prices_to_table, refresh_table
from ..prices.source import PriceSource
from ..files.formula import inert
from ..spec import layout, normalize_header

PRICES = "Prices"
#: Tables read to know which tickers the workbook needs.
SOURCE_TABLES = ("Settings", "Accounts", "Targets", "Securities", "Holdings")
#: Blank columns between the Prices table and its status message.
STATUS_GAP = 1


def find_table(book: Any, name: str) -> Optional[tuple[Any, Any]]:
    """(sheet, table) of the Excel Table called ``name``: on its registry sheet, else anywhere."""
    key = normalize_header(name)
    try:
        preferred = layout().table(name).sheet
    except KeyError:
        preferred = name
    sheets = list(book.sheets)
    sheets.sort(key=lambda s: normalize_header(s.name) != normalize_header(preferred))
    for sheet in sheets:
        for table in sheet.tables:
            if normalize_header(table.name) == key:
                return sheet, table
    return None


def table_values(table: Any) -> list[list[Any]]:
    """The table as a 2-D list, header row first (``ndim=2`` even for one row)."""
    return [list(row) for row in table.range.options(ndim=2).value]


def status_cell(sheet: Any, table: Any) -> Any:
    """The cell for progress and outcome messages: right of the table's header row."""
    rng = table.range
    return sheet.range((rng.row, rng.column + rng.shape[1] + STATUS_GAP))


class _Status:
    """Writes messages to the status cell and Excel's status bar."""

    def __init__(self, book: Any, cell: Any):
        self.book, self.cell = book, cell
        self._last_step = -1

    def show(self, message: str) -> None:
        if self.cell is not None:
            self.cell.value = message
        try:
            self.book.app.status_bar = message
        except Exception:  # pragma: no cover - status bar is a nicety
            pass

    def progress(self, done: int, total: int) -> None:
        step = (10 * done) // max(total, 1)
        if step != self._last_step:
            self._last_step = step
            self.show(f"Refreshing prices... {done} of {total} tickers")

    def release(self) -> None:
        try:
            self.book.app.status_bar = False
        except Exception:  # pragma: no cover
            pass


def _read_tables(book: Any) -> dict[str, list[list[Any]]]:
    tables = {}
    for name in SOURCE_TABLES:
        found = find_table(book, name)
        if found is not None:
            tables[name] = table_values(found[1])
    return tables


def _needed(book: Any) -> tuple[tuple[str, ...], float]:
    """The tickers the workbook needs, and its price refresh deadline (seconds)."""
    from ..tables import parse_household

    household = parse_household(_read_tables(book))
    return needed_tickers(household), household.settings.price_timeout_seconds


def column_values(previous: Sequence[Sequence[Any]], result: RefreshResult) -> dict[str, list[Any]]:
    """Contract column -> its new data-body values, one per row of ``result``.

    Rows the refresh did not change (Manual, blank ticker) keep the values read from Excel,
    cell for cell; changed and added rows take the refreshed values.
    """
    header = previous[0] if previous else []
    names = [c.name for c in layout().table(PRICES).columns]
    where = {normalize_header(h): i for i, h in enumerate(header) if h is not None}
    new_rows = prices_to_table(result.rows, header=False)
    changed = result.changed
    columns: dict[str, list[Any]] = {name: [] for name in names}
    for n, (price, new) in enumerate(zip(result.rows, new_rows), start=1):
        old = previous[n] if n < len(previous) else None
        keep = old is not None and price.ticker not in changed
        for j, name in enumerate(names):
            i = where.get(normalize_header(name))
            if keep and i is not None and i < len(old):
                columns[name].append(old[i])
            else:
                columns[name].append(new[j])
    return columns


def write_prices(sheet: Any, table: Any, previous: Sequence[Sequence[Any]], result: RefreshResult) -> int:
    """Write the refreshed rows into the table's contract columns; returns the rows written.

    The table grows downward when tickers were added; no other cell is written.
    """
    rng = table.range
    top, left, width = rng.row, rng.column, rng.shape[1]
    n_rows = len(result.rows)
    if n_rows == 0:
        return 0
    if 1 + n_rows > rng.shape[0]:
        table.resize(sheet.range((top, left), (top + n_rows, left + width - 1)))
    header = [normalize_header(h) for h in previous[0]]
    for name, values in column_values(previous, result).items():
        key = normalize_header(name)
        if key not in header:
            continue  # a column the user removed is not put back
        col = left + header.index(key)
        # text Excel would parse as a formula (a ticker "=cmd|'/c calc'!A1") is written as text
        sheet.range((top + 1, col), (top + n_rows, col)).value = [[inert(v)] for v in values]
    return n_rows


def _default_source() -> PriceSource:
    from ..prices.refresh import default_source

    return default_source()


def refresh_workbook(book: Any, *, source: Optional[PriceSource] = None, now: Optional[datetime] = None,
                     clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc).astimezone()
                     ) -> Optional[RefreshResult]:
    """Refresh the Prices table of ``book`` (an ``xlwings.Book``); None when nothing was written."""
    found = find_table(book, PRICES)
    if found is None:
        _Status(book, None).show("Refresh prices: this workbook has no Excel Table named 'Prices'.")
        return None
    sheet, table = found
    status = _Status(book, status_cell(sheet, table))
    writing = False
    try:
        status.show("Refreshing prices... reading the workbook")
        previous = table_values(table)
        needed, deadline = _needed(book)
        result = refresh_table(previous, needed, source or _default_source(), now=now or clock(),
                               progress=status.progress, deadline=deadline)
        writing = True
        write_prices(sheet, table, previous, result)
        book.app.calculate()
        status.show(f"Prices refreshed {clock():%Y-%m-%d %H:%M}: {result.summary()}.")
        return result
    except Exception as exc:  # the user sees a message, never a traceback
        what = "while writing the Prices table" if writing else "prices unchanged"
        status.show(f"Price refresh failed ({what}): {type(exc).__name__}: {exc}")
        return None
    finally:
        status.release()
