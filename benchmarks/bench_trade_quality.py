"""Quality benchmark for TRADE_LIST (prints numbers; no timing targets).

1. Realized tax of our plan vs a naive per-account pro-rata rebalance, on 1,000 generated
   households that are outside their bands (product defaults: Last resort, MinTax).
   Naive: every account is rebalanced on its own to the target mix (its cash included),
   over-weight tickers sold pro rata, FIFO lots (the broker default); a loss it realizes on
   a lot washed by a purchase in the window counts as disallowed (0).  Tax of each plan =
   its taxable sales' ST and LT gains netted for the year (``tax.tax_on_net``).
   Printed: total tax ratio (ours / naive), the median and worst per-household ratio (over
   households where the naive plan owes tax), and the portfolio drift each plan leaves.

2. TaxRate lot choice vs the linear-programming optimum (scipy ``linprog``, HiGHS) for the
   same proceeds: minimise sum(tax per share x shares) subject to proceeds = P and
   0 <= shares <= lot shares, over lots of several tickers pooled.  Target: within 0.1%.
   MinTax and FIFO are shown for reference.  (The about-to-turn-long-term restriction is off
   here: it deliberately gives up a little tax to wait for long-term treatment.)

Run: python benchmarks/bench_trade_quality.py
"""
from __future__ import annotations

import random
import statistics
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from scipy.optimize import linprog

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from trade_helpers import after_trades, random_household  # noqa: E402

from xlrebalance.core.book import account_budget  # noqa: E402
from xlrebalance.core.drift import drift_report  # noqa: E402
from xlrebalance.core.lots import LOT_ORDER, Sale, select_lots, tax_per_dollar  # noqa: E402
from xlrebalance.core.model import AccountType, Household, Lot, LotMethod  # noqa: E402
from xlrebalance.core.tax import tax_on_net  # noqa: E402
from xlrebalance.core.wash import purchase_in_window, wash_group  # noqa: E402
from xlrebalance.core.trades import TradePlan, Trade, trade_list  # noqa: E402

HOUSEHOLDS = 1000
LP_TRIALS = 300
AS_OF = date(2026, 11, 20)


# --- 1. our plan vs naive per-account pro-rata ------------------------------------------


def naive_plan(household: Household) -> TradePlan:
    """Each account to the target mix on its own; pro-rata sells, FIFO lots, whole shares."""
    prices = household.price_map()
    class_of = {s.ticker: s.asset_class for s in household.securities}
    targets = {t.asset_class: t.target for t in household.targets}
    trades: list[Trade] = []
    for account in household.accounts:
        held = {h.ticker: h.shares for h in household.holdings if h.account == account.name}
        by_class: dict[str, float] = defaultdict(float)
        for ticker, shares in held.items():
            by_class[class_of[ticker]] += shares * prices[ticker]
        cash = max(0.0, account_budget(account, household.settings.cash_reserve))
        total = sum(by_class.values()) + cash
        for c, value in by_class.items():
            excess = value - targets.get(c, 0.0) * total
            if excess <= 0:
                continue
            for ticker in (t for t in held if class_of[t] == c):
                dollars = excess * held[ticker] * prices[ticker] / value
                trades.append(_naive_sell(household, account, ticker, min(held[ticker], round(dollars / prices[ticker]))))
        for c, target in targets.items():
            short = target * total - by_class.get(c, 0.0)
            ticker = next((t for t in held if class_of[t] == c), None) or next(
                (t for t, k in sorted(class_of.items()) if k == c and prices.get(t)), None)
            if short > 0 and ticker is not None:
                shares = float(int(short / prices[ticker]))
                trades.append(Trade(account.name, ticker, "BUY", shares, prices[ticker], shares * prices[ticker]))
    return TradePlan(tuple(t for t in trades if t.shares > 0))


def _naive_sell(household: Household, account, ticker: str, shares: float) -> Trade:
    price = household.price_map()[ticker]
    if account.type is not AccountType.TAXABLE or shares <= 0:
        return Trade(account.name, ticker, "SELL", shares, price, shares * price)
    lots = [lot for lot in household.lots if lot.account == account.name and lot.ticker == ticker]
    in_lots = sum(lot.shares for lot in lots)
    uses = select_lots(lots, shares, LotMethod.FIFO, Sale(price, AS_OF), max(0.0, shares - in_lots))
    # A loss washed by a purchase in the window (any account) is disallowed now: counts as 0.
    group = wash_group(household, ticker)
    allowed = [u for u in uses if u.gain >= 0 or u.lot is None
               or purchase_in_window(household, group, AS_OF, exclude=(account.name, u.lot.lot_id)) is None]
    st = sum(u.gain for u in allowed if u.term == "ST")
    lt = sum(u.gain for u in allowed if u.term == "LT")
    return Trade(account.name, ticker, "SELL", shares, price, shares * price, st_gain=st, lt_gain=lt)


def plan_tax(plan: TradePlan, household: Household) -> float:
    st = sum(t.st_gain for t in plan.trades if t.action == "SELL")
    lt = sum(t.lt_gain for t in plan.trades if t.action == "SELL")
    return tax_on_net(st, lt, household.settings)


