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
       cost_basis: float | None = None, lot_id: str | None = None) -> Transaction:
    return Transaction(date.fromisoformat(day), account_name, ticker, Action(action), shares, price,
                       lot_id=lot_id, cost_basis=cost_basis)


def brief(plan) -> list[tuple]:
    """(account, ticker, action, shares) of the BUY/SELL rows, in plan order."""
    return [(t.account, t.ticker, t.action, t.shares) for t in plan.trades]
