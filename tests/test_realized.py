"""Realized gains after the wash-sale rules: the published examples, the edge cases, the invariants.

Published examples:
- IRS Publication 550, "Wash Sales", Example 1 (also the IRS VITA "Case Study 1: Wash Sales").
- Treas. Reg. 1.1091-2(a), Examples 1 and 2 (basis of the replacement share).
- Treas. Reg. 1.1091-1(h), Examples 1-3 (order of matching, partial wash, holding period);
  Pub 550 "More or less stock bought than sold", Examples 1 and 2, use the same numbers.
- IRS Publication 550, "Loss and gain on same day", Example.
"""
from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xlrebalance.core.model import (
    Account,
    AccountType,
    Action,
    Household,
    Lot,
    Security,
    Settings,
    Transaction,
)
from xlrebalance.core.realized import tax_ledger

TAXABLE = Account("Brokerage", AccountType.TAXABLE, owner="Pat")
SPOUSE = Account("Spouse brokerage", AccountType.TAXABLE, owner="Sam")
IRA = Account("IRA", AccountType.TRADITIONAL, owner="Pat")
ROTH = Account("Roth", AccountType.ROTH, owner="Sam")
K401 = Account("401k", AccountType.TRADITIONAL, owner="Pat", employer_plan=True)
ACCOUNTS = (TAXABLE, SPOUSE, IRA, ROTH, K401)


def household(as_of: date, lots=(), transactions=(), securities=(), gain_budget=None) -> Household:
    return Household(
        settings=Settings(as_of=as_of, short_term_rate=0.4, long_term_rate=0.2, gain_budget=gain_budget),
        accounts=ACCOUNTS,
        securities=tuple(securities),
        lots=tuple(lots),
        transactions=tuple(transactions),
    )


def sale(day, shares, proceeds, lot_id, acquired, basis, ticker="X", account="Brokerage", row=None):
    return Transaction(day, account, ticker, Action.SELL, shares, price=proceeds / shares,
                       lot_id=lot_id, acquired=acquired, cost_basis=basis, row=row)


def lot(lot_id, acquired, shares, basis, ticker="X", account="Brokerage"):
    return Lot(account, ticker, lot_id, acquired, shares, basis)


def open_lot(ledger, lot_id):
    found = [o for o in ledger.open_lots if o.lot_id == lot_id]
    assert len(found) == 1, found
    return found[0]


# --- published examples ---------------------------------------------------------------

def test_pub_550_wash_sales_example_1_basis_1050():
    """Buy 100 shares for $1,000, sell them for $750, buy 100 within 30 days for $800:
    the $250 loss is disallowed and the new shares' basis is $1,050."""
    h = household(
        date(2026, 12, 31),
        lots=[lot("NEW", date(2026, 6, 20), 100, 800.0)],
        transactions=[sale(date(2026, 6, 1), 100, 750.0, "OLD", date(2026, 1, 5), 1000.0)],
    )
    ledger = tax_ledger(h)
    (row,) = ledger.rows
    assert row.gain == pytest.approx(-250)
    assert row.disallowed_loss == pytest.approx(250)
    assert row.allowed_gain == pytest.approx(0)
    assert not row.permanent
    new = open_lot(ledger, "NEW")
    assert new.cost_basis == pytest.approx(1050)
    assert new.wash_adjustment == pytest.approx(250)
    # holding period tacked: the old shares were held Jan 5 - Jun 1 (147 days)
    assert new.holding_from == date(2026, 6, 20) - timedelta(days=147)


