"""Harvest candidates: thresholds, term, replacement, wash status and ranking."""
from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xlrebalance.core.harvest import harvest_candidates
from xlrebalance.core.model import (
    Account,
    AccountType,
    Action,
    Household,
    Lot,
    Price,
    Security,
    Settings,
    Transaction,
)
from xlrebalance.core.model import FilingStatus
from xlrebalance.core.tax import tax_profile
from xlrebalance.core.wash import WashStatus

AS_OF = date(2026, 11, 20)
ACCOUNTS = (
    Account("Brokerage", AccountType.TAXABLE, owner="Pat"),
    Account("Spouse brokerage", AccountType.TAXABLE, owner="Sam"),
    Account("IRA", AccountType.TRADITIONAL, owner="Pat"),
    Account("Roth", AccountType.ROTH, owner="Sam"),
    Account("401k", AccountType.TRADITIONAL, owner="Pat", employer_plan=True),
    Account("HSA", AccountType.HSA, owner="Pat"),
)
SECURITIES = (
    Security("VXUS", "Intl", replacement="IXUS"),
    Security("IXUS", "Intl"),
    Security("VTI", "US", wash_group="Total market", replacement="ITOT"),  # identical: rejected
    Security("ITOT", "US", wash_group="Total market"),
    Security("BND", "Bonds"),                                             # no replacement
)
PRICES = (Price("VXUS", 50.0), Price("VTI", 200.0), Price("BND", 70.0), Price("IXUS", 60.0))

# 100 VXUS bought for $6,000, worth $5,000 today: a $1,000 (16.7%) long-term loss
BASE_LOT = Lot("Brokerage", "VXUS", "V1", date(2024, 5, 1), 100, 6000.0)


def household(lots=(BASE_LOT,), transactions=(), **settings) -> Household:
    return Household(
        settings=Settings(as_of=AS_OF, short_term_rate=0.40, long_term_rate=0.20, **settings),
        accounts=ACCOUNTS, securities=SECURITIES, prices=PRICES,
        lots=tuple(lots), transactions=tuple(transactions),
    )


def only(result):
    assert len(result.candidates) == 1, result.candidates
    return result.candidates[0]


def test_a_candidate_row_has_every_number():
    c = only(harvest_candidates(household()))
    assert (c.account, c.ticker, c.lot_id, c.shares) == ("Brokerage", "VXUS", "V1", 100)
    assert (c.cost_basis, c.value, c.loss) == (6000, 5000, 1000)
    assert c.loss_pct == pytest.approx(1 / 6)
    assert c.term == "LT"
    assert c.replacement == "IXUS"
    assert c.wash_status == "CLEAR" and c.clear
    # No gains realized this year: the $1,000 long-term loss has no gain to offset and is
    # deducted against ordinary income (IRC 1211(b), up to $3,000), so it saves the ordinary
    # (short-term) rate: 1,000 x 40% = 400 (not 1,000 x the 20% LT rate).
    assert c.est_tax_saving == pytest.approx(400)
    assert c.note == ""


@pytest.mark.parametrize(
    "basis, min_pct, min_usd, expected",
    [
        (6000.0, 0.05, 1000, True),    # exactly $1,000: passes (>=)
        (5999.0, 0.05, 1000, False),   # $999 loss: too small in $
        (6000.0, 0.20, 100, False),    # 16.7% < 20%
        (6250.0, 0.20, 100, True),     # exactly 20%
        (5000.0, 0.0, 0, False),       # no loss at all
        (4000.0, 0.0, 0, False),       # a gain
    ],
)
def test_both_thresholds_must_pass(basis, min_pct, min_usd, expected):
    lot = Lot("Brokerage", "VXUS", "V1", date(2024, 5, 1), 100, basis)
    h = household([lot], harvest_min_loss_pct=min_pct, harvest_min_loss_usd=min_usd)
    assert bool(harvest_candidates(h).candidates) is expected


