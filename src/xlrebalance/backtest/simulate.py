"""Replay a household's policy month by month over a return series, with the real engine.

The simulated household has the workbook's accounts (types, lot method, bands, tax rates,
gain budget, minimum trade, whole shares: every Setting but the trigger), one security per
tradable asset class (its ``Buy ticker``), and starts with each account's value today
invested at the policy targets by the trade list itself.  Each month end:

1. every class's price moves by its return (total returns: distributions reinvested);
2. a monthly cash flow, if any, is pending in the first taxable account (else the first);
3. the policy looks (``core.triggers.decide`` with its trigger and cadence); if it calls for
   a rebalance, ``core.trades.trade_list`` plans it; otherwise the plan only invests or
   raises the cash flow; the BUY/SELL rows are executed at the month-end price;
4. taxable sales relieve the lots the plan named; purchases in taxable accounts become lots;
   at each year end the year's sales are replayed under the wash-sale rules
   (``core.realized``) and taxed by ``core.tax.year_tax`` (the Settings' rates or brackets,
   Schedule D netting, the loss carried forward year to year), and the open lots carry their
   wash adjustments into the next year.

Non-tradable classes are left out (their targets rescaled away, as DRIFT does). Taxes are
counted when realized, not paid out of the portfolio; after-tax ending value is the ending
value less the taxes counted.  Results are estimates of what the engine would have
planned, on the returns given, not a forecast.
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from datetime import date
from typing import Optional, Sequence

from ..core.drift import CASH_CLASS
from ..core.model import (SHARE_TOL, Account, Action, AssetClassTarget, BandRule, Household, Lot, Price,
                          Security, Settings, Transaction, Holding, Trigger)
from ..core.realized import tax_ledger
from ..core.tax import TaxProfile, tax_profile, year_net, year_tax
from ..core.trades import Trade, trade_list
from ..core.triggers import decide, review_status
from .policies import Policy
from .returns import ReturnSeries, next_month_end

START_PRICE = 100.0


@dataclass(frozen=True)
class PolicyResult:
    """One policy's run.  Money in $, returns and drift as fractions."""

    policy: Policy
    months: tuple[date, ...]
    values: tuple[float, ...]             # household value at each month end (after trades)
    growth: tuple[float, ...]             # growth of $1 (time-weighted, cash flows removed)
    drift: tuple[float, ...]              # portfolio drift at each month end, after trades
    events: int                           # months in which the policy rebalanced
    traded: float                         # $ bought + sold, all months
    realized_st: float
    realized_lt: float
    taxes: float                          # estimated tax on taxable sales, all years
    disallowed: float                     # wash-sale losses disallowed, all years
    max_lot_shortfall: float = 0.0        # shares a sale asked beyond a lot's (0: never oversold)
    max_lot_mismatch: float = 0.0         # largest |lot shares - held shares| in a taxable position
    moved: tuple[float, ...] = ()         # value at each month end before flows and trades
    flows: tuple[float, ...] = ()         # the month's cash flow ($)

    @property
    def years(self) -> float:
        return len(self.months) / 12.0

    @property
    def monthly_returns(self) -> list[float]:
        return [self.growth[i] / self.growth[i - 1] - 1 for i in range(1, len(self.growth))]

    @property
    def annual_return(self) -> float:
        return self.growth[-1] ** (1 / self.years) - 1 if self.years else 0.0

    @property
    def volatility(self) -> float:
        rets = self.monthly_returns
        return statistics.pstdev(rets) * math.sqrt(12) if len(rets) > 1 else 0.0

    @property
    def max_drawdown(self) -> float:
        peak, worst = self.growth[0], 0.0
        for g in self.growth:
            peak = max(peak, g)
            worst = min(worst, g / peak - 1)
        return -worst

    @property
    def turnover(self) -> float:
        """Average yearly turnover: half of $ traded, over the average value, per year."""
        average = statistics.fmean(self.values) if self.values else 0.0
        return (self.traded / 2) / average / self.years if average and self.years else 0.0

    @property
    def ending_value(self) -> float:
        return self.values[-1]

    @property
    def after_tax_value(self) -> float:
        return self.ending_value - self.taxes


