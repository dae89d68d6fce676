"""Each user-felt figure beside its floor, measured in the same process: the ratios.

A time on a shared machine says as much about the other programs running as about ours;
the same time divided by a floor measured a moment before, in the same process (or, for a
fresh process, by a fresh ``python -c pass``), does not: both slow down together.  Each
``Figure`` carries the goal of issue 19 as a ratio to its floor; ``tests/test_benchmark_gate.py``
runs these measurements at small sizes and fails only when a ratio is more than
``SLACK`` times its goal.  The benchmark scripts (``bench_drift.py``, ``bench_trades.py``,
``bench_check.py``, ``bench_startup.py``) print the same figures at full size.

Goals given in the issue as milliseconds are turned into ratios with the floor the issue
measured them against (``python -c pass``: 17 ms) or, for the recalculation, with
``touch_cells`` measured on this machine (see ``RECALC_GOALS``).

Run: python benchmarks/floors.py   (every figure, small sizes: what CI gates)
"""
from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

#: CI fails only when a ratio is more than SLACK x its goal (room for a loaded machine).
SLACK = 1.5
#: Figures whose goal is not reached yet: printed, not gated (a gate that fails today would
#: only be switched off).  Take a name out of here in the change that reaches its goal.
NOT_YET_MET = ("import xlrebalance", "cached DRIFT call", "trade list")


@dataclass(frozen=True)
class Figure:
    name: str
    seconds: float       # the figure: median CPU seconds
    floor: float         # its floor, measured alongside: median CPU seconds
    goal: float          # the goal, as figure / floor
    floor_name: str
    wall: float = 0.0    # median wall seconds of the figure, printed beside the CPU time

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor

    @property
    def met(self) -> bool:
        return self.ratio <= self.goal

    @property
    def gate_fails(self) -> bool:
        return self.ratio > SLACK * self.goal

    @property
    def gated(self) -> bool:
        return not self.name.startswith(NOT_YET_MET)

    def line(self) -> str:
        verdict = "met" if self.met else ("FAILS THE GATE" if self.gate_fails else "not met (within the gate)")
        verdict += "" if self.gated else ", not gated yet"
        return (f"{self.name:<52} {self.seconds * 1000:9.2f} ms CPU ({self.wall * 1000:9.2f} wall)  floor "
                f"{self.floor * 1000:8.3f} ms ({self.floor_name})  ratio {self.ratio:7.2f}  goal {self.goal:6.2f}  "
                f"{verdict}")


def cpu_median(work: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median CPU seconds, median wall seconds) of ``runs`` calls, after one warm-up call."""
    work()
    cpu, wall = [], []
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        work()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start_wall)
    return statistics.median(cpu), statistics.median(wall)


# ---------------------------------------------------------------------------------------
# Fresh processes: import time.  Floor: ``python -c pass`` with the same interpreter and path.

STARTUP_FLOOR_S = 0.017          # the issue's ``python -c pass``
IMPORT_UDFS_GOAL_S = 0.250
CHECK_SAMPLE_GOAL_S = 0.300
IMPORT_UDFS = "import xlrebalance.excel.udfs"
#: ``xlrebalance check SAMPLE`` as the console script runs it; SAMPLE: ``xlrebalance new --sample``'s workbook.
CHECK_SAMPLE = "import sys; from xlrebalance.cli import main; sys.exit(main(['check', {path!r}]))"


def child_seconds(code: str) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a fresh ``python -c code`` (its own user + system time)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def fresh_process_figure(name: str, code: str, goal_s: float, runs: int) -> Figure:
    """Runs alternate with the floor's, so both see the same load."""
    pairs = [(child_seconds(code), child_seconds("pass")) for _ in range(runs)]
    return Figure(name, statistics.median(p[0][0] for p in pairs), statistics.median(p[1][0] for p in pairs),
                  goal_s / STARTUP_FLOOR_S, "python -c pass", statistics.median(p[0][1] for p in pairs))


def import_figures(runs: int = 5) -> list[Figure]:
    import tempfile

    from xlrebalance.workbook.builder import build_workbook

    with tempfile.TemporaryDirectory() as folder:
        sample = build_workbook(Path(folder) / "Sample.xlsm", sample=True).workbook
        check = CHECK_SAMPLE.format(path=str(sample))
        assert subprocess.run([sys.executable, "-c", check], capture_output=True).returncode == 0, check
        return [fresh_process_figure("import xlrebalance.excel.udfs (fresh process)", IMPORT_UDFS,
                                     IMPORT_UDFS_GOAL_S, runs),
                fresh_process_figure("xlrebalance check SAMPLE (fresh process)", check, CHECK_SAMPLE_GOAL_S, runs)]


# ---------------------------------------------------------------------------------------
# Recalculation.  Floor: every cell of the functions' tables looked at once by Python.

def touch_cells(tables: dict) -> int:
    """The least any parse of the tables must do: look at each cell once."""
    blanks = 0
    for rows in tables.values():
        for row in rows or ():
            for cell in row:
                if cell is None:
                    blanks += 1
    return blanks


#: Goal ratios for the recalculation: the issue's milliseconds over ``touch_cells`` on this
#: project's CI machine (CPU time medians: sample household 0.0042 ms; 20 x 500 holdings,
#: every one its own ticker: 0.10 ms).  (goal ms, touch_cells ms)
RECALC_GOALS = {"sample": (3.0, 0.0042), "20x500": (15.0, 0.10), "drift worst case": (5.0, 0.10)}
CACHED_GOAL = 3.0            # a cached call within 3x the cost of its cache key
DASHBOARD_TABLES = ("Holdings", "Accounts", "Targets", "Securities", "Prices", "Settings")


