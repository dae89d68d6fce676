"""The one tax function (``tax.year_tax``): carry-forward, filing status, brackets, NIIT, the
harvest saving, the 0% room, and the Settings that feed it.  Every number worked by hand."""
from datetime import date

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xlrebalance import Portfolio
from xlrebalance.core import brackets
from xlrebalance.core.model import FilingStatus, Settings
from xlrebalance.core.tax import (
    TaxProfile, estimate_tax, gain_budget_left, gain_harvest_room, harvest_saving, tax_profile,
    year_net, year_tax,
)
from tests.households import tables

AS_OF = date(2026, 11, 20)
FLAT = TaxProfile(short_term_rate=0.40, long_term_rate=0.20)
SINGLE, JOINT = FilingStatus.SINGLE, FilingStatus.JOINT
SEPARATE, HEAD = FilingStatus.SEPARATE, FilingStatus.HEAD_OF_HOUSEHOLD


def brackets_for(status, income, **carry):
    return TaxProfile(filing_status=status, taxable_income=income, **carry)


# --- defaults keep today's answers ------------------------------------------------------

def test_default_profile_is_the_flat_rates_single_no_carry_forward():
    profile = tax_profile(Settings(as_of=AS_OF))
    assert profile == TaxProfile()
    assert (profile.loss_limit, profile.brackets_known, profile.highest_rate) == (3000, False, 0.408)
    # flat: 1,000 ST x 40.8% + 2,000 LT x 23.8%; a 10,000 ST loss deducts 3,000 at 40.8%
    assert year_tax(1000, 2000, profile) == pytest.approx(408 + 476)
    assert year_tax(-10000, 0, profile) == pytest.approx(-1224)


# --- carry-forward and filing status ---------------------------------------------------

def test_carry_forward_enters_the_netting_by_character():
    # Schedule D lines 6 and 14: ST carryover 5,000 against this year's ST +2,000 and LT +8,000.
    # ST net -3,000 offsets LT: 5,000 LT taxed at 20% = 1,000.
    profile = TaxProfile(short_term_rate=0.40, long_term_rate=0.20, st_carryforward=5000)
    assert year_tax(2000, 8000, profile) == pytest.approx(1000)
    # LT carryover 20,000, no gains: 3,000 deducted (at 40%), 17,000 carries on as LT.
    profile = TaxProfile(short_term_rate=0.40, long_term_rate=0.20, lt_carryforward=20000)
    year = year_net(0, 0, profile)
    assert (year.deductible_loss, year.carry_forward_st, year.carry_forward_lt) == (3000, 0, 17000)
    assert year_tax(0, 0, profile) == pytest.approx(-1200)


def test_married_filing_separately_deducts_1500():
    # IRC 1211(b)(1): $1,500 for a married individual filing a separate return.
    profile = TaxProfile(short_term_rate=0.40, long_term_rate=0.20, filing_status=SEPARATE)
    year = year_net(-10000, 0, profile)
    assert (year.deductible_loss, year.carry_forward_st) == (1500, 8500)
    assert year_tax(-10000, 0, profile) == pytest.approx(-600)


def test_deduction_never_exceeds_taxable_income():
    # Capital Loss Carryover Worksheet lines 1-4: with $1,000 of taxable income only $1,000 of
    # the deduction is used; the other $4,000 of the $5,000 ST loss carries forward.
    year = year_net(-5000, 0, brackets_for(SINGLE, 1000))
    assert (year.deductible_loss, year.carry_forward_st) == (1000, 4000)


# --- brackets (Rev. Proc. 2025-32) ------------------------------------------------------

def test_2026_thresholds_are_the_rev_proc_ones():
    assert brackets.zero_rate_top(SINGLE) == 49_450 and brackets.zero_rate_top(JOINT) == 98_900
    assert brackets.LONG_TERM_TOPS[SINGLE][1] == 545_500 and brackets.LONG_TERM_TOPS[JOINT][1] == 613_700
    assert brackets.NIIT_THRESHOLDS[JOINT] == 250_000 and brackets.NIIT_THRESHOLDS[SEPARATE] == 125_000
    # Single, $100,000 of taxable income: 10% x 12,400 + 12% x 38,000 + 22% x 49,600 = 16,712
    assert brackets.ordinary_tax(100_000, SINGLE) == pytest.approx(16712)