class _State:
    """The simulated household while it runs (one policy, one series)."""

    def __init__(self, base: Household, classes: Sequence[str], targets: tuple[AssetClassTarget, ...],
                 ticker_of: dict[str, str]) -> None:
        self.base = base
        self.classes = tuple(classes)
        self.targets = targets
        # The cash-flow-only plan (no band can be breached) ignores per-class band overrides.
        self.wide_targets = tuple(replace(t, abs_band=None, rel_band=None) for t in targets)
        self.ticker_of = ticker_of
        self.securities = tuple(Security(ticker_of[c], c) for c in classes)
        self.accounts = {a.name: a for a in base.accounts}
        self.cash = {a.name: 0.0 for a in base.accounts}
        self.shares: dict[tuple[str, str], float] = {}
        self.lots: list[Lot] = []
        self.txs: list[Transaction] = []
        self.prices = {ticker_of[c]: START_PRICE for c in classes}
        self.lot_no = 0
        self.shortfall = 0.0

    def lot_mismatch(self) -> float:
        """Largest difference between a taxable position's shares and its lots' shares."""
        in_lots: dict[tuple[str, str], float] = {}
        for lot in self.lots:
            in_lots[(lot.account, lot.ticker)] = in_lots.get((lot.account, lot.ticker), 0.0) + lot.shares
        keys = {k for k in self.shares if self.taxable(k[0])} | set(in_lots)
        return max((abs(self.shares.get(k, 0.0) - in_lots.get(k, 0.0)) for k in keys), default=0.0)

    def taxable(self, account: str) -> bool:
        return not self.accounts[account].type.tax_advantaged

    def value(self) -> float:
        return sum(s * self.prices[t] for (_, t), s in self.shares.items()) + sum(self.cash.values())

    def household(self, settings: Settings, flows: dict[str, float], wide: bool = False) -> Household:
        accounts = tuple(replace(a, cash=self.cash[a.name], cash_flow=flows.get(a.name, 0.0))
                         for a in self.accounts.values())
        holdings = tuple(Holding(a, t, s) for (a, t), s in self.shares.items() if s > SHARE_TOL)
        prices = tuple(Price(t, p, as_of=settings.as_of, status="OK") for t, p in self.prices.items())
        return Household(settings, accounts, self.wide_targets if wide else self.targets, self.securities, holdings, tuple(self.lots),
                         tuple(self.txs), prices)

    def execute(self, plan_rows, day: date, flows: dict[str, float]) -> float:
        """Apply the plan's BUY/SELL rows at this month's prices; $ traded."""
        for account, flow in flows.items():
            self.cash[account] += flow
        traded = 0.0
        for trade in plan_rows:
            if trade.action not in ("BUY", "SELL"):
                continue
            key = (trade.account, trade.ticker)
            if trade.action == "SELL":
                self.shares[key] = self.shares.get(key, 0.0) - trade.shares
                self.cash[trade.account] += trade.amount
                if self.taxable(trade.account):
                    self._relieve(trade, day)
            else:
                self.shares[key] = self.shares.get(key, 0.0) + trade.shares
                self.cash[trade.account] -= trade.amount
                self._bought(trade, day)
            traded += trade.amount
        return traded

    def _relieve(self, trade, day: date) -> None:
        """Take the shares the plan named from each lot (a lot split by a wash sale is named,
        and held, once per piece: the same Lot ID on several rows)."""
        wanted: dict[str, float] = {}
        for lot_id, shares in trade.lot_shares:
            wanted[lot_id] = wanted.get(lot_id, 0.0) + shares
        kept = []
        for lot in self.lots:
            left = wanted.get(lot.lot_id, 0.0) if (lot.account, lot.ticker) == (trade.account, trade.ticker) else 0.0
            if left <= SHARE_TOL:
                kept.append(lot)
                continue
            take = min(left, lot.shares)
            wanted[lot.lot_id] = left - take
            basis = lot.cost_basis * take / lot.shares
            self.txs.append(Transaction(day, trade.account, trade.ticker, Action.SELL, take, trade.price,
                                        lot.lot_id, lot.acquired, basis))
            if lot.shares - take > SHARE_TOL:
                kept.append(replace(lot, shares=lot.shares - take, cost_basis=lot.cost_basis - basis))
        self.shortfall = max([self.shortfall] + list(wanted.values()))   # asked beyond what the lots held
        self.lots = kept

    def _bought(self, trade, day: date) -> None:
        if self.taxable(trade.account):
            self.lot_no += 1
            self.lots.append(Lot(trade.account, trade.ticker, f"{trade.ticker}-{day:%Y%m}-{self.lot_no}", day,
                                 trade.shares, trade.amount))
        else:       # a purchase in an IRA can wash a taxable loss: the replay must see it
            self.txs.append(Transaction(day, trade.account, trade.ticker, Action.BUY, trade.shares, trade.price))

    def spread(self, flows: dict[str, float], day: date) -> float:
        """Buy and hold: a cash flow buys (or sells) what the account already holds, pro rata,
        in fractional shares; a taxable sale relieves the oldest lots first."""
        rows = []
        for account, flow in flows.items():
            held = {t: s * self.prices[t] for (a, t), s in self.shares.items() if a == account and s > SHARE_TOL}
            total = sum(held.values())
            for ticker, value in sorted(held.items()):
                dollars = abs(flow) * value / total
                shares = dollars / self.prices[ticker]
                if flow > 0:
                    rows.append(Trade(account, ticker, "BUY", shares, self.prices[ticker], dollars))
                else:
                    rows.append(Trade(account, ticker, "SELL", shares, self.prices[ticker], dollars,
                                      lot_shares=self._oldest_first(account, ticker, shares)))
        return self.execute(rows, day, flows)

    def _oldest_first(self, account: str, ticker: str, shares: float) -> tuple[tuple[str, float], ...]:
        if not self.taxable(account):
            return ()
        picks, left = [], shares
        for lot in sorted((lot for lot in self.lots if lot.account == account and lot.ticker == ticker),
                          key=lambda lot: (lot.acquired, lot.lot_id)):
            if left <= SHARE_TOL:
                break
            take = min(left, lot.shares)
            picks.append((lot.lot_id, take))
            left -= take
        return tuple(picks)

    def close_year(self, day: date, settings: Settings, profile: TaxProfile) -> tuple:
        """The year's realized (ST, LT) after wash sales, its tax (``core.tax.year_tax``, with
        the carry-forward ``profile`` brings in), the disallowed loss, and next year's profile;
        the open lots keep their wash adjustments."""
        household = self.household(replace(settings, as_of=day), {})
        ledger = tax_ledger(household)
        st, lt = ledger.totals.st, ledger.totals.lt
        tax = year_tax(st, lt, profile)
        year = year_net(st, lt, profile)
        following = replace(profile, st_carryforward=year.carry_forward_st, lt_carryforward=year.carry_forward_lt)
        lots, seen = [], set()
        for item in ledger.holdings:
            if not self.taxable(item.account) or not (isinstance(item, Lot) or item.source == "lot"):
                continue
            lot_id = item.lot_id        # a lot split by a wash sale: each piece becomes a lot of its own
            while (item.account, item.ticker, lot_id) in seen:
                lot_id += "+"
            seen.add((item.account, item.ticker, lot_id))
            lots.append(item if isinstance(item, Lot) else Lot(item.account, item.ticker, lot_id, item.holding_from,
                                                                item.shares, item.cost_basis))
        self.lots = lots
        self.txs = []
        return st, lt, tax, ledger.totals.disallowed, following


