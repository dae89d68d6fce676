"""TRADE_LIST scenarios with hand-checked numbers (the arithmetic is in the comments).

Prices: VTI/ITOT $100 (US Stocks), BND/AGG $50 (Bonds), VXUS $60, EMP $40.
Targets 60/40 unless said: bands by the 5/25 rule -> stocks 55-65%, bonds 35-45%.
Tax rates: ST 40.8%, LT 23.8% (the defaults).
"""
from __future__ import annotations

import pytest

from xlrebalance.core.model import LotMethod, RebalanceTo, TaxableSells
from xlrebalance.core.trades import trade_list

from trade_helpers import account, brief, lot, make, tx

SIXTY_FORTY = {"US Stocks": 0.6, "Bonds": 0.4}


def drifted_68_32(**settings):
    """$100,000: Taxable VTI 340 sh ($34,000); IRA VTI 340 sh ($34,000) + BND 640 sh ($32,000).
    Stocks 68% (above 55-65%), bonds 32% (below 35-45%)."""
    return make(
        [account("Taxable"), account("IRA", "Traditional")],
        {("Taxable", "VTI"): 340, ("IRA", "VTI"): 340, ("IRA", "BND"): 640},
        SIXTY_FORTY,
        lots=[lot("Taxable", "VTI", "T1", "2019-05-01", 340, 40.0)],
        **settings,
    )


def test_68_32_all_selling_happens_in_the_ira():
    # To target: stocks 68,000 -> 60,000: sell $8,000 = 80 VTI; bonds 32,000 -> 40,000: buy 160 BND.
    plan = trade_list(drifted_68_32())
    assert brief(plan) == [("IRA", "VTI", "SELL", 80), ("IRA", "BND", "BUY", 160)]
    sell = plan.trades[0]
    assert (sell.amount, sell.est_tax, sell.lots) == (8000.0, 0.0, "")
    assert sell.reason == ("Sell 80 sh of VTI in the IRA: US Stocks: 68% of the household, above the 55\u201365% "
                           "band; selling in the IRA (Traditional) costs no tax.")
    assert plan.trades[1].amount == 8000.0
    assert plan.held == () and plan.cash_left["IRA"] == 0.0


@pytest.mark.parametrize("rebalance_to, sold", [
    (RebalanceTo.TARGET, 80),       # 68% -> 60%: $8,000
    (RebalanceTo.BAND_EDGE, 30),    # 68% -> 65%: $3,000
    (RebalanceTo.HALFWAY, 55),      # 68% -> 62.5% (edge of a band half as wide): $5,500
])
def test_rebalance_to(rebalance_to, sold):
    plan = trade_list(drifted_68_32(rebalance_to=rebalance_to))
    # bonds bought with exactly the proceeds: $100 x sold / $50
    assert brief(plan) == [("IRA", "VTI", "SELL", sold), ("IRA", "BND", "BUY", sold * 2)]


def test_a_deposit_alone_fixes_a_small_breach():
    # $100,000: stocks 66% (above 65%), bonds 34% (below 35%).  Deposit $5,000 in Taxable.
    # After: total 105,000; goals stocks 63,000 (gap -3,000), bonds 42,000 (gap +8,000).
    # Water-filling puts all 5,000 into bonds: 39,000 / 105,000 = 37.1%, stocks 62.9%: in band.
    household = make(
        [account("Taxable", flow=5000), account("IRA", "Traditional")],
        {("Taxable", "VTI"): 660, ("IRA", "BND"): 680},
        SIXTY_FORTY,
        lots=[lot("Taxable", "VTI", "T1", "2019-05-01", 660, 40.0)],
    )
    plan = trade_list(household)
    assert brief(plan) == [("Taxable", "BND", "BUY", 100)]
    assert plan.trades[0].reason.startswith("Buy 100 sh of BND in Taxable with the cash available: Bonds: 34%")


