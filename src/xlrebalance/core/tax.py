"""Tax estimate helpers: ST/LT netting, the $3,000 loss deduction, carry-forward, tax on a gain.

Pure arithmetic over dollar amounts (floats); every function takes gains as signed numbers
(a loss is negative).  The rates come from ``Settings`` (``short_term_rate``,
``long_term_rate``, fractions such as 0.408).  Estimates are upper bounds: the default rates
are the top brackets plus the 3.8% NIIT, and the $3,000 deduction is valued at the
short-term (ordinary) rate.  This is not tax advice.

Netting follows Schedule D (RULES.md, "Tax estimate"):

1. short-term gains and losses net against each other, long-term likewise;
2. a net loss of one character offsets a net gain of the other;
3. a net capital loss for the year is deductible up to $3,000 against ordinary income
   (short-term losses used first), the rest carries forward keeping its character.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .model import Settings

#: Net capital loss deductible against ordinary income per year, $ (IRC 1211(b);
#: $1,500 when married filing separately).
LOSS_DEDUCTION_LIMIT = 3000.0

SHORT_TERM = "ST"
LONG_TERM = "LT"


def round_money(amount: float) -> float:
    """Round a dollar amount to cents: the one rounding step for money in the tax engine."""
    return round(amount + 0.0, 2) + 0.0  # "+ 0.0" turns -0.0 into 0.0


def rate(term: str, settings: Settings) -> float:
    """The tax rate (fraction) for a gain of ``term`` ('ST' or 'LT')."""
    if term == SHORT_TERM:
        return settings.short_term_rate
    if term == LONG_TERM:
        return settings.long_term_rate
    raise ValueError(f"term must be 'ST' or 'LT', not {term!r}")


def tax_on_gain(gain: float, term: str, settings: Settings) -> float:
    """Tax ($) on one gain at its own rate, before any netting; negative for a loss."""
    return gain * rate(term, settings)


@dataclass(frozen=True)
class YearNet:
    """A year's capital gains after Schedule D netting.  All amounts in $.

    ``st`` / ``lt``: net short-/long-term gain (gains minus losses) of each character.
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


def net_gains(st: float, lt: float, *, loss_limit: float = LOSS_DEDUCTION_LIMIT) -> YearNet:
    """Net the year's short-term ``st`` and long-term ``lt`` gains ($, losses negative)."""
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
    deductible = min(loss_st + loss_lt, loss_limit)
    from_st = min(loss_st, deductible)
    from_lt = deductible - from_st
    return YearNet(
        st=st,
        lt=lt,
        taxable_st=taxable_st,
        taxable_lt=taxable_lt,
        deductible_loss=deductible,
        carry_forward_st=loss_st - from_st,
        carry_forward_lt=loss_lt - from_lt,
    )


def tax_on_net(st: float, lt: float, settings: Settings) -> float:
    """Tax ($) on a year's net gains; negative when the loss deduction saves ordinary tax."""
    year = net_gains(st, lt)
    return (
        year.taxable_st * settings.short_term_rate
        + year.taxable_lt * settings.long_term_rate
        - year.deductible_loss * settings.short_term_rate
    )


def estimate_tax(
    st_gain: float,
    lt_gain: float,
    settings: Settings,
    *,
    realized_st: float = 0.0,
    realized_lt: float = 0.0,
) -> float:
    """Extra tax ($) this year from realizing ``st_gain`` / ``lt_gain`` on top of what the
    year has already realized (``realized_st`` / ``realized_lt``, from REALIZED_GAINS).

    Marginal and netted: a gain absorbed by this year's losses costs nothing; a loss saves
    the tax of the gains it offsets, or the ordinary tax on up to $3,000.  Negative = saving.
    """
    before = tax_on_net(realized_st, realized_lt, settings)
    after = tax_on_net(realized_st + st_gain, realized_lt + lt_gain, settings)
    return after - before


def gain_budget_left(settings: Settings, realized_st: float, realized_lt: float) -> Optional[float]:
    """``Gain budget`` minus the year's net realized gain ($); None when there is no budget.

    Net losses this year add room; a negative answer means the budget is already exceeded.
    """
    if settings.gain_budget is None:
        return None
    return settings.gain_budget - (realized_st + realized_lt)


@dataclass(frozen=True)
class RealizedTotals:
    """The year's totals after netting ($).  ``gain_budget_left`` None = no budget."""

    year: int
    st: float
    lt: float
    deductible_loss: float
    carry_forward: float
    gain_budget_left: Optional[float]
    disallowed: float
    permanent: float

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
            ("Gain budget left", self.gain_budget_left),
        ]

    def as_dict(self) -> dict[str, Optional[float]]:
        return dict(self.as_rows()) | {"Disallowed loss": self.disallowed, "Permanent loss": self.permanent}


def year_totals(settings: Settings, *, st: float, lt: float, disallowed: float = 0.0,
                permanent: float = 0.0) -> RealizedTotals:
    """The year's totals from its allowed ST/LT gains ($) and wash-sale amounts ($)."""
    year = net_gains(st, lt)
    return RealizedTotals(
        year=settings.as_of.year, st=st, lt=lt,
        deductible_loss=year.deductible_loss, carry_forward=year.carry_forward,
        gain_budget_left=gain_budget_left(settings, st, lt),
        disallowed=disallowed, permanent=permanent,
    )
