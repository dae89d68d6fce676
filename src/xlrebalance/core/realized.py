"""This year's realized gains after the wash-sale rules, and the open lots they leave.

Inputs (DESIGN.md): ``Lots`` are today's open lots at their original cost; ``Transactions``
Sell rows are this year's sales, each naming the lot it relieved (``Lot ID``, ``Acquired``,
``Cost basis`` = original cost of the shares sold); Buy/Reinvest rows are purchases not in
Lots.  Sales are replayed in date order (Reg. 1.1091-1(b): losses in order of disposition;
same day: in order of acquisition) and every loss is matched against replacement shares:

- replacements: shares of the same wash group acquired within the window (30 days before
  or after, inclusive) in any household account, up to the sale's date or the as-of date,
  still held when the loss sale happens, never the sold lot itself;
- matched in acquisition order; each replacement share absorbs one loss (Reg. 1.1091-1);
- only min(shares sold at a loss, replacement shares) is disallowed (Reg. 1.1091-1(c));
- the disallowed loss is added to the replacement shares' basis and their holding period
  starts earlier by the sold shares' holding period (IRC 1091(d), 1223(3));
- a replacement in an IRA/Roth (or 401k/HSA: possibly) makes the loss permanently lost
  (Rev. Rul. 2008-5): nothing is added to any basis.

Design choices: within one lot, the shares sold earliest are the first to serve as
replacement shares (the still-open shares last); planned purchases (dated after the as-of
date) are not facts yet and wash nothing here (the trade and harvest lists flag them);
sales inside tax-advantaged accounts realize nothing but still remove their shares.
Money is $ as floats, unrounded; rounding to cents is the caller's explicit step.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, replace
from operator import attrgetter
from functools import cached_property
from datetime import date, timedelta
from typing import Iterator, Optional, Union

from .heap import build, collector_paused
from .holding import anniversary as holding_anniversary
from .model import MONEY_TOL, SHARE_TOL, Action, Household, Issue, Lot, Severity, Transaction
from .tax import LONG_TERM, SHORT_TERM, RealizedTotals, year_totals
from .wash import WashStatus, lot_label, replacement_status, wash_index


@dataclass(frozen=True)
class RealizedRow:
    """One sale (or the part of it with one holding term).  $ amounts, shares in shares.

    ``cost_basis`` includes earlier wash adjustments; ``gain`` = proceeds - cost_basis;
    ``disallowed_loss`` >= 0; ``allowed_gain`` = gain + disallowed_loss.
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

    @property
    def permanent(self) -> bool:
        return self.permanent_loss > MONEY_TOL

    @property
    def allowed_gain(self) -> float:
        return self.gain + self.disallowed_loss


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


@dataclass(frozen=True)
class TaxLedger:
    """Everything the realized-gains replay produces.

    ``holdings`` are the open lots in order: a ``Lot`` no sale touched (unchanged), or an
    ``OpenLot`` after adjustments.  ``open_lots`` turns them all into ``OpenLot`` values on
    first use; ``open_positions`` walks them without doing so (a harvest of 100,000 lots).
    """

    rows: tuple[RealizedRow, ...]
    holdings: tuple[Union[Lot, OpenLot], ...]
    totals: RealizedTotals
    issues: tuple[Issue, ...] = ()
    prior_rows: tuple[RealizedRow, ...] = ()   # earlier years' sales, replayed for their effects

    @cached_property
    def open_lots(self) -> tuple[OpenLot, ...]:
        return tuple(item if isinstance(item, OpenLot) else _unchanged(item) for item in self.holdings)

    def open_positions(self) -> Iterator[tuple[Union[Lot, OpenLot], date]]:
        """(lot, holding-period start) pairs; both kinds have account, ticker, lot_id,
        shares and cost_basis (adjusted)."""
        for item in self.holdings:
            yield item, (item.holding_from if isinstance(item, OpenLot) else item.acquired)


