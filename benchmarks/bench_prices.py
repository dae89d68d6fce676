"""Benchmark: refresh 300 tickers from replayed Yahoo responses (no network).

Runs the real path: ``refresh_table`` -> ``YahooSource.fetch`` -> one ``yf.download`` call
-> yfinance's request/parsing code -> ``ReplaySession`` (recorded-format chart JSON,
re-labelled per ticker).  Compares ``threads=False`` with ``threads=True`` without latency
(pure CPU cost) and with a simulated network latency per chart request.  The first
refresh in a process is timed on its own: yfinance then also asks each ticker's time zone
(an extra chart request per ticker) and caches it; the table's runs come after it.

    python benchmarks/bench_prices.py [--tickers 300] [--repeat 3] [--latency 0.05]

Target: 300 tickers refreshed in under 10 s of CPU-bound work (no latency), one download call.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "yahoo"
TARGET_SECONDS = 10.0


def tickers(n: int) -> list[str]:
    return [f"T{i:03d}" for i in range(n)]


def run_once(n: int, threads, latency: float) -> tuple[float, int, int]:
    """(seconds, yf.download calls, chart requests) of one refresh of ``n`` tickers."""
    from xlrebalance.prices import yahoo
    from xlrebalance.prices.refresh import refresh_table
    from xlrebalance.prices.replay import ReplaySession

    names = tickers(n)
    previous = [["Ticker", "Price", "Currency", "As of", "Source", "Status"]] + [
        [t, 10.0, "USD", datetime(2026, 11, 13), "Yahoo", "OK"] for t in names]
    calls = []
    real = yahoo.yf.download

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    yahoo.yf.download = counting
    try:
        session = ReplaySession(FIXTURES, synthesize=True, latency=latency)
        source = yahoo.YahooSource(session, threads=threads)
        start = time.perf_counter()
        # a throughput measure: the refresh deadline (20 s by default) must not cut it short
        result = refresh_table(previous, names, source, now=datetime.now(timezone.utc), deadline=600)
        elapsed = time.perf_counter() - start
    finally:
        yahoo.yf.download = real
    assert len(result.updated) == n, result.summary()
    return elapsed, len(calls), len(session.chart_requests())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickers", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05, help="simulated seconds per chart request")
    args = parser.parse_args()
    os.environ["XLREBALANCE_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-prices-")
    import xlrebalance.prices.yahoo  # noqa: F401  (import cost is not part of a refresh)

    seconds, downloads, charts = run_once(args.tickers, True, 0.0)
    print(f"refresh {args.tickers} tickers from replayed responses (no network)")
    print(f"first refresh in the process (threads=True, no latency): {seconds:.2f} s, "
          f"{downloads} download call, {charts} chart requests")
    print(f"then median of {args.repeat} runs:")
    print(f"{'threads':>8} {'latency s':>10} {'median s':>9} {'downloads':>9} {'chart requests':>15}")
    for latency in (0.0, args.latency):
        for threads in (False, True):
            runs = [run_once(args.tickers, threads, latency) for _ in range(args.repeat)]
            median = statistics.median(r[0] for r in runs)
            print(f"{str(threads):>8} {latency:>10.3f} {median:>9.2f} {runs[0][1]:>9} {runs[0][2]:>15}")
    print(f"target: one download call; under {TARGET_SECONDS:.0f} s for {args.tickers} tickers without latency")


if __name__ == "__main__":
    main()
