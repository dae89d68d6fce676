"""Refresh semantics: what happens to each Prices row after a fetch."""
from __future__ import annotations

import csv
import hashlib
from dataclasses import replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from xlrebalance.core.model import Price
from xlrebalance.prices.refresh import (
    fetch_for_tables, live_prices, needed_tickers, prices_from_table, prices_to_table, refresh_rows,
    refresh_table, stale_status, tickers_to_fetch, with_live_prices_table, write_csv,
)
from xlrebalance.prices.source import Failure, FailureKind, FetchResult, Quote
from xlrebalance.sample import sample_tables
from xlrebalance.tables import parse_household

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 20, 17, 5, tzinfo=NY)
CLOSE = datetime(2026, 11, 20, 16, 0, tzinfo=NY)
LAST_WEEK = date(2026, 11, 13)


def quote(ticker, price, currency="USD"):
    return Quote(ticker, price, currency, CLOSE, "Yahoo")


def fail(ticker, kind=FailureKind.TIMEOUT, reason="timed out"):
    return Failure(ticker, kind, reason)


class DictSource:
    """A PriceSource answering from dicts; records what it was asked."""

    name = "Dict"

    def __init__(self, quotes=(), failures=()):
        self.quotes = {q.ticker: q for q in quotes}
        self.failures = {f.ticker: f for f in failures}
        self.asked = []

    def fetch(self, tickers, *, progress=None):
        tickers = list(tickers)
        self.asked.append(tickers)
        return FetchResult(
            quotes={t: self.quotes[t] for t in tickers if t in self.quotes},
            failures={t: self.failures.get(t, fail(t, FailureKind.NO_DATA, "no data")) for t in tickers
                      if t not in self.quotes},
        )


PREVIOUS = (
    Price("VTI", 300.0, "USD", LAST_WEEK, "Yahoo", "OK", row=2),
    Price("BND", 70.0, "USD", LAST_WEEK, "Yahoo", "OK", row=3),
    Price("CIT", 12.34, "USD", date(2026, 10, 31), "Manual", "", row=4),
    Price("VXUS", None, "USD", None, "", "", row=5),
)

# name, quotes, failures, expected {ticker: (price, status)}
CASES = [
    ("all succeed", [quote("VTI", 332.18), quote("BND", 74.36), quote("VXUS", 71.53)], [],
     {"VTI": (332.18, "OK"), "BND": (74.36, "OK"), "CIT": (12.34, ""), "VXUS": (71.53, "OK")}),
    ("one times out", [quote("VTI", 332.18), quote("VXUS", 71.53)], [fail("BND")],
     {"VTI": (332.18, "OK"), "BND": (70.0, "STALE: timed out, price from 2026-11-13 (7 days old)"),
      "CIT": (12.34, ""), "VXUS": (71.53, "OK")}),
    ("never priced and fails", [quote("VTI", 332.18), quote("BND", 74.36)],
     [fail("VXUS", FailureKind.UNKNOWN_TICKER, "unknown ticker")],
     {"VTI": (332.18, "OK"), "BND": (74.36, "OK"), "CIT": (12.34, ""), "VXUS": (None, "MISSING: unknown ticker")}),
    ("everything fails", [], [fail(t, FailureKind.NETWORK, "no connection") for t in ("VTI", "BND", "VXUS")],
     {"VTI": (300.0, "STALE: no connection, price from 2026-11-13 (7 days old)"),
      "BND": (70.0, "STALE: no connection, price from 2026-11-13 (7 days old)"),
      "CIT": (12.34, ""), "VXUS": (None, "MISSING: no connection")}),
]


@pytest.mark.parametrize("name, quotes, failures, expected", CASES, ids=[c[0] for c in CASES])
def test_refresh_rows(name, quotes, failures, expected):
    result = FetchResult({q.ticker: q for q in quotes}, {f.ticker: f for f in failures})
    refreshed = refresh_rows(PREVIOUS, ["VTI", "BND", "VXUS"], result, now=NOW)
    assert {p.ticker: (p.price, p.status) for p in refreshed.rows} == expected
    assert [p.ticker for p in refreshed.rows] == ["VTI", "BND", "CIT", "VXUS"]
    assert [p.row for p in refreshed.rows] == [2, 3, 4, 5]


def test_a_failed_ticker_keeps_everything_but_its_status():
    result = FetchResult(failures={"VTI": fail("VTI")})
    vti = refresh_rows(PREVIOUS[:1], ["VTI"], result, now=NOW).rows[0]
    assert (vti.price, vti.currency, vti.as_of, vti.source) == (300.0, "USD", LAST_WEEK, "Yahoo")