def policy_targets(household: Household) -> tuple[tuple[str, ...], tuple[AssetClassTarget, ...]]:
    """The tradable classes (not Cash) and their targets rescaled to sum to 1."""
    kept = [t for t in household.targets if t.tradable and t.asset_class.lower() != CASH_CLASS and t.target > 0]
    total = sum(t.target for t in kept)
    targets = tuple(replace(t, target=t.target / total) for t in kept)
    return tuple(t.asset_class for t in targets), targets


def ticker_for(target: AssetClassTarget, household: Household) -> str:
    """The class's Buy ticker, else a security of the class, else the class name."""
    if target.buy_ticker:
        return target.buy_ticker
    for security in household.securities:
        if security.asset_class.lower() == target.asset_class.lower():
            return security.ticker
    return target.asset_class.upper().replace(" ", "_")


def starting_values(household: Household, classes: Sequence[str]) -> dict[str, float]:
    """Each account's value today in the backtested classes plus its cash ($)."""
    prices = household.price_map()
    class_of = {s.ticker: s.asset_class.lower() for s in household.securities}
    wanted = {c.lower() for c in classes}
    values = {a.name: max(0.0, a.cash) for a in household.accounts}
    for h in household.holdings:
        if class_of.get(h.ticker) in wanted and h.account in values:
            values[h.account] += h.shares * prices.get(h.ticker, 0.0)
    return values


