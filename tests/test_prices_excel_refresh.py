"""The Refresh prices button's Python side, on a fake xlwings Book (Excel is not here).

The fake implements the few xlwings calls ``excel.refresh`` makes (sheets, tables, ranges
addressed by (row, column) tuples, ``options(ndim=2)``, ``Table.resize``, ``App.calculate``,
``App.status_bar``) over a dict of cells, and logs every write, so the tests can prove that
only the Prices table and its status cell are written.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from xlrebalance.excel.refresh import find_table, refresh_workbook, status_cell
from xlrebalance.prices.source import Failure, FailureKind, FetchResult, Quote

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=NY)
CLOSE = datetime(2026, 11, 20, 16, 0, tzinfo=NY)


class FakeRange:
    def __init__(self, sheet, first, last=None):
        self.sheet = sheet
        self.r1, self.c1 = first
        self.r2, self.c2 = last or first
        self._ndim = None

    row = property(lambda self: self.r1)
    column = property(lambda self: self.c1)
    shape = property(lambda self: (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1))

    def options(self, ndim=None, **_):
        clone = FakeRange(self.sheet, (self.r1, self.c1), (self.r2, self.c2))
        clone._ndim = ndim
        return clone

    @property
    def value(self):
        rows = [[self.sheet.cells.get((r, c)) for c in range(self.c1, self.c2 + 1)]
                for r in range(self.r1, self.r2 + 1)]
        if self._ndim == 2:
            return rows
        if self.shape == (1, 1):
            return rows[0][0]
        return rows if self.shape[0] > 1 and self.shape[1] > 1 else [v for row in rows for v in row]

    @value.setter
    def value(self, data):
        if not isinstance(data, list):
            data = [[data]]
        elif data and not isinstance(data[0], list):
            data = [data]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                assert not (isinstance(v, datetime) and v.tzinfo), "Excel cannot hold time zones"
                self.sheet.write((self.r1 + i, self.c1 + j), v)


class FakeTable:
    def __init__(self, sheet, name, top_left, values):
        self.sheet, self.name = sheet, name
        self.top, self.left = top_left
        self.rows, self.cols = len(values), len(values[0])
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                sheet.cells[(self.top + i, self.left + j)] = v

    @property
    def range(self):
        return FakeRange(self.sheet, (self.top, self.left), (self.top + self.rows - 1, self.left + self.cols - 1))

    def resize(self, rng):
        assert (rng.r1, rng.c1) == (self.top, self.left) and rng.shape[1] == self.cols
        self.rows = rng.shape[0]


class FakeSheet:
    def __init__(self, book, name):
        self.book, self.name = book, name
        self.cells, self.tables = {}, []

    def range(self, first, last=None):
        return FakeRange(self, first, last)

    def write(self, cell, value):
        self.book.writes.append((self.name, cell))
        self.cells[cell] = value

    def add_table(self, name, values, top_left=(1, 1)):
        self.tables.append(FakeTable(self, name, top_left, values))


class FakeApp:
    def __init__(self):
        self.calculations, self.status_messages = 0, []

    def calculate(self):
        self.calculations += 1

    @property
    def status_bar(self):
        return self.status_messages[-1] if self.status_messages else False

    @status_bar.setter
    def status_bar(self, value):
        self.status_messages.append(value)


class FakeBook:
    def __init__(self):
        self.app, self.writes, self._sheets = FakeApp(), [], {}

    def add_sheet(self, name):
        self._sheets[name] = FakeSheet(self, name)
        return self._sheets[name]

    @property
    def sheets(self):
        return list(self._sheets.values())


class DictSource:
    name = "Dict"

    def __init__(self, quotes, failures=()):
        self.quotes = {q.ticker: q for q in quotes}
        self.failures = {f.ticker: f for f in failures}
        self.asked = []

    def fetch(self, tickers, *, progress=None):
        tickers = list(tickers)
        self.asked.append(tickers)
        for i, _ in enumerate(tickers, start=1):
            if progress:
                progress(i, len(tickers))
        return FetchResult({t: q for t, q in self.quotes.items() if t in tickers},
                           {t: f for t, f in self.failures.items() if t in tickers})


PRICES = [
    ["Ticker", "Price", "Currency", "As of", "Source", "Status", "My note"],
    ["VTI", 300.0, "USD", datetime(2026, 11, 13), "Yahoo", "OK", "core"],
    ["CIT500", 123.45, "USD", datetime(2026, 10, 31), "Manual", "from the statement", "401k"],
    ["BND", 70.0, "USD", datetime(2026, 11, 13), "Yahoo", "OK", None],
]


def make_book():
    book = FakeBook()
    book.add_sheet("Dashboard").cells[(1, 1)] = "Dashboard"
    book.add_sheet("Targets").add_table("Targets", [
        ["Asset class", "Target", "Tradable", "Buy ticker"],
        ["US Stocks", 0.6, True, "VTI"], ["Bonds", 0.4, True, "BND"]])
    book.add_sheet("Securities").add_table("Securities", [
        ["Ticker", "Asset class", "Wash group", "Replacement"],
        ["VTI", "US Stocks", None, "ITOT"], ["BND", "Bonds", None, None], ["CIT500", "US Stocks", None, None]])
    book.add_sheet("Holdings").add_table("Holdings", [
        ["Account", "Ticker", "Shares"], ["Taxable", "VTI", 10.0], ["401k", "CIT500", 100.0], ["IRA", "BND", 50.0]])
    prices = book.add_sheet("Prices")
    prices.add_table("Prices", PRICES, top_left=(2, 1))
    prices.cells[(20, 1)] = "something below the table"
    book.writes.clear()
    return book


def prices_rows(book):
    sheet, table = find_table(book, "Prices")
    return table.range.options(ndim=2).value


def test_refresh_updates_keeps_manual_adds_needed_and_recalculates():
    book = make_book()
    source = DictSource([Quote("VTI", 332.18, "USD", CLOSE, "Yahoo"), Quote("ITOT", 140.5, "USD", CLOSE, "Yahoo")],
                        [Failure("BND", FailureKind.RATE_LIMITED, "HTTP 429")])
    result = refresh_workbook(book, source=source, now=NOW)
    assert result is not None
    rows = prices_rows(book)
    local_close = CLOSE.astimezone().replace(tzinfo=None)
    assert rows[0] == PRICES[0]
    assert rows[1] == ["VTI", 332.18, "USD", local_close, "Yahoo", "OK", "core"]
    assert rows[2] == PRICES[2]                                     # Manual: exactly as it was
    assert rows[3][:5] == PRICES[3][:5] and rows[3][6] is None       # BND: previous price kept
    assert rows[3][5] == "STALE: HTTP 429, price from 2026-11-13 (7 days old)"
    assert rows[4] == ["ITOT", 140.5, "USD", local_close, "Yahoo", "OK", None]  # added: the replacement
    assert "CIT500" not in source.asked[0]
    assert book.app.calculations == 1
    assert book.app.status_messages[-1] is False                     # status bar handed back


def test_only_prices_table_and_status_cell_are_written():
    book = make_book()
    source = DictSource([Quote(t, 10.0, "USD", CLOSE, "Yahoo") for t in ("VTI", "BND", "ITOT")])
    refresh_workbook(book, source=source, now=NOW)
    sheet, table = find_table(book, "Prices")
    status = status_cell(sheet, table)
    written = set(book.writes)
    assert {s for s, _ in written} == {"Prices"}
    inside = {(r, c) for r in range(3, 3 + 4) for c in range(1, 7)}  # data body, six contract columns
    status_at = (status.row, status.column)
    assert status_at == (2, 9)  # header row, one blank column after the 7-column table
    assert {cell for _, cell in written} - inside == {status_at}
    assert sheet.cells[(20, 1)] == "something below the table"


def test_status_cell_shows_progress_then_outcome():
    book = make_book()
    source = DictSource([Quote(t, 10.0, "USD", CLOSE, "Yahoo") for t in ("VTI", "BND", "ITOT")])
    refresh_workbook(book, source=source, now=NOW)
    messages = [m for m in book.app.status_messages if m]
    assert messages[0].startswith("Refreshing prices")
    assert any("3 of 3 tickers" in m for m in messages)
    sheet, table = find_table(book, "Prices")
    final = status_cell(sheet, table).value
    assert final.startswith("Prices refreshed") and "3 updated" in final and "1 manual kept" in final


def test_a_failing_source_changes_no_price():
    class Broken:
        name = "Broken"

        def fetch(self, tickers, *, progress=None):
            raise RuntimeError("boom")

    book = make_book()
    before = prices_rows(book)
    assert refresh_workbook(book, source=Broken(), now=NOW) is None
    assert prices_rows(book) == before
    sheet, table = find_table(book, "Prices")
    assert status_cell(sheet, table).value == "Price refresh failed (prices unchanged): RuntimeError: boom"
    assert book.app.calculations == 0


def test_everything_fails_keeps_every_price():
    book = make_book()
    source = DictSource([], [Failure(t, FailureKind.NETWORK, "no connection to Yahoo") for t in ("VTI", "BND", "ITOT")])
    refresh_workbook(book, source=source, now=NOW)
    rows = prices_rows(book)
    assert [r[1] for r in rows[1:]] == [300.0, 123.45, 70.0, None]
    assert [r[5].split(":")[0] for r in rows[1:]] == ["STALE", "from the statement", "STALE", "MISSING"]


def test_no_prices_table_says_so():
    book = make_book()
    book._sheets["Prices"].tables.clear()
    assert refresh_workbook(book, source=DictSource([]), now=NOW) is None
    assert "no Excel Table named 'Prices'" in book.app.status_messages[0]


def test_through_yfinance_replay(yahoo_replay):
    _, source = yahoo_replay(timeouts={"BND"})
    book = make_book()
    refresh_workbook(book, source=source, now=NOW)
    rows = {r[0]: r for r in prices_rows(book)[1:]}
    assert rows["VTI"][1] == pytest.approx(332.18) and rows["VTI"][5] == "OK"
    assert rows["BND"][1] == 70.0 and rows["BND"][5].startswith("STALE: Yahoo did not answer within 10 s")
    assert rows["ITOT"][1] is None and rows["ITOT"][5].startswith("MISSING: unknown ticker")


def test_new_workbook_blank_prices_row_is_filled_then_table_grows():
    book = make_book()
    prices = book._sheets["Prices"]
    prices.tables.clear()
    prices.cells.clear()
    prices.add_table("Prices", [PRICES[0][:6], [None] * 6])
    source = DictSource([Quote(t, 10.0, "USD", CLOSE, "Yahoo") for t in ("VTI", "BND", "CIT500", "ITOT")])
    refresh_workbook(book, source=source, now=NOW)
    rows = prices_rows(book)
    assert [r[0] for r in rows[1:]] == ["VTI", "CIT500", "BND", "ITOT"]
    assert all(r[5] == "OK" for r in rows[1:])