def test_success_writes_price_currency_time_source():
    result = FetchResult(quotes={"VTI": Quote("VTI", 214.87, "CAD", CLOSE, "Yahoo")})
    vti = refresh_rows(PREVIOUS[:1], ["VTI"], result, now=NOW).rows[0]
    assert (vti.price, vti.currency, vti.as_of, vti.source, vti.status) == (214.87, "CAD", CLOSE, "Yahoo", "OK")


def test_manual_rows_are_neither_fetched_nor_changed():
    source = DictSource([quote("CIT", 99.0), quote("VTI", 1.0), quote("BND", 1.0), quote("VXUS", 1.0)])
    refreshed = refresh_table(prices_to_table(PREVIOUS), ["VTI", "CIT"], source, now=NOW)
    assert "CIT" not in source.asked[0]
    cit = [p for p in refreshed.rows if p.ticker == "CIT"][0]
    assert (cit.price, cit.source, cit.status) == (12.34, "Manual", "")
    assert refreshed.manual == ("CIT",)


@pytest.mark.parametrize("source_text", ["Manual", "manual", " MANUAL "])
def test_manual_is_case_insensitive(source_text):
    previous = (Price("CIT", 12.0, "USD", None, source_text, ""),)
    assert tickers_to_fetch(previous, ["CIT", "VTI"]) == ("VTI",)


def test_needed_tickers_get_rows_appended_in_order():
    result = FetchResult(quotes={"AGG": quote("AGG", 99.1)}, failures={"IXUS": fail("IXUS")})
    refreshed = refresh_rows(PREVIOUS[:2], ["VTI", "AGG", "IXUS"], result, now=NOW)
    assert [p.ticker for p in refreshed.rows] == ["VTI", "BND", "AGG", "IXUS"]
    assert refreshed.added == ("AGG", "IXUS")
    assert refreshed.rows[3].status == "MISSING: timed out"


def test_rows_nobody_needs_are_kept_and_refreshed():
    assert tickers_to_fetch(PREVIOUS, ["VTI"]) == ("VTI", "BND", "VXUS")


@pytest.mark.parametrize("as_of, expected", [
    (date(2026, 11, 19), "STALE: HTTP 429, price from 2026-11-19 (1 day old)"),
    (datetime(2026, 11, 20, 9, 30), "STALE: HTTP 429, price from 2026-11-20 (0 days old)"),
    (None, "STALE: HTTP 429, price of unknown date"),
])
def test_stale_status_text(as_of, expected):
    assert stale_status("HTTP 429", as_of, date(2026, 11, 20)) == expected


def test_needed_tickers_cover_holdings_securities_buy_tickers_and_replacements():
    household = parse_household(sample_tables())
    needed = set(needed_tickers(household))
    assert {h.ticker for h in household.holdings} <= needed
    assert {s.ticker for s in household.securities} <= needed
    assert {t.buy_ticker for t in household.targets if t.buy_ticker} <= needed
    assert {s.replacement for s in household.securities if s.replacement} <= needed


def test_prices_from_table_is_lenient_and_keeps_rows():
    table = [["ticker", "PRICE", "As of", "Source", "Extra"],
             [" vti ", "n/a", "2026-11-13", "Yahoo", 1],
             [None, None, None, None, None],
             ["BND", 70, datetime(2026, 11, 13, 16, 0), "Manual", 2]]
    rows = prices_from_table(table)
    assert [(p.ticker, p.price, p.currency, p.row) for p in rows] == [
        ("VTI", None, "USD", 2), ("", None, "USD", 3), ("BND", 70.0, "USD", 4)]
    assert rows[0].as_of == datetime(2026, 11, 13)


def test_table_round_trip_writes_naive_local_times():
    table = prices_to_table([Price("VTI", 332.18, "USD", CLOSE, "Yahoo", "OK")])
    assert table[0] == ["Ticker", "Price", "Currency", "As of", "Source", "Status"]
    as_of = table[1][3]
    assert as_of.tzinfo is None and as_of == CLOSE.astimezone().replace(tzinfo=None)
    assert prices_from_table(table)[0].price == 332.18


def test_write_csv(tmp_path):
    rows = (Price("VTI", 332.18, "USD", CLOSE, "Yahoo", "OK"), Price("XYZ", None, "USD", None, "", "MISSING: x"))
    path = write_csv(rows, tmp_path / "prices.csv")
    lines = list(csv.reader(path.open(encoding="utf-8")))
    assert lines == [["Ticker", "Price", "Currency", "As of", "Source", "Status"],
                     ["VTI", "332.18", "USD", "2026-11-20T16:00:00-05:00", "Yahoo", "OK"],
                     ["XYZ", "", "USD", "", "", "MISSING: x"]]


