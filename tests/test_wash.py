"""Wash-sale windows: which purchases wash which loss sales, in every household account."""
from __future__ import annotations

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
from xlrebalance.core.wash import (
    WashStatus,
    acquisitions,
    loss_sale_in_window,
    purchase_in_window,
    replacement_status,
    wash_check,
    wash_group,
)

AS_OF = date(2026, 11, 20)

ACCOUNTS = (
    Account("Joint brokerage", AccountType.TAXABLE, owner="Pat"),
    Account("Spouse brokerage", AccountType.TAXABLE, owner="Sam"),
    Account("Pat IRA", AccountType.TRADITIONAL, owner="Pat"),
    Account("Sam Roth", AccountType.ROTH, owner="Sam"),
    Account("Pat 401k", AccountType.TRADITIONAL, owner="Pat", employer_plan=True),
    Account("Family HSA", AccountType.HSA, owner="Pat"),
)

SECURITIES = (
    Security("VTI", "US stock", wash_group="US total market", replacement="ITOT"),
    Security("ITOT", "US stock", wash_group="US total market"),
    Security("SCHB", "US stock", replacement="VTI"),
    Security("VXUS", "International stock", replacement="IXUS"),
    Security("IXUS", "International stock"),
)

OLD_LOT = Lot("Joint brokerage", "VXUS", "L1", date(2024, 2, 1), 100, 7000.0)


def household(lots=(OLD_LOT,), transactions=(), window=30) -> Household:
    return Household(
        settings=Settings(as_of=AS_OF, wash_window_days=window),
        accounts=ACCOUNTS,
        securities=SECURITIES,
        lots=tuple(lots),
        transactions=tuple(transactions),
    )


def buy(day: date, account="Joint brokerage", ticker="VXUS", shares=10, action=Action.BUY, lot_id=None):
    return Transaction(day, account, ticker, action, shares, price=60.0, lot_id=lot_id)


def sell(day: date, price: float, ticker="VXUS", account="Joint brokerage", basis=7000.0, shares=100):
    return Transaction(day, account, ticker, Action.SELL, shares, price=price, lot_id="S1",
                       acquired=date(2023, 5, 1), cost_basis=basis)


# --- wash groups ------------------------------------------------------------------------

@pytest.mark.parametrize(
    "ticker, group",
    [("VTI", "US total market"), ("ITOT", "US total market"), ("SCHB", "SCHB"), ("NEW", "NEW")],
)
def test_wash_group_defaults_to_the_ticker(ticker, group):
    assert wash_group(household(), ticker) == group


# --- acquisitions -----------------------------------------------------------------------

def test_acquisitions_join_lots_and_buy_rows_without_counting_a_lot_twice():
    recent = Lot("Joint brokerage", "VXUS", "L2", date(2026, 11, 10), 20, 1200.0)
    same_as_recent = buy(date(2026, 11, 10), shares=20, lot_id="L2")
    planned = buy(date(2026, 12, 1), account="Sam Roth", shares=5)
    reinvest = buy(date(2026, 11, 3), account="Spouse brokerage", shares=1.5, action=Action.REINVEST)
    found = acquisitions(household([OLD_LOT, recent], [same_as_recent, planned, reinvest,
                                                      sell(date(2026, 10, 1), 50.0)]))
    assert [(a.account, a.date, a.shares, a.source) for a in found] == [
        ("Joint brokerage", date(2024, 2, 1), 100, "lot"),
        ("Spouse brokerage", date(2026, 11, 3), 1.5, "reinvest"),
        ("Joint brokerage", date(2026, 11, 10), 20, "lot"),
        ("Sam Roth", date(2026, 12, 1), 5, "buy"),
    ]
    assert {a.group for a in found} == {"VXUS"}


def test_a_buy_row_with_an_unknown_lot_id_is_its_own_acquisition():
    found = acquisitions(household([OLD_LOT], [buy(date(2026, 11, 1), lot_id="ZZ")]))
    assert [a.lot_id for a in found] == ["L1", "ZZ"]


# --- purchase in window: the 61-day window, inclusive -----------------------------------

SALE_DAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    "days_from_sale, washes",
    [
        (-31, False),  # bought 31 days before: outside
        (-30, True),   # bought 30 days before: inside (window is inclusive)
        (-1, True),
        (0, True),     # same day
        (1, True),
        (30, True),    # planned 30 days after: inside
        (31, False),   # planned 31 days after: outside
    ],
)
def test_purchase_window_edges(days_from_sale, washes):
    day = SALE_DAY + timedelta(days=days_from_sale)
    h = household(transactions=[buy(day)])
    found = purchase_in_window(h, "VXUS", SALE_DAY, exclude=("Joint brokerage", "L1"))
    assert (found is not None) is washes
    if washes:
        assert found.date == day