def test_a_withdrawal_is_raised_from_the_over_weight_class():
    # $100,000: Taxable VTI 620 ($62,000) + BND 190 ($9,500); IRA BND 570 ($28,500).
    # Withdraw $5,000 from Taxable: total 95,000 -> goals stocks 57,000, bonds 38,000.
    # Excess: stocks 62,000 - 57,000 = 5,000; bonds 38,000 - 38,000 = 0 -> sell $5,000 of VTI.
    # MinTax takes the ST-loss lot T2 first: 50 x (100 - 110) = -$500 ST, tax -500 x 0.408 = -$204.
    household = make(
        [account("Taxable", flow=-5000), account("IRA", "Traditional")],
        {("Taxable", "VTI"): 620, ("Taxable", "BND"): 190, ("IRA", "BND"): 570},
        SIXTY_FORTY,
        lots=[lot("Taxable", "VTI", "T1", "2019-05-01", 300, 60.0),
              lot("Taxable", "VTI", "T2", "2026-01-15", 320, 110.0),
              lot("Taxable", "BND", "B1", "2019-05-01", 190, 50.0)],
    )
    plan = trade_list(household)
    assert brief(plan) == [("Taxable", "VTI", "SELL", 50)]
    sell = plan.trades[0]
    assert (sell.lots, sell.st_gain, sell.lt_gain, sell.est_tax) == ("T2 (50 sh)", -500.0, 0.0, -204.0)
    assert "to raise the $5,000 withdrawal" in sell.reason
    assert plan.cash_left["Taxable"] == 0.0
    assert any("withdrawal from Taxable is pending" in n for n in plan.notes)


def only_taxable_stocks(lots, **settings):
    """Taxable VTI 680 sh ($68,000), IRA BND 640 sh ($32,000): the IRA holds no stocks."""
    return make([account("Taxable"), account("IRA", "Traditional")],
                {("Taxable", "VTI"): 680, ("IRA", "BND"): 640}, SIXTY_FORTY, lots=lots, **settings)


OLD_LOT = [lot("Taxable", "VTI", "T1", "2019-05-01", 680, 60.0)]  # LT gain $40/sh


def test_taxable_last_resort_sells_only_down_to_the_band_edge():
    # Stocks 68,000 vs band top 65,000: sell $3,000 = 30 VTI, LT gain 30 x 40 = 1,200,
    # tax 1,200 x 0.238 = 285.60 (< $3,000 outside the band).  Proceeds buy 60 BND in Taxable.
    plan = trade_list(only_taxable_stocks(OLD_LOT))
    assert brief(plan) == [("Taxable", "VTI", "SELL", 30), ("Taxable", "BND", "BUY", 60)]
    sell = plan.trades[0]
    assert (sell.lots, sell.lt_gain, sell.est_tax) == ("T1 (30 sh)", 1200.0, 285.6)
    assert "costs about $286 in tax" in sell.reason


def test_taxable_allowed_sells_to_target():
    # Sell $8,000 = 80 VTI: LT gain 3,200, tax 761.60 (< $3,000 outside the band? no: the test
    # compares with the dollars outside the band: 761.60 < 3,000 -> allowed).
    plan = trade_list(only_taxable_stocks(OLD_LOT, taxable_sells=TaxableSells.ALLOWED))
    assert brief(plan) == [("Taxable", "VTI", "SELL", 80), ("Taxable", "BND", "BUY", 160)]
    assert plan.trades[0].est_tax == 761.6


def test_tax_cost_above_benefit_holds_the_sale():
    # Stocks 66% ($66,000 of $100,000; IRA BND 680 = $34,000): $1,000 above the 65% edge.
    # Allowed sells to target: $6,000 = 60 sh of an ST lot bought at $10:
    # gain 60 x 90 = 5,400 ST, tax 2,203.20 > 1,000 -> HOLD, nothing traded.
    household = make([account("Taxable"), account("IRA", "Traditional")],
                     {("Taxable", "VTI"): 660, ("IRA", "BND"): 680}, SIXTY_FORTY,
                     lots=[lot("Taxable", "VTI", "T1", "2026-06-01", 660, 10.0)],
                     taxable_sells=TaxableSells.ALLOWED)
    plan = trade_list(household)
    assert plan.trades == ()
    (held,) = plan.held
    assert (held.action, held.shares, held.est_tax, held.flags) == ("HOLD", 60, 2203.2, ("TAX COST > BENEFIT",))
    assert "more than the $1,000 by which the household is outside its bands" in held.reason


