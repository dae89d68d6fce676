"""Lookups the trade list needs, built once per household, and the working ledger.

``Book`` is read-only: prices, each ticker's class and wash group, positions, lots by
position, and each account's money to invest (``budget``: + to spend, - to raise).
``Ledger`` is the plan's scratch pad while it is built (shares and lot shares left, cash
per account, class values, groups sold); it belongs to one ``trade_list`` call.

Money to invest per account (``account_budget``): cash + pending cash flow - reserve.  A
pending withdrawal not covered by the cash above the reserve must be raised by selling in
that account (cash never moves between accounts).  An account already below its reserve
with no withdrawal neither buys nor is forced to sell.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Mapping, Optional, Sequence

from .bands import band_edges, band_width
from .cashflow import ClassState
from .drift import CASH_CLASS, DriftReport
from .model import MONEY_TOL, SHARE_TOL, Account, Action, Household, Lot, Settings
from .wash import WashIndex


@dataclass(frozen=True)
class Book:
    household: Household
    prices: Mapping[str, float]                         # ticker -> $ per share
    class_of: Mapping[str, str]                         # ticker -> asset class (Targets spelling)
    group_of: Mapping[str, str]                         # ticker -> wash group
    accounts: Mapping[str, Account]
    positions: Mapping[tuple[str, str], float]          # (account, ticker) -> shares
    tickers_in: Mapping[tuple[str, str], tuple[str, ...]]  # (account, class) -> tickers, largest first
    lots: Mapping[tuple[str, str], tuple[Lot, ...]]     # (account, ticker) -> open lots
    budget: Mapping[str, float]                         # account -> $ to invest (+) or raise (-)
    tradable: frozenset[str]                            # classes the plan trades (not Cash)
    unbuyable: tuple[str, ...] = ()                     # tradable by policy, but no priced security
    # Quick pre-checks before asking ``wash`` (which indexes the whole household): groups
    # with any purchase, or any sale, within the wash window around the as-of date.
    groups_bought_near: frozenset[str] = frozenset()
    groups_sold_near: frozenset[str] = frozenset()
    # The wash questions the plan asks are all about the as-of date: ``window_index`` answers
    # them from the purchases and sales within one window of it (``window_household``).
    window_index: Optional[WashIndex] = None

    @property
    def settings(self) -> Settings:
        return self.household.settings

    def value(self, account: str, ticker: str) -> float:
        return self.positions.get((account, ticker), 0.0) * self.prices[ticker]

    def is_taxable(self, account: str) -> bool:
        known = self.accounts.get(account)
        return known is None or not known.type.tax_advantaged


def account_budget(account: Account, reserve: float) -> float:
    """$ the account can spend (+) or must raise by selling (-); see the module docstring."""
    spare = account.cash - reserve
    if account.cash_flow >= 0:
        return max(0.0, spare + account.cash_flow)
    return spare + account.cash_flow


def build_book(household: Household, report: DriftReport, lots: Optional[Sequence[Lot]] = None) -> Book:
    """The working view of ``household``; ``lots`` (default: the Lots table) are the lots to
    sell from, e.g. at their wash-adjusted basis and holding period."""
    prices = household.price_map()
    spelled = {t.asset_class.lower(): t.asset_class for t in household.targets}
    class_of = {s.ticker: spelled.get(s.asset_class.lower(), s.asset_class) for s in household.securities}
    positions: dict[tuple[str, str], float] = defaultdict(float)
    for h in household.holdings:
        if h.shares > SHARE_TOL and h.ticker in class_of and prices.get(h.ticker, 0) > 0:
            positions[(h.account, h.ticker)] += h.shares
    tickers_in: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (account, ticker) in positions:
        tickers_in[(account, class_of[ticker])].append(ticker)
    ordered = {key: tuple(sorted(ts, key=lambda t, a=key[0]: (-positions[(a, t)] * prices[t], t)))
               for key, ts in tickers_in.items()}
    by_position: dict[tuple[str, str], list[Lot]] = defaultdict(list)
    for lot in household.lots if lots is None else lots:
        if lot.shares > SHARE_TOL:
            by_position[(lot.account, lot.ticker)].append(lot)
    reserve = household.settings.cash_reserve
    budget = {a.name: account_budget(a, reserve) for a in household.accounts}
    if report.cash_included:
        budget = _keep_cash_target(household, report, budget)
    buyable = {c for t, c in class_of.items() if prices.get(t, 0) > 0}
    tradable = frozenset(t.asset_class for t in household.targets
                         if t.tradable and t.asset_class.lower() != CASH_CLASS and t.asset_class in buyable)
    unbuyable = tuple(t.asset_class for t in household.targets
                      if t.tradable and t.asset_class.lower() != CASH_CLASS and t.asset_class not in buyable)
    group_of = {s.ticker: s.group for s in household.securities}
    near = window_household(household)
    bought, sold = _groups_near(near, group_of)
    index = WashIndex(near) if bought or sold else None
    return Book(household, prices, class_of, group_of, household.account_map(), dict(positions), ordered,
                {k: tuple(v) for k, v in by_position.items()}, budget, tradable, unbuyable, bought, sold, index)


def window_household(household: Household) -> Household:
    """``household`` cut down to what a wash-sale question about the as-of date can meet:
    the lots acquired and the transactions dated within the wash window around it, and the
    lots those transactions name (a Buy row that is an open lot; the lot a Sell relieved).

    Its ``WashIndex`` answers ``purchases_near`` and ``latest_loss_sale`` for the as-of date
    exactly as the full household's would (same purchases, same order, same shares), without
    indexing every lot: a household of 100,000 lots has a few hundred in the window.
    """
    settings = household.settings
    low = settings.as_of - timedelta(days=settings.wash_window_days)
    high = settings.as_of + timedelta(days=settings.wash_window_days)
    transactions = tuple(tx for tx in household.transactions if low <= tx.date <= high)
    named = {(tx.account, tx.ticker, tx.lot_id) for tx in transactions if tx.lot_id}
    if named:
        lots = tuple(lot for lot in household.lots
                     if low <= lot.acquired <= high or (lot.account, lot.ticker, lot.lot_id) in named)
    else:
        lots = tuple(lot for lot in household.lots if low <= lot.acquired <= high)
    return replace(household, lots=lots, transactions=transactions)


def _groups_near(near: Household, group_of: Mapping[str, str]) -> tuple[frozenset, frozenset]:
    """Groups with a purchase, and groups with a sale, in the window (``near`` from
    ``window_household``, whose lots named by a transaction may lie outside it)."""
    settings = near.settings
    low = settings.as_of - timedelta(days=settings.wash_window_days)
    high = settings.as_of + timedelta(days=settings.wash_window_days)
    bought = {group_of.get(lot.ticker, lot.ticker) for lot in near.lots if low <= lot.acquired <= high}
    sold = set()
    for tx in near.transactions:
        (sold if tx.action is Action.SELL else bought).add(group_of.get(tx.ticker, tx.ticker))
    return frozenset(bought), frozenset(sold)


def _keep_cash_target(household: Household, report: DriftReport, budget: dict[str, float]) -> dict[str, float]:
    """With a Cash target, keep the Cash class at its target: spend only the cash above it.

    The cash to keep beyond the reserves comes off the accounts' spending pro rata.  Cash
    below its target is not raised by selling (only withdrawals are).
    """
    cash_target = next(t.target for t in household.targets if t.asset_class.lower() == CASH_CLASS)
    after_flows = report.total + sum(a.cash_flow for a in household.accounts)
    reserves = household.settings.cash_reserve * len(household.accounts)
    keep = max(0.0, cash_target * after_flows - reserves)
    spendable = sum(b for b in budget.values() if b > 0)
    if spendable <= MONEY_TOL or keep <= 0:
        return budget
    share = max(0.0, 1.0 - keep / spendable)
    return {a: b * share if b > 0 else b for a, b in budget.items()}


def class_states(book: Book, report: DriftReport) -> tuple[dict[str, ClassState], float]:
    """Tradable classes in $ after the pending cash flows; and the household total after them.

    Goals share the investable total (tradable value + money to invest) in proportion to
    the policy targets: tradable classes are rebalanced around the non-tradable ones.
    """
    household = book.household
    targets = {t.asset_class: t for t in household.targets}
    invest = sum(book.budget.values())
    values = {r.asset_class: r.value for r in report.rows}
    tradable_value = sum(values.get(c, 0.0) for c in sorted(book.tradable))  # a fixed order: same float sum in every process
    investable = max(0.0, tradable_value + invest)
    if report.cash_included:
        total = report.total + sum(a.cash_flow for a in household.accounts)
    else:
        total = report.total + invest
    target_sum = sum(targets[c].target for c in sorted(book.tradable)) or 1.0
    states = {}
    for c in sorted(book.tradable):
        goal = targets[c].target / target_sum * investable
        weight = goal / total if total > 0 else 0.0
        low, high = band_edges(weight, band_width(weight, household.settings, targets[c]))
        states[c] = ClassState(c, values.get(c, 0.0), goal, low * total, high * total)
    return states, total


@dataclass
class Ledger:
    """Working state of one plan as it is built (never shared, never an input)."""

    shares_left: dict[tuple[str, str], float]
    lot_sold: dict[tuple[str, str], dict[str, float]]   # (account, ticker) -> lot id -> shares sold so far
    cash: dict[str, float]                          # account -> $ free to spend (reserve kept)
    values: dict[str, float]                        # class -> $ after the trades so far
    gain_room: Optional[float]                      # $ of net gain still allowed (None: no limit)
    sold_groups: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    loss_groups: set = field(default_factory=set)   # groups sold at a loss by the plan
    bought_groups: set = field(default_factory=set)
    purchases_near: dict = field(default_factory=dict)  # group -> replacement shares in the window (memo)
    defer_losses: frozenset = frozenset()           # groups whose loss lots are sold last (the plan buys them)

    @classmethod
    def start(cls, book: Book, states: Mapping[str, ClassState], gain_room: Optional[float],
              defer_losses: frozenset = frozenset()) -> "Ledger":
        return cls(
            shares_left=dict(book.positions),
            lot_sold={},
            cash=dict(book.budget),
            values={c: s.value for c, s in states.items()},
            gain_room=gain_room,
            defer_losses=defer_losses,
        )

    def lots_left(self, book: Book, account: str, ticker: str) -> list[Lot]:
        """The position's open lots with the shares not yet sold by the plan."""
        lots = book.lots.get((account, ticker), ())
        sold_here = self.lot_sold.get((account, ticker))
        if not sold_here:
            return list(lots)
        out = []
        for lot in lots:
            sold = sold_here.get(lot.lot_id, 0.0)
            if sold <= SHARE_TOL:
                out.append(lot)
            elif lot.shares - sold > SHARE_TOL:
                left = lot.shares - sold
                out.append(Lot(lot.account, lot.ticker, lot.lot_id, lot.acquired, left,
                               lot.basis_per_share * left, lot.row))
        return out

    def unknown_basis(self, book: Book, account: str, ticker: str) -> float:
        """Shares of the position that no open lot accounts for."""
        in_lots = sum(lot.shares for lot in self.lots_left(book, account, ticker))
        return max(0.0, self.shares_left.get((account, ticker), 0.0) - in_lots)
