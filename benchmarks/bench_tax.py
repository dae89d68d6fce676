"""Tax engine benchmark: REALIZED_GAINS + HARVEST_CANDIDATES on a large household.

A household of 100,000 open lots and 20,000 transactions (this year's sales relieving
lots, past buys, dividend reinvestments and planned buys) over 400 tickers in 200 wash
groups and 6 accounts (taxable, spouse's taxable, IRA, Roth, 401k, HSA).  Times the core
(the domain objects already parsed): the wash-sale replay that yields the realized gains
and open lots, then the harvest candidates that reuse it.  Target: realized gains + harvest
candidates under 2 s, judged by the median wall time of 5 runs on the machine running it
(CPU time printed beside it: a wall time well above it means the machine is busy).

Run: python benchmarks/bench_tax.py
"""
from __future__ import annotations

import random
import statistics
import time
from dataclasses import replace
from datetime import date, timedelta

from xlrebalance.core.harvest import harvest_candidates
from xlrebalance.core.model import (
    Account,
    AccountType,
    Action,
    Household,
    Lot,
    Price,
    Security,
    Settings,
    Transaction,
)
from xlrebalance.core.realized import tax_ledger

TARGET_S = 2.0
AS_OF = date(2026, 11, 20)
ACCOUNTS = (
    Account("Joint", AccountType.TAXABLE),
    Account("Spouse", AccountType.TAXABLE),
    Account("IRA", AccountType.TRADITIONAL),
    Account("Roth", AccountType.ROTH),
    Account("401k", AccountType.TRADITIONAL, employer_plan=True),
    Account("HSA", AccountType.HSA),
)


def big_household(lots: int = 100_000, transactions: int = 20_000, tickers: int = 400, seed: int = 11) -> Household:
    rng = random.Random(seed)
    names = [f"T{i:03d}" for i in range(tickers)]
    securities = tuple(Security(t, "Stocks", wash_group=f"G{i // 2}", replacement=names[(i + 2) % tickers])
                       for i, t in enumerate(names))
    prices = tuple(Price(t, rng.uniform(20, 200)) for t in names)
    price = {p.ticker: p.price for p in prices}
    accounts = [a.name for a in ACCOUNTS]
    weights = [40, 30, 10, 10, 5, 5]

    def acquired_day() -> date:
        return AS_OF - timedelta(days=rng.randint(0, 3650))

    open_lots = []
    for n in range(lots):
        ticker = rng.choice(names)
        shares = float(rng.randint(1, 300))
        open_lots.append(Lot(rng.choices(accounts, weights)[0], ticker, f"L{n}", acquired_day(), shares,
                             shares * price[ticker] * rng.uniform(0.6, 1.5)))
    rows = []
    sells = transactions // 2
    for n in range(sells):  # this year's sales of lots no longer open
        ticker = rng.choice(names)
        acquired = acquired_day()
        day = max(acquired, date(2026, 1, 2)) + timedelta(days=rng.randint(0, 60))
        day = min(day, AS_OF)
        shares = float(rng.randint(1, 200))
        rows.append(Transaction(day, rng.choices(accounts[:2], [1, 1])[0], ticker, Action.SELL, shares,
                                price=price[ticker] * rng.uniform(0.7, 1.3), lot_id=f"S{n}",
                                acquired=acquired, cost_basis=shares * price[ticker]))
    for n in range(transactions - sells):  # past buys, reinvestments, planned buys
        ticker = rng.choice(names)
        action = Action.REINVEST if n % 5 == 0 else Action.BUY
        day = AS_OF + timedelta(days=rng.randint(-330, 45))
        rows.append(Transaction(day, rng.choices(accounts, weights)[0], ticker, action,
                                float(rng.randint(1, 50)), price=price[ticker]))
    return Household(settings=Settings(as_of=AS_OF), accounts=ACCOUNTS, securities=securities,
                     lots=tuple(open_lots), transactions=tuple(rows), prices=prices)


def realized_only(household: Household):
    return tax_ledger(replace(household))  # a new object, as every recalculation parses one: no warm caches


def realized_and_harvest(household: Household):
    household = replace(household)  # a new object, as every recalculation parses one: no warm caches
    ledger = tax_ledger(household)
    return ledger, harvest_candidates(household, ledger)


def median_seconds(fn, *args, repeat: int = 5) -> tuple[float, float]:
    """Median wall-clock and CPU seconds of ``repeat`` runs on this machine, as it is."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(*args)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    household = big_household()
    ledger, harvest = realized_and_harvest(household)
    print(f"household: {len(household.lots):,} lots, {len(household.transactions):,} transactions, "
          f"{len(household.securities)} tickers, {len(household.accounts)} accounts")
    print(f"results:   {len(ledger.rows):,} realized rows "
          f"({sum(1 for r in ledger.rows if r.disallowed_loss):,} washed), "
          f"{len(ledger.open_lots):,} open lots, {len(harvest.candidates):,} harvest candidates")
    realized = median_seconds(realized_only, household)
    both = median_seconds(realized_and_harvest, household)
    for label, (wall, cpu) in (("realized gains (tax_ledger)", realized),
                               ("realized gains + harvest candidates", both)):
        print(f"{label:38s} median {wall:.3f} s wall, {cpu:.3f} s CPU")
    print(f"target: realized gains + harvest candidates < {TARGET_S:.1f} s median wall on this machine")
    print("PASS" if both[0] < TARGET_S else "FAIL")


if __name__ == "__main__":
    main()
