"""The ``xlrebalance check --json`` documents (schema in docs/json-schema.md).

Plain dicts of JSON types only: dates become ISO 8601 strings, missing numbers ``null``.
Answer rows are objects keyed by the registry's output column names (``layout.toml``),
the same headers the Excel functions spill.
"""
from __future__ import annotations

import json
import math
from datetime import date, datetime
from typing import Any, Optional, Sequence

from .check_text import issue_text
from .core.model import Issue
from .spec import layout


def dumps(document: Any) -> str:
    """``document`` as strict JSON text: a non-finite number (which no answer should hold)
    becomes ``null``, never the ``NaN``/``Infinity`` that strict parsers reject."""
    return json.dumps(finite(document), indent=2, allow_nan=False)


def finite(value: Any) -> Any:
    """``value`` with every NaN or infinite float (at any depth) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def issue_document(issue: Issue, sheets: Optional[dict] = None) -> dict[str, Any]:
    """One issue: where it is (sheet, table, row, column) and what to do (message)."""
    table, sheet = None, issue.table
    if issue.table:
        try:
            spec = layout().table(issue.table)
            table = spec.name
            sheet = (sheets or {}).get(spec.name, spec.sheet)
        except KeyError:
            table = None
    return {
        "severity": issue.severity.value,
        "code": issue.code,
        "message": issue.message,
        "sheet": sheet,
        "table": table,
        "row": issue.row,
        "column": issue.column,
        "ticker": issue.ticker,
        "account": issue.account,
        "text": issue_text(issue),
    }


def section_document(section) -> dict[str, Any]:
    return {
        "available": section.available,
        "note": section.note or None,
        "columns": list(section.columns),
        "rows": [{k: _json_value(v) for k, v in record.items()} for record in section.records()],
        "totals": {label: _json_value(amount) for label, amount in section.totals},
    }


def answers_document(answers) -> Optional[dict[str, Any]]:
    if answers is None:
        return None
    out = {
        "as_of": answers.as_of.isoformat(),
        "needs_rebalance": answers.needs_rebalance,
        "reason": answers.reason,
        "household_value": round(answers.household_value, 2),
        "portfolio_drift": answers.portfolio_drift,
        "out_of_band": list(answers.out_of_band),
        "estimated_tax": answers.estimated_tax,
        "drift": section_document(answers.drift),
    }
    for key, section in answers.sections:
        out[key] = section_document(section)
    return out


def result_document(result, *, fail_on_rebalance: bool = False) -> dict[str, Any]:
    """One workbook's check, as ``xlrebalance check PATH --json`` prints it."""
    from .check import SCHEMA_VERSION

    return {
        "schema_version": SCHEMA_VERSION,
        "path": result.path,
        "status": result.status(),
        "exit_code": result.exit_code(fail_on_rebalance),
        "valid": result.valid,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "issues": [issue_document(i, result.sheets) for i in result.issues],
        "answers": answers_document(result.answers),
    }


def many_document(results: Sequence, *, fail_on_rebalance: bool = False) -> dict[str, Any]:
    """Several workbooks' checks, as ``xlrebalance check DIR --json`` prints them."""
    from .check import SCHEMA_VERSION

    statuses = [r.status() for r in results]
    return {
        "schema_version": SCHEMA_VERSION,
        "exit_code": many_exit_code(results, fail_on_rebalance),
        "summary": {
            "workbooks": len(results),
            **{name.replace("-", "_"): statuses.count(name) for name in ("ok", "out-of-band", "rebalance", "invalid")},
        },
        "workbooks": [result_document(r, fail_on_rebalance=fail_on_rebalance) for r in results],
    }


def many_exit_code(results: Sequence, fail_on_rebalance: bool = False) -> int:
    """2 if any workbook is invalid; else 1 if any needs a rebalance (with the flag); else 0."""
    codes = [r.exit_code(fail_on_rebalance) for r in results]
    return max(codes, default=0)

