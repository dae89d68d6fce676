"""Reading a workbook's tables and writing the NEW workbook a headless command produces.

The user's workbook is only read; every change goes to a NEW file written by our builder
from the tables ({table name: 2-D rows, header first}).  NEW must not be the workbook read.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..errors import WorkbookError
from ..portfolio import Portfolio
from .orders import OrderRun, build_orders

Tables = Mapping[str, Sequence[Sequence[Any]]]


def read_book(path: str | Path):
    """The workbook's tables (``workbook.reader.WorkbookTables``)."""
    from ..workbook.reader import read_tables

    return read_tables(path)


def plan_run(tables: Tables, *, today: Optional[date] = None, now: Optional[datetime] = None,
             allow_stale: bool = False) -> OrderRun:
    """The orders of the plan the workbook's tables give today (``InputError`` on bad input)."""
    portfolio = Portfolio.from_tables(tables, today=today)
    plan = portfolio.trade_plan()
    return build_orders(portfolio.household, plan, now=now, allow_stale=allow_stale)


def write_new_book(new: str | Path, tables: Tables, *, old: str | Path, force: bool = False) -> Path:
    """Write ``tables`` to the NEW workbook ``new`` (never over ``old``); returns its path."""
    new_path, old_path = Path(new), Path(old)
    if new_path.suffix == "":
        new_path = new_path.with_suffix(".xlsm")
    if new_path.exists() and old_path.exists() and new_path.resolve() == old_path.resolve():
        raise WorkbookError(f"{new_path}: that is the workbook read; write the result to a NEW file "
                            "(the original is never changed)")
    from ..workbook.builder import build_workbook

    return build_workbook(new_path, tables={k: [list(r) for r in v] for k, v in tables.items()}, force=force).workbook