def test_short_term_lot_and_its_saving_at_the_short_term_rate():
    lot = Lot("Brokerage", "VXUS", "V2", date(2026, 3, 1), 100, 6000.0)
    c = only(harvest_candidates(household([lot])))
    assert c.term == "ST"
    assert c.est_tax_saving == pytest.approx(400)


@pytest.mark.parametrize("account", ["IRA", "Roth", "401k", "HSA"])
def test_tax_advantaged_lots_are_never_candidates(account):
    lot = Lot(account, "VXUS", "V1", date(2024, 5, 1), 100, 6000.0)
    assert harvest_candidates(household([lot])).candidates == ()


def purchase(days_from_today: int, account="Brokerage", action=Action.BUY, ticker="VXUS", shares=10):
    return Transaction(AS_OF + timedelta(days=days_from_today), account, ticker, action, shares, price=50.0)


@pytest.mark.parametrize(
    "transactions, label, status",
    [
        ([], "CLEAR", WashStatus.CLEAR),
        ([purchase(-30)], "BLOCKED until 2026-11-21", WashStatus.BLOCKED),      # day 30 before
        ([purchase(-31)], "CLEAR", WashStatus.CLEAR),                            # day 31 before
        ([purchase(30)], "BLOCKED until 2027-01-20", WashStatus.BLOCKED),       # planned, day 30
        ([purchase(31)], "CLEAR", WashStatus.CLEAR),                             # planned, day 31
        ([purchase(-3, action=Action.REINVEST)], "BLOCKED until 2026-12-18", WashStatus.BLOCKED),
        ([purchase(-3, account="Spouse brokerage")], "BLOCKED until 2026-12-18", WashStatus.BLOCKED),
        ([purchase(-3, account="IRA")], "PERMANENT until 2026-12-18", WashStatus.PERMANENT),
        ([purchase(5, account="Roth", action=Action.REINVEST)], "PERMANENT until 2026-12-26",
         WashStatus.PERMANENT),
        ([purchase(-3, account="401k")], "POSSIBLY PERMANENT until 2026-12-18", WashStatus.POSSIBLY_PERMANENT),
        ([purchase(-3, account="HSA")], "POSSIBLY PERMANENT until 2026-12-18", WashStatus.POSSIBLY_PERMANENT),
        ([purchase(-3, ticker="IXUS")], "CLEAR", WashStatus.CLEAR),  # another group
    ],
)
def test_wash_status(transactions, label, status):
    c = only(harvest_candidates(household(transactions=transactions)))
    assert c.wash_status == label
    assert c.wash.status is status


def test_a_recent_lot_blocks_the_old_one_but_not_itself():
    recent = Lot("Brokerage", "VXUS", "V9", AS_OF - timedelta(days=10), 40, 2400.0)  # $400 loss
    result = harvest_candidates(household([BASE_LOT, recent], harvest_min_loss_usd=300))
    by_id = {c.lot_id: c for c in result.candidates}
    assert by_id["V1"].wash_status == "BLOCKED until 2026-12-11"
    assert by_id["V9"].wash_status == "CLEAR"


def test_a_reinvested_dividend_is_not_its_own_replacement():
    # a reinvestment row with no Lot ID is an open lot named after its date
    reinvest = Transaction(AS_OF - timedelta(days=60), "Brokerage", "VXUS", Action.REINVEST, 100, price=62.0)
    result = harvest_candidates(household([], [reinvest]))
    c = only(result)
    assert c.lot_id == "Reinvest 2026-09-21"
    assert c.wash_status == "CLEAR"


