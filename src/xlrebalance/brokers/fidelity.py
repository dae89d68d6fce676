"""Fidelity's positions download (``Portfolio_Positions_<date>.csv``).

Layout (Accounts > Positions > Download): one header row, ``Account Number, Account Name,
Symbol, Description, Quantity, Last Price, ..., Current Value, ..., Cost Basis Total,
Average Cost Basis, Type`` (older files: ``Cost Basis`` and ``Cost Basis Per Share``; some
add columns; some are all lower case), one row per position of every account, then a
blank line and footer lines (disclaimers, ``Date downloaded ...``).

Money-market sweep rows (``SPAXX**``, ``FDRXX**``, ``FCASH**``: a symbol ending in ``**``,
no quantity) are the account's cash.  ``Pending Activity`` rows are not positions: skipped
and noted.  No lots: a position's cost basis becomes one average-cost lot when merged.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Optional, Sequence

from .csvtext import Row, Table, find_header, is_blank
from .numbers import clean_ticker
from .records import AccountRef, BrokerFile, BrokerFileError, CashBalance, Position

NAME = "Fidelity positions"
SIGNATURE = (("Account Number",), ("Account Name",), ("Symbol",), ("Quantity",), ("Current Value",),
             ("Last Price",))
_DOWNLOADED = re.compile(r"date downloaded\s+(.+?)(\s+\d{1,2}:\d{2}.*)?$", re.IGNORECASE)


def detect(rows: Sequence[Row]) -> Optional[int]:
    return find_header(rows, SIGNATURE, within=5)


def parse(path: Path, rows: Sequence[Row], header_at: int) -> BrokerFile:
    table = Table(path, rows[header_at][1], [])
    positions, cash, notes = [], [], []
    as_of = None
    body = iter(rows[header_at + 1:])
    for row in body:
        line, cells = row
        if is_blank(cells) or _is_footer(cells):
            as_of = as_of or _downloaded(cells)
            for _, rest in body:          # the footer: disclaimers, the download date
                as_of = as_of or _downloaded(rest)
            break
        account = AccountRef(table.text(row, "Account Number"), table.text(row, "Account Name"))
        symbol = table.text(row, "Symbol")
        if symbol.lower().startswith("pending activity"):
            value = table.amount(row, "Current Value")
            notes.append(f"line {line}: pending activity of {_dollars(value or 0.0)} in {account.label} is not "
                         "counted in cash (it is not settled)")
            continue
        quantity = table.amount(row, "Quantity")
        if symbol.endswith("**") or (quantity is None and "money market" in table.text(row, "Description").lower()):
            cash.append(CashBalance(account, table.required_amount(row, "Current Value"), line))
            continue
        if quantity is None:
            raise BrokerFileError(path, f"{table.column_name('Quantity')} is blank for "
                                  f"{symbol or 'a row without a symbol'}; fix or delete the row", line)
        basis = table.amount(row, "Cost Basis Total", "Cost Basis")
        if basis is None:
            average = table.amount(row, "Average Cost Basis", "Cost Basis Per Share")
            basis = None if average is None else average * quantity
        positions.append(Position(account, clean_ticker(symbol), quantity, basis,
                                  table.amount(row, "Last Price"), line))
    return BrokerFile(path, NAME, tuple(positions), (), tuple(cash), positions_complete=True, as_of=as_of,
                      notes=tuple(notes))


def _is_footer(cells: Sequence[str]) -> bool:
    """A disclaimer or the download date: one filled cell, not an account row."""
    filled = [c for c in cells if c]
    return len(filled) == 1 and (len(filled[0]) > 30 or filled[0].lower().startswith("date downloaded"))


def _downloaded(cells: Sequence[str]):
    for cell in cells:
        match = _DOWNLOADED.match(cell.strip().strip('"'))
        if match:
            text = match.group(1).strip()
            for fmt in ("%b-%d-%Y", "%m/%d/%Y", "%b %d, %Y"):
                try:
                    return datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
    return None


def _dollars(amount: float) -> str:
    return f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}"