class _Terms:
    """ST/LT of shares held from ``start`` and sold on ``sold`` (``holding.term``), with the
    anniversary of each start computed once: a replay meets the same starts again and again."""

    def __init__(self) -> None:
        self._anniversaries: dict[date, date] = {}

    def __call__(self, start: date, sold: date) -> str:
        anniversary = self._anniversaries.get(start)
        if anniversary is None:
            anniversary = self._anniversaries[start] = holding_anniversary(start)
        return LONG_TERM if sold > anniversary else SHORT_TERM   # holding.term: LT when sold after it


def _unchanged(lot: Lot) -> OpenLot:
    return OpenLot(lot.account, lot.ticker, lot.lot_id, lot.acquired, lot.acquired, lot.shares, lot.cost_basis, 0.0)


# --- working state (local to one replay; never escapes) -----------------------------


class _Portion:
    """Shares of one acquisition that share basis adjustment and holding period."""

    __slots__ = ("shares", "basis", "adjustment", "holding_from", "replaced", "sale")

    def __init__(self, shares, basis, holding_from, sale=None, adjustment=0.0, replaced=False):
        self.shares, self.basis, self.holding_from = shares, basis, holding_from
        self.sale, self.adjustment, self.replaced = sale, adjustment, replaced

    def split(self, shares: float) -> "_Portion":
        """Cut ``shares`` off this portion into a new one (basis and adjustment pro rata)."""
        fraction = shares / self.shares
        cut = _Portion(shares, self.basis * fraction, self.holding_from, self.sale,
                       self.adjustment * fraction, self.replaced)
        self.shares -= shares
        self.basis -= cut.basis
        self.adjustment -= cut.adjustment
        return cut


class _Position:
    """One acquisition (an open lot, a sold lot, a past buy or reinvestment)."""

    __slots__ = ("key", "account", "ticker", "group", "acquired", "source", "portions", "taxable", "spent")

    def __init__(self, key, account, ticker, group, acquired, source, taxable):
        self.key, self.account, self.ticker, self.group = key, account, ticker, group
        self.acquired, self.source, self.taxable = acquired, source, taxable
        self.portions: list[_Portion] = []
        self.spent = False   # every portion has replaced a loss: nothing left to match


# --- the replay ------------------------------------------------------------------------


def tax_ledger(household: Household) -> TaxLedger:
    """Replay the household's sales under the wash-sale rules (see the module docstring)."""
    with collector_paused():  # tens of thousands of positions, rows and lots, none freed
        return _replay(household)


def _replay(household: Household) -> TaxLedger:
    settings = household.settings
    as_of, window = settings.as_of, timedelta(days=settings.wash_window_days)
    issues: list[Issue] = []
    lots = household.lots
    sold_ids = {tx.lot_id for tx in household.transactions if tx.action is Action.SELL and tx.lot_id}
    # One pass over the lots finds those a sale names and every lot that could be loud
    # (bought after the earliest sale's window opens); the rest are quiet whatever sales are usable.
    earliest = _earliest_window(household, window)
    maybe = [n for n, lot in enumerate(lots) if lot.acquired >= earliest or lot.lot_id in sold_ids]
    named = {_lot_key(lots[n]): lots[n] for n in maybe if lots[n].lot_id in sold_ids}
    sales = _sales_in_order(household, named, issues)
    horizon = _quiet_horizon(sales, window)
    loud = [n for n in maybe if lots[n].acquired >= horizon or lots[n].lot_id in sold_ids]  # not quiet
    tracked = {_lot_key(lots[n]): lots[n] for n in loud}
    positions = _build_positions(household, tracked, sales)
    index = _GroupIndex(positions.values(), as_of, household.account_map())
    rows: list[RealizedRow] = []
    prior: list[RealizedRow] = []
    terms = _Terms()
    for sale_no, tx in enumerate(sales):
        position = positions[_sale_key(tx, sale_no)]
        portions = position.portions
        if len(portions) == 1 and portions[0].sale == sale_no:   # a sold lot's only block
            pieces, position.portions = portions, []
        else:
            pieces = [p for p in portions if p.sale == sale_no]
            position.portions = [p for p in portions if p.sale != sale_no]
        if not position.taxable:
            continue
        sale_rows = _realize(tx, position, pieces, index, window, issues, terms)
        (rows if tx.date.year == as_of.year else prior).extend(sale_rows)
    issues.extend(_planned_washes(household, rows))
    holdings = _open_lots(lots, loud, positions)
    return TaxLedger(tuple(rows), holdings, _totals(rows, household), tuple(issues), tuple(prior))


