"""Which tax lots a sale relieves: one ordering function per lot method, one "use up".

Beancount-style: ``LotMethod`` (in ``model``) names the method, ``LOT_ORDER`` maps each
method to a small pure key function sharing one signature ``key(lot, sale) -> tuple``,
and ``use_up`` walks the ordered lots taking shares until the sale is filled.

Methods (RULES.md, "Lots and holding period"):

- FIFO (the legal default), LIFO, HIFO (highest basis per share first);
- MinTax (Vanguard MinTax / Schwab Tax Lot Optimizer): short-term losses largest first,
  long-term losses largest first, zero-gain lots, long-term gains smallest first,
  short-term gains smallest first ("largest"/"smallest" per share);
- TaxRate (ours): tax per dollar of proceeds at the configured ST/LT rates, lowest first.
  For one price and linear rates this greedy order is the least-tax choice for any
  proceeds (a fractional knapsack), so it is never worse than MinTax;
- SpecID: the lots listed in ``Settings.spec_id_lots`` in the order given, then FIFO.

Ties break by acquisition date, then lot ID.  Short-term lots at a gain that turn
long-term within ``Settings.lt_soon_days`` are moved to the end (iRebal-style), so they
are sold only when nothing else is left.

Units: shares are share counts, prices and money $ (per share where named so).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from typing import Callable, Iterable, Optional, Sequence

from .heap import build
from .holding import long_term_from
from .model import SHARE_TOL, Lot, LotMethod, Settings


@dataclass(frozen=True)
class Sale:
    """What a sale looks like to the lot methods: its price, date and the tax settings."""

    price: float                 # $ per share
    on: date                     # sale (trade) date
    short_term_rate: float = 0.408
    long_term_rate: float = 0.238
    spec_id_lots: tuple[str, ...] = ()
    lt_soon_days: int = 30

    @classmethod
    def from_settings(cls, price: float, settings: Settings) -> "Sale":
        return cls(price, settings.as_of, settings.short_term_rate, settings.long_term_rate,
                   tuple(settings.spec_id_lots), settings.lt_soon_days)


@dataclass(frozen=True)
class LotUse:
    """Shares taken from one lot by a sale.  ``lot`` is None for shares of unknown basis."""

    lot: Optional[Lot]
    shares: float
    proceeds: float              # $ shares x sale price
    cost: float                  # $ basis of the shares taken (0 when unknown)
    term: str                    # 'ST' or 'LT'

    @property
    def gain(self) -> float:
        return self.proceeds - self.cost

    @property
    def lot_id(self) -> str:
        return self.lot.lot_id if self.lot is not None else "unknown basis"


def gain_per_share(lot: Lot, sale: Sale) -> float:
    return sale.price - lot.basis_per_share


@lru_cache(maxsize=8192)
def long_term_date(acquired: date) -> date:
    """``holding.long_term_from``, remembered: lots share acquisition dates."""
    return long_term_from(acquired)


def lot_term(lot: Lot, sale: Sale) -> str:
    """'LT' when the sale is after the anniversary (``holding.is_long_term``), else 'ST'."""
    return "LT" if sale.on >= long_term_date(lot.acquired) else "ST"


def tax_per_dollar(lot: Lot, sale: Sale) -> float:
    """Tax ($) per $ of proceeds from selling this lot at the sale's price (negative: saving)."""
    rate = sale.long_term_rate if lot_term(lot, sale) == "LT" else sale.short_term_rate
    return gain_per_share(lot, sale) * rate / sale.price if sale.price > 0 else 0.0


def _tie(lot: Lot) -> tuple:
    return (lot.acquired, lot.lot_id)


def _fifo(lot: Lot, sale: Sale) -> tuple:
    return _tie(lot)


def _lifo(lot: Lot, sale: Sale) -> tuple:
    return (-lot.acquired.toordinal(), lot.lot_id)


def _hifo(lot: Lot, sale: Sale) -> tuple:
    return (-lot.basis_per_share, *_tie(lot))


