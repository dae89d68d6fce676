"""Recording a plan's own orders as filled, on generated households: value conserved to the
cent (cash + holdings at the fill prices, less fees), no lot oversold, idempotent."""
from __future__ import annotations

import random
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, assume, given, settings as hsettings, strategies as st

from xlrebalance.journal.books import plan_run
from xlrebalance.journal.fills import parse_fills
from xlrebalance.journal.record import record_fills
from xlrebalance.tables import parse_household

from journal_helpers import fills_from_orders, household_tables, table_records, with_journal
from trade_helpers import AS_OF, random_household

SETTINGS = hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                          HealthCheck.filter_too_much])


def cases():
    return st.builds(lambda seed, accounts, fee_cents: (random_household(
        random.Random(seed), accounts=accounts, securities=8, lots=40, classes=3), fee_cents),
        st.integers(0, 10**9), st.integers(1, 4), st.integers(0, 999))


def positions(tables) -> dict:
    out = defaultdict(float)
    for r in table_records(tables["Holdings"]):
        out[(r["Account"], r["Ticker"])] += r["Shares"]
    return out


def cash(tables) -> dict:
    return {r["Account"]: (r["Cash"] or 0.0) + (r.get("Cash flow") or 0.0) for r in table_records(tables["Accounts"])}


@SETTINGS
@given(cases())
def test_recording_the_plans_orders_conserves_value_never_oversells_and_is_idempotent(case):
    household, fee_cents = case
    tables = household_tables(household)
    run = plan_run(tables)
    assume(run.orders and not run.errors)
    # fees are not known when orders are sized: they come out of the cash the orders leave
    left = {a: c for a, c in cash(tables).items()}
    for o in run.orders:
        left[o.account] += o.shares * o.limit_price * (1 if o.side == "SELL" else -1)
    fees = {}
    for i, o in enumerate(run.orders):
        fee = min(round(fee_cents / 100 * (i % 3), 2), max(0.0, round(left[o.account] - 0.01, 2)))
        if o.side == "SELL" and fee > 0:
            fees[o.order_id] = fee
            left[o.account] -= fee
    rows = fills_from_orders(run, AS_OF, fees=fees)
    fills, problems = parse_fills(rows)
    assert not problems
    book = with_journal(tables, run)
    result = record_fills(book, fills)
    assert result.ok, result.exceptions
    new = result.tables

    # value, per account, at the fill prices (the last price for what was not traded)
    price = {p.ticker: p.price for p in household.prices}
    fill_price = {(f.account, f.ticker): f.price for f in fills}
    before, after = positions(book), positions(new)
    fee_of = defaultdict(float)
    for o in run.orders:
        fee_of[o.account] += fees.get(o.order_id, 0.0)
    for account, money_before in cash(book).items():
        def worth(held):
            return sum(n * fill_price.get(key, price[key[1]]) for key, n in held.items() if key[0] == account)
        value_before = money_before + worth(before)
        value_after = cash(new)[account] + worth(after)
        assert value_after == pytest.approx(value_before - fee_of[account], abs=0.0051), account

    # no lot oversold: every lot left has shares > 0, each lot's shares only go down, and the
    # Sell rows added plus the shares left equal the shares the lot had (basis to the cent)
    lots_before = {(r["Account"], r["Lot ID"]): r for r in table_records(book["Lots"])}
    lots_after = {(r["Account"], r["Lot ID"]): r for r in table_records(new["Lots"])}
    sold = defaultdict(lambda: [0.0, 0.0])
    for r in table_records(new["Transactions"])[len(book["Transactions"]) - 1:]:
        if r["Action"] == "Sell":
            sold[(r["Account"], r["Lot ID"])][0] += r["Shares"]
            sold[(r["Account"], r["Lot ID"])][1] += r["Cost basis"]
    for key, lot in lots_before.items():
        left = lots_after.get(key)
        shares_left = left["Shares"] if left else 0.0
        basis_left = left["Cost basis"] if left else 0.0
        assert shares_left >= 0 and shares_left <= lot["Shares"] + 1e-9
        assert sold[key][0] + shares_left == pytest.approx(lot["Shares"], abs=1e-6)
        assert sold[key][1] + basis_left == pytest.approx(lot["Cost basis"], abs=0.006)
    assert all(r["Shares"] > 0 for r in lots_after.values())
    assert not [i for i in parse_household(new).issues if i.is_error]

    again = record_fills(new, fills)
    assert again.ok and again.tables == new and len(again.duplicates) == len(fills)