def _planned_washes(household: Household, rows: list[RealizedRow]) -> list[Issue]:
    """Warnings for allowed losses that a planned purchase (dated after the as-of date) would
    still wash: the replay counts only what has happened."""
    as_of, found = household.settings.as_of, []
    groups = {s.ticker: s.group for s in reversed(household.securities)}  # the first row wins, as in wash_group
    for row in rows:
        if row.allowed_gain >= -MONEY_TOL:
            continue
        planned = wash_index(household).purchases_after(groups.get(row.ticker, row.ticker), row.date, as_of)
        if planned:
            found.append(Issue(
                "PLANNED_WASH",
                f"The planned purchase of {planned[0].ticker} on {planned[0].date.isoformat()} in "
                f"{planned[0].account} would wash the loss on {row.ticker} sold {row.date.isoformat()}.",
                table="Transactions", row=planned[0].row, severity=Severity.WARNING,
                ticker=row.ticker, account=planned[0].account))
    return found


def _realize(tx, position, pieces, index, window, issues, terms) -> list[RealizedRow]:
    """The rows of one taxable sale: one per holding term of the shares it relieved."""
    if len(pieces) == 1:
        by_term = {terms(pieces[0].holding_from, tx.date): pieces}
    else:
        by_term = defaultdict(list)
        for piece in pieces:
            by_term[terms(piece.holding_from, tx.date)].append(piece)
    rows = []
    for term, group in by_term.items():
        shares = sum(p.shares for p in group)
        proceeds = tx.price * shares
        basis = sum(p.basis + p.adjustment for p in group)
        gain = proceeds - basis
        held_from = min(p.holding_from for p in group)
        disallowed = permanent = 0.0
        if gain < -MONEY_TOL:
            loss_per_share = (basis - proceeds) / shares
            disallowed, permanent = _wash(tx, position, shares, loss_per_share, held_from, index, window, issues)
        rows.append(build(
            RealizedRow, date=tx.date, account=tx.account, ticker=tx.ticker, lot_id=tx.lot_id or "",
            shares=shares, proceeds=proceeds, cost_basis=basis, gain=gain, term=term,
            disallowed_loss=disallowed, permanent_loss=permanent, holding_from=held_from, row=tx.row,
        ))
    return rows


def _wash(tx, position, shares, loss_per_share, sold_from, index, window, issues) -> tuple[float, float]:
    """Match the loss on ``shares`` (held since ``sold_from``) against replacement shares;
    returns ($ disallowed, $ of it permanent)."""
    held_days = (tx.date - sold_from).days
    needed, disallowed, permanent = shares, 0.0, 0.0
    for candidate in index.near(position.group, tx.date, window):
        if needed <= SHARE_TOL:
            break
        if candidate is position or candidate.spent:
            continue
        status = None
        spent = True
        for portion in list(candidate.portions):
            if portion.replaced:
                continue
            if needed <= SHARE_TOL:
                spent = False
                break
            taken = portion if portion.shares <= needed + SHARE_TOL else portion.split(needed)
            if taken is not portion:
                candidate.portions.insert(candidate.portions.index(portion), taken)
                spent = False   # the rest of the portion is still free
            taken.replaced = True
            amount = loss_per_share * taken.shares
            needed -= taken.shares
            disallowed += amount
            status = status or index.status(candidate.account)
            if candidate.taxable:
                taken.adjustment += amount
                taken.holding_from = candidate.acquired - timedelta(days=held_days)
            else:
                permanent += amount
        candidate.spent = spent   # spent candidates are skipped by later sales, as nothing would match
        if status is WashStatus.POSSIBLY_PERMANENT:
            issues.append(Issue(
                "WASH_POSSIBLY_PERMANENT",
                f"The loss on {tx.ticker} sold {tx.date.isoformat()} is washed by a purchase in "
                f"{candidate.account} (an employer plan or HSA): it is probably lost for good.",
                table="Transactions", row=tx.row, severity=Severity.WARNING,
                ticker=tx.ticker, account=candidate.account,
            ))
    return disallowed, permanent


