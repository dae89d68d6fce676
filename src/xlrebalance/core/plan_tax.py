"""What the trade list reads from the tax engine, and how it weighs two plans.

- ``tax_view``: the lots to sell from at their wash-adjusted basis and tacked holding period
  (as OPEN_LOTS shows them), this year's realized gains, and the replay's open lots outside
  the Lots table (HARVEST_CANDIDATES reads them too).
- ``harvest_guard``: the household's harvest opportunities (``keep_open``) for the buys.
- ``plan_cost``: this year's tax of a plan plus the losses it loses for good.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Sequence

from .book import Book
from .keep_open import HarvestGuard
from .model import Action, Household, Lot
from .tax import tax_profile
from .trade_rows import TradePlan

if TYPE_CHECKING:
    from .realized import TaxLedger


def tax_view(household: Household, ledger: Optional["TaxLedger"] = None
             ) -> tuple[Sequence[Lot], float, float, Sequence]:
    """The lots to sell from, at their wash-adjusted basis with the holding period tacked
    after a wash sale (as OPEN_LOTS shows them), this year's realized (ST, LT) gains, and
    the replay's other open lots (past buys not in Lots: HARVEST_CANDIDATES reads them too)."""
    if not any(tx.action is Action.SELL for tx in household.transactions):
        return household.lots, 0.0, 0.0, outside_lots(ledger.holdings) if ledger is not None else ()
    from .realized import tax_ledger

    ledger = ledger or tax_ledger(household)
    # Only the Lots table's lots are sold from (Holdings counts their shares); a past Buy row
    # that is not in Lots shows in OPEN_LOTS, but the plan does not sell shares it cannot see.
    lots = [item if isinstance(item, Lot) else
            Lot(item.account, item.ticker, item.lot_id, item.holding_from, item.shares, item.cost_basis)
            for item in ledger.holdings if isinstance(item, Lot) or item.source == "lot"]
    return lots, ledger.totals.st, ledger.totals.lt, outside_lots(ledger.holdings)


def outside_lots(holdings: Sequence) -> list:
    return [item for item in holdings if not isinstance(item, Lot) and item.source != "lot"]


def harvest_guard(book: Book, extra: Sequence) -> HarvestGuard:
    """The household's harvest opportunities: the book's lots (as the harvest list sees them)
    and ``extra`` open lots outside the Lots table."""
    replacement_of = {s.ticker: s.replacement for s in book.household.securities if s.replacement}
    return HarvestGuard(book.lots, extra, taxable=book.is_taxable, prices=book.prices, group_of=book.group_of,
                        replacement_of=replacement_of, settings=book.settings)


def plan_cost(plan: TradePlan, household: Household) -> tuple[float, float]:
    """What a plan costs, to choose between two: this year's estimated tax (a washed loss
    saves nothing) plus what the losses lost for good would have saved, valued at the highest
    rate (an upper bound: a deferred loss comes back in the replacement's basis, a permanent
    one never does); then the loss disallowed."""
    return (plan.est_tax + plan.permanent * tax_profile(household.settings).highest_rate, plan.disallowed)


__all__ = ["harvest_guard", "outside_lots", "plan_cost", "tax_view"]
