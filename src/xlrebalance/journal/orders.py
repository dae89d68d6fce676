"""The plan's BUY/SELL rows as limit orders, and the pre-trade checks that must pass first.

- Sells first, then buys (the plan's own order), whole shares (rounded down).
- Limit price: the last price moved by the ``Limit collar`` setting (default 0.5%), buys
  above it (rounded up to the cent), sells below it (rounded down): the worst price the
  order accepts.
- Buys are sized at their limit prices: in each account, cash + pending ``Cash flow`` +
  the run's sells at their limits - the buys at their limits stays at or above the
  ``Cash reserve``; a buy trimmed for that says so in its note.  Fees are not known before
  the trade and are not counted.
- Order IDs are deterministic: the run (as-of date + inputs hash) and the row.

``pretrade_issues`` are the checks: every sell covered by lots held (and by the holding),
no account below its reserve after sells and buys, nothing in a non-tradable class, no
wash sale created without a flag, no stale price (unless ``allow_stale``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Optional, Sequence

from ..core.lots import format_shares
from ..core.model import MONEY_TOL, SHARE_TOL, Action, AccountType, Household, Issue, Severity
from ..core.staleness import stale_price_issues
from ..core.trades import Trade, TradePlan
from .entries import PROPOSED, Entry
from .ids import inputs_hash, order_id, run_id

WASH_WORD = "WASH"


@dataclass(frozen=True)
class Order:
    """One order to send.  ``shares`` whole; prices $ per share; gains and tax $ (the plan's
    estimates at the last price, scaled to the order's shares)."""

    order_id: str
    account: str
    ticker: str
    side: str                        # BUY or SELL
    shares: float
    last_price: float
    limit_price: float
    lots: str = ""                   # 'L1 (12 sh), L3 (4 sh)': the lots a sell relieves
    lot_shares: tuple[tuple[str, float], ...] = ()
    est_st_gain: float = 0.0
    est_lt_gain: float = 0.0
    est_tax: float = 0.0
    flags: tuple[str, ...] = ()
    reason: str = ""
    note: str = ""                   # what changed from the plan's row (trimmed, rounded)

    @property
    def amount(self) -> float:
        """$ at the limit price."""
        return round(self.shares * self.limit_price, 2)


@dataclass(frozen=True)
class OrderRun:
    run_id: str
    run_time: str                    # 'YYYY-MM-DD HH:MM:SS', local time
    inputs_hash: str
    as_of: date
    orders: tuple[Order, ...]
    notes: tuple[str, ...] = ()
    issues: tuple[Issue, ...] = field(default=())    # the pre-trade checks' findings

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.is_error]

    def entries(self, status: str = PROPOSED, approved_by: str = "") -> list[Entry]:
        """The run as Journal rows."""
        return [Entry(run_id=self.run_id, order_id=o.order_id, status=status, run_time=self.run_time,
                      inputs_hash=self.inputs_hash, account=o.account, ticker=o.ticker, side=o.side,
                      shares=o.shares, limit_price=o.limit_price, lots=o.lots, est_st_gain=o.est_st_gain,
                      est_lt_gain=o.est_lt_gain, est_tax=o.est_tax, flags=", ".join(o.flags),
                      reason=o.reason, approved_by=approved_by, note=o.note) for o in self.orders]


def limit_price(side: str, last: float, collar: float) -> float:
    """The worst price accepted: a buy at most last x (1 + collar) rounded up to the cent, a
    sell at least last x (1 - collar) rounded down to the cent."""
    if side == "BUY":
        return math.ceil(round(last * (1 + collar) * 100, 6)) / 100
    return max(0.01, math.floor(round(last * (1 - collar) * 100, 6)) / 100)


def _whole(shares: float) -> float:
    return float(math.floor(shares + SHARE_TOL))


def _scaled(trade: Trade, shares: float) -> tuple[float, float, float]:
    if trade.shares <= SHARE_TOL or abs(shares - trade.shares) <= SHARE_TOL:
        return trade.st_gain, trade.lt_gain, trade.est_tax
    k = shares / trade.shares
    return round(trade.st_gain * k, 2), round(trade.lt_gain * k, 2), round(trade.est_tax * k, 2)