@pytest.mark.parametrize(
    "example, new_price, new_basis",
    [("1.1091-2(a) Example 1", 90.0, 110.0), ("1.1091-2(a) Example 2", 70.0, 90.0)],
)
def test_reg_1_1091_2_examples_basis_of_the_new_share(example, new_price, new_basis):
    """Share bought for $100 in 1935, sold Jan 15, 1955 for $80, a new share bought
    Feb 1, 1955: basis $110 (bought at $90) or $90 (bought at $70)."""
    h = household(
        date(1955, 12, 31),
        lots=[lot("NEW", date(1955, 2, 1), 1, new_price)],
        transactions=[sale(date(1955, 1, 15), 1, 80.0, "OLD", date(1935, 6, 1), 100.0)],
    )
    ledger = tax_ledger(h)
    assert ledger.rows[0].disallowed_loss == pytest.approx(20)
    assert ledger.rows[0].term == "LT"
    new = open_lot(ledger, "NEW")
    assert new.cost_basis == pytest.approx(new_basis), example
    # the old share's 20-year holding period carries over: the new share is long-term at once
    assert new.holding_from < date(1936, 1, 1)


def test_reg_1_1091_1_example_1_earlier_purchase_washes_the_whole_loss():
    """Dec 1, 1954: 100 shares for $10,000; Dec 15, 1954: 100 more for $9,000; Jan 3, 1955:
    the Dec 1 shares sold for $9,000.  No loss is allowable."""
    h = household(
        date(1955, 12, 31),
        lots=[lot("B", date(1954, 12, 15), 100, 9000.0)],
        transactions=[sale(date(1955, 1, 3), 100, 9000.0, "A", date(1954, 12, 1), 10000.0)],
    )
    ledger = tax_ledger(h)
    (row,) = ledger.rows
    assert (row.gain, row.disallowed_loss, row.allowed_gain) == pytest.approx((-1000, 1000, 0))
    assert open_lot(ledger, "B").cost_basis == pytest.approx(10000)


def test_reg_1_1091_1_example_2_partial_wash_750_disallowed_250_allowed():
    """Sep 21, 1954: 100 shares for $5,000; Dec 21: 50 for $2,750; Dec 27: 25 for $1,125;
    Jan 3, 1955: the 100 shares sold for $4,000.  Loss on 75 shares ($750) disallowed,
    on 25 ($250) allowed; bases become $3,250 (50 shares) and $1,375 (25 shares)."""
    h = household(
        date(1955, 12, 31),
        lots=[lot("DEC21", date(1954, 12, 21), 50, 2750.0), lot("DEC27", date(1954, 12, 27), 25, 1125.0)],
        transactions=[sale(date(1955, 1, 3), 100, 4000.0, "SEP21", date(1954, 9, 21), 5000.0)],
    )
    ledger = tax_ledger(h)
    (row,) = ledger.rows
    assert row.gain == pytest.approx(-1000)
    assert row.disallowed_loss == pytest.approx(750)
    assert row.allowed_gain == pytest.approx(-250)
    assert open_lot(ledger, "DEC21").cost_basis == pytest.approx(3250)
    assert open_lot(ledger, "DEC27").cost_basis == pytest.approx(1375)


def test_reg_1_1091_1_example_3_first_shares_acquired_are_the_replacements():
    """Sep 15, 1954: 100 shares for $5,000, sold Feb 1, 1956 for $4,000; 50 shares bought on
    each of Feb 15-18, 1956 for $2,000.  The loss is disallowed; the replacements are the
    Feb 15 and Feb 16 purchases, whose holding period includes that of the shares sold."""
    buys = [lot(f"FEB{d}", date(1956, 2, d), 50, 2000.0) for d in (15, 16, 17, 18)]
    h = household(
        date(1956, 12, 31),
        lots=buys,
        transactions=[sale(date(1956, 2, 1), 100, 4000.0, "SEP15", date(1954, 9, 15), 5000.0)],
    )
    ledger = tax_ledger(h)
    assert ledger.rows[0].disallowed_loss == pytest.approx(1000)
    held = (date(1956, 2, 1) - date(1954, 9, 15)).days
    for name, day in (("FEB15", 15), ("FEB16", 16)):
        replacement = open_lot(ledger, name)
        assert replacement.cost_basis == pytest.approx(2500)
        assert replacement.holding_from == date(1956, 2, day) - timedelta(days=held)
    for name in ("FEB17", "FEB18"):
        untouched = open_lot(ledger, name)
        assert (untouched.cost_basis, untouched.wash_adjustment) == (2000, 0)
        assert untouched.holding_from == untouched.acquired


