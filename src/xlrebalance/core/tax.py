"""The year's capital gain tax: Schedule D netting, the loss deduction, carry-forward, brackets.

ONE function prices every estimate: ``year_tax(st, lt, profile)`` is the tax ($) the year's
short-term ``st`` and long-term ``lt`` gains (losses negative) add to the return; harvest
savings, the plan's tax, the realized totals and the trade rows are differences of it
(``estimate_tax``).  ``TaxProfile`` (``tax_profile(settings)``) holds what it needs from
Settings.  Not tax advice.

Netting follows Schedule D (RULES.md, "Tax estimate"; IRS Pub 550 ch. 4):

1. last year's carry-forward enters as a short-term / long-term loss (Schedule D lines 6, 14);
2. short-term gains and losses net against each other, long-term likewise;
3. a net loss of one character offsets a net gain of the other;
4. a net capital loss is deductible up to $3,000 ($1,500 married filing separately, IRC
   1211(b)) against ordinary income, short-term losses first, and never more than the
   ordinary taxable income it offsets; the rest carries forward keeping its character
   (Pub 550 Capital Loss Carryover Worksheet).

Rates, two methods:

- ``Taxable income`` blank: the flat ``Short-term rate`` / ``Long-term rate`` (defaults are the
  top brackets plus the 3.8% NIIT: an upper bound); the deduction is valued at the ST rate.
- ``Taxable income`` set: the tax with the gains minus the tax without them, where the
  ordinary income (plus net short-term gain, minus the deduction) is taxed through the
  ordinary brackets and the net capital gain is stacked on top of it through the 0/15/20%
  brackets (Qualified Dividends and Capital Gain Tax Worksheet), plus NIIT on the smaller of
  the net gain and MAGI above the threshold (``brackets.py`` cites every number).  MAGI is
  taken as Taxable income plus the net gain (the deductions between AGI and taxable income
  are not known: enter them in Taxable income for a conservative NIIT).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from . import brackets
from .model import FilingStatus, Settings

#: Net capital loss deductible against ordinary income per year, $ (IRC 1211(b);
#: $1,500 when married filing separately: ``TaxProfile.loss_limit``).
LOSS_DEDUCTION_LIMIT = 3000.0

SHORT_TERM = "ST"
LONG_TERM = "LT"


def round_money(amount: float) -> float:
    """Round a dollar amount to cents: the one rounding step for money in the tax engine."""
    return round(amount + 0.0, 2) + 0.0  # "+ 0.0" turns -0.0 into 0.0


def rate(term: str, settings: Settings) -> float:
    """The flat tax rate (fraction) for a gain of ``term`` ('ST' or 'LT') from Settings."""
    if term == SHORT_TERM:
        return settings.short_term_rate
    if term == LONG_TERM:
        return settings.long_term_rate
    raise ValueError(f"term must be 'ST' or 'LT', not {term!r}")


def tax_on_gain(gain: float, term: str, settings: Settings) -> float:
    """Tax ($) on one gain at its own flat rate, before any netting; negative for a loss."""
    return gain * rate(term, settings)


@dataclass(frozen=True)
class TaxProfile:
    """What the year's tax depends on besides its gains ($; rates as fractions).

    ``taxable_income`` None = the flat rates; otherwise the brackets of ``filing_status``.
    ``st_carryforward`` / ``lt_carryforward``: losses carried in from last year (>= 0).
    """

    short_term_rate: float = 0.408
    long_term_rate: float = 0.238
    filing_status: FilingStatus = FilingStatus.SINGLE
    taxable_income: Optional[float] = None
    st_carryforward: float = 0.0
    lt_carryforward: float = 0.0

    @property
    def brackets_known(self) -> bool:
        return self.taxable_income is not None

    @property
    def loss_limit(self) -> float:
        """Net capital loss deductible this year, $ (IRC 1211(b))."""
        return brackets.LOSS_LIMITS[self.filing_status]

    @property
    def highest_rate(self) -> float:
        """The most tax ($ per $) one more $ of gain can cost: the bound of every saving."""
        if not self.brackets_known:
            return max(self.short_term_rate, self.long_term_rate, 0.0)
        return brackets.highest_marginal_rate(self.filing_status)


@lru_cache(maxsize=64)
def tax_profile(settings: Settings) -> TaxProfile:
    """The ``TaxProfile`` of ``settings`` (Short-/Long-term rate, Filing status, Taxable
    income, ST/LT loss carryforward)."""
    return TaxProfile(
        short_term_rate=settings.short_term_rate, long_term_rate=settings.long_term_rate,
        filing_status=settings.filing_status, taxable_income=settings.taxable_income,
        st_carryforward=settings.st_loss_carryforward, lt_carryforward=settings.lt_loss_carryforward,
    )


def _profile(settings_or_profile) -> TaxProfile:
    return settings_or_profile if isinstance(settings_or_profile, TaxProfile) else tax_profile(settings_or_profile)


@dataclass(frozen=True)
class YearNet:
    """A year's capital gains after Schedule D netting.  All amounts in $.

    ``st`` / ``lt``: net short-/long-term gain of each character, carry-forward included.
    ``taxable_st`` / ``taxable_lt``: what is taxed at each rate after cross-netting (>= 0).
    ``deductible_loss``: net capital loss deducted against ordinary income this year (>= 0).
    ``carry_forward_st`` / ``carry_forward_lt``: loss left for next year, by character (>= 0).
    """

    st: float
    lt: float
    taxable_st: float
    taxable_lt: float
    deductible_loss: float
    carry_forward_st: float
    carry_forward_lt: float

    @property
    def net(self) -> float:
        """Net capital gain (+) or loss (-) for the year."""
        return self.st + self.lt

    @property
    def carry_forward(self) -> float:
        return self.carry_forward_st + self.carry_forward_lt


def net_gains(st: float, lt: float, *, loss_limit: float = LOSS_DEDUCTION_LIMIT,
              ordinary_income: Optional[float] = None) -> YearNet:
    """Net the year's short-term ``st`` and long-term ``lt`` gains ($, losses negative).

    The deduction is at most ``loss_limit`` and, when ``ordinary_income`` is known, at most
    that income (Capital Loss Carryover Worksheet lines 1-4); the rest carries forward,
    short-term losses deducted first.
    """
    limit = loss_limit if ordinary_income is None else min(loss_limit, max(ordinary_income, 0.0))
    return YearNet(st, lt, *_netted(st, lt, limit))


def _netted(st: float, lt: float, limit: float) -> tuple[float, float, float, float, float]:
    """(taxable ST, taxable LT, deductible loss, carry-forward ST, carry-forward LT), $: the
    arithmetic of ``net_gains`` as a plain tuple (a harvest list prices tens of thousands)."""
    taxable_st = taxable_lt = 0.0
    loss_st = loss_lt = 0.0
    if st >= 0 and lt >= 0:
        taxable_st, taxable_lt = st, lt
    elif st < 0 <= lt:
        remaining = lt + st
        taxable_lt, loss_st = max(remaining, 0.0), max(-remaining, 0.0)
    elif lt < 0 <= st:
        remaining = st + lt
        taxable_st, loss_lt = max(remaining, 0.0), max(-remaining, 0.0)
    else:
        loss_st, loss_lt = -st, -lt
    deductible = min(loss_st + loss_lt, limit)
    from_st = min(loss_st, deductible)
    return taxable_st, taxable_lt, deductible, loss_st - from_st, loss_lt - (deductible - from_st)


def year_net(st: float, lt: float, profile) -> YearNet:
    """Schedule D for the year: this year's ``st`` / ``lt`` gains ($) with the profile's
    carry-forward, its deduction limit and (when known) its taxable income."""
    profile = _profile(profile)
    return net_gains(st - profile.st_carryforward, lt - profile.lt_carryforward,
                     loss_limit=profile.loss_limit, ordinary_income=profile.taxable_income)


def year_tax(st: float, lt: float, profile) -> float:
    """The tax ($) the year's capital gains add to the return: this year's short-term ``st``
    and long-term ``lt`` gains ($, losses negative) netted with the profile's carry-forward.

    Negative when the loss deduction saves ordinary tax.  ``profile`` is a ``TaxProfile`` or
    ``Settings``.  Every estimate is a difference of this function (module docstring).
    """
    return year_tax_and_carry(st, lt, _profile(profile))[0]


def year_tax_and_carry(st: float, lt: float, profile: TaxProfile) -> tuple[float, float]:
    """(``year_tax``, total carry-forward to next year), $, from one netting."""
    income = profile.taxable_income
    limit = profile.loss_limit if income is None else min(profile.loss_limit, max(income, 0.0))
    taxable_st, taxable_lt, deductible, carry_st, carry_lt = _netted(
        st - profile.st_carryforward, lt - profile.lt_carryforward, limit)
    if income is None:
        tax = (taxable_st * profile.short_term_rate + taxable_lt * profile.long_term_rate
               - deductible * profile.short_term_rate)
    else:
        ordinary = income + taxable_st - deductible
        tax = (_bracket_tax(ordinary, taxable_lt, taxable_st + taxable_lt, profile)
               - _bracket_tax(income, 0.0, 0.0, profile))
    return tax, carry_st + carry_lt


def _bracket_tax(ordinary: float, lt_gain: float, investment_income: float, profile: TaxProfile) -> float:
    status = profile.filing_status
    return (brackets.ordinary_tax(ordinary, status) + brackets.long_term_tax(ordinary, lt_gain, status)
            + brackets.niit(investment_income, ordinary + lt_gain, status))


def tax_on_net(st: float, lt: float, settings) -> float:
    """Tax ($) on a year's net gains (``year_tax``); negative when the deduction saves tax."""
    return year_tax(st, lt, settings)