def _dashboard_args(tables: dict) -> list:
    return [tables.get(name) for name in DASHBOARD_TABLES]


def recalc_figures(runs: int = 30) -> list[Figure]:
    from benchmarks.bench_drift import dashboard_cells, drift_and_decision, household_tables
    from xlrebalance.excel import answers
    from xlrebalance.sample import sample_tables

    figures = []
    cases = (("sample", "sample household", sample_tables()),
             ("20x500", "20 accounts x 500 holdings", household_tables(20, 500)))
    for key, label, tables in cases:
        used = dict(zip(DASHBOARD_TABLES, _dashboard_args(tables)))
        floor, _ = cpu_median(lambda: touch_cells(used), runs * 10)
        cpu, wall = cpu_median(lambda: dashboard_cells(tables), runs)
        goal_ms, floor_ms = RECALC_GOALS[key]
        figures.append(Figure(f"Dashboard recalculation, {label}", cpu, floor, goal_ms / floor_ms,
                              "touch every cell", wall))
        if key == "20x500":
            cpu, wall = cpu_median(lambda: drift_and_decision(tables), runs)
            goal_ms, floor_ms = RECALC_GOALS["drift worst case"]
            figures.append(Figure("drift worst case (parse + drift + trigger), 20x500", cpu, floor,
                                  goal_ms / floor_ms, "touch every cell", wall))
    # A cached call: DRIFT again with the same tables.  Floor: its cache key.
    tables = household_tables(20, 500)
    mapping = dict(zip(DASHBOARD_TABLES, _dashboard_args(tables)))
    floor, _ = cpu_median(lambda: answers._cache_key(mapping), runs * 10)
    answers.table_answer("DRIFT", mapping)
    cpu, wall = cpu_median(lambda: answers.table_answer("DRIFT", mapping), runs)
    figures.append(Figure("cached DRIFT call, 20x500", cpu, floor, CACHED_GOAL, "its cache key", wall))
    return figures


# ---------------------------------------------------------------------------------------
# Trade list.  Floor: one sort of the lots (by position, then basis per share: the order a
# tax-aware sale reads them in) plus one pass (each lot's gain at today's price).

TRADES_GOAL = 3.0


def sort_and_pass(lots, prices: dict) -> float:
    ordered = sorted(lots, key=lambda lot: (lot.account, lot.ticker, lot.cost_basis / lot.shares))
    return sum(prices[lot.ticker] * lot.shares - lot.cost_basis for lot in ordered)


def trade_list_figure(lots: int = 100_000, runs: int = 3) -> Figure:
    from dataclasses import replace

    from benchmarks.bench_trades import household
    from xlrebalance.core.trades import trade_list

    h = household(50, 500, lots)
    prices = {p.ticker: p.price for p in h.prices}
    floor, _ = cpu_median(lambda: sort_and_pass(h.lots, prices), runs)
    cpu, wall = cpu_median(lambda: trade_list(replace(h), realized=(0.0, 0.0)), runs)
    return Figure(f"trade list, {lots:,} lots", cpu, floor, TRADES_GOAL, "sort the lots + one pass", wall)


# ---------------------------------------------------------------------------------------
# Water-filling over asset classes: how its time grows with the number of classes.
# Goal: 4x the classes in at most 5x the time (n log n: about 4.9x; quadratic: 16x).

WATER_GOAL = 5.0


def water_fill_work(classes: int) -> Callable[[], object]:
    import random

    from xlrebalance.core.cashflow import water_fill

    rng = random.Random(classes)
    gaps = {f"class {i}": rng.uniform(-1000, 5000) for i in range(classes)}
    caps = {k: rng.uniform(0, 3000) for k in gaps}
    amount = sum(max(g, 0) for g in gaps.values()) / 2
    return lambda: water_fill(gaps, amount, caps)


def water_fill_figure(classes: int = 1000, runs: int = 5) -> Figure:
    small, _ = cpu_median(water_fill_work(classes // 4), runs * 4)
    cpu, wall = cpu_median(water_fill_work(classes), runs)
    return Figure(f"water-filling, {classes:,} classes", cpu, small, WATER_GOAL,
                  f"the same, {classes // 4:,} classes", wall)


# ---------------------------------------------------------------------------------------
# check of a large workbook.  Floor: python-calamine's read of the same tables.

CHECK_GOAL = 2.5


def check_figure(folder: Path, lots: int = 10_000, runs: int = 3) -> Figure:
    from benchmarks.bench_check import big_tables
    from xlrebalance.check import check_workbook
    from xlrebalance.workbook.builder import build_workbook
    from xlrebalance.workbook.reader import read_tables

    path = folder / f"check_{lots}.xlsm"
    build_workbook(path, tables=big_tables(lots))
    floor, _ = cpu_median(lambda: read_tables(path), runs)
    cpu, wall = cpu_median(lambda: check_workbook(path), runs)
    return Figure(f"check, {lots:,} lots", cpu, floor, CHECK_GOAL, "calamine read of the tables", wall)


def all_figures(folder: Optional[Path] = None) -> list[Figure]:
    import tempfile

    figures = import_figures() + recalc_figures() + [trade_list_figure(), water_fill_figure()]
    with tempfile.TemporaryDirectory() as tmp:
        figures.append(check_figure(Path(folder or tmp)))
    return figures


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    for figure in all_figures():
        print(figure.line())
