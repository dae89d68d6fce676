"""Speed benchmark: the closed loop on generated households, from the workbook's tables.

- ``orders``: parse the tables, build the trade list, turn it into orders with the
  pre-trade checks (``journal.books.plan_run``);
- ``record``: every order filled at its limit price, matched to the Journal and applied to
  Holdings, Lots, Transactions, Accounts and the Journal (``journal.record.record_fills``),
  then the same fills again (all duplicates: nothing changes).

Households from bench_trades.py (half the accounts taxable with all the lots, stocks drifted
far over target, taxable sells Allowed).  Prints sizes, the medians of wall time and CPU time.

Run: python benchmarks/bench_record.py
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_trades import AS_OF, household  # noqa: E402

from xlrebalance.journal.books import plan_run  # noqa: E402
from xlrebalance.journal.entries import append_run  # noqa: E402
from xlrebalance.journal.fills import parse_fills  # noqa: E402
from xlrebalance.journal.record import record_fills  # noqa: E402

RUNS = 3


def tables_of(h) -> dict:
    s = h.settings
    return {
        "Settings": [["Setting", "Value"], ["As of date", s.as_of], ["Taxable sells", s.taxable_sells.value],
                     ["Last review", None]],
        "Accounts": [["Account", "Type", "Cash", "Cash flow"]] + [[a.name, a.type.value, a.cash, a.cash_flow]
                                                                  for a in h.accounts],
        "Targets": [["Asset class", "Target"]] + [[t.asset_class, t.target] for t in h.targets],
        "Securities": [["Ticker", "Asset class"]] + [[x.ticker, x.asset_class] for x in h.securities],
        "Holdings": [["Account", "Ticker", "Shares"]] + [[x.account, x.ticker, x.shares] for x in h.holdings],
        "Lots": [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"]]
        + [[x.account, x.ticker, f"{x.ticker}-{x.lot_id}", x.acquired, x.shares, x.cost_basis] for x in h.lots],
        "Prices": [["Ticker", "Price"]] + [[p.ticker, p.price] for p in h.prices],
    }


def timed(fn):
    walls, cpus, result = [], [], None
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return result, statistics.median(walls), statistics.median(cpus)


def main() -> None:
    print(f"{'accounts':>8} {'securities':>10} {'lots':>7} {'orders':>6} | {'orders wall':>11} {'cpu':>7} | "
          f"{'record wall':>11} {'cpu':>7} | {'again wall':>10} {'cpu':>7}")
    for accounts, securities, lots in ((6, 60, 2_000), (20, 200, 20_000), (50, 500, 100_000)):
        tables = tables_of(household(accounts, securities, lots))
        run, orders_wall, orders_cpu = timed(lambda: plan_run(tables))
        journal, _, _ = append_run(None, run.entries())
        book = {**tables, "Journal": journal}
        rows = [["Date", "Account", "Ticker", "Side", "Shares", "Price"]] + [
            [AS_OF, o.account, o.ticker, o.side, o.shares, o.limit_price] for o in run.orders]
        fills, problems = parse_fills(rows)
        assert not problems, problems
        result, record_wall, record_cpu = timed(lambda: record_fills(book, fills))
        assert result.ok, result.exceptions[:3]
        again, again_wall, again_cpu = timed(lambda: record_fills(result.tables, fills))
        assert again.ok and not again.changed
        print(f"{accounts:>8} {securities:>10} {lots:>7,} {len(run.orders):>6} | {orders_wall:>10.3f}s "
              f"{orders_cpu:>6.3f}s | {record_wall:>10.3f}s {record_cpu:>6.3f}s | {again_wall:>9.3f}s "
              f"{again_cpu:>6.3f}s")


if __name__ == "__main__":
    main()
