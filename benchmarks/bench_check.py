"""``xlrebalance check`` benchmarks.

1. ``check_workbook`` on one workbook with 100,000 lots (structure check, python-calamine
   read, parse, drift, trades, harvest, realized gains).  Target: median under 3 s.
2. Reading that workbook's data: python-calamine (the reader) beside openpyxl (read-only
   streaming, and the full load a structure check would need without read-only mode).
3. 1,000 client workbooks checked with ``check_many`` in 2 processes: the wall time, and
   the per-workbook median time measured inside the workers.
4. Peak memory of one check (a child process's peak resident size, less the interpreter with
   the package loaded) for several table sizes, each also with a stray note typed in
   Lots!XFD1048576: memory follows the tables' cells, whatever else the sheet holds.
5. A book of business (``--households 10000``): that many household workbooks following three
   models (generated once, kept in ``--households-dir`` between runs), checked with the models
   and the review page written, from an empty result cache; then 100 of them changed and the
   same run again with the cache (target: under 10% of the first run).

The workbooks are built with the project's builder into a temporary folder.

Run: python benchmarks/bench_check.py [--clients 1000] [--lots 100000] [--repeat 3] [--memory-sizes 1000,10000,100000]
     python benchmarks/bench_check.py --only-households --households 10000
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from xlrebalance.check import check_many, check_workbook
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.reader import read_tables

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks import floors  # noqa: E402

TARGET_ONE_S = 3.0
AS_OF = date(2026, 11, 20)


def big_tables(lots: int, seed: int = 7) -> dict[str, list[list]]:
    """The sample household with ``lots`` open lots spread over its taxable holdings."""
    rng = random.Random(seed)
    tables = sample_tables()
    prices = {row[0]: row[1] for row in tables["Prices"][1:]}
    taxable = [row for row in tables["Holdings"][1:] if row[0] == "Joint Taxable"]
    lot_rows, holdings = [tables["Lots"][0]], [tables["Holdings"][0]]
    per_holding = lots // len(taxable)
    for index, (account, ticker, _) in enumerate(taxable):
        count = per_holding if index < len(taxable) - 1 else lots - per_holding * (len(taxable) - 1)
        shares_total = 0.0
        for n in range(count):
            shares = float(rng.randint(1, 20))
            acquired = AS_OF - timedelta(days=rng.randint(5, 3650))
            basis = round(shares * prices[ticker] * rng.uniform(0.6, 1.3), 2)
            lot_rows.append([account, ticker, f"{ticker}-{n:06d}", acquired, shares, basis])
            shares_total += shares
        holdings.append([account, ticker, shares_total])
    holdings += [row for row in tables["Holdings"][1:] if row[0] != "Joint Taxable"]
    tables["Lots"], tables["Holdings"] = lot_rows, holdings
    tables["Transactions"] = [row for row in tables["Transactions"]
                              if row[3] != "Sell" or row[2] not in {t[1] for t in taxable}]
    return tables


def timed(function, repeat: int) -> list[float]:
    """Wall seconds of ``repeat`` runs."""
    return [pair[0] for pair in timed_cpu(function, repeat)]


def timed_cpu(function, repeat: int) -> list[tuple[float, float]]:
    """(wall, CPU) seconds of ``repeat`` runs: on a shared, busy machine the CPU time of
    this process is the steadier measure."""
    times = []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        times.append((time.perf_counter() - start, time.process_time() - start_cpu))
    return times


def read_with_openpyxl(path: Path, read_only: bool) -> int:
    """Every value of the registry tables' sheets, as openpyxl reads them."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=read_only, data_only=True)
    cells = 0
    for spec in layout().tables:
        if spec.sheet in book.sheetnames:
            for row in book[spec.sheet].iter_rows(values_only=True):
                cells += len(row)
    book.close()
    return cells


def bench_one(folder: Path, lots: int, repeat: int) -> Path:
    path = folder / "big_household.xlsm"
    start = time.perf_counter()
    build_workbook(path, tables=big_tables(lots))
    print(f"built {path.name}: {lots:,} lots, {path.stat().st_size / 2**20:.1f} MB in "
          f"{time.perf_counter() - start:.1f} s")
    result = check_workbook(path)
    errors = [str(i) for i in result.errors]
    print(f"check result: {result.status()}" + (f" ({errors[:3]})" if errors else ""))
    runs = timed_cpu(lambda: check_workbook(path), repeat)
    times, cpu = [w for w, _ in runs], statistics.median(c for _, c in runs)
    median = statistics.median(times)
    verdict = "OK" if median < TARGET_ONE_S else "SLOWER THAN TARGET"
    print(f"[1] check_workbook, {lots:,} lots: median {median:.2f} s wall, {cpu:.2f} s CPU over {repeat} runs "
          f"(wall min {min(times):.2f}, max {max(times):.2f}); target < {TARGET_ONE_S:.0f} s: {verdict}")
    for stage, (seconds, cpu_seconds) in stage_times(path).items():
        print(f"    {stage:<44} {seconds:6.2f} s wall {cpu_seconds:6.2f} s CPU")
    return path


