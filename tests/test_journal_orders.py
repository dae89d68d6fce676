"""Orders from the plan (journal/orders.py), the pre-trade checks, and the Journal's rules."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from xlrebalance.core.model import Price, Severity
from xlrebalance.core.trades import Trade, TradePlan
from xlrebalance.journal.entries import (
    COLUMNS, Entry, append_run, consistency_issues, journal_issues, read_entries,
)
from xlrebalance.journal.formats import orders_ibkr
from xlrebalance.journal.orders import build_orders, limit_price

from trade_helpers import account, lot, make

NOW = __import__("datetime").datetime(2026, 11, 20, 10, 30)


@pytest.mark.parametrize("side, last, collar, expected", [
    ("BUY", 100.0, 0.005, 100.50), ("SELL", 100.0, 0.005, 99.50),
    ("BUY", 68.0, 0.005, 68.34),    # 68.34 exactly
    ("BUY", 73.0, 0.005, 73.37),    # 73.365 -> up to the cent
    ("SELL", 73.0, 0.005, 72.63),   # 72.635 -> down to the cent
    ("SELL", 50.0, 0.0, 50.00),
])
def test_limit_price_is_the_collar_rounded_against_the_trade(side, last, collar, expected):
    assert limit_price(side, last, collar) == expected


def household(**settings):
    return make([account("Brokerage", cash=1000.0), account("IRA", "Traditional", cash=0.0)],
                {("Brokerage", "VTI"): 50.0, ("IRA", "BND"): 100.0},
                {"US Stocks": 0.5, "Bonds": 0.5},
                lots=[lot("Brokerage", "VTI", "L1", "2020-01-02", 30.0, 80.0),
                      lot("Brokerage", "VTI", "L2", "2026-11-01", 20.0, 120.0)], **settings)


def trade(account_name, ticker, action, shares, price, **kw):
    return Trade(account_name, ticker, action, shares, price, round(shares * price, 2), **kw)


def test_buys_are_trimmed_to_the_cash_at_their_limit_price():
    h = household()
    plan = TradePlan((trade("Brokerage", "BND", "BUY", 20.0, 50.0),))       # 20 x 50.25 = 1005 > 1000
    run = build_orders(h, plan, now=NOW)
    (order,) = run.orders
    assert order.shares == 19 and order.limit_price == 50.25 and "trimmed from 20 to 19" in order.note
    assert not run.errors


def test_a_sell_first_pays_for_a_buy_in_the_same_account():
    h = household()
    plan = TradePlan((trade("Brokerage", "BND", "BUY", 30.0, 50.0),
                      trade("Brokerage", "VTI", "SELL", 5.0, 100.0, lots="L1 (5 sh)", lot_shares=(("L1", 5.0),),
                            lt_gain=100.0)))
    run = build_orders(h, plan, now=NOW)
    assert [o.side for o in run.orders] == ["SELL", "BUY"]
    # 1000 + 5 x 99.50 = 1497.50 -> floor(1497.50 / 50.25) = 29 shares
    assert run.orders[1].shares == 29
    assert [o.order_id[-3:] for o in run.orders] == ["001", "002"]


def test_order_ids_are_deterministic_and_change_with_the_inputs():
    h = household()
    plan = TradePlan((trade("Brokerage", "BND", "BUY", 5.0, 50.0),))
    first, again = build_orders(h, plan, now=NOW), build_orders(h, plan, now=NOW.replace(hour=15))
    assert first.orders[0].order_id == again.orders[0].order_id and first.run_id.startswith("R20261120-")
    moved = replace(h, prices=tuple(replace(p, price=51.0) if p.ticker == "BND" else p for p in h.prices))
    assert build_orders(moved, plan, now=NOW).run_id != first.run_id


@pytest.mark.parametrize("plan, code", [
    (TradePlan((trade("Brokerage", "VTI", "SELL", 60.0, 100.0),)), "sell_not_covered"),
    (TradePlan((trade("Brokerage", "VTI", "SELL", 5.0, 100.0, lots="L9 (5 sh)", lot_shares=(("L9", 5.0),)),)),
     "sell_not_covered"),
    (TradePlan((trade("Brokerage", "EMP", "BUY", 1.0, 40.0),)), "non_tradable_order"),
    # a loss sale of VTI (L2 at $120) while buying VTI in the IRA: a wash sale, not flagged
    (TradePlan((trade("Brokerage", "VTI", "SELL", 20.0, 100.0, lots="L2 (20 sh)", lot_shares=(("L2", 20.0),),
                      st_gain=-400.0), trade("IRA", "VTI", "BUY", 1.0, 100.0))), "unflagged_wash_sale"),
])
def test_pretrade_checks_fail_loudly(plan, code):
    h = make([account("Brokerage", cash=1000.0), account("IRA", "Traditional", cash=500.0)],
             {("Brokerage", "VTI"): 50.0, ("IRA", "BND"): 100.0, ("Brokerage", "EMP"): 10.0},
             {"US Stocks": 0.5, "Bonds": 0.4, "Employer Stock": 0.1},
             lots=[lot("Brokerage", "VTI", "L1", "2020-01-02", 30.0, 80.0),
                   lot("Brokerage", "VTI", "L2", "2026-01-05", 20.0, 120.0)], tradable={"Employer Stock": False})
    run = build_orders(h, plan, now=NOW)
    assert code in {i.code for i in run.errors}


def test_a_flagged_wash_sale_passes():
    h = household()
    plan = TradePlan((trade("Brokerage", "VTI", "SELL", 20.0, 100.0, lots="L2 (20 sh)", lot_shares=(("L2", 20.0),),
                            st_gain=-400.0, flags=("WASH RISK",)), trade("IRA", "VTI", "BUY", 1.0, 100.0)))
    assert not build_orders(household(), plan, now=NOW).errors


def test_a_stale_price_blocks_orders_unless_allowed():
    h = household()
    h = replace(h, prices=tuple(replace(p, as_of=date(2026, 11, 1)) if p.ticker == "BND" else p for p in h.prices))
    plan = TradePlan((trade("Brokerage", "BND", "BUY", 5.0, 50.0),))
    assert "stale_price" in {i.code for i in build_orders(h, plan, now=NOW).errors}
    allowed = build_orders(h, plan, now=NOW, allow_stale=True)
    assert not allowed.errors and allowed.issues[0].severity is Severity.WARNING


def test_the_ibkr_basket_has_one_header_and_the_order_ref():
    run = build_orders(household(), TradePlan((trade("Brokerage", "BND", "BUY", 5.0, 50.0),)), now=NOW)
    lines = orders_ibkr(run).splitlines()
    assert lines == ["Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType,LmtPrice,OrderRef",
                     f"BUY,5,BND,STK,SMART,USD,DAY,LMT,50.25,{run.orders[0].order_id}"]


# --- the Journal's rules --------------------------------------------------------------------

HEADER = [c for c, _ in COLUMNS]


def journal(*rows: dict) -> list[list]:
    return [HEADER] + [[r.get(c) for c in HEADER] for r in rows]


BASE = {"Run ID": "R20261120-abcd1234", "Order ID": "R20261120-abcd1234-001", "Account": "Brokerage",
        "Ticker": "VTI", "Side": "SELL", "Shares": 10, "Limit price": 99.5, "Status": "APPROVED"}


@pytest.mark.parametrize("row, code, severity", [
    ({**BASE, "Status": "FILLED"}, "journal_fill_missing", Severity.ERROR),
    ({**BASE, "Status": "FILLED", "Filled shares": 4, "Fill price": 99.6, "Fill date": date(2026, 11, 20)},
     "journal_fill_short", Severity.ERROR),
    ({**BASE, "Filled shares": 4}, "journal_status_mismatch", Severity.ERROR),
    ({**BASE, "Status": "HELD"}, "journal_note_missing", Severity.WARNING),
    ({**BASE, "Status": "REJECTED"}, "journal_note_missing", Severity.WARNING),
    ({**BASE, "Flags": "WASH SALE"}, "journal_note_missing", Severity.WARNING),
    ({**BASE, "Flags": "BLOCKS HARVEST"}, "journal_note_missing", Severity.WARNING),
    ({**BASE, "Status": "DONE"}, "bad_value", Severity.ERROR),
])
def test_a_hand_edit_into_an_inconsistent_state_is_reported(row, code, severity):
    issues = journal_issues(journal(row))
    assert [(i.code, i.severity) for i in issues] == [(code, severity)], issues
    assert issues[0].table == "Journal" and issues[0].row == 2


def test_a_note_settles_the_override():
    assert journal_issues(journal({**BASE, "Status": "HELD", "Note": "waiting for the January wash window"})) == []
    assert journal_issues(journal({**BASE, "Flags": "WASH SALE", "Note": "client accepts the disallowed loss"})) == []


def test_appending_a_run_twice_adds_nothing_and_approval_changes_only_status_columns():
    entry = Entry(run_id="R20261120-abcd1234", order_id="R20261120-abcd1234-001", status="PROPOSED",
                  account="Brokerage", ticker="VTI", side="SELL", shares=10, limit_price=99.5)
    extra = HEADER + ["My column"]
    table, added, _ = append_run([extra, [None] * len(extra)], [entry])
    assert added == 1 and table[0] == extra
    again, added, approved = append_run(table, [entry])
    assert (added, approved) == (0, 0) and again == table
    approved_table, added, approved = append_run(table, [entry], approve_as="Sam")
    assert (added, approved) == (0, 1)
    (row,) = read_entries(approved_table)[0]
    assert (row.status, row.approved_by, row.shares) == ("APPROVED", "Sam", 10)
    changed = [c for c, before, after in zip(extra, table[1], approved_table[1]) if before != after]
    assert changed == ["Status", "Approved by"]


def test_the_ibkr_basket_routes_orders_when_every_account_has_a_number():
    run = build_orders(household(), TradePlan((trade("Brokerage", "BND", "BUY", 5.0, 50.0),)), now=NOW)
    lines = orders_ibkr(run, {"Brokerage": "U1234567"}).splitlines()
    assert lines[0].endswith(",OrderRef,Account") and lines[1].endswith(",U1234567")
    assert orders_ibkr(run, {"IRA": "U7654321"}).splitlines()[0].endswith(",OrderRef")
