"""The library API: one ``Portfolio`` over the user's tables, the same answers as the cells.

    pf = Portfolio.from_frames(holdings=df, targets=df, prices=df, accounts=df, ...)
    pf.drift(); pf.needs_rebalance(); pf.rebalance_reason(); pf.issues

Computing methods raise ``InputError`` (with ``.issues``) when the inputs have an
error-severity issue, so a wrong number is never returned.

Each table answer is built as rows (an ``Answer``); the DataFrame methods are views of
those rows, and pandas is imported on first use: the Excel functions and ``check`` answer
from the rows and never import it (that import is most of a fresh process's start-up).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property, wraps
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from .core.drift import DriftReport, drift_report
from .core.harvest import harvest_candidates
from .core.model import Household, Issue, Severity
from .core.realized import TaxLedger, tax_ledger
from .core.tax import round_money
from .core.triggers import Decision, decide
from .errors import InputError
from .spec import layout, normalize_header
from .tables import TableInput, parse_household, to_rows

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Answer:
    """A table answer: rows in the registry's column order for ``function``, and what the
    DataFrame carries in ``.attrs`` (``totals``: label -> $; ``issues``; ``summary``...)."""

    function: str
    rows: list
    attrs: dict = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(layout().function(self.function).columns)

    def frame(self) -> "pd.DataFrame":
        """The rows as a DataFrame with the registry's headers (pandas imported here)."""
        import pandas as pd

        out = pd.DataFrame(self.rows, columns=list(self.columns))
        out.attrs.update(self.attrs)
        return out

    @classmethod
    def from_frame(cls, function: str, frame: "pd.DataFrame") -> "Answer":
        """A DataFrame answer (a subclass's own method) read back as rows: the registry's
        columns, picked by name (a missing one is a programmer error: ``KeyError``)."""
        columns = list(layout().function(function).columns)
        missing = [name for name in columns if name not in frame.columns]
        if missing:
            raise KeyError(f"the answer has no column(s) {missing}; it has {list(frame.columns)}")
        return cls(function, list(zip(*(frame[name].tolist() for name in columns))), dict(frame.attrs))


def answers(build: Callable[..., Answer]) -> Callable[..., "pd.DataFrame"]:
    """The DataFrame method over the ``Answer`` that ``build`` returns; ``Portfolio.answer``
    finds ``build`` again (``.answer``) to skip the DataFrame."""
    @wraps(build)
    def method(self, *args, **kwargs):
        return build(self, *args, **kwargs).frame()

    method.answer = build
    return method