def stage_times(path: Path) -> dict[str, tuple[float, float]]:
    """Where one check's time goes, stage by stage (the same calls ``check_workbook`` makes,
    under the same collector pause)."""
    from xlrebalance.core.heap import collector_paused

    with collector_paused():
        return _stage_times(path)


def _stage_times(path: Path) -> dict[str, tuple[float, float]]:
    from xlrebalance.portfolio import Portfolio
    from xlrebalance.workbook import checker

    out, start = {}, (time.perf_counter(), time.process_time())

    def lap(name: str) -> None:
        nonlocal start
        now = (time.perf_counter(), time.process_time())
        out[name] = (now[0] - start[0], now[1] - start[1])
        start = now

    package, _ = checker.open_package(path)
    lap("package: zip limits, checksums, DTD, parts, extents")
    checker.check_structure(package)
    lap("structure: tables, columns, formulas, merges")
    book = read_tables(path, package)
    lap("data: python-calamine read (error cells put back)")
    portfolio = Portfolio.from_tables(book.tables, header_rows=book.header_rows)
    lap("parse: tables -> household, validation")
    portfolio.decision()
    portfolio.drift()
    lap("drift and trigger")
    portfolio.tax_ledger()
    lap("replay: realized gains (shared by the answers)")
    for method in ("trade_list", "harvest_candidates", "realized_gains"):
        try:
            getattr(portfolio, method)()
        except NotImplementedError:
            pass
        lap(f"answers: {method}")
    return out


def bench_readers(path: Path, repeat: int) -> None:
    calamine = statistics.median(timed(lambda: read_tables(path), repeat))
    streaming = statistics.median(timed(lambda: read_with_openpyxl(path, True), max(1, repeat - 1)))
    full = statistics.median(timed(lambda: read_with_openpyxl(path, False), 1))
    print(f"[2] reading {path.name} ({path.stat().st_size / 2**20:.1f} MB):")
    print(f"    python-calamine read_tables        {calamine:7.2f} s")
    print(f"    openpyxl read_only=True (streamed) {streaming:7.2f} s   ({streaming / calamine:.1f}x calamine)")
    print(f"    openpyxl read_only=False (full)    {full:7.2f} s   ({full / calamine:.1f}x calamine)")


