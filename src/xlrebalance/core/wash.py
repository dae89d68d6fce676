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
  ticker is that lot, never a second purchase.  A Buy row counts even if its shares were
  sold since (conservative); the realized-gains replay, which knows, matches only shares
  still held at the loss sale.
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
from typing import Optional, Union

from .heap import collector_paused
from .model import MONEY_TOL, SHARE_TOL, Account, AccountType, Action, Household, Lot, Transaction

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
        return self.lot_id or lot_label(None, self.source, self.date)


def lot_label(lot_id: Optional[str], source: str, acquired: date) -> str:
    """How a purchase is named in outputs: its Lot ID, else its source and date."""
    return lot_id if lot_id else f"{source.title()} {acquired.isoformat()}"


@dataclass(frozen=True)
class WashCheck:
    """The answer to "what if this lot is sold at a loss on ``on``?".

    ``clear_on`` is the first date from ``on`` on which the sale would not be washed by
    any known acquisition (``on`` itself when CLEAR).  ``conflicts`` are the replacements
    that would be matched, in acquisition order (enough shares to cover the sale).
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
    security = next((s for s in household.securities if s.ticker == ticker), None)
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
    source = _source_lookup(household)
    in_table_order = sorted((seq, group) for group, seqs in _purchases_by_group(household).items()
                            for seq in seqs)
    found = [_to_acquisition(source(seq), group) for seq, group in in_table_order]
    return tuple(sorted(found, key=acquisition_order))


def acquisition_order(acq: Acquisition) -> tuple:
    """Matching order of replacement shares: acquisition date, then account and lot name."""
    return (acq.date, acq.account, acq.ref, acq.row if acq.row is not None else -1)


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
    """Purchases and taxable loss sales by wash group, sorted by date for window lookups.

    Built once from a household (``wash_index``); its answers never change afterwards (a
    memo only saves repeated work).  Each group keeps its purchases' dates (as day numbers,
    ``date.toordinal``) in order and the ``seq`` of each (it numbers the open lot or
    Transactions row, see ``_source_lookup``); a window lookup makes light entries ``(date,
    account, lot name, seq, shares)`` of the few purchases in the window, and they become
    ``Acquisition`` values only when an answer names them.

    Why so lean: sorting 100,000 seqs by day number alone (small ints compare fastest) is a
    fraction of the work of sorting 100,000 entries, and stored entries would be 100,000 more
    objects for the cyclic garbage collector to walk for as long as the index lives.
    """

    def __init__(self, household: Household) -> None:
        self.window = household.settings.wash_window_days
        self.accounts = household.account_map()
        self._status = {name: replacement_status(acct) for name, acct in self.accounts.items()}
        self._source = _source_lookup(household)
        with collector_paused():   # 100,000 short-lived values: a collection would only rescan them
            day_of = _days_by_seq(household).__getitem__
            self._purchases: dict[str, tuple[list[int], list[int]]] = {}
            for group, seqs in _purchases_by_group(household).items():
                seqs.sort(key=day_of)   # by day only: _entries_near orders a day's purchases
                self._purchases[group] = (list(map(day_of, seqs)), seqs)
            self._loss_dates = _loss_sale_dates(household)
        self._windows: dict[tuple[str, date], list[tuple]] = {}
        self._memo: dict[tuple[str, date], tuple[list[tuple], date, set]] = {}
        self._acquired: dict[int, Acquisition] = {}
        self._checks: dict[tuple[str, date, int], WashCheck] = {}

    def _near(self, group: str, on: date, exclude: Optional[tuple[str, str]]) -> list[tuple]:
        """Entries of ``group`` within the window around ``on``, in acquisition order."""
        near = self._windows.get((group, on))
        if near is None:
            near = self._windows[group, on] = self._entries_near(group, on)
        if exclude is None:
            return near
        return [e for e in near if e[1] != exclude[0] or e[2] != exclude[1]]

    def _entries_near(self, group: str, on: date) -> list[tuple]:
        purchases = self._purchases.get(group)
        if not purchases:
            return []
        days, seqs = purchases
        span = timedelta(days=self.window)
        window = seqs[bisect.bisect_left(days, (on - span).toordinal()):
                      bisect.bisect_right(days, (on + span).toordinal())]
        # whole days are in or out of the window: sorting the entries orders a day's purchases
        # exactly as sorting every entry of the group would
        return sorted([_entry(self._source(seq), seq) for seq in window])

    def purchases_near(
        self, group: str, on: date, exclude: Optional[tuple[str, str]] = None
    ) -> tuple[Acquisition, ...]:
        """Acquisitions of ``group`` within the window around ``on`` (inclusive), in
        acquisition order, without the lot ``exclude`` = (account, lot_id), where a row
        without a Lot ID is named by ``lot_label`` (e.g. 'Reinvest 2026-11-03')."""
        return tuple(self._acquisition(e, group) for e in self._near(group, on, exclude))

    def purchases_after(self, group: str, on: date, after: date) -> tuple[Acquisition, ...]:
        """``purchases_near(group, on)`` dated after ``after`` (e.g. planned ones), without
        making values of the others."""
        return tuple(self._acquisition(e, group) for e in self._near(group, on, None) if e[0] > after)

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

        The replacements that would be matched (acquisition order, up to ``shares``) are
        the ``conflicts``; the worst of their statuses wins.  ``clear_on`` steps past the
        window of every purchase until a date with none.
        """
        near, clear_on, names = self._memo.get((group, on)) or self._near_and_clear(group, on)
        shared = exclude is None or exclude not in names   # the lot is none of those purchases
        if not shared:
            near = self._near(group, on, exclude)
            clear_on = self._clear_date(group, near, exclude)[0] if near else on
        if not near:
            return WashCheck(WashStatus.CLEAR, on, on)
        count, needed = 0, shares
        for entry in near:   # replacements matched, in order
            if needed <= SHARE_TOL:
                break
            needed -= entry[4]
            count += 1
        key = (group, on, count)
        if shared:
            known = self._checks.get(key)
            if known is not None:
                return known
        statuses = [self._status.get(entry[1], WashStatus.BLOCKED) for entry in near[:count]]
        status = max(statuses + [WashStatus.BLOCKED], key=_SEVERITY.__getitem__)
        check = WashCheck(status, on, clear_on, tuple(self._acquisition(e, group) for e in near[:count]))
        if shared:
            self._checks[key] = check
        return check

    def _near_and_clear(self, group: str, on: date) -> tuple[list[tuple], date, set]:
        """Purchases near ``on``, the first clear day for a lot that is none of the purchases
        met on the way, and those purchases' (account, lot name) pairs.  Memoized: a harvest
        list asks for every lot of a group."""
        key = (group, on)
        if key not in self._memo:
            near = self._near(group, on, None)
            clear_on, names = self._clear_date(group, near, None) if near else (on, set())
            self._memo[key] = (near, clear_on, names)
        return self._memo[key]

    def _acquisition(self, entry: tuple, group: str) -> Acquisition:
        seq = entry[3]
        if seq not in self._acquired:
            self._acquired[seq] = _to_acquisition(self._source(seq), group)
        return self._acquired[seq]

    def _clear_date(
        self, group: str, near: list[tuple], exclude: Optional[tuple[str, str]]
    ) -> tuple[date, set]:
        """First day after the window of every purchase in ``near`` with none in its own,
        and the (account, lot name) pairs of every purchase met on the way."""
        step = timedelta(days=self.window + 1)
        names = set()
        while True:
            names.update((e[1], e[2]) for e in near)
            day = near[-1][0] + step   # entries are in date order
            near = self._near(group, day, exclude)
            if not near:
                return day, names


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