def compare_with_naive() -> None:
    ours_total = naive_total = 0.0
    ratios, drift_ours, drift_naive, drift_before = [], [], [], []
    rng = random.Random(2026)
    used, worst = 0, (0.0, 0.0, 0.0)
    while used < HOUSEHOLDS:
        household = random_household(rng, accounts=rng.randint(2, 5), securities=rng.randint(6, 16), lots=150,
                                     classes=rng.randint(3, 5), random_settings=False)
        # No withdrawals (the naive plan has no way to raise them) and no wash-sale history.
        household = replace(household, transactions=(), accounts=tuple(
            replace(a, cash_flow=max(0.0, a.cash_flow)) for a in household.accounts))
        if not drift_report(household).breaches:
            continue
        used += 1
        ours, naive = trade_list(household, realized=(0.0, 0.0)), naive_plan(household)
        # ours: the plan's own netted estimate (realized (0, 0)): its allowed gains, a loss its
        # own buys wash counted as disallowed, as the naive plan counts a washed loss as 0
        tax_ours, tax_naive = ours.est_tax, plan_tax(naive, household)
        ours_total += tax_ours
        naive_total += tax_naive
        if tax_naive > 1.0:
            ratios.append(tax_ours / tax_naive)
            worst = max(worst, (tax_ours / tax_naive, tax_ours, tax_naive))
        drift_before.append(drift_report(household).portfolio_drift)
        drift_ours.append(drift_report(after_trades(household, ours)).portfolio_drift)
        drift_naive.append(drift_report(after_trades(household, naive)).portfolio_drift)
    print(f"1. Realized tax, our plan vs naive per-account pro-rata ({HOUSEHOLDS} households outside their bands)")
    print(f"   total tax: ours ${ours_total:,.0f} vs naive ${naive_total:,.0f}  ratio {ours_total / naive_total:.3f}")
    print(f"   per household (naive owes tax, n={len(ratios)}): median ratio {statistics.median(ratios):.3f}, "
          f"worst {max(ratios):.3f} (${worst[1]:,.0f} vs ${worst[2]:,.0f}), "
          f"ours <= naive in {sum(r <= 1.0 + 1e-9 for r in ratios) / len(ratios):.1%}")
    print(f"   portfolio drift: before {statistics.median(drift_before):.1%} median; after ours "
          f"{statistics.median(drift_ours):.1%}; after naive "
          f"{statistics.median(drift_naive):.1%}")


# --- 2. TaxRate vs the LP optimum ---------------------------------------------------------


def random_lots(rng: random.Random) -> tuple[list[Lot], dict[str, float]]:
    prices = {f"X{i}": round(rng.uniform(20, 300), 2) for i in range(rng.randint(1, 4))}
    lots = []
    for ticker, price in prices.items():
        for n in range(rng.randint(2, 25)):
            shares = float(rng.randint(1, 200))
            acquired = AS_OF - timedelta(days=rng.randint(1, 3000))
            lots.append(Lot("Taxable", ticker, f"{ticker}-{n}", acquired, shares,
                            round(shares * price * rng.uniform(0.5, 1.6), 2)))
    return lots, prices


def method_tax(lots: list[Lot], prices: dict[str, float], proceeds: float, method: LotMethod) -> float:
    """Tax of selling ``proceeds`` $ from the pooled lots, in the method's order (fractional shares)."""
    sales = {t: Sale(p, AS_OF, lt_soon_days=0) for t, p in prices.items()}
    ranked = sorted(lots, key=lambda lot: LOT_ORDER[method](lot, sales[lot.ticker]))
    tax, left = 0.0, proceeds
    for lot in ranked:
        if left <= 1e-9:
            break
        sale = sales[lot.ticker]
        take = min(lot.shares * sale.price, left)
        tax += tax_per_dollar(lot, sale) * take
        left -= take
    return tax


def lp_tax(lots: list[Lot], prices: dict[str, float], proceeds: float) -> float:
    sales = {t: Sale(p, AS_OF, lt_soon_days=0) for t, p in prices.items()}
    cost = np.array([tax_per_dollar(lot, sales[lot.ticker]) * sales[lot.ticker].price for lot in lots])
    price = np.array([[sales[lot.ticker].price for lot in lots]])
    bounds = [(0.0, lot.shares) for lot in lots]
    result = linprog(cost, A_eq=price, b_eq=[proceeds], bounds=bounds, method="highs")
    assert result.status == 0, result.message
    return float(result.fun)


def compare_with_lp() -> None:
    rng = random.Random(7)
    gaps = {m: [] for m in (LotMethod.TAXRATE, LotMethod.MINTAX, LotMethod.FIFO)}
    for _ in range(LP_TRIALS):
        lots, prices = random_lots(rng)
        available = sum(lot.shares * prices[lot.ticker] for lot in lots)
        proceeds = available * rng.uniform(0.05, 0.95)
        optimum = lp_tax(lots, prices, proceeds)
        scale = max(abs(optimum), proceeds * 0.001)   # relative to the tax, or 0.1% of proceeds if ~0
        for method in gaps:
            gaps[method].append((method_tax(lots, prices, proceeds, method) - optimum) / scale)
    print(f"\n2. Lot choice vs the LP optimum (scipy linprog, HiGHS), {LP_TRIALS} pooled lot sets, same proceeds")
    for method, values in gaps.items():
        verdict = ""
        if method is LotMethod.TAXRATE:
            verdict = f"  target within 0.1%: {'OK' if max(values) <= 0.001 else 'MISSED'}"
        print(f"   {method.value:<8} excess tax over optimum: median {statistics.median(values):.4%}, "
              f"worst {max(values):.4%}{verdict}")


if __name__ == "__main__":
    compare_with_naive()
    compare_with_lp()
