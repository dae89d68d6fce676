"""Wash sales (IRC 1091; Treas. Reg. 1.1091-1; IRS Pub 550): who could wash whom.

A loss sale is washed by an acquisition of substantially identical shares (same
``Securities.Wash group``; the same ticker always) within ``Wash window days`` (30)
before or after the sale, inclusive, in ANY household account.  This module answers the
questions the trade list and the harvest list ask *before* a trade:

- ``loss_sale_in_window``: would buying this group on a date wash a recent loss sale?
- ``purchase_in_window`` / ``wash_check``: would selling a lot at a loss on a date be
  washed by a purchase (past, planned, or a dividend reinvestment)?

The realized-gains engine (``realized.py``) applies the same window to this year's sales.

Design choices (RULES.md leaves them open):

- Acquisitions are open lots (by ``Acquired``) and Buy/Reinvest rows of Transactions
  (past and planned).  A Buy row whose ``Lot ID`` names an open lot of the same account and
  ticker is that lot, never a second purchase.  Shares bought and sold again before the
  date in question no longer count (they cannot carry a basis adjustment).
- A Sell row whose gain cannot be computed (no price or no cost basis) counts as a loss
  sale: the conservative answer for "would this buy wash a loss?".
- Lookups build an index once per household (kept for the most recent household only).
"""
from __future__ import annotations

import bisect
import enum
import weakref
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Optional

from .model import MONEY_TOL, Account, AccountType, Action, Household, Lot, Transaction

#: Sources of an acquisition.
SOURCE_LOT = "lot"
SOURCE_BUY = "buy"
SOURCE_REINVEST = "reinvest"


class WashStatus(str, enum.Enum):
    """What a purchase in the window does to a loss sale, worst last."""

    CLEAR = "CLEAR"
    BLOCKED = "BLOCKED"                        # washed; loss deferred into the replacement
    POSSIBLY_PERMANENT = "POSSIBLY PERMANENT"  # replacement in a 401k/403b/HSA: likely lost
    PERMANENT = "PERMANENT"                    # replacement in an IRA/Roth: lost (Rev. Rul. 2008-5)

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {
    WashStatus.CLEAR: 0,
    WashStatus.BLOCKED: 1,
    WashStatus.POSSIBLY_PERMANENT: 2,
    WashStatus.PERMANENT: 3,
}


@dataclass(frozen=True, slots=True)
class Acquisition:
    """A purchase that can be a wash-sale replacement.  ``shares`` in shares."""

    account: str
    ticker: str
    group: str
    date: date
    shares: float
    lot_id: Optional[str] = None
    source: str = SOURCE_LOT   # "lot" | "buy" | "reinvest"
    cost_basis: Optional[float] = None  # $ for the shares, when known
    row: Optional[int] = None

    @property
    def ref(self) -> str:
        """The lot's name: its Lot ID, or e.g. 'Reinvest 2026-11-03' for a row without one."""
        return lot_label(self.lot_id, self.source, self.date)


def lot_label(lot_id: Optional[str], source: str, acquired: date) -> str:
    """How a purchase is named in outputs: its Lot ID, else its source and date."""
    return lot_id if lot_id else f"{source.title()} {acquired.isoformat()}"


@dataclass(frozen=True)
class WashCheck:
    """The answer to "what if this lot is sold at a loss on ``on``?".

    ``clear_on`` is the first date from ``on`` on which the sale would not be washed by
    any known acquisition (``on`` itself when CLEAR).  ``conflicts`` are the acquisitions
    in the window around ``on``, in acquisition order.
    """

    status: WashStatus
    on: date
    clear_on: date
    conflicts: tuple[Acquisition, ...] = ()

    @property
    def label(self) -> str:
        """The cell text: CLEAR, or e.g. 'BLOCKED until 2026-12-21' (first clear day)."""
        if self.status is WashStatus.CLEAR:
            return WashStatus.CLEAR.value
        return f"{self.status.value} until {self.clear_on.isoformat()}"


def wash_group(household: Household, ticker: str) -> str:
    """The substantially-identical group of ``ticker`` (Securities.Wash group, default the ticker)."""
    security = _securities(household).get(ticker)
    return security.group if security is not None else ticker