def test_the_wash_adjusted_basis_is_the_basis_harvested():
    # An old loss sale washed into V1: its basis is $6,000 + $500; the loss grows to $1,500.
    sold = Transaction(date(2024, 5, 10), "Brokerage", "VXUS", Action.SELL, 100, price=55.0,
                       lot_id="V0", acquired=date(2024, 1, 2), cost_basis=6000.0)
    h = household(transactions=[sold])
    c = only(harvest_candidates(h))
    assert c.cost_basis == pytest.approx(6500)
    assert c.loss == pytest.approx(1500)
    assert c.holding_from == date(2024, 5, 1) - timedelta(days=(date(2024, 5, 10) - date(2024, 1, 2)).days)


def test_replacement_warnings():
    lots = [Lot("Brokerage", "VTI", "T1", date(2024, 5, 1), 10, 3000.0),   # $1,000 loss
            Lot("Brokerage", "BND", "B1", date(2024, 5, 1), 100, 8000.0)]  # $1,000 loss
    result = harvest_candidates(household(lots))
    assert {c.ticker: c.replacement for c in result.candidates} == {"VTI": "", "BND": ""}
    assert sorted((i.code, i.ticker) for i in result.issues) == [
        ("NO_REPLACEMENT", "BND"), ("REPLACEMENT_IDENTICAL", "VTI")]
    assert all(not i.is_error for i in result.issues)


# This year already realized $10,000 ST and $10,000 LT gain (IXUS, no wash): each candidate's
# loss first offsets the gain of its own character (Schedule D lines 7 and 15), so it saves
# at its own term's rate.
GAINS = (
    Transaction(date(2026, 3, 2), "Brokerage", "IXUS", Action.SELL, 100, price=200.0, lot_id="GS",
                acquired=date(2026, 1, 5), cost_basis=10000.0),
    Transaction(date(2026, 3, 2), "Brokerage", "IXUS", Action.SELL, 100, price=200.0, lot_id="GL",
                acquired=date(2020, 1, 5), cost_basis=10000.0),
)


def test_ranked_by_estimated_saving():
    lots = [
        Lot("Brokerage", "VXUS", "LT-big", date(2024, 5, 1), 100, 7000.0),     # LT $2,000 -> $400
        Lot("Brokerage", "VXUS", "ST-small", date(2026, 6, 1), 100, 6500.0),   # ST $1,500 -> $600
        Lot("Spouse brokerage", "BND", "B1", date(2024, 5, 1), 100, 8200.0),   # LT $1,200 -> $240
    ]
    candidates = harvest_candidates(household(lots, GAINS)).candidates
    assert [c.lot_id for c in candidates] == ["ST-small", "LT-big", "B1"]
    assert [c.est_tax_saving for c in candidates] == [pytest.approx(600), pytest.approx(400), pytest.approx(240)]


def test_without_gains_every_loss_is_deducted_at_the_ordinary_rate():
    # No gains this year: each loss alone is deducted against ordinary income (up to $3,000)
    # at the 40% ordinary rate: 2,000 -> 800, 1,500 -> 600, 1,200 -> 480.
    lots = [
        Lot("Brokerage", "VXUS", "LT-big", date(2024, 5, 1), 100, 7000.0),
        Lot("Brokerage", "VXUS", "ST-small", date(2026, 6, 1), 100, 6500.0),
        Lot("Spouse brokerage", "BND", "B1", date(2024, 5, 1), 100, 8200.0),
    ]
    candidates = harvest_candidates(household(lots)).candidates
    assert [(c.lot_id, c.est_tax_saving) for c in candidates] == [
        ("LT-big", pytest.approx(800)), ("ST-small", pytest.approx(600)), ("B1", pytest.approx(480))]


def test_short_term_loss_in_a_year_of_long_term_gains_saves_at_the_long_term_rate():
    # Wrong before: $18,000 LT gain realized, no ST gain; a $3,000 ST loss nets against the LT
    # gain (Schedule D line 16), so it saves 3,000 x 20% = 600, not 3,000 x 40% = 1,200.
    gain = Transaction(date(2026, 3, 2), "Brokerage", "IXUS", Action.SELL, 100, price=280.0, lot_id="GL",
                       acquired=date(2020, 1, 5), cost_basis=10000.0)
    lot = Lot("Brokerage", "VXUS", "ST", date(2026, 6, 1), 100, 8000.0)    # ST $3,000 loss
    c = only(harvest_candidates(household([lot], [gain])))
    assert (c.term, c.loss) == ("ST", 3000)
    assert c.est_tax_saving == pytest.approx(600) and c.note == ""


