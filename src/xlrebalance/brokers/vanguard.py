"""Vanguard's ``OfxDownload.csv`` (Balances > Download center > a spreadsheet-compatible CSV).

Two tables in one file: positions (``Account Number, Investment Name, Symbol, Shares, Share
Price, Total Value``), blank lines, then transactions (``Account Number, Trade Date,
Settlement Date, Transaction Type, ...``).  Every data line ends with a comma.  The
positions carry no cost basis: lots come from the workbook (kept when they tie out) or from
a lots file.  The settlement fund (Vanguard Federal Money Market, ``VMFXX``) is the
account's cash.  The transactions table is not imported (it names no lots).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from .csvtext import Row, find_header, table_below
from .numbers import clean_ticker
from .records import AccountRef, BrokerFile, BrokerFileError, CashBalance, Position

NAME = "Vanguard OfxDownload"
SIGNATURE = (("Account Number",), ("Investment Name",), ("Symbol",), ("Shares",), ("Share Price",),
             ("Total Value",))
TRANSACTIONS = (("Account Number",), ("Trade Date",), ("Settlement Date",), ("Transaction Type",))
#: The settlement fund: cash, not a position.
SETTLEMENT_FUNDS = frozenset({"VMFXX"})


def detect(rows: Sequence[Row]) -> Optional[int]:
    return find_header(rows, SIGNATURE, within=5)


def parse(path: Path, rows: Sequence[Row], header_at: int) -> BrokerFile:
    table = table_below(path, rows, header_at)
    positions, cash, notes = [], [], []
    for row in table.rows:
        line = row[0]
        if find_header([row], TRANSACTIONS) == 0:
            break
        account = AccountRef(table.text(row, "Account Number"), "")
        ticker = clean_ticker(table.text(row, "Symbol"))
        shares = table.amount(row, "Shares")
        if ticker in SETTLEMENT_FUNDS:
            value = table.amount(row, "Total Value")
            cash.append(CashBalance(account, value if value is not None else shares or 0.0, line))
            continue
        if not ticker:
            raise BrokerFileError(path, f"Symbol is blank for {table.text(row, 'Investment Name') or 'a row'}; "
                                  "fix or delete the row", line)
        if shares is None:
            raise BrokerFileError(path, f"Shares is blank for {ticker}; fix or delete the row", line)
        positions.append(Position(account, ticker, shares, None, table.amount(row, "Share Price"), line))
    later = find_header(rows[header_at + 1:], TRANSACTIONS, within=len(rows))
    if later is not None:
        count = sum(1 for _ in table_below(path, rows, header_at + 1 + later).rows)
        notes.append(f"the transactions table ({count} rows) is not imported: it names no lots")
    return BrokerFile(path, NAME, tuple(positions), (), tuple(cash), positions_complete=True, notes=tuple(notes))