def estimate_tax(
    st_gain: float,
    lt_gain: float,
    settings,
    *,
    realized_st: float = 0.0,
    realized_lt: float = 0.0,
) -> float:
    """Extra tax ($) this year from realizing ``st_gain`` / ``lt_gain`` on top of what the
    year has already realized (``realized_st`` / ``realized_lt``, from REALIZED_GAINS).

    Marginal and netted: a gain absorbed by this year's losses (or the carry-forward) costs
    nothing; a loss saves the tax of the gains it offsets, or the ordinary tax on up to the
    deduction limit.  Negative = saving.  ``settings``: ``Settings`` or ``TaxProfile``.
    """
    profile = _profile(settings)
    before = year_tax(realized_st, realized_lt, profile)
    after = year_tax(realized_st + st_gain, realized_lt + lt_gain, profile)
    return after - before


def harvest_saving(loss: float, term: str, settings, *, realized_st: float = 0.0,
                   realized_lt: float = 0.0) -> float:
    """Tax ($, >= 0) a loss of ``loss`` $ (> 0) of ``term`` saves this year: the year's tax
    without it minus with it.  0 when it only adds to the carry-forward."""
    profile = _profile(settings)
    before = year_tax_and_carry(realized_st, realized_lt, profile)[0]
    st_loss, lt_loss = (loss, 0.0) if term == SHORT_TERM else (0.0, loss)
    after = year_tax_and_carry(realized_st - st_loss, realized_lt - lt_loss, profile)[0]
    return max(0.0, before - after)


