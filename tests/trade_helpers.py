"""Small builders for trade-list tests: households from a few readable lines."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Iterable

from xlrebalance.core.model import (
    Account, AccountType, Action, AssetClassTarget, Holding, Household, Lot, Price, Security, Settings,
    Transaction,
)

AS_OF = date(2026, 11, 20)

#: ticker -> (asset class, wash group)
SECURITIES = {
    "VTI": ("US Stocks", "VTI"),
    "ITOT": ("US Stocks", "ITOT"),
    "BND": ("Bonds", "BND"),
    "AGG": ("Bonds", "AGG"),
    "VXUS": ("International", "VXUS"),
    "EMP": ("Employer Stock", "EMP"),
}
PRICES = {"VTI": 100.0, "ITOT": 100.0, "BND": 50.0, "AGG": 50.0, "VXUS": 60.0, "EMP": 40.0}


def account(name: str, kind: str = "Taxable", cash: float = 0.0, flow: float = 0.0) -> Account:
    return Account(name, AccountType(kind), cash=cash, cash_flow=flow)


def lot(account_name: str, ticker: str, lot_id: str, acquired: str, shares: float, per_share: float) -> Lot:
    return Lot(account_name, ticker, lot_id, date.fromisoformat(acquired), shares, shares * per_share)


def make(accounts: Iterable[Account], holdings: dict[tuple[str, str], float], targets: dict[str, float],
         lots: Iterable[Lot] = (), transactions: Iterable[Transaction] = (), prices: dict | None = None,
         tradable: dict[str, bool] | None = None, buy_tickers: dict[str, str] | None = None,
         **settings) -> Household:
    prices = {**PRICES, **(prices or {})}
    tradable = tradable or {}
    buy_tickers = buy_tickers or {}
    return Household(
        settings=replace(Settings(as_of=AS_OF), **settings),
        accounts=tuple(accounts),
        targets=tuple(AssetClassTarget(c, t, tradable=tradable.get(c, True), buy_ticker=buy_tickers.get(c))
                      for c, t in targets.items()),
        securities=tuple(Security(t, c, g) for t, (c, g) in SECURITIES.items()),
        holdings=tuple(Holding(a, t, s) for (a, t), s in holdings.items()),
        lots=tuple(lots),
        transactions=tuple(transactions),
        prices=tuple(Price(t, p) for t, p in prices.items()),
    )


def tx(day: str, account_name: str, ticker: str, action: str, shares: float, price: float,
       cost_basis: float | None = None, lot_id: str | None = None, acquired: str | None = None) -> Transaction:
    return Transaction(date.fromisoformat(day), account_name, ticker, Action(action), shares, price,
                       lot_id=lot_id, acquired=date.fromisoformat(acquired) if acquired else None,
                       cost_basis=cost_basis)


def brief(plan) -> list[tuple]:
    """(account, ticker, action, shares) of the BUY/SELL rows, in plan order."""
    return [(t.account, t.ticker, t.action, t.shares) for t in plan.trades]


# --- generated households (Hypothesis invariants and the benchmarks) -------------------

import random as _random
from datetime import timedelta as _timedelta

from xlrebalance.core.model import LotMethod, RebalanceTo, TaxableSells

CLASS_NAMES = ("US Stocks", "International", "Bonds", "REITs", "Small Value", "Emerging", "TIPS", "Gold")


def random_household(rng: _random.Random, accounts: int = 4, securities: int = 12, lots: int = 200,
                     classes: int = 4, random_settings: bool = True, **settings) -> Household:
    """A household with ``accounts`` accounts of random types, ``securities`` tickers over
    ``classes`` asset classes (some sharing a wash group), about ``lots`` taxable lots, idle
    cash, deposits and withdrawals, recent purchases and loss sales."""
    names = CLASS_NAMES[:classes] if classes <= len(CLASS_NAMES) else tuple(f"Class {i}" for i in range(classes))
    weights = [rng.randint(1, 10) for _ in names]
    percents = [w * 100 // sum(weights) for w in weights]
    percents[0] += 100 - sum(percents)
    targets = tuple(AssetClassTarget(c, p / 100) for c, p in zip(names, percents))
    tickers = [f"S{i:03d}" for i in range(securities)]
    secs = tuple(Security(t, names[i % len(names)], f"G{i // 2}" if i % 5 == 0 else t) for i, t in enumerate(tickers))
    prices = {t: round(rng.uniform(10, 400), 2) for t in tickers}
    kinds = [AccountType.TAXABLE, AccountType.TRADITIONAL, AccountType.ROTH, AccountType.HSA]
    accts = tuple(Account(f"A{i}", kinds[0] if i == 0 else rng.choice(kinds),
                          cash=rng.choice([0.0, 0.0, round(rng.uniform(0, 20000), 2)]),
                          cash_flow=rng.choice([0.0, 0.0, round(rng.uniform(-30000, 30000), 2)]))
                  for i in range(accounts))
    holdings, lot_rows = [], []
    per_position = max(1, lots // max(1, accounts * min(securities, 8)))
    for acct in accts:
        for ticker in rng.sample(tickers, k=min(len(tickers), rng.randint(1, 8))):
            count = rng.randint(1, per_position * 2) if acct.type is AccountType.TAXABLE else 0
            shares_list = [float(rng.randint(1, 400)) for _ in range(max(1, count))]
            shares = sum(shares_list) + (rng.choice([0.0, 0.0, 0.0, 7.5]) if count else 0.0)
            holdings.append(Holding(acct.name, ticker, shares))
            for n, s in enumerate(shares_list if count else ()):
                acquired = AS_OF - _timedelta(days=rng.randint(1, 4000))
                basis = prices[ticker] * rng.uniform(0.4, 1.5) * s
                lot_rows.append(Lot(acct.name, ticker, f"{ticker}-{acct.name}-{n}", acquired, s, round(basis, 2)))
    txs = []
    for _ in range(rng.randint(0, 4)):
        ticker, acct = rng.choice(tickers), rng.choice(accts)
        day = AS_OF + _timedelta(days=rng.randint(-40, 30))
        kind = rng.choice([Action.BUY, Action.REINVEST, Action.SELL])
        basis = prices[ticker] * 2 if kind is Action.SELL else None
        if kind is Action.SELL and day > AS_OF:
            continue
        txs.append(Transaction(day, acct.name, ticker, kind, 3.0, prices[ticker], cost_basis=basis))
    chosen = dict(
        rebalance_to=rng.choice(list(RebalanceTo)), taxable_sells=rng.choice(list(TaxableSells)),
        lot_method=rng.choice([m for m in LotMethod if m is not LotMethod.SPECID]),
        whole_shares=rng.random() < 0.7, minimum_trade=rng.choice([0.0, 100.0, 500.0]),
        cash_reserve=rng.choice([0.0, 0.0, 250.0]), gain_budget=rng.choice([None, None, 2000.0]),
    ) if random_settings else {}
    return Household(
        settings=replace(Settings(as_of=AS_OF), **{**chosen, **settings}),
        accounts=accts, targets=targets, securities=secs, holdings=tuple(holdings), lots=tuple(lot_rows),
        transactions=tuple(txs), prices=tuple(Price(t, p) for t, p in prices.items()),
    )


def after_trades(household: Household, plan) -> Household:
    """The household once the plan's BUY/SELL rows are done (holdings and cash)."""
    shares: dict[tuple[str, str], float] = {}
    for h in household.holdings:
        shares[(h.account, h.ticker)] = shares.get((h.account, h.ticker), 0.0) + h.shares
    cash = {a.name: a.cash + a.cash_flow for a in household.accounts}
    for t in plan.trades:
        sign = 1 if t.action == "BUY" else -1
        shares[(t.account, t.ticker)] = shares.get((t.account, t.ticker), 0.0) + sign * t.shares
        cash[t.account] -= sign * t.amount
    return replace(household,
                   holdings=tuple(Holding(a, t, s) for (a, t), s in shares.items() if s > 1e-9),
                   accounts=tuple(replace(a, cash=cash[a.name], cash_flow=0.0) for a in household.accounts))
