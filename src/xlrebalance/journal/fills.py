"""Executed trades: the documented fills CSV and the workbook's Fills table -> ``Fill`` values.

Columns (header names case-insensitive, in any order; aliases in brackets):
Date [Trade date], Account, Ticker [Symbol], Side [Action, Buy/Sell], Shares [Quantity,
Qty], Price [Fill price, Trade price], Fees [Commission, Commissions, Fee] (optional),
Order ID [OrderRef, Order ref] (optional), Broker ref [Trade ID, Exec ID, Execution ID,
Reference] (optional).  Dates as ISO (2026-11-23) or the US m/d/yyyy brokers write; Side
BUY/SELL, Buy/Sell, Bought/Sold, any case.  A fill's reference is its Broker ref, else a
hash of its fields (and of how many identical rows came before it in the same file), so
recording the same file twice is recognised.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Optional, Sequence

from .. import cells
from ..core.model import Issue
from ..errors import XlrebalanceError
from ..spec import normalize_header
from .ids import fill_hash

ALIASES = {
    "Date": ("Date", "Trade date", "TradeDate", "Trade Date/Time", "Execution date"),
    "Account": ("Account", "Account name", "Acct"),
    "Ticker": ("Ticker", "Symbol"),
    "Side": ("Side", "Action", "Buy/Sell", "B/S"),
    "Shares": ("Shares", "Quantity", "Qty"),
    "Price": ("Price", "Fill price", "Trade price", "TradePrice"),
    "Fees": ("Fees", "Fee", "Commission", "Commissions", "IBCommission"),
    "Order ID": ("Order ID", "OrderRef", "Order ref", "Order reference"),
    "Broker ref": ("Broker ref", "Trade ID", "TradeID", "Exec ID", "Execution ID", "Reference"),
}
REQUIRED = ("Date", "Account", "Ticker", "Side", "Shares", "Price")
SIDES = {"buy": "BUY", "bought": "BUY", "bot": "BUY", "b": "BUY",
         "sell": "SELL", "sold": "SELL", "sld": "SELL", "s": "SELL"}


class FillsFileError(XlrebalanceError):
    """A fills file that cannot be read at all (missing, not CSV, no header)."""


@dataclass(frozen=True)
class Fill:
    """One execution.  ``shares`` > 0 (the side says the direction), ``price`` $ per share,
    ``fees`` $ for the whole fill.  ``where``: 'fills.csv line 3' or 'Fills row 3'."""

    date: date
    account: str
    ticker: str
    side: str
    shares: float
    price: float
    fees: float = 0.0
    order_id: str = ""
    broker_ref: str = ""
    ref: str = ""
    where: str = ""
    line: Optional[int] = None

    @property
    def gross(self) -> float:
        """$ shares x price."""
        return self.shares * self.price


def parse_fills(rows: Sequence[Sequence[Any]], *, source: str = "Fills", first_line: int = 1,
                lines: Optional[Sequence[int]] = None) -> tuple[list[Fill], list[Issue]]:
    """Fills from a 2-D table (header first).  ``first_line``: the header's line (sheet row
    or file line); ``lines`` gives each data row's own line when they are not consecutive."""
    if not rows or all(cells.is_blank(v) for v in rows[0]):
        return [], []
    header = [normalize_header(h) if not cells.is_blank(h) else "" for h in rows[0]]
    where: dict[str, int] = {}
    for column, names in ALIASES.items():
        for name in names:
            key = normalize_header(name)
            if key in header:
                where[column] = header.index(key)
                break
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        found = ", ".join(str(h) for h in rows[0] if not cells.is_blank(h))
        return [], [Issue("fills_missing_column", f"The fills have no {', '.join(repr(m) for m in missing)} column "
                          f"(headers found: {found}); the columns are Date, Account, Ticker, Side, Shares, Price, "
                          "and optionally Fees, Order ID, Broker ref.", source, first_line, missing[0])]
    fills, issues, seen = [], [], {}
    for offset, row in enumerate(rows[1:], start=1):
        line = lines[offset - 1] if lines else first_line + offset
        cells_of = {c: (row[i] if i < len(row) else None) for c, i in where.items()}
        if all(cells.is_blank(v) for v in cells_of.values()):
            continue
        fill, problems = _fill(cells_of, source, line)
        issues += problems
        if fill is None:
            continue
        key = (fill.date, fill.account, fill.ticker, fill.side, round(fill.shares, 6), round(fill.price, 6),
               round(fill.fees, 2), fill.order_id)
        seen[key] = seen.get(key, 0) + 1
        ref = fill.broker_ref or fill_hash(*key, seen[key])
        fills.append(Fill(**{**fill.__dict__, "ref": ref}))
    return fills, issues