def simulate(household: Household, series: ReturnSeries, policy: Policy, *,
             monthly_flow: float = 0.0, start_value: Optional[float] = None) -> PolicyResult:
    """Run ``policy`` over ``series`` (whose columns are the household's tradable classes)."""
    classes, targets = policy_targets(household)
    series = series.only(classes)
    ticker_of = {t.asset_class: ticker_for(t, household) for t in targets}
    state = _State(household, classes, targets, ticker_of)
    settings = replace(household.settings, trigger=policy.trigger or Trigger.THRESHOLD,
                       review_cadence=policy.cadence, rebalance_to=policy.rebalance_to,
                       policy_changing=False, next_ips_review=None)   # the replay tests the bands, not today's hold
    flows_only = replace(settings, trigger=Trigger.THRESHOLD, band_rule=BandRule.ABSOLUTE, absolute_band=10.0,
                         relative_band=10.0, spec_id_lots=())
    flow_account = next((a.name for a in household.accounts if not a.type.tax_advantaged),
                        household.accounts[0].name if household.accounts else None)
    opening = starting_values(household, classes)
    if start_value is not None:
        total = sum(opening.values()) or 1.0
        opening = {a: start_value * v / total for a, v in opening.items()} if sum(opening.values()) else \
            {a: start_value / len(opening) for a in opening}
    day = _month_before(series.months[0])
    _invest(state, replace(flows_only, as_of=day), opening, day)
    last_review = day
    months, values, growth, drifts, pre, flowed, mismatch = [], [], [], [], [], [], 0.0
    events, traded, realized_st, realized_lt, taxes, disallowed = 0, 0.0, 0.0, 0.0, 0.0, 0.0
    profile = tax_profile(household.settings)       # last year's carry-forward from Settings, then the run's
    index, before = 1.0, state.value()
    for day, returns in zip(series.months, series.returns):
        for asset_class, r in zip(classes, returns):     # quoted in cents, as a broker shows them
            ticker = ticker_of[asset_class]
            state.prices[ticker] = max(0.01, round(state.prices[ticker] * (1 + r), 2))
        flows = {flow_account: monthly_flow} if monthly_flow and flow_account else {}
        moved = state.value()
        if policy.trigger is None:
            traded += _invest(state, replace(flows_only, as_of=day), flows, day) if policy.invest_flows else \
                state.spread(flows, day)
        else:
            now = replace(settings, as_of=day, last_review=last_review)
            household_now = state.household(now, flows)
            decision = decide(household_now)
            if decision.needed:
                rows = trade_list(household_now).trades
                dollars = state.execute(rows, day, flows)
                events += dollars > 0
                traded += dollars
            elif flows:
                traded += _invest(state, replace(flows_only, as_of=day), flows, day)
            if policy.trigger is not Trigger.THRESHOLD and review_status(now).due:
                last_review = day
        index *= (moved / before) if before else 1.0
        before = state.value()
        if day.month == 12 or day == series.months[-1]:
            st, lt, tax, lost, profile = state.close_year(day, settings, profile)
            realized_st, realized_lt, taxes, disallowed = (realized_st + st, realized_lt + lt, taxes + tax,
                                                           disallowed + lost)
        months.append(day)
        pre.append(moved)
        flowed.append(sum(flows.values()))
        mismatch = max(mismatch, state.lot_mismatch())
        values.append(before)
        growth.append(index)
        drifts.append(_portfolio_drift(state, targets))
    return PolicyResult(policy, tuple(months), tuple(values), (1.0,) + tuple(growth), tuple(drifts), events,
                        traded, realized_st, realized_lt, taxes, disallowed, state.shortfall, mismatch,
                        tuple(pre), tuple(flowed))


def _invest(state: _State, settings: Settings, flows: dict[str, float], day: date) -> float:
    """Invest (or raise) the pending cash flows only: bands so wide that nothing is breached."""
    if not flows:
        return 0.0
    household = state.household(settings, flows, wide=True)
    return state.execute(trade_list(household).trades, day, flows)


def _portfolio_drift(state: _State, targets: Sequence[AssetClassTarget]) -> float:
    values = {t.asset_class: 0.0 for t in targets}
    class_of = {state.ticker_of[t.asset_class]: t.asset_class for t in targets}
    for (_, ticker), shares in state.shares.items():
        values[class_of[ticker]] += shares * state.prices[ticker]
    total = sum(values.values())
    if not total:
        return 0.0
    return sum(abs(values[t.asset_class] / total - t.target) for t in targets) / 2


def _month_before(day: date) -> date:
    first = date(day.year, day.month, 1)
    return first.fromordinal(first.toordinal() - 1)


__all__ = ["PolicyResult", "simulate", "policy_targets", "starting_values", "next_month_end"]
