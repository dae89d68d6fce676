"""The engine in Pyodide (what xlwings Lite runs) against CPython, on the sample household.

One "round" is every answer of ``tests/pyodide/engine_answers.py`` for the sample household
(parse the eight tables, drift, trigger, wash-sale replay, trade list, harvest candidates,
open lots), as a cell recalculation in Lite computes them.  Reported: the median of 9 rounds
after one warm-up round, wall and CPU time, in CPython here and in Pyodide 314 under Node
(the same wheel, unpacked into Pyodide); and the one-off cost of starting Node, loading
Pyodide and importing the package (what opening the Lite pane costs, before any answer).

Needs Node and the npm pyodide package (``cd tests/pyodide && npm ci``).

Run: python benchmarks/bench_pyodide.py
"""
from __future__ import annotations

import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tests" / "pyodide"
sys.path.insert(0, str(ROOT / "tests"))

from pyodide_env import NODE, PYODIDE_DIR, build_wheel  # noqa: E402

ROUNDS = 9
TIMING = """
import json, statistics, time
def timed(rounds):
    answers()                                   # warm-up: imports, registry, caches
    wall, cpu = [], []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        answers()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return json.dumps({"wall": statistics.median(wall), "cpu": statistics.median(cpu)})
"""


def main() -> None:
    if NODE is None or not (PYODIDE_DIR / "pyodide-lock.json").is_file():
        raise SystemExit("needs Node and the npm pyodide package: cd tests/pyodide && npm ci")
    spec = importlib.util.spec_from_file_location("engine_answers", HERE / "engine_answers.py")
    engine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(engine)
    namespace = {"answers": engine.answers}
    exec(TIMING, namespace)
    here = json.loads(namespace["timed"](ROUNDS))

    with tempfile.TemporaryDirectory() as folder:
        wheel = build_wheel(Path(folder))
        script = Path(folder) / "bench.py"
        script.write_text((HERE / "engine_answers.py").read_text() + TIMING)
        started = time.perf_counter()
        done = subprocess.run([NODE, str(HERE / "run.mjs"), str(PYODIDE_DIR), str(script), "'{}'", str(wheel)],
                              capture_output=True, text=True, timeout=600)
        startup = time.perf_counter() - started
        assert done.returncode == 0, done.stderr[-2000:]
        done = subprocess.run([NODE, str(HERE / "run.mjs"), str(PYODIDE_DIR), str(script), f"timed({ROUNDS})",
                               str(wheel)], capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        there = json.loads(done.stdout)

    print(f"Sample household, every engine answer, median of {ROUNDS} rounds after a warm-up:")
    print(f"  CPython {sys.version.split()[0]:<8} wall {here['wall'] * 1000:8.1f} ms   CPU {here['cpu'] * 1000:8.1f} ms")
    print(f"  Pyodide (Node)   wall {there['wall'] * 1000:8.1f} ms   CPU {there['cpu'] * 1000:8.1f} ms   "
          f"({there['wall'] / here['wall']:.1f}x CPython's wall time)")
    print(f"Start Node, load Pyodide, unpack the wheel, import the engine: {startup:.2f} s wall (once per session)")


if __name__ == "__main__":
    main()
