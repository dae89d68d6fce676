"""This year's realized gains after the wash-sale rules, and the open lots they leave.

Inputs (DESIGN.md): ``Lots`` are today's open lots at their original cost; ``Transactions``
Sell rows are the sales, each naming the lot it relieved (``Lot ID``, ``Acquired``,
``Cost basis`` = original cost of the shares sold); Buy/Reinvest rows are purchases not in
Lots.  Sales are replayed in date order (Reg. 1.1091-1(b): losses in order of disposition;
same day: in order of acquisition) and every loss share is matched against replacement
shares, per share (``wash_match.py`` states the rules; ``positions.py`` the working state).

The year boundary: Sell rows dated in an earlier year are replayed too (their shares and
their washes shape this year's lots) but belong on that year's return: they never enter
this year's totals.  One whose loss a purchase made in a later year washed (a December loss
sale, a January purchase) is shown in REALIZED_GAINS, marked with its year, with a warning
naming the lot that carries the adjustment (``TaxLedger.carried_rows``).

Design choices: planned purchases (dated after the as-of date) are not facts yet and wash
nothing here (the trade and harvest lists flag them); sales inside tax-advantaged accounts
realize nothing but still remove their shares.  Money is $ as floats, unrounded; rounding
to cents is the caller's explicit step.
"""
from __future__ import annotations

from datetime import timedelta

from .heap import collector_paused
from .ledger import OpenLot, RealizedRow, TaxLedger
from .model import MONEY_TOL, Action, Household, Issue, Severity
from .positions import (
    build_positions, earliest_window, lot_key, open_lots_of, quiet_horizon, sale_key, sales_in_order,
)
from .tax import RealizedTotals, year_totals
from .wash import wash_index
from .wash_match import GroupIndex, Terms, realize

__all__ = ["OpenLot", "RealizedRow", "TaxLedger", "tax_ledger"]


def tax_ledger(household: Household) -> TaxLedger:
    """Replay the household's sales under the wash-sale rules (see the module docstring)."""
    with collector_paused():  # tens of thousands of positions, rows and lots, none freed
        return _replay(household)


def _replay(household: Household) -> TaxLedger:
    settings = household.settings
    as_of, window = settings.as_of, timedelta(days=settings.wash_window_days)
    issues: list[Issue] = []
    lots = household.lots
    sold_ids = {tx.lot_id for tx in household.transactions if tx.action is Action.SELL and tx.lot_id}
    # One pass over the lots finds those a sale names and every lot that could be loud
    # (bought after the earliest sale's window opens); the rest are quiet whatever sales are usable.
    earliest = earliest_window(household, window)
    maybe = [n for n, lot in enumerate(lots) if lot.acquired >= earliest or lot.lot_id in sold_ids]
    named = {lot_key(lots[n]): lots[n] for n in maybe if lots[n].lot_id in sold_ids}
    sales = sales_in_order(household, named, issues)
    horizon = quiet_horizon(sales, window)
    loud = [n for n in maybe if lots[n].acquired >= horizon or lots[n].lot_id in sold_ids]  # not quiet
    tracked = {lot_key(lots[n]): lots[n] for n in loud}
    positions = build_positions(household, tracked, sales)
    index = GroupIndex(positions.values(), as_of, household.account_map())
    rows: list[RealizedRow] = []
    prior: list[RealizedRow] = []
    carried: list[RealizedRow] = []
    terms = Terms()
    for sale_no, tx in enumerate(sales):
        position = positions[sale_key(tx, sale_no)]
        portions = position.portions
        if len(portions) == 1 and portions[0].sale == sale_no:   # a sold lot's only block
            pieces, position.portions = portions, []
        else:
            pieces = [p for p in portions if p.sale == sale_no]
            position.portions = [p for p in portions if p.sale != sale_no]
        if not position.taxable:
            continue
        sale_rows, washed_later = realize(tx, position, pieces, index, window, issues, terms)
        if tx.date.year == as_of.year:
            rows.extend(sale_rows)
            continue
        prior.extend(sale_rows)
        if washed_later:
            carried.extend(_carried(sale_rows, as_of.year, issues))
    issues.extend(_planned_washes(household, rows))
    holdings = open_lots_of(lots, loud, positions)
    return TaxLedger(tuple(rows), holdings, _totals(rows, household), tuple(issues), tuple(prior), tuple(carried))


