"""Holding period: long-term means held *more than one year* (IRS Pub 550).

The period starts the day after the trade date; a sale is long-term when the sale date
is after the anniversary of the purchase.  The anniversary of a month-end purchase is
the month-end a year later (Rev. Rul. 66-97), so Feb 29 -> Feb 28 of the next year.
"""
from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int, keep_month_end: bool = False) -> date:
    """Same day ``months`` later, clamped to the month's last day.

    With ``keep_month_end`` a month-end date maps to the month-end (Rev. Rul. 66-97).
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    is_month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month, last if (keep_month_end and is_month_end) or day.day > last else day.day)


def anniversary(acquired: date) -> date:
    """One year after ``acquired``; a sale must be strictly after it to be long-term."""
    return add_months(acquired, 12, keep_month_end=True)


def is_long_term(acquired: date, sold: date) -> bool:
    return sold > anniversary(acquired)


def long_term_from(acquired: date) -> date:
    """The first day on which a sale of this lot is long-term."""
    return anniversary(acquired) + timedelta(days=1)


def term(acquired: date, sold: date) -> str:
    """'LT' or 'ST'."""
    return "LT" if is_long_term(acquired, sold) else "ST"