def test_a_loss_that_only_grows_the_carry_forward_saves_nothing_and_says_so():
    # Last year's $10,000 ST carry-forward, no gains: the $3,000 deduction is used up already,
    # so this $1,000 loss saves nothing this year and carries to next year.
    c = only(harvest_candidates(household(st_loss_carryforward=10000)))
    assert c.est_tax_saving == 0 and c.note.startswith("Carry-forward")
    # $2,500 carried in: the first $500 of the $1,000 loss completes the $3,000 deduction
    # (500 x 40% = 200), the other $500 carries forward.
    c = only(harvest_candidates(household(st_loss_carryforward=2500)))
    assert c.est_tax_saving == pytest.approx(200)
    assert c.note == "Carry-forward: $500.00 of the loss carries to next year."


def test_gain_harvest_room_when_brackets_are_known():
    # Single, $30,000 taxable income, no gains yet: 49,450 - 30,000 = 19,450 of LT gain at 0%.
    result = harvest_candidates(household(taxable_income=30000.0))
    assert result.gain_harvest_room == pytest.approx(19450)
    assert result.totals() == {"Gain-harvest room (0% LT)": pytest.approx(19450)}
    assert harvest_candidates(household()).totals() == {}   # flat rates: not known


def test_equal_savings_are_ranked_by_loss_then_account_ticker_and_lot():
    lots = [
        Lot("Spouse brokerage", "VXUS", "S1", date(2024, 5, 1), 100, 7000.0),  # LT $2,000 -> $400
        Lot("Brokerage", "VXUS", "B2", date(2024, 5, 1), 100, 7000.0),         # the same saving
        Lot("Brokerage", "VXUS", "B1", date(2024, 5, 1), 100, 7000.0),         # the same saving
        Lot("Brokerage", "BND", "N1", date(2024, 5, 1), 100, 9000.0),          # LT $2,000 -> $400
        Lot("Brokerage", "VXUS", "ST", date(2026, 6, 1), 100, 6000.0),         # ST $1,000 -> $400
        Lot("Brokerage", "VXUS", "top", date(2024, 5, 1), 100, 8000.0),        # LT $3,000 -> $600
    ]
    ranked = [c.lot_id for c in harvest_candidates(household(lots, GAINS)).candidates]
    assert ranked == ["top", "N1", "B1", "B2", "S1", "ST"]


def test_candidates_are_whole_values():
    lots = [BASE_LOT, Lot("Brokerage", "BND", "B1", date(2026, 6, 1), 100, 8200.0)]
    for candidate in harvest_candidates(household(lots)).candidates:
        assert set(vars(candidate)) == {f.name for f in fields(candidate)}
        assert type(candidate)(**vars(candidate)) == candidate


def test_missing_price_is_a_warning():
    lot = Lot("Brokerage", "ZZZ", "Z1", date(2024, 5, 1), 10, 3000.0)
    result = harvest_candidates(household([lot]))
    assert result.candidates == ()
    assert [i.code for i in result.issues] == ["HARVEST_NO_PRICE"]


def test_portfolio_harvest_candidates_on_the_sample_household():
    from xlrebalance.portfolio import Portfolio
    from xlrebalance.sample import sample_tables
    from xlrebalance.spec import layout

    out = Portfolio.from_tables(sample_tables()).harvest_candidates()
    assert list(out.columns) == list(layout().function("HARVEST_CANDIDATES").columns)
    status = dict(zip(out["Lot ID"], out["Wash status"]))
    # the VXUS lot bought on 2026-11-10 blocks harvesting the older VXUS lot until Dec 11
    assert status["T-VXUS-1"] == "BLOCKED until 2026-12-11"
    assert status["T-VEA-1"] == "CLEAR"
    savings = list(out["Est. tax saving"])
    assert savings == sorted(savings, reverse=True)


