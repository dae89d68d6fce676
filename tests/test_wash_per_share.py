"""Per-share wash sales (Reg. 1.1091-1(c)-(d), IRC 1091(d)) and the year boundary.

A sale that relieves shares with different bases (part of a lot adjusted by an earlier wash
sale) is a set of pieces: loss pieces are subject to the rule, gain pieces are not, and they
are never netted first.  Each piece keeps its own tacked holding period.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xlrebalance.core.model import Account, AccountType, Action, Household, Lot, Security, Settings, Transaction
from xlrebalance.core.realized import tax_ledger

ACCOUNTS = (Account("Brokerage", AccountType.TAXABLE), Account("Spouse", AccountType.TAXABLE),
            Account("IRA", AccountType.TRADITIONAL))


def household(as_of, lots=(), transactions=(), securities=()):
    return Household(settings=Settings(as_of=as_of, short_term_rate=0.4, long_term_rate=0.2),
                     accounts=ACCOUNTS, securities=tuple(securities), lots=tuple(lots),
                     transactions=tuple(transactions))


def sale(day, shares, price, lot_id, acquired, basis, ticker="X", account="Brokerage", row=None):
    return Transaction(day, account, ticker, Action.SELL, shares, price=price, lot_id=lot_id,
                       acquired=acquired, cost_basis=basis, row=row)


def buy(day, shares, price, lot_id, ticker="X", account="Brokerage", row=None):
    return Transaction(day, account, ticker, Action.BUY, shares, price=price, lot_id=lot_id, row=row)


def test_gain_shares_never_hide_a_washed_loss():
    """Wrong before: the sale's pieces were netted by term, so a net gain disallowed nothing.

    OLD: 5 sh bought 2025-06-01 for $1,000 ($200/sh), sold 2026-03-01 at $100: loss $500.
    R:   10 sh bought 2026-03-10 at $100 ($1,000): 9 days after the loss sale, so 5 of its
         shares replace the 5 sold: +$100/sh each -> $200/sh; their holding period starts
         273 days before 2026-03-10 (2026-03-01 - 2025-06-01 = 273 days): 2025-06-10.
         The other 5 keep $100/sh and start 2026-03-10.
    R is sold whole 2026-04-01 at $160 ($800 per 5 shares):
         the 5 adjusted shares: 800 - 1,000 = -200 (a loss, ST: held from 2025-06-10);
         the 5 others:          800 -   500 = +300 (a gain, ST).
    NEW: 5 sh bought 2026-04-15 at $150 ($750), 14 days after: it replaces the 5 loss
         shares: $200 disallowed, NEW's basis 750 + 200 = 950; its holding period starts
         2025-06-10 -> 2026-04-01 = 295 days before 2026-04-15: 2025-06-24.
    Netting first (the old answer): +100 gain, nothing disallowed, NEW's basis 750.
    """
    h = household(
        date(2026, 12, 31),
        lots=[Lot("Brokerage", "X", "NEW", date(2026, 4, 15), 5, 750.0)],
        transactions=[
            sale(date(2026, 3, 1), 5, 100.0, "OLD", date(2025, 6, 1), 1000.0, row=2),
            buy(date(2026, 3, 10), 10, 100.0, "R", row=3),
            sale(date(2026, 4, 1), 10, 160.0, "R", date(2026, 3, 10), 1000.0, row=4),
        ],
    )
    ledger = tax_ledger(h)
    r_rows = [r for r in ledger.rows if r.lot_id == "R"]
    assert [(r.term, r.shares, r.gain, r.disallowed_loss) for r in r_rows] == [
        ("ST", 5, pytest.approx(-200), pytest.approx(200)),
        ("ST", 5, pytest.approx(300), 0)]
    loss_row, gain_row = r_rows
    assert loss_row.holding_from == date(2025, 6, 10) and gain_row.holding_from == date(2026, 3, 10)
    assert loss_row.note.startswith("Loss shares") and gain_row.note.startswith("Gain shares")
    assert loss_row.washed_by == ("NEW",)
    assert sum(r.allowed_gain for r in r_rows) == pytest.approx(300)
    (new,) = [o for o in ledger.open_lots if o.lot_id == "NEW"]
    assert (new.cost_basis, new.wash_adjustment) == (pytest.approx(950), pytest.approx(200))
    assert new.holding_from == date(2025, 6, 24)
    # the year: OLD's 500 loss disallowed (into R), R's -200 disallowed (into NEW), +300 allowed
    assert ledger.totals.st == pytest.approx(300)


def test_each_loss_piece_tacks_its_own_holding_period():
    """Loss pieces with different holding starts, each washed by its own replacement share.

    A: 2 sh bought 2024-01-02 for $400, sold 2026-05-01 at $150 (loss $100): LT.
    B: 4 sh bought 2026-05-05 at $160 ($640): 2 of them replace A's (+$50/sh -> $210/sh),
       holding from 2026-05-05 - 850 days (2024-01-02 -> 2026-05-01) = 2024-01-06.
    B sold whole 2026-06-01 at $120: the 2 adjusted shares lose 420 - 240 = 180 and are LT
       (held since 2024-01-06); the other 2 lose 320 - 240 = 80, ST (held since 2026-05-05).
    C: 4 sh bought 2026-06-10 at $125 ($500) replace them in order: the first 2 C shares take
       the LT piece (+$90/sh, holding back 877 days: 2024-01-06 -> 2026-06-01), the next 2 the
       ST piece (+$40/sh, holding back 27 days): C splits into two open rows.
    """
    h = household(
        date(2026, 12, 31),
        lots=[Lot("Brokerage", "X", "C", date(2026, 6, 10), 4, 500.0)],
        transactions=[
            sale(date(2026, 5, 1), 2, 150.0, "A", date(2024, 1, 2), 400.0),
            buy(date(2026, 5, 5), 4, 160.0, "B"),
            sale(date(2026, 6, 1), 4, 120.0, "B", date(2026, 5, 5), 640.0),
        ],
    )
    ledger = tax_ledger(h)
    b_rows = {r.term: r for r in ledger.rows if r.lot_id == "B"}
    assert (b_rows["LT"].gain, b_rows["LT"].disallowed_loss) == (pytest.approx(-180), pytest.approx(180))
    assert (b_rows["ST"].gain, b_rows["ST"].disallowed_loss) == (pytest.approx(-80), pytest.approx(80))
    c_lots = sorted((o.holding_from, o.shares, round(o.cost_basis, 2)) for o in ledger.open_lots if o.lot_id == "C")
    assert c_lots == [(date(2026, 6, 10) - timedelta(days=877), 2, 250 + 180),
                      (date(2026, 6, 10) - timedelta(days=27), 2, 250 + 80)]


# --- splitting a sale into one-share sales changes nothing ------------------------------

START, AS_OF = date(2026, 1, 1), date(2026, 12, 31)


@st.composite
def sales_households(draw):
    """Lots of one wash group bought this year, each sold in up to three sales (some at a loss,
    some washed by the others), and which sale to split: bases differ across a lot's shares."""
    lots, sales = [], []
    for n in range(draw(st.integers(2, 6))):
        account = draw(st.sampled_from(["Brokerage", "Spouse", "IRA"]))
        acquired = START + timedelta(days=draw(st.integers(0, 60)))   # close: they wash each other
        per_share = draw(st.integers(50, 150))
        shares = draw(st.integers(1, 12))
        left = shares
        if account != "IRA":
            for k in range(draw(st.integers(0, 3))):
                sold = draw(st.integers(0, left))
                if not sold:
                    continue
                day = acquired + timedelta(days=draw(st.integers(0, 45)))
                price = draw(st.integers(40, 160))
                sales.append(sale(day, sold, float(price), f"L{n}", acquired, float(per_share * sold),
                                  account=account, row=1000 * (len(sales) + 1)))
                left -= sold
        lots.append(Lot(account, "X", f"L{n}", acquired, left, float(per_share * left)))
    lots = [lt for lt in lots if lt.shares]
    split = draw(st.integers(0, max(len(sales) - 1, 0)))
    return lots, sales, split


