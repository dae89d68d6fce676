"""What the realized-gains replay produces (``realized.tax_ledger``): realized rows, open lots
after wash adjustments, the year's totals.  Values only; the replay is in ``realized.py``.

Money is $ as floats, unrounded; rounding to cents is the caller's explicit step.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Iterator, Optional, Union

from .model import MONEY_TOL, Issue, Lot
from .tax import RealizedTotals


@dataclass(frozen=True)
class RealizedRow:
    """One piece of a sale: the shares of one lot sold with one holding term, all at a gain
    or all at a loss (Reg. 1.1091-1: gains and losses are never netted before the wash-sale
    rule).  $ amounts, shares in shares.

    ``cost_basis`` includes earlier wash adjustments; ``gain`` = proceeds - cost_basis;
    ``disallowed_loss`` >= 0; ``allowed_gain`` = gain + disallowed_loss.  ``tax_year`` is the
    return the sale belongs on (its date's year); ``note`` says why a row is shown when it is
    not obvious (a split sale, last year's sale washed by this year's purchase).
    """

    date: date
    account: str
    ticker: str
    lot_id: str
    shares: float
    proceeds: float
    cost_basis: float
    gain: float
    term: str
    disallowed_loss: float = 0.0
    permanent_loss: float = 0.0       # the part of disallowed_loss lost for good
    holding_from: Optional[date] = None
    row: Optional[int] = None
    note: str = ""
    washed_by: tuple[str, ...] = ()   # names of the replacement lots, in matching order

    @property
    def permanent(self) -> bool:
        return self.permanent_loss > MONEY_TOL

    @property
    def allowed_gain(self) -> float:
        return self.gain + self.disallowed_loss

    @property
    def tax_year(self) -> int:
        return self.date.year


@dataclass(frozen=True)
class OpenLot:
    """An open lot (or the part of it sharing one holding period) after wash adjustments."""

    account: str
    ticker: str
    lot_id: str
    acquired: date
    holding_from: date          # tacked earlier after a wash sale
    shares: float
    cost_basis: float           # $ adjusted: original cost + wash adjustment
    wash_adjustment: float      # $ disallowed losses added to this lot's basis
    source: str = "lot"

    @property
    def original_basis(self) -> float:
        return self.cost_basis - self.wash_adjustment


def unchanged(lot: Lot) -> OpenLot:
    """A ``Lot`` no sale touched, as an ``OpenLot``."""
    return OpenLot(lot.account, lot.ticker, lot.lot_id, lot.acquired, lot.acquired, lot.shares, lot.cost_basis, 0.0)


@dataclass(frozen=True)
class TaxLedger:
    """Everything the realized-gains replay produces.

    ``rows`` are this year's sale pieces; ``prior_rows`` earlier years' sales, replayed for
    their effects (a December loss washed by a January purchase); ``carried_rows`` those of
    them shown with this year's (their loss washed by this year's purchases: disallowed on
    last year's return, the basis carried into this year's lot), totals unaffected.

    ``holdings`` are the open lots in order: a ``Lot`` no sale touched (unchanged), or an
    ``OpenLot`` after adjustments.  ``open_lots`` turns them all into ``OpenLot`` values on
    first use; ``open_positions`` walks them without doing so (a harvest of 100,000 lots).
    """

    rows: tuple[RealizedRow, ...]
    holdings: tuple[Union[Lot, OpenLot], ...]
    totals: RealizedTotals
    issues: tuple[Issue, ...] = ()
    prior_rows: tuple[RealizedRow, ...] = ()
    carried_rows: tuple[RealizedRow, ...] = ()

    @cached_property
    def open_lots(self) -> tuple[OpenLot, ...]:
        return tuple(item if isinstance(item, OpenLot) else unchanged(item) for item in self.holdings)

    @property
    def shown_rows(self) -> tuple[RealizedRow, ...]:
        """The rows REALIZED_GAINS shows: last year's washed sales first, then this year's."""
        return self.carried_rows + self.rows

    def open_positions(self) -> Iterator[tuple[Union[Lot, OpenLot], date]]:
        """(lot, holding-period start) pairs; both kinds have account, ticker, lot_id,
        shares and cost_basis (adjusted)."""
        for item in self.holdings:
            yield item, (item.holding_from if isinstance(item, OpenLot) else item.acquired)