@pytest.mark.parametrize(
    "account, action",
    [
        ("Joint brokerage", Action.BUY),
        ("Spouse brokerage", Action.BUY),   # the spouse's account counts
        ("Pat IRA", Action.BUY),
        ("Sam Roth", Action.BUY),
        ("Pat 401k", Action.BUY),
        ("Family HSA", Action.BUY),
        ("Joint brokerage", Action.REINVEST),  # dividend reinvestment counts
        ("Pat IRA", Action.REINVEST),
    ],
)
def test_every_household_account_and_reinvestments_wash(account, action):
    h = household(transactions=[buy(SALE_DAY - timedelta(days=5), account=account, action=action)])
    assert purchase_in_window(h, "VXUS", SALE_DAY, exclude=("Joint brokerage", "L1")) is not None


def test_the_lot_being_sold_is_never_its_own_replacement():
    recent = Lot("Joint brokerage", "VXUS", "L2", date(2026, 11, 10), 20, 1400.0)
    h = household([recent])
    assert purchase_in_window(h, "VXUS", SALE_DAY, exclude=("Joint brokerage", "L2")) is None
    # ... but it is a replacement for any other lot of the group
    assert purchase_in_window(h, "VXUS", SALE_DAY, exclude=("Joint brokerage", "L1")).lot_id == "L2"


def test_substantially_identical_tickers_share_a_window_and_others_do_not():
    h = household(transactions=[buy(SALE_DAY - timedelta(days=3), ticker="ITOT")])
    assert purchase_in_window(h, wash_group(h, "VTI"), SALE_DAY) is not None
    assert purchase_in_window(h, wash_group(h, "SCHB"), SALE_DAY) is None


def test_purchase_in_window_returns_the_latest_purchase():
    h = household(transactions=[buy(SALE_DAY - timedelta(days=20)), buy(SALE_DAY + timedelta(days=3))])
    assert purchase_in_window(h, "VXUS", SALE_DAY).date == SALE_DAY + timedelta(days=3)


def test_window_days_setting_is_honoured():
    h = household(transactions=[buy(SALE_DAY - timedelta(days=40))], window=45)
    assert purchase_in_window(h, "VXUS", SALE_DAY) is not None


# --- loss sale in window: would buying today wash a recent loss? ------------------------

@pytest.mark.parametrize(
    "days_before_buy, price, account, expected",
    [
        (30, 50.0, "Joint brokerage", True),    # loss sale 30 days before: washed
        (31, 50.0, "Joint brokerage", False),   # 31 days before: clear
        (0, 50.0, "Joint brokerage", True),     # same day
        (10, 80.0, "Joint brokerage", False),   # a gain sale never washes
        (10, 50.0, "Spouse brokerage", True),   # spouse's loss sale counts
        (10, 50.0, "Pat IRA", False),           # a sale inside an IRA has no tax loss
        (10, None, "Joint brokerage", True),    # unknown price: assume a loss (conservative)
        (-1, 50.0, "Joint brokerage", False),   # a sale after the buy date is not "before"
    ],
)
def test_loss_sale_window(days_before_buy, price, account, expected):
    buy_day = date(2026, 11, 20)
    sale_day = buy_day - timedelta(days=days_before_buy)
    h = household(transactions=[sell(sale_day, price, account=account)])
    found = loss_sale_in_window(h, "VXUS", buy_day)
    assert (found == sale_day) if expected else found is None


def test_loss_sale_of_an_identical_ticker_blocks_the_group():
    h = household(transactions=[sell(date(2026, 11, 1), 50.0, ticker="VTI")])
    assert loss_sale_in_window(h, wash_group(h, "ITOT"), AS_OF) == date(2026, 11, 1)
    assert loss_sale_in_window(h, "VXUS", AS_OF) is None


def test_loss_sale_uses_the_open_lot_basis_when_the_row_has_none():
    row = Transaction(date(2026, 11, 1), "Joint brokerage", "VXUS", Action.SELL, 10, price=75.0, lot_id="L1")
    assert loss_sale_in_window(household(transactions=[row]), "VXUS", AS_OF) is None  # 750 > 700


# --- status of a loss sale --------------------------------------------------------------

@pytest.mark.parametrize(
    "account, status",
    [
        ("Joint brokerage", WashStatus.BLOCKED),
        ("Spouse brokerage", WashStatus.BLOCKED),
        ("Pat IRA", WashStatus.PERMANENT),
        ("Sam Roth", WashStatus.PERMANENT),
        ("Pat 401k", WashStatus.POSSIBLY_PERMANENT),
        ("Family HSA", WashStatus.POSSIBLY_PERMANENT),
        ("Unknown account", WashStatus.BLOCKED),
    ],
)
def test_replacement_account_decides_the_status(account, status):
    accounts = {a.name: a for a in ACCOUNTS}
    assert replacement_status(accounts.get(account)) is status
    h = household(transactions=[buy(SALE_DAY - timedelta(days=2), account=account)])
    assert wash_check(h, "VXUS", SALE_DAY, 100, exclude=("Joint brokerage", "L1")).status is status