class _GroupIndex:
    """Positions by wash group sorted by acquisition date (only those acquired by as-of)."""

    def __init__(self, positions, as_of: date, accounts: dict) -> None:
        by_group: dict[str, list[_Position]] = defaultdict(list)
        for position in positions:
            if position.acquired <= as_of:
                by_group[position.group].append(position)
        self.items = {g: _in_acquisition_order(items) for g, items in by_group.items()}
        self.dates = {g: [p.acquired for p in items] for g, items in self.items.items()}
        self._status = {name: replacement_status(account) for name, account in accounts.items()}

    def status(self, account: str) -> WashStatus:
        """What a replacement bought in ``account`` does to a washed loss (wash.replacement_status)."""
        status = self._status.get(account)
        return status if status is not None else replacement_status(None)

    def near(self, group: str, on: date, window: timedelta) -> list[_Position]:
        items = self.items.get(group)
        if not items:
            return []
        dates = self.dates[group]
        return items[bisect.bisect_left(dates, on - window):bisect.bisect_right(dates, on + window)]


_ACQUIRED_IN = attrgetter("acquired", "account")


def _in_acquisition_order(positions: list[_Position]) -> list[_Position]:
    """Sorted by (acquired, account, str(key)).  The key's text is built only for the few
    positions that share a date and an account (for all of them it was most of the sort)."""
    ordered = sorted(positions, key=_ACQUIRED_IN)
    if len(set(map(_ACQUIRED_IN, ordered))) == len(ordered):
        return ordered
    tied_from = 0
    for n in range(1, len(ordered) + 1):
        if n == len(ordered) or _ACQUIRED_IN(ordered[n]) != _ACQUIRED_IN(ordered[tied_from]):
            if n - tied_from > 1:   # a run sharing date and account: stable, as the full key would be
                ordered[tied_from:n] = sorted(ordered[tied_from:n], key=lambda p: str(p.key))
            tied_from = n
    return ordered


# --- building the positions ---------------------------------------------------------


def _sales_in_order(household: Household, lots: dict, issues: list[Issue]) -> list[Transaction]:
    """Sell rows that can be replayed, in disposition order (date, then acquisition)."""
    as_of = household.settings.as_of
    accounts = household.account_map()
    usable = []
    for tx in household.transactions:
        if tx.action is not Action.SELL:
            continue
        if tx.date > as_of:
            issues.append(_sell_issue(tx, "is dated after the as-of date and is ignored"))
            continue
        lot = lots.get((tx.account, tx.ticker, tx.lot_id)) if tx.lot_id else None
        account = accounts.get(tx.account)
        if account is not None and account.type.tax_advantaged:
            tx = _untaxed_sale(tx, lot)  # no tax: only its shares and dates matter
        if tx.price is None:
            issues.append(_sell_issue(tx, "has no Price, so its gain cannot be computed"))
            continue
        if tx.cost_basis is None and lot is None:
            issues.append(_sell_issue(tx, "needs a Cost basis (or a Lot ID of an open lot)"))
            continue
        if tx.acquired is None and lot is None:
            issues.append(_sell_issue(tx, "needs an Acquired date (or a Lot ID of an open lot)"))
            continue
        usable.append(tx)
    return sorted(usable, key=lambda t: (t.date, t.acquired or date.min, t.row if t.row is not None else 0))


