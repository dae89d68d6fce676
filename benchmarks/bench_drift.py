"""Foundation benchmark: DRIFT + NEEDS_REBALANCE from xlwings-style 2-D lists.

The path a cell takes on every recalculation: the tables arrive as 2-D lists (header row
first, floats, None for blanks, datetimes), ``tables.parse_household`` types them, the core
computes the drift report and the trigger decision.  Target: median under 5 ms for a
household of 20 accounts and 500 holdings.

Judged at two shapes of that household: 500 holding rows drawn from 120 distinct securities
(a household holds the same funds in several accounts), and the worst case for parsing,
every holding its own ticker (so Securities and Prices have 500 rows too).  Also reported,
for scale: 500 holdings in *each* of the 20 accounts (10,000 rows), and the whole DRIFT
cell (parse + drift + render).

Run: python benchmarks/bench_drift.py
"""
from __future__ import annotations

import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

from xlrebalance.core.drift import drift_report
from xlrebalance.core.triggers import decide
from xlrebalance.excel import udfs
from xlrebalance.tables import parse_household

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import floors  # noqa: E402

TARGET_MS = 5.0
AS_OF = dt.datetime(2026, 11, 20)
CLASSES = [("US Stocks", 0.40, "VTI"), ("International", 0.20, "VXUS"), ("Bonds", 0.25, "BND"),
           ("REITs", 0.05, "VNQ"), ("TIPS", 0.05, "SCHP"), ("Small Value", 0.05, "AVUV")]
TYPES = ["Taxable", "Traditional", "Roth", "HSA"]


def household_tables(accounts: int, holdings: int, securities: int | None = None, seed: int = 7) -> dict[str, list[list]]:
    """``holdings`` holding rows spread over ``accounts`` accounts, drawn from ``securities``
    distinct tickers (default: every holding its own ticker, the worst case for parsing)."""
    rng = random.Random(seed)
    names = [f"Account {i + 1:02d}" for i in range(accounts)]
    tickers = [f"T{i:04d}" for i in range(securities or holdings)]
    per_account = holdings // accounts
    rows = []
    for i, name in enumerate(names):
        picked = rng.sample(tickers, per_account) if securities else tickers[i * per_account:(i + 1) * per_account]
        rows += [[name, t, float(rng.randint(1, 500))] for t in picked]
    return {
        "Settings": [["Setting", "Value"], ["As of date", AS_OF], ["Last review", dt.datetime(2026, 6, 30)]],
        "Accounts": [["Account", "Type", "Owner", "Cash", "Cash flow"]]
                    + [[name, TYPES[i % len(TYPES)], "Ann", 1000.0, None] for i, name in enumerate(names)],
        "Targets": [["Asset class", "Target", "Abs band", "Rel band", "Tradable", "Buy ticker"]]
                   + [[cls, target, None, None, True, buy] for cls, target, buy in CLASSES],
        "Securities": [["Ticker", "Asset class", "Wash group", "Replacement"]]
                      + [[t, CLASSES[i % len(CLASSES)][0], None, None] for i, t in enumerate(tickers)]
                      + [[buy, cls, None, None] for cls, _, buy in CLASSES],
        "Holdings": [["Account", "Ticker", "Shares"]] + rows,
        "Prices": [["Ticker", "Price", "Currency", "As of", "Source", "Status"]]
                  + [[t, round(rng.uniform(10, 400), 2), "USD", AS_OF, "Manual", None]
                     for t in tickers + [buy for _, _, buy in CLASSES]],
    }


def drift_and_decision(tables):
    household = parse_household(tables)
    report = drift_report(household)
    return report, decide(household, report)


def core_only(household):
    report = drift_report(household)
    return report, decide(household, report)


def drift_cell(tables):
    udfs._parsed.cache_clear()  # a cold cell: nothing parsed before
    return udfs.DRIFT(tables["Holdings"], tables["Accounts"], tables["Targets"],
                      tables["Securities"], tables["Prices"], tables["Settings"])


def dashboard_cells(tables):
    """DRIFT, NEEDS_REBALANCE and NEEDS_REBALANCE(reason) as one recalculation of the
    Dashboard calls them: the same tables, one parse (the functions keep recent parses)."""
    udfs._parsed.cache_clear()
    args = (tables["Holdings"], tables["Accounts"], tables["Targets"], tables["Securities"],
            tables["Prices"], tables["Settings"])
    return udfs.DRIFT(*args), udfs.NEEDS_REBALANCE(*args), udfs.NEEDS_REBALANCE(*args, True)


def median_ms(work, tables, repeats: int) -> float:
    """Median wall-clock time of one call, in ms."""
    work(tables)  # warm up (imports, registry)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work(tables)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def median_cpu_ms(work, tables, repeats: int) -> float:
    """Median CPU time of one call, in ms: steadier than wall time on a busy machine."""
    work(tables)
    times = []
    for _ in range(repeats):
        start = time.process_time()
        work(tables)
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    # (accounts, holding rows, distinct securities, runs, judged against the target)
    sizes = [(20, 500, 120, 200, True), (20, 500, None, 200, True), (20, 20 * 500, None, 20, False)]
    for accounts, holdings, securities, repeats, judged in sizes:
        tables = household_tables(accounts, holdings, securities)
        report, decision = drift_and_decision(tables)
        assert len(report.rows) == len(CLASSES) and not [i for i in parse_household(tables).issues if i.is_error]
        total = median_ms(drift_and_decision, tables, repeats)
        total_cpu = median_cpu_ms(drift_and_decision, tables, repeats)
        parse = median_ms(parse_household, tables, repeats)
        core = median_ms(core_only, parse_household(tables), repeats)
        cell = median_ms(drift_cell, tables, repeats)
        recalc = median_ms(dashboard_cells, tables, repeats)
        verdict = ""
        if judged:
            verdict = f"; target < {TARGET_MS:.0f} ms: {'met' if total < TARGET_MS else 'MISSED'}"
        verdict += f" (CPU time median {total_cpu:.2f} ms)"
        distinct = f"{securities} securities" if securities else "every holding its own ticker"
        print(f"{accounts} accounts x {holdings} holdings, {distinct} ({len(tables['Prices']) - 1} prices, "
              f"{repeats} runs):\n"
              f"  parse + drift + needs_rebalance  median {total:8.2f} ms{verdict}\n"
              f"    of which parse_household     median {parse:8.2f} ms\n"
              f"    of which drift + trigger     median {core:8.2f} ms\n"
              f"  whole DRIFT cell (with render)   median {cell:8.2f} ms\n"
              f"  DRIFT + NEEDS_REBALANCE x2 cells median {recalc:8.2f} ms (one shared parse)")
    print("\nEach figure beside its floor (benchmarks/floors.py; CI gates these ratios):")
    for figure in floors.recalc_figures(runs=200):
        print("  " + figure.line())


if __name__ == "__main__":
    main()
