"""keep_open: the plan's view of the harvest list agrees with HARVEST_CANDIDATES itself."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from xlrebalance.core.harvest import harvest_candidates
from xlrebalance.core.keep_open import HarvestGuard, harvest_view, harvestable, plan_purchases
from xlrebalance.core.model import Action
from xlrebalance.core.realized import tax_ledger
from xlrebalance.core.trades import trade_list

from trade_helpers import AS_OF, random_household


def guard_for(household, ledger):
    account = household.account_map()
    group_of = {s.ticker: s.group for s in household.securities}
    positions = {}
    for item in ledger.holdings:
        positions.setdefault((item.account, item.ticker), []).append(item)
    return HarvestGuard(positions, taxable=lambda a: a not in account or not account[a].type.tax_advantaged,
                        prices=household.price_map(), group_of=group_of,
                        replacement_of={s.ticker: s.replacement for s in household.securities},
                        settings=household.settings)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**9), st.integers(1, 6))
def test_guard_finds_exactly_the_lots_harvest_candidates_lists(seed, accounts):
    household = random_household(random.Random(seed), accounts=accounts, lots=80)
    ledger = tax_ledger(household)
    listed = {(c.account, c.ticker, c.lot_id) for c in harvest_candidates(household, ledger).candidates}
    guard = guard_for(household, ledger)
    groups = {s.group for s in household.securities}
    found = {(o.account, o.ticker, o.lot_id) for g in groups for o in guard.opportunities(g)}
    assert found == listed


@pytest.mark.parametrize("loss, basis, expected", [
    (1000.0, 20_000.0, True),      # $1,000 and 5.0% of basis: both thresholds met (edges inside)
    (999.0, 10_000.0, False),      # under $1,000
    (1000.0, 20_001.0, False),     # 4.9998% < 5%
    (0.0, 10_000.0, False),
    (1500.0, 0.0, False),          # no basis: no percentage
])
def test_harvestable_thresholds(loss, basis, expected):
    from xlrebalance.core.model import Settings

    assert harvestable(loss, basis, Settings(as_of=AS_OF)) is expected


@pytest.mark.parametrize("text, view", [(None, "Today"), ("", "Today"), (False, "Today"), ("today", "Today"),
                                        (" PLAN ", "Plan"), (True, "Plan")])
def test_harvest_view_values(text, view):
    assert harvest_view(text) == view


def test_harvest_view_rejects_anything_else():
    with pytest.raises(ValueError, match='"Today".*"Plan".*\'Later\''):
        harvest_view("Later")


def test_plan_purchases_are_the_buy_rows_dated_the_as_of_date():
    household = random_household(random.Random(5))
    plan = trade_list(household)
    bought = plan_purchases(plan.trades, AS_OF)
    assert len(bought) == 5     # this household's plan buys in five places
    assert [(p.account, p.ticker, p.shares) for p in bought] == \
        [(t.account, t.ticker, t.shares) for t in plan.trades if t.action == "BUY"]
    assert all(p.action is Action.BUY and p.date == AS_OF for p in bought)
