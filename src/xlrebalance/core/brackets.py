"""Federal rate schedules for the bracket estimate: ordinary brackets, the 0/15/20% long-term
capital gain brackets, the net loss deduction limit and the NIIT thresholds, by filing status.

Sources (each number below is from one of them):

- Ordinary brackets and long-term capital gain thresholds for tax year 2026:
  Rev. Proc. 2025-32, section 4.01 (Tables 1-4, as amended by Pub. L. 119-21) and section
  4.03 (maximum zero rate amount / maximum 15-percent rate amount); IRS news release
  IR-2025-103 (Oct. 9, 2025) repeats them.
- Net capital loss deduction: IRC 1211(b) ($3,000; $1,500 married filing separately).
- Net investment income tax: IRC 1411(a)(1) and (b): 3.8% of the smaller of net investment
  income and modified AGI above $250,000 (joint), $125,000 (separately), $200,000 (others);
  the thresholds are not indexed for inflation.

The 2026 schedules are used for every tax year (a later year's Rev. Proc. replaces them here).
Amounts in $ of taxable income; rates as fractions.
"""
from __future__ import annotations

from math import inf

from .model import FilingStatus

SINGLE, JOINT = FilingStatus.SINGLE, FilingStatus.JOINT
SEPARATE, HEAD = FilingStatus.SEPARATE, FilingStatus.HEAD_OF_HOUSEHOLD

RATES = (0.10, 0.12, 0.22, 0.24, 0.32, 0.35, 0.37)

#: Top of each ordinary bracket (taxable income), in the order of ``RATES``: Rev. Proc. 2025-32
#: sec. 4.01, Table 1 (joint), Table 2 (head of household), Table 3 (single), Table 4 (separately).
ORDINARY_TOPS = {
    JOINT: (24_800, 100_800, 211_400, 403_550, 512_450, 768_700, inf),
    HEAD: (17_700, 67_450, 105_700, 201_750, 256_200, 640_600, inf),
    SINGLE: (12_400, 50_400, 105_700, 201_775, 256_225, 640_600, inf),
    SEPARATE: (12_400, 50_400, 105_700, 201_775, 256_225, 384_350, inf),
}

#: Long-term capital gain rates and the top of the 0% and 15% brackets (taxable income):
#: Rev. Proc. 2025-32 sec. 4.03 (IRC 1(h)(1)(B) "maximum zero rate amount" and
#: 1(h)(1)(C) "maximum 15-percent rate amount").
LONG_TERM_RATES = (0.0, 0.15, 0.20)
LONG_TERM_TOPS = {
    JOINT: (98_900, 613_700, inf),
    HEAD: (66_200, 579_600, inf),
    SINGLE: (49_450, 545_500, inf),
    SEPARATE: (49_450, 306_850, inf),
}

#: IRC 1211(b): net capital loss deductible against ordinary income per year.
LOSS_LIMITS = {JOINT: 3000.0, HEAD: 3000.0, SINGLE: 3000.0, SEPARATE: 1500.0}

#: IRC 1411: rate and modified-AGI thresholds.
NIIT_RATE = 0.038
NIIT_THRESHOLDS = {JOINT: 250_000.0, HEAD: 200_000.0, SINGLE: 200_000.0, SEPARATE: 125_000.0}


def schedule_tax(income: float, tops: tuple, rates: tuple) -> float:
    """Tax ($) on ``income`` through a schedule (``tops`` of each bracket, ``rates``)."""
    tax, floor = 0.0, 0.0
    for top, rate in zip(tops, rates):
        if income <= floor:
            break
        tax += (min(income, top) - floor) * rate
        floor = top
    return tax


def ordinary_tax(income: float, status: FilingStatus) -> float:
    """Regular tax ($) on ordinary taxable income (the Tax Rate Schedules)."""
    return schedule_tax(max(income, 0.0), ORDINARY_TOPS[status], RATES)


def long_term_tax(ordinary: float, gain: float, status: FilingStatus) -> float:
    """Tax ($) on a net capital gain ``gain`` stacked on top of ``ordinary`` taxable income
    (the Qualified Dividends and Capital Gain Tax Worksheet: 0/15/20% by where it lands)."""
    tops = LONG_TERM_TOPS[status]
    start = max(ordinary, 0.0)
    return (schedule_tax(start + gain, tops, LONG_TERM_RATES)
            - schedule_tax(start, tops, LONG_TERM_RATES))


def niit(net_investment_income: float, magi: float, status: FilingStatus) -> float:
    """Net investment income tax ($), IRC 1411(a)(1)."""
    excess = magi - NIIT_THRESHOLDS[status]
    return NIIT_RATE * max(0.0, min(net_investment_income, excess))


def zero_rate_top(status: FilingStatus) -> float:
    """Taxable income up to which long-term gains are taxed at 0%."""
    return LONG_TERM_TOPS[status][0]


def highest_marginal_rate(status: FilingStatus) -> float:
    """The most tax one more $ of capital gain (or one less of loss) can cost.

    Above the top ordinary rate when ordinary income pushes stacked long-term gains into the
    next LT bracket: d(tax)/d(ordinary) = ordinary rate + LT rate at the top of the stack -
    LT rate where ordinary income ends; the worst bracket for each status, plus NIIT.
    """
    ordinary_tops, lt_tops = ORDINARY_TOPS[status], LONG_TERM_TOPS[status]
    worst, floor = 0.0, 0.0
    for top, rate in zip(ordinary_tops, RATES):
        lt_at_floor = LONG_TERM_RATES[next(n for n, t in enumerate(lt_tops) if floor < t)]
        worst = max(worst, rate + LONG_TERM_RATES[-1] - lt_at_floor)
        floor = top
    return worst + NIIT_RATE