def test_taxable_never_leaves_the_drift_and_says_why():
    plan = trade_list(only_taxable_stocks(OLD_LOT, taxable_sells=TaxableSells.NEVER))
    assert plan.trades == ()
    assert any("Taxable sells is set to Never" in n for n in plan.notes)


def test_losses_only_sells_just_the_loss_lots():
    # Loss lot T2: 10 sh at $120; gain lot T1: 670 sh at $60.  Losses only: sell 10 sh (-$200 ST).
    lots = [lot("Taxable", "VTI", "T1", "2019-05-01", 670, 60.0), lot("Taxable", "VTI", "T2", "2026-03-02", 10, 120.0)]
    plan = trade_list(only_taxable_stocks(lots, taxable_sells=TaxableSells.LOSSES_ONLY, minimum_trade=0))
    assert brief(plan)[0] == ("Taxable", "VTI", "SELL", 10)
    assert plan.trades[0].st_gain == -200.0
    assert any("Losses only" in n for n in plan.notes)


def test_gain_budget_limits_taxable_gains():
    # Allowed, to target: wants 80 sh at LT gain $40/sh = $3,200.  Budget $500 with $100 already
    # realized this year: room 400 -> 400 / 40 = 10 sh.
    plan = trade_list(only_taxable_stocks(OLD_LOT, taxable_sells=TaxableSells.ALLOWED, gain_budget=500.0),
                      realized=(100.0, 0.0))
    assert brief(plan)[0] == ("Taxable", "VTI", "SELL", 10)
    assert plan.trades[0].flags == ("GAIN BUDGET",)
    assert any("gain budget for the year is used up" in n for n in plan.notes)


def test_lot_method_setting_is_used():
    # HIFO picks T2 (basis $90) before T1 ($60): 30 sh -> gain 30 x 10 = 300 ST at 40.8% = 122.40.
    lots = [lot("Taxable", "VTI", "T1", "2019-05-01", 600, 60.0), lot("Taxable", "VTI", "T2", "2026-02-02", 80, 90.0)]
    plan = trade_list(only_taxable_stocks(lots, lot_method=LotMethod.HIFO))
    assert (plan.trades[0].lots, plan.trades[0].est_tax) == ("T2 (30 sh)", 122.4)


def test_loss_lot_washed_by_a_recent_purchase_is_avoided():
    # T2 (80 sh) is at a loss, but 80 sh of VTI were bought in the IRA on 2026-11-10 (10 days
    # ago): its whole loss would be washed, so the gain lot T1 is sold instead.
    lots = [lot("Taxable", "VTI", "T1", "2019-05-01", 600, 60.0), lot("Taxable", "VTI", "T2", "2026-01-05", 80, 120.0)]
    household = only_taxable_stocks(lots, transactions=[tx("2026-11-10", "IRA", "VTI", "Buy", 80, 100.0)])
    plan = trade_list(household)
    assert plan.trades[0].lots == "T1 (30 sh)"
    assert "WASH RISK" not in plan.trades[0].flags


def test_loss_lot_partly_washed_is_sold_and_flagged():
    # Only 1 share was reinvested: at most 1 share's loss is disallowed, so T2 keeps its MinTax
    # place (ST loss first): 30 sh, loss 30 x -20 = -600, flagged WASH RISK.
    lots = [lot("Taxable", "VTI", "T1", "2019-05-01", 600, 60.0), lot("Taxable", "VTI", "T2", "2026-01-05", 80, 120.0)]
    household = only_taxable_stocks(lots, transactions=[tx("2026-11-10", "IRA", "VTI", "Reinvest", 1, 100.0)])
    sell = trade_list(household).trades[0]
    assert (sell.lots, sell.st_gain, sell.flags) == ("T2 (30 sh)", -600.0, ("WASH RISK",))


