"""An ``OrderRun`` as a file to send or keep: CSV, JSON, or an Interactive Brokers basket.

- ``csv``: one row per order, columns ``CSV_COLUMNS`` (documented in the README).
- ``json``: {"run_id", "run_time", "inputs_hash", "as_of", "orders": [...], "notes": [...]}.
- ``ibkr``: a BasketTrader basket file (TWS > Trading Tools > BasketTrader > Load):
  Action, Quantity, Symbol, SecType, Exchange, Currency, TimeInForce, OrderType, LmtPrice,
  OrderRef (the Order ID, so the broker's trade report names it), and Account (the broker
  account number) when the Accounts table gives every order's account one.  The basket format has no
  column for specific lots: set the lots to relieve (the ``Lots`` of the CSV) in the broker's
  tax-lot screen, or make SpecID the account's default lot-matching method.
"""
from __future__ import annotations

import csv
import io
import json
from typing import Any, Mapping, Optional

from ..files.formula import inert
from .orders import OrderRun

FORMATS = ("csv", "json", "ibkr")
CSV_COLUMNS = ("Order ID", "Account", "Side", "Ticker", "Shares", "Order type", "Limit price", "Time in force",
               "Last price", "Amount", "Lots", "Est. ST gain", "Est. LT gain", "Est. tax", "Flags", "Reason", "Note")
IBKR_COLUMNS = ("Action", "Quantity", "Symbol", "SecType", "Exchange", "Currency", "TimeInForce", "OrderType",
                "LmtPrice", "OrderRef")


def _number(value: float) -> Any:
    return int(value) if float(value).is_integer() else value


def order_records(run: OrderRun) -> list[dict[str, Any]]:
    return [{"Order ID": o.order_id, "Account": o.account, "Side": o.side, "Ticker": o.ticker,
             "Shares": _number(o.shares), "Order type": "LMT", "Limit price": f"{o.limit_price:.2f}",
             "Time in force": "DAY", "Last price": o.last_price, "Amount": f"{o.amount:.2f}", "Lots": o.lots,
             "Est. ST gain": f"{o.est_st_gain:.2f}", "Est. LT gain": f"{o.est_lt_gain:.2f}",
             "Est. tax": f"{o.est_tax:.2f}", "Flags": ", ".join(o.flags), "Reason": o.reason, "Note": o.note}
            for o in run.orders]


def _csv(header, rows) -> str:
    """CSV text; a text cell a spreadsheet would run as a formula (an account named
    ``=HYPERLINK(...)``) gets a leading apostrophe (files.formula, OWASP's rule)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([inert(h) for h in header])
    writer.writerows([inert(v) for v in row] for row in rows)
    return out.getvalue()


def orders_csv(run: OrderRun) -> str:
    return _csv(CSV_COLUMNS, [[r[c] for c in CSV_COLUMNS] for r in order_records(run)])


def orders_json(run: OrderRun) -> str:
    orders = []
    for o in run.orders:
        orders.append({"order_id": o.order_id, "account": o.account, "side": o.side, "ticker": o.ticker,
                       "shares": _number(o.shares), "order_type": "LMT", "limit_price": o.limit_price,
                       "time_in_force": "DAY", "last_price": o.last_price, "amount": o.amount,
                       "lots": [{"lot_id": lot, "shares": _number(n)} for lot, n in o.lot_shares],
                       "est_st_gain": o.est_st_gain, "est_lt_gain": o.est_lt_gain, "est_tax": o.est_tax,
                       "flags": list(o.flags), "reason": o.reason, "note": o.note})
    return json.dumps({"run_id": run.run_id, "run_time": run.run_time, "inputs_hash": run.inputs_hash,
                       "as_of": run.as_of.isoformat(), "orders": orders, "notes": list(run.notes)}, indent=2) + "\n"


def orders_ibkr(run: OrderRun, account_numbers: Optional[Mapping[str, str]] = None) -> str:
    """The basket file: one header row (every order is a limit order), then one row per order.
    Values carry no spaces around commas (TWS cannot read them otherwise).  When every order's
    account has a broker number (the Accounts table's Number column), an ``Account`` column
    routes each order to its account (TWS's advisor field); otherwise there is none."""
    numbers = dict(account_numbers or {})
    routed = bool(run.orders) and all(numbers.get(o.account) for o in run.orders)
    rows = [[o.side, _number(o.shares), o.ticker, "STK", "SMART", "USD", "DAY", "LMT", f"{o.limit_price:.2f}",
             o.order_id] + ([numbers[o.account]] if routed else []) for o in run.orders]
    return _csv(IBKR_COLUMNS + (("Account",) if routed else ()), rows)


def render(run: OrderRun, fmt: str, account_numbers: Optional[Mapping[str, str]] = None) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown order format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "ibkr":
        return orders_ibkr(run, account_numbers)
    return {"csv": orders_csv, "json": orders_json}[fmt](run)