def _relieve(lot_shares: Sequence[tuple[str, float]], shares: float) -> tuple[tuple[str, float], ...]:
    """The first ``shares`` of the plan's lots, in its order."""
    out, left = [], shares
    for lot_id, n in lot_shares:
        take = min(n, left)
        if take > SHARE_TOL:
            out.append((lot_id, take))
            left -= take
    return tuple(out)


def _lots_text(lot_shares: Sequence[tuple[str, float]]) -> str:
    return ", ".join(f"{lot_id} ({format_shares(n)} sh)" for lot_id, n in lot_shares)


def build_orders(household: Household, plan: TradePlan, *, now: Optional[datetime] = None,
                 allow_stale: bool = False) -> OrderRun:
    """The orders of ``plan`` (computed on ``household``) and the pre-trade checks."""
    settings = household.settings
    collar = settings.limit_collar
    digest = inputs_hash(household)
    run = run_id(settings.as_of, digest)
    now = now or datetime.now()
    notes: list[str] = []
    planned = [t for t in plan.trades if t.action in ("SELL", "BUY")]
    planned.sort(key=lambda t: (0 if t.action == "SELL" else 1, t.account, t.ticker))
    room = {a.name: a.cash + a.cash_flow - settings.cash_reserve for a in household.accounts}
    drafts: list[Order] = []
    covered = False
    for trade in planned:
        if trade.action == "BUY" and not covered:
            covered = True
            drafts = _cover_withdrawals(household, drafts, room)
        shares = _whole(trade.shares)
        limit = limit_price(trade.action, trade.price, collar)
        note = ""
        if shares < trade.shares - SHARE_TOL:
            note = f"rounded down from {format_shares(trade.shares)} to whole shares"
        if trade.action == "BUY":
            spare = room.get(trade.account, 0.0)
            if shares * limit > spare + MONEY_TOL:
                fit = max(0.0, float(math.floor((spare + MONEY_TOL) / limit)))
                note = (f"trimmed from {format_shares(shares)} to {format_shares(fit)} shares so "
                        f"{trade.account}'s cash stays at or above its reserve at the limit price")
                shares = fit
        if shares <= 0:
            notes.append(f"{trade.action} {trade.ticker} in {trade.account} is left out: "
                         f"{note or 'less than one whole share'}.")
            continue
        lot_shares = _relieve(trade.lot_shares, shares) if trade.action == "SELL" else ()
        room[trade.account] = room.get(trade.account, 0.0) + (shares * limit if trade.action == "SELL"
                                                              else -shares * limit)
        st, lt, tax = _scaled(trade, shares)
        drafts.append(Order("", trade.account, trade.ticker, trade.action, shares, trade.price, limit,
                            _lots_text(lot_shares), lot_shares, st, lt, tax, tuple(trade.flags), trade.reason, note))
    if not covered:
        drafts = _cover_withdrawals(household, drafts, room)
    orders = tuple(replace(o, order_id=order_id(run, i)) for i, o in enumerate(drafts, start=1))
    issues = pretrade_issues(household, orders, allow_stale=allow_stale)
    return OrderRun(run, f"{now:%Y-%m-%d %H:%M:%S}", digest, settings.as_of, orders, tuple(notes), tuple(issues))


