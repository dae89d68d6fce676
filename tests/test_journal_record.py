"""Recording fills (journal/record.py): hand-computed lots, cash and gains; partial fills,
slippage, unplanned and duplicate fills; bad input is refused with nothing applied."""
from __future__ import annotations

from datetime import date

import pytest

from xlrebalance.journal.books import plan_run
from xlrebalance.journal.entries import read_entries
from xlrebalance.journal.fills import parse_fills
from xlrebalance.journal.record import record_fills
from xlrebalance.portfolio import Portfolio
from xlrebalance.sample import sample_tables

from journal_helpers import FILL_HEADER, fills_from_orders, table_records, with_journal

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def withdrawal():
    """The sample household with a $30,000 withdrawal pending from Joint Taxable: the plan
    must sell there (a taxable sale with lots), and sells/buys in the sheltered accounts."""
    tables = sample_tables()
    tables["Accounts"][1][4] = -30000.0
    run = plan_run(tables)
    assert not run.errors, run.issues
    return with_journal(tables, run), run


def order(run, account, ticker, side):
    return next(o for o in run.orders if (o.account, o.ticker, o.side) == (account, ticker, side))


def record(tables, rows, **options):
    fills, problems = parse_fills(rows)
    assert not problems, problems
    return record_fills(tables, fills, **options)


def rows_of(tables, name, **where):
    return [r for r in table_records(tables[name]) if all(r.get(k) == v for k, v in where.items())]


def test_a_taxable_sale_relieves_the_named_lot_with_its_original_basis(withdrawal):
    tables, run = withdrawal
    vti = order(run, "Joint Taxable", "VTI", "SELL")
    # The plan sells 71 sh of T-VTI-2 at $310 for the withdrawal (MinTax: the LT lot with the
    # smallest gain per share, $310 - $235); at the limit 310 x 0.995 = 308.45 the 71 sh raise
    # 21,899.95, short of the 22,000 needed (30,000 - 8,000 cash), so one share more is sold.
    assert (vti.shares, vti.limit_price, vti.lots) == (72, 308.45, "T-VTI-2 (72 sh)")
    fees = {vti.order_id: 1.00}
    result = record(tables, fills_from_orders(run, AS_OF, fees=fees))
    assert result.ok, result.exceptions
    new = result.tables
    # Lot T-VTI-2: 200 sh bought 2022-01-03 for 47,000 ($235/sh).  72 sh relieved: basis
    # 47,000 x 72/200 = 16,920.00; left 128 sh with 30,080.00.
    (lot,) = rows_of(new, "Lots", **{"Lot ID": "T-VTI-2"})
    assert lot["Shares"] == 128 and lot["Cost basis"] == pytest.approx(30080.00, abs=0.001)
    (sale,) = rows_of(new, "Transactions", Action="Sell", Ticker="VTI")
    assert sale["Lot ID"] == "T-VTI-2" and sale["Shares"] == 72 and sale["Cost basis"] == 16920.00
    assert sale["Acquired"].date() == date(2022, 1, 3) if hasattr(sale["Acquired"], "date") else True
    # Holdings 700 - 72 = 628.  Cash: 8,000 - 30,000 (the withdrawal, settled) + 72 x 308.45
    # (22,208.40) - 1.00 fee = 207.40; Cash flow cleared.
    (vti_holding,) = rows_of(new, "Holdings", Account="Joint Taxable", Ticker="VTI")
    assert vti_holding["Shares"] == 628
    (joint,) = rows_of(new, "Accounts", Account="Joint Taxable")
    assert joint["Cash"] == pytest.approx(207.40, abs=0.001) and joint["Cash flow"] == 0
    # Realized: proceeds 22,208.40 - 1.00 fee = 22,207.40, basis 16,920.00, gain 5,287.40,
    # long-term (held since 2022-01-03, more than a year before 2026-11-20).
    gains = Portfolio.from_tables(new).realized_gains()
    row = gains[(gains["Ticker"] == "VTI") & (gains["Lot ID"] == "T-VTI-2")].iloc[0]
    assert (row["Shares"], row["Proceeds"], row["Cost basis"], row["Gain"], row["Term"]) == \
        (72, 22207.40, 16920.00, 5287.40, "LT")
    assert row["Date"] == AS_OF


