"""Selling an asset class in accounts: whole shares, lots, wash-sale safety, gain budget.

``Order`` is one planned trade before its reason is written.  Two ways to sell:

- ``sell_sheltered``: a tax-advantaged account, largest position of the class first;
  no lots, no tax.
- ``sell_taxable``: one or more taxable accounts pooled; every open lot of the class is
  ranked by the lot method (``lots.LOT_ORDER``), with loss lots whose whole loss a purchase
  in the window would wash (``wash``: past or planned, any account; or a group in
  ``Ledger.defer_losses``, which the plan itself buys) and gain lots about to
  turn long-term moved last, and shares of unknown basis (holding larger than its lots)
  after everything.  A loss lot only partly covered by replacement shares keeps its place
  and is flagged WASH RISK (only min(shares sold, replacement shares) is disallowed).
  Options stop at gain lots (``losses_only``) or at the gain budget.

Shares sold are rounded *up* to whole shares (so the cash raised covers what was asked)
unless a limit (budget, losses only) is what stopped the sale; then *down*.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Iterable, NamedTuple, Optional, Sequence

from .book import Book, Ledger
from .lots import LOT_ORDER, LotUse, Sale, format_shares, long_term_date, use_up
from .model import MONEY_TOL, SHARE_TOL, Lot
from .tax import round_money
from .wash import acquisition_order

WASH_RISK = "WASH RISK"
UNKNOWN_BASIS = "UNKNOWN BASIS"
GAIN_BUDGET = "GAIN BUDGET"
LOSSES_ONLY = "LOSSES ONLY"


@dataclass(frozen=True)
class Order:
    """A planned trade.  ``purpose``: withdrawal | rebalance | fund | deposit."""

    account: str
    ticker: str
    asset_class: str
    action: str                         # "BUY" or "SELL"
    shares: float
    price: float
    purpose: str
    uses: tuple[LotUse, ...] = ()
    flags: tuple[str, ...] = ()
    detail: str = ""                    # extra words for the reason (wash conflict, ...)
    harvest: str = ""                   # a harvest this buy keeps open, or blocks (``keep_open``)

    @property
    def amount(self) -> float:
        """$ shares x price, rounded to cents: the amount the plan books for this trade."""
        return round_money(self.shares * self.price)

    # Computed once per order (the order is immutable): a sale of a large position can
    # relieve thousands of lots, and the plan asks for its gains several times.
    @cached_property
    def st_gain(self) -> float:
        return sum(u.gain for u in self.uses if u.term == "ST")

    @cached_property
    def lt_gain(self) -> float:
        return sum(u.gain for u in self.uses if u.term == "LT")


def whole(shares: float, up: bool) -> float:
    """Whole shares, rounded up or down (a hair of float noise is not a share)."""
    return float(math.ceil(shares - 1e-6) if up else math.floor(shares + 1e-6))


#: Fractional trades (Whole shares = FALSE) are in 1/10,000 share steps.
FRACTION = 10_000


def buy_shares(book: Book, dollars: float, price: float) -> float:
    """Shares ``dollars`` buy at ``price``, rounded down (whole, or 1/10,000 share) so that
    the amount in cents never exceeds the cash."""
    cents = math.floor(dollars * 100 + 1e-6) / 100
    if book.settings.whole_shares:
        return whole(cents / price, up=False)
    return math.floor(cents / price * FRACTION + 1e-6) / FRACTION


def sell_shares(book: Book, wanted: float, available: float, up: bool = True) -> float:
    """Shares to sell for ``wanted`` shares: whole when set, never more than ``available``."""
    shares = whole(wanted, up) if book.settings.whole_shares else wanted
    return max(0.0, min(shares, available))


def apply(book: Book, ledger: Ledger, order: Order) -> None:
    """Record ``order`` in the ledger: shares, lots, cash, class value, groups, gain room."""
    sign = -1.0 if order.action == "SELL" else 1.0
    key = (order.account, order.ticker)
    ledger.shares_left[key] = ledger.shares_left.get(key, 0.0) + sign * order.shares
    ledger.cash[order.account] = ledger.cash.get(order.account, 0.0) - sign * order.amount
    if order.asset_class in ledger.values:
        ledger.values[order.asset_class] += sign * order.amount
    group = book.group_of.get(order.ticker, order.ticker)
    if order.action == "BUY":
        ledger.bought_groups.add(group)
        return
    ledger.sold_groups[order.account].add(group)
    lot_sold = ledger.lot_sold.setdefault(key, {})
    for use in order.uses:
        if use.lot is not None:
            lot_id = use.lot.lot_id
            lot_sold[lot_id] = lot_sold.get(lot_id, 0.0) + use.shares
    if any(use.gain < -MONEY_TOL for use in order.uses):
        ledger.loss_groups.add(group)
    if book.is_taxable(order.account) and ledger.gain_room is not None:
        ledger.gain_room -= order.st_gain + order.lt_gain


def sell_sheltered(book: Book, ledger: Ledger, account: str, asset_class: str, dollars: float,
                   purpose: str) -> list[Order]:
    """Sell ``dollars`` of the class in a tax-advantaged account, largest position first.

    The orders are returned, not applied: the caller applies the ones it keeps."""
    orders: list[Order] = []
    left = dollars
    for ticker in book.tickers_in.get((account, asset_class), ()):
        if left <= MONEY_TOL:
            break
        price = book.prices[ticker]
        shares = sell_shares(book, left / price, ledger.shares_left.get((account, ticker), 0.0))
        if shares > SHARE_TOL:
            order = Order(account, ticker, asset_class, "SELL", shares, price, purpose)
            orders.append(order)
            left -= order.amount
    return orders


class _Candidate(NamedTuple):
    """A lot (or a position's shares of unknown basis) a taxable sale could relieve."""

    account: str
    ticker: str
    lot: Optional[Lot]          # None: shares of unknown basis
    shares: float
    risky: bool                 # a loss lot a purchase in the window would (partly) wash
    key: tuple
    position: tuple[str, str]   # (account, ticker), one tuple shared by the position's candidates
    price: float                # $ per share the sale gets
    gain_ps: float              # $ gain per share (price - basis per share; price when unknown)


_rank = itemgetter(5)


@dataclass(frozen=True)
class TaxableResult:
    orders: tuple[Order, ...]
    stopped: Optional[str]      # GAIN_BUDGET or LOSSES_ONLY when a limit left dollars unsold
    unsold: float               # $ asked for but not sold because of that limit


def sell_taxable(book: Book, ledger: Ledger, accounts: Sequence[str], asset_class: str, dollars: float,
                 purpose: str, *, losses_only: bool = False, budget: bool = True) -> TaxableResult:
    """Sell ``dollars`` of the class across taxable ``accounts``, least-tax lots first.

    The orders are returned, not applied: the caller applies the ones it keeps."""
    ranked = sorted(_candidates(book, ledger, accounts, asset_class), key=_rank)
    wanted: dict[tuple[str, str], float] = {}
    limited: set[tuple[str, str]] = set()
    left, room, stopped = dollars, ledger.gain_room, None
    budgeted = budget and room is not None
    for _, _, _, shares, _, _, position, price, gain_ps in ranked:
        if left <= MONEY_TOL:
            break
        take = min(shares, left / price)
        if losses_only and gain_ps > -1e-9:
            stopped = LOSSES_ONLY
            continue
        if budgeted and gain_ps > 1e-9 and take * gain_ps > room:
            take = max(0.0, room / gain_ps)
            stopped = GAIN_BUDGET
            limited.add(position)
        if take > SHARE_TOL:
            wanted[position] = wanted.get(position, 0.0) + take
            left -= take * price
            if room is not None:
                room -= take * gain_ps
    unsold = left if stopped else 0.0
    by_position: dict[tuple[str, str], list[_Candidate]] = {position: [] for position in wanted}
    for cand in ranked:
        eligible = by_position.get(cand.position)
        if eligible is not None and not (losses_only and not _at_loss(cand)):
            eligible.append(cand)
    orders = tuple(_position_order(book, ledger, position, asset_class, shares, purpose,
                                   up=position not in limited and not losses_only,
                                   eligible=by_position[position], flag_budget=position in limited)
                   for position, shares in wanted.items())
    orders = tuple(o for o in orders if o is not None)
    return TaxableResult(orders, stopped, max(0.0, unsold))


def _candidates(book: Book, ledger: Ledger, accounts: Iterable[str], asset_class: str) -> list[_Candidate]:
    """Every open lot of the class in ``accounts``, keyed for the walk: washed loss lots and
    gain lots about to turn long-term after the rest, unknown basis last, then the method.

    The hot loop of a large plan (one pass per lot): what is the same for a whole position
    (price, sale, replacement shares of its group) is looked up once per position."""
    settings = book.settings
    method = LOT_ORDER[settings.lot_method]
    soon_days = settings.lt_soon_days
    out: list[_Candidate] = []
    add = out.append
    for account in accounts:
        for ticker in book.tickers_in.get((account, asset_class), ()):
            price = book.prices[ticker]
            sale = Sale.from_settings(price, settings)
            on = sale.on
            position = (account, ticker)
            near = _replacements(book, ledger, ticker)
            defer = book.group_of.get(ticker, ticker) in ledger.defer_losses   # the plan buys the group
            in_lots = 0.0
            for lot in ledger.lots_left(book, account, ticker):
                shares = lot.shares
                in_lots += shares
                gain_ps = price - lot.cost_basis / shares
                soon = False
                if gain_ps > 0:
                    lt_from = long_term_date(lot.acquired)
                    soon = on < lt_from and (lt_from - on).days <= soon_days
                washable = min(shares, near[0] - near[1].get((lot.account, lot.lot_id), 0.0)) \
                    if gain_ps < 0 and near is not None else 0.0
                deferred = washable >= shares - SHARE_TOL or (defer and gain_ps < 0)   # the loss would be washed
                # The rank (0, deferred, soon, method key), flattened: sorting flat tuples of
                # 100,000 lots takes half the time of nested ones, in the same order (every
                # key of one method has the same length).  Unknown basis ranks 4: after all.
                key = (2 * deferred + soon, *method(lot, sale))
                add(_new_candidate(_Candidate, (account, ticker, lot, shares, washable > SHARE_TOL, key, position,
                                                price, gain_ps)))
            unknown = ledger.shares_left.get(position, 0.0) - in_lots
            if unknown > SHARE_TOL:
                add(_Candidate(account, ticker, None, unknown, False, (4, account, ticker), position, price, price))
    return out


#: ``_Candidate(...)`` without the named tuple's Python-level ``__new__`` (once per lot).
_new_candidate = tuple.__new__


def _at_loss(cand: _Candidate) -> bool:
    return cand.lot is not None and cand.price < cand.lot.basis_per_share - 1e-9


def _replacements(book: Book, ledger: Ledger, ticker: str) -> Optional[tuple[float, dict]]:
    """(replacement shares, those shares by (account, lot id)) of the ticker's group bought
    within the window, past or planned, any account; None when none can be.  ``wash``
    answers, once per group (memo in the ledger)."""
    group = book.group_of.get(ticker, ticker)
    if group not in book.groups_bought_near:
        return None
    near = ledger.purchases_near.get(group)
    if near is None:
        found = book.window_index.purchases_near(group, book.settings.as_of)
        own: dict[tuple[str, str], float] = {}
        for a in found:
            if a.lot_id is not None:
                own[(a.account, a.lot_id)] = own.get((a.account, a.lot_id), 0.0) + a.shares
        near = ledger.purchases_near[group] = (sum(a.shares for a in found), own)
    return near


def _washable_shares(book: Book, ledger: Ledger, lot: Lot, sale: Sale) -> float:
    """Shares of this lot whose loss a purchase in the window (any account, past or planned,
    other than the lot itself) would disallow if sold today: at most the replacement shares."""
    near = _replacements(book, ledger, lot.ticker)
    if near is None:
        return 0.0
    total, own = near
    return min(lot.shares, total - own.get((lot.account, lot.lot_id), 0.0))


def _position_order(book: Book, ledger: Ledger, position: tuple[str, str], asset_class: str, shares: float,
                    purpose: str, *, up: bool, eligible: list[_Candidate], flag_budget: bool) -> Optional[Order]:
    account, ticker = position
    price = book.prices[ticker]
    count = sell_shares(book, shares, ledger.shares_left.get(position, 0.0), up=up)
    if count <= SHARE_TOL:
        return None
    sale = Sale.from_settings(price, book.settings)
    lots = [c.lot for c in eligible if c.lot is not None]
    unknown = sum(c.shares for c in eligible if c.lot is None)
    uses = use_up(lots, count, sale, unknown)
    count = sum(u.shares for u in uses)
    risky = {c.lot.lot_id for c in eligible if c.risky}     # (unknown basis is never risky)
    flags = []
    detail = ""
    if risky and any(u.lot is not None and u.lot.lot_id in risky and u.gain < -MONEY_TOL for u in uses):
        flags.append(WASH_RISK)
        detail = _wash_detail(book, ledger, uses, risky, sale)
    if any(u.lot is None for u in uses):
        flags.append(UNKNOWN_BASIS)
    if flag_budget:
        flags.append(GAIN_BUDGET)
    return Order(account, ticker, asset_class, "SELL", count, price, purpose, uses, tuple(flags), detail)


def _wash_detail(book: Book, ledger: Ledger, uses: Sequence[LotUse], risky: set, sale: Sale) -> str:
    use = next(u for u in uses if u.lot is not None and u.lot.lot_id in risky and u.gain < -MONEY_TOL)
    lot = use.lot
    group = book.group_of.get(lot.ticker, lot.ticker)
    near = book.window_index.purchases_near(group, sale.on, exclude=(lot.account, lot.lot_id))
    buy = max(near, key=acquisition_order) if near else None    # as ``wash.purchase_in_window``
    when = f"{buy.ticker} bought in {buy.account} on {buy.date:%Y-%m-%d}" if buy is not None else "a purchase"
    washed = min(use.shares, _washable_shares(book, ledger, lot, sale))
    return (f"the loss on up to {format_shares(washed)} sh of lot {lot.lot_id} would be disallowed "
            f"as a wash sale ({when})")