def _cover_withdrawals(household: Household, drafts: list[Order], room: dict[str, float]) -> list[Order]:
    """An account whose sells, at their limit prices, no longer raise its pending withdrawal
    (the plan raised it at the last price) sells a few more whole shares in its last sell,
    as far as the holding allows.  ``room`` is updated."""
    held: dict[tuple[str, str], float] = {}
    for h in household.holdings:
        held[(h.account, h.ticker)] = held.get((h.account, h.ticker), 0.0) + h.shares
    lot_size = {(lot.account, lot.lot_id): lot.shares for lot in household.lots}
    out = list(drafts)
    for account, spare in list(room.items()):
        sells = [i for i, o in enumerate(out) if o.account == account and o.side == "SELL"]
        if spare >= -MONEY_TOL or not sells:
            continue
        last = out[sells[-1]]
        sold = sum(o.shares for o in out if (o.account, o.ticker, o.side) == (account, last.ticker, "SELL"))
        extra = min(float(math.ceil(-spare / last.limit_price - SHARE_TOL)),
                    _whole(held.get((account, last.ticker), 0.0) - sold))
        if extra <= 0:
            continue
        lot_shares = list(last.lot_shares)
        if lot_shares:
            lot_id, n = lot_shares[-1]
            if n + extra <= lot_size.get((account, lot_id), 0.0) + SHARE_TOL:
                lot_shares[-1] = (lot_id, n + extra)
        k = (last.shares + extra) / last.shares
        note = (f"raised by {format_shares(extra)} shares so the pending withdrawal is covered at the limit price"
                + ("" if sum(n for _, n in lot_shares) >= last.shares + extra - SHARE_TOL
                   else "; the extra shares come from the lots the Lot method picks"))
        out[sells[-1]] = replace(last, shares=last.shares + extra, lot_shares=tuple(lot_shares),
                                 lots=_lots_text(lot_shares), est_st_gain=round(last.est_st_gain * k, 2),
                                 est_lt_gain=round(last.est_lt_gain * k, 2), est_tax=round(last.est_tax * k, 2),
                                 note="; ".join(x for x in (last.note, note) if x))
        room[account] = spare + extra * last.limit_price
    return out


# ---------------------------------------------------------------------------------------
# Pre-trade checks

def _issue(code: str, message: str, order: Optional[Order] = None, severity: Severity = Severity.ERROR) -> Issue:
    return Issue(code, message, None, None, None, severity, ticker=order.ticker if order else None,
                 account=order.account if order else None)


def keeps_lots(household: Household, account: str) -> bool:
    """Taxable accounts always keep lots; another keeps them when it has any in Lots."""
    kind = household.account_map().get(account)
    return (kind is None or kind.type is AccountType.TAXABLE) or any(l.account == account for l in household.lots)


def pretrade_issues(household: Household, orders: Sequence[Order], *, allow_stale: bool = False) -> list[Issue]:
    return (_coverage_issues(household, orders) + _reserve_issues(household, orders)
            + _tradable_issues(household, orders) + _wash_issues(household, orders)
            + _stale_issues(household, orders, allow_stale))


def _coverage_issues(household: Household, orders: Sequence[Order]) -> list[Issue]:
    held: dict[tuple[str, str], float] = {}
    for h in household.holdings:
        held[(h.account, h.ticker)] = held.get((h.account, h.ticker), 0.0) + h.shares
    in_lots: dict[tuple[str, str], float] = {}
    lot_size = {}
    for lot in household.lots:
        in_lots[(lot.account, lot.ticker)] = in_lots.get((lot.account, lot.ticker), 0.0) + lot.shares
        lot_size[(lot.account, lot.lot_id)] = lot.shares
    issues, selling = [], {}
    for o in (o for o in orders if o.side == "SELL"):
        key = (o.account, o.ticker)
        selling[key] = selling.get(key, 0.0) + o.shares
        for lot_id, n in o.lot_shares:
            if lot_id != "unknown basis" and n > lot_size.get((o.account, lot_id), 0.0) + SHARE_TOL:
                issues.append(_issue("sell_not_covered", f"{o.order_id} sells {format_shares(n)} shares of lot "
                                     f"{lot_id}, which holds {format_shares(lot_size.get((o.account, lot_id), 0))} "
                                     f"in {o.account}.", o))
    for (account, ticker), n in selling.items():
        order = next(o for o in orders if (o.account, o.ticker, o.side) == (account, ticker, "SELL"))
        if n > held.get((account, ticker), 0.0) + SHARE_TOL:
            issues.append(_issue("sell_not_covered", f"The orders sell {format_shares(n)} shares of {ticker} in "
                                 f"{account}, which holds {format_shares(held.get((account, ticker), 0.0))}.", order))
        elif keeps_lots(household, account) and n > in_lots.get((account, ticker), 0.0) + SHARE_TOL:
            issues.append(_issue("sell_not_covered", f"The orders sell {format_shares(n)} shares of {ticker} in "
                                 f"{account}, but its lots hold {format_shares(in_lots.get((account, ticker), 0.0))}: "
                                 "add the missing lots to the Lots table (from the broker's unrealized gain/loss "
                                 "page) so the sale relieves known lots.", order))
    return issues


