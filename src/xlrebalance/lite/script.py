"""What the scripts of the Lite ``main.py`` do in the open workbook (an ``xlwings.Book`` as
xlwings Lite hands it to a ``@script``).

``refresh_prices`` is the desktop Refresh prices (``excel.refresh``: the Prices table's
contract columns only, Manual rows untouched, a failed ticker keeps its price marked
``STALE: <why>, price from <date> (<n> days old)`` or ``MISSING: <why>``, the outcome in the
cell right of the table), with the quotes fetched by the browser from the Settings' Quote
URL first, since the browser's fetch is asynchronous.

``write_formulas`` writes the Excel functions' formulas into their cells, as typed by a
person (``=DRIFT(Holdings[#All],...)``): Excel binds them to the functions xlwings Lite has
registered.  The refresh does it first on every run, so the first refresh also binds a
workbook whose stored formulas Excel did not bind on opening.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Optional, Sequence

from ..excel.refresh import PRICES, SOURCE_TABLES, find_table, refresh_workbook, table_values
from ..prices.refresh import RefreshResult, prices_from_table, tickers_to_fetch
from ..spec import normalize_header
from .quotes import QUOTE_URL, Fetch, Prefetched, fetch_quotes, source_name

#: (sheet name, cell address, formula) of every Excel function formula in the workbook.
Formula = tuple[str, str, str]


def setting_text(book: Any, key: str) -> Optional[str]:
    """The Settings table's Value for ``key`` as text (None when absent or blank)."""
    found = find_table(book, "Settings")
    if found is None:
        return None
    rows = table_values(found[1])
    if not rows:
        return None
    header = [normalize_header(h) for h in rows[0]]
    if "setting" not in header or "value" not in header:
        return None
    at_key, at_value = header.index("setting"), header.index("value")
    for row in rows[1:]:
        if normalize_header(row[at_key]) == normalize_header(key):
            value = row[at_value]
            return None if value is None or str(value).strip() == "" else str(value).strip()
    return None


def write_formulas(book: Any, formulas: Sequence[Formula]) -> int:
    """Write each formula into its cell; returns how many were written."""
    by_name = {normalize_header(s.name): s for s in book.sheets}
    written = 0
    for sheet_name, address, formula in formulas:
        sheet = by_name.get(normalize_header(sheet_name))
        if sheet is None:
            continue   # the user removed that sheet: nothing to bind
        sheet.range(address).formula = formula
        written += 1
    return written


def _needed(book: Any) -> tuple[tuple[str, ...], Optional[float]]:
    """The tickers the workbook needs, and its price refresh deadline (seconds)."""
    from ..core.staleness import needed_tickers
    from ..tables import parse_household

    tables = {}
    for name in SOURCE_TABLES:
        found = find_table(book, name)
        if found is not None:
            tables[name] = table_values(found[1])
    household = parse_household(tables)
    return needed_tickers(household), getattr(household.settings, "price_timeout_seconds", None)


async def refresh_prices(book: Any, fetch: Optional[Fetch] = None, *, formulas: Sequence[Formula] = (),
                         now: Optional[datetime] = None,
                         clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc).astimezone()
                         ) -> Optional[RefreshResult]:
    """The Refresh prices script.  ``fetch`` is ``pyodide.http.pyfetch`` in xlwings Lite."""
    if formulas:
        write_formulas(book, formulas)
    if fetch is None:
        from pyodide.http import pyfetch   # only inside Pyodide

        fetch = pyfetch
    found = find_table(book, PRICES)
    if found is None:   # refresh_workbook says so in the status bar and returns
        return refresh_workbook(book, source=Prefetched(await fetch_quotes((), None, fetch)), now=now, clock=clock)
    template = setting_text(book, QUOTE_URL)
    try:
        needed, deadline = _needed(book)
        wanted = tickers_to_fetch(prices_from_table(table_values(found[1])), needed)
    except Exception:   # unreadable tables: refresh_workbook reports it, writing nothing
        wanted, deadline = (), None
    result = await fetch_quotes(wanted, template, fetch, deadline=deadline)
    return refresh_workbook(book, source=Prefetched(result, source_name(template or "")), now=now, clock=clock)