def replacement_status(account: Optional[Account]) -> WashStatus:
    """What a replacement bought in ``account`` does to the washed loss.

    Taxable: deferred into the replacement's basis (BLOCKED).  IRA/Roth: lost for good
    (PERMANENT).  Employer plans (401k...) and HSAs: POSSIBLY PERMANENT (no ruling; flag).
    An account missing from the Accounts table is treated as taxable.
    """
    if account is None or account.type is AccountType.TAXABLE:
        return WashStatus.BLOCKED
    if account.type is AccountType.HSA or account.employer_plan:
        return WashStatus.POSSIBLY_PERMANENT
    return WashStatus.PERMANENT


def acquisitions(household: Household) -> tuple[Acquisition, ...]:
    """Every purchase that can be a wash-sale replacement, in acquisition order.

    Open lots (dated ``Acquired``) and Transactions Buy/Reinvest rows, past and planned;
    a Buy/Reinvest row whose Lot ID is an open lot of the same account and ticker is that
    lot and is not listed twice.
    """
    groups = _group_lookup(household)
    found: list[Acquisition] = []
    lot_keys: set[tuple[str, str, str]] = set()
    for lot in household.lots:
        lot_keys.add((lot.account, lot.ticker, lot.lot_id))
        found.append(_from_lot(lot, groups(lot.ticker)))
    for tx in household.transactions:
        if tx.action is Action.SELL:
            continue
        if tx.lot_id and (tx.account, tx.ticker, tx.lot_id) in lot_keys:
            continue
        found.append(_from_transaction(tx, groups(tx.ticker)))
    return tuple(sorted(found, key=acquisition_order))


def acquisition_order(acq: Acquisition) -> tuple:
    """Matching order of replacement shares: acquisition date, then account and lot ID."""
    return (acq.date, acq.account, acq.lot_id or "", acq.row if acq.row is not None else -1)


def is_loss_sale(tx: Transaction, lots: Optional[dict] = None) -> bool:
    """True when a Sell row realized a loss, or when its gain cannot be told (conservative)."""
    if tx.action is not Action.SELL:
        return False
    basis = tx.cost_basis
    if basis is None and lots is not None and tx.lot_id:
        lot = lots.get((tx.account, tx.ticker, tx.lot_id))
        basis = lot.basis_per_share * tx.shares if lot is not None else None
    if basis is None or tx.price is None:
        return True
    return tx.price * tx.shares < basis - MONEY_TOL


class WashIndex:
    """Acquisitions and taxable loss sales by wash group, sorted by date for window lookups.

    Built once from a household (``wash_index``); read-only afterwards.
    """

    def __init__(self, household: Household) -> None:
        self.window = household.settings.wash_window_days
        self.accounts = household.account_map()
        by_group: dict[str, list[Acquisition]] = defaultdict(list)
        for acq in acquisitions(household):
            by_group[acq.group].append(acq)
        self._acq = dict(by_group)
        self._acq_dates = {g: [a.date for a in items] for g, items in self._acq.items()}
        self._loss_dates = _loss_sale_dates(household)

    def purchases_near(
        self, group: str, on: date, exclude: Optional[tuple[str, str]] = None
    ) -> tuple[Acquisition, ...]:
        """Acquisitions of ``group`` within the window around ``on`` (inclusive), in
        acquisition order, without the lot ``exclude`` = (account, lot_id), where a row
        without a Lot ID is named by ``lot_label`` (e.g. 'Reinvest 2026-11-03')."""
        items = self._acq.get(group)
        if not items:
            return ()
        dates = self._acq_dates[group]
        span = timedelta(days=self.window)
        lo = bisect.bisect_left(dates, on - span)
        hi = bisect.bisect_right(dates, on + span)
        return tuple(a for a in items[lo:hi] if not _is_excluded(a, exclude))

    def latest_loss_sale(self, group: str, on: date) -> Optional[date]:
        """Latest taxable loss sale of ``group`` in [on - window, on]."""
        dates = self._loss_dates.get(group)
        if not dates:
            return None
        i = bisect.bisect_right(dates, on) - 1
        if i >= 0 and dates[i] >= on - timedelta(days=self.window):
            return dates[i]
        return None

    def check(
        self, group: str, on: date, shares: float, exclude: Optional[tuple[str, str]] = None
    ) -> WashCheck:
        """Wash status of selling ``shares`` of ``group`` at a loss on ``on``.

        The status comes from the replacements that would be matched (acquisition order,
        up to ``shares``); the worst of them wins.  ``clear_on`` steps past every
        acquisition in the window until a date with none.
        """
        conflicts = self.purchases_near(group, on, exclude)
        if not conflicts:
            return WashCheck(WashStatus.CLEAR, on, on)
        status = self._matched_status(conflicts, shares)
        return WashCheck(status, on, self._clear_date(group, on, exclude), conflicts)

    def _matched_status(self, conflicts: Iterable[Acquisition], shares: float) -> WashStatus:
        status, needed = WashStatus.CLEAR, shares
        for acq in conflicts:
            kind = replacement_status(self.accounts.get(acq.account))
            if kind.severity > status.severity:
                status = kind
            needed -= acq.shares
            if needed <= 0:
                break
        return status if status is not WashStatus.CLEAR else WashStatus.BLOCKED

    def _clear_date(self, group: str, on: date, exclude: Optional[tuple[str, str]]) -> date:
        day = on
        while True:
            near = self.purchases_near(group, day, exclude)
            if not near:
                return day
            day = max(a.date for a in near) + timedelta(days=self.window + 1)