def test_pub_550_loss_and_gain_on_same_day_example():
    """Three 100-share blocks bought at $158, $100 and $95; all 300 sold Dec 27, 2012 at $125;
    250 identical shares bought Jan 9, 2013.  The $33-a-share loss on the first block is
    disallowed, and it does not reduce the gains on the other two blocks ($2,500, $3,000)."""
    blocks = [("B158", 15800.0), ("B100", 10000.0), ("B95", 9500.0)]
    sales = [sale(date(2012, 12, 27), 100, 12500.0, name, date(2007, 3, 1 + n), basis)
             for n, (name, basis) in enumerate(blocks)]
    h = household(date(2013, 12, 31), lots=[lot("JAN9", date(2013, 1, 9), 250, 250 * 120.0)],
                  transactions=sales)
    ledger = tax_ledger(h)
    assert ledger.rows == ()            # 2012's sales; replayed for their effect on 2013
    by_lot = {r.lot_id: r for r in ledger.prior_rows}
    assert by_lot["B158"].gain == pytest.approx(-3300)
    assert by_lot["B158"].disallowed_loss == pytest.approx(3300)
    assert (by_lot["B100"].allowed_gain, by_lot["B95"].allowed_gain) == (pytest.approx(2500), pytest.approx(3000))
    washed = [o for o in ledger.open_lots if o.wash_adjustment]
    assert [(o.shares, o.wash_adjustment) for o in washed] == [(100, pytest.approx(3300))]
    assert sum(o.shares for o in ledger.open_lots) == 250


def test_a_planned_purchase_that_would_wash_an_allowed_loss_is_a_warning():
    planned = Transaction(date(2026, 6, 25), "Brokerage", "X", Action.BUY, 10, price=45.0, row=9)
    h = household(date(2026, 6, 20), transactions=[sale(LOSS_SALE_DAY, 10, 400.0, "OLD", date(2025, 1, 2), 600.0),
                                                  planned])
    ledger = tax_ledger(h)
    assert ledger.rows[0].disallowed_loss == 0
    assert [(i.code, i.row) for i in ledger.issues] == [("PLANNED_WASH", 9)]


# --- window edges, accounts, reinvestments ----------------------------------------------

LOSS_SALE_DAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    "offset, washed",
    [(-31, False), (-30, True), (0, True), (30, True), (31, False)],
)
def test_window_edges_day_30_and_31(offset, washed):
    h = household(
        date(2026, 12, 31),
        lots=[lot("R", LOSS_SALE_DAY + timedelta(days=offset), 10, 500.0)],
        transactions=[sale(LOSS_SALE_DAY, 10, 400.0, "OLD", date(2025, 1, 2), 600.0)],
    )
    row = tax_ledger(h).rows[0]
    assert row.disallowed_loss == pytest.approx(200 if washed else 0)