def test_only_washed_loss_lots_left_is_flagged():
    lots = [lot("Taxable", "VTI", "T2", "2026-01-05", 680, 120.0)]
    household = only_taxable_stocks(lots, transactions=[tx("2026-12-01", "IRA", "VTI", "Buy", 5, 100.0)])
    sell = trade_list(household).trades[0]
    assert sell.flags == ("WASH RISK",)
    assert "Wash risk: the loss on up to 5 sh of lot T2 would be disallowed" in sell.reason
    assert "VTI bought in IRA on 2026-12-01" in sell.reason


def test_no_buy_of_a_group_sold_at_a_loss_in_the_window():
    # BND was sold at a loss on 2026-11-05: the bond buy goes to AGG (another wash group).
    household = make([account("IRA", "Traditional")], {("IRA", "VTI"): 680, ("IRA", "BND"): 640}, SIXTY_FORTY,
                     transactions=[tx("2026-11-05", "Taxable", "BND", "Sell", 10, 50.0, cost_basis=600.0)])
    assert brief(trade_list(household)) == [("IRA", "VTI", "SELL", 80), ("IRA", "AGG", "BUY", 160)]


def test_buy_of_a_washed_group_with_no_alternative_is_flagged():
    household = make([account("IRA", "Traditional")], {("IRA", "VTI"): 680, ("IRA", "BND"): 640}, SIXTY_FORTY,
                     prices={"AGG": None},
                     transactions=[tx("2026-11-05", "Taxable", "BND", "Sell", 10, 50.0, cost_basis=600.0)])
    buy = trade_list(household).trades[1]
    assert (buy.ticker, buy.flags) == ("BND", ("WASH RISK",))
    assert "sold at a loss on 2026-11-05" in buy.reason


def test_non_tradable_class_is_never_traded():
    # EMP (employer stock, non-tradable) $20,000; VTI $56,000; BND $24,000 -> total $100,000.
    # Tradable targets 48/32 of 80% rescale to fill the 80% left: stocks 48/80 x 80,000 = 48,000,
    # bonds 32,000.  Stocks 56% vs 48% +- 5: above 53% -> sell $8,000 = 80 VTI; buy 160 BND.
    household = make([account("IRA", "Traditional")],
                     {("IRA", "VTI"): 560, ("IRA", "BND"): 480, ("IRA", "EMP"): 500},
                     {"US Stocks": 0.48, "Bonds": 0.32, "Employer Stock": 0.20},
                     tradable={"Employer Stock": False})
    plan = trade_list(household)
    assert brief(plan) == [("IRA", "VTI", "SELL", 80), ("IRA", "BND", "BUY", 160)]
    assert all(t.ticker != "EMP" for t in plan.trades)


def test_cash_reserve_is_kept_and_only_the_rest_invested():
    # IRA cash $1,000, reserve $500: $500 to invest -> 10 BND (bonds under-weight).
    household = make([account("IRA", "Traditional", cash=1000)], {("IRA", "VTI"): 600, ("IRA", "BND"): 780},
                     SIXTY_FORTY, cash_reserve=500.0)
    plan = trade_list(household)
    assert brief(plan) == [("IRA", "BND", "BUY", 10)]
    assert plan.cash_left == {"IRA": 0.0}


def test_below_minimum_is_a_hold_row():
    # $250 to invest, minimum trade $500: the 5 BND buy is held, not dropped silently.
    household = make([account("IRA", "Traditional", cash=250)], {("IRA", "VTI"): 600, ("IRA", "BND"): 780},
                     SIXTY_FORTY, minimum_trade=500.0)
    plan = trade_list(household)
    assert plan.trades == ()
    (held,) = plan.held
    assert (held.ticker, held.shares, held.flags) == ("BND", 5, ("BELOW MINIMUM",))
    assert "below the $500 minimum trade" in held.reason


