"""The plan's own wash sales: which of its loss sales a purchase in the window disallows.

The plan avoids them (``selling`` moves washed loss lots last, ``placement`` buys another
wash group of the class); what is left is counted here, never booked as a saving (RULES.md
"Harvests and the plan", IRC 1091, Reg. 1.1091-1(b)-(c)):

- The replacements are the group's purchases within the window around the as-of date (open
  lots, Buy/Reinvest rows past and planned, in any account, ``book.window_index``) and the
  plan's own BUY rows (bought on the as-of date), matched in acquisition order; each
  replacement share absorbs the loss of one share sold, and a lot is never its own
  replacement.
- The loss sales are the plan's SELL rows in taxable accounts, per lot piece (a piece at a
  gain is never washed), in the plan's row order.
- A loss washed by a replacement in an IRA or Roth is lost for good (Rev. Rul. 2008-5); one
  in a 401k/HSA possibly so (``wash.replacement_status``); else it is deferred into the
  replacement's basis.  Either way it saves no tax this year.

A sale washed by the plan's own buy carries WASH SALE; one washed only by purchases outside
the plan keeps the WASH RISK flag ``selling`` gives it.  Both say the disallowed amount.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .book import Book
from .lots import format_shares
from .model import MONEY_TOL, SHARE_TOL
from .selling import Order
from .wash import WashStatus, acquisition_order, replacement_status

WASH_SALE = "WASH SALE"


@dataclass(frozen=True)
class Washed:
    """What the wash-sale rule takes from one SELL row.  $ amounts are losses (>= 0)."""

    shares: float               # shares whose loss is disallowed
    st: float                   # disallowed short-term loss, $
    lt: float                   # disallowed long-term loss, $
    permanent: float            # of which lost for good (replacement in an IRA/Roth), $
    possibly_permanent: float   # of which perhaps lost (replacement in a 401k/HSA), $
    by_plan: bool               # the plan also buys the sale's wash group (the two are paired)
    text: str                   # the sentence for the reason

    @property
    def disallowed(self) -> float:
        return self.st + self.lt


class _Replacement:
    """Replacement shares of a group still free to absorb a loss."""

    __slots__ = ("key", "account", "ticker", "name", "day", "shares", "status", "planned")

    def __init__(self, key, account, ticker, name, day, shares, status, planned):
        self.key, self.account, self.ticker, self.name = key, account, ticker, name
        self.day, self.shares, self.status, self.planned = day, shares, status, planned


def plan_washes(book: Book, orders: Sequence[Order]) -> dict[int, Washed]:
    """Index of each SELL order in ``orders`` whose loss is (partly) washed -> what is washed."""
    losers = [(i, o) for i, o in enumerate(orders) if o.action == "SELL" and book.is_taxable(o.account)
              and any(u.lot is not None and u.gain < -MONEY_TOL for u in o.uses)]
    if not losers:
        return {}
    bought = {book.group_of.get(o.ticker, o.ticker) for o in orders if o.action == "BUY"}
    pools: dict[str, list[_Replacement]] = {}
    out: dict[int, Washed] = {}
    for i, order in losers:
        group = book.group_of.get(order.ticker, order.ticker)
        if group not in pools:
            pools[group] = _pool(book, orders, group)
        washed = _match(order, pools[group], group in bought)
        if washed is not None:
            out[i] = washed
    return out


def _pool(book: Book, orders: Sequence[Order], group: str) -> list[_Replacement]:
    status = {name: replacement_status(acct) for name, acct in book.accounts.items()}
    found = []
    if book.window_index is not None and group in book.groups_bought_near:
        for a in book.window_index.purchases_near(group, book.settings.as_of):
            found.append((acquisition_order(a), _Replacement(
                (a.account, a.ref), a.account, a.ticker, f"{a.ticker} bought in {a.account} on {a.date:%Y-%m-%d}",
                a.date, a.shares, status.get(a.account, WashStatus.BLOCKED), False)))
    as_of = book.settings.as_of
    for n, o in enumerate(orders):
        if o.action == "BUY" and book.group_of.get(o.ticker, o.ticker) == group:
            found.append(((as_of, o.account, f"~plan {n}", -1), _Replacement(
                None, o.account, o.ticker, f"this plan buys {o.ticker} in {o.account}", as_of, o.shares,
                status.get(o.account, WashStatus.BLOCKED), True)))
    return [r for _, r in sorted(found, key=lambda pair: pair[0])]


def _match(order: Order, pool: list[_Replacement], paired: bool) -> "Washed | None":
    """Match the sale's loss pieces against the replacement shares still free.  ``paired``:
    the plan buys the group too; the row is then flagged even when earlier loss sales of the
    group used up every replacement share (and says so)."""
    st = lt = permanent = possibly = shares = 0.0
    first = []
    for use in order.uses:
        if use.lot is None or use.gain >= -MONEY_TOL:
            continue
        left = use.shares
        loss_ps = -use.gain / use.shares
        for r in pool:
            if left <= SHARE_TOL:
                break
            if r.shares <= SHARE_TOL or r.key == (use.lot.account, use.lot.lot_id):
                continue
            take = min(left, r.shares)
            r.shares -= take
            left -= take
            loss = take * loss_ps
            shares += take
            if use.term == "ST":
                st += loss
            else:
                lt += loss
            if r.status is WashStatus.PERMANENT:
                permanent += loss
            elif r.status is WashStatus.POSSIBLY_PERMANENT:
                possibly += loss
            if r.name not in first:
                first.append(r.name)
    if shares <= SHARE_TOL:
        if not paired:
            return None
        return Washed(0.0, 0.0, 0.0, 0.0, 0.0, True,
                      f"this plan also buys {order.ticker}'s wash group, but its shares replace the plan's "
                      f"other loss sales of the group first, so none of this sale's loss is disallowed")
    total = st + lt
    how = ("lost for good (the replacement is in an IRA or Roth)" if permanent >= total - MONEY_TOL else
           f"${permanent:,.0f} of it lost for good (IRA/Roth replacement)" if permanent > MONEY_TOL else
           "possibly lost for good (the replacement is in a 401k or HSA)" if possibly > MONEY_TOL else
           "deferred into the replacement's basis")
    text = (f"the ${total:,.0f} loss on {format_shares(shares)} sh is disallowed as a wash sale "
            f"({'; '.join(first)}): {how}, so no tax saving is counted for it")
    return Washed(shares, st, lt, permanent, possibly, paired, text)


__all__ = ["WASH_SALE", "Washed", "plan_washes"]
