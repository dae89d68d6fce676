"""Deterministic identifiers: the inputs hash of a plan run, its Run ID, Order IDs, fill refs.

A plan run on unchanged inputs gets the same Run ID and Order IDs, so appending it to the
Journal twice adds nothing.  The hash is taken over the *parsed* household (typed values,
not cell types), so a workbook read by python-calamine and the same workbook read through
xlwings in Excel hash alike.
"""
from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from datetime import date, datetime
from typing import Any

from ..core.model import Household

#: The Household fields a plan reads (the TRADE_LIST arguments' tables and Settings).
PLAN_INPUTS = ("settings", "accounts", "targets", "securities", "holdings", "lots", "transactions", "prices")
_SKIP = {"row"}     # where a value sits in the sheet does not change the plan


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.name not in _SKIP}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return value


def inputs_hash(household: Household) -> str:
    """12 hex digits of SHA-256 over the plan's inputs (order of rows included)."""
    document = {name: _canonical(getattr(household, name)) for name in PLAN_INPUTS}
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def run_id(as_of: date, digest: str) -> str:
    """'R20261120-1a2b3c4d': the as-of date and the start of the inputs hash."""
    return f"R{as_of:%Y%m%d}-{digest[:8]}"


def order_id(run: str, index: int) -> str:
    """The ``index``-th order (1-based, in the run's order: sells first) of ``run``."""
    return f"{run}-{index:03d}"


def fill_hash(*parts: Any) -> str:
    """'F-' and 12 hex digits of SHA-256 over a fill's fields: its reference when the broker gave none."""
    text = "|".join(_text(p) for p in parts)
    return "F-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6f}"
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)
