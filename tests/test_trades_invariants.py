"""TRADE_LIST invariants on generated households (many accounts, lots, cash flows, settings)."""
from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from xlrebalance.core.book import account_budget
from xlrebalance.core.drift import drift_report
from xlrebalance.core.model import AccountType, TaxableSells
from xlrebalance.core.tax import estimate_tax, tax_profile
from xlrebalance.core.trades import trade_list

from trade_helpers import after_trades, random_household

CENT = 0.01
SETTINGS = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def households(**fixed):
    """Every class has at least one security (a class with nothing to buy is a separate case)."""
    return st.builds(lambda seed, accounts, extra, classes: random_household(
        random.Random(seed), accounts=accounts, securities=classes + extra, lots=60, classes=classes, **fixed),
        st.integers(0, 10**9), st.integers(1, 6), st.integers(0, 10), st.integers(2, 5))


def plan_of(household):
    return trade_list(household, realized=(0.0, 0.0))


@SETTINGS
@given(households())
def test_no_lot_or_position_oversold(household):
    plan = plan_of(household)
    held = {}
    for h in household.holdings:
        held[(h.account, h.ticker)] = held.get((h.account, h.ticker), 0.0) + h.shares
    lots = {(lot.account, lot.ticker, lot.lot_id): lot.shares for lot in household.lots}
    sold, lot_sold = {}, {}
    for t in plan.trades:
        if t.action == "SELL":
            sold[(t.account, t.ticker)] = sold.get((t.account, t.ticker), 0.0) + t.shares
            for lot_id, shares in t.lot_shares:
                key = (t.account, t.ticker, lot_id)
                lot_sold[key] = lot_sold.get(key, 0.0) + shares
    for key, shares in sold.items():
        assert shares <= held[key] + 1e-9, key
    for key, shares in lot_sold.items():
        if key[2] != "unknown basis":
            assert shares <= lots[key] + 1e-9, key


@SETTINGS
@given(households())
def test_cash_is_conserved_to_the_cent_and_reserve_kept(household):
    plan = plan_of(household)
    reserve = household.settings.cash_reserve
    short = " ".join(plan.notes)
    for a in household.accounts:
        budget = account_budget(a, reserve)
        buys = sum(t.amount for t in plan.trades if t.account == a.name and t.action == "BUY")
        sells = sum(t.amount for t in plan.trades if t.account == a.name and t.action == "SELL")
        left = budget + sells - buys
        # buys = sells + money to invest (cash + net cash flow - reserve), less what is left
        assert left == pytest.approx(plan.cash_left[a.name], abs=CENT) or left < 0
        if f"{a.name} holds too little" not in short:
            assert left >= -CENT, a.name           # cash never below the reserve
        if buys > 0:
            assert left >= -CENT                    # an account never overdraws to buy


@SETTINGS
@given(households())
def test_no_trade_below_minimum_and_whole_shares(household):
    plan = plan_of(household)
    minimum = household.settings.minimum_trade
    held = {(h.account, h.ticker): h.shares for h in household.holdings}
    for t in plan.trades:
        if "withdrawal" not in t.reason:
            assert t.amount >= minimum - CENT, t
        if household.settings.whole_shares:
            whole_position = t.action == "SELL" and t.shares == pytest.approx(held[(t.account, t.ticker)])
            assert t.shares == math.floor(t.shares) or whole_position, t
        assert t.shares > 0


@SETTINGS
@given(households())
def test_no_account_buys_and_sells_the_same_group(household):
    plan = plan_of(household)
    group = {s.ticker: s.group for s in household.securities}
    for account in {t.account for t in plan.trades}:
        sold = {group[t.ticker] for t in plan.trades if t.account == account and t.action == "SELL"}
        bought = {group[t.ticker] for t in plan.trades if t.account == account and t.action == "BUY"}
        assert not sold & bought, account


def _tolerance(household, plan, total):
    """Whole shares, the minimum trade and the cash they leave uninvested (not in the total)."""
    prices = household.price_map()
    biggest = max([prices[t.ticker] for t in plan.trades] + [0.0])
    return (biggest + household.settings.minimum_trade + sum(plan.cash_left.values()) + 1.0) / total


