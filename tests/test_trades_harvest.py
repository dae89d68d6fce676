"""The plan and the harvest list agree (issue: "Tax answers a careful CPA would sign").

1. The plan keeps harvest opportunities open: a class is bought through a wash group with no
   lot HARVEST_CANDIDATES would list; only when none has a price is the group bought anyway,
   flagged BLOCKS HARVEST with the lot and the first clear day.
2. A loss sale the plan's own buy washes is never booked as a saving: the SELL row carries
   WASH SALE and the disallowed amount, and the plan's tax counts the loss as disallowed.

Prices (trade_helpers): VTI/ITOT $100 (US Stocks), BND/AGG $50 (Bonds), VXUS $60
(International).  Rates: ST 40.8%, LT 23.8% (the defaults).  As of 2026-11-20.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from xlrebalance.core.harvest import harvest_candidates
from xlrebalance.core.model import AccountType, Price, Security
from xlrebalance.core.trades import trade_list
from xlrebalance.portfolio import Portfolio
from xlrebalance.sample import sample_tables

from trade_helpers import account, brief, lot, make, tx

INTL = {"US Stocks": 0.6, "International": 0.4}


# --- 1. keeping harvests open ------------------------------------------------------------

def test_sample_plan_buys_international_outside_the_harvestable_groups():
    # The sample's harvest list has VEA lot T-VEA-1 and VXUS lot T-VXUS-1 (both $3,200 LT
    # losses in Joint Taxable).  Before: the plan bought 305 VXUS (the Buy ticker) there,
    # which would wash a harvest of T-VXUS-1 until 2026-12-21.  Now VXUS's Replacement IXUS
    # (another wash group, no lot with a loss) is bought with the same dollars: Joint
    # Taxable has $8,000 + $15,000 deposit = $23,000; VNQ takes 25 x $90 = $2,250 as before,
    # leaving $20,750 -> floor(20,750 / 75) = 276 IXUS = $20,700 ($50 left, less than one
    # share of IXUS or VNQ).
    portfolio = Portfolio.from_tables(sample_tables())
    plan = portfolio.trade_plan()
    harvest = portfolio.harvest_candidates()
    assert set(harvest["Ticker"]) == {"VEA", "VXUS"}
    intl = [(t.account, t.ticker, t.shares, t.amount) for t in plan.trades
            if t.action == "BUY" and t.ticker in {"VXUS", "IXUS", "VEA", "IEFA"}]
    assert intl == [("Joint Taxable", "IXUS", 276, 20700.0)]
    buy = next(t for t in plan.trades if t.ticker == "IXUS")
    assert "BLOCKS HARVEST" not in buy.flags
    assert "VXUS is not bought" in buy.reason and "T-VXUS-1" in buy.reason and "2026-12-21" in buy.reason


def test_sample_plan_buys_nothing_the_harvest_list_could_sell():
    portfolio = Portfolio.from_tables(sample_tables())
    plan = portfolio.trade_plan()
    group = {s.ticker: s.group for s in portfolio.household.securities}
    harvestable = {group[t] for t in portfolio.harvest_candidates()["Ticker"]}
    bought = {group[t.ticker] for t in plan.trades if t.action == "BUY"}
    assert not bought & harvestable


def _vxus_loss_household(**changes):
    """Taxable: VTI 600 sh ($60,000), VXUS 500 sh at $60 ($30,000) from lot X1 bought at $70
    (basis $35,000: a $5,000 LT loss, 14.3% >= 5% and >= $1,000: HARVEST_CANDIDATES lists
    it), and $10,000 cash.  Targets 60/40 of $100,000: stocks $60,000 (on target), International
    $40,000 -> the cash all goes to International: floor(10,000 / 60) = 166 sh = $9,960."""
    household = make([account("Taxable", cash=10_000.0)], {("Taxable", "VTI"): 600, ("Taxable", "VXUS"): 500},
                     INTL, lots=[lot("Taxable", "VTI", "V1", "2020-01-02", 600, 80.0),
                                 lot("Taxable", "VXUS", "X1", "2021-03-01", 500, 70.0)])
    return replace(household, **changes)


def test_class_with_no_other_group_is_bought_and_flagged_blocks_harvest():
    # International has only VXUS: it is bought anyway (166 sh, $9,960), flagged, and the
    # reason names the lot and the first day a loss sale of X1 is clear of this buy:
    # 2026-11-20 + 30 days = 2026-12-20 is the last washed day -> 2026-12-21.
    household = _vxus_loss_household()
    assert [c.lot_id for c in harvest_candidates(household).candidates] == ["X1"]
    buy = trade_list(household).trades[0]
    assert (buy.ticker, buy.action, buy.shares, buy.amount) == ("VXUS", "BUY", 166, 9960.0)
    assert buy.flags == ("BLOCKS HARVEST",)
    assert "lot X1" in buy.reason and "$5,000 loss" in buy.reason and "until 2026-12-21" in buy.reason


def test_replacement_of_the_blocked_ticker_is_bought_first():
    # Two other International funds: AAXX (alphabetically first) and IXUS, VXUS's Replacement.
    # VXUS is blocked by lot X1; its Replacement comes right after it: 10,000 / 75 = 133 IXUS
    # ($9,975), not AAXX.
    household = _vxus_loss_household()
    securities = tuple(replace(s, replacement="IXUS") if s.ticker == "VXUS" else s for s in household.securities)
    household = replace(household,
                        securities=securities + (Security("AAXX", "International"), Security("IXUS", "International")),
                        prices=household.prices + (Price("AAXX", 40.0), Price("IXUS", 75.0)))
    buy = trade_list(household).trades[0]
    assert (buy.ticker, buy.shares, buy.amount, buy.flags) == ("IXUS", 133, 9975.0, ())
    assert "VXUS is not bought" in buy.reason and "lot X1" in buy.reason


def test_a_lot_below_the_harvest_thresholds_does_not_block():
    # Harvest min loss $ = 6,000 > the $5,000 loss: X1 is not listed, VXUS is bought unflagged.
    household = _vxus_loss_household()
    household = replace(household, settings=replace(household.settings, harvest_min_loss_usd=6000.0))
    assert harvest_candidates(household).candidates == ()
    buy = trade_list(household).trades[0]
    assert (buy.ticker, buy.flags) == ("VXUS", ())


# --- 2. the plan's own wash sales ---------------------------------------------------------

def _withdrawal_and_ira_buy(itot_price):
    """Taxable: VTI 100 sh ($10,000) from lot T1 at $120 (2019: LT), a $5,000 withdrawal.
    IRA (Traditional): BND 400 sh ($20,000), $10,000 cash.

    Investable $30,000 + $10,000 - $5,000 = $35,000: goals stocks $21,000 (band 55-65% =
    $19,250-22,750), bonds $14,000 ($12,250-15,750).  The withdrawal sells 50 VTI of T1 in
    Taxable: LT loss 50 x (100 - 120) = -$1,000.  Stocks then $5,000 + the IRA's $10,000 =
    $15,000 (below), bonds $20,000 (above): the IRA sells 120 BND ($6,000) and buys $16,000
    of stocks."""
    return make([account("Taxable", flow=-5000.0), account("IRA", "Traditional", cash=10_000.0)],
                {("Taxable", "VTI"): 100, ("IRA", "BND"): 400}, {"US Stocks": 0.6, "Bonds": 0.4},
                lots=[lot("Taxable", "VTI", "T1", "2019-05-01", 100, 120.0)], prices={"ITOT": itot_price})


def test_loss_sale_washed_by_the_plans_own_ira_buy_saves_nothing():
    # ITOT has no price: US Stocks can only be bought as VTI, 160 sh in the IRA, which
    # replaces all 50 loss shares sold in Taxable the same day: the $1,000 loss is disallowed,
    # for good (the replacement is in an IRA, Rev. Rul. 2008-5).  Before: the SELL row
    # "saved" 1,000 x 23.8% = $238 and the plan's netted tax was -1,000 x 40.8% = -$408 (the
    # loss deducted against ordinary income).  Now both are $0: nothing is allowed.
    plan = trade_list(_withdrawal_and_ira_buy(None), realized=(0.0, 0.0))
    assert brief(plan) == [("IRA", "BND", "SELL", 120), ("Taxable", "VTI", "SELL", 50), ("IRA", "VTI", "BUY", 160)]
    sell = plan.trades[1]
    assert (sell.lt_gain, sell.est_tax, plan.est_tax) == (-1000.0, 0.0, 0.0)
    assert (sell.disallowed, sell.permanent) == (1000.0, 1000.0)
    assert "WASH SALE" in sell.flags
    assert "$1,000 loss on 50 sh is disallowed" in sell.reason and "lost for good" in sell.reason
    assert "saves no tax" in sell.reason
    assert (plan.est_tax, plan.disallowed, plan.permanent) == (0.0, 1000.0, 1000.0)
    assert any("$1,000 of this plan's losses are disallowed" in n for n in plan.notes)
    # the buy says it too; and it blocks a harvest of T1's other 50 sh (a loss as well)
    assert plan.trades[2].flags == ("WASH RISK", "BLOCKS HARVEST")


def test_with_another_group_to_buy_the_loss_is_kept():
    # ITOT ($100) is in another wash group: the IRA buys 160 ITOT and the loss stands.  No
    # other gains this year: Schedule D nets to a $1,000 loss, deducted against ordinary
    # income (under the $3,000 limit) at the short-term rate: -1,000 x 40.8% = -$408, on the
    # row and for the plan.
    plan = trade_list(_withdrawal_and_ira_buy(100.0), realized=(0.0, 0.0))
    assert brief(plan)[-1] == ("IRA", "ITOT", "BUY", 160)
    sell = plan.trades[1]
    assert (sell.ticker, sell.est_tax, sell.disallowed, sell.flags) == ("VTI", -408.0, 0.0, ())
    assert (plan.est_tax, plan.disallowed) == (-408.0, 0.0)


def test_loss_partly_washed_by_a_reinvestment_counts_only_the_allowed_part():
    # Taxable VTI 680 sh: T1 600 sh at $60, T2 80 sh at $120 (2026-01-05: ST).  Stocks
    # $68,000 vs 55-65%: sell $3,000 = 30 sh of T2 first (MinTax: ST loss), loss
    # 30 x -20 = -$600.  One VTI share was reinvested in the IRA on 2026-11-10: it replaces one
    # share sold, so $20 is disallowed (for good: IRA).  Est. tax = (-600 + 20) x 40.8% =
    # -$236.64 (before: -600 x 40.8% = -$244.80).
    lots = [lot("Taxable", "VTI", "T1", "2019-05-01", 600, 60.0), lot("Taxable", "VTI", "T2", "2026-01-05", 80, 120.0)]
    household = make([account("Taxable"), account("IRA", "Traditional")],
                     {("Taxable", "VTI"): 680, ("IRA", "BND"): 640}, {"US Stocks": 0.6, "Bonds": 0.4}, lots=lots,
                     transactions=[tx("2026-11-10", "IRA", "VTI", "Reinvest", 1, 100.0)])
    sell = trade_list(household, realized=(0.0, 0.0)).trades[0]
    assert (sell.lots, sell.st_gain, sell.est_tax) == ("T2 (30 sh)", -600.0, -236.64)
    assert sell.disallowed == 20.0
    assert sell.flags == ("WASH RISK",)
    assert "$20 loss on 1 sh is disallowed" in sell.reason


# --- 3. the harvest list in the plan view -------------------------------------------------

D = date(2026, 11, 20)
VXUS_TABLES = {
    "Settings": [["Setting", "Value"], ["As of date", D]],
    "Accounts": [["Account", "Type", "Cash"], ["Taxable", "Taxable", 10_000.0]],
    "Targets": [["Asset class", "Target"], ["US Stocks", 0.6], ["International", 0.4]],
    "Securities": [["Ticker", "Asset class"], ["VTI", "US Stocks"], ["VXUS", "International"]],
    "Holdings": [["Account", "Ticker", "Shares"], ["Taxable", "VTI", 600.0], ["Taxable", "VXUS", 500.0]],
    "Lots": [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"],
             ["Taxable", "VTI", "V1", date(2020, 1, 2), 600.0, 48_000.0],
             ["Taxable", "VXUS", "X1", date(2021, 3, 1), 500.0, 35_000.0]],
    "Transactions": [["Date", "Account", "Ticker", "Action", "Shares", "Price"]],
    "Prices": [["Ticker", "Price"], ["VTI", 100.0], ["VXUS", 60.0]],
}


def test_plan_view_counts_the_plans_buys_as_replacements():
    # As _vxus_loss_household: today X1 ($5,000 LT loss) is CLEAR; the plan buys 166 VXUS in
    # Taxable today (flagged BLOCKS HARVEST), so in the plan view a sale of X1 is washed until
    # 2026-11-20 + 31 days = 2026-12-21 (a taxable replacement: BLOCKED, the loss deferred).
    portfolio = Portfolio.from_tables(VXUS_TABLES)
    today = portfolio.harvest_candidates()
    plan = portfolio.harvest_candidates(view="Plan")
    assert list(today["Wash status"]) == ["CLEAR"]
    assert list(plan["Wash status"]) == ["BLOCKED until 2026-12-21"]
    assert list(plan["Loss"]) == list(today["Loss"]) == [5000.0]
    assert portfolio.harvest_candidates(view="today").equals(today)


def test_excel_function_takes_the_view_option():
    from xlrebalance.excel import udfs

    args = [VXUS_TABLES.get(name) for name in
            ("Holdings", "Lots", "Accounts", "Targets", "Securities", "Prices", "Transactions", "Settings")]
    today = udfs.HARVEST_CANDIDATES(*args)
    plan = udfs.HARVEST_CANDIDATES(*args, "Plan")
    status = today[0].index("Wash status")
    assert (today[1][status], plan[1][status]) == ("CLEAR", "BLOCKED until 2026-12-21")
    assert udfs.HARVEST_CANDIDATES(*args, None) == today
    wrong = udfs.HARVEST_CANDIDATES(*args, "Tomorrow")
    assert len(wrong) == 1 and 'view must be "Today"' in wrong[0][0] and "'Tomorrow'" in wrong[0][0]


def test_a_gain_lot_is_sold_instead_of_a_loss_lot_the_plans_buy_would_wash():
    # As _withdrawal_and_ira_buy (ITOT unpriced: the IRA must buy VTI), but Taxable also holds
    # lot T0, 100 sh bought at $95 in 2019 (LT gain $5/sh).  First pass (MinTax: losses first):
    # 50 sh of T1, a $1,000 loss the IRA's VTI buy washes for good: cost $0 tax + 1,000 x 40.8%
    # (the highest rate) = $408.  Second pass, T1's loss sold last: 50 sh of T0, LT gain
    # 50 x 5 = $250, tax 250 x 23.8% = $59.50 < $408: kept, no wash sale.
    household = _withdrawal_and_ira_buy(None)
    household = replace(household, holdings=tuple(replace(h, shares=200) if h.ticker == "VTI" else h
                                                  for h in household.holdings),
                        lots=household.lots + (lot("Taxable", "VTI", "T0", "2019-01-02", 100, 95.0),))
    plan = trade_list(household, realized=(0.0, 0.0))
    sell = next(t for t in plan.trades if t.account == "Taxable")
    assert (sell.lots, sell.lt_gain, sell.est_tax, sell.flags) == ("T0 (50 sh)", 250.0, 59.5, ())
    assert (plan.est_tax, plan.disallowed) == (59.5, 0.0)


def test_a_large_gain_is_not_realized_to_avoid_deferring_a_small_loss():
    # Same, but the account named IRA is a taxable one: a VTI buy there only defers T1's loss
    # into the new lot's basis (nothing lost for good).  The Taxable rows: first pass, 50 sh
    # of T1, $0 tax (the $1,000 loss is deferred, no saving); second pass, 50 sh of T0 (bought
    # at $95), a $250 gain, $59.50 of tax.  The rest of the plan is the same in both, so the
    # first plan is cheaper and stands, its SELL flagged WASH SALE.
    household = _withdrawal_and_ira_buy(None)
    household = replace(household,
                        accounts=tuple(replace(a, type=AccountType.TAXABLE) for a in household.accounts),
                        holdings=tuple(replace(h, shares=200) if h.ticker == "VTI" else h for h in household.holdings),
                        lots=household.lots + (lot("Taxable", "VTI", "T0", "2019-01-02", 100, 95.0),))
    plan = trade_list(household, realized=(0.0, 0.0))
    sell = next(t for t in plan.trades if t.account == "Taxable" and t.action == "SELL")
    assert (sell.lots, sell.est_tax, sell.disallowed, sell.permanent) == ("T1 (50 sh)", 0.0, 1000.0, 0.0)
    assert "WASH SALE" in sell.flags and "deferred into the replacement's basis" in sell.reason
