"""Positions: the working state of the realized-gains replay, built from the user's rows and
turned back into open lots afterwards.

A position is one acquisition (an open lot, a lot sold this year and no longer open, a past
Buy/Reinvest row not in Lots); its portions are blocks of its shares that share a basis
adjustment and a holding period (a wash sale splits a portion when it adjusts part of it).
Each share belongs to exactly one portion: the sold shares (one portion per sale, in sale
order) and then the still-open ones.  Local to one replay; nothing here escapes it.

Design choice: within one lot, the shares sold earliest are the first to serve as
replacement shares (the still-open shares last).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Union

from .heap import build
from .ledger import OpenLot
from .model import SHARE_TOL, Action, Household, Issue, Lot, Severity, Transaction
from .wash import lot_label


class Portion:
    """Shares of one acquisition that share basis adjustment and holding period."""

    __slots__ = ("shares", "basis", "adjustment", "holding_from", "replaced", "sale")

    def __init__(self, shares, basis, holding_from, sale=None, adjustment=0.0, replaced=False):
        self.shares, self.basis, self.holding_from = shares, basis, holding_from
        self.sale, self.adjustment, self.replaced = sale, adjustment, replaced

    def split(self, shares: float) -> "Portion":
        """Cut ``shares`` off this portion into a new one (basis and adjustment pro rata)."""
        fraction = shares / self.shares
        cut = Portion(shares, self.basis * fraction, self.holding_from, self.sale,
                       self.adjustment * fraction, self.replaced)
        self.shares -= shares
        self.basis -= cut.basis
        self.adjustment -= cut.adjustment
        return cut


class Position:
    """One acquisition (an open lot, a sold lot, a past buy or reinvestment)."""

    __slots__ = ("key", "account", "ticker", "group", "acquired", "source", "portions", "taxable", "spent")

    def __init__(self, key, account, ticker, group, acquired, source, taxable):
        self.key, self.account, self.ticker, self.group = key, account, ticker, group
        self.acquired, self.source, self.taxable = acquired, source, taxable
        self.portions: list[Portion] = []
        self.spent = False   # every portion has replaced a loss: nothing left to match


def sales_in_order(household: Household, lots: dict, issues: list[Issue]) -> list[Transaction]:
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


def sale_key(tx: Transaction, sale_no: int) -> tuple:
    return (tx.account, tx.ticker, tx.lot_id) if tx.lot_id else (tx.account, tx.ticker, None, sale_no)


def lot_key(lot: Lot) -> tuple:
    return (lot.account, lot.ticker, lot.lot_id)


def earliest_window(household: Household, window: timedelta) -> date:
    """No later than ``quiet_horizon``: the window's start for the earliest Sell row that
    could be replayed (dated by the as-of date)."""
    as_of = household.settings.as_of
    dates = [tx.date for tx in household.transactions if tx.action is Action.SELL and tx.date <= as_of]
    if not dates:
        return date.max
    try:
        return min(dates) - window
    except OverflowError:
        return date.min


def quiet_horizon(sales: list[Transaction], window: timedelta) -> date:
    """An open lot is quiet when no sale touches it: no sale names its Lot ID and it was
    bought before this date, too early to replace any sale.  Quiet lots pass through
    unchanged: a shortcut, the replay only tracks the others."""
    return sales[0].date - window if sales else date.max  # sales are in date order


def build_positions(household: Household, tracked: dict, sales: list[Transaction]) -> dict[tuple, Position]:
    """A position per tracked lot, per sold lot no longer open, and per past Buy/Reinvest row
    that is not an open lot (rows naming a quiet lot are that lot and change nothing)."""
    accounts = household.account_map()
    groups = {s.ticker: s.group for s in household.securities}
    as_of = household.settings.as_of

    untaxed = {name for name, acct in accounts.items() if acct.type.tax_advantaged}

    def new(key, account, ticker, acquired, source):
        return Position(key, account, ticker, groups.get(ticker, ticker), acquired, source, account not in untaxed)

    positions: dict[tuple, Position] = {}
    open_lots = tracked
    for key, lot in open_lots.items():
        positions[key] = new(key, lot.account, lot.ticker, lot.acquired, "lot")
    for sale_no, tx in enumerate(sales):
        key = sale_key(tx, sale_no)
        lot = open_lots.get(key)
        acquired = tx.acquired or lot.acquired
        basis = tx.cost_basis if tx.cost_basis is not None else lot.basis_per_share * tx.shares
        position = positions.get(key) or positions.setdefault(
            key, new(key, tx.account, tx.ticker, acquired, "sold"))
        position.portions.append(Portion(tx.shares, basis, acquired, sale=sale_no))
    for key, lot in open_lots.items():  # open shares last: sold-earliest shares replace first
        positions[key].portions.append(Portion(lot.shares, lot.cost_basis, lot.acquired))
    bought_ids = {tx.lot_id for tx in household.transactions if tx.action is not Action.SELL and tx.lot_id}
    quiet_named = {lot_key(lot) for lot in household.lots if lot.lot_id in bought_ids} if bought_ids else set()
    quiet_named.difference_update(tracked)
    for n, tx in enumerate(household.transactions):
        if tx.action is Action.SELL or tx.date > as_of:
            continue
        if not (tx.lot_id and (tx.account, tx.ticker, tx.lot_id) in quiet_named):
            _add_purchase(tx, n, positions, new)
    return positions  # each position's portions: sold shares (in sale order), then open ones


def _add_purchase(tx: Transaction, n: int, positions: dict, new) -> None:
    """A past Buy/Reinvest row (the ``n``-th transaction): the lot it names, or an open
    position of its own (two identical rows are two purchases, sheet row or not)."""
    row = tx.row if tx.row is not None else ("#", n)
    key = (tx.account, tx.ticker, tx.lot_id) if tx.lot_id else (tx.account, tx.ticker, "", tx.date, row)
    position = positions.get(key)
    basis = tx.cost_basis if tx.cost_basis is not None else (tx.price or 0.0) * tx.shares
    if position is None:
        source = "reinvest" if tx.action is Action.REINVEST else "buy"
        position = positions[key] = new(key, tx.account, tx.ticker, tx.date, source)
        position.portions.append(Portion(tx.shares, basis, tx.date))
        return
    if position.source == "sold":  # a buy whose lot has since been sold: the rest is open
        position.acquired = tx.date
        rest = tx.shares - sum(p.shares for p in position.portions)
        if rest > SHARE_TOL:
            position.portions.append(Portion(rest, basis * rest / tx.shares, tx.date))


def open_lots_of(lots: tuple[Lot, ...], loud: list[int], positions: dict) -> tuple[Union[Lot, OpenLot], ...]:
    """Open lots in the Lots table's order, then taxable past buys and reinvestments not in Lots.

    ``loud`` are the positions in ``lots`` of the lots the replay tracked, in order; the
    quiet ones between them pass through unchanged, copied a run at a time."""
    found: list = []
    shown = set()
    quiet_from = 0
    for n in loud:
        found.extend(lots[quiet_from:n])
        quiet_from = n + 1
        key = lot_key(lots[n])
        if key not in shown:   # a Lot ID listed twice is one lot
            shown.add(key)
            found.extend(position_lots(positions[key]))
    found.extend(lots[quiet_from:])
    for key, position in positions.items():
        if position.source != "lot" and position.taxable:  # past buys not in Lots; IRA ones are noise
            found.extend(position_lots(position))
    return tuple(found)


def position_lots(position: Position) -> list[OpenLot]:
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
