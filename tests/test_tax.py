"""Schedule D netting, the $3,000 deduction, carry-forward and the tax estimate."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xlrebalance.core.model import Settings
from xlrebalance.core.tax import (
    LOSS_DEDUCTION_LIMIT,
    estimate_tax,
    gain_budget_left,
    net_gains,
    rate,
    round_money,
    tax_on_gain,
    tax_on_net,
)

RATES = Settings(as_of=date(2026, 11, 20), short_term_rate=0.40, long_term_rate=0.20)


@pytest.mark.parametrize(
    "st_in, lt_in, taxable_st, taxable_lt, deductible, cf_st, cf_lt",
    [
        # both gains: each taxed at its own rate
        (1000, 2000, 1000, 2000, 0, 0, 0),
        # ST loss against LT gain: the rest is LT gain
        (-500, 2000, 0, 1500, 0, 0, 0),
        # LT loss against ST gain: the rest is ST gain
        (3000, -1000, 2000, 0, 0, 0, 0),
        # ST loss bigger than LT gain: net ST loss, $3,000 deductible, rest carried as ST
        (-10000, 2000, 0, 0, 3000, 5000, 0),
        # LT loss bigger than ST gain: carried as LT
        (1000, -5000, 0, 0, 3000, 0, 1000),
        # both losses: the deduction uses ST losses first
        (-2000, -4000, 0, 0, 3000, 0, 3000),
        (-5000, -4000, 0, 0, 3000, 2000, 4000),
        # small loss: all of it deductible
        (-1200, 0, 0, 0, 1200, 0, 0),
        (0, 0, 0, 0, 0, 0, 0),
    ],
)
def test_schedule_d_netting(st_in, lt_in, taxable_st, taxable_lt, deductible, cf_st, cf_lt):
    year = net_gains(st_in, lt_in)
    assert (year.taxable_st, year.taxable_lt) == (taxable_st, taxable_lt)
    assert year.deductible_loss == deductible
    assert (year.carry_forward_st, year.carry_forward_lt) == (cf_st, cf_lt)
    assert year.net == st_in + lt_in


def test_tax_on_net_values_the_deduction_at_the_ordinary_rate():
    assert tax_on_net(1000, 2000, RATES) == pytest.approx(1000 * 0.40 + 2000 * 0.20)
    assert tax_on_net(-10000, 0, RATES) == pytest.approx(-3000 * 0.40)


def test_estimate_tax_is_marginal_to_the_years_realized_gains():
    # A $1,000 LT loss on top of $5,000 realized ST gain saves ST tax (cross-netting).
    assert estimate_tax(0, -1000, RATES, realized_st=5000) == pytest.approx(-400)
    # A $2,000 ST gain absorbed by this year's $2,000 LT loss costs the deduction that
    # loss would have given against ordinary income.
    assert estimate_tax(2000, 0, RATES, realized_lt=-2000) == pytest.approx(2000 * 0.40)
    # A gain after a big loss year: absorbed, the deduction stays at $3,000.
    assert estimate_tax(5000, 0, RATES, realized_st=-20000) == pytest.approx(0)


def test_rate_and_simple_tax():
    assert rate("ST", RATES) == 0.40 and rate("LT", RATES) == 0.20
    assert tax_on_gain(-1000, "LT", RATES) == pytest.approx(-200)
    with pytest.raises(ValueError):
        rate("XX", RATES)


def test_gain_budget_left():
    assert gain_budget_left(RATES, 1000, 2000) is None
    budget = Settings(as_of=date(2026, 1, 1), gain_budget=10000)
    assert gain_budget_left(budget, 1000, 2000) == 7000
    assert gain_budget_left(budget, -4000, 0) == 14000
    assert gain_budget_left(budget, 12000, 0) == -2000


def test_round_money_is_cents_and_never_negative_zero():
    assert round_money(1.005 + 1e-9) == 1.01
    assert str(round_money(-0.001)) == "0.0"


@hsettings(max_examples=80, deadline=None)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_netting_conserves_the_year(st_gain, lt_gain):
    year = net_gains(st_gain, lt_gain)
    # what is taxed minus what is deducted or carried equals the net
    total = year.taxable_st + year.taxable_lt - year.deductible_loss - year.carry_forward
    assert total == pytest.approx(st_gain + lt_gain, abs=1e-6)
    assert 0 <= year.deductible_loss <= LOSS_DEDUCTION_LIMIT
    assert min(year.taxable_st, year.taxable_lt, year.carry_forward_st, year.carry_forward_lt) >= 0
    assert not (year.deductible_loss and (year.taxable_st or year.taxable_lt))