def _reserve_issues(household: Household, orders: Sequence[Order]) -> list[Issue]:
    reserve = household.settings.cash_reserve
    issues = []
    for account in household.accounts:
        mine = [o for o in orders if o.account == account.name]
        if not mine:
            continue
        after = account.cash + account.cash_flow + sum(o.shares * o.limit_price * (1 if o.side == "SELL" else -1)
                                                       for o in mine)
        if after < reserve - MONEY_TOL:
            issues.append(_issue("below_reserve", f"After these orders {account.name} would hold ${after:,.2f} of "
                                 f"cash (pending cash flow included, at the limit prices), below its ${reserve:,.2f} "
                                 "reserve; lower the buys or raise more cash before trading.", mine[0]))
    return issues


def _tradable_issues(household: Household, orders: Sequence[Order]) -> list[Issue]:
    classes = {s.ticker: s.asset_class.lower() for s in household.securities}
    frozen = {t.asset_class.lower() for t in household.targets if not t.tradable}
    return [_issue("non_tradable_order", f"{o.order_id} would {o.side.lower()} {o.ticker}, in the non-tradable "
                   f"class {o.ticker and classes.get(o.ticker)}; remove the order.", o)
            for o in orders if classes.get(o.ticker) in frozen]


def _wash_issues(household: Household, orders: Sequence[Order]) -> list[Issue]:
    """A loss sale in a taxable account with a purchase of its wash group within the window
    (this run's buys, recent lots, past or planned Buy/Reinvest rows) must carry a flag."""
    settings = household.settings
    window = timedelta(days=settings.wash_window_days)
    group = {s.ticker: s.group for s in household.securities}
    kinds = household.account_map()
    bought: dict[str, list[str]] = {}
    for o in orders:
        if o.side == "BUY":
            bought.setdefault(group.get(o.ticker, o.ticker), []).append(f"{o.order_id} buys {o.ticker} in {o.account}")
    for lot in household.lots:
        if settings.as_of - window <= lot.acquired <= settings.as_of:
            bought.setdefault(group.get(lot.ticker, lot.ticker), []).append(
                f"lot {lot.lot_id} of {lot.ticker} was bought {lot.acquired:%Y-%m-%d}")
    for tx in household.transactions:
        if tx.action in (Action.BUY, Action.REINVEST) and abs((tx.date - settings.as_of).days) <= window.days:
            bought.setdefault(group.get(tx.ticker, tx.ticker), []).append(
                f"{tx.ticker} is bought {tx.date:%Y-%m-%d} in {tx.account}")
    issues = []
    for o in orders:
        account = kinds.get(o.account)
        if o.side != "SELL" or (account is not None and account.type is not AccountType.TAXABLE):
            continue
        if o.est_st_gain + o.est_lt_gain >= 0:
            continue
        hits = bought.get(group.get(o.ticker, o.ticker), [])
        flagged = any(WASH_WORD in f.upper() for f in o.flags)
        if hits and not flagged:
            issues.append(_issue("unflagged_wash_sale", f"{o.order_id} sells {o.ticker} in {o.account} at a loss "
                                 f"while {hits[0]} (within {settings.wash_window_days} days): a wash sale the plan "
                                 "did not flag. Hold one of the two trades.", o))
    return issues


def _stale_issues(household: Household, orders: Sequence[Order], allow_stale: bool) -> list[Issue]:
    traded = {o.ticker for o in orders}
    out = []
    for issue in stale_price_issues(household):
        if issue.ticker not in traded:
            continue
        if allow_stale:
            out.append(replace(issue, code="stale_price_allowed", severity=Severity.WARNING))
        else:
            out.append(replace(issue, severity=Severity.ERROR, message=issue.message +
                               " Orders are not written on a stale price (or pass --allow-stale)."))
    return out