def _untaxed_sale(tx: Transaction, lot) -> Transaction:
    """A sale inside an IRA/Roth/HSA: fill what the replay needs but nothing taxes."""
    acquired = tx.acquired or (lot.acquired if lot is not None else tx.date)
    basis = tx.cost_basis if tx.cost_basis is not None else 0.0
    return replace(tx, price=tx.price or 0.0, acquired=acquired, cost_basis=basis)


def _sell_issue(tx: Transaction, what: str) -> Issue:
    return Issue("SELL_INCOMPLETE", f"The sale of {tx.ticker} on {tx.date.isoformat()} {what}.",
                 table="Transactions", row=tx.row, severity=Severity.WARNING,
                 ticker=tx.ticker, account=tx.account)


def _sale_key(tx: Transaction, sale_no: int) -> tuple:
    return (tx.account, tx.ticker, tx.lot_id) if tx.lot_id else (tx.account, tx.ticker, None, sale_no)


def _lot_key(lot: Lot) -> tuple:
    return (lot.account, lot.ticker, lot.lot_id)


def _earliest_window(household: Household, window: timedelta) -> date:
    """No later than ``_quiet_horizon``: the window's start for the earliest Sell row that
    could be replayed (dated by the as-of date)."""
    as_of = household.settings.as_of
    dates = [tx.date for tx in household.transactions if tx.action is Action.SELL and tx.date <= as_of]
    if not dates:
        return date.max
    try:
        return min(dates) - window
    except OverflowError:
        return date.min


def _quiet_horizon(sales: list[Transaction], window: timedelta) -> date:
    """An open lot is quiet when no sale touches it: no sale names its Lot ID and it was
    bought before this date, too early to replace any sale.  Quiet lots pass through
    unchanged: a shortcut, the replay only tracks the others."""
    return sales[0].date - window if sales else date.max  # sales are in date order


def _build_positions(household: Household, tracked: dict, sales: list[Transaction]) -> dict[tuple, _Position]:
    """A position per tracked lot, per sold lot no longer open, and per past Buy/Reinvest row
    that is not an open lot (rows naming a quiet lot are that lot and change nothing)."""
    accounts = household.account_map()
    groups = {s.ticker: s.group for s in household.securities}
    as_of = household.settings.as_of

    untaxed = {name for name, acct in accounts.items() if acct.type.tax_advantaged}

    def new(key, account, ticker, acquired, source):
        return _Position(key, account, ticker, groups.get(ticker, ticker), acquired, source, account not in untaxed)

    positions: dict[tuple, _Position] = {}
    open_lots = tracked
    for key, lot in open_lots.items():
        positions[key] = new(key, lot.account, lot.ticker, lot.acquired, "lot")
    for sale_no, tx in enumerate(sales):
        key = _sale_key(tx, sale_no)
        lot = open_lots.get(key)
        acquired = tx.acquired or lot.acquired
        basis = tx.cost_basis if tx.cost_basis is not None else lot.basis_per_share * tx.shares
        position = positions.get(key) or positions.setdefault(
            key, new(key, tx.account, tx.ticker, acquired, "sold"))
        position.portions.append(_Portion(tx.shares, basis, acquired, sale=sale_no))
    for key, lot in open_lots.items():  # open shares last: sold-earliest shares replace first
        positions[key].portions.append(_Portion(lot.shares, lot.cost_basis, lot.acquired))
    bought_ids = {tx.lot_id for tx in household.transactions if tx.action is not Action.SELL and tx.lot_id}
    quiet_named = {_lot_key(lot) for lot in household.lots if lot.lot_id in bought_ids} if bought_ids else set()
    quiet_named.difference_update(tracked)
    for tx in household.transactions:
        if tx.action is Action.SELL or tx.date > as_of:
            continue
        if not (tx.lot_id and (tx.account, tx.ticker, tx.lot_id) in quiet_named):
            _add_purchase(tx, positions, new)
    return positions  # each position's portions: sold shares (in sale order), then open ones


