"""Water-filling and the household-level class amounts (core/cashflow.py), plus the trade
list's handling of a Cash target, the review trigger, and this year's realized gains."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xlrebalance.core.cashflow import ClassState, class_plan, raise_withdrawal, rebalance_amounts, water_fill
from xlrebalance.core.model import RebalanceTo, TaxableSells
from xlrebalance.core.trades import trade_list

from trade_helpers import account, brief, lot, make, tx


@pytest.mark.parametrize("gaps, amount, caps, expected", [
    # the largest gap is raised first, then both together to a common level
    ({"A": 10, "B": 4}, 3, None, {"A": 3, "B": 0}),
    ({"A": 10, "B": 4}, 8, None, {"A": 7, "B": 1}),          # level 3: 10-7 = 4-1 = 3
    ({"A": 10, "B": 4, "C": -2}, 14, None, {"A": 10, "B": 4, "C": 0}),
    ({"A": 10, "B": 4, "C": -2}, 21, None, {"A": 13, "B": 7, "C": 1}),   # level -3: 12 - 3L = 21
    ({"A": 10, "B": 4}, 8, {"A": 5}, {"A": 5, "B": 3}),       # A stops at its cap
    ({"A": 10, "B": 4}, 50, {"A": 5, "B": 5}, {"A": 5, "B": 5}),  # caps bind: spend only 10
    ({"A": 1}, 0, None, {"A": 0}),
])
def test_water_fill(gaps, amount, caps, expected):
    assert water_fill(gaps, amount, caps) == pytest.approx(expected)


@hsettings(max_examples=80, deadline=None)
@given(st.dictionaries(st.sampled_from("ABCDEF"), st.floats(-1e6, 1e6), min_size=1),
       st.floats(0, 2e6), st.booleans())
def test_water_fill_spends_exactly_and_levels(gaps, amount, capped):
    caps = {k: abs(v) / 2 + 1 for k, v in gaps.items()} if capped else None
    out = water_fill(gaps, amount, caps)
    limit = sum(caps.values()) if caps else float("inf")
    assert sum(out.values()) == pytest.approx(min(amount, limit), rel=1e-9, abs=1e-6)
    assert all(v >= -1e-9 for v in out.values())
    if caps:
        assert all(out[k] <= caps[k] + 1e-9 for k in out)
    # every key that got money and is not at its cap ends at the same (lowest) gap level
    free = [gaps[k] - out[k] for k in out if out[k] > 1e-6 and (not caps or out[k] < caps[k] - 1e-6)]
    if free:
        assert max(free) - min(free) <= 1e-6 * max(1.0, max(abs(g) for g in gaps.values()))


def states(**classes):
    """name=(value, goal, low, high) in $."""
    return {c: ClassState(c, *v) for c, v in classes.items()}


def test_class_plan_deposit_then_no_rebalance_when_inside():
    s = states(Stocks=(66_000, 63_000, 52_500, 68_250), Bonds=(34_000, 42_000, 36_750, 47_250))
    plan = class_plan(s, {c: x.value for c, x in s.items()}, 5_000, RebalanceTo.TARGET)
    assert plan.flows == pytest.approx({"Stocks": 0, "Bonds": 5_000})
    assert plan.breached == () and all(v == 0 for v in plan.rebalance.values())


def test_rebalance_of_one_breached_class_is_balanced_by_the_others():
    # Stocks above its band; the $6,000 sold buys the most under-weight class (Intl) first.
    s = states(Stocks=(66_000, 60_000, 55_000, 65_000), Bonds=(29_000, 30_000, 25_000, 35_000),
               Intl=(5_000, 10_000, 7_500, 12_500))
    trades, breached = rebalance_amounts(s, {c: x.value for c, x in s.items()}, RebalanceTo.TARGET)
    # water-fill 6,000 over gaps Bonds 1,000 / Intl 5,000 -> level 0: Intl 5,000, Bonds 1,000
    assert breached == ("Stocks", "Intl")
    assert trades == pytest.approx({"Stocks": -6_000, "Bonds": 1_000, "Intl": 5_000})


def test_raise_withdrawal_only_from_what_the_account_holds():
    s = states(Stocks=(62_000, 57_000, 0, 1e9), Bonds=(38_000, 38_000, 0, 1e9))
    # the account holds only $3,000 of stocks: the rest comes from bonds
    out = raise_withdrawal(s, {"Stocks": 62_000, "Bonds": 38_000}, 5_000, {"Stocks": 3_000, "Bonds": 30_000})
    assert out == pytest.approx({"Stocks": 3_000, "Bonds": 2_000})


def test_cash_target_is_kept_and_only_the_excess_invested():
    # Cash target 10%: household $100,000 = IRA VTI 600 ($60,000) + BND 600 ($30,000) + cash $10,000
    # ... plus a $10,000 deposit: total $110,000, cash goal $11,000 -> invest $9,000 of the $20,000.
    # Goals: stocks 0.5/0.9 x (90,000 + 9,000) = 55,000; bonds 44,000 -> all $9,000 to bonds (180 BND)
    # (stocks are above their goal: 60,000 vs 55,000).
    household = make([account("IRA", "Traditional", cash=10_000, flow=10_000)],
                     {("IRA", "VTI"): 600, ("IRA", "BND"): 600},
                     {"US Stocks": 0.5, "Bonds": 0.4, "Cash": 0.1})
    plan = trade_list(household)
    assert brief(plan) == [("IRA", "BND", "BUY", 180)]
    assert plan.cash_left == {"IRA": 0.0}


def test_a_withdrawal_sale_below_the_minimum_is_still_made():
    # $60 withdrawal, $100 minimum: the sale must happen to fund it (1 VTI = $100).
    household = make([account("IRA", "Traditional", flow=-60)], {("IRA", "VTI"): 620, ("IRA", "BND"): 760},
                     {"US Stocks": 0.6, "Bonds": 0.4})
    plan = trade_list(household)
    assert brief(plan) == [("IRA", "VTI", "SELL", 1)]


def test_breach_outside_review_says_the_policy_does_not_call_for_it():
    household = make([account("IRA", "Traditional")], {("IRA", "VTI"): 680, ("IRA", "BND"): 640},
                     {"US Stocks": 0.6, "Bonds": 0.4}, last_review=date(2026, 10, 1))
    plan = trade_list(household)
    assert brief(plan)[0] == ("IRA", "VTI", "SELL", 80)
    assert any(n.startswith("The policy does not call for a rebalance today") for n in plan.notes)


def test_realized_gains_this_year_count_against_the_budget():
    # A sale on 2026-03-02 realized $1,500 LT (10 sh at $200, basis $50): budget $1,900 leaves $400
    # -> 10 sh of the $40/sh LT-gain lot.
    household = make([account("Taxable"), account("IRA", "Traditional")],
                     {("Taxable", "VTI"): 680, ("IRA", "BND"): 640}, {"US Stocks": 0.6, "Bonds": 0.4},
                     lots=[lot("Taxable", "VTI", "T1", "2019-05-01", 680, 60.0)],
                     transactions=[tx("2026-03-02", "Taxable", "VTI", "Sell", 10, 200.0, cost_basis=500.0,
                                      lot_id="T0", acquired="2018-01-02")],
                     taxable_sells=TaxableSells.ALLOWED, gain_budget=1_900.0)
    plan = trade_list(household)
    assert brief(plan)[0] == ("Taxable", "VTI", "SELL", 10)


def test_calendar_trigger_due_rebalances_every_class_to_target():
    # In band (62/38) but a calendar review is due (never reviewed): back to 60/40 in the IRA.
    # $100,000: sell $2,000 = 20 VTI, buy 40 BND.
    from xlrebalance.core.model import Trigger

    household = make([account("IRA", "Traditional")], {("IRA", "VTI"): 620, ("IRA", "BND"): 760},
                     {"US Stocks": 0.6, "Bonds": 0.4}, trigger=Trigger.CALENDAR)
    assert brief(trade_list(household)) == [("IRA", "VTI", "SELL", 20), ("IRA", "BND", "BUY", 40)]
    not_due = make([account("IRA", "Traditional")], {("IRA", "VTI"): 620, ("IRA", "BND"): 760},
                   {"US Stocks": 0.6, "Bonds": 0.4}, trigger=Trigger.CALENDAR, last_review=date(2026, 10, 1))
    assert brief(trade_list(not_due)) == []