@SETTINGS
@given(households())
def test_no_class_ends_farther_from_target(household):
    # A pure rebalance (no cash to invest, no withdrawals): the total stays put, so every class
    # must end at most as far from its target as it started (within one share and the minimum).
    household = replace(household, accounts=tuple(replace(a, cash=0.0, cash_flow=0.0)
                                                  for a in household.accounts))
    plan = plan_of(household)
    before = drift_report(household)
    after = drift_report(after_trades(household, plan))
    if before.total <= 0 or after.total <= 0:
        return
    tol = _tolerance(household, plan, after.total)
    for row in before.rows:
        assert abs(after.row(row.asset_class).drift) <= abs(row.drift) + tol, row.asset_class


@SETTINGS
@given(households())
def test_deposits_never_increase_portfolio_drift(household):
    # New money only buys under-weight classes: portfolio drift (sum |w - t| / 2) cannot grow.
    household = replace(household, accounts=tuple(replace(a, cash_flow=max(0.0, a.cash_flow))
                                                  for a in household.accounts))
    plan = plan_of(household)
    before = drift_report(household)
    after = drift_report(after_trades(household, plan))
    if before.total <= 0 or after.total <= 0:
        return
    assert after.portfolio_drift <= before.portfolio_drift + _tolerance(household, plan, after.total)


@SETTINGS
@given(households(taxable_sells=TaxableSells.ALLOWED, minimum_trade=0.0, gain_budget=None))
def test_traded_classes_end_inside_their_bands_when_feasible(household):
    # Feasible: every account tax-advantaged (no taxable limits, no tax-cost guard), no withdrawals.
    household = replace(household, accounts=tuple(
        replace(a, type=AccountType.TRADITIONAL if a.type is AccountType.TAXABLE else a.type,
                cash_flow=max(0.0, a.cash_flow)) for a in household.accounts))
    plan = plan_of(household)
    after = drift_report(after_trades(household, plan))
    if after.total <= 0:
        return
    tol = _tolerance(household, plan, after.total) * 2
    for row in after.rows:
        if row.tradable:
            assert abs(row.drift) <= row.band + tol, (row.asset_class, row.weight, row.target, row.band)


@hsettings(max_examples=30, deadline=None)
@given(st.integers(0, 10**9))
def test_plan_is_deterministic_and_inputs_untouched(seed):
    household = random_household(random.Random(seed))
    snapshot = repr(household)
    assert plan_of(household) == plan_of(household)
    assert repr(household) == snapshot


@SETTINGS
@given(households())
def test_no_unflagged_loss_sale_in_a_group_the_plan_buys(household):
    # Every row of a plan is dated the as-of date, so each BUY is within 30 days of each SELL:
    # a SELL with a loss piece in a wash group the plan buys must carry WASH SALE, and a
    # washed loss is never booked as a saving (Est. tax at least the year's tax of the row's
    # gains as if nothing were washed, at most the disallowed loss x the highest rate above it).
    plan = plan_of(household)
    group = {s.ticker: s.group for s in household.securities}
    price = household.price_map()
    basis = {(lot.account, lot.ticker, lot.lot_id): lot.basis_per_share for lot in household.lots}
    bought = {group[t.ticker] for t in plan.trades if t.action == "BUY"}
    highest = tax_profile(household.settings).highest_rate
    for t in plan.trades:
        if t.action != "SELL":
            continue
        loss = t.st_gain < 0 or t.lt_gain < 0 or any(
            price[t.ticker] < basis.get((t.account, t.ticker, lot_id), 0.0) - 1e-9 for lot_id, _ in t.lot_shares)
        if loss and group[t.ticker] in bought:
            assert "WASH SALE" in t.flags, t
        unwashed = estimate_tax(t.st_gain, t.lt_gain, household.settings)   # plan_of: realized (0, 0)
        assert t.est_tax >= unwashed - CENT, t
        assert t.est_tax <= unwashed + t.disallowed * highest + CENT, t
        assert (t.disallowed > 0) <= ("WASH SALE" in t.flags or "WASH RISK" in t.flags), t
    assert plan.disallowed == pytest.approx(sum(t.disallowed for t in plan.trades), abs=CENT)


@SETTINGS
@given(households())
def test_no_buy_of_a_harvestable_group_unless_flagged(household):
    # A wash group with a lot HARVEST_CANDIDATES lists is bought only with BLOCKS HARVEST.
    from xlrebalance.core.harvest import harvest_candidates

    plan = plan_of(household)
    group = {s.ticker: s.group for s in household.securities}
    harvestable = {group[c.ticker] for c in harvest_candidates(household).candidates}
    for t in plan.trades:
        if t.action == "BUY" and group[t.ticker] in harvestable:
            assert "BLOCKS HARVEST" in t.flags, t
