"""Refresh prices in xlwings Lite: quotes fetched by the browser from the Settings' Quote URL
(an injected async fetch standing in for ``pyodide.http.pyfetch``), written by the desktop
refresh's rules on a fake xlwings Book: a failed ticker keeps its price, marked STALE.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from xlrebalance.lite.quotes import (
    MINOR_UNITS, Prefetched, fetch_quotes, parse_quote, quote_url, source_name, url_problem,
)
from xlrebalance.lite.script import refresh_prices, setting_text, write_formulas
from xlrebalance.prices.source import FailureKind, Quote

from test_prices_excel_refresh import NOW, FakeBook, FakeSheet

NY = ZoneInfo("America/New_York")
FETCHED = datetime(2026, 11, 20, 23, 0, tzinfo=timezone.utc)
URL = "https://quotes.example.test/chart/{ticker}"
# 2026-11-20 16:00 New York = 21:00 UTC
CLOSE_EPOCH = int(datetime(2026, 11, 20, 16, 0, tzinfo=NY).timestamp())


def chart(price, currency="USD", when=CLOSE_EPOCH, zone="America/New_York"):
    return {"chart": {"result": [{"meta": {"regularMarketPrice": price, "currency": currency,
                                           "regularMarketTime": when, "exchangeTimezoneName": zone}}],
                      "error": None}}


class Response:
    def __init__(self, status, payload=None, bad_json=False):
        self.status, self.payload, self.bad_json = status, payload, bad_json

    async def json(self):
        if self.bad_json:
            raise ValueError("Unexpected token <")
        return self.payload


class FakeFetch:
    """``pyfetch`` for tests: URL -> Response, or an exception as the browser raises for CORS."""

    def __init__(self, answers):
        self.answers, self.asked = answers, []

    async def __call__(self, url):
        self.asked.append(url)
        answer = self.answers.get(url)
        if isinstance(answer, Exception):
            raise answer
        return answer if answer is not None else Response(404, {"chart": {"result": None}})


def run(coroutine):
    return asyncio.run(coroutine)


# ---------------------------------------------------------------------------------------
# Parsing

def test_yahoo_chart_json():
    quote = parse_quote("VTI", chart(301.25), source="quotes.example.test", fetched=FETCHED)
    assert isinstance(quote, Quote)
    assert (quote.price, quote.currency, quote.source) == (301.25, "USD", "quotes.example.test")
    assert quote.time == datetime(2026, 11, 20, 16, 0, tzinfo=NY)


def test_pence_become_pounds():
    quote = parse_quote("VOD.L", chart(72.5, "GBp", zone="Europe/London"), source="s", fetched=FETCHED)
    assert (quote.price, quote.currency) == (0.725, "GBP")


def test_minor_units_agree_with_the_desktop_source():
    from xlrebalance.prices.yahoo import MINOR_UNITS as DESKTOP

    assert MINOR_UNITS == DESKTOP


def test_plain_json():
    quote = parse_quote("BND", {"price": "72.10", "currency": "usd", "time": "2026-11-20T21:00:00Z"},
                        source="s", fetched=FETCHED)
    assert (quote.price, quote.currency, quote.time) == (72.10, "USD", datetime(2026, 11, 20, 21, tzinfo=timezone.utc))
    undated = parse_quote("BND", {"price": 72.1}, source="s", fetched=FETCHED)
    assert (undated.currency, undated.time) == ("USD", FETCHED)


@pytest.mark.parametrize("payload, kind, words", [
    ({"chart": {"result": None, "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"}}},
     FailureKind.UNKNOWN_TICKER, "delisted"),
    (chart(None), FailureKind.NO_DATA, "no positive price"),
    (chart(-3.0), FailureKind.NO_DATA, "no positive price"),
    ({"price": float("nan")}, FailureKind.NO_DATA, "no positive price"),
    ({"quote": 1}, FailureKind.NO_DATA, "neither"),
    ([1, 2], FailureKind.NO_DATA, "neither"),
])
def test_what_is_not_a_quote(payload, kind, words):
    failure = parse_quote("X", payload, source="s", fetched=FETCHED)
    assert failure.kind is kind and words in failure.reason


def test_urls():
    assert quote_url(URL, "BRK-B") == "https://quotes.example.test/chart/BRK-B"
    assert quote_url(URL, "^GSPC") == "https://quotes.example.test/chart/^GSPC"
    assert quote_url("https://q.test/?s={ticker}&t=1", "A B") == "https://q.test/?s=A%20B&t=1"
    assert source_name(URL) == "quotes.example.test"
    assert "no Quote URL" in url_problem(None) and "no Quote URL" in url_problem("  ")
    assert "{ticker}" in url_problem("https://q.test/quote")
    assert "https://" in url_problem("ftp://q.test/{ticker}")
    assert url_problem(URL) is None


# ---------------------------------------------------------------------------------------
# Fetching

def test_every_ticker_gets_a_quote_or_a_reason():
    fetch = FakeFetch({
        quote_url(URL, "VTI"): Response(200, chart(301.25)),
        quote_url(URL, "BND"): Response(429),
        quote_url(URL, "VXUS"): OSError("TypeError: Failed to fetch"),
        quote_url(URL, "VNQ"): Response(200, bad_json=True),
        quote_url(URL, "ITOT"): Response(503),
    })
    progress = []
    result = run(fetch_quotes(["VTI", "BND", "VXUS", "VNQ", "ITOT", "NOPE", "vti"], URL, fetch,
                              progress=lambda done, total: progress.append((done, total)), clock=lambda: FETCHED))
    assert set(result.quotes) == {"VTI"}
    kinds = {t: f.kind for t, f in result.failures.items()}
    assert kinds == {"BND": FailureKind.RATE_LIMITED, "VXUS": FailureKind.NETWORK, "VNQ": FailureKind.NO_DATA,
                     "ITOT": FailureKind.HTTP_ERROR, "NOPE": FailureKind.UNKNOWN_TICKER}
    assert "CORS" in result.failures["VXUS"].reason
    assert len(fetch.asked) == 6 and progress[-1] == (6, 6)


def test_without_a_quote_url_nothing_is_fetched():
    fetch = FakeFetch({})
    result = run(fetch_quotes(["VTI", "BND"], "", fetch))
    assert fetch.asked == [] and result.quotes == {}
    assert all("no Quote URL in Settings" in f.reason for f in result.failures.values())


def test_prefetched_answers_what_was_fetched():
    result = run(fetch_quotes(["VTI"], URL, FakeFetch({quote_url(URL, "VTI"): Response(200, chart(301.25))})))
    source = Prefetched(result)
    answer = source.fetch(["VTI", "BND"])
    assert set(answer.quotes) == {"VTI"} and answer.failures["BND"].reason == "not fetched"


# ---------------------------------------------------------------------------------------
# The script on a workbook

class Cell:
    def __init__(self, sheet, address):
        self.sheet, self.address = sheet, address

    @property
    def formula(self):
        return self.sheet.formulas.get(self.address)

    @formula.setter
    def formula(self, text):
        self.sheet.book.writes.append((self.sheet.name, self.address))
        self.sheet.formulas[self.address] = text


class LiteSheet(FakeSheet):
    """The fake sheet, also addressed by A1 strings (for formulas), as xlwings Lite allows."""

    def __init__(self, book, name):
        super().__init__(book, name)
        self.formulas = {}

    def range(self, first, last=None):
        return Cell(self, first) if isinstance(first, str) else super().range(first, last)


class LiteBook(FakeBook):
    def add_sheet(self, name):
        self._sheets[name] = LiteSheet(self, name)
        return self._sheets[name]


PRICES = [["Ticker", "Price", "Currency", "As of", "Source", "Status"],
          ["VTI", 290.0, "USD", datetime(2026, 11, 13), "Yahoo", "OK"],
          ["BND", 71.0, "USD", datetime(2026, 11, 13), "Yahoo", "OK"],
          ["MSFT", 400.0, "USD", datetime(2026, 11, 1), "Manual", None]]
FORMULAS = [("Dashboard", "A13", "=DRIFT(Holdings[#All],Accounts[#All],Targets[#All],Securities[#All],"
             "Prices[#All],Settings[#All])")]


def workbook(quote_url=URL) -> LiteBook:
    book = LiteBook()
    book.add_sheet("Dashboard")
    book.add_sheet("Settings").add_table("Settings", [["Setting", "Value"], ["As of date", datetime(2026, 11, 20)],
                                                      ["Quote URL", quote_url]])
    book.add_sheet("Targets").add_table("Targets", [["Asset class", "Target", "Tradable"],
                                                    ["US Stocks", 0.6, True], ["Bonds", 0.4, True]])
    book.add_sheet("Securities").add_table("Securities", [["Ticker", "Asset class"], ["VTI", "US Stocks"],
                                                          ["BND", "Bonds"], ["MSFT", "US Stocks"]])
    book.add_sheet("Holdings").add_table("Holdings", [["Account", "Ticker", "Shares"], ["Joint", "VTI", 10.0],
                                                      ["Joint", "BND", 10.0], ["Joint", "MSFT", 1.0]])
    book.add_sheet("Accounts").add_table("Accounts", [["Account", "Type"], ["Joint", "Taxable"]])
    book.add_sheet("Prices").add_table("Prices", PRICES)
    return book


def prices_of(book) -> list[list]:
    sheet = next(s for s in book.sheets if s.name == "Prices")
    return sheet.tables[0].range.options(ndim=2).value


def test_the_script_refreshes_and_keeps_a_failed_price_marked_stale():
    book = workbook()
    fetch = FakeFetch({quote_url(URL, "VTI"): Response(200, chart(301.25)),
                       quote_url(URL, "BND"): OSError("TypeError: Failed to fetch")})
    result = run(refresh_prices(book, fetch, formulas=FORMULAS, now=NOW, clock=lambda: NOW))
    assert result is not None
    rows = {row[0]: row for row in prices_of(book)[1:]}
    assert rows["VTI"][1:3] == [301.25, "USD"] and rows["VTI"][4] == "quotes.example.test" and rows["VTI"][5] == "OK"
    assert rows["BND"][1] == 71.0 and rows["BND"][5].startswith("STALE: ")
    assert "CORS" in rows["BND"][5] and "price from 2026-11-13" in rows["BND"][5]
    assert rows["MSFT"] == PRICES[3]                     # Manual: never fetched, never changed
    assert all("MSFT" not in url for url in fetch.asked)
    dashboard = next(s for s in book.sheets if s.name == "Dashboard")
    assert dashboard.formulas == {"A13": FORMULAS[0][2]}  # the formulas are (re)written first
    written_sheets = {sheet for sheet, _ in book.writes}
    assert written_sheets == {"Prices", "Dashboard"}
    assert book.app.calculations == 1


def test_without_a_quote_url_every_price_is_kept_and_says_why():
    book = workbook(quote_url=None)
    fetch = FakeFetch({})
    run(refresh_prices(book, fetch, now=NOW, clock=lambda: NOW))
    rows = {row[0]: row for row in prices_of(book)[1:]}
    assert fetch.asked == []
    assert rows["VTI"][1] == 290.0 and "no Quote URL in Settings" in rows["VTI"][5]
    assert rows["VTI"][5].startswith("STALE: ")


def test_reading_a_setting():
    book = workbook()
    assert setting_text(book, "Quote URL") == URL and setting_text(book, "quote url") == URL
    assert setting_text(book, "Nope") is None


def test_write_formulas_skips_a_removed_sheet():
    book = LiteBook()
    book.add_sheet("Dashboard")
    assert write_formulas(book, FORMULAS + [("Gone", "A1", "=DRIFT()")]) == 1


def test_a_server_that_never_answers_costs_the_deadline_not_the_script():
    class Silent(FakeFetch):
        async def __call__(self, url):
            self.asked.append(url)
            if "BND" in url:
                await asyncio.sleep(3600)
            return Response(200, chart(301.25))

    fetch = Silent({})
    started = asyncio.new_event_loop().time()
    result = run(fetch_quotes(["VTI", "BND"], URL, fetch, deadline=0.2, clock=lambda: FETCHED))
    assert set(result.quotes) == {"VTI"}
    assert result.failures["BND"].kind is FailureKind.TIMEOUT and "0.2 s" in result.failures["BND"].reason
    assert asyncio.new_event_loop().time() - started < 5


def test_the_deadline_comes_from_settings():
    book = workbook()
    next(s for s in book.sheets if s.name == "Settings").tables[0]  # present
    from xlrebalance.lite.script import _needed

    needed, deadline = _needed(book)
    assert set(needed) == {"VTI", "BND", "MSFT"} and deadline == 20


def test_without_threads_the_deadline_source_fetches_inline(monkeypatch):
    """Pyodide (xlwings Lite) cannot start a thread: the refresh's deadline wrapper must then
    call the source directly instead of failing the refresh."""
    import threading

    from xlrebalance.prices.deadline import within

    def no_threads(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", no_threads)
    result = run(fetch_quotes(["VTI"], URL, FakeFetch({quote_url(URL, "VTI"): Response(200, chart(301.25))})))
    answer = within(Prefetched(result), 5).fetch(["VTI", "BND"])
    assert set(answer.quotes) == {"VTI"} and set(answer.failures) == {"BND"}
