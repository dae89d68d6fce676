"""Harvest opportunities the plan keeps open (RULES.md "Harvests and the plan").

A wash group is *harvestable* when one of its securities has a lot HARVEST_CANDIDATES would
list: a lot in a taxable account, with a price, whose unrealized loss against its
(wash-adjusted) basis is at least ``Harvest min loss $`` and ``Harvest min loss %`` of that
basis (the test of ``harvest.py``; ``tests/test_keep_open.py`` checks both agree).  Buying
any security of that group today, in any account, would wash a sale of that lot for the next
``Wash window days``: the plan buys the class through another wash group (the class's other
tickers, ``Securities.Replacement`` first) and, only when none has a price, buys the group
anyway with the flag BLOCKS HARVEST, naming the lot and the first day it could be harvested
again.

``HarvestGuard`` answers per group, lazily: only the groups of the classes the plan buys are
ever looked at, so a large household pays for the few positions concerned.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Mapping, Optional, Sequence

from .model import MONEY_TOL, WEIGHT_TOL, Action, Lot, Settings, Transaction

BLOCKS_HARVEST = "BLOCKS HARVEST"


@dataclass(frozen=True)
class Opportunity:
    """A harvestable lot: ``loss`` in $ (> 0) against its adjusted basis."""

    account: str
    ticker: str
    lot_id: str
    loss: float


def harvestable(loss: float, basis: float, settings: Settings) -> bool:
    """Would HARVEST_CANDIDATES list a lot with this unrealized ``loss`` ($ > 0 = a loss) and
    ``basis`` ($, adjusted)?  Both thresholds, with the engine's tolerances."""
    if loss <= MONEY_TOL or basis <= 0:
        return False
    return (loss >= settings.harvest_min_loss_usd - MONEY_TOL
            and loss / basis >= settings.harvest_min_loss_pct - WEIGHT_TOL)


class HarvestGuard:
    """Which wash groups have a harvestable lot, and what buying one of them today blocks.

    The open lots HARVEST_CANDIDATES reads come as ``positions`` ((account, ticker) -> lots:
    the plan book's lots, at their wash-adjusted basis) and ``extra`` (open lots of the tax
    ledger outside the Lots table, e.g. past Buy rows); each has ``account``, ``ticker``,
    ``lot_id``, ``shares`` and ``cost_basis``.  ``taxable(account)`` tells the accounts it
    looks at; ``prices`` and ``group_of`` as the plan's book has them; ``replacement_of`` =
    ``Securities.Replacement`` per ticker.
    """

    def __init__(self, positions: Mapping[tuple[str, str], Sequence], extra: Iterable = (), *, taxable,
                 prices, group_of, replacement_of, settings: Settings) -> None:
        self._positions = positions
        self._keys: dict[str, list] = {}        # ticker -> its positions' keys (taxable accounts)
        for key in positions:
            if taxable(key[0]):
                self._keys.setdefault(key[1], []).append(key)
        self._extra: dict[str, list] = {}        # ticker -> extra lots (taxable accounts)
        for lot in extra:
            if taxable(lot.account):
                self._extra.setdefault(lot.ticker, []).append(lot)
        self._tickers: dict[str, list[str]] = {}    # group -> tickers with lots
        for ticker in set(self._keys) | set(self._extra):
            self._tickers.setdefault(group_of.get(ticker, ticker), []).append(ticker)
        self._prices, self._settings = prices, settings
        self._group_of = group_of
        self.replacement_of = replacement_of
        self._memo: dict[str, tuple[Opportunity, ...]] = {}

    @property
    def clear_on(self) -> date:
        """First day a lot can be sold for a loss without today's buy washing it."""
        return self._settings.as_of + timedelta(days=self._settings.wash_window_days + 1)

    def opportunities(self, group: str) -> tuple[Opportunity, ...]:
        """The group's harvestable lots, largest loss first (then account, lot ID)."""
        found = self._memo.get(group)
        if found is None:
            found = self._memo[group] = self._find(group)
        return found

    def _find(self, group: str) -> tuple[Opportunity, ...]:
        settings = self._settings
        min_usd = max(settings.harvest_min_loss_usd - MONEY_TOL, MONEY_TOL)
        out = []
        for ticker in self._tickers.get(group, ()):
            price = self._prices.get(ticker)
            if not price:
                continue
            lots = [lot for key in self._keys.get(ticker, ()) for lot in self._positions[key]]
            for lot in lots + self._extra.get(ticker, []):
                loss = lot.cost_basis - lot.shares * price
                if loss >= min_usd and harvestable(loss, lot.cost_basis, settings):    # cheap test first
                    out.append(Opportunity(lot.account, ticker, lot.lot_id, loss))
        return tuple(sorted(out, key=lambda o: (-o.loss, o.account, o.lot_id)))

    def blocks(self, ticker: str) -> str:
        """'' when buying ``ticker`` today leaves every harvest open; else the sentence that
        says which lot it would block and until when."""
        found = self.opportunities(self._group_of.get(ticker, ticker))
        if not found:
            return ""
        first = found[0]
        more = f" (and {len(found) - 1} more lot{'s' if len(found) > 2 else ''})" if len(found) > 1 else ""
        return (f"buying {ticker} today would wash a loss sale of lot {first.lot_id} ({first.ticker} in "
                f"{first.account}, a ${first.loss:,.0f} loss){more} until {self.clear_on.isoformat()}")

    def replacement(self, ticker: str) -> Optional[str]:
        """``Securities.Replacement`` of ``ticker`` when it is in another wash group."""
        other = self.replacement_of.get(ticker)
        if other and self._group_of.get(other, other) != self._group_of.get(ticker, ticker):
            return other
        return None




#: The two views of HARVEST_CANDIDATES: today's holdings and purchases, or those plus the
#: trade list's buys (``plan_purchases``).
VIEW_TODAY = "Today"
VIEW_PLAN = "Plan"


def harvest_view(view) -> str:
    """'Today' or 'Plan' from what a user may pass (text in any case, blank, TRUE/FALSE);
    ``ValueError`` naming the allowed values otherwise."""
    if view is None or view is False or (isinstance(view, str) and not view.strip()):
        return VIEW_TODAY
    if view is True:
        return VIEW_PLAN
    text = str(view).strip().lower()
    for name in (VIEW_TODAY, VIEW_PLAN):
        if text == name.lower():
            return name
    raise ValueError(f"view must be \"{VIEW_TODAY}\" (the holdings as they are) or \"{VIEW_PLAN}\" "
                     f"(with the trade list's buys), not {view!r}")


def plan_purchases(trades, on: date) -> tuple[Transaction, ...]:
    """The plan's BUY rows as Buy transactions dated ``on`` (the as-of date): what
    ``harvest_candidates(..., purchases=)`` counts as replacements in the plan view."""
    return tuple(Transaction(on, t.account, t.ticker, Action.BUY, t.shares, t.price)
                 for t in trades if t.action == "BUY" and t.shares > 0)


__all__ = ["BLOCKS_HARVEST", "VIEW_PLAN", "VIEW_TODAY", "HarvestGuard", "Opportunity", "harvest_view",
           "harvestable", "plan_purchases"]