def _mintax(lot: Lot, sale: Sale) -> tuple:
    gain = sale.price - lot.cost_basis / lot.shares
    long_term = sale.on >= long_term_date(lot.acquired)
    if abs(gain) <= 1e-12:
        bucket = 2
    elif gain < 0:
        bucket = 1 if long_term else 0          # losses: largest first (most negative gain)
    else:
        bucket = 3 if long_term else 4          # gains: smallest first
    return (bucket, gain, lot.acquired, lot.lot_id)     # then ``_tie``, spelled out: once per lot


def _taxrate(lot: Lot, sale: Sale) -> tuple:
    return (tax_per_dollar(lot, sale), *_tie(lot))


def _specid(lot: Lot, sale: Sale) -> tuple:
    listed = sale.spec_id_lots
    if lot.lot_id in listed:
        return (0, listed.index(lot.lot_id), *_tie(lot))
    return (1, 0, *_tie(lot))


LotKey = Callable[[Lot, Sale], tuple]

#: The table of lot methods: each a pure key function, lowest key sold first.
LOT_ORDER: dict[LotMethod, LotKey] = {
    LotMethod.FIFO: _fifo,
    LotMethod.LIFO: _lifo,
    LotMethod.HIFO: _hifo,
    LotMethod.MINTAX: _mintax,
    LotMethod.TAXRATE: _taxrate,
    LotMethod.SPECID: _specid,
}


def turns_long_term_soon(lot: Lot, sale: Sale) -> bool:
    """A short-term lot at a gain that becomes long-term within ``lt_soon_days``."""
    if lot_term(lot, sale) == "LT" or gain_per_share(lot, sale) <= 0:
        return False
    return (long_term_date(lot.acquired) - sale.on).days <= sale.lt_soon_days


def order_lots(lots: Iterable[Lot], method: LotMethod, sale: Sale) -> list[Lot]:
    """The lots in the order the method sells them; about-to-turn-LT gain lots last."""
    key = LOT_ORDER[method]
    return sorted(lots, key=lambda lot: (turns_long_term_soon(lot, sale), key(lot, sale)))


def use_up(ordered: Sequence[Lot], shares: float, sale: Sale, unknown_basis_shares: float = 0.0) -> tuple[LotUse, ...]:
    """Take ``shares`` from ``ordered`` lots in turn; then from shares of unknown basis.

    Returns the uses, which sum to ``shares`` unless the lots (and unknown-basis shares)
    hold fewer.  Shares of unknown basis are costed at $0 and short-term: an upper bound.
    """
    uses: list[LotUse] = []
    left = shares
    price, on = sale.price, sale.on
    for lot in ordered:
        if left <= SHARE_TOL:
            break
        take = min(lot.shares, left)
        if take <= SHARE_TOL:
            continue
        cost = lot.cost_basis if take >= lot.shares - SHARE_TOL else lot.basis_per_share * take
        term = "LT" if on >= long_term_date(lot.acquired) else "ST"      # ``lot_term``
        uses.append(_lot_use(lot, take, take * price, cost, term))
        left -= take
    if left > SHARE_TOL and unknown_basis_shares > SHARE_TOL:
        take = min(left, unknown_basis_shares)
        uses.append(LotUse(None, take, take * price, 0.0, "ST"))
    return tuple(uses)


def _lot_use(lot: Lot, shares: float, proceeds: float, cost: float, term: str) -> LotUse:
    """``LotUse(...)`` through ``heap.build``: a large sale relieves thousands of lots."""
    return build(LotUse, lot=lot, shares=shares, proceeds=proceeds, cost=cost, term=term)


def select_lots(lots: Iterable[Lot], shares: float, method: LotMethod, sale: Sale,
                unknown_basis_shares: float = 0.0) -> tuple[LotUse, ...]:
    """Order ``lots`` by ``method`` and use up ``shares`` of them."""
    return use_up(order_lots(lots, method, sale), shares, sale, unknown_basis_shares)


def describe_lots(uses: Iterable[LotUse]) -> str:
    """'L1 (12 sh), L3 (4 sh)': the lots a sale relieves, for the trade list."""
    return ", ".join([f"{u.lot_id} ({format_shares(u.shares)} sh)" for u in uses])


def format_shares(shares: float) -> str:
    """12.0 -> '12', 12.5 -> '12.5', 0.123456 -> '0.1235'."""
    text = f"{shares:.4f}".rstrip("0").rstrip(".")
    return text or "0"
