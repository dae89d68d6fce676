"""Benchmark: ``backtest`` of 30 years x 5 asset classes x the 8 rebalancing policies, monthly,
on a household with a taxable account, a traditional IRA and a Roth (every policy runs the
real trade-list engine at each review, taxable lots and wash-sale replay included).

Target: under 10 s (median wall time, CPU time beside it).  Also printed: each policy's own
time, rebalances and estimated taxes.

Run: python benchmarks/bench_backtest.py
"""
from __future__ import annotations

import statistics
import time
from datetime import date

from xlrebalance.backtest import POLICIES, simulate, synthetic_returns
from xlrebalance.backtest.summary import run_backtest
from xlrebalance.tables import parse_household

TARGET_S = 10.0
RUNS = 3
YEARS, CLASSES = 30, ("US Stocks", "International", "Bonds", "REITs", "Small Value")
EIGHT = tuple(p for p in POLICIES if p.key != "never")     # the 8 that trade; "never" is free


def household():
    tickers = ("VTI", "VXUS", "BND", "VNQ", "AVUV")
    return parse_household({
        "Settings": [["Setting", "Value"], ["As of date", date(2025, 12, 31)], ["Taxable sells", "Allowed"]],
        "Accounts": [["Account", "Type", "Cash"], ["Joint Taxable", "Taxable", 600_000.0],
                     ["IRA", "Traditional", 300_000.0], ["Roth", "Roth", 100_000.0]],
        "Targets": [["Asset class", "Target", "Buy ticker"]] + [[c, w, t] for c, w, t in
                                                               zip(CLASSES, (0.4, 0.2, 0.25, 0.05, 0.1), tickers)],
        "Securities": [["Ticker", "Asset class"]] + [[t, c] for c, t in zip(CLASSES, tickers)],
        "Holdings": [["Account", "Ticker", "Shares"]],
        "Prices": [["Ticker", "Price"]] + [[t, 100.0] for t in tickers],
    })


def main() -> None:
    hh = household()
    series = synthetic_returns(CLASSES, YEARS * 12)
    walls, cpus = [], []
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run_backtest(hh, series, EIGHT, monthly_flow=1_000.0)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(f"backtest: {YEARS} years x {len(CLASSES)} classes x {len(EIGHT)} policies, monthly, "
          f"$1,000 monthly deposit; {RUNS} runs")
    print(f"  median wall {statistics.median(walls):.2f} s (CPU {statistics.median(cpus):.2f} s); "
          f"target < {TARGET_S:g} s: {'met' if statistics.median(walls) < TARGET_S else 'MISSED'}")
    for policy, res in zip(EIGHT, result.results):
        start = time.perf_counter()
        simulate(hh, series, policy, monthly_flow=1_000.0)
        print(f"  {policy.name:38s} {time.perf_counter() - start:6.2f} s  rebalances {res.events:4d}  "
              f"taxes ${res.taxes:,.0f}")


if __name__ == "__main__":
    main()
