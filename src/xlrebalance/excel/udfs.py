"""The Excel functions: DRIFT, NEEDS_REBALANCE, TRADE_LIST, HARVEST_CANDIDATES,
REALIZED_GAINS and OPEN_LOTS.

Thin adapters, one per function: the table arguments (each ``Table[#All]``, header row
first) go to ``Portfolio.from_tables``, the answer comes back through ``render``.  Problems
in the user's tables come back as readable text rows in the spill (see ``render``), never
as a Python error.

Decorators only describe conversion (classic xlwings on Windows; the same module runs
under xlwings Server/Lite, whose decorators read the same options).  Every table argument
is ``ndim=2`` so a one-row table still arrives as a list of rows, and ``err_to_str=True`` so a
cell showing #N/A arrives as "#N/A" (reported by the cell parsers), never as a blank.  No ``@xw.ret(expand=...)``:
the workbook writes these as dynamic-array formulas and Excel spills the 2-D result
natively; ``expand="table"`` is the legacy emulation for Excel without dynamic arrays and
would overwrite cells.  The argument names and their order are the registry's
(``spec.layout().functions``): the builder writes ``=DRIFT(Holdings[#All], ...)`` in that
order.  No annotations on the parameters: xlwings would read them as converters.

Excel help text: the docstring is the function's description, ``doc=`` the argument's
(both under Excel's 255-character limit).
"""
from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from typing import Any, Mapping

import xlwings as xw

from xlrebalance.errors import InputError
from xlrebalance.excel.render import (
    Rows, issue_text, ordered_issues, render_cell, render_frame, render_issues, render_message,
    render_warnings,
)
from xlrebalance.portfolio import Portfolio
from xlrebalance.spec import layout

logger = logging.getLogger(__name__)

#: What ``from xlrebalance.excel.udfs import *`` (the workbook's companion module) exports:
#: the Excel functions and nothing else.
__all__ = ["DRIFT", "NEEDS_REBALANCE", "TRADE_LIST", "HARVEST_CANDIDATES", "REALIZED_GAINS", "OPEN_LOTS"]


def _doc(table: str) -> str:
    spec = layout().table(table)
    return f"The whole {spec.name} table, header row included: {spec.name}[#All]. {spec.description}"


# ---------------------------------------------------------------------------------------
# The shared path every function takes.  Plain functions: the pycel plugin and the tests
# call them too.

def table_answer(function: str, tables: Mapping[str, Any]) -> Rows:
    """Compute the registry function ``function`` (e.g. "DRIFT") from sheet tables.

    ``tables`` maps table names ("Holdings", ...) to 2-D lists with the header row first.
    Returns the header row and the answer's rows, then one row per warning; or, when the
    inputs have errors, one text row per issue.
    """
    spec = layout().function(function)
    try:
        portfolio = _portfolio(tables)
        frame = getattr(portfolio, spec.method)()
        rows = render_frame(frame, spec.columns) + _totals_rows(frame, len(spec.columns))
        issues = _about(spec.args, portfolio.issues) + list(getattr(frame, "attrs", {}).get("issues") or ())
        return rows + render_warnings(_unique(issues), len(spec.columns))
    except InputError as exc:
        return render_issues(_about(spec.args, exc.issues)) or render_message(_UNREADABLE)
    except NotImplementedError:
        return render_message(_not_available(function))
    except Exception as exc:  # a bug: say so in the cell, never a traceback
        logger.exception("%s failed", function)
        return render_message(_internal_error(function, exc))


def rebalance_answer(tables: Mapping[str, Any], reason: bool = False) -> Any:
    """NEEDS_REBALANCE: TRUE/FALSE, or with ``reason`` the sentence that says why.

    A single cell cannot list every problem: on errors it shows the first one and how many
    more there are; with ``reason``, warnings are counted at the end of the sentence.
    """
    try:
        portfolio = _portfolio(tables)
        if not reason:
            return bool(portfolio.needs_rebalance())
        issues = _about(layout().function("NEEDS_REBALANCE").args, portfolio.issues)
        return str(portfolio.rebalance_reason()) + _warning_note(issues)
    except InputError as exc:
        return _first_issue_text(_about(layout().function("NEEDS_REBALANCE").args, exc.issues))
    except NotImplementedError:
        return _not_available("NEEDS_REBALANCE")
    except Exception as exc:
        logger.exception("NEEDS_REBALANCE failed")
        return _internal_error("NEEDS_REBALANCE", exc)


def _portfolio(tables: Mapping[str, Any]) -> Portfolio:
    """The parsed tables.  A recalculation calls several functions with the same tables
    (DRIFT and NEEDS_REBALANCE twice on the Dashboard): the last few parses are kept,
    keyed by the cells' contents and today's date (a blank As of date means today)."""
    try:
        key = tuple((name, None if rows is None else tuple(tuple(row) for row in rows))
                    for name, rows in tables.items())
        hash(key)
    except TypeError:  # a cell Python cannot hash: parse without the cache
        return Portfolio.from_tables(dict(tables))
    return _parsed(key, dt.date.today())


@lru_cache(maxsize=8)
def _parsed(tables: tuple, today: dt.date) -> Portfolio:
    return Portfolio.from_tables(dict(tables), today=today)


def _about(tables, issues) -> list:
    """The issues a function's user can act on: those in its own tables or in none.
    (REALIZED_GAINS is not given Holdings, so "Holdings has no rows" is not its business.)"""
    return [i for i in issues if i.table is None or i.table in tables]


def _unique(issues) -> list:
    return list(dict.fromkeys(issues))


