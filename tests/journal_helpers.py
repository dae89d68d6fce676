"""Helpers for the Journal tests: a household as workbook tables, fills made from orders."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Optional

from xlrebalance.core.model import Action, Household
from xlrebalance.journal.entries import append_run
from xlrebalance.journal.orders import OrderRun

FILL_HEADER = ["Date", "Account", "Ticker", "Side", "Shares", "Price", "Fees", "Order ID", "Broker ref"]


def household_tables(household: Household) -> dict[str, list[list]]:
    """A core ``Household`` as the 2-D tables a workbook holds (header first)."""
    s = household.settings
    settings = [["Setting", "Value"], ["As of date", s.as_of], ["Rebalance to", s.rebalance_to.value],
                ["Taxable sells", s.taxable_sells.value], ["Lot method", s.lot_method.value],
                ["Whole shares", s.whole_shares], ["Minimum trade", s.minimum_trade],
                ["Cash reserve", s.cash_reserve], ["Limit collar", s.limit_collar]]
    if s.gain_budget is not None:
        settings.append(["Gain budget", s.gain_budget])
    transactions = [["Date", "Account", "Ticker", "Action", "Shares", "Price", "Lot ID", "Acquired", "Cost basis"]]
    for tx in household.transactions:
        acquired = tx.acquired or (tx.date - timedelta(days=400) if tx.action is Action.SELL else None)
        lot_id = tx.lot_id or ("SOLD" if tx.action is Action.SELL else None)
        transactions.append([tx.date, tx.account, tx.ticker, tx.action.value, tx.shares, tx.price, lot_id,
                             acquired, tx.cost_basis])
    return {
        "Settings": settings,
        "Accounts": [["Account", "Type", "Cash", "Cash flow"]]
        + [[a.name, a.type.value, a.cash, a.cash_flow] for a in household.accounts],
        "Targets": [["Asset class", "Target", "Tradable", "Buy ticker"]]
        + [[t.asset_class, t.target, t.tradable, t.buy_ticker] for t in household.targets],
        "Securities": [["Ticker", "Asset class", "Wash group", "Replacement"]]
        + [[x.ticker, x.asset_class, x.wash_group or None, x.replacement] for x in household.securities],
        "Holdings": [["Account", "Ticker", "Shares"]] + [[h.account, h.ticker, h.shares] for h in household.holdings],
        "Lots": [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"]]
        + [[l.account, l.ticker, l.lot_id, l.acquired, l.shares, l.cost_basis] for l in household.lots],
        "Transactions": transactions,
        "Prices": [["Ticker", "Price"]] + [[p.ticker, p.price] for p in household.prices],
    }


def with_journal(tables: dict, run: OrderRun, status: str = "PROPOSED") -> dict:
    journal, _, _ = append_run(tables.get("Journal"), run.entries(status))
    return {**tables, "Journal": journal}


def fills_from_orders(run: OrderRun, day: date, *, fees: Optional[dict] = None, price: Optional[dict] = None,
                      shares: Optional[dict] = None, order_ids: bool = False) -> list[list]:
    """Fills (2-D, header first) for every order of ``run`` at its limit price on ``day``;
    ``fees`` / ``price`` / ``shares`` override by Order ID."""
    fees, price, shares = fees or {}, price or {}, shares or {}
    rows = [list(FILL_HEADER)]
    for o in run.orders:
        rows.append([day, o.account, o.ticker, o.side, shares.get(o.order_id, o.shares),
                     price.get(o.order_id, o.limit_price), fees.get(o.order_id, 0.0),
                     o.order_id if order_ids else None, None])
    return rows


def table_records(rows: list[list]) -> list[dict]:
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]
