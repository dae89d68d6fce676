"""The xlwings Lite Refresh prices script (``xlrebalance.lite``) on a small workbook stand-in
with a stand-in for ``pyfetch``: run by CPython (``asyncio.run``) and by Pyodide under Node
(its own event loop), whose results ``tests/test_pyodide.py`` compares.

The stand-ins implement only what the refresh calls (sheets, tables, ranges addressed by
(row, column), ``options(ndim=2)``, ``Table.resize``, ``App.calculate``, formulas by A1
address); a request for BND fails as a browser fails a request without CORS headers.
"""
import json
from datetime import datetime, timezone

from xlrebalance.lite.script import refresh_prices


class Range:
    def __init__(self, sheet, first, last=None):
        self.sheet, (self.r1, self.c1) = sheet, first
        self.r2, self.c2 = last or first

    row = property(lambda self: self.r1)
    column = property(lambda self: self.c1)
    shape = property(lambda self: (self.r2 - self.r1 + 1, self.c2 - self.c1 + 1))

    def options(self, ndim=None, **_):
        return self

    @property
    def value(self):
        return [[self.sheet.cells.get((r, c)) for c in range(self.c1, self.c2 + 1)] for r in range(self.r1, self.r2 + 1)]

    @value.setter
    def value(self, data):
        data = data if isinstance(data, list) else [[data]]
        data = data if data and isinstance(data[0], list) else [data]
        for i, row in enumerate(data):
            for j, v in enumerate(row):
                self.sheet.cells[(self.r1 + i, self.c1 + j)] = v


class Cell:
    def __init__(self, sheet, address):
        self.sheet, self.address = sheet, address

    @property
    def formula(self):
        return self.sheet.formulas.get(self.address)

    @formula.setter
    def formula(self, text):
        self.sheet.formulas[self.address] = text


class Table:
    def __init__(self, sheet, name, values):
        self.sheet, self.name, self.rows, self.cols = sheet, name, len(values), len(values[0])
        Range(sheet, (1, 1), (self.rows, self.cols)).value = values

    @property
    def range(self):
        return Range(self.sheet, (1, 1), (self.rows, self.cols))

    def resize(self, rng):
        self.rows = rng.shape[0]


class Sheet:
    def __init__(self, name, table=None):
        self.name, self.cells, self.formulas, self.tables = name, {}, {}, []
        if table:
            self.tables.append(Table(self, name, table))

    def range(self, first, last=None):
        return Cell(self, first) if isinstance(first, str) else Range(self, first, last)


class App:
    calculations = 0

    def calculate(self):
        self.calculations += 1


class Book:
    def __init__(self, tables):
        self.app = App()
        self.sheets = [Sheet("Dashboard")] + [Sheet(name, rows) for name, rows in tables.items()]


class Response:
    def __init__(self, status, payload):
        self.status, self.payload = status, payload

    async def json(self):
        return self.payload


CLOSE = 1795208400   # 2026-11-20 21:00 UTC


async def fetch(url):
    ticker = url.rsplit("/", 1)[1]
    if ticker == "BND":
        raise OSError("TypeError: Failed to fetch")
    if ticker == "VXUS":
        return Response(200, {"price": 66.5, "currency": "USD", "time": "2026-11-20T21:00:00Z"})
    prices = {"VTI": 301.25, "VNQ": 88.0}
    if ticker not in prices:
        return Response(404, {"chart": {"result": None, "error": {"description": "No data found"}}})
    return Response(200, {"chart": {"result": [{"meta": {"regularMarketPrice": prices[ticker], "currency": "USD",
                                                         "regularMarketTime": CLOSE,
                                                         "exchangeTimezoneName": "America/New_York"}}]}})


def tables():
    d = datetime(2026, 11, 13)
    return {
        "Settings": [["Setting", "Value"], ["As of date", datetime(2026, 11, 20)],
                     ["Quote URL", "https://quotes.example.test/{ticker}"]],
        "Accounts": [["Account", "Type"], ["Joint", "Taxable"]],
        "Targets": [["Asset class", "Target", "Tradable"], ["US", 0.5, True], ["Intl", 0.2, True],
                    ["Bonds", 0.2, True], ["REIT", 0.1, True]],
        "Securities": [["Ticker", "Asset class"], ["VTI", "US"], ["VXUS", "Intl"], ["BND", "Bonds"], ["VNQ", "REIT"],
                       ["GONE", "US"], ["MSFT", "US"]],
        "Holdings": [["Account", "Ticker", "Shares"], ["Joint", "VTI", 10.0], ["Joint", "VXUS", 5.0],
                     ["Joint", "BND", 8.0], ["Joint", "VNQ", 2.0], ["Joint", "GONE", 1.0], ["Joint", "MSFT", 1.0]],
        "Prices": [["Ticker", "Price", "Currency", "As of", "Source", "Status"],
                   ["VTI", 290.0, "USD", d, "Yahoo", "OK"], ["BND", 71.0, "USD", d, "Yahoo", "OK"],
                   ["MSFT", 400.0, "USD", d, "Manual", None]],
    }


def plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


async def refresh_answers() -> str:
    book = Book(tables())
    now = datetime(2026, 11, 20, 23, 0, tzinfo=timezone.utc)
    formulas = [("Dashboard", "A1", "=DRIFT(Holdings[#All],Accounts[#All],Targets[#All],Securities[#All],"
                 "Prices[#All],Settings[#All])")]
    result = await refresh_prices(book, fetch, formulas=formulas, now=now, clock=lambda: now)
    prices = next(s for s in book.sheets if s.name == "Prices")
    rows = prices.tables[0].range.value
    status = prices.cells.get((1, 8))
    return json.dumps({"summary": result.summary() if result else None, "rows": [[plain(v) for v in r] for r in rows],
                       "status": status, "formulas": next(s for s in book.sheets if s.name == "Dashboard").formulas,
                       "calculations": book.app.calculations}, sort_keys=True)


def lite_imports() -> str:
    """What importing main.py's two xlrebalance modules loads, pandas standing in as an empty
    module (Pyodide ships it, but this offline Pyodide does not carry it): every other module
    they need must be in Pyodide's standard library, Pyodide's own or xlrebalance itself."""
    import sys
    import types

    if "pandas" not in sys.modules:
        stand_in = types.ModuleType("pandas")
        stand_in.DataFrame = type("DataFrame", (), {})
        sys.modules["pandas"] = stand_in
    import xlrebalance.excel.answers  # noqa: F401
    import xlrebalance.lite.script  # noqa: F401

    own = {"xlrebalance", "pandas", "pyodide", "pyodide_js", "js"}
    loaded = {name.split(".")[0] for name, module in sys.modules.items() if module is not None}
    outside = sorted(n for n in loaded if n not in sys.stdlib_module_names and n not in own and not n.startswith("_"))
    return json.dumps({"outside": outside, "xlrebalance": sorted(n for n in sys.modules if n.startswith("xlrebalance."))})
