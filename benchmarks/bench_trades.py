"""Speed benchmark: TRADE_LIST core (``core.trades.trade_list``) on generated households.

Targets (median wall time of several runs, core only: the household is already parsed):
- 6 accounts, 60 securities, 2,000 lots: under 25 ms
- 50 accounts, 500 securities, 100,000 lots: under 1.5 s
and how the time grows from 1,000 to 100,000 lots (50 accounts, 500 securities).

Every household is drifted well outside its bands, half its accounts are taxable (all lots
there), taxable sells are Allowed so the lot engine runs, and a few accounts have deposits
or withdrawals.

Run: python benchmarks/bench_trades.py
"""
from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path
from dataclasses import replace
from datetime import date, timedelta

from xlrebalance.core.model import (
    Account, AccountType, AssetClassTarget, Holding, Household, Lot, Price, Security, Settings, TaxableSells,
)
from xlrebalance.core.trades import trade_list

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import floors  # noqa: E402

AS_OF = date(2026, 11, 20)
CLASSES = (("US Stocks", 0.40), ("International", 0.20), ("Bonds", 0.25), ("REITs", 0.05),
           ("TIPS", 0.05), ("Small Value", 0.05))
TYPES = (AccountType.TAXABLE, AccountType.TRADITIONAL, AccountType.TAXABLE, AccountType.ROTH,
         AccountType.TAXABLE, AccountType.HSA)


def household(accounts: int, securities: int, lots: int, seed: int = 11) -> Household:
    """``lots`` lots spread over the taxable positions; stocks heavily over-weight."""
    rng = random.Random(seed)
    tickers = [f"T{i:04d}" for i in range(securities)]
    classes = {t: CLASSES[i % len(CLASSES)][0] for i, t in enumerate(tickers)}
    prices = {t: round(rng.uniform(10, 400), 2) for t in tickers}
    accts = tuple(Account(f"Account {i:02d}", TYPES[i % len(TYPES)], cash=rng.choice([0.0, 2500.0]),
                          cash_flow=rng.choice([0.0, 0.0, 0.0, 20000.0, -15000.0])) for i in range(accounts))
    per_account = max(1, min(securities, securities * 4 // accounts))
    holdings, positions = [], []
    for acct in accts:
        for t in rng.sample(tickers, per_account):
            weight = 3.0 if classes[t] == "US Stocks" else 1.0     # drift stocks far over target
            shares = float(rng.randint(50, 500)) * weight
            holdings.append(Holding(acct.name, t, shares))
            if acct.type is AccountType.TAXABLE:
                positions.append((acct.name, t, shares))
    lot_rows = []
    for index, (account, t, shares) in enumerate(positions):
        per_position = lots // len(positions) + (1 if index < lots % len(positions) else 0)
        if per_position == 0:
            continue
        each = shares / per_position
        for n in range(per_position):
            acquired = AS_OF - timedelta(days=rng.randint(1, 4000))
            lot_rows.append(Lot(account, t, f"L{n}", acquired, each, round(each * prices[t] * rng.uniform(0.5, 1.4), 2)))
    return Household(
        settings=replace(Settings(as_of=AS_OF), taxable_sells=TaxableSells.ALLOWED),
        accounts=accts,
        targets=tuple(AssetClassTarget(c, w) for c, w in CLASSES),
        securities=tuple(Security(t, classes[t]) for t in tickers),
        holdings=tuple(holdings), lots=tuple(lot_rows),
        prices=tuple(Price(t, p) for t, p in prices.items()),
    )


def median_seconds(h: Household, runs: int) -> tuple[float, float, int]:
    """Median CPU seconds and wall seconds of ``trade_list``, and the number of trades.

    Wall time is what the targets are judged on (what a user waits); CPU time (this process
    only) is printed beside it, to tell a busy machine from a slow engine."""
    cpu, wall, trades = [], [], 0
    for _ in range(runs):
        fresh = replace(h)          # a new household object: no per-household cache carries over
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        plan = trade_list(fresh, realized=(0.0, 0.0))
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
        trades = len(plan.trades)
    return statistics.median(cpu), statistics.median(wall), trades


def report(label: str, h: Household, runs: int, target: float | None) -> float:
    cpu, seconds, trades = median_seconds(h, runs)
    verdict = "" if target is None else f"  target < {target * 1000:,.0f} ms: {'OK' if seconds < target else 'SLOW'}"
    print(f"{label:<24} {len(h.accounts):>3} accts {len(h.securities):>4} secs {len(h.lots):>7,} lots "
          f"{trades:>5} trades  median {seconds * 1000:8.1f} ms wall ({cpu * 1000:8.1f} ms CPU){verdict}")
    return seconds


def main() -> None:
    print("TRADE_LIST core (trade_list on a parsed household), median of runs")
    report("small household", household(6, 60, 2_000), runs=15, target=0.025)
    report("large household", household(50, 500, 100_000), runs=5, target=1.5)
    print("\nGrowth with lots (50 accounts, 500 securities):")
    previous = None
    for lots in (1_000, 3_000, 10_000, 30_000, 100_000):
        seconds = report(f"  {lots:,} lots", household(50, 500, lots), runs=3 if lots >= 30_000 else 5, target=None)
        if previous:
            print(f"{'':24}   x{seconds / previous:.2f} time for x{lots / previous_lots:.1f} lots")
        previous, previous_lots = seconds, lots
    print("\nEach figure beside its floor (benchmarks/floors.py; CI gates these ratios):")
    print("  " + floors.trade_list_figure(100_000, runs=3).line())
    for classes in (1_000, 4_000):
        print("  " + floors.water_fill_figure(classes, runs=5).line())


if __name__ == "__main__":
    main()
