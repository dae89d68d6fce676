"""Start-up benchmark: what opening the workbook and a first ``check`` cost in a fresh process.

Goals (issue 19): ``import xlrebalance.excel.udfs`` under 250 ms and
``xlrebalance check SAMPLE`` (the ``new --sample`` workbook) under 300 ms, where ``python -c pass`` takes 17 ms.  Each run
alternates with a fresh ``python -c pass`` (the floor); the CPU time of the child process is
printed beside its wall time.  Then the ten slowest imports of each (``python -X importtime``).

Run: python benchmarks/bench_startup.py [RUNS]
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import floors  # noqa: E402


def slowest_imports(code: str, count: int = 10) -> list[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return [f"{micros / 1000:8.1f} ms cumulative  {name}" for micros, name in sorted(rows, reverse=True)[:count]]


def main() -> None:
    import tempfile

    from xlrebalance.workbook.builder import build_workbook

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 11
    for figure in floors.import_figures(runs):
        print(figure.line())
    # The Excel functions' module needs xlwings' decorators, and xlwings imports pandas itself:
    # importing xlwings alone is the floor of ``import xlrebalance.excel.udfs`` in CPython.
    alone = sorted(floors.child_seconds("import xlwings") for _ in range(runs))[runs // 2]
    print(f"{'import xlwings alone (fresh process)':<52} {alone[0] * 1000:9.2f} ms CPU ({alone[1] * 1000:9.2f} wall)")
    with tempfile.TemporaryDirectory() as folder:
        sample = build_workbook(Path(folder) / "Sample.xlsm", sample=True).workbook
        for label, code in (("import xlrebalance.excel.udfs", floors.IMPORT_UDFS),
                            ("xlrebalance check SAMPLE", floors.CHECK_SAMPLE.format(path=str(sample)))):
            print(f"\nslowest imports of {label}:")
            print("\n".join(slowest_imports(code)))


if __name__ == "__main__":
    main()