def _fill(raw: dict[str, Any], source: str, line: int) -> tuple[Optional[Fill], list[Issue]]:
    issues = []

    def bad(column: str, message: str) -> None:
        issues.append(Issue("bad_fill", f"{source} line {line}: {message}", source, line, column))

    when, problem = cells.parse_date(raw.get("Date"))
    if problem or when is None:
        bad("Date", f"the Date {raw.get('Date')!r} is not a date; write 2026-11-23 or 11/23/2026.")
    account, _ = cells.parse_text(raw.get("Account"))
    ticker, _ = cells.parse_ticker(raw.get("Ticker"))
    if not account:
        bad("Account", "the Account is blank; name the account as the Accounts table does.")
    if not ticker:
        bad("Ticker", "the Ticker is blank.")
    side_text = str(raw.get("Side") or "").strip().lower()
    side = SIDES.get(side_text)
    if side is None:
        bad("Side", f"the Side {raw.get('Side')!r} is not BUY or SELL (Buy/Sell, Bought/Sold).")
    numbers = {}
    for column in ("Shares", "Price", "Fees"):
        value, problem = cells.parse_number(raw.get(column))
        if problem:
            bad(column, f"the {column} {raw.get(column)!r} is not a number.")
        numbers[column] = value
    if numbers["Shares"] is not None and numbers["Shares"] <= 0:
        bad("Shares", f"Shares must be more than 0 (found {numbers['Shares']:g}); the Side says the direction.")
    elif numbers["Shares"] is None and "Shares" not in [i.column for i in issues]:
        bad("Shares", "the Shares are blank.")
    if numbers["Price"] is not None and numbers["Price"] <= 0:
        bad("Price", f"the Price must be more than 0 (found {numbers['Price']:g}).")
    elif numbers["Price"] is None and "Price" not in [i.column for i in issues]:
        bad("Price", "the Price is blank.")
    fees = numbers["Fees"] or 0.0
    if fees < 0:
        bad("Fees", f"Fees must be 0 or more (found {fees:g}).")
    if issues:
        return None, issues
    order_id, _ = cells.parse_text(raw.get("Order ID"))
    broker_ref, _ = cells.parse_text(raw.get("Broker ref"))
    return Fill(when, account, ticker, side, numbers["Shares"], numbers["Price"], fees, order_id or "",
                broker_ref or "", "", f"{source} line {line}", line), []


def read_fills_csv(path: str | Path) -> tuple[list[Fill], list[Issue]]:
    """The documented fills CSV at ``path``: ``FillsFileError`` when it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise FillsFileError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FillsFileError(f"{path.name}: cannot read it as a UTF-8 CSV file ({exc})") from exc
    reader = csv.reader(text.splitlines())
    rows, lines = [], []
    for row in reader:
        if not rows and all(not c.strip() for c in row):
            continue
        rows.append(row)
        lines.append(reader.line_num)
    if not rows:
        raise FillsFileError(f"{path.name}: the file is empty; it needs a header row (Date, Account, Ticker, Side, "
                             "Shares, Price, Fees, Order ID, Broker ref) and one row per fill")
    return parse_fills(rows, source=path.name, first_line=lines[0], lines=lines[1:])