_cache: tuple[Optional[weakref.ref], Optional[WashIndex]] = (None, None)


def wash_index(household: Household) -> WashIndex:
    """The household's WashIndex (memoized for the most recent household object)."""
    global _cache
    ref, index = _cache
    if ref is not None and ref() is household and index is not None:
        return index
    index = WashIndex(household)
    _cache = (weakref.ref(household), index)
    return index


def loss_sale_in_window(household: Household, group: str, on: date) -> Optional[date]:
    """The latest date of a taxable Sell at a loss of ``group`` within the wash window
    before ``on`` (inclusive): buying the group on ``on`` would wash it.  None if none."""
    return wash_index(household).latest_loss_sale(group, on)


def purchase_in_window(
    household: Household,
    group: str,
    on: date,
    *,
    exclude: Optional[tuple[str, str]] = None,
) -> Optional[Acquisition]:
    """A purchase of ``group`` within the window before or after ``on`` (inclusive), other
    than the lot ``exclude`` = (account, lot_id) being sold: selling a lot of the group at a
    loss on ``on`` would be washed by it.  Returns the latest such purchase, or None."""
    near = wash_index(household).purchases_near(group, on, exclude)
    return max(near, key=acquisition_order) if near else None


def wash_check(
    household: Household,
    group: str,
    on: date,
    shares: float,
    *,
    exclude: Optional[tuple[str, str]] = None,
) -> WashCheck:
    """Status of selling ``shares`` of ``group`` at a loss on ``on`` (see WashIndex.check)."""
    return wash_index(household).check(group, on, shares, exclude)


# --- helpers -------------------------------------------------------------------------


def _securities(household: Household) -> dict:
    return household.security_map()


def _group_lookup(household: Household):
    groups = {s.ticker: s.group for s in household.securities}
    return lambda ticker: groups.get(ticker, ticker)


def _from_lot(lot: Lot, group: str) -> Acquisition:
    return Acquisition(
        account=lot.account,
        ticker=lot.ticker,
        group=group,
        date=lot.acquired,
        shares=lot.shares,
        lot_id=lot.lot_id,
        source=SOURCE_LOT,
        cost_basis=lot.cost_basis,
        row=lot.row,
    )


def _from_transaction(tx: Transaction, group: str) -> Acquisition:
    basis = tx.cost_basis
    if basis is None and tx.price is not None:
        basis = tx.price * tx.shares
    return Acquisition(
        account=tx.account,
        ticker=tx.ticker,
        group=group,
        date=tx.date,
        shares=tx.shares,
        lot_id=tx.lot_id or None,
        source=SOURCE_REINVEST if tx.action is Action.REINVEST else SOURCE_BUY,
        cost_basis=basis,
        row=tx.row,
    )


def _is_excluded(acq: Acquisition, exclude: Optional[tuple[str, str]]) -> bool:
    return exclude is not None and (acq.account, acq.ref) == exclude


def _loss_sale_dates(household: Household) -> dict[str, list[date]]:
    groups = _group_lookup(household)
    accounts = household.account_map()
    lots = {(lot.account, lot.ticker, lot.lot_id): lot for lot in household.lots}
    dates: dict[str, list[date]] = defaultdict(list)
    for tx in household.transactions:
        account = accounts.get(tx.account)
        if account is not None and account.type.tax_advantaged:
            continue
        if is_loss_sale(tx, lots):
            dates[groups(tx.ticker)].append(tx.date)
    return {g: sorted(d) for g, d in dates.items()}
