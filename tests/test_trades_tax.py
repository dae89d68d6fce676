"""TRADE_LIST prices every estimate with the one year-tax function (``tax.year_tax``):
the rows' Est. tax, the plan's total and the tax-cost guard.  Hand-worked from the 2026
brackets (Rev. Proc. 2025-32: single 0% LT to $49,450, 15% above; ordinary 10% to $12,400).

Household (as test_trades.only_taxable_stocks): Taxable VTI 680 sh ($68,000) from lot T1,
IRA BND 640 sh ($32,000); targets 60/40: stocks above their 55-65% band.
"""
from __future__ import annotations

from xlrebalance.core.model import FilingStatus, TaxableSells
from xlrebalance.core.trades import trade_list

from trade_helpers import account, lot, make

SIXTY_FORTY = {"US Stocks": 0.6, "Bonds": 0.4}


def stocks_in_taxable(basis_per_share, acquired, **settings):
    return make([account("Taxable"), account("IRA", "Traditional")],
                {("Taxable", "VTI"): 680, ("IRA", "BND"): 640}, SIXTY_FORTY,
                lots=[lot("Taxable", "VTI", "T1", acquired, 680, basis_per_share)], **settings)


def test_long_term_gain_row_is_taxed_through_the_brackets():
    # Allowed sells to target: $8,000 = 80 VTI, LT gain 80 x (100 - 60) = $3,200.  Flat rate:
    # 3,200 x 23.8% = $761.60.  With Taxable income $48,000 (single): the gain stacks on
    # 48,000: 49,450 - 48,000 = $1,450 at 0%, the other $1,750 at 15% = $262.50; MAGI 51,200
    # is under the $200,000 NIIT threshold.  The row and the plan say the same.
    plan = trade_list(stocks_in_taxable(60.0, "2019-05-01", taxable_sells=TaxableSells.ALLOWED,
                                        taxable_income=48_000.0, filing_status=FilingStatus.SINGLE),
                      realized=(0.0, 0.0))
    sell = plan.trades[0]
    assert (sell.ticker, sell.shares, sell.lt_gain) == ("VTI", 80, 3200.0)
    assert (sell.est_tax, plan.est_tax) == (262.5, 262.5)


def test_row_tax_is_on_top_of_the_years_realized_gains():
    # Same sale, with $10,000 of LT gains already realized this year: taxable income 48,000 +
    # 10,000 is past the 0% top, so all $3,200 is at 15% = $480.00.
    plan = trade_list(stocks_in_taxable(60.0, "2019-05-01", taxable_sells=TaxableSells.ALLOWED,
                                        taxable_income=48_000.0), realized=(0.0, 10_000.0))
    assert (plan.trades[0].est_tax, plan.est_tax) == (480.0, 480.0)


def test_tax_cost_guard_uses_the_same_function():
    # Stocks $68,000 vs the 65% edge: $3,000 outside.  Allowed sells to target: 80 sh of an ST
    # lot bought at $1: ST gain 80 x 99 = $7,920.
    # Flat rates: 7,920 x 40.8% = $3,231.36 > $3,000 -> HOLD, nothing sold.
    # Taxable income $0 (single): ordinary brackets, 10% on 7,920 = $792 -> sold.
    # Taxable income $200,000: 200,000 to 201,775 at 24% (1,775 -> $426) and 6,145 at 32%
    # ($1,966.40), plus NIIT 3.8% x 7,920 (MAGI 207,920 - 200,000 = 7,920 >= the gain) =
    # $300.96: $2,693.36 < $3,000 -> sold.
    flat = trade_list(stocks_in_taxable(1.0, "2026-06-01", taxable_sells=TaxableSells.ALLOWED), realized=(0.0, 0.0))
    assert flat.trades == ()
    assert (flat.held[0].est_tax, flat.held[0].flags) == (3231.36, ("TAX COST > BENEFIT",))
    low = trade_list(stocks_in_taxable(1.0, "2026-06-01", taxable_sells=TaxableSells.ALLOWED,
                                       taxable_income=0.0), realized=(0.0, 0.0))
    assert (low.trades[0].st_gain, low.trades[0].est_tax, low.est_tax) == (7920.0, 792.0, 792.0)
    high = trade_list(stocks_in_taxable(1.0, "2026-06-01", taxable_sells=TaxableSells.ALLOWED,
                                        taxable_income=200_000.0), realized=(0.0, 0.0))
    assert (high.trades[0].est_tax, high.est_tax) == (2693.36, 2693.36)
