"""The yfinance adapter, run through yfinance's own code against replayed HTTP responses.

The replay session (tests/fixtures/yahoo) answers the cookie, crumb and chart requests
yfinance makes; failures are the real ones (HTTP 429 body, Yahoo's 404 JSON, libcurl's
timeout exception, a DNS failure).  No test touches the network (see conftest).
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from xlrebalance.prices import yahoo
from xlrebalance.prices.source import FailureKind, PriceSource

US = ["VTI", "BND", "VXUS"]

SCENARIOS = [
    # name, tickers, scenario, expected quotes, expected failures {ticker: kind}
    ("all succeed", US, {}, {"VTI": 332.18, "BND": 74.36, "VXUS": 71.53}, {}),
    ("one unknown ticker", US + ["NOSUCH"], {}, {"VTI": 332.18, "BND": 74.36, "VXUS": 71.53},
     {"NOSUCH": FailureKind.UNKNOWN_TICKER}),
    ("HTTP 429 for some", US, {"rate_limited": {"BND", "VXUS"}}, {"VTI": 332.18},
     {"BND": FailureKind.RATE_LIMITED, "VXUS": FailureKind.RATE_LIMITED}),
    ("timeout", US, {"timeouts": {"VXUS"}}, {"VTI": 332.18, "BND": 74.36},
     {"VXUS": FailureKind.TIMEOUT}),
    ("everything fails: no network", US, {"down": True}, {},
     {t: FailureKind.NETWORK for t in US}),
    ("everything fails: rate limited", US, {"rate_limited": set(US)}, {},
     {t: FailureKind.RATE_LIMITED for t in US}),
    ("non-USD tickers", ["VTI", "SHOP.TO", "VOD.L"], {}, {"VTI": 332.18, "SHOP.TO": 214.87, "VOD.L": 0.8896},
     {}),
]


@pytest.mark.parametrize("name, tickers, scenario, quotes, failures", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_fetch_scenarios(yahoo_replay, name, tickers, scenario, quotes, failures):
    session, source = yahoo_replay(**scenario)
    result = source.fetch(tickers)
    assert {t: q.price for t, q in result.quotes.items()} == pytest.approx(quotes)
    assert {t: f.kind for t, f in result.failures.items()} == failures
    assert set(result.quotes) | set(result.failures) == set(tickers)
    for failure in result.failures.values():
        assert failure.reason


def test_is_a_price_source(yahoo_replay):
    _, source = yahoo_replay()
    assert isinstance(source, PriceSource)


def test_quote_carries_currency_and_exchange_time(yahoo_replay):
    _, source = yahoo_replay()
    quotes = source.fetch(["VTI", "SHOP.TO", "VOD.L"]).quotes
    vti, shop, vod = quotes["VTI"], quotes["SHOP.TO"], quotes["VOD.L"]
    assert (vti.currency, vti.source) == ("USD", "Yahoo")
    assert vti.time == datetime(2026, 11, 20, 16, 0, tzinfo=ZoneInfo("America/New_York"))
    assert shop.currency == "CAD"
    assert shop.time == datetime(2026, 11, 20, 16, 0, tzinfo=ZoneInfo("America/Toronto"))
    # London quotes in pence (GBp): converted to pounds
    assert vod.currency == "GBP" and vod.price == pytest.approx(0.8896)
    assert vod.time == datetime(2026, 11, 20, 16, 30, tzinfo=ZoneInfo("Europe/London"))
    assert all(q.time.utcoffset() is not None for q in quotes.values())


def test_reasons_are_specific(yahoo_replay):
    _, source = yahoo_replay(rate_limited={"BND"}, timeouts={"VXUS"})
    failures = source.fetch(["VTI", "BND", "VXUS", "NOSUCH"]).failures
    assert "HTTP 429" in failures["BND"].reason
    assert "timeout" in failures["VXUS"].reason and "10 s" in failures["VXUS"].reason
    assert failures["NOSUCH"].reason == "unknown ticker (Yahoo: No data found, symbol may be delisted)"


def test_no_network_reason(yahoo_replay):
    _, source = yahoo_replay(down=True)
    failure = source.fetch(["VTI"]).failures["VTI"]
    assert failure.kind is FailureKind.NETWORK and "DNSError" in failure.reason


def test_one_download_call_for_all_tickers(yahoo_replay, monkeypatch):
    calls = []
    real = yahoo.yf.download

    def counting(tickers, **kwargs):
        calls.append(list(tickers))
        return real(tickers, **kwargs)

    monkeypatch.setattr(yahoo.yf, "download", counting)
    session, source = yahoo_replay()
    source.fetch(["VTI", "BND", "VXUS", "SHOP.TO"])
    assert len(calls) == 1 and sorted(calls[0]) == ["BND", "SHOP.TO", "VTI", "VXUS"]
    assert set(session.chart_requests()) == {"VTI", "BND", "VXUS", "SHOP.TO"}


def test_session_is_left_as_it_was(yahoo_replay):
    session, source = yahoo_replay()
    source.fetch(["VTI"])
    assert "request" not in vars(session)


def test_tickers_are_normalized_and_deduplicated(yahoo_replay):
    _, source = yahoo_replay()
    result = source.fetch([" vti", "VTI", "", None])
    assert list(result.quotes) == ["VTI"] and not result.failures


def test_empty_request_makes_no_call(yahoo_replay):
    session, source = yahoo_replay()
    assert source.fetch([]).quotes == {}
    assert session.requests == []


def test_progress_reaches_total(yahoo_replay):
    seen = []
    _, source = yahoo_replay()
    source.fetch(US, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_yfinance_errors_do_not_reach_the_console(yahoo_replay, capsys):
    _, source = yahoo_replay(rate_limited={"BND"})
    source.fetch(["BND"])
    captured = capsys.readouterr()
    assert "BND" not in captured.err and "BND" not in captured.out
    assert not [h for h in logging.getLogger("yfinance").handlers if isinstance(h, yahoo._LogCollector)]


def test_default_session_is_curl_and_a_blocked_network_is_a_failure_not_a_crash(network_guard):
    source = yahoo.YahooSource(timeout=1)
    result = source.fetch(["VTI"])
    assert type(source.session).__module__.startswith("curl_cffi")
    assert result.failures["VTI"].kind is FailureKind.NETWORK
    assert network_guard.attempts  # it did try the network (and was stopped)
    network_guard.attempts.clear()
