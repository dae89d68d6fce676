"""The benchmark gate: every figure of ``benchmarks/floors.py`` against its floor.

Each figure is measured beside its floor in the same process (for a fresh process, beside a
fresh ``python -c pass``), so a machine busy with other work slows both alike; the test
fails only when a ratio is more than ``SLACK`` (1.5) times its goal, and prints every figure
(``pytest -s``, or in the failure message).  Small sizes: about 20 s on two shared cores.
"""
from __future__ import annotations

from pathlib import Path

from benchmarks import floors


def _check(figures: list[floors.Figure]) -> None:
    report = "\n".join(figure.line() for figure in figures)
    print("\n" + report)
    failed = [figure.name for figure in figures if figure.gated and figure.gate_fails]
    assert not failed, f"more than {floors.SLACK}x the goal: {failed}\n{report}"


def test_import_time_against_a_bare_interpreter():
    _check(floors.import_figures(runs=5))


def test_recalculation_against_touching_every_cell():
    _check(floors.recalc_figures(runs=30))


def test_trade_list_against_a_sort_and_a_pass():
    _check([floors.trade_list_figure(lots=100_000, runs=3)])


def test_water_filling_grows_less_than_quadratically():
    _check([floors.water_fill_figure(classes=1000, runs=5)])


def test_check_against_the_calamine_read(tmp_path: Path):
    _check([floors.check_figure(tmp_path, lots=10_000, runs=3)])


def test_the_gate_bites():
    """A figure past 1.5x its goal fails the gate; one within it does not."""
    slow = floors.Figure("drift worst case", seconds=0.8, floor=0.1, goal=5.0, floor_name="floor")
    fine = floors.Figure("drift worst case", seconds=0.7, floor=0.1, goal=5.0, floor_name="floor")
    assert slow.gated and slow.gate_fails and not fine.gate_fails and not fine.met
