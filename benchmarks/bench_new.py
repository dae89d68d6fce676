"""Benchmark: ``xlrebalance new PATH --sample`` (build_workbook with the demo household).

Target: under 1.5 s.  Reported:
- in-process: median of ``build_workbook(sample=True)`` (everything it does: parse the
  sample, write every sheet, the Dashboard, the VBA project, the companion module);
- end to end: median wall time of the command in a fresh interpreter (startup and imports
  included), when the CLI has the ``new`` subcommand;
- for scale: a household of 2,000 holdings and 5,000 lots through ``build_workbook(tables=...)``;
- ``new NEW --from OLD`` on a workbook of 100,000 lots (target: under 5 s, median): in
  process (``regenerate``: read, check, parse, build) with its CPU time, and end to end in a
  fresh interpreter.

Run: python benchmarks/bench_new.py
"""
from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from xlrebalance.sample import sample_tables
from xlrebalance.workbook.builder import build_workbook

TARGET_S = 1.5
RUNS = 9
FROM_LOTS = 100_000
FROM_TARGET_S = 5.0


def median_seconds(run, runs: int = RUNS) -> float:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        run(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def large_tables(holdings: int, lots_per_holding: int) -> dict[str, list[list]]:
    tables = {name: [list(r) for r in rows] for name, rows in sample_tables().items()}
    tables["Holdings"] = [["Account", "Ticker", "Shares"]]
    tables["Lots"] = [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"]]
    tickers = [row[0] for row in tables["Prices"][1:]]
    accounts = [row[0] for row in tables["Accounts"][1:]]
    for i in range(holdings):
        account, ticker = f"{accounts[i % len(accounts)]}", tickers[i % len(tickers)]
        tables["Holdings"].append([account, ticker, 10.0 * lots_per_holding])
        for k in range(lots_per_holding):
            tables["Lots"].append([account, ticker, f"L{i}-{k}", dt.date(2020, 1, 1) + dt.timedelta(days=i + k),
                                   10.0, 1000.0 + k])
    return tables


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        sample = sample_tables()
        sizes = {name: len(rows) - 1 for name, rows in sample.items()}
        in_process = median_seconds(lambda i: build_workbook(folder / f"demo_{i}.xlsm", sample=True))
        size_kb = (folder / "demo_0.xlsm").stat().st_size / 1024
        print(f"sample household: {sizes}")
        print(f"build_workbook(sample=True): median {in_process * 1000:.0f} ms over {RUNS} runs, "
              f"file {size_kb:.0f} KB (target < {TARGET_S:.1f} s): {'OK' if in_process < TARGET_S else 'SLOW'}")

        command = [sys.executable, "-m", "xlrebalance.cli", "new", "--sample"]
        probe = subprocess.run(command + ["--help"], capture_output=True, text=True)
        if probe.returncode == 0:
            end_to_end = median_seconds(
                lambda i: subprocess.run(command + [str(folder / f"cli_{i}.xlsm")], check=True, capture_output=True),
                runs=5)
            print(f"'xlrebalance new --sample' in a fresh interpreter: median {end_to_end * 1000:.0f} ms over 5 runs "
                  f"(target < {TARGET_S:.1f} s): {'OK' if end_to_end < TARGET_S else 'SLOW'}")
        else:
            print("the CLI has no 'new' subcommand yet: end-to-end time not measured")

        big = large_tables(holdings=2000, lots_per_holding=2)
        large = median_seconds(lambda i: build_workbook(folder / f"big_{i}.xlsm", tables=big), runs=3)
        print(f"build_workbook(tables=...) with {len(big['Holdings']) - 1} holdings, {len(big['Lots']) - 1} lots: "
              f"median {large * 1000:.0f} ms over 3 runs")


def median_wall_and_cpu(run, runs: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds (this process and its children) of ``run``."""
    walls, cpus = [], []
    for i in range(runs):
        before = os.times()
        start = time.perf_counter()
        run(i)
        walls.append(time.perf_counter() - start)
        after = os.times()
        cpus.append(sum(after[:4]) - sum(before[:4]))
    return statistics.median(walls), statistics.median(cpus)


def bench_from(folder: Path) -> None:
    """``new NEW --from OLD`` with OLD holding ``FROM_LOTS`` lots."""
    from bench_check import big_tables
    from xlrebalance.lifecycle import regenerate

    old = folder / "old_book.xlsm"
    build_workbook(old, tables=big_tables(FROM_LOTS))
    size_mb = old.stat().st_size / 2**20
    wall, cpu = median_wall_and_cpu(lambda i: regenerate(old, folder / f"from_{i}.xlsm"), runs=5)
    print(f"regenerate (new --from) of {FROM_LOTS:,} lots ({size_mb:.1f} MB): median {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU over 5 runs (target < {FROM_TARGET_S:.0f} s): {'OK' if wall < FROM_TARGET_S else 'SLOW'}")
    command = [sys.executable, "-m", "xlrebalance.cli", "new", "--from", str(old)]
    wall, cpu = median_wall_and_cpu(
        lambda i: subprocess.run(command + [str(folder / f"cli_from_{i}.xlsm")], check=True, capture_output=True),
        runs=3)
    print(f"'xlrebalance new NEW --from OLD' in a fresh interpreter: median {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"over 3 runs (target < {FROM_TARGET_S:.0f} s): {'OK' if wall < FROM_TARGET_S else 'SLOW'}")


if __name__ == "__main__":
    main()
    with tempfile.TemporaryDirectory() as scratch:
        bench_from(Path(scratch))