def _totals_rows(frame, width: int) -> Rows:
    """Totals a library answer carries in ``frame.attrs["totals"]`` (label -> amount):
    one row each after the table, label in the first column and amount in the last."""
    totals = getattr(frame, "attrs", {}).get("totals") or {}
    if not totals or width < 2:
        return []
    return [[label] + [None] * (width - 2) + [render_cell(amount)] for label, amount in totals.items()]


def _warning_note(issues) -> str:
    warnings = [i for i in issues if not i.is_error]
    if not warnings:
        return ""
    plural = "s" if len(warnings) > 1 else ""
    return f" ({len(warnings)} warning{plural} about the inputs: DRIFT lists them.)"


def _first_issue_text(issues) -> str:
    ordered = ordered_issues(issues)
    if not ordered:
        return _UNREADABLE
    more = len([i for i in ordered if i.is_error]) - 1
    return issue_text(ordered[0]) + (f" (and {more} more: DRIFT lists them all)" if more > 0 else "")


_UNREADABLE = "Error: the inputs could not be read."


def _not_available(function: str) -> str:
    return f"{function} is not available in this version of xlrebalance."


def _internal_error(function: str, exc: Exception) -> str:
    return (f"Internal error in {function} ({type(exc).__name__}: {exc}). "
            "The inputs may be fine: please report this with the workbook.")


# ---------------------------------------------------------------------------------------
# The Excel functions.  Parameter names and order: the registry's "args", lower case.

@xw.func
@xw.arg("holdings", ndim=2, err_to_str=True, doc=_doc("Holdings"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("targets", ndim=2, err_to_str=True, doc=_doc("Targets"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("prices", ndim=2, err_to_str=True, doc=_doc("Prices"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
def DRIFT(holdings, accounts, targets, securities, prices, settings=None):
    """How far each asset class is from its target weight, its band, and whether it is OVER or UNDER the band. Spills a table."""
    return table_answer("DRIFT", {"Holdings": holdings, "Accounts": accounts, "Targets": targets,
                                  "Securities": securities, "Prices": prices, "Settings": settings})


@xw.func
@xw.arg("holdings", ndim=2, err_to_str=True, doc=_doc("Holdings"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("targets", ndim=2, err_to_str=True, doc=_doc("Targets"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("prices", ndim=2, err_to_str=True, doc=_doc("Prices"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
@xw.arg("reason", doc="FALSE or omitted: TRUE/FALSE. TRUE: the sentence that says why a rebalance is (or is not) due.")
def NEEDS_REBALANCE(holdings, accounts, targets, securities, prices, settings=None, reason=False):
    """TRUE when a rebalance is due under the policy in Settings (trigger, cadence, bands); with reason=TRUE, the sentence that says why."""
    return rebalance_answer({"Holdings": holdings, "Accounts": accounts, "Targets": targets,
                             "Securities": securities, "Prices": prices, "Settings": settings},
                            reason=bool(reason))


@xw.func
@xw.arg("holdings", ndim=2, err_to_str=True, doc=_doc("Holdings"))
@xw.arg("lots", ndim=2, err_to_str=True, doc=_doc("Lots"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("targets", ndim=2, err_to_str=True, doc=_doc("Targets"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("prices", ndim=2, err_to_str=True, doc=_doc("Prices"))
@xw.arg("transactions", ndim=2, err_to_str=True, doc=_doc("Transactions"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
def TRADE_LIST(holdings, lots, accounts, targets, securities, prices, transactions=None, settings=None):
    """The trades (account, ticker, shares, lots, estimated tax) that bring the household back inside its policy at the least tax. Spills a table."""
    return table_answer("TRADE_LIST", {
        "Holdings": holdings, "Lots": lots, "Accounts": accounts, "Targets": targets,
        "Securities": securities, "Prices": prices, "Transactions": transactions, "Settings": settings})


@xw.func
@xw.arg("holdings", ndim=2, err_to_str=True, doc=_doc("Holdings"))
@xw.arg("lots", ndim=2, err_to_str=True, doc=_doc("Lots"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("targets", ndim=2, err_to_str=True, doc=_doc("Targets"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("prices", ndim=2, err_to_str=True, doc=_doc("Prices"))
@xw.arg("transactions", ndim=2, err_to_str=True, doc=_doc("Transactions"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
def HARVEST_CANDIDATES(holdings, lots, accounts, targets, securities, prices, transactions=None, settings=None):
    """Taxable lots that could be sold for a tax loss: the loss, its wash-sale status and a replacement to buy. Spills a table."""
    return table_answer("HARVEST_CANDIDATES", {
        "Holdings": holdings, "Lots": lots, "Accounts": accounts, "Targets": targets,
        "Securities": securities, "Prices": prices, "Transactions": transactions, "Settings": settings})


@xw.func
@xw.arg("lots", ndim=2, err_to_str=True, doc=_doc("Lots"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("transactions", ndim=2, err_to_str=True, doc=_doc("Transactions"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
def REALIZED_GAINS(lots, accounts, securities, transactions, settings=None):
    """This year's sales after the wash-sale rules, one row each, then the totals and the gain budget left. Spills a table."""
    return table_answer("REALIZED_GAINS", {"Lots": lots, "Accounts": accounts, "Securities": securities,
                                           "Transactions": transactions, "Settings": settings})


@xw.func
@xw.arg("lots", ndim=2, err_to_str=True, doc=_doc("Lots"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("transactions", ndim=2, err_to_str=True, doc=_doc("Transactions"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
def OPEN_LOTS(lots, accounts, securities, transactions, settings=None):
    """Open lots with their wash-sale basis adjustments and holding periods. Spills a table."""
    return table_answer("OPEN_LOTS", {"Lots": lots, "Accounts": accounts, "Securities": securities,
                                      "Transactions": transactions, "Settings": settings})
