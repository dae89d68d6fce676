"""Schwab's positions download and its "Lot Details" download.

Positions (Accounts > Positions > Export): a title line ``Positions for account <name>
<masked number> as of <time>, <date>``, a blank line, the header ``Symbol, Description,
Qty (Quantity), Price, ..., Mkt Val (Market Value), ..., Cost Basis, ..., Security Type``
(older files: ``Quantity``, ``Market Value``), one row per position, then ``Cash & Cash
Investments`` (the account's cash) and ``Account Total``.  The all-accounts download has one
such block per account, each under a line naming the account.

Lot Details (a position's cost-basis page > Export): a title line ``<TICKER> Lot Details for
<account> as of ...``, the header ``Open Date, Quantity, Price, Cost/Share, Market Value,
Cost Basis, Gain/Loss $, Gain/Loss %, Holding Period``, one row per open lot, then a
``Total`` row.  The file names its ticker and account only in its title line (or its file
name); ``--account`` names the account when neither does.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Optional, Sequence

from ..core.model import SHARE_TOL
from .csvtext import Row, Table, find_header, header_key, is_blank
from .numbers import clean_ticker
from .records import AccountRef, BrokerFile, BrokerFileError, CashBalance, LotRecord, Position

POSITIONS = "Schwab positions"
LOT_DETAILS = "Schwab lot details"
QUANTITY = ("Qty (Quantity)", "Quantity", "Qty")
MARKET_VALUE = ("Mkt Val (Market Value)", "Market Value", "Mkt Val")
POSITIONS_SIGNATURE = (("Symbol",), ("Description",), QUANTITY, ("Price",), MARKET_VALUE, ("Cost Basis",))
LOTS_SIGNATURE = (("Open Date",), QUANTITY, ("Cost/Share", "Cost Per Share"), ("Cost Basis",),
                  ("Holding Period",))
_TITLE = re.compile(r"^(?:(?P<ticker>\S+)\s+lot details for|positions for(?: account)?)\s+(?P<account>.+?)"
                    r"(?:\s+as of\s+(?P<when>.+))?$", re.IGNORECASE)
_NUMBER = re.compile(r"^(?:\.{3}|x+-?)?\d{3,}$|^\d[\d-]{2,}$", re.IGNORECASE)
_FILE_TICKER = re.compile(r"(?:^|[_\s-])([A-Za-z][A-Za-z0-9.]{0,5})[_\s-]+lot[_\s-]*details", re.IGNORECASE)
_CASH = ("cash & cash investments", "cash and cash investments", "cash & money market", "cash")
_TOTALS = ("account total", "total", "positions total")


def detect_positions(rows: Sequence[Row]) -> Optional[int]:
    at = find_header(rows, POSITIONS_SIGNATURE, within=10)
    if at is None or any(header_key(c) == "accountnumber" for c in rows[at][1]):
        return None      # Fidelity's header also has Symbol, Description, Quantity ...
    return at


def detect_lots(rows: Sequence[Row]) -> Optional[int]:
    return find_header(rows, LOTS_SIGNATURE, within=10)


def split_account(text: str) -> AccountRef:
    """'Individual ...123' -> name 'Individual', number '...123'; 'Roth IRA XXXX-1234' likewise."""
    words = text.strip().strip('"').split()
    if words and _NUMBER.match(words[-1]):
        return AccountRef(words[-1], " ".join(words[:-1]))
    return AccountRef("", " ".join(words))


def _title(cells: Sequence[str]) -> Optional[re.Match]:
    filled = [c for c in cells if c]
    if len(filled) != 1:
        return None
    return _TITLE.match(filled[0].strip())


def _as_of(match: Optional[re.Match]):
    when = (match.group("when") or "") if match else ""
    for piece in reversed(when.replace(",", " ").split()):
        for fmt in ("%Y/%m/%d", "%m/%d/%Y"):
            try:
                return datetime.strptime(piece, fmt).date()
            except ValueError:
                continue
    return None


def parse_positions(path: Path, rows: Sequence[Row], header_at: int) -> BrokerFile:
    title = next((m for m in (_title(cells) for _, cells in rows[:header_at]) if m), None)
    default = split_account(title.group("account")) if title and "all-accounts" not in title.group(
        "account").lower() else AccountRef()
    positions, cash, notes = [], [], []
    account, table = default, None
    for row in rows:
        line, cells = row
        if is_blank(cells) or _title(cells) is not None:
            continue
        if detect_positions([row]) == 0:
            table = Table(path, cells, [])
            continue
        filled = [c for c in cells if c]
        if len(filled) == 1 and not _is_total(filled[0]):
            account, table = split_account(filled[0]), None      # the all-accounts file: a block per account
            continue
        if table is None:
            continue
        symbol = table.text(row, "Symbol")
        key = symbol.strip().lower()
        if _is_total(key):
            continue
        if key in _CASH:
            cash.append(CashBalance(account, table.required_amount(row, *MARKET_VALUE), line))
            continue
        quantity = table.amount(row, *QUANTITY)
        if quantity is None:
            raise BrokerFileError(path, f"{table.column_name(*QUANTITY)} is blank for {symbol}; fix or "
                                  "delete the row", line)
        positions.append(Position(account, clean_ticker(symbol), quantity, table.amount(row, "Cost Basis"),
                                  table.amount(row, "Price"), line))
    if any(not p.account.number and not p.account.name for p in positions):
        notes.append("the file does not name its account (no title line): give --account")
    return BrokerFile(path, POSITIONS, tuple(positions), (), tuple(cash), positions_complete=True,
                      names_account=all(p.account.label != AccountRef().label for p in positions),
                      as_of=_as_of(title), notes=tuple(notes))


def _is_total(text: str) -> bool:
    return text.strip().lower() in _TOTALS


def parse_lots(path: Path, rows: Sequence[Row], header_at: int) -> BrokerFile:
    titles = [(line, m) for line, cells in rows if (m := _title(cells)) and m.group("ticker")]
    accounts = {split_account(m.group("account")) for _, m in titles}
    tickers = {clean_ticker(m.group("ticker")) for _, m in titles}
    if len(accounts) > 1:
        names = ", ".join(sorted(a.label for a in accounts))
        raise BrokerFileError(path, f"the file mixes lots of several accounts ({names}) and has no Account "
                              "column to tell them apart: export one Lot Details file per account and "
                              "position, or use the generic CSV with an Account column", titles[1][0])
    if len(tickers) > 1:
        raise BrokerFileError(path, f"the file mixes lots of several tickers ({', '.join(sorted(tickers))}) "
                              "and has no Symbol column: export one Lot Details file per position",
                              titles[1][0])
    ticker = next(iter(tickers), "") or _ticker_from_name(path)
    if not ticker:
        raise BrokerFileError(path, "a Schwab Lot Details file names its ticker in its title line "
                              "('VTI Lot Details for ...') or its file name; this one has neither: put the "
                              "title line back or name the file <TICKER>_Lot_Details.csv")
    account = next(iter(accounts), AccountRef())
    table = Table(path, rows[header_at][1], [])
    lots, total = [], None
    for row in rows[header_at + 1:]:
        line, cells = row
        if is_blank(cells):
            continue
        first = table.text(row, "Open Date")
        if _is_total(first):
            total = (line, table.amount(row, *QUANTITY))
            continue
        if _title(cells) or detect_lots([row]) == 0:
            continue
        acquired = table.date(row, "Open Date")
        if acquired is None:
            raise BrokerFileError(path, "Open Date is blank; fix or delete the row", line)
        shares = table.required_amount(row, *QUANTITY)
        basis = table.amount(row, "Cost Basis")
        if basis is None:
            per_share = table.required_amount(row, "Cost/Share", "Cost Per Share")
            basis = per_share * shares
        lots.append(LotRecord(account, ticker, acquired, shares, basis, "", line))
    if total is not None and total[1] is not None:
        summed = sum(lot.shares for lot in lots)
        if abs(summed - total[1]) > 1e-6 + SHARE_TOL:
            raise BrokerFileError(path, f"the lots add up to {summed:g} shares but the Total row says "
                                  f"{total[1]:g}: the file is incomplete; export it again", total[0])
    return BrokerFile(path, LOT_DETAILS, (), tuple(lots), (), positions_complete=False,
                      names_account=bool(account.number or account.name), as_of=_as_of(titles[0][1]) if titles
                      else None)


def _ticker_from_name(path: Path) -> str:
    match = _FILE_TICKER.search(path.stem)
    return clean_ticker(match.group(1)) if match else ""