def _one_share_sales(tx: Transaction) -> list[Transaction]:
    per_share = tx.cost_basis / tx.shares
    return [sale(tx.date, 1, tx.price, tx.lot_id, tx.acquired, per_share, account=tx.account, row=tx.row + k)
            for k in range(int(tx.shares))]


def _answers(lots, sales):
    ledger = tax_ledger(household(AS_OF, lots, sales))
    allowed = defaultdict(float)
    for row in ledger.rows:
        allowed[row.term] += row.allowed_gain
    bases = defaultdict(lambda: [0.0, 0.0])
    for o in ledger.open_lots:
        bases[o.account, o.lot_id, o.holding_from][0] += o.shares
        bases[o.account, o.lot_id, o.holding_from][1] += o.cost_basis
    disallowed = sum(r.disallowed_loss for r in ledger.rows)
    permanent = sum(r.permanent_loss for r in ledger.rows)
    return disallowed, permanent, dict(allowed), dict(bases)


@hsettings(max_examples=300, deadline=None)
@given(sales_households())
def test_splitting_a_sale_into_one_share_sales_changes_nothing(case):
    lots, sales, split = case
    if not sales:
        return
    one_share = sales[:split] + _one_share_sales(sales[split]) + sales[split + 1:]
    whole, pieces = _answers(lots, sales), _answers(lots, one_share)
    assert whole[0] == pytest.approx(pieces[0], abs=1e-6)      # disallowed loss
    assert whole[1] == pytest.approx(pieces[1], abs=1e-6)      # of it permanent
    assert set(whole[2]) == set(pieces[2])
    for term in whole[2]:                                      # allowed gain by term
        assert whole[2][term] == pytest.approx(pieces[2][term], abs=1e-6)
    assert set(whole[3]) == set(pieces[3])                     # open lots by holding start
    for key, (shares, basis) in whole[3].items():
        assert (shares, basis) == (pytest.approx(pieces[3][key][0]), pytest.approx(pieces[3][key][1], abs=1e-6))