@pytest.mark.parametrize(
    "account, action, permanent, basis_added",
    [
        ("Brokerage", Action.BUY, False, True),
        ("Spouse brokerage", Action.BUY, False, True),   # spouse's purchase washes too
        ("Brokerage", Action.REINVEST, False, True),     # a dividend reinvestment washes
        ("IRA", Action.BUY, True, False),                # Rev. Rul. 2008-5: lost for good
        ("Roth", Action.REINVEST, True, False),
        ("401k", Action.BUY, True, False),               # possibly permanent: flagged
    ],
)
def test_replacement_accounts(account, action, permanent, basis_added):
    purchase = Transaction(date(2026, 6, 10), account, "X", action, 10, price=45.0)
    h = household(
        date(2026, 12, 31),
        transactions=[sale(LOSS_SALE_DAY, 10, 400.0, "OLD", date(2025, 1, 2), 600.0), purchase],
    )
    ledger = tax_ledger(h)
    row = ledger.rows[0]
    assert row.disallowed_loss == pytest.approx(200)
    assert row.permanent is permanent
    assert row.permanent_loss == pytest.approx(200 if permanent else 0)
    if basis_added:
        (replacement,) = ledger.open_lots
        assert replacement.wash_adjustment == pytest.approx(200)
        assert replacement.source == action.value.lower()
    else:  # purchases in tax-advantaged accounts not listed in Lots are not shown as lots
        assert ledger.open_lots == ()
    flagged = any(i.code == "WASH_POSSIBLY_PERMANENT" for i in ledger.issues)
    assert flagged is (account == "401k")


def test_substantially_identical_ticker_washes_and_a_different_group_does_not():
    securities = [Security("X", "US", wash_group="Total market"), Security("Y", "US", wash_group="Total market"),
                  Security("Z", "US")]
    base = [sale(LOSS_SALE_DAY, 10, 400.0, "OLD", date(2025, 1, 2), 600.0)]
    same = household(date(2026, 12, 31), [lot("R", date(2026, 6, 5), 10, 450.0, ticker="Y")], base, securities)
    other = household(date(2026, 12, 31), [lot("R", date(2026, 6, 5), 10, 450.0, ticker="Z")], base, securities)
    assert tax_ledger(same).rows[0].disallowed_loss == pytest.approx(200)
    assert tax_ledger(other).rows[0].disallowed_loss == 0


def test_gain_sales_are_never_washed():
    h = household(date(2026, 12, 31), [lot("R", date(2026, 6, 5), 10, 450.0)],
                  [sale(LOSS_SALE_DAY, 10, 700.0, "OLD", date(2025, 1, 2), 600.0)])
    row = tax_ledger(h).rows[0]
    assert (row.gain, row.disallowed_loss, row.term) == (pytest.approx(100), 0, "LT")


# --- partial washes and matching order ---------------------------------------------------

@pytest.mark.parametrize(
    "sold, replacement_shares, disallowed",
    [(100, 100, 1000), (100, 40, 400), (100, 150, 1000), (40, 100, 400)],
)
def test_partial_wash_is_min_of_sold_and_replacement_shares(sold, replacement_shares, disallowed):
    h = household(
        date(2026, 12, 31),
        lots=[lot("R", date(2026, 6, 15), replacement_shares, replacement_shares * 8.0)],
        transactions=[sale(LOSS_SALE_DAY, sold, sold * 10.0, "OLD", date(2025, 1, 2), sold * 20.0)],
    )
    ledger = tax_ledger(h)
    assert ledger.rows[0].disallowed_loss == pytest.approx(disallowed)
    adjusted = [o for o in ledger.open_lots if o.wash_adjustment]
    assert sum(o.shares for o in adjusted) == pytest.approx(min(sold, replacement_shares))
    assert sum(o.shares for o in ledger.open_lots) == pytest.approx(replacement_shares)


def test_each_replacement_share_absorbs_only_one_loss():
    # Two loss sales, one 10-share replacement: only the first sale is washed.
    h = household(
        date(2026, 12, 31),
        lots=[lot("R", date(2026, 6, 3), 10, 450.0)],
        transactions=[sale(date(2026, 6, 1), 10, 400.0, "A", date(2025, 1, 2), 600.0),
                      sale(date(2026, 6, 2), 10, 400.0, "B", date(2025, 1, 3), 500.0)],
    )
    first, second = tax_ledger(h).rows
    assert (first.lot_id, first.disallowed_loss) == ("A", pytest.approx(200))
    assert (second.lot_id, second.disallowed_loss) == ("B", 0)