def _add_purchase(tx: Transaction, positions: dict, new) -> None:
    """A past Buy/Reinvest row: the lot it names, or an open position of its own."""
    key = (tx.account, tx.ticker, tx.lot_id) if tx.lot_id else (tx.account, tx.ticker, "", tx.date, tx.row)
    position = positions.get(key)
    basis = tx.cost_basis if tx.cost_basis is not None else (tx.price or 0.0) * tx.shares
    if position is None:
        source = "reinvest" if tx.action is Action.REINVEST else "buy"
        position = positions[key] = new(key, tx.account, tx.ticker, tx.date, source)
        position.portions.append(_Portion(tx.shares, basis, tx.date))
        return
    if position.source == "sold":  # a buy whose lot has since been sold: the rest is open
        position.acquired = tx.date
        rest = tx.shares - sum(p.shares for p in position.portions)
        if rest > SHARE_TOL:
            position.portions.append(_Portion(rest, basis * rest / tx.shares, tx.date))


def _open_lots(lots: tuple[Lot, ...], loud: list[int], positions: dict) -> tuple[Union[Lot, OpenLot], ...]:
    """Open lots in the Lots table's order, then taxable past buys and reinvestments not in Lots.

    ``loud`` are the positions in ``lots`` of the lots the replay tracked, in order; the
    quiet ones between them pass through unchanged, copied a run at a time."""
    found: list = []
    shown = set()
    quiet_from = 0
    for n in loud:
        found.extend(lots[quiet_from:n])
        quiet_from = n + 1
        key = _lot_key(lots[n])
        if key not in shown:   # a Lot ID listed twice is one lot
            shown.add(key)
            found.extend(_position_lots(positions[key]))
    found.extend(lots[quiet_from:])
    for key, position in positions.items():
        if position.source != "lot" and position.taxable:  # past buys not in Lots; IRA ones are noise
            found.extend(_position_lots(position))
    return tuple(found)


def _position_lots(position: _Position) -> list[OpenLot]:
    """One row per holding period of a position's open shares (a wash sale splits a lot)."""
    portions = position.portions
    if not portions:   # a lot sold whole
        return []
    if len(portions) == 1 and portions[0].sale is None:  # the common case: one untouched block
        only = portions[0]
        if only.shares <= SHARE_TOL:
            return []
        return [build(OpenLot, account=position.account, ticker=position.ticker,
                       lot_id=lot_label(position.key[2], position.source, position.acquired),
                       acquired=position.acquired, holding_from=only.holding_from, shares=only.shares,
                       cost_basis=only.basis + only.adjustment, wash_adjustment=only.adjustment,
                       source=position.source)]
    by_start: dict[date, list[float]] = {}
    for portion in position.portions:
        if portion.sale is None and portion.shares > SHARE_TOL:
            sums = by_start.setdefault(portion.holding_from, [0.0, 0.0, 0.0])
            sums[0] += portion.shares
            sums[1] += portion.basis
            sums[2] += portion.adjustment
    lot_id = lot_label(position.key[2], position.source, position.acquired)
    return [build(OpenLot, account=position.account, ticker=position.ticker, lot_id=lot_id,
                   acquired=position.acquired, holding_from=start, shares=shares,
                   cost_basis=basis + adjustment, wash_adjustment=adjustment, source=position.source)
            for start, (shares, basis, adjustment) in sorted(by_start.items())]


def _totals(rows: list[RealizedRow], household: Household) -> RealizedTotals:
    return year_totals(
        household.settings,
        st=sum(r.allowed_gain for r in rows if r.term == "ST"),
        lt=sum(r.allowed_gain for r in rows if r.term == "LT"),
        disallowed=sum(r.disallowed_loss for r in rows),
        permanent=sum(r.permanent_loss for r in rows),
    )