def test_live_prices_and_live_tables_for_the_sample_household():
    tables = sample_tables()
    household = parse_household(tables)
    needed = needed_tickers(household)
    source = DictSource([quote(t, 100.0 + i) for i, t in enumerate(needed) if t != "MSFT"],
                        [fail("MSFT", FailureKind.RATE_LIMITED, "HTTP 429")])
    prices = {p.ticker: p for p in live_prices(household, source, now=NOW)}
    assert prices["VTI"].price == 100.0 and prices["VTI"].status == "OK"
    assert prices["MSFT"].price == 470.0 and prices["MSFT"].status.startswith("STALE: HTTP 429")

    live = with_live_prices_table(tables, source, now=NOW)
    assert tables["Prices"][1][1] == 310.0  # the input is not modified
    reparsed = {p.ticker: p.price for p in parse_household(live).prices}
    assert reparsed["VTI"] == 100.0 and reparsed["MSFT"] == 470.0


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fetch_for_a_workbook_reads_and_never_writes(tmp_path):
    from xlrebalance.workbook.builder import build_workbook
    from xlrebalance.workbook.reader import read_tables

    path = tmp_path / "household.xlsm"
    build_workbook(path, sample=True)
    before, mtime = _digest(path), path.stat().st_mtime_ns
    source = DictSource([quote("VTI", 332.18)], [fail("BND", FailureKind.TIMEOUT, "timed out")])
    book = read_tables(path)
    rows, issues = fetch_for_tables(book.tables, header_rows=book.header_rows, source=source, now=NOW)
    by_ticker = {p.ticker: p for p in rows}
    assert by_ticker["VTI"].price == 332.18 and by_ticker["VTI"].status == "OK"
    assert by_ticker["BND"].status.startswith("STALE: timed out, price from")
    assert any(i.code == "stale_price" and i.ticker == "BND" for i in issues)
    assert (_digest(path), path.stat().st_mtime_ns) == (before, mtime)


# ---------------------------------------------------------------------------------------
# Invariants over generated tables and fetch outcomes

from hypothesis import given, settings, strategies as st  # noqa: E402

TICKERS = ["VTI", "BND", "VXUS", "ITOT", "AGG", "CIT"]
price_rows = st.lists(
    st.builds(
        Price,
        ticker=st.sampled_from(TICKERS),
        price=st.one_of(st.none(), st.floats(min_value=0.01, max_value=1e4)),
        currency=st.just("USD"),
        as_of=st.one_of(st.none(), st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 11, 20))),
        source=st.sampled_from(["Yahoo", "Manual", "", "manual"]),
        status=st.sampled_from(["OK", "", "STALE: x"]),
    ),
    max_size=6, unique_by=lambda p: p.ticker,
)
outcomes = st.dictionaries(st.sampled_from(TICKERS), st.sampled_from(["ok", "fail", "silent"]))


@settings(max_examples=80, deadline=None)
@given(previous=price_rows, needed=st.lists(st.sampled_from(TICKERS), max_size=6), outcome=outcomes)
def test_refresh_invariants(previous, needed, outcome):
    result = FetchResult(
        quotes={t: quote(t, 50.0) for t, o in outcome.items() if o == "ok"},
        failures={t: fail(t) for t, o in outcome.items() if o == "fail"},
    )
    refreshed = refresh_rows(previous, needed, result, now=NOW)
    rows = refreshed.rows
    # previous rows first, same order; every needed ticker has a row
    assert [p.ticker for p in rows[: len(previous)]] == [p.ticker for p in previous]
    assert set(needed) <= {p.ticker for p in rows}
    assert len(rows) == len(previous) + len(refreshed.added)
    for old, new in zip(previous, rows):
        if old.source.strip().lower() == "manual":
            assert new == old
        elif old.ticker in result.quotes:
            assert (new.price, new.status) == (50.0, "OK")
        else:  # failed or unanswered: the previous price, date and source are kept
            assert (new.price, new.as_of, new.source, new.currency) == (
                old.price if old.price else None, old.as_of, old.source, old.currency)
            assert new.status.startswith("STALE: " if old.price else "MISSING: ")


def test_blank_rows_are_filled_before_appending():
    blank = Price("", None, "USD", None, "", "", row=2)
    result = FetchResult(quotes={"VTI": quote("VTI", 332.18), "BND": quote("BND", 74.36)})
    rows = refresh_rows((blank, replace(PREVIOUS[0], row=3)), ["VTI", "BND"], result, now=NOW).rows
    assert [(p.ticker, p.row, p.status) for p in rows] == [("BND", 2, "OK"), ("VTI", 3, "OK")]