def test_the_sold_lot_is_never_its_own_replacement():
    # Bought 100 on May 20, sold 60 of them at a loss on Jun 1; 40 still open.
    h = household(
        date(2026, 12, 31),
        lots=[lot("L", date(2026, 5, 20), 40, 400.0)],
        transactions=[sale(date(2026, 6, 1), 60, 480.0, "L", date(2026, 5, 20), 600.0)],
    )
    ledger = tax_ledger(h)
    assert ledger.rows[0].disallowed_loss == 0
    assert open_lot(ledger, "L").wash_adjustment == 0


def test_replacement_sold_later_carries_the_disallowed_loss_into_its_own_sale():
    # Jun 1 loss of $200 washed by the Jun 10 buy; that lot sold Jul 20 for $600.
    h = household(
        date(2026, 12, 31),
        transactions=[
            sale(date(2026, 6, 1), 10, 400.0, "OLD", date(2026, 1, 2), 600.0),
            Transaction(date(2026, 6, 10), "Brokerage", "X", Action.BUY, 10, price=45.0, lot_id="R"),
            sale(date(2026, 7, 20), 10, 600.0, "R", date(2026, 6, 10), 450.0),
        ],
    )
    first, second = tax_ledger(h).rows
    assert first.disallowed_loss == pytest.approx(200)
    assert second.cost_basis == pytest.approx(650)
    assert second.gain == pytest.approx(-50)   # over both sales: 1000 - 1050 = -50
    assert second.term == "ST"
    assert tax_ledger(h).totals.st == pytest.approx(-50)
    assert tax_ledger(h).open_lots == ()


def test_tacked_holding_period_makes_the_replacement_long_term_sooner():
    # Old lot held 300 days; replacement bought 2026-06-10 is long-term 300 days early.
    old_acquired = date(2026, 6, 1) - timedelta(days=300)
    h = household(
        date(2026, 12, 31),
        lots=[lot("R", date(2026, 6, 10), 4, 180.0)],
        transactions=[
            sale(date(2026, 6, 1), 10, 400.0, "OLD", old_acquired, 600.0),
            Transaction(date(2026, 6, 10), "Brokerage", "X", Action.BUY, 10, price=45.0, lot_id="R"),
            sale(date(2026, 10, 1), 6, 360.0, "R", date(2026, 6, 10), 270.0),
        ],
    )
    ledger = tax_ledger(h)
    later = ledger.rows[1]
    assert later.holding_from == date(2026, 6, 10) - timedelta(days=300)
    assert later.term == "LT"            # 113 days + 300 tacked days > 1 year
    assert later.cost_basis == pytest.approx(270 + 120)  # 6 of the 10 washed shares


def test_replacement_sold_before_the_loss_sale_is_not_a_replacement():
    h = household(
        date(2026, 12, 31),
        transactions=[
            sale(date(2026, 5, 25), 10, 500.0, "R", date(2026, 5, 20), 450.0),  # bought/sold
            sale(date(2026, 6, 1), 10, 400.0, "OLD", date(2025, 1, 2), 600.0),
        ],
    )
    assert [r.disallowed_loss for r in tax_ledger(h).rows] == [0, 0]


def test_planned_purchases_do_not_wash_realized_sales():
    planned = Transaction(date(2026, 6, 25), "Brokerage", "X", Action.BUY, 10, price=45.0)
    h = household(date(2026, 6, 20), transactions=[sale(LOSS_SALE_DAY, 10, 400.0, "OLD", date(2025, 1, 2), 600.0),
                                                  planned])
    assert tax_ledger(h).rows[0].disallowed_loss == 0


def test_last_years_sales_adjust_basis_but_are_not_this_years_rows():
    h = household(
        date(2026, 3, 1),
        lots=[lot("R", date(2026, 1, 10), 10, 450.0)],
        transactions=[sale(date(2025, 12, 20), 10, 400.0, "OLD", date(2025, 1, 2), 600.0)],
    )
    ledger = tax_ledger(h)
    assert ledger.rows == ()
    assert open_lot(ledger, "R").cost_basis == pytest.approx(650)