def _is_frame(value: Any) -> bool:
    """A pandas DataFrame (without importing pandas: a DataFrame means it is imported)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


#: Parser issues about an empty or missing Targets table (a household whose model failed has none).
_NO_TARGETS = frozenset({"empty_targets", "empty_table", "missing_table", "missing_column", "missing_sheet"})


@dataclass(frozen=True)
class Portfolio:
    household: Household
    returns: Optional[tuple] = None     # the Returns table's rows (header first), for BACKTEST
    returns_header_row: int = 1

    # -- construction --------------------------------------------------------------
    @classmethod
    def from_tables(cls, tables: Mapping[str, TableInput], *, today: Optional[date] = None,
                    header_rows: Optional[Mapping[str, int]] = None, models: Any = None) -> "Portfolio":
        """Tables keyed by name, each a 2-D list (header first) or a DataFrame.

        ``models``: a ``models.ModelBook``, the path of a models workbook, or its tables
        ({"Models": rows, "Securities": rows}); a household whose Settings name a Model then
        takes its Targets from that model (its own Targets rows override it class by class)."""
        model_issues: list[Issue] = []
        if models is not None:
            from .models.apply import apply_model

            tables, model_issues, _ = apply_model(tables, _model_book(models), header_rows=header_rows)
        household = parse_household(tables, today=today, header_rows=header_rows)
        if model_issues:
            found = household.issues
            if any(i.is_error for i in model_issues):   # no usable model: its Targets are not this one's fault
                found = tuple(i for i in found if not (i.table == "Targets" and i.code in _NO_TARGETS))
            household = replace(household, issues=tuple(model_issues) + tuple(found))
        returns = next((v for k, v in tables.items() if normalize_header(k) == "returns"), None)
        if returns is None:
            return cls(household)
        row = next((v for k, v in (header_rows or {}).items() if normalize_header(k) == "returns"), 1)
        return cls(household, tuple(tuple(r) for r in to_rows(returns)), row)

    @classmethod
    def from_frames(cls, *, holdings: pd.DataFrame, targets: pd.DataFrame, prices: pd.DataFrame,
                    settings: Optional[pd.DataFrame] = None, accounts: Optional[pd.DataFrame] = None,
                    securities: Optional[pd.DataFrame] = None, lots: Optional[pd.DataFrame] = None,
                    transactions: Optional[pd.DataFrame] = None, today: Optional[date] = None) -> "Portfolio":
        """One DataFrame per table, named as the table in lower case."""
        named = dict(holdings=holdings, targets=targets, prices=prices, settings=settings,
                     accounts=accounts, securities=securities, lots=lots, transactions=transactions)
        for name, value in named.items():
            if value is not None and not _is_frame(value):
                raise TypeError(f"{name} must be a pandas DataFrame, not {type(value).__name__}")
        return cls.from_tables({k: v for k, v in named.items() if v is not None}, today=today)

    # -- inputs ------------------------------------------------------------------------
    @property
    def issues(self) -> list[Issue]:
        """Every problem found in the inputs (errors and warnings), with table/row/column."""
        return list(self.household.issues)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.household.issues if i.is_error]

    def _valid(self, tables: Optional[tuple[str, ...]] = None) -> Household:
        """The household, or ``InputError`` if it has errors; with ``tables``, only errors in
        those tables (or in none) block: an answer is not held up by a table it never reads."""
        if any(tables is None or i.table is None or i.table in tables for i in self.errors):
            raise InputError(self.household.issues)
        return self.household

    # -- answers -------------------------------------------------------------------------
    def answer(self, function: str, **options: Any) -> Answer:
        """The registry function's table answer as rows (what its library method returns as a
        DataFrame).  A method a subclass replaces is called, and its DataFrame read back."""
        method = getattr(type(self), layout().function(function).method)
        build = getattr(method, "answer", None)
        if build is None:
            return Answer.from_frame(function, method(self, **options))
        return build(self, **options)

    def drift_report(self) -> DriftReport:
        return drift_report(self._valid())

    def decision(self) -> Decision:
        return decide(self._valid())

    @answers
    def drift(self) -> Answer:
        """DRIFT: one row per asset class; fractions (0.6 = 60%), values in $.  ``Target`` is the
        policy target as typed; ``Effective target`` the one drift and bands are measured from
        (rescaled around non-tradable classes; equal to Target when there are none)."""
        report = self.drift_report()
        return Answer("DRIFT", [
            (r.asset_class, r.policy_target, r.target, r.value, r.weight, r.drift, r.relative_drift, r.band_low, r.band_high,
             r.status) for r in report.rows])

    def portfolio_drift(self) -> float:
        """Sum of |weight - target| / 2, a fraction."""
        return self.drift_report().portfolio_drift

    def needs_rebalance(self) -> bool:
        return self.decision().needed

    def rebalance_reason(self) -> str:
        return self.decision().reason

    def trade_plan(self) -> "TradePlan":
        """The trade list as values (``core.trades.TradePlan``): trades, held trades, notes."""
        from .core.trades import trade_list

        household = self._valid()
        return trade_list(household, ledger=self._ledger)

    @answers
    def trade_list(self) -> Answer:
        """TRADE_LIST: BUY/SELL rows, then HOLD rows (trades not made, with why) and NOTE rows."""
        return Answer("TRADE_LIST", [trade.row() for trade in self.trade_plan().rows()])

    def tax_ledger(self) -> TaxLedger:
        """This year's sales replayed under the wash-sale rules (rows, open lots, totals)."""
        self._valid(layout().function("REALIZED_GAINS").args)
        return self._ledger

    @cached_property
    def _ledger(self) -> TaxLedger:
        """The replay, once per Portfolio: the trade list, harvest and realized gains share it."""
        return tax_ledger(self.household)

    @answers
    def harvest_candidates(self, view: str = "Today") -> Answer:
        """HARVEST_CANDIDATES: lots worth selling for their loss, ranked by this year's est. tax
        saving ($).  Warnings (no replacement, no price) are in ``.attrs["issues"]``; the 0%
        gain-harvest room (when Taxable income is set) in ``.attrs["totals"]``.

        ``view="Plan"``: as if the trade list's buys were made today, so a lot whose wash
        group the plan buys shows BLOCKED/PERMANENT until 31 days from now."""
        from .core.keep_open import VIEW_PLAN, harvest_view, plan_purchases

        household = self._valid(layout().function("HARVEST_CANDIDATES").args)
        purchases = ()
        if harvest_view(view) == VIEW_PLAN:
            purchases = plan_purchases(self.trade_plan().trades, household.settings.as_of)
        result = harvest_candidates(household, self._ledger, purchases)
        return Answer("HARVEST_CANDIDATES", [
            (c.account, c.ticker, c.lot_id, c.shares, round_money(c.cost_basis), round_money(c.value),
             round_money(c.loss), c.loss_pct, c.term, c.replacement, c.wash_status,
             round_money(c.est_tax_saving), c.note) for c in result.candidates],
            {"totals": {k: round_money(v) for k, v in result.totals().items()}, "issues": list(result.issues)})

    @answers
    def realized_gains(self) -> Answer:
        """REALIZED_GAINS: one row per (lot, term, gain-or-loss) piece of each sale this year,
        after last year's sales whose loss this year's purchases washed (marked in Note, not in
        the totals); the totals rows (ST, LT, Net, Deductible loss, Carry-forward, by character,
        Gain budget left, Est. tax) are in ``.attrs["totals"]`` (label -> $)."""
        ledger = self.tax_ledger()
        return Answer("REALIZED_GAINS", [
            (r.date, r.account, r.ticker, r.lot_id, r.shares, round_money(r.proceeds), round_money(r.cost_basis),
             round_money(r.gain), r.term, round_money(r.disallowed_loss), r.permanent,
             round_money(r.allowed_gain), r.note) for r in ledger.shown_rows],
            {"totals": {k: (None if v is None else round_money(v)) for k, v in ledger.totals.as_rows()},
             "issues": list(ledger.issues)})

    def realized_totals(self) -> dict:
        """The year's totals ($): ST, LT, Net, Deductible loss, Carry-forward, Gain budget left
        (None = no budget), Disallowed loss, Permanent loss."""
        totals = self.tax_ledger().totals.as_dict()
        return {k: (None if v is None else round_money(v)) for k, v in totals.items()}

    @answers
    def open_lots(self) -> Answer:
        """OPEN_LOTS: open lots with wash-sale basis adjustments and tacked holding periods."""
        return Answer("OPEN_LOTS", [
            (o.account, o.ticker, o.lot_id, o.acquired, o.holding_from, o.shares, round_money(o.cost_basis),
             round_money(o.wash_adjustment)) for o in self.tax_ledger().open_lots])

    @answers
    def backtest(self, returns: Any = None, *, years: Optional[float] = None, policies: Any = None,
                 monthly_flow: float = 0.0, skip_missing: bool = False, synthetic: bool = False,
                 price_source: Any = None) -> Answer:
        """BACKTEST: each rebalancing policy replayed on this household's allocation, one row
        per policy (``backtest.METRIC_COLUMNS``; fractions and $).  ``returns``: a CSV path,
        2-D rows or a DataFrame (Date, then one column per asset class, monthly total returns
        as decimals); None fetches each Buy ticker's monthly history, or ``synthetic=True``
        uses made-up returns.  ``.attrs``: ``summary`` (one paragraph), ``source``, ``issues``;
        ``InputError`` when the returns cannot be used."""
        from .backtest import backtest_household, comparison

        if _is_frame(returns):
            returns = [list(returns.columns)] + returns.values.tolist()
        result, issues = backtest_household(self._valid(), returns=returns, years=years, policies=policies,
                                            monthly_flow=monthly_flow, skip_missing=skip_missing,
                                            synthetic=synthetic, price_source=price_source)
        if result is None:
            raise InputError(issues)
        return Answer("BACKTEST", result.rows(),
                      {"summary": comparison(result), "source": result.series.source, "issues": issues})

    @answers
    def backtest_table(self) -> Answer:
        """BACKTEST from the workbook's own Returns table (the Excel function's answer)."""
        rows = [list(r) for r in self.returns or () if any(v not in (None, "") for v in r)]
        if len(rows) < 2:
            raise InputError([Issue("returns-empty", "the Returns table has no rows: paste monthly total returns "
                                    "(Date, then one column per asset class, 0.02 = 2%), at least 24 months",
                                    table="Returns")])
        from .backtest import parse_returns

        series, issues = parse_returns(rows, where="Returns", first_line=self.returns_header_row,
                                       source="the Returns table")
        if series is None:
            raise InputError(issues)
        out = self.backtest.answer(self, series)
        if series.synthetic:
            out.attrs["issues"] = [Issue("returns-synthetic", f"the Returns table says its numbers are "
                                         f"{series.source}: do not choose a policy from them", table="Returns",
                                         severity=Severity.WARNING)] + list(out.attrs["issues"])
        return out


def load(path: Any, *, today: Optional[date] = None, models: Any = None) -> Portfolio:
    """Read a workbook (.xlsx/.xlsm) read-only and return its Portfolio (``models`` as for
    ``Portfolio.from_tables``)."""
    from .workbook.reader import read_tables  # the workbook layer is optional for library users

    book = read_tables(path)
    return Portfolio.from_tables(book.tables, today=today, header_rows=book.header_rows, models=models)


def _model_book(models: Any) -> "ModelBook":
    """A ``ModelBook`` from a ModelBook, a models workbook's path, or its tables."""
    from .models.book import ModelBook, parse_models

    if isinstance(models, ModelBook):
        return models
    if isinstance(models, Mapping):
        return parse_models(models)
    if isinstance(models, (str, bytes)) or hasattr(models, "__fspath__"):
        from .models.workbook import load_models

        return load_models(models)
    raise TypeError(f"models must be a ModelBook, a models workbook's path or its tables, not {type(models).__name__}")
