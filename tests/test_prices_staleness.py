"""core.staleness: warnings for old, STALE, MISSING and foreign-currency prices."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from xlrebalance.core.model import Holding, Household, Price, Settings, Severity
from xlrebalance.core.staleness import (
    currency_issues, needed_tickers, price_issues, stale_price_issues,
)

AS_OF = date(2026, 11, 20)


def household(*prices, stale_days=3, held=("VTI",)):
    return Household(settings=Settings(as_of=AS_OF, stale_price_days=stale_days),
                     holdings=tuple(Holding("Taxable", t, 10.0) for t in held), prices=prices)


@pytest.mark.parametrize("price, codes", [
    (Price("VTI", 300.0, "USD", date(2026, 11, 17), "Yahoo", "OK"), []),               # 3 days: at the limit
    (Price("VTI", 300.0, "USD", date(2026, 11, 16), "Yahoo", "OK"), ["stale_price"]),  # 4 days
    (Price("VTI", 300.0, "USD", datetime(2026, 11, 16, 16, 0), "Yahoo", "OK"), ["stale_price"]),
    (Price("VTI", 300.0, "USD", None, "", ""), []),                                   # undated: unknown age
    (Price("VTI", 300.0, "USD", date(2026, 10, 1), "Manual", ""), ["stale_price"]),     # manual too
    (Price("VTI", 300.0, "USD", date(2026, 11, 20), "Yahoo", "STALE: HTTP 429, price from ..."), ["stale_price"]),
    (Price("VTI", None, "USD", None, "", "MISSING: unknown ticker"), ["price_refresh_failed"]),
    (Price("VTI", 300.0, "USD", date(2026, 11, 20), "Yahoo", "ok"), []),
])
def test_stale_price_issues(price, codes):
    issues = stale_price_issues(household(replace(price, row=7)))
    assert [i.code for i in issues] == codes
    for issue in issues:
        assert issue.severity is Severity.WARNING and issue.table == "Prices" and issue.row == 7
        assert issue.ticker == "VTI"


def test_message_names_dates_and_the_setting():
    issue = stale_price_issues(household(Price("VTI", 300.0, "USD", date(2026, 11, 13), "Yahoo", "OK")))[0]
    assert "2026-11-13" in issue.message and "7 days" in issue.message and "Stale price days" in issue.message
    assert issue.column == "As of"


def test_zero_days_means_today_only():
    old = Price("VTI", 300.0, "USD", date(2026, 11, 19), "Yahoo", "OK")
    assert stale_price_issues(household(old, stale_days=0))
    assert not stale_price_issues(household(replace(old, as_of=AS_OF), stale_days=0))


def test_tickers_nobody_needs_do_not_warn():
    old = Price("XYZ", 5.0, "USD", date(2020, 1, 1), "Yahoo", "MISSING: gone")
    assert stale_price_issues(household(old)) == []


def test_currency_issues():
    prices = (Price("VTI", 300.0, "USD", AS_OF, "Yahoo", "OK"), Price("SHOP.TO", 214.0, "CAD", AS_OF, "Yahoo", "OK"))
    issues = currency_issues(household(*prices, held=("VTI", "SHOP.TO")))
    assert [(i.code, i.ticker, i.column) for i in issues] == [("price_currency", "SHOP.TO", "Currency")]
    assert len(price_issues(household(*prices, held=("VTI", "SHOP.TO")))) == 1


def test_needed_tickers_first_seen_order_without_blanks():
    from xlrebalance.core.model import AssetClassTarget, Security
    h = Household(
        settings=Settings(as_of=AS_OF),
        holdings=(Holding("A", "vti", 1.0), Holding("B", "BND", 1.0)),
        securities=(Security("VTI", "US", replacement="ITOT"), Security("BND", "Bonds")),
        targets=(AssetClassTarget("US", 0.6, buy_ticker="VTI"), AssetClassTarget("Intl", 0.4, buy_ticker="VXUS"),
                 AssetClassTarget("Cash", 0.0, buy_ticker=None)),
    )
    assert needed_tickers(h) == ("VTI", "BND", "VXUS", "ITOT")
