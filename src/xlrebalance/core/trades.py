"""TRADE_LIST: the household-wide, tax-aware trades that bring it back inside its policy.

The plan is built in four steps (RULES.md "Cash flows first", "Household and asset
location", "Lots", "Wash sales", "When not to trade"):

1. **Withdrawals**: an account with a pending withdrawal larger than its spare cash sells
   in that account (cash never moves between accounts), the household's most over-weight
   classes first (water-filling).
2. **Deposits**: spare cash (cash + deposits - reserve) is water-filled into the most
   under-weight classes (``cashflow.class_plan``).
3. **Rebalance**, only if a tradable class is still outside its band after the cash flows:
   out-of-band classes go to ``Rebalance to``; the rest of the household balances.  With
   ``Trigger`` = Calendar and the review due, every class goes back to its target.  Sales
   happen in tax-advantaged accounts first; then in taxable accounts per ``Taxable sells``
   (Last resort: only down to the band edge; Allowed; Losses only; Never), with lots by
   ``Lot method``, never past the gain budget, and not at all when the estimated tax is
   more than the dollars by which the class is outside its band.
4. **Buys** with the cash each account has, by asset-location preference
   (``placement``), whole shares rounded down, through a wash group with no lot the harvest
   list would show (``keep_open``; else flagged BLOCKS HARVEST).

A loss the plan's own buys (or purchases in the window) would wash is never booked as a
saving: the SELL row says how much is disallowed (``plan_wash``; WASH SALE when the plan's
buy washes it) and its Est. tax and the plan's total count it as disallowed.  When the
plan's own buys wash its loss sales, it is built a second time selling the loss lots of
those groups last, and the cheaper of the two is kept (``_cost``).  Every Est. tax is a
difference of the one year-tax function (``tax.estimate_tax``).

Guards never drop a trade silently: a trade the plan would make but does not (below the
minimum, tax cost above benefit) is a HOLD row with its reason; what limits the plan as a
whole (gain budget, withdrawals, rounding residual, Taxable sells) is a NOTE row.  Money is
rounded to cents in one place, ``to_trade``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Optional, Sequence

from .book import Book, Ledger, build_book, class_states
from .cashflow import ClassPlan, ClassState, class_plan, raise_withdrawal, water_fill
from .drift import DriftReport, DriftRow, drift_report
from .heap import collector_paused
from .keep_open import HarvestGuard
from .lots import describe_lots, format_shares
from .model import MONEY_TOL, SHARE_TOL, Household, TaxableSells, Trigger
from .placement import ROUNDING, location_preference, place_buys
from .plan_tax import harvest_guard, plan_cost, tax_view
from .plan_wash import WASH_SALE, Washed, plan_washes
from .reasons import buy_reason, hold_reason, money, sell_reason, standing, where
from .selling import WASH_RISK, Order, apply, sell_sheltered, sell_taxable
from .tax import TaxProfile, estimate_tax, gain_budget_left, round_money, tax_profile
from .trade_rows import Trade, TradePlan
from .triggers import HOLD_RULE, POLICY_HOLD, decide, review_status

if TYPE_CHECKING:
    from .realized import TaxLedger

BELOW_MINIMUM = "BELOW MINIMUM"
TAX_COST = "TAX COST > BENEFIT"
POLICY_CHANGING = "POLICY CHANGING"


@dataclass
class _Work:
    """The plan while it is built (one call of ``trade_list``)."""

    household: Household
    book: Book
    ledger: Ledger
    states: dict[str, ClassState]
    report: DriftReport
    orders: list[Order] = field(default_factory=list)
    held: list[tuple[Order, str, str]] = field(default_factory=list)   # (order, flag, why)
    notes: list[str] = field(default_factory=list)
    withdrawals: dict[str, float] = field(default_factory=dict)
    guard: Optional[HarvestGuard] = None     # the household's harvest opportunities
    paired: frozenset = frozenset()          # groups whose loss sales the plan's own buys wash
    year: tuple[float, float] = (0.0, 0.0)   # this year's realized (ST, LT) gains before the plan, $

    @property
    def profile(self) -> TaxProfile:
        return tax_profile(self.household.settings)

    @property
    def rows(self) -> dict[str, DriftRow]:
        return {r.asset_class: r for r in self.report.rows}

    @cached_property
    def noted_lots(self) -> frozenset[tuple[str, str]]:
        """(account, lot ID) of the lots whose basis is not exact (a ``Basis`` note)."""
        return frozenset((lot.account, lot.lot_id) for lot in self.household.lots if lot.basis_note)

    def keep(self, order: Order) -> bool:
        """Apply ``order`` unless it is below the minimum trade (withdrawal sales are kept)."""
        minimum = self.household.settings.minimum_trade
        if order.amount < minimum - MONEY_TOL and order.purpose != "withdrawal":
            self.held.append((order, BELOW_MINIMUM, f"it is below the {money(minimum)} minimum trade"))
            return False
        apply(self.book, self.ledger, order)
        self.orders.append(order)
        return True


def trade_list(household: Household, *, realized: Optional[tuple[float, float]] = None,
               ledger: Optional["TaxLedger"] = None) -> TradePlan:
    """The trade list for ``household``.

    ``realized`` = this year's realized (short-term, long-term) gains in $, for the gain
    budget and the netted tax; by default replayed from Transactions (``realized.py``).
    ``ledger`` is that replay when the caller already has it.
    """
    with collector_paused():    # a large household's plan builds tens of thousands of lot values
        view = tax_view(household, ledger)
        if household.settings.policy_changing:
            return _held_for_policy(household, realized, view)
        return _best_plan(household, realized, view)   # its own buys may wash its loss sales: see _best_plan


def _best_plan(household: Household, realized: Optional[tuple[float, float]], view: tuple,
               flows_only: bool = False) -> TradePlan:
    plan, paired = _trade_list(household, realized, view, flows_only=flows_only)
    if paired:
        other, _ = _trade_list(household, realized, view, defer=paired, flows_only=flows_only)
        if plan_cost(other, household) < plan_cost(plan, household):
            return other
    return plan


def _held_for_policy(household: Household, realized: Optional[tuple[float, float]], view: tuple) -> TradePlan:
    """``Policy changing`` is TRUE: only the cash flows are traded (deposits invested,
    withdrawals raised); every trade the full plan would add is a HOLD row quoting the rule."""
    flows = _best_plan(household, realized, view, flows_only=True)
    full = _best_plan(replace(household, settings=replace(household.settings, policy_changing=False)),
                      realized, view)
    made = {(t.account, t.ticker, t.action): t for t in flows.trades}
    held = []
    for trade in full.trades:
        extra = held_part(trade, made.get((trade.account, trade.ticker, trade.action)))
        if extra is not None:
            held.append(extra)
    notes = [n for n in flows.notes]
    notes.insert(0, f"{POLICY_HOLD} Every rebalancing trade is held (HOLD rows); deposits are still "
                    "invested and withdrawals still raised. Set Policy changing to FALSE once Targets are updated.")
    return replace(flows, held=tuple(held) + flows.held, notes=tuple(notes))


def held_part(trade: Trade, made: Optional[Trade]) -> Optional[Trade]:
    """The part of the full plan's ``trade`` that the cash-flow plan's ``made`` (same account,
    ticker and side) does not make, as a HOLD row; None when nothing is left."""
    shares = trade.shares - (made.shares if made is not None else 0.0)
    if shares <= SHARE_TOL:
        return None
    if made is None:
        lots, st, lt, tax, lot_shares = trade.lots, trade.st_gain, trade.lt_gain, trade.est_tax, trade.lot_shares
    else:   # the lots the full plan sells beyond the cash-flow plan's, gains as the difference
        used = dict(made.lot_shares)
        lot_shares = tuple((lot, n - used.get(lot, 0.0)) for lot, n in trade.lot_shares
                           if n - used.get(lot, 0.0) > SHARE_TOL)
        lots = ", ".join(f"{lot} ({format_shares(n)} sh)" for lot, n in lot_shares)
        st, lt = round_money(trade.st_gain - made.st_gain), round_money(trade.lt_gain - made.lt_gain)
        tax = round_money(trade.est_tax - made.est_tax)
    amount = round_money(shares * trade.price)
    verb = "sell" if trade.action == "SELL" else "buy"
    reason = (f"Not traded: would {verb} {format_shares(shares)} sh of {trade.ticker} in {where(trade.account)} "
              f"({money(amount)}) to rebalance, but Policy changing is TRUE: \u201c{HOLD_RULE}\u201d.")
    return Trade(trade.account, trade.ticker, "HOLD", shares, trade.price, amount, lots, st, lt, tax,
                 (POLICY_CHANGING,), reason, lot_shares)


def _trade_list(household: Household, realized: Optional[tuple[float, float]], view: tuple,
                defer: frozenset = frozenset(), flows_only: bool = False) -> tuple[TradePlan, frozenset]:
    """The plan, and the wash groups whose loss sales its own buys wash.  ``defer``: groups
    whose loss lots are sold last (as lots a purchase in the window washes).  ``flows_only``:
    the cash flows alone, no rebalancing (``Policy changing``)."""
    report = drift_report(household)
    lots, year_st, year_lt, outside = view
    book = build_book(household, report, lots)
    states, _ = class_states(book, report)
    realized_st, realized_lt = realized if realized is not None else (year_st, year_lt)
    room = gain_budget_left(household.settings, realized_st, realized_lt)
    work = _Work(household, book, Ledger.start(book, states, room, defer), states, report)
    work.year = (realized_st, realized_lt)
    work.guard = harvest_guard(book, outside)
    work.notes.extend(f"{c} has a target but no security with a price to buy: it is left out of the plan "
                      f"and the other classes are rebalanced around it." for c in book.unbuyable)
    _raise_withdrawals(work)
    deposit = sum(b for b in book.budget.values() if b > 0)
    settings = household.settings
    calendar = settings.trigger is Trigger.CALENDAR and review_status(settings).due
    plan = class_plan(states, dict(work.ledger.values), deposit, settings.rebalance_to, everything=calendar)
    if flows_only:
        plan, calendar = ClassPlan(plan.flows, {}, ()), False
    if calendar and plan.breached:
        work.notes.append("A calendar review is due (Trigger = Calendar): every class is traded back to its target.")
    _rebalance_sells(work, plan)
    _buys(work, plan)
    return _finish(work, plan, realized_st, realized_lt), work.paired


def _sell_in(work: _Work, account: str, asset_class: str, dollars: float, purpose: str, **options) -> list[Order]:
    """Sell in one account (sheltered or taxable); orders not yet applied."""
    book = work.book
    if not book.is_taxable(account):
        return sell_sheltered(book, work.ledger, account, asset_class, dollars, purpose)
    return list(sell_taxable(book, work.ledger, [account], asset_class, dollars, purpose, **options).orders)


def _raise_withdrawals(work: _Work) -> None:
    book, ledger = work.book, work.ledger
    for account in sorted(a for a, b in book.budget.items() if b < -MONEY_TOL):
        need = -book.budget[account]
        work.withdrawals[account] = need
        held = {c: sum(book.value(account, t) for t in book.tickers_in.get((account, c), ()))
                for c in work.states}
        plan = raise_withdrawal(work.states, ledger.values, need, held)
        for c in sorted(plan, key=lambda k: -plan[k]):
            if plan[c] > MONEY_TOL and ledger.cash[account] < -MONEY_TOL:
                for order in _sell_in(work, account, c, min(plan[c], -ledger.cash[account]), "withdrawal",
                                      budget=False):
                    work.keep(order)
        work.notes.append(f"A {money(need)} withdrawal from {account} is pending: it is raised first, "
                          f"from the most over-weight holdings there, and the rest of the plan is built after it.")
        if ledger.cash[account] < -MONEY_TOL:
            work.notes.append(f"{account} holds too little that may be sold to raise its withdrawal: "
                              f"{money(-ledger.cash[account])} short.")
    if work.withdrawals and ledger.gain_room is not None and ledger.gain_room < -MONEY_TOL:
        work.notes.append(f"Raising the withdrawals realizes {money(-ledger.gain_room)} of gains beyond "
                          f"the year's gain budget.")


def _rebalance_sells(work: _Work, plan: ClassPlan) -> None:
    sells = {c: -a for c, a in plan.rebalance.items() if a < -MONEY_TOL}
    for c in sorted(sells, key=lambda k: (-sells[k], k)):
        _sell_class(work, c, sells[c], "rebalance" if c in plan.breached else "fund", plan)


def _sell_class(work: _Work, asset_class: str, dollars: float, purpose: str, plan: ClassPlan) -> None:
    """Sell ``dollars`` of the class: tax-advantaged accounts first, then taxable per policy."""
    book, ledger, settings = work.book, work.ledger, work.household.settings
    holders = sorted({a for (a, c) in book.tickers_in if c == asset_class},
                     key=lambda a: (-sum(book.value(a, t) for t in book.tickers_in[(a, asset_class)]), a))
    left = dollars
    for account in (a for a in holders if not book.is_taxable(a)):
        if left <= MONEY_TOL:
            break
        for order in sell_sheltered(book, ledger, account, asset_class, left, purpose):
            if work.keep(order):
                left -= order.amount
    taxable = [a for a in holders if book.is_taxable(a)]
    if left <= settings.minimum_trade or not taxable:
        return
    policy = settings.taxable_sells
    benefit = _benefit(work, asset_class, purpose, plan)
    cap = min(left, benefit) if policy is TaxableSells.LAST_RESORT else left
    if policy is TaxableSells.NEVER or cap <= MONEY_TOL:
        work.notes.append(f"{money(left)} of {asset_class} would have to be sold in a taxable account, but "
                          f"Taxable sells is set to {policy.value}: {standing(work.rows.get(asset_class), asset_class)}.")
        return
    result = sell_taxable(book, ledger, taxable, asset_class, cap, purpose,
                          losses_only=policy is TaxableSells.LOSSES_ONLY)
    tax = _sales_tax(work, result.orders)
    if tax > benefit + MONEY_TOL:
        why = (f"its estimated tax ({money(tax)} in all) is more than the {money(benefit)} by which "
               f"the household is outside its bands")
        work.held.extend((o, TAX_COST, why) for o in result.orders)
        return
    for order in result.orders:
        work.keep(order)
    if result.stopped:
        limit = "the gain budget for the year is used up" if result.stopped == "GAIN BUDGET" else \
            "Taxable sells is set to Losses only"
        work.notes.append(f"{money(result.unsold)} of {asset_class} was left unsold in taxable accounts: {limit}.")


def _benefit(work: _Work, asset_class: str, purpose: str, plan: ClassPlan) -> float:
    """$ outside the bands that this sale fixes: the class above its band edge, or (when it
    pays for other classes) those classes below theirs."""
    values = work.ledger.values
    if purpose == "rebalance":
        return max(0.0, values[asset_class] - work.states[asset_class].high)
    return sum(max(0.0, work.states[c].low - values[c]) for c in plan.breached)


def _row_tax(order: Order, work: _Work, washed: Optional[Washed] = None) -> float:
    """Tax ($) one sale adds to this year's return on its own, on top of the year's realized
    gains (``tax.estimate_tax``, the one year-tax function); a washed loss is disallowed (it
    saves nothing).  Negative = saving."""
    st, lt = order.st_gain, order.lt_gain
    if washed is not None:
        st, lt = st + washed.st, lt + washed.lt
    if not st and not lt:
        return 0.0
    return estimate_tax(st, lt, work.profile, realized_st=work.year[0], realized_lt=work.year[1])


def _sales_tax(work: _Work, orders: Sequence[Order]) -> float:
    """Tax ($) ``orders`` add together on top of the year's realized gains and the taxable
    sales the plan already keeps (the tax-cost guard)."""
    kept = [o for o in work.orders if o.action == "SELL" and work.book.is_taxable(o.account)]
    return estimate_tax(sum(o.st_gain for o in orders), sum(o.lt_gain for o in orders), work.profile,
                        realized_st=work.year[0] + sum(o.st_gain for o in kept),
                        realized_lt=work.year[1] + sum(o.lt_gain for o in kept))


def _buys(work: _Work, plan: ClassPlan) -> None:
    ledger = work.ledger
    cash = sum(max(0.0, c) for c in ledger.cash.values())
    gaps = {c: s.goal - ledger.values[c] for c, s in work.states.items()}
    caps = {c: max(0.0, plan.flows.get(c, 0.0)) + max(0.0, plan.rebalance.get(c, 0.0)) for c in work.states}
    amounts = water_fill(gaps, cash, caps)
    rest = cash - sum(amounts.values())
    sold = {o.asset_class for o in work.orders if o.action == "SELL"}
    if rest > MONEY_TOL:        # cash beyond the plan (rounding, withdrawals over-raised): never
        extra = water_fill({c: gaps[c] - amounts[c] for c in gaps if c not in sold}, rest)  # buy back
        amounts = {c: amounts[c] + extra.get(c, 0.0) for c in amounts}
    purposes = {c: "deposit" if plan.flows.get(c, 0.0) >= plan.rebalance.get(c, 0.0) else "rebalance"
                for c in amounts}
    targets = {t.asset_class: t for t in work.household.targets}
    for order in place_buys(work.book, ledger, amounts, purposes, targets, work.guard):
        if ROUNDING in order.flags:
            if order.amount >= 1.0:
                work.held.append((order, "", "it is less than one whole share"))
        else:
            work.keep(order)


def _finish(work: _Work, plan: ClassPlan, realized_st: float, realized_lt: float) -> TradePlan:
    sellers = {o.account for o in work.orders if o.action == "SELL"}
    orders = sorted(work.orders, key=_row_order)
    washes = plan_washes(work.book, orders)
    work.paired = frozenset(work.book.group_of.get(orders[i].ticker, orders[i].ticker)
                            for i, w in washes.items() if w.by_plan and w.shares > 0)
    trades = tuple(to_trade(o, work, o.account in sellers, washes.get(i)) for i, o in enumerate(orders))
    held = tuple(_held_trade(o, flag, why, work) for o, flag, why in work.held)
    notes = list(work.notes)
    _residual_notes(work, notes)
    # the year's tax counts a washed loss as disallowed: the allowed gain is gain + disallowed
    st = sum(o.st_gain for o in orders) + sum(w.st for w in washes.values())
    lt = sum(o.lt_gain for o in orders) + sum(w.lt for w in washes.values())
    disallowed = round_money(sum(t.disallowed for t in trades))     # the rows' cents add up
    permanent = round_money(sum(t.permanent for t in trades))
    if disallowed > 0:
        notes.append(f"Wash sales: {money(disallowed)} of this plan's losses are disallowed"
                     + (f" ({money(permanent)} for good, the replacement being in an IRA or Roth)" if permanent > 0 else "")
                     + "; they are counted as no saving in the estimated tax.")
    settings = work.household.settings
    plan_tax = round_money(estimate_tax(st, lt, work.profile, realized_st=realized_st, realized_lt=realized_lt))
    if any(t.lots for t in trades):
        notes.append(f"Estimated tax on this plan's taxable sales: {money(plan_tax)}, after netting with this "
                     f"year's realized gains (an upper-bound estimate, not tax advice).")
    if plan.breached:
        decision = decide(work.household, work.report)
        if not decision.needed:
            notes.append(f"The policy does not call for a rebalance today: {decision.reason}")
    cash_left = {a: round_money(max(0.0, c)) for a, c in work.ledger.cash.items()}
    return TradePlan(trades, held, tuple(notes), cash_left, plan_tax, disallowed, permanent)


def _row_order(order: Order) -> tuple:
    return (0 if order.action == "SELL" else 1, order.account, order.ticker)


def _residual_notes(work: _Work, notes: list[str]) -> None:
    traded = {o.account for o in work.orders} | {a for a, b in work.book.budget.items() if b > MONEY_TOL}
    left = [(a, work.ledger.cash.get(a, 0.0)) for a in sorted(traded) if work.ledger.cash.get(a, 0.0) >= 1.0]
    if left:
        where = ", ".join(f"{money(cash)} in {account}" for account, cash in left)
        notes.append(f"Whole shares and the minimum trade leave cash uninvested: {where}.")


def to_trade(order: Order, work: _Work, from_sales: bool = False, washed: Optional[Washed] = None) -> Trade:
    """An order as a TRADE_LIST row: the one place money is rounded to cents.  ``washed``:
    what the wash-sale rule disallows of the sale's loss (counted as no saving)."""
    account = work.book.accounts.get(order.account)
    est_tax = round_money(_row_tax(order, work, washed))
    flags = order.flags
    if order.action == "SELL":
        context = money(work.withdrawals.get(order.account, 0.0)) if order.purpose == "withdrawal" else \
            " and ".join(work.states[c].asset_class for c in _breached_under(work))
        if washed is not None:
            flag = WASH_SALE if washed.by_plan else WASH_RISK
            flags = flags if flag in flags else flags + (flag,)
        reason = sell_reason(order, work.rows, account, work.household.settings, est_tax, context,
                             average_basis_shares(order, work.noted_lots), washed.text if washed is not None else "")
    else:
        prefs = location_preference(next((t for t in work.household.targets
                                          if t.asset_class == order.asset_class), None), order.asset_class)
        reason = buy_reason(order, work.rows, account, account is not None and account.type is prefs[0], from_sales)
    return Trade(order.account, order.ticker, order.action, order.shares, order.price,
                 round_money(order.amount), describe_lots(order.uses), round_money(order.st_gain),
                 round_money(order.lt_gain), est_tax, flags, reason, _lot_shares(order),
                 round_money(washed.disallowed) if washed is not None else 0.0,
                 round_money(washed.permanent) if washed is not None else 0.0)


