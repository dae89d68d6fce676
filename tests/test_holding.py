"""Holding period: long-term = held more than one year, counted from the day after purchase.

RULES.md "Lots and holding period"; IRS Pub 550; Rev. Rul. 66-97 (month-end purchases).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xlrebalance.core.holding import add_months, anniversary, is_long_term, long_term_from, term


@pytest.mark.parametrize(
    "acquired, sold, expected",
    [
        # RULES.md's own example: bought 2024-03-15
        (date(2024, 3, 15), date(2025, 3, 15), "ST"),
        (date(2024, 3, 15), date(2025, 3, 16), "LT"),
        (date(2024, 3, 15), date(2024, 3, 15), "ST"),  # same-day round trip
        # Leap day purchase: the period starts Mar 1, 2024; one year runs through Feb 28, 2025
        (date(2024, 2, 29), date(2025, 2, 28), "ST"),
        (date(2024, 2, 29), date(2025, 3, 1), "LT"),
        # Month-end purchase in a common year, anniversary in a leap year (Rev. Rul. 66-97):
        # bought Feb 28, 2023, the period starts Mar 1, so Feb 29, 2024 is still short-term
        (date(2023, 2, 28), date(2024, 2, 28), "ST"),
        (date(2023, 2, 28), date(2024, 2, 29), "ST"),
        (date(2023, 2, 28), date(2024, 3, 1), "LT"),
        # Not a month-end: Feb 28, 2024 (a leap year) is an ordinary day
        (date(2024, 2, 28), date(2025, 2, 28), "ST"),
        (date(2024, 2, 28), date(2025, 3, 1), "LT"),
        # Other month ends
        (date(2025, 4, 30), date(2026, 4, 30), "ST"),
        (date(2025, 4, 30), date(2026, 5, 1), "LT"),
        (date(2025, 12, 31), date(2026, 12, 31), "ST"),
        (date(2025, 12, 31), date(2027, 1, 1), "LT"),
        (date(2025, 1, 31), date(2026, 1, 31), "ST"),
        (date(2025, 1, 31), date(2026, 2, 1), "LT"),
        # Year boundary, ordinary day
        (date(2025, 1, 1), date(2026, 1, 1), "ST"),
        (date(2025, 1, 1), date(2026, 1, 2), "LT"),
    ],
)
def test_term_edges(acquired, sold, expected):
    assert term(acquired, sold) == expected
    assert is_long_term(acquired, sold) is (expected == "LT")


@pytest.mark.parametrize(
    "acquired, first_lt_day",
    [
        (date(2024, 3, 15), date(2025, 3, 16)),
        (date(2024, 2, 29), date(2025, 3, 1)),
        (date(2023, 2, 28), date(2024, 3, 1)),
        (date(2024, 2, 28), date(2025, 3, 1)),
        (date(2025, 12, 31), date(2027, 1, 1)),
    ],
)
def test_long_term_from(acquired, first_lt_day):
    assert long_term_from(acquired) == first_lt_day
    assert not is_long_term(acquired, first_lt_day - timedelta(days=1))
    assert is_long_term(acquired, first_lt_day)


@pytest.mark.parametrize(
    "day, months, keep_month_end, expected",
    [
        (date(2024, 1, 31), 1, False, date(2024, 2, 29)),  # clamped to the month's end
        (date(2023, 1, 31), 1, False, date(2023, 2, 28)),
        (date(2024, 2, 29), 12, False, date(2025, 2, 28)),
        (date(2023, 2, 28), 12, False, date(2024, 2, 28)),
        (date(2023, 2, 28), 12, True, date(2024, 2, 29)),   # month end stays month end
        (date(2024, 11, 30), 3, True, date(2025, 2, 28)),
        (date(2024, 11, 15), 3, True, date(2025, 2, 15)),
        (date(2024, 12, 15), -12, False, date(2023, 12, 15)),
    ],
)
def test_add_months(day, months, keep_month_end, expected):
    assert add_months(day, months, keep_month_end) == expected


@hsettings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)))
def test_exactly_one_year_boundary(acquired):
    first = long_term_from(acquired)
    # the first long-term day is 366 or 367 days later (one calendar year, plus a day)
    assert 366 <= (first - acquired).days <= 367
    assert anniversary(acquired) == first - timedelta(days=1)
    assert term(acquired, first) == "LT" and term(acquired, first - timedelta(days=1)) == "ST"