def test_incomplete_sell_rows_become_warnings_not_crashes():
    bad = Transaction(date(2026, 6, 1), "Brokerage", "X", Action.SELL, 10, price=None, lot_id="Q", row=7)
    ledger = tax_ledger(household(date(2026, 12, 31), transactions=[bad]))
    assert ledger.rows == ()
    assert [(i.code, i.row) for i in ledger.issues] == [("SELL_INCOMPLETE", 7)]


# --- totals ---------------------------------------------------------------------------

def test_totals_net_deduction_carry_forward_and_gain_budget():
    h = household(
        date(2026, 12, 31),
        transactions=[
            sale(date(2026, 3, 1), 10, 2000.0, "G", date(2020, 1, 1), 1000.0),   # LT +1000
            sale(date(2026, 4, 1), 10, 1000.0, "L", date(2026, 1, 1), 6000.0),   # ST -5000
        ],
        gain_budget=5000.0,
    )
    totals = tax_ledger(h).totals
    assert (totals.st, totals.lt, totals.net) == (pytest.approx(-5000), pytest.approx(1000), pytest.approx(-4000))
    assert totals.deductible_loss == pytest.approx(3000)
    assert totals.carry_forward == pytest.approx(1000)
    assert totals.gain_budget_left == pytest.approx(9000)
    # the -4,000 net loss is short-term (ST -5,000 against LT +1,000): $3,000 deducted, the
    # other $1,000 carries to next year as short-term (Pub 550 Capital Loss Carryover Worksheet)
    assert (totals.carry_forward_st, totals.carry_forward_lt) == (pytest.approx(1000), 0)
    # the deduction is valued at the household's flat ST rate: -3,000 x 40% = -1,200
    assert totals.est_tax == pytest.approx(-1200)
    labels = [label for label, _ in totals.as_rows()]
    assert labels == ["ST", "LT", "Net", "Deductible loss", "Carry-forward", "Carry-forward ST",
                      "Carry-forward LT", "Gain budget left", "Est. tax"]


# --- invariants -----------------------------------------------------------------------

START = date(2026, 1, 1)
AS_OF = date(2026, 12, 31)


@st.composite
def households(draw):
    """Lots bought this year in three accounts, some partly sold (at a gain or a loss)."""
    lots, sales = [], []
    for n in range(draw(st.integers(1, 8))):
        account = draw(st.sampled_from(["Brokerage", "Spouse brokerage", "IRA"]))
        ticker = draw(st.sampled_from(["X", "Y"]))
        acquired = START + timedelta(days=draw(st.integers(0, 300)))
        shares = draw(st.integers(1, 100))
        basis = shares * draw(st.floats(1, 200))
        sold = draw(st.integers(0, shares)) if account != "IRA" else 0
        if sold:
            day = acquired + timedelta(days=draw(st.integers(0, 60)))
            price = draw(st.floats(1, 200))
            sales.append(sale(day, sold, sold * price, f"L{n}", acquired, basis * sold / shares,
                              ticker=ticker, account=account))
        if shares - sold:
            lots.append(lot(f"L{n}", acquired, shares - sold, basis * (shares - sold) / shares,
                            ticker=ticker, account=account))
    purchases = []
    for _ in range(draw(st.integers(0, 3))):  # dividend reinvestments not listed in Lots
        account = draw(st.sampled_from(["Brokerage", "Spouse brokerage", "IRA"]))
        day = START + timedelta(days=draw(st.integers(0, 360)))
        purchases.append(Transaction(day, account, draw(st.sampled_from(["X", "Y"])), Action.REINVEST,
                                     draw(st.integers(1, 20)), price=draw(st.floats(1, 200))))
    securities = [Security("X", "US", wash_group="G"), Security("Y", "US", wash_group="G")]
    return household(AS_OF, lots, sales + purchases, securities)