def average_basis_shares(order: Order, noted: frozenset[tuple[str, str]]) -> float:
    """Shares ``order`` sells from the ``noted`` lots (account, lot ID): lots whose basis is
    not exact, e.g. an average cost from a broker's positions file."""
    if not noted:
        return 0.0
    return sum(u.shares for u in order.uses if u.lot is not None and (u.lot.account, u.lot.lot_id) in noted)


def _lot_shares(order: Order) -> tuple[tuple[str, float], ...]:
    return tuple((u.lot_id, u.shares) for u in order.uses)


def _breached_under(work: _Work) -> list[str]:
    rows = work.rows
    under = [c for c in work.states if rows.get(c) is not None and rows[c].side < 0]
    return under or [c for c in work.states if rows.get(c) is not None and rows[c].weight < rows[c].target]


def _held_trade(order: Order, flag: str, why: str, work: _Work) -> Trade:
    return Trade(order.account, order.ticker, "HOLD", order.shares, order.price, round_money(order.amount),
                 describe_lots(order.uses), round_money(order.st_gain), round_money(order.lt_gain),
                 round_money(_row_tax(order, work)), tuple(f for f in (flag,) + order.flags if f),
                 hold_reason(order, why))


__all__ = ["Trade", "TradePlan", "trade_list", "to_trade"]