def test_long_term_gain_stacks_on_ordinary_income_through_0_and_15():
    # Single, taxable income $40,000, LT gain $20,000: the gain fills 40,000..60,000; the part
    # to 49,450 (9,450) is taxed at 0%, the other 10,550 at 15% = 1,582.50.  MAGI 60,000: no NIIT.
    assert year_tax(0, 20000, brackets_for(SINGLE, 40000)) == pytest.approx(1582.50)
    # joint, same income: 40,000 + 20,000 stays under 98,900: all at 0%.
    assert year_tax(0, 20000, brackets_for(JOINT, 40000)) == pytest.approx(0)


def test_short_term_gain_at_the_ordinary_bracket_plus_niit():
    # Joint, taxable income $300,000 (24% bracket 211,400..403,550), ST +10,000, LT +50,000:
    # ordinary 310,000: 10,000 x 24% = 2,400; LT 310,000..360,000 all at 15% = 7,500;
    # NIIT: MAGI 360,000 - 250,000 = 110,000 > NII 60,000: 60,000 x 3.8% = 2,280.
    assert year_tax(10000, 50000, brackets_for(JOINT, 300000)) == pytest.approx(2400 + 7500 + 2280)


def test_niit_only_on_the_part_of_magi_above_the_threshold():
    # Single, taxable income $190,000 (24% bracket to 201,775), LT +30,000 at 15% = 4,500;
    # NIIT on min(30,000, 220,000 - 200,000) = 20,000 x 3.8% = 760.
    assert year_tax(0, 30000, brackets_for(SINGLE, 190000)) == pytest.approx(4500 + 760)


def test_highest_rate_includes_the_bump_zone():
    # Single, 35% ordinary bracket (256,225..640,600) starts where LT gains are at 15%: one more $
    # of ordinary income costs 35% and pushes a $ of stacked LT gain from 15% to 20%: 40% + NIIT.
    assert brackets.highest_marginal_rate(SINGLE) == pytest.approx(0.438)
    profile = brackets_for(SINGLE, 300000)
    # a $1,000 ST loss against $10,000 of ST gain (ordinary 310,000, in the 35% bracket) with
    # $400,000 of LT gain stacked on it (310,000..710,000, across 545,500): ordinary tax -350;
    # the stack moves down $1,000: $1,000 of it leaves the 20% zone for the 15% zone, -50;
    # NIIT on net investment income (410,000 < MAGI - 200,000) -38.  Total 438.
    saving = harvest_saving(1000, "ST", profile, realized_st=10000, realized_lt=400000)
    assert saving == pytest.approx(1000 * 0.438)


# --- the harvest saving (issue #4) ----------------------------------------------------

def test_short_term_loss_in_a_year_of_only_long_term_gains_saves_at_the_long_term_rate():
    # $18,000 LT realized, no ST: a $3,000 ST loss nets against the LT gain (Schedule D line 16),
    # so it saves 3,000 x 20% = 600, not 3,000 x 40% = 1,200 (what a flat ST rate says).
    assert harvest_saving(3000, "ST", FLAT, realized_lt=18000) == pytest.approx(600)


def test_a_loss_that_only_grows_the_carry_forward_saves_nothing():
    # $10,000 of ST losses already realized: the $3,000 deduction is used up, no gains to offset.
    assert harvest_saving(2000, "ST", FLAT, realized_st=-10000) == 0
    # a $2,000 loss on $1,000 of ST gain: saves 1,000 x 40% on the gain + 1,000 x 40% deducted
    assert harvest_saving(2000, "LT", FLAT, realized_st=1000) == pytest.approx(800)