def _group_lookup(household: Household):
    groups = {s.ticker: s.group for s in household.securities}
    return lambda ticker: groups.get(ticker, ticker)


def _purchases_by_group(household: Household) -> dict[str, list[int]]:
    """The seq (see ``_source_lookup``) of every open lot and Buy/Reinvest row not already a
    lot, by wash group."""
    group_of = {s.ticker: s.group for s in household.securities}.get
    lots, transactions = household.lots, household.transactions
    by_group: dict[str, list[int]] = defaultdict(list)
    for seq, lot in enumerate(lots):
        ticker = lot.ticker
        by_group[group_of(ticker, ticker)].append(seq)
    # Only a Buy/Reinvest row with a Lot ID can be an open lot: key just the lots it could name.
    bought_ids = {tx.lot_id for tx in transactions if tx.action is not Action.SELL and tx.lot_id}
    lot_keys = ({(lot.account, lot.ticker, lot.lot_id) for lot in lots if lot.lot_id in bought_ids}
                if bought_ids else ())
    for seq, tx in enumerate(transactions, start=_first_row(household)):
        if tx.action is Action.SELL or (tx.lot_id and (tx.account, tx.ticker, tx.lot_id) in lot_keys):
            continue
        by_group[group_of(tx.ticker, tx.ticker)].append(seq)
    return by_group