def timed_check(path: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one check, measured inside the worker."""
    start, start_cpu = time.perf_counter(), time.process_time()
    check_workbook(path)
    return time.perf_counter() - start, time.process_time() - start_cpu


def bench_many(folder: Path, clients: int) -> None:
    variants = []
    for i in range(10):
        tables = sample_tables()
        tables["Holdings"] = [tables["Holdings"][0]] + [[a, t, s * (1 + 0.05 * i)] for a, t, s in tables["Holdings"][1:]]
        variants.append(build_workbook(folder / f"variant_{i}.xlsm", tables=tables).workbook)
    clients_dir = folder / "clients"
    clients_dir.mkdir()
    paths = []
    for n in range(clients):
        target = clients_dir / f"client_{n:04d}.xlsm"
        shutil.copyfile(variants[n % len(variants)], target)
        paths.append(target)
    start = time.perf_counter()
    results = check_many(paths, processes=2)
    wall = time.perf_counter() - start
    statuses = {s: sum(r.status() == s for r in results) for s in ("ok", "out-of-band", "rebalance", "invalid")}
    with ProcessPoolExecutor(max_workers=2) as pool:
        per_workbook = list(pool.map(timed_check, map(str, paths), chunksize=8))
    print(f"[3] {clients:,} client workbooks, check_many with 2 processes: {wall:.1f} s wall, "
          f"{wall / clients * 1000:.0f} ms per workbook overall; {statuses}")
    walls, cpus = sorted(w for w, _ in per_workbook), sorted(c for _, c in per_workbook)
    print(f"    per-workbook check time inside a worker: median {statistics.median(walls) * 1000:.0f} ms wall "
          f"(p90 {walls[int(0.9 * len(walls))] * 1000:.0f} ms), median {statistics.median(cpus) * 1000:.0f} ms CPU")


# The peak is VmHWM, this program's own high-water mark: ru_maxrss would carry over the
# RSS of the (large) benchmark process that started the child, across fork and exec.
_PEAK = ("import sys\n"
         "from xlrebalance.check import check_workbook\n"
         "if sys.argv[1] != '-':\n"
         "    result = check_workbook(sys.argv[1])\n"
         "    assert result.answers is not None or result.errors, result\n"
         "status = open('/proc/self/status').read()\n"
         "print(int(status.split('VmHWM:')[1].split()[0]) / 1024)\n")


def peak_rss_mb(path: str) -> float:
    """Peak resident MB of a fresh process that checks ``path`` ('-': only imports)."""
    done = subprocess.run([sys.executable, "-c", _PEAK, path], capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def with_stray_note(path: Path, sheet_name: str, out: Path) -> Path:
    """A copy of ``path`` with a note typed in XFD1048576 of ``sheet_name``."""
    from xlrebalance.workbook.package import open_package

    package, _ = open_package(path)
    part = package.sheet(sheet_name).part
    note = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>note</t></is></c></row></sheetData>'
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, data.replace(b"</sheetData>", note) if info.filename == part else data)
    return out


def bench_memory(folder: Path, sizes: list[int], repeat: int) -> None:
    base = statistics.median(peak_rss_mb("-") for _ in range(repeat))
    print(f"[4] peak memory of one check (child process; the interpreter with the package loaded: {base:.0f} MB)")
    print(f"    {'lots':>8} {'table cells':>12} {'peak MB':>8} {'check MB':>9} {'bytes/cell':>10} "
          f"{'stray XFD1048576: peak MB':>26}")
    for lots in sizes:
        path = folder / f"memory_{lots}.xlsm"
        build_workbook(path, tables=big_tables(lots))
        cells = sum(len(rows) * max(map(len, rows)) for rows in read_tables(path).tables.values() if rows)
        stray = with_stray_note(path, "Lots", folder / f"memory_{lots}_stray.xlsm")
        peak = statistics.median(peak_rss_mb(str(path)) for _ in range(repeat))
        stray_peak = statistics.median(peak_rss_mb(str(stray)) for _ in range(repeat))
        print(f"    {lots:>8,} {cells:>12,} {peak:>8.0f} {peak - base:>9.0f} {(peak - base) * 2**20 / cells:>10,.0f} "
              f"{stray_peak:>26.0f}")


def household_tables(index: int, variant: int = 0) -> dict[str, list[list]]:
    """Household ``index``: model ``index % 3`` of the sample models, $20,000-$2,000,000 in a taxable
    account and an IRA, each class off its target by a seeded amount (``variant`` moves it again)."""
    from xlrebalance.models.workbook import SAMPLE_MODELS

    rng = random.Random(index * 7919 + variant)
    name, classes = SAMPLE_MODELS[index % len(SAMPLE_MODELS)]
    value = rng.uniform(20_000, 2_000_000)
    shifts = [rng.uniform(-0.07, 0.07) for _ in classes]
    shifts[-1] = -sum(shifts[:-1])
    weights = {ticker: max(0.0, target + shift) for (_, target, ticker), shift in zip(classes, shifts)}
    price = {"VTI": 250.0, "VXUS": 60.0, "BND": 72.0}
    holdings = [["Account", "Ticker", "Shares"]]
    for ticker, weight in weights.items():
        shares = round(value * weight / price[ticker], 3)
        holdings += [["Taxable", ticker, round(shares * 0.6, 3)], ["IRA", ticker, round(shares * 0.4, 3)]]
    return {
        "Settings": [["Setting", "Value"], ["As of date", AS_OF], ["Last review", date(2026, 6, 30)],
                     ["Trigger", "Threshold"], ["Model", name]],
        "Accounts": [["Account", "Type", "Cash"], ["Taxable", "Taxable", round(rng.uniform(0, 5_000), 2)],
                     ["IRA", "Traditional", 0.0]],
        "Targets": [["Asset class", "Target"]],
        "Securities": [["Ticker", "Asset class"]],
        "Holdings": holdings,
        "Prices": [["Ticker", "Price"]] + [[t, p] for t, p in price.items()],
    }


def _build_household(job: tuple[str, int, int]) -> str:
    path, index, variant = job
    build_workbook(path, tables=household_tables(index, variant), force=True)
    Path(path).with_suffix(".py").unlink(missing_ok=True)      # the companion module: not read by check
    return path


def household_folder(root: Path, count: int) -> list[Path]:
    """``count`` household workbooks in ``root`` (built once; kept between runs)."""
    root.mkdir(parents=True, exist_ok=True)
    paths = [root / f"household_{i:05d}.xlsm" for i in range(count)]
    missing = [(str(p), i, 0) for i, p in enumerate(paths) if not p.exists()]
    if missing:
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=2) as pool:
            for done, _ in enumerate(pool.map(_build_household, missing, chunksize=16), 1):
                if done % 500 == 0 or done == len(missing):
                    print(f"\r    building households: {done:,}/{len(missing):,}", end="", file=sys.stderr, flush=True)
        print(f"\n    built {len(missing):,} household workbooks in {time.perf_counter() - start:.0f} s "
              f"({sum(p.stat().st_size for p in paths) / 2**20:,.0f} MB)", file=sys.stderr)
    return paths


def _book_run(paths: list[Path], models, cache_dir: Path, page: Path) -> tuple[float, float, dict, object]:
    """One run of `report DIR --models --cache`: check every workbook, write the review page."""
    from xlrebalance.batch.cache import ResultCache, run_context
    from xlrebalance.check_text import progress_text
    from xlrebalance.review import write_review

    cache = ResultCache(cache_dir, run_context(models=models))

    def progress(done: int, total: int, _result) -> None:
        if done % 100 == 0 or done == total:
            print("\r    " + progress_text(done, total, "households"), end="", file=sys.stderr, flush=True)

    start, start_cpu = time.perf_counter(), time.process_time()
    results = check_many(paths, processes=2, models=models, progress=progress, cache=cache)
    checked = time.perf_counter() - start
    write_review(results, page)
    wall = time.perf_counter() - start
    print(file=sys.stderr)
    statuses = {s: sum(r.status() == s for r in results) for s in ("ok", "out-of-band", "rebalance", "invalid")}
    return wall, checked, statuses, (cache.hits, cache.misses, time.process_time() - start_cpu)


def bench_households(root: Path, count: int, folder: Path) -> None:
    from xlrebalance.models import parse_models
    from xlrebalance.models.workbook import sample_models_tables

    paths = household_folder(root / f"households_{count}", count)
    models = parse_models(sample_models_tables(), source="Models.xlsx")
    cache_dir, page = folder / "result-cache", folder / "review.html"
    first, first_checks, statuses, (hits, misses, cpu) = _book_run(paths, models, cache_dir, page)
    print(f"[5] {count:,} households over 3 models, check_many (2 processes, empty cache) + review page: "
          f"{first:.1f} s wall ({first_checks:.1f} s checking, {first - first_checks:.1f} s writing the "
          f"{page.stat().st_size / 2**20:.0f} MB page), {first / count * 1000:.1f} ms per household overall; "
          f"{statuses}; main process CPU {cpu:.1f} s")
    sample = paths[:: max(1, count // 400)]
    with ProcessPoolExecutor(max_workers=2) as pool:
        per_workbook = list(pool.map(_timed_model_check, [(str(p), models) for p in sample], chunksize=8))
    walls, cpus = sorted(w for w, _ in per_workbook), sorted(c for _, c in per_workbook)
    print(f"    per-household check inside a worker ({len(sample)} sampled): median {statistics.median(walls) * 1000:.0f} "
          f"ms wall (p90 {walls[int(0.9 * len(walls))] * 1000:.0f} ms), median {statistics.median(cpus) * 1000:.0f} ms CPU")
    changed = paths[:100]
    variant = int(time.time())           # new content every run: the first run's cache has none of it
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_build_household, [(str(p), i, variant) for i, p in enumerate(changed)]))
    again, again_checks, statuses, (hits, misses, cpu) = _book_run(paths, models, cache_dir, page)
    verdict = "OK" if again < 0.1 * first else "SLOWER THAN TARGET"
    print(f"    rerun, 100 workbooks changed: {again:.1f} s wall ({again_checks:.1f} s checking: {hits:,} kept, "
          f"{misses:,} checked), {again / first:.1%} of the first run (target < 10%: {verdict}); "
          f"main process CPU {cpu:.1f} s")


def _timed_model_check(job) -> tuple[float, float]:
    path, models = job
    start, start_cpu = time.perf_counter(), time.process_time()
    check_workbook(path, models=models)
    return time.perf_counter() - start, time.process_time() - start_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-sizes", default="1000,10000,100000",
                        help="lot counts whose check's peak memory is measured (comma-separated; '' skips)")
    parser.add_argument("--households", type=int, default=0, help="[5] a book of business of this many households")
    parser.add_argument("--households-dir", type=Path, default=Path(tempfile.gettempdir()) / "xlrebalance-bench",
                        help="where the generated households are kept between runs")
    parser.add_argument("--only-households", action="store_true", help="run [5] only")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_check-"))
    try:
        if args.only_households:
            bench_households(args.households_dir, args.households or 10_000, folder)
            return
        path = bench_one(folder, args.lots, args.repeat)
        bench_readers(path, args.repeat)
        print("    beside its floor (benchmarks/floors.py; CI gates this ratio at 10,000 lots):")
        print("    " + floors.check_figure(folder, args.lots, args.repeat).line())
        if args.clients > 0:
            bench_many(folder, args.clients)
        sizes = [int(n) for n in args.memory_sizes.split(",") if n.strip()]
        if sizes:
            bench_memory(folder, sizes, args.repeat)
        if args.households > 0:
            bench_households(args.households_dir, args.households, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