@hsettings(max_examples=300, deadline=None)
@given(
    loss=st.floats(1, 500_000), term=st.sampled_from(["ST", "LT"]),
    realized_st=st.floats(-300_000, 300_000), realized_lt=st.floats(-300_000, 1_000_000),
    status=st.sampled_from(list(FilingStatus)),
    income=st.one_of(st.none(), st.floats(0, 1_000_000)),
    carry_st=st.floats(0, 50_000), carry_lt=st.floats(0, 50_000),
    rates=st.tuples(st.floats(0, 0.5), st.floats(0, 0.5)),
)
def test_saving_is_between_zero_and_the_loss_at_the_highest_rate(
        loss, term, realized_st, realized_lt, status, income, carry_st, carry_lt, rates):
    profile = TaxProfile(rates[0], rates[1], status, income, carry_st, carry_lt)
    saving = harvest_saving(loss, term, profile, realized_st=realized_st, realized_lt=realized_lt)
    assert -1e-6 <= saving <= loss * profile.highest_rate + 1e-6 * max(1.0, loss)
    # and the same number as the year's tax without the harvest minus with it
    lt_loss = loss if term == "LT" else 0.0
    before = year_tax(realized_st, realized_lt, profile)
    after = year_tax(realized_st - (loss - lt_loss), realized_lt - lt_loss, profile)
    assert saving == pytest.approx(max(0.0, before - after), abs=1e-6)


def test_estimate_tax_takes_settings_or_a_profile():
    settings = Settings(as_of=AS_OF, short_term_rate=0.40, long_term_rate=0.20)
    assert estimate_tax(0, -1000, settings, realized_st=5000) == estimate_tax(0, -1000, FLAT, realized_st=5000)


# --- gain-harvest room and the gain budget --------------------------------------------

def test_gain_harvest_room_is_what_is_left_of_the_zero_bracket():
    assert gain_harvest_room(FLAT) is None   # brackets unknown
    # Single, taxable income 30,000, this year +5,000 LT: 49,450 - 35,000 = 14,450 at 0%
    assert gain_harvest_room(brackets_for(SINGLE, 30000), 0, 5000) == pytest.approx(14450)
    # joint, 60,000 income and a 2,000 net ST loss deducted: 98,900 - 58,000 = 40,900
    assert gain_harvest_room(brackets_for(JOINT, 60000), -2000, 0) == pytest.approx(40900)
    assert gain_harvest_room(brackets_for(HEAD, 70000)) == 0   # above HoH's 66,200


def test_gain_budget_counts_the_carry_forward():
    settings = Settings(as_of=AS_OF, gain_budget=10000, lt_loss_carryforward=4000)
    # 12,000 of gains, 4,000 of them absorbed by last year's loss: 8,000 of the 10,000 used
    assert gain_budget_left(settings, 0, 12000) == 2000


# --- Settings: parsing and bad input -------------------------------------------------------

GOOD = dict(targets={"Stocks": 0.6, "Bonds": 0.4}, values={"Stocks": 60, "Bonds": 40})


def test_settings_parse_into_the_profile():
    t = tables(**GOOD, settings={"ST loss carryforward": "1,250", "LT loss carryforward": 4000,
                                 "Filing status": "married filing jointly", "Taxable income": 120000})
    pf = Portfolio.from_tables(t)
    assert pf.errors == []
    profile = tax_profile(pf.household.settings)
    assert profile == TaxProfile(filing_status=JOINT, taxable_income=120000, st_carryforward=1250,
                                 lt_carryforward=4000)


@pytest.mark.parametrize("key, value, needle", [
    ("ST loss carryforward", -500, "at least 0"),
    ("LT loss carryforward", "lots", "LT loss carryforward"),
    ("Taxable income", -1, "at least 0"),
    ("Filing status", "Married", "Single, Married filing jointly, Married filing separately, Head of household"),
])
def test_bad_tax_settings_are_issues_naming_settings_and_the_row(key, value, needle):
    t = tables(**GOOD, settings={key: value})
    issues = [i for i in Portfolio.from_tables(t).issues if i.code in ("setting_out_of_range", "bad_setting")]
    assert len(issues) == 1
    issue = issues[0]
    assert issue.is_error and issue.table == "Settings" and issue.row is not None and issue.column == "Value"
    assert key in issue.message and needle in issue.message