@hsettings(max_examples=75, deadline=None)
@given(households())
def test_basis_is_conserved_except_permanent_losses(h):
    ledger = tax_ledger(h)
    sold = [t for t in h.transactions if t.action is Action.SELL]
    # reinvestments outside Lots show as open lots in taxable accounts only
    reinvested = [t for t in h.transactions if t.action is Action.REINVEST and t.account != "IRA"]
    original = (sum(lt.cost_basis for lt in h.lots) + sum(t.cost_basis for t in sold)
                + sum(t.price * t.shares for t in reinvested))
    after = sum(r.cost_basis for r in ledger.rows) + sum(o.cost_basis for o in ledger.open_lots)
    kept = sum(r.disallowed_loss - r.permanent_loss for r in ledger.rows)
    assert after == pytest.approx(original + kept, abs=0.01)
    # shares too: every share is either sold or still open
    shares = sum(lt.shares for lt in h.lots) + sum(t.shares for t in sold + reinvested)
    assert sum(r.shares for r in ledger.rows) + sum(o.shares for o in ledger.open_lots) == pytest.approx(shares)


@hsettings(max_examples=75, deadline=None)
@given(households())
def test_disallowed_loss_never_exceeds_the_loss(h):
    for row in tax_ledger(h).rows:
        assert -0.01 <= row.disallowed_loss <= max(0.0, -row.gain) + 0.01
        assert 0 <= row.permanent_loss <= row.disallowed_loss + 0.01


@hsettings(max_examples=50, deadline=None)
@given(st.integers(1, 100), st.lists(st.tuples(st.integers(0, 60), st.integers(1, 10)), min_size=1, max_size=5))
def test_a_lot_is_never_its_own_replacement(total, partial_sales):
    """One lot sold off in pieces at a loss, nothing else in its group: nothing is washed."""
    acquired = date(2026, 3, 1)
    remaining, sales = total, []
    for k, (days, shares) in enumerate(partial_sales):
        shares = min(shares, remaining)
        if shares <= 0:
            break
        remaining -= shares
        sales.append(sale(acquired + timedelta(days=days), shares, shares * 5.0, "ONLY", acquired, shares * 10.0,
                          row=k))
    lots = [lot("ONLY", acquired, remaining, remaining * 10.0)] if remaining else []
    ledger = tax_ledger(household(AS_OF, lots, sales))
    assert all(r.disallowed_loss == 0 for r in ledger.rows)
    assert all(o.wash_adjustment == 0 for o in ledger.open_lots)


def test_replacements_bought_the_same_day_in_one_account_are_matched_by_lot_id():
    bought = date(2026, 6, 5)
    lots = [lot("B", bought, 5, 100.0), lot("A", bought, 5, 100.0), lot("C", bought, 5, 100.0, account="Spouse brokerage")]
    loss = sale(date(2026, 6, 1), 5, 50.0, "S1", date(2025, 1, 2), 100.0)   # $50 loss on 5 shares
    ledger = tax_ledger(household(date(2026, 12, 31), lots, [loss]))
    assert ledger.rows[0].disallowed_loss == pytest.approx(50)
    assert open_lot(ledger, "A").wash_adjustment == pytest.approx(50)
    assert open_lot(ledger, "B").wash_adjustment == 0
    assert open_lot(ledger, "C").wash_adjustment == 0


def test_rows_and_open_lots_are_whole_values():
    bought = date(2026, 6, 5)
    lots = [lot("A", bought, 5, 100.0), lot("B", date(2020, 1, 2), 5, 100.0)]
    loss = sale(date(2026, 6, 1), 5, 50.0, "S1", date(2025, 1, 2), 100.0)
    ledger = tax_ledger(household(date(2026, 12, 31), lots, [loss]))
    for value in (*ledger.rows, *ledger.open_lots):
        assert set(vars(value)) == {f.name for f in fields(value)}
        assert type(value)(**vars(value)) == value


