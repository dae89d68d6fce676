"""What the Excel functions answer, as plain Python: no xlwings here.

``table_answer`` and ``rebalance_answer`` turn sheet tables (2-D lists, header row first)
into the rows a cell spills.  The classic add-in's functions (``excel.udfs``), the xlwings
Lite ``main.py`` that ``xlrebalance new --lite`` writes, the pycel plugin and the tests all
call them, so every front end shows the same answer.
"""
from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from typing import Any, Mapping

from xlrebalance.errors import InputError
from xlrebalance.excel.render import (
    Rows, issue_text, ordered_issues, render_cell, render_issues, render_message, render_rows,
    render_warnings,
)
from xlrebalance.portfolio import Portfolio
from xlrebalance.spec import layout

logger = logging.getLogger("xlrebalance.excel.udfs")


def table_doc(table: str) -> str:
    """Excel help text for a table argument (under Excel's 255-character limit)."""
    spec = layout().table(table)
    return f"The whole {spec.name} table, header row included: {spec.name}[#All]. {spec.description}"


def table_answer(function: str, tables: Mapping[str, Any], **options: Any) -> Rows:
    """Compute the registry function ``function`` (e.g. "DRIFT") from sheet tables.

    ``tables`` maps table names ("Holdings", ...) to 2-D lists with the header row first;
    ``options`` (e.g. ``view``) go to the library method.
    Returns the header row and the answer's rows, then one row per warning; or, when the
    inputs have errors, one text row per issue.
    """
    spec = layout().function(function)
    try:
        portfolio = _portfolio(tables)
        answer = portfolio.answer(function, **options)
        rows = render_rows(spec.columns, answer.rows) + _totals_rows(answer.attrs, len(spec.columns))
        issues = _about(spec.args, portfolio.issues) + list(answer.attrs.get("issues") or ())
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
        key = _cache_key(tables)
        hash(key)
    except TypeError:  # a cell Python cannot hash: parse without the cache
        return Portfolio.from_tables(dict(tables))
    return _parsed(key, dt.date.today())


def _cache_key(tables: Mapping[str, Any]) -> tuple:
    return tuple((name, None if rows is None else tuple(tuple(row) for row in rows))
                 for name, rows in tables.items())


@lru_cache(maxsize=8)
def _parsed(tables: tuple, today: dt.date) -> Portfolio:
    return Portfolio.from_tables(dict(tables), today=today)


def _about(tables, issues) -> list:
    """The issues a function's user can act on: those in its own tables or in none.
    (REALIZED_GAINS is not given Holdings, so "Holdings has no rows" is not its business.)"""
    return [i for i in issues if i.table is None or i.table in tables]


def _unique(issues) -> list:
    return list(dict.fromkeys(issues))


def _totals_rows(attrs: Mapping[str, Any], width: int) -> Rows:
    """Totals a library answer carries in ``attrs["totals"]`` (label -> amount):
    one row each after the table, label in the first column and amount in the last."""
    totals = attrs.get("totals") or {}
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
