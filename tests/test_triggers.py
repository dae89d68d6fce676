"""Triggers: Calendar, Threshold, Hybrid; review due dates; the one-sentence reason."""
from datetime import date

import pytest

from xlrebalance import Portfolio
from xlrebalance.core.model import Cadence, Settings
from xlrebalance.core.triggers import review_status
from tests.households import AS_OF, tables

BREACHED = {"Stocks": 68, "Bonds": 32}
INSIDE = {"Stocks": 62, "Bonds": 38}


def portfolio(values, **settings):
    return Portfolio.from_tables(tables({"Stocks": 0.6, "Bonds": 0.4}, values, settings=settings))


@pytest.mark.parametrize("cadence, last, due, next_review", [
    (Cadence.QUARTERLY, date(2026, 8, 20), True, date(2026, 11, 20)),    # due on the day itself
    (Cadence.QUARTERLY, date(2026, 8, 21), False, date(2026, 11, 21)),   # one day early
    (Cadence.MONTHLY, date(2026, 10, 31), False, date(2026, 11, 30)),    # month-end clamps
    (Cadence.SEMIANNUAL, date(2026, 5, 20), True, date(2026, 11, 20)),
    (Cadence.ANNUAL, date(2025, 11, 21), False, date(2026, 11, 21)),
    (Cadence.QUARTERLY, None, True, None),                               # never reviewed
])
def test_review_due(cadence, last, due, next_review):
    review = review_status(Settings(as_of=AS_OF, review_cadence=cadence, last_review=last))
    assert (review.due, review.next_review) == (due, next_review)


@pytest.mark.parametrize("trigger, values, last_review, expected", [
    ("Hybrid", BREACHED, date(2026, 8, 1), True),       # due and breached
    ("Hybrid", BREACHED, date(2026, 10, 1), False),     # breached, review not due
    ("Hybrid", INSIDE, date(2026, 8, 1), False),        # due, inside bands
    ("Threshold", BREACHED, date(2026, 10, 1), True),
    ("Threshold", INSIDE, date(2026, 8, 1), False),
    ("Calendar", INSIDE, date(2026, 8, 1), True),
    ("Calendar", BREACHED, date(2026, 10, 1), False),
])
def test_triggers(trigger, values, last_review, expected):
    assert portfolio(values, Trigger=trigger, **{"Last review": last_review}).needs_rebalance() is expected


def test_reason_when_due_and_breached():
    pf = portfolio(BREACHED, **{"Last review": date(2026, 7, 1)})
    assert pf.rebalance_reason() == ("Stocks is 68%, above its 55\u201365% band and Bonds is 32%, below its "
                                     "35\u201345% band; quarterly review due since 2026-10-01.")


def test_reason_when_breached_but_not_due():
    reason = portfolio(BREACHED, **{"Last review": date(2026, 10, 1)}).rebalance_reason()
    assert reason.startswith("Stocks is 68%, above its 55\u201365% band")
    assert "next quarterly review on 2027-01-01" in reason


def test_reason_when_inside_bands():
    reason = portfolio(INSIDE, **{"Last review": date(2026, 7, 1)}).rebalance_reason()
    assert reason == ("Every class is inside its band (portfolio drift 2%); quarterly review due since "
                      "2026-10-01.")


def test_reason_never_reviewed():
    reason = portfolio(BREACHED, **{"Last review": None}).rebalance_reason()
    assert "quarterly review due (no review on record)" in reason