@pytest.mark.parametrize(
    "buy_days, clear_on, label",
    [
        ([], SALE_DAY, "CLEAR"),
        ([-5], SALE_DAY + timedelta(days=26), "BLOCKED until 2026-12-16"),  # bought 11-15
        ([-30], SALE_DAY + timedelta(days=1), "BLOCKED until 2026-11-21"),
        ([10], SALE_DAY + timedelta(days=41), "BLOCKED until 2026-12-31"),  # planned 11-30
        ([30], SALE_DAY + timedelta(days=61), "BLOCKED until 2027-01-20"),
        # a chain: clear after the first buy's window, but the second buy is in that one
        ([-20, 25], SALE_DAY + timedelta(days=56), "BLOCKED until 2027-01-15"),
    ],
)
def test_blocked_until_is_the_first_clear_day(buy_days, clear_on, label):
    h = household(transactions=[buy(SALE_DAY + timedelta(days=d)) for d in buy_days])
    check = wash_check(h, "VXUS", SALE_DAY, 100, exclude=("Joint brokerage", "L1"))
    assert check.clear_on == clear_on
    assert check.label == label


def test_status_comes_from_the_replacements_matched_first():
    # 100 shares bought in taxable first absorb the whole 100-share loss; the later IRA
    # buy is not matched, so the loss is deferred, not lost.
    taxable_first = [buy(SALE_DAY - timedelta(days=10), shares=100),
                     buy(SALE_DAY - timedelta(days=2), account="Pat IRA", shares=100)]
    h = household(transactions=taxable_first)
    assert wash_check(h, "VXUS", SALE_DAY, 100, exclude=("Joint brokerage", "L1")).status is WashStatus.BLOCKED
    # Selling 150 shares needs the IRA shares too: permanent.
    assert wash_check(h, "VXUS", SALE_DAY, 150, exclude=("Joint brokerage", "L1")).status is WashStatus.PERMANENT


def test_purchases_of_one_day_are_matched_by_account_then_lot_name():
    day = SALE_DAY - timedelta(days=3)
    lots = [Lot("Spouse brokerage", "VXUS", "A", day, 10, 500.0),
            Lot("Joint brokerage", "VXUS", "B", day, 10, 500.0),
            Lot("Joint brokerage", "VXUS", "A", day, 10, 500.0),
            Lot("Joint brokerage", "VXUS", "C", day - timedelta(days=1), 10, 500.0)]
    h = household([OLD_LOT, *lots], [buy(day, account="Joint brokerage")])
    check = wash_check(h, "VXUS", SALE_DAY, 100, exclude=("Joint brokerage", "L1"))
    assert [(a.account, a.ref) for a in check.conflicts] == [
        ("Joint brokerage", "C"), ("Joint brokerage", "A"), ("Joint brokerage", "B"),
        ("Joint brokerage", f"Buy {day.isoformat()}"), ("Spouse brokerage", "A")]
    assert wash_check(h, "VXUS", SALE_DAY, 15, exclude=("Joint brokerage", "L1")).conflicts == check.conflicts[:2]


def test_results_follow_a_new_household_not_a_stale_index():
    first = household(transactions=[buy(SALE_DAY)])
    assert purchase_in_window(first, "VXUS", SALE_DAY) is not None
    second = household()
    assert purchase_in_window(second, "VXUS", SALE_DAY, exclude=("Joint brokerage", "L1")) is None


# --- invariants: the index agrees with a plain scan ----------------------------------------

@hsettings(max_examples=75, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-60, 60), st.sampled_from([a.name for a in ACCOUNTS]),
                       st.sampled_from(["VXUS", "VTI", "ITOT"]), st.integers(1, 50)), max_size=12),
    st.sampled_from(["VXUS", "US total market"]),
    st.integers(1, 200),
)
def test_wash_check_matches_a_plain_scan_and_never_uses_the_lot_itself(buys, group, shares):
    lots = [Lot(account, ticker, f"L{n}", SALE_DAY + timedelta(days=days), size, size * 50.0)
            for n, (days, account, ticker, size) in enumerate(buys)]
    h = household(lots)
    for sold in lots or [OLD_LOT]:
        check = wash_check(h, group, SALE_DAY, shares, exclude=(sold.account, sold.lot_id))
        others = [lt for lt in lots if lt is not sold and wash_group(h, lt.ticker) == group
                  and abs((lt.acquired - SALE_DAY).days) <= 30]
        assert (check.status is WashStatus.CLEAR) == (not others)
        assert all((a.account, a.lot_id) != (sold.account, sold.lot_id) for a in check.conflicts)
        if others:
            # the first clear day really is clear, and the day before it is not
            same_group = [lt for lt in lots if lt is not sold and wash_group(h, lt.ticker) == group]
            assert all(abs((lt.acquired - check.clear_on).days) > 30 for lt in same_group)
            day_before = check.clear_on - timedelta(days=1)
            assert any(abs((lt.acquired - day_before).days) <= 30 for lt in same_group)