def test_a_sheltered_buy_updates_holdings_and_cash_and_adds_no_lot(withdrawal):
    tables, run = withdrawal
    result = record(tables, fills_from_orders(run, AS_OF))
    new = result.tables
    bnd = order(run, "Alex 401k", "BND", "BUY")
    # BND limit: 73 x 1.005 = 73.365, rounded up to the cent: 73.37.
    assert bnd.limit_price == 73.37
    (holding,) = rows_of(new, "Holdings", Account="Alex 401k", Ticker="BND")
    assert holding["Shares"] == bnd.shares
    assert not rows_of(new, "Lots", Account="Alex 401k")          # a 401k keeps no lots
    (buy,) = rows_of(new, "Transactions", Account="Alex 401k", Ticker="BND", Action="Buy")
    assert buy["Shares"] == bnd.shares and buy["Price"] == 73.37 and buy["Lot ID"] is None
    # Alex 401k: no cash; sells FXAIX at 210 x 0.995 = 208.95, buys at their limits.
    spent = sum(o.shares * o.limit_price * (1 if o.side == "SELL" else -1) for o in run.orders
                if o.account == "Alex 401k")
    (account,) = rows_of(new, "Accounts", Account="Alex 401k")
    assert account["Cash"] == pytest.approx(round(spent, 2), abs=0.001) and account["Cash"] >= 0
    entries, _ = read_entries(new["Journal"])
    assert {e.status for e in entries} == {"FILLED"}


def test_a_taxable_buy_adds_a_lot_at_the_fill_price_and_date():
    tables = sample_tables()
    run = plan_run(tables)
    # The plan buys International as IXUS, not VXUS: VXUS lot T-VXUS-1 is a harvest candidate
    # and a VXUS buy would wash it (TRADE_LIST keeps harvests open).
    ixus = order(run, "Joint Taxable", "IXUS", "BUY")
    vnq = order(run, "Joint Taxable", "VNQ", "BUY")
    # Joint Taxable has 8,000 + 15,000 deposit = 23,000.  Orders in the plan's order (IXUS,
    # then VNQ): IXUS 276 sh at 75 x 1.005 = 75.375 -> 75.38 = 20,804.88, leaving 2,195.12;
    # VNQ at 90 x 1.005 = 90.45: 25 sh would cost 2,261.25, so it is trimmed to
    # floor(2,195.12 / 90.45) = 24 sh = 2,170.80.
    assert (ixus.shares, ixus.limit_price) == (276, 75.38)
    assert (vnq.shares, vnq.limit_price) == (24, 90.45) and "trimmed from 25 to 24" in vnq.note
    result = record(with_journal(tables, run), fills_from_orders(run, AS_OF, fees={ixus.order_id: 2.50}))
    new = result.tables
    (lot,) = rows_of(new, "Lots", Account="Joint Taxable", Ticker="IXUS", **{"Lot ID": "IXUS-20261120"})
    assert lot["Shares"] == 276 and lot["Cost basis"] == 20807.38      # 20,804.88 + 2.50 fee
    (buy,) = rows_of(new, "Transactions", Account="Joint Taxable", Ticker="IXUS", Action="Buy")
    assert buy["Lot ID"] == "IXUS-20261120"
    (holding,) = rows_of(new, "Holdings", Account="Joint Taxable", Ticker="IXUS")
    assert holding["Shares"] == 276
    (joint,) = rows_of(new, "Accounts", Account="Joint Taxable")
    assert joint["Cash"] == pytest.approx(23000 - 20804.88 - 2170.80 - 2.50, abs=0.001)   # 21.82
    assert joint["Cash flow"] == 0


def test_a_partial_fill_leaves_the_rest_open_and_a_second_fill_completes_it(withdrawal):
    tables, run = withdrawal
    vti = order(run, "Joint Taxable", "VTI", "SELL")
    first = [FILL_HEADER, [AS_OF, "Joint Taxable", "VTI", "Sell", 30, 309.00, 0, None, "EX-1"]]
    result = record(tables, first)
    assert result.ok, result.exceptions
    (entry,) = [e for e in read_entries(result.tables["Journal"])[0] if e.order_id == vti.order_id]
    assert (entry.status, entry.filled_shares, entry.open_shares) == ("PARTIAL", 30, vti.shares - 30)
    (lot,) = rows_of(result.tables, "Lots", **{"Lot ID": "T-VTI-2"})
    assert lot["Shares"] == 170 and lot["Cost basis"] == pytest.approx(47000 - 7050.00, abs=0.001)  # 30 x 235
    rest = [FILL_HEADER, [AS_OF, "Joint Taxable", "VTI", "Sell", vti.shares - 30, 308.50, 0, None, "EX-2"]]
    done = record(result.tables, rest)
    (entry,) = [e for e in read_entries(done.tables["Journal"])[0] if e.order_id == vti.order_id]
    assert entry.status == "FILLED" and entry.filled_shares == vti.shares
    # average fill price: (30 x 309.00 + 42 x 308.50) / 72
    assert entry.fill_price == pytest.approx(round((30 * 309.00 + 42 * 308.50) / 72, 4))
    assert entry.fill_refs == ("EX-1", "EX-2")