def test_fractional_shares_when_whole_shares_is_off():
    household = make([account("IRA", "Traditional", cash=125)], {("IRA", "VTI"): 600, ("IRA", "BND"): 780},
                     SIXTY_FORTY, whole_shares=False, minimum_trade=0.0)
    assert brief(trade_list(household)) == [("IRA", "BND", "BUY", 2.5)]


def test_rounding_residual_is_noted():
    # $130 to invest: 2 BND ($100), $30 left.
    household = make([account("IRA", "Traditional", cash=130)], {("IRA", "VTI"): 600, ("IRA", "BND"): 780},
                     SIXTY_FORTY, minimum_trade=0.0)
    plan = trade_list(household)
    assert brief(plan) == [("IRA", "BND", "BUY", 2)]
    assert plan.cash_left["IRA"] == 30.0
    assert any("leave cash uninvested: $30 in IRA" in n for n in plan.notes)


def test_unknown_basis_is_sold_with_a_flag_and_taxed_as_all_gain():
    # No lots for Taxable VTI: 30 sh sold, basis taken as $0 short-term: 3,000 x 0.408 = 1,224.
    plan = trade_list(only_taxable_stocks([]))
    sell = plan.trades[0]
    assert (sell.shares, sell.flags, sell.st_gain, sell.est_tax) == (30, ("UNKNOWN BASIS",), 3000.0, 1224.0)


def test_location_places_bonds_in_the_ira_and_stocks_in_taxable():
    # Both accounts have $5,000 cash; both classes are $5,000 under their goal (total 120,000:
    # stocks 72,000 vs 67,000; bonds 48,000 vs 43,000): bonds go to the IRA, stocks to Taxable.
    household = make([account("Taxable", cash=5000), account("IRA", "Traditional", cash=5000)],
                     {("Taxable", "VTI"): 670, ("IRA", "BND"): 860}, SIXTY_FORTY)
    assert sorted(brief(trade_list(household))) == [("IRA", "BND", "BUY", 100), ("Taxable", "VTI", "BUY", 50)]


def test_an_account_never_buys_and_sells_the_same_group():
    plan = trade_list(drifted_68_32())
    for acct in {t.account for t in plan.trades}:
        sold = {t.ticker for t in plan.trades if t.account == acct and t.action == "SELL"}
        bought = {t.ticker for t in plan.trades if t.account == acct and t.action == "BUY"}
        assert not sold & bought


def test_in_band_household_makes_no_trades():
    household = make([account("IRA", "Traditional")], {("IRA", "VTI"): 620, ("IRA", "BND"): 760}, SIXTY_FORTY)
    plan = trade_list(household)
    assert plan.trades == () and plan.held == ()


def test_rows_follow_the_registry_columns():
    from xlrebalance.spec import layout

    plan = trade_list(drifted_68_32())
    columns = layout().function("TRADE_LIST").columns
    assert all(len(t.row()) == len(columns) for t in plan.rows())
    assert columns[2] == "Action" and plan.rows()[0].row()[2] == "SELL"


def test_the_trade_engine_is_pure():
    # core/ imports no Excel, file, network or table-parsing code (STYLE.md rule 1).
    import subprocess
    import sys

    code = ("import sys, xlrebalance.core.trades, xlrebalance.core.lots; "
            "print([m for m in ('xlwings', 'openpyxl', 'xlsxwriter', 'yfinance', 'pandas', 'xlrebalance.cli', "
            "'xlrebalance.tables', 'xlrebalance.spec') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_portfolio_trade_list_on_the_sample_household():
    from xlrebalance.portfolio import Portfolio
    from xlrebalance.sample import sample_tables
    from xlrebalance.spec import layout

    frame = Portfolio.from_tables(sample_tables()).trade_list()
    assert list(frame.columns) == list(layout().function("TRADE_LIST").columns)
    assert set(frame["Action"]) <= {"BUY", "SELL", "HOLD", "NOTE"}
    assert (frame["Action"] == "SELL").any() and (frame["Action"] == "BUY").any()
    assert frame["Reason"].map(bool).all()