def _carried(sale_rows: list[RealizedRow], year: int, issues: list[Issue]) -> list[RealizedRow]:
    """An earlier year's sale whose loss a purchase of a later year washed: its washed rows,
    marked with their year, and a warning naming the lot that carries the adjustment."""
    shown = []
    for row in sale_rows:
        if row.disallowed_loss <= MONEY_TOL:
            continue
        lots = ", ".join(row.washed_by)
        where = "lost for good (IRA/Roth)" if row.permanent else f"added to the basis of {lots} (OPEN_LOTS)"
        note = (f"{row.tax_year} sale, on the {row.tax_year} return: ${row.disallowed_loss:,.2f} of its loss "
                f"disallowed by the purchase of {lots}; {where}. Not in {year}'s totals.")
        shown.append(RealizedRow(**{**vars(row), "note": note}))
        issues.append(Issue(
            "PRIOR_YEAR_WASH",
            f"The loss on {row.ticker} lot {row.lot_id or '(no Lot ID)'} sold {row.date.isoformat()} "
            f"({row.tax_year}) is washed by {lots}, bought in {year}: ${row.disallowed_loss:,.2f} is disallowed "
            f"on the {row.tax_year} return and {where}.",
            table="Transactions", row=row.row, severity=Severity.WARNING, ticker=row.ticker, account=row.account))
    return shown


def _planned_washes(household: Household, rows: list[RealizedRow]) -> list[Issue]:
    """Warnings for allowed losses that a planned purchase (dated after the as-of date) would
    still wash: the replay counts only what has happened."""
    as_of, found = household.settings.as_of, []
    groups = {s.ticker: s.group for s in reversed(household.securities)}  # the first row wins, as in wash_group
    for row in rows:
        if row.allowed_gain >= -MONEY_TOL:
            continue
        planned = wash_index(household).purchases_after(groups.get(row.ticker, row.ticker), row.date, as_of)
        if planned:
            found.append(Issue(
                "PLANNED_WASH",
                f"The planned purchase of {planned[0].ticker} on {planned[0].date.isoformat()} in "
                f"{planned[0].account} would wash the loss on {row.ticker} sold {row.date.isoformat()}.",
                table="Transactions", row=planned[0].row, severity=Severity.WARNING,
                ticker=row.ticker, account=planned[0].account))
    return found


def _planned_washes(household: Household, rows: list[RealizedRow]) -> list[Issue]:
    """Warnings for allowed losses that a planned purchase (dated after the as-of date) would
    still wash: the replay counts only what has happened."""
    as_of, found = household.settings.as_of, []
    groups = {s.ticker: s.group for s in reversed(household.securities)}  # the first row wins, as in wash_group
    for row in rows:
        if row.allowed_gain >= -MONEY_TOL:
            continue
        planned = wash_index(household).purchases_after(groups.get(row.ticker, row.ticker), row.date, as_of)
        if planned:
            found.append(Issue(
                "PLANNED_WASH",
                f"The planned purchase of {planned[0].ticker} on {planned[0].date.isoformat()} in "
                f"{planned[0].account} would wash the loss on {row.ticker} sold {row.date.isoformat()}.",
                table="Transactions", row=planned[0].row, severity=Severity.WARNING,
                ticker=row.ticker, account=planned[0].account))
    return found


def _totals(rows: list[RealizedRow], household: Household) -> RealizedTotals:
    return year_totals(
        household.settings,
        st=sum(r.allowed_gain for r in rows if r.term == "ST"),
        lt=sum(r.allowed_gain for r in rows if r.term == "LT"),
        disallowed=sum(r.disallowed_loss for r in rows),
        permanent=sum(r.permanent_loss for r in rows),
    )