def test_a_fill_away_from_the_limit_shows_its_slippage(withdrawal):
    tables, run = withdrawal
    vti = order(run, "Joint Taxable", "VTI", "SELL")
    bnd = order(run, "Alex 401k", "BND", "BUY")
    result = record(tables, fills_from_orders(run, AS_OF, price={vti.order_id: 308.00, bnd.order_id: 73.30}))
    slip = {a.order_id: a.slippage for a in result.applied}
    assert slip[vti.order_id] == pytest.approx(0.45)      # sold 0.45 below the 308.45 limit: worse
    assert slip[bnd.order_id] == pytest.approx(-0.07)     # bought 0.07 below the 73.37 limit: better
    from xlrebalance.journal.audit import journal_text, runs

    text = journal_text(runs(read_entries(result.tables["Journal"])[0]))
    assert "$0.45/sh worse than the limit $308.45, $32.40 in all" in text     # 72 x 0.45


def test_an_unplanned_fill_is_an_exception_unless_asked_for(withdrawal):
    tables, run = withdrawal
    extra = [FILL_HEADER, [AS_OF, "Joint Taxable", "VEA", "Bought", 10, 54.10, 0, None, None]]
    refused = record(tables, extra)
    assert not refused.ok and refused.exceptions[0].code == "unplanned_fill"
    assert refused.tables == {k: [list(r) for r in v] for k, v in tables.items()}
    taken = record(tables, extra, unplanned=True)
    assert taken.ok
    (row,) = [e for e in read_entries(taken.tables["Journal"])[0] if e.run_id == "UNPLANNED"]
    assert (row.side, row.shares, row.status, row.fill_price) == ("BUY", 10, "FILLED", 54.10)
    (lot,) = rows_of(taken.tables, "Lots", Account="Joint Taxable", Ticker="VEA", **{"Lot ID": "VEA-20261120"})
    assert lot["Cost basis"] == 541.00


def test_recording_the_same_fills_twice_changes_nothing(withdrawal):
    tables, run = withdrawal
    fills = fills_from_orders(run, AS_OF)
    once = record(tables, fills)
    twice = record(once.tables, fills)
    assert twice.ok and twice.changed == () and not twice.applied
    assert len(twice.duplicates) == len(run.orders)
    assert twice.tables == once.tables
    assert "already recorded" in twice.notes[0]


@pytest.mark.parametrize("row, code", [
    ([AS_OF, "Joint Taxable", "BND", "Sell", 5, 73.0, 0, None, None], "sell_not_held"),
    ([AS_OF, "Nobody's IRA", "VTI", "Buy", 5, 310.0, 0, None, None], "unknown_account"),
    ([date(2026, 11, 23), "Joint Taxable", "VTI", "Sell", 5, 310.0, 0, None, None], "fill_after_as_of"),
])
def test_bad_fills_are_exceptions_and_nothing_is_applied(withdrawal, row, code):
    tables, run = withdrawal
    fills = fills_from_orders(run, AS_OF) + [row]       # good fills too: all or none
    result = record(tables, fills)
    assert not result.ok and code in {i.code for i in result.exceptions}
    assert result.tables == {k: [list(r) for r in v] for k, v in tables.items()}


@pytest.mark.parametrize("shares, price, column", [(0, 310.0, "Shares"), (5, 0, "Price"), (-5, 310.0, "Shares")])
def test_zero_or_negative_shares_or_price_name_the_line(shares, price, column):
    fills, problems = parse_fills([FILL_HEADER, [AS_OF, "Joint Taxable", "VTI", "Sell", shares, price, 0, None, None]],
                                  source="fills.csv")
    assert not fills and problems[0].column == column and "fills.csv line 2" in problems[0].message


def test_fill_dates_and_sides_in_broker_spellings():
    rows = [["trade date", "ACCOUNT", "Symbol", "Action", "Quantity", "Price", "Commission"],
            ["11/19/2026", "Joint Taxable", "vti", "SOLD", "5", "$310.00", "1"],
            ["2026-11-18", "Joint Taxable", "VTI", "bought", 2, 309.0, None]]
    fills, problems = parse_fills(rows)
    assert not problems
    assert [(f.date, f.side, f.ticker, f.shares, f.price, f.fees) for f in fills] == [
        (date(2026, 11, 19), "SELL", "VTI", 5, 310.0, 1.0), (date(2026, 11, 18), "BUY", "VTI", 2, 309.0, 0.0)]
    assert fills[0].ref.startswith("F-") and fills[0].ref != fills[1].ref