def test_a_replacement_whose_group_was_just_sold_at_a_loss_is_flagged():
    ixus_loss = Transaction(AS_OF - timedelta(days=10), "Brokerage", "IXUS", Action.SELL, 10, price=50.0,
                            lot_id="I0", acquired=date(2025, 1, 2), cost_basis=700.0)
    result = harvest_candidates(household(transactions=[ixus_loss]))
    assert only(result).replacement == "IXUS"
    (issue,) = result.issues
    assert issue.code == "REPLACEMENT_WASH_RISK" and "2026-12-11" in issue.message


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([a.name for a in ACCOUNTS]), st.sampled_from(["VXUS", "VTI", "BND"]),
                          st.integers(-800, 40), st.integers(1, 200), st.floats(20, 400)), max_size=10),
       st.floats(0, 0.3), st.floats(0, 3000))
def test_every_candidate_passes_both_thresholds_and_clear_means_no_purchase_nearby(rows, min_pct, min_usd):
    lots = [Lot(account, ticker, f"L{n}", AS_OF + timedelta(days=days), shares, shares * unit)
            for n, (account, ticker, days, shares, unit) in enumerate(rows)]
    h = household(lots, harvest_min_loss_pct=min_pct, harvest_min_loss_usd=min_usd)
    result = harvest_candidates(h)
    accounts = {a.name: a for a in ACCOUNTS}
    groups = {s.ticker: s.group for s in SECURITIES}
    for c in result.candidates:
        assert not accounts[c.account].type.tax_advantaged
        assert c.loss >= min_usd - 0.005 and c.loss_pct >= min_pct - 1e-9
        assert c.value == pytest.approx(c.cost_basis - c.loss)
        nearby = [lt for lt in lots if lt.lot_id != c.lot_id and groups[lt.ticker] == groups[c.ticker]
                  and abs((lt.acquired - AS_OF).days) <= 30]
        assert c.clear == (not nearby)
    savings = [c.est_tax_saving for c in result.candidates]
    assert savings == sorted(savings, reverse=True)


@hsettings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["VXUS", "VTI", "BND"]), st.integers(-800, 40), st.integers(1, 200),
                          st.floats(20, 400)), min_size=1, max_size=8),
       st.lists(st.tuples(st.integers(-300, 0), st.floats(100, 50000), st.floats(100, 50000)), max_size=3),
       st.one_of(st.none(), st.floats(0, 800000)), st.sampled_from(list(FilingStatus)),
       st.floats(0, 20000), st.floats(0, 20000))
def test_every_saving_is_between_zero_and_the_loss_at_the_highest_rate(
        rows, sales, income, status, carry_st, carry_lt):
    """Whatever the year realized (gains, losses, some washed), the carry-forward and the rates."""
    lots = [Lot("Brokerage", ticker, f"L{n}", AS_OF + timedelta(days=days), shares, shares * unit)
            for n, (ticker, days, shares, unit) in enumerate(rows)]
    sold = [Transaction(AS_OF + timedelta(days=days), "Spouse brokerage", "IXUS", Action.SELL, 10,
                        price=proceeds / 10, lot_id=f"S{n}", acquired=date(2025, 1, 2), cost_basis=basis)
            for n, (days, proceeds, basis) in enumerate(sales)]
    h = household(lots, sold, taxable_income=income, filing_status=status,
                  st_loss_carryforward=carry_st, lt_loss_carryforward=carry_lt)
    highest = tax_profile(h.settings).highest_rate
    for c in harvest_candidates(h).candidates:
        assert -1e-9 <= c.est_tax_saving <= c.loss * highest + 1e-6