# --- the year boundary --------------------------------------------------------------------

def test_december_loss_washed_by_a_january_purchase_is_last_years_and_shown():
    """D: 10 sh bought 2026-03-02 for $1,000, sold 2026-12-20 at $80: loss $200.
    J: 10 sh bought 2027-01-05 at $85 ($850), 16 days later: the loss is disallowed on the
    2026 return (Pub 550: the wash-sale rule crosses the year end); J's basis 850 + 200 =
    1,050, its holding period starts 293 days (2026-03-02 -> 2026-12-20) before 2027-01-05.
    G: a 2026 sale at a gain is last year's and not shown.  2027 has no sales: its totals are 0."""
    h = household(
        date(2027, 1, 20),
        lots=[Lot("Brokerage", "X", "J", date(2027, 1, 5), 10, 850.0)],
        transactions=[
            sale(date(2026, 12, 20), 10, 80.0, "D", date(2026, 3, 2), 1000.0, row=5),
            sale(date(2026, 11, 2), 10, 150.0, "G", date(2025, 1, 2), 1000.0, row=6),
        ],
    )
    ledger = tax_ledger(h)
    assert ledger.rows == ()
    (shown,) = ledger.shown_rows
    assert (shown.lot_id, shown.tax_year, shown.disallowed_loss) == ("D", 2026, pytest.approx(200))
    assert "2026" in shown.note and "J" in shown.note
    (warning,) = [i for i in ledger.issues if i.code == "PRIOR_YEAR_WASH"]
    assert not warning.is_error and warning.row == 5 and "lot D" in warning.message and "J" in warning.message
    assert (ledger.totals.st, ledger.totals.lt, ledger.totals.disallowed) == (0, 0, 0)
    (j,) = ledger.open_lots
    assert (j.cost_basis, j.wash_adjustment) == (pytest.approx(1050), pytest.approx(200))
    assert j.holding_from == date(2027, 1, 5) - timedelta(days=293)


def test_the_portfolio_shows_last_years_washed_sale_marked():
    from xlrebalance.portfolio import Portfolio
    tables = {
        "Settings": [["Setting", "Value"], ["As of date", date(2027, 1, 20)]],
        "Accounts": [["Account", "Type"], ["Brokerage", "Taxable"]],
        "Targets": [["Asset class", "Target"], ["US", 1.0]],
        "Securities": [["Ticker", "Asset class"], ["X", "US"]],
        "Holdings": [["Account", "Ticker", "Shares"], ["Brokerage", "X", 10]],
        "Lots": [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"],
                 ["Brokerage", "X", "J", date(2027, 1, 5), 10, 850]],
        "Transactions": [["Date", "Account", "Ticker", "Action", "Shares", "Price", "Lot ID", "Acquired", "Cost basis"],
                         [date(2026, 12, 20), "Brokerage", "X", "Sell", 10, 80, "D", date(2026, 3, 2), 1000]],
        "Prices": [["Ticker", "Price"], ["X", 90]],
    }
    out = Portfolio.from_tables(tables).realized_gains()
    assert list(out["Lot ID"]) == ["D"] and list(out["Disallowed loss"]) == [200]
    assert out["Note"][0].startswith("2026 sale, on the 2026 return")
    assert out.attrs["totals"]["Net"] == 0
