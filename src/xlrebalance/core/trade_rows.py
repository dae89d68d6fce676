"""The TRADE_LIST answer as values: one ``Trade`` per row, the ``TradePlan`` around them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class Trade:
    """One row of TRADE_LIST.  ``action``: BUY, SELL, HOLD (a trade not made, see reason) or
    NOTE (a remark on the whole plan).  Money in $ rounded to cents; shares in shares."""

    account: str
    ticker: str
    action: str
    shares: float
    price: float
    amount: float
    lots: str = ""
    st_gain: float = 0.0
    lt_gain: float = 0.0
    est_tax: float = 0.0
    flags: tuple[str, ...] = ()
    reason: str = ""
    lot_shares: tuple[tuple[str, float], ...] = ()   # (lot ID, shares) behind ``lots``
    disallowed: float = 0.0     # $ of this sale's loss a wash sale disallows (no saving counted)
    permanent: float = 0.0      # $ of it lost for good (the replacement is in an IRA/Roth)

    def row(self) -> tuple:
        """Account, Ticker, Action, Shares, Price, Amount, Lots, ST gain, LT gain, Est. tax,
        Flags, Reason (the registry's TRADE_LIST order)."""
        if self.action == "NOTE":
            return (None, None, "NOTE", None, None, None, None, None, None, None,
                    ", ".join(self.flags), self.reason)
        return (self.account, self.ticker, self.action, self.shares, self.price, self.amount, self.lots,
                self.st_gain, self.lt_gain, self.est_tax, ", ".join(self.flags), self.reason)


@dataclass(frozen=True)
class TradePlan:
    trades: tuple[Trade, ...]           # BUY and SELL rows to execute
    held: tuple[Trade, ...] = ()        # HOLD rows: trades considered and not made
    notes: tuple[str, ...] = ()         # what limited the plan (also NOTE rows)
    cash_left: Mapping[str, float] = field(default_factory=dict)  # $ above reserve left per account
    est_tax: float = 0.0                # $ tax of the plan's sales, netted with the year so far
    disallowed: float = 0.0             # $ of the plan's losses washed (counted as no saving)
    permanent: float = 0.0              # $ of those lost for good (replacement in an IRA/Roth)

    def rows(self) -> tuple[Trade, ...]:
        notes = tuple(Trade("", "", "NOTE", 0.0, 0.0, 0.0, reason=n) for n in self.notes)
        return self.trades + self.held + notes


__all__ = ["Trade", "TradePlan"]