def gain_harvest_room(settings, realized_st: float = 0.0, realized_lt: float = 0.0) -> Optional[float]:
    """Room ($) left in the 0% long-term bracket this year: the long-term gain that, added to
    this year's taxable income, is still taxed at 0%.  None when the brackets are not known
    (no ``Taxable income``).

    Taxable income with this year's gains = Taxable income + taxed gains - deductible loss;
    room = the 0% bracket's top (Rev. Proc. 2025-32) minus it, never below 0.  A net capital
    loss this year (and the carry-forward) absorbs a new gain first: that gain is not in
    the room (it costs the deduction's ordinary tax or uses up the carry-forward).
    """
    profile = _profile(settings)
    if not profile.brackets_known:
        return None
    year = year_net(realized_st, realized_lt, profile)
    taxable = profile.taxable_income + year.taxable_st + year.taxable_lt - year.deductible_loss
    return max(brackets.zero_rate_top(profile.filing_status) - taxable, 0.0)


def gain_budget_left(settings: Settings, realized_st: float, realized_lt: float) -> Optional[float]:
    """``Gain budget`` minus the year's net realized gain ($), after last year's
    carry-forward; None when there is no budget.

    Net losses this year (and the carry-forward) add room; a negative answer means the
    budget is already exceeded.
    """
    if settings.gain_budget is None:
        return None
    return settings.gain_budget - year_net(realized_st, realized_lt, tax_profile(settings)).net


@dataclass(frozen=True)
class RealizedTotals:
    """The year's totals after netting ($).  ``gain_budget_left`` None = no budget.

    ``st`` / ``lt`` are this year's allowed gains (before last year's carry-forward);
    ``carry_forward_st`` / ``carry_forward_lt`` what carries to next year; ``est_tax`` the
    tax the year's gains add (``year_tax``).
    """

    year: int
    st: float
    lt: float
    deductible_loss: float
    carry_forward: float
    gain_budget_left: Optional[float]
    disallowed: float
    permanent: float
    carry_forward_st: float = 0.0
    carry_forward_lt: float = 0.0
    est_tax: float = 0.0

    @property
    def net(self) -> float:
        return self.st + self.lt

    def as_rows(self) -> list[tuple[str, Optional[float]]]:
        """(label, $) pairs in the order REALIZED_GAINS shows them under the table."""
        return [
            ("ST", self.st),
            ("LT", self.lt),
            ("Net", self.net),
            ("Deductible loss", self.deductible_loss),
            ("Carry-forward", self.carry_forward),
            ("Carry-forward ST", self.carry_forward_st),
            ("Carry-forward LT", self.carry_forward_lt),
            ("Gain budget left", self.gain_budget_left),
            ("Est. tax", self.est_tax),
        ]

    def as_dict(self) -> dict[str, Optional[float]]:
        return dict(self.as_rows()) | {"Disallowed loss": self.disallowed, "Permanent loss": self.permanent}


def year_totals(settings: Settings, *, st: float, lt: float, disallowed: float = 0.0,
                permanent: float = 0.0) -> RealizedTotals:
    """The year's totals from its allowed ST/LT gains ($) and wash-sale amounts ($)."""
    profile = tax_profile(settings)
    year = year_net(st, lt, profile)
    return RealizedTotals(
        year=settings.as_of.year, st=st, lt=lt,
        deductible_loss=year.deductible_loss, carry_forward=year.carry_forward,
        gain_budget_left=gain_budget_left(settings, st, lt),
        disallowed=disallowed, permanent=permanent,
        carry_forward_st=year.carry_forward_st, carry_forward_lt=year.carry_forward_lt,
        est_tax=year_tax(st, lt, profile),
    )