def _entry(purchase: Union[Lot, Transaction], seq: int) -> tuple:
    """(date, account, lot name, seq, shares) of an open lot or a Buy/Reinvest row: sorted on
    its first four (``seq`` is unique), the order replacement shares are matched in."""
    if isinstance(purchase, Lot):
        name = purchase.lot_id or lot_label(None, SOURCE_LOT, purchase.acquired)
        return (purchase.acquired, purchase.account, name, seq, purchase.shares)
    source = SOURCE_REINVEST if purchase.action is Action.REINVEST else SOURCE_BUY
    name = lot_label(purchase.lot_id, source, purchase.date)
    return (purchase.date, purchase.account, name, seq, purchase.shares)


def _first_row(household: Household) -> int:
    """The seq of the first Transactions row: open lots are numbered from 0."""
    return len(household.lots) or 1


def _days_by_seq(household: Household) -> list[Optional[int]]:
    """The day number (``date.toordinal``) of the open lot or Transactions row each seq numbers."""
    lots = household.lots
    padding = [None] * (_first_row(household) - len(lots))
    return ([lot.acquired.toordinal() for lot in lots] + padding
            + [tx.date.toordinal() for tx in household.transactions])


def _source_lookup(household: Household):
    """``source(seq)``: the open lot or Transactions row an entry's ``seq`` numbers."""
    lots, transactions = household.lots, household.transactions
    first_row = _first_row(household)
    return lambda seq: lots[seq] if seq < first_row else transactions[seq - first_row]


def _to_acquisition(source: Union[Lot, Transaction], group: str) -> Acquisition:
    return _from_lot(source, group) if isinstance(source, Lot) else _from_transaction(source, group)


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


def _loss_sale_dates(household: Household) -> dict[str, list[date]]:
    groups = _group_lookup(household)
    untaxed = {name for name, account in household.account_map().items() if account.type.tax_advantaged}
    sells = [tx for tx in household.transactions if tx.action is Action.SELL]
    no_basis_ids = {tx.lot_id for tx in sells if tx.cost_basis is None}
    # only a sale without a Cost basis looks up its lot: key just the lots it could name
    lots = ({(lot.account, lot.ticker, lot.lot_id): lot for lot in household.lots if lot.lot_id in no_basis_ids}
            if no_basis_ids else None)
    dates: dict[str, list[date]] = defaultdict(list)
    for tx in sells:
        if tx.account not in untaxed and is_loss_sale(tx, lots):
            dates[groups(tx.ticker)].append(tx.date)
    return {g: sorted(d) for g, d in dates.items()}
