"""End to end without the network: previous Prices table -> yfinance (replayed) -> new table.

After every scenario the prices that could not be refreshed are exactly the previous ones
and each row's Status says what happened.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from xlrebalance.prices.refresh import prices_from_table, refresh_table

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=ZoneInfo("America/New_York"))
PREVIOUS = [
    ["Ticker", "Price", "Currency", "As of", "Source", "Status"],
    ["VTI", 300.0, "USD", date(2026, 11, 13), "Yahoo", "OK"],
    ["BND", 70.0, "USD", date(2026, 11, 13), "Yahoo", "OK"],
    ["VXUS", 65.0, "USD", date(2026, 11, 13), "Yahoo", "OK"],
    ["CIT500", 123.45, "USD", date(2026, 10, 31), "Manual", "401k plan statement"],
]
NEEDED = ["VTI", "BND", "VXUS", "CIT500", "SHOP.TO", "VOD.L", "NOSUCH"]
STALE_WEEK = "price from 2026-11-13 (7 days old)"
FRESH = {"VTI": 332.18, "BND": 74.36, "VXUS": 71.53, "SHOP.TO": 214.87, "VOD.L": 0.8896}

SCENARIOS = [
    ("all succeed", {}, {}),
    ("HTTP 429 for some", {"rate_limited": {"BND", "VOD.L"}},
     {"BND": "STALE: Yahoo is limiting requests (HTTP 429", "VOD.L": "MISSING: Yahoo is limiting requests"}),
    ("timeout", {"timeouts": {"VXUS"}}, {"VXUS": "STALE: Yahoo did not answer within 10 s (timeout)"}),
    ("everything fails", {"down": True},
     {t: "STALE: no connection to Yahoo" for t in ("VTI", "BND", "VXUS")}
     | {t: "MISSING: no connection to Yahoo" for t in ("SHOP.TO", "VOD.L", "NOSUCH")}),
]


@pytest.mark.parametrize("name, scenario, failed", SCENARIOS, ids=[s[0] for s in SCENARIOS])
def test_refresh_through_yfinance(yahoo_replay, name, scenario, failed):
    _, source = yahoo_replay(**scenario)
    result = refresh_table(PREVIOUS, NEEDED, source, now=NOW)
    rows = {p.ticker: p for p in result.rows}
    previous = {p.ticker: p for p in prices_from_table(PREVIOUS)}
    assert list(rows) == ["VTI", "BND", "VXUS", "CIT500", "SHOP.TO", "VOD.L", "NOSUCH"]

    assert rows["CIT500"] == previous["CIT500"]  # Manual: untouched
    assert rows["NOSUCH"].price is None and rows["NOSUCH"].status.startswith("MISSING: ")
    if "NOSUCH" not in failed:
        assert rows["NOSUCH"].status == "MISSING: unknown ticker (Yahoo: No data found, symbol may be delisted)"
    for ticker, fresh in FRESH.items():
        row = rows[ticker]
        if ticker in failed:
            assert row.status.startswith(failed[ticker])
            if ticker in previous:  # previous price, date and source intact
                old = previous[ticker]
                assert (row.price, row.currency, row.as_of, row.source) == (old.price, old.currency, old.as_of,
                                                                            old.source)
                assert row.status.endswith(STALE_WEEK)
            else:
                assert row.price is None
        else:
            assert (row.price, row.status, row.source) == (pytest.approx(fresh), "OK", "Yahoo")
            assert row.as_of.tzinfo is not None


def test_non_usd_rows_carry_their_currency(yahoo_replay):
    _, source = yahoo_replay()
    rows = {p.ticker: p for p in refresh_table(PREVIOUS, NEEDED, source, now=NOW).rows}
    assert (rows["SHOP.TO"].currency, rows["VOD.L"].currency, rows["VTI"].currency) == ("CAD", "GBP", "USD")
