"""The generic lots CSV: the workbook's own Lots columns, for every broker without a format here.

Header (any order, any case): ``Account`` (optional with ``--account``; the account's name
in Accounts, or its number as the broker writes it, e.g. ``Z12345678``), ``Ticker`` (or ``Symbol``), ``Lot ID`` (optional), ``Acquired``, ``Shares``,
``Cost basis`` (total $).  One row per open lot.  The lots replace, in each account, the
lots of the tickers the file names; other tickers are untouched.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from .csvtext import Row, find_header, is_blank, table_below
from .numbers import clean_ticker
from .records import AccountRef, BrokerFile, BrokerFileError, LotRecord

NAME = "Generic lots CSV"
SIGNATURE = (("Ticker", "Symbol"), ("Acquired",), ("Shares",), ("Cost basis",))
COLUMNS = ("Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis")


def detect(rows: Sequence[Row]) -> Optional[int]:
    return find_header(rows, SIGNATURE, within=5)


def parse(path: Path, rows: Sequence[Row], header_at: int) -> BrokerFile:
    table = table_below(path, rows, header_at)
    trailing = [row for row in rows[header_at + 1 + len(table.rows):] if not is_blank(row[1])]
    if trailing:
        raise BrokerFileError(path, "rows after a blank line: the generic CSV is one table without "
                              "blank lines; delete the blank line or the rows below it", trailing[0][0])
    has_account = table.has("Account")
    lots = []
    for row in table.rows:
        line = row[0]
        ticker = clean_ticker(table.text(row, "Ticker", "Symbol"))
        if not ticker:
            raise BrokerFileError(path, "Ticker is blank; fix or delete the row", line)
        acquired = table.date(row, "Acquired")
        if acquired is None:
            raise BrokerFileError(path, "Acquired is blank; fix or delete the row", line)
        shares = table.required_amount(row, "Shares")
        basis = table.required_amount(row, "Cost basis")
        if shares <= 0 or basis < 0:
            raise BrokerFileError(path, f"{ticker}: shares must be more than 0 and cost basis 0 or more "
                                  f"(found {shares:g} shares, ${basis:,.2f})", line)
        name = table.text(row, "Account") if has_account else ""
        if has_account and not name:
            raise BrokerFileError(path, "Account is blank; fill it in or delete the row", line)
        account = AccountRef(name if _has_number(name) else "", name)    # matched by number, else by name
        lots.append(LotRecord(account, ticker, acquired, shares, basis, table.text(row, "Lot ID"), line))
    return BrokerFile(path, NAME, (), tuple(lots), (), positions_complete=False, names_account=has_account)


def _has_number(text: str) -> bool:
    """'Z12345678', 'XXXX-5678', '5678': digits enough to match the Accounts Number column."""
    return sum(ch.isdigit() for ch in text) >= 3
