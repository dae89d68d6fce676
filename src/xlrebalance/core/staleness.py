"""Which tickers need a price, and which prices are too old to trust without a warning.

Pure functions over a ``Household``: the answers (DRIFT, TRADE_LIST ...) still stand with
an old price, so these are WARNING issues, shown next to the result.  A price is stale
when its ``As of`` date is more than ``Settings.stale_price_days`` days before the as-of
date, or when the last refresh could not update it (Status STALE or MISSING).  Prices with
no ``As of`` date are typed in by hand without a date: their age is unknown, no warning.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Iterable, Optional

from .model import Household, Issue, Price, Severity

#: Status prefixes written by a price refresh (see ``prices.refresh``).
STATUS_OK = "OK"
STATUS_STALE = "STALE"
STATUS_MISSING = "MISSING"
#: ``Source`` value of a row typed by hand; a refresh never overwrites it.
MANUAL_SOURCE = "Manual"


def _key(ticker: object) -> str:
    return str(ticker).strip().upper()


def needed_tickers(household: Household) -> tuple[str, ...]:
    """Every ticker the workbook needs a price for, in first-seen order.

    Held tickers (Holdings), every security listed (Securities), each class's
    ``Buy ticker`` (Targets) and each harvest ``Replacement`` (Securities).
    """
    candidates: list[Optional[str]] = [h.ticker for h in household.holdings]
    candidates += [s.ticker for s in household.securities]
    candidates += [t.buy_ticker for t in household.targets]
    candidates += [s.replacement for s in household.securities]
    seen: dict[str, None] = {}
    for ticker in candidates:
        if ticker:
            key = ticker if ticker.isupper() and ticker.strip() == ticker else _key(ticker)
            if key:
                seen.setdefault(key, None)
    return tuple(seen)


def is_manual(price: Price) -> bool:
    return (price.source or "").strip().lower() == MANUAL_SOURCE.lower()


def price_date(value: object) -> Optional[date]:
    """The calendar date of an ``As of`` value (date, datetime, or None)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def age_in_days(price: Price, as_of: date) -> Optional[int]:
    """Whole days between the price's date and ``as_of`` (None when undated)."""
    day = price_date(price.as_of)
    return None if day is None else (as_of - day).days


def _status_word(price: Price) -> str:
    return (price.status or "").strip().split(":", 1)[0].strip().upper()


def _issue(code: str, message: str, price: Price, column: str) -> Issue:
    return Issue(code, message, "Prices", price.row, column, Severity.WARNING, ticker=price.ticker)


def _stale_issue(price: Price, as_of: date, limit_days: int) -> Optional[Issue]:
    word = _status_word(price)
    if word == STATUS_MISSING:
        return _issue("price_refresh_failed",
                      f"{price.ticker} could not be priced by the last refresh ({price.status}).",
                      price, "Status")
    if word == STATUS_STALE:
        return _issue("stale_price",
                      f"{price.ticker}: the last refresh kept an old price ({price.status}).",
                      price, "Status")
    age = age_in_days(price, as_of)
    if age is None or age <= limit_days:
        return None
    how = "typed in by hand" if is_manual(price) else "last refreshed"
    return _issue("stale_price",
                  f"The price of {price.ticker} is from {price_date(price.as_of).isoformat()} ({how}), "
                  f"{age} days before {as_of.isoformat()}; the limit is {limit_days} days "
                  "(setting 'Stale price days'). Refresh prices or update it.",
                  price, "As of")


def _on_or_after(value: object, day: date) -> bool:
    found = price_date(value)
    return found is None or found >= day


def _relevant(household: Household, prices: Iterable[Price]) -> list[Price]:
    needed = set(needed_tickers(household))
    return [p for p in prices if p.ticker in needed or _key(p.ticker) in needed]


def stale_price_issues(household: Household, relevant: Optional[list[Price]] = None) -> list[Issue]:
    """WARNING issues for needed tickers whose price is old, STALE or MISSING."""
    settings = household.settings
    fresh_from = settings.as_of - timedelta(days=settings.stale_price_days)
    issues = []
    for price in _relevant(household, household.prices) if relevant is None else relevant:
        if price.status in ("", STATUS_OK) and (price.as_of is None or _on_or_after(price.as_of, fresh_from)):
            continue  # the common case, decided without building any text
        issue = _stale_issue(price, settings.as_of, settings.stale_price_days)
        if issue is not None:
            issues.append(issue)
    return issues


def currency_issues(household: Household, home_currency: str = "USD",
                    relevant: Optional[list[Price]] = None) -> list[Issue]:
    """WARNING issues for needed tickers priced in another currency than ``home_currency``.

    The engine adds values as they are; a price in CAD or GBP is not converted.
    """
    issues = []
    home = home_currency.upper()
    for price in _relevant(household, household.prices) if relevant is None else relevant:
        currency = price.currency if price.currency == home else (price.currency or home).strip().upper()
        if price.price is not None and currency != home:
            issues.append(_issue(
                "price_currency",
                f"{price.ticker} is priced in {price.currency}, not {home_currency}; values are added "
                f"as if it were {home_currency}. Enter a {home_currency} price with Source = Manual "
                "if that is wrong.",
                price, "Currency"))
    return issues


def price_issues(household: Household) -> list[Issue]:
    """All price warnings: stale prices, then prices in a foreign currency."""
    relevant = _relevant(household, household.prices)
    return stale_price_issues(household, relevant) + currency_issues(household, relevant=relevant)
