"""What a broker file says, in one shape for every format: frozen records per account.

A parser turns its file into a ``BrokerFile``: positions (shares per ticker), lots (open
tax lots), cash, each naming the account as the file names it (``AccountRef``: a number,
a name, or both).  Matching those to the workbook's Accounts, and merging, happens in
``lifecycle/importing.py``.  Money in dollars, shares as share counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Optional

from ..errors import XlrebalanceError


@dataclass(frozen=True)
class AccountRef:
    """An account as a broker file names it: its number (possibly masked, e.g. 'XXXX-1234'),
    its name, or both.  ``label`` is how messages show it."""

    number: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        if self.number and self.name and self.number != self.name:
            return f"{self.name} ({self.number})"
        return self.name or self.number or "(no account named)"

    @property
    def digits(self) -> str:
        """The number's digits only ('XXXX-1234' -> '1234')."""
        return "".join(ch for ch in self.number if ch.isdigit())


@dataclass(frozen=True)
class Position:
    """Shares of one ticker held in one account, as a positions file shows them."""

    account: AccountRef
    ticker: str
    shares: float
    cost_basis: Optional[float] = None      # total $; None when the file does not give it
    price: Optional[float] = None           # $ per share, the file's last price
    line: int = 0                           # line (or element) in the file


@dataclass(frozen=True)
class LotRecord:
    """One open tax lot, as a lot-detail file shows it."""

    account: AccountRef
    ticker: str
    acquired: date
    shares: float
    cost_basis: float                       # total $ paid for the lot's shares
    lot_id: str = ""                        # the file's own lot ID, when it has one
    line: int = 0


@dataclass(frozen=True)
class CashBalance:
    """Cash (and money-market sweep) in one account, $."""

    account: AccountRef
    amount: float
    line: int = 0


@dataclass(frozen=True)
class BrokerFile:
    """One parsed broker file.

    ``positions_complete``: the positions are the account's whole holdings (a positions
    statement), so tickers the workbook has in that account but the file does not are sold.
    A lots-only file (``positions`` empty) replaces the lots of the tickers it names only.
    ``names_account``: the file says which account its rows are in (else ``--account``).
    """

    path: Path
    format: str                              # a FORMATS name, e.g. "Fidelity positions"
    positions: tuple[Position, ...] = ()
    lots: tuple[LotRecord, ...] = ()
    cash: tuple[CashBalance, ...] = ()
    positions_complete: bool = True
    names_account: bool = True
    as_of: Optional[date] = None             # the statement date, when the file gives it
    notes: tuple[str, ...] = ()              # what the parser skipped and why (footers, pending ...)

    @property
    def accounts(self) -> tuple[AccountRef, ...]:
        seen: dict[AccountRef, None] = {}
        for record in (*self.positions, *self.lots, *self.cash):
            seen.setdefault(record.account, None)
        return tuple(seen)


class BrokerFileError(XlrebalanceError):
    """A broker file cannot be read: unknown layout, a malformed row (with its line number),
    or content that cannot be imported without guessing."""

    def __init__(self, path: Path | str, message: str, line: Optional[int] = None):
        self.path, self.line = Path(path), line
        where = f"{Path(path).name}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")
