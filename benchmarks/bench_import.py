"""Benchmark: ``xlrebalance import FILE --into BOOK -o NEW`` with a 10,000-lot file.

Target: under 2 s (median wall time, CPU time printed beside it).  Reported, each the
median of RUNS runs:
- parse: the broker file alone (``read_broker_file``), for the generic lots CSV and for an
  Interactive Brokers Flex XML of the same lots (parsed by ibflex);
- preview: ``import_files`` (read BOOK, parse, match accounts, merge; nothing written);
- import: preview + writing NEW (``write_import``): what ``import ... -o NEW`` does.
BOOK is the sample household; the file holds 10,000 lots over 250 tickers of its Joint
Taxable account (all replaced by the import).

Run: python benchmarks/bench_import.py [LOTS]
"""
from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from xlrebalance.brokers import read_broker_file
from xlrebalance.lifecycle.import_files import import_files, write_import
from xlrebalance.workbook.builder import build_workbook

TARGET_S = 2.0
RUNS = 5
TODAY = dt.date(2026, 11, 20)


def measure(run, runs: int = RUNS) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds)."""
    walls, cpus = [], []
    for i in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        run(i)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def lots(count: int, tickers: int = 250):
    for i in range(count):
        acquired = dt.date(2015, 1, 2) + dt.timedelta(days=(i * 7) % 3650)
        yield f"T{i % tickers:03d}", f"L{i:05d}", acquired, 1.0 + (i % 50), 100.0 + (i % 997)


def write_generic(path: Path, count: int) -> None:
    lines = ["Account,Ticker,Lot ID,Acquired,Shares,Cost basis"]
    lines += [f'Joint Taxable,{t},{lot},{d:%m/%d/%Y},{s:g},"${b * s:,.2f}"' for t, lot, d, s, b in lots(count)]
    path.write_text("\n".join(lines) + "\n")


def write_flex(path: Path, count: int) -> None:
    rows = [f'<OpenPosition accountId="U1234567" currency="USD" assetCategory="STK" symbol="{t}" position="{s:g}" '
            f'markPrice="120" costBasisMoney="{b * s:.2f}" levelOfDetail="LOT" openDateTime="{d:%Y%m%d};093000" '
            f'originatingTransactionID="{lot}" side="Long" />' for t, lot, d, s, b in lots(count)]
    path.write_text('<FlexQueryResponse queryName="lots" type="AF"><FlexStatements count="1">'
                    '<FlexStatement accountId="U1234567" fromDate="20261120" toDate="20261120" '
                    'period="LastBusinessDay" whenGenerated="20261120;083000"><OpenPositions>'
                    + "\n".join(rows) + "</OpenPositions></FlexStatement></FlexStatements></FlexQueryResponse>")


def report(label: str, timing: tuple[float, float], target: float | None = None) -> None:
    wall, cpu = timing
    verdict = "" if target is None else f" (target < {target:.1f} s): {'OK' if wall < target else 'SLOW'}"
    print(f"{label}: median {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU over {RUNS} runs{verdict}")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        book = build_workbook(folder / "book.xlsm", sample=True).workbook
        generic, flex = folder / "lots.csv", folder / "flex.xml"
        write_generic(generic, count)
        write_flex(flex, count)
        print(f"{count:,} lots; generic CSV {generic.stat().st_size / 1024:.0f} KB, "
              f"Flex XML {flex.stat().st_size / 1024:.0f} KB; BOOK = the sample household")
        report("parse generic lots CSV", measure(lambda i: read_broker_file(generic)))
        report("parse Flex XML (ibflex)", measure(lambda i: read_broker_file(flex)))
        report("import preview (read BOOK, parse, merge)",
               measure(lambda i: import_files([generic], book, today=TODAY)))

        def full(i: int) -> None:
            result = import_files([generic], book, today=TODAY)
            write_import(result, book, folder / f"new_{i}.xlsm")

        report(f"import -o NEW ({count:,} lots written)", measure(full), TARGET_S)


if __name__ == "__main__":
    main()
