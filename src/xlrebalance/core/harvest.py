"""Tax-loss harvest candidates: open taxable lots worth selling for their loss today.

A lot (or the part of a lot sharing one holding period after a wash sale) qualifies when
its unrealized loss against its wash-adjusted basis is at least ``Harvest min loss %`` of
that basis AND at least ``Harvest min loss $``.  Each candidate carries:

- ``term``: ST/LT on the as-of date, from the (possibly tacked) holding period;
- ``replacement``: ``Securities.Replacement``, kept only when it is in another wash group
  (a warning when none is set or it is substantially identical, and when buying it now
  would wash a recent loss sale of its own group);
- ``wash``: selling today is CLEAR, BLOCKED until the first clear day (a purchase or
  reinvestment of the group within the window, past or planned, in any account), or
  PERMANENT / POSSIBLY PERMANENT when the replacement shares matched would be in an
  IRA/Roth or a 401k/HSA (see ``wash.WashIndex.check``);
- ``est_tax_saving``: this year's tax without the harvest minus this year's tax with it
  (``tax.harvest_saving``: the year's realized gains after wash adjustments, Schedule D
  netting, the deduction limit, last year's carry-forward, the flat rates or the brackets).
  Each candidate is priced alone on top of the year's realized gains.  A loss that only adds
  to the carry-forward saves 0 this year; ``note`` then starts with ``Carry-forward`` (also
  when part of it carries forward).

Candidates are ranked by estimated saving, largest first.  ``HarvestList.gain_harvest_room``
is the long-term gain that could still be realized this year at 0% (``tax.gain_harvest_room``;
None when ``Taxable income`` is blank).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from math import isnan
from typing import Optional, Sequence

from .heap import build, collector_paused
from .holding import term as holding_term
from .model import MONEY_TOL, WEIGHT_TOL, Household, Issue, Severity, Transaction
from .realized import OpenLot, TaxLedger, tax_ledger
from .tax import SHORT_TERM, gain_harvest_room, round_money, tax_profile, year_tax_and_carry
from .wash import WashCheck, WashStatus, wash_index


@dataclass(frozen=True)
class HarvestCandidate:
    """One lot worth harvesting.  $ amounts; ``loss`` > 0; ``loss_pct`` a fraction of basis."""

    account: str
    ticker: str
    lot_id: str
    shares: float
    cost_basis: float
    value: float
    loss: float
    loss_pct: float
    term: str
    replacement: str
    wash: WashCheck
    est_tax_saving: float
    holding_from: Optional[date] = None
    note: str = ""     # "Carry-forward: ..." when (part of) the loss saves nothing this year

    @property
    def wash_status(self) -> str:
        """The cell text: CLEAR, BLOCKED until YYYY-MM-DD, PERMANENT until ..."""
        return self.wash.label

    @property
    def clear(self) -> bool:
        return self.wash.status is WashStatus.CLEAR


@dataclass(frozen=True)
class HarvestList:
    candidates: tuple[HarvestCandidate, ...]
    issues: tuple[Issue, ...] = ()
    gain_harvest_room: Optional[float] = None   # $ of LT gain still taxed at 0% this year

    def totals(self) -> dict[str, float]:
        """The rows HARVEST_CANDIDATES shows under the table (label -> $): the 0% room, when known."""
        return {} if self.gain_harvest_room is None else {"Gain-harvest room (0% LT)": self.gain_harvest_room}


def harvest_candidates(household: Household, ledger: Optional[TaxLedger] = None,
                       purchases: Sequence[Transaction] = ()) -> HarvestList:
    """The household's harvest candidates, ranked by estimated tax saving.

    ``ledger`` (from ``realized.tax_ledger``) supplies the wash-adjusted open lots; it is
    computed when not given.  ``purchases``: extra Buy rows (e.g. the trade list's buys,
    ``plan_purchases``) that count as replacements in the wash status, as planned purchases
    do; they are not open lots of their own.
    """
    ledger = ledger if ledger is not None else tax_ledger(household)
    if purchases:
        household = replace(household, transactions=household.transactions + tuple(purchases))
    with collector_paused():  # tens of thousands of candidates, none freed
        return _harvest(household, ledger)


def _harvest(household: Household, ledger: TaxLedger) -> HarvestList:
    settings = household.settings
    as_of = settings.as_of
    price_of = household.price_map().get
    accounts = household.account_map()
    index = wash_index(household)
    replacements = _Replacements(household, index)
    untaxed = {name for name, account in accounts.items() if account.type.tax_advantaged}
    terms: dict[date, str] = {}                 # holding start -> term
    tickers: dict[str, tuple[str, str]] = {}    # ticker -> (wash group, replacement)
    unpriced: set[str] = set()
    min_usd = max(settings.harvest_min_loss_usd - MONEY_TOL, MONEY_TOL)
    found, savings = [], []
    value = _Saving(settings, ledger.totals.st, ledger.totals.lt)
    for lot in ledger.holdings:   # as ledger.open_positions(), the holding start only when needed
        account, ticker = lot.account, lot.ticker
        if account in untaxed:
            continue
        price = price_of(ticker)
        if price is None:
            unpriced.add(ticker)
            continue
        basis, shares = lot.cost_basis, lot.shares
        loss = basis - shares * price
        if loss < min_usd or not _qualifies(loss, basis, settings):  # cheap test first
            continue
        holding_from = lot.holding_from if isinstance(lot, OpenLot) else lot.acquired
        term = terms.get(holding_from)
        if term is None:
            term = terms[holding_from] = holding_term(holding_from, as_of)
        if ticker not in tickers:   # in the order the first candidates meet them: the order of warnings
            tickers[ticker] = (replacements.group(ticker), replacements.for_ticker(ticker))
        group, replacement = tickers[ticker]
        lot_id = lot.lot_id
        saving, note = value(loss, term)
        found.append(build(
            HarvestCandidate, account=account, ticker=ticker, lot_id=lot_id, shares=shares,
            cost_basis=basis, value=shares * price, loss=loss, loss_pct=loss / basis, term=term,
            replacement=replacement, wash=index.check(group, as_of, shares, (account, lot_id)),
            est_tax_saving=saving, holding_from=holding_from, note=note,
        ))
        savings.append(saving)
    issues = replacements.issues + [_unpriced_issue(t) for t in sorted(unpriced)]
    room = gain_harvest_room(settings, ledger.totals.st, ledger.totals.lt)
    return HarvestList(_ranked(found, savings), tuple(issues), room)


class _Saving:
    """This year's tax saving ($) of a loss of a term, and its note, on top of the year's
    realized gains: ``tax.harvest_saving``, with the year's own tax and carry-forward
    computed once (tens of thousands of candidates)."""

    def __init__(self, settings, realized_st: float, realized_lt: float) -> None:
        self.profile = tax_profile(settings)
        self.st, self.lt = realized_st, realized_lt
        self.tax, self.carried = year_tax_and_carry(realized_st, realized_lt, self.profile)

    def __call__(self, loss: float, term: str) -> tuple[float, str]:
        if term == SHORT_TERM:
            tax, carried = year_tax_and_carry(self.st - loss, self.lt, self.profile)
        else:
            tax, carried = year_tax_and_carry(self.st, self.lt - loss, self.profile)
        saving = max(0.0, self.tax - tax)
        carried -= self.carried
        if carried <= MONEY_TOL:
            return saving, ""
        if carried >= loss - MONEY_TOL:
            return saving, ("Carry-forward: saves no tax this year (no gains left to offset, deduction "
                            "used up); the loss carries to next year.")
        return saving, f"Carry-forward: ${round_money(carried):,.2f} of the loss carries to next year."


def _ranked(found: list[HarvestCandidate], savings: list[float]) -> tuple[HarvestCandidate, ...]:
    """Largest estimated saving first; then larger loss, account, ticker, lot id.

    When no two savings are equal the saving alone decides, and a sort on the floats is
    several times cheaper than one on the five-part keys; otherwise the full keys decide
    (both sorts are stable, so the order is the same either way)."""
    if len(set(savings)) == len(savings) and not any(map(isnan, savings)):
        order = sorted(range(len(found)), key=savings.__getitem__, reverse=True)
        return tuple(map(found.__getitem__, order))
    return tuple(sorted(found, key=lambda c: (-c.est_tax_saving, -c.loss, c.account, c.ticker, c.lot_id)))


def _qualifies(loss: float, basis: float, settings) -> bool:
    if loss <= MONEY_TOL or basis <= 0:
        return False
    return (loss >= settings.harvest_min_loss_usd - MONEY_TOL
            and loss / basis >= settings.harvest_min_loss_pct - WEIGHT_TOL)


class _Replacements:
    """Securities.Replacement per ticker, checked once; collects warnings."""

    def __init__(self, household: Household, index) -> None:
        self._securities = household.security_map()
        self._index, self._as_of = index, household.settings.as_of
        self._chosen: dict[str, str] = {}
        self.issues: list[Issue] = []

    def group(self, ticker: str) -> str:
        security = self._securities.get(ticker)
        return security.group if security is not None else ticker

    def for_ticker(self, ticker: str) -> str:
        if ticker not in self._chosen:
            self._chosen[ticker] = self._choose(ticker)
        return self._chosen[ticker]

    def _choose(self, ticker: str) -> str:
        security = self._securities.get(ticker)
        replacement = security.replacement if security is not None else None
        if not replacement:
            self._warn(ticker, "NO_REPLACEMENT",
                       f"{ticker} has no Replacement in Securities: choose a fund in another wash "
                       "group to keep the market exposure while harvesting.")
            return ""
        if self.group(replacement) == self.group(ticker):
            self._warn(ticker, "REPLACEMENT_IDENTICAL",
                       f"The replacement {replacement} for {ticker} is in the same wash group: buying "
                       "it would wash the loss. Choose one from another group.")
            return ""
        sold = self._index.latest_loss_sale(self.group(replacement), self._as_of)
        if sold is not None:
            self._warn(ticker, "REPLACEMENT_WASH_RISK",
                       f"Buying the replacement {replacement} now would wash the loss on its group sold "
                       f"{sold.isoformat()}; wait until {(sold + timedelta(days=self._index.window + 1)).isoformat()} "
                       "or pick another replacement.")
        return replacement

    def _warn(self, ticker: str, code: str, message: str) -> None:
        self.issues.append(Issue(code, message, table="Securities", column="Replacement",
                                 severity=Severity.WARNING, ticker=ticker))


def _unpriced_issue(ticker: str) -> Issue:
    return Issue("HARVEST_NO_PRICE", f"No price for {ticker}: its lots were not checked for harvesting.",
                 table="Prices", severity=Severity.WARNING, ticker=ticker)