def test_rows_without_lot_ids_mix_with_lots_bought_the_same_day():
    same_day = date(2026, 5, 20)
    no_id = Transaction(date(2026, 6, 1), "Brokerage", "X", Action.SELL, 5, price=8.0,
                        acquired=same_day, cost_basis=100.0)
    reinvest = Transaction(same_day, "Brokerage", "X", Action.REINVEST, 1, price=19.0)
    h = household(date(2026, 12, 31), lots=[lot("L1", same_day, 10, 200.0)], transactions=[no_id, reinvest])
    ledger = tax_ledger(h)
    (row,) = ledger.rows
    assert row.lot_id == "" and row.disallowed_loss == pytest.approx(60)  # 5 shares, $12 loss each
    assert {o.lot_id for o in ledger.open_lots} == {"L1", "Reinvest 2026-05-20"}
    assert sum(o.shares for o in ledger.open_lots) == 11
    assert sum(o.wash_adjustment for o in ledger.open_lots) == pytest.approx(60)


# --- end to end: the Portfolio API on the sample household --------------------------------

def test_portfolio_realized_gains_and_open_lots_on_the_sample_household():
    from xlrebalance.portfolio import Portfolio
    from xlrebalance.sample import sample_tables
    from xlrebalance.spec import layout

    pf = Portfolio.from_tables(sample_tables())
    realized = pf.realized_gains()
    assert list(realized.columns) == list(layout().function("REALIZED_GAINS").columns)
    by_ticker = realized.set_index("Ticker")
    # IXUS sold at a $1,000 loss on Aug 14, bought back in the Roth on Aug 20: lost for good
    assert by_ticker.loc["IXUS", "Disallowed loss"] == 1000
    assert bool(by_ticker.loc["IXUS", "Permanent"]) is True
    assert by_ticker.loc["SCHB", "Allowed gain"] == 4000
    totals = realized.attrs["totals"]
    assert list(totals) == ["ST", "LT", "Net", "Deductible loss", "Carry-forward", "Carry-forward ST",
                            "Carry-forward LT", "Gain budget left", "Est. tax"]
    assert totals["Net"] == 4000 and totals["Gain budget left"] == 16000
    assert totals["Est. tax"] == 952   # $4,000 LT gain x the default 23.8% LT rate
    assert pf.realized_totals()["Permanent loss"] == 1000
    open_lots = pf.open_lots()
    assert list(open_lots.columns) == list(layout().function("OPEN_LOTS").columns)
    assert "T-VXUS-3" in set(open_lots["Lot ID"])


def test_portfolio_refuses_to_compute_on_input_errors():
    from xlrebalance.errors import InputError
    from xlrebalance.portfolio import Portfolio
    from xlrebalance.sample import sample_tables

    tables = sample_tables()
    tables["Lots"] = tables["Lots"] + [["Joint Taxable", "VTI", "BAD", "not a date", 10.0, 100.0]]
    pf = Portfolio.from_tables(tables)
    assert pf.errors
    with pytest.raises(InputError):
        pf.realized_gains()


def test_identical_reinvestments_without_sheet_rows_are_separate_purchases():
    # Three $1 reinvestments of 1 share each on the same day in one account (rows built in
    # code carry no sheet row): 3 shares with $3 of basis stay open, not 1 share and $1.
    reinvest = Transaction(date(2026, 6, 1), "Brokerage", "X", Action.REINVEST, 1.0, price=1.0)
    ledger = tax_ledger(household(AS_OF, [], [reinvest] * 3, [Security("X", "US")]))
    assert sum(o.shares for o in ledger.open_lots) == pytest.approx(3.0)
    assert sum(o.cost_basis for o in ledger.open_lots) == pytest.approx(3.0)
