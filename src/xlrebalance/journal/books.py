"""Reading a workbook's tables and writing the NEW workbook a headless command produces.

The user's workbook is only read (``lifecycle.book.read_book``: every table with its extra
columns and typed formulas); every change goes to a NEW file written the way ``new --from``
writes one (``lifecycle.regenerate.write_book``).  NEW is never the workbook read.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..cells import plain
from ..portfolio import Portfolio
from .orders import OrderRun, build_orders

Tables = Mapping[str, Sequence[Sequence[Any]]]


def read_book(path: str | Path):
    """The workbook's tables (``lifecycle.book.Book``: ``.tables`` keep typed formulas,
    ``.values()`` has their computed values)."""
    from ..lifecycle.book import read_book as read

    return read(path)


def values(tables: Tables) -> dict[str, list[list[Any]]]:
    """The tables with every typed formula replaced by its last computed value."""
    return {name: [[plain(v) for v in row] for row in rows] for name, rows in tables.items()}


def plan_run(tables: Tables, *, today: Optional[date] = None, now: Optional[datetime] = None,
             allow_stale: bool = False) -> OrderRun:
    """The orders of the plan the workbook's tables give today (``InputError`` on bad input)."""
    portfolio = Portfolio.from_tables(values(tables), today=today)
    plan = portfolio.trade_plan()
    return build_orders(portfolio.household, plan, now=now, allow_stale=allow_stale)


def write_new_book(new: str | Path, tables: Tables, *, old: str | Path, force: bool = False,
                   xlwings_conf: Optional[Mapping[str, Any]] = None) -> Path:
    """Write ``tables`` to the NEW workbook ``new`` (never over ``old``); returns its path."""
    from ..lifecycle.regenerate import refuse_overwrite, write_book

    refuse_overwrite(old, new, force)
    return write_book(new, {k: [list(r) for r in v] for k, v in tables.items()}, force=force,
                      xlwings_conf=xlwings_conf).workbook


def journal_since(path: str | Path, since: Optional[date] = None):
    """(the date used, the Journal's runs since it) of the workbook at ``path``, for the
    report's "Trades since the last report".  ``since`` defaults to the Settings' ``Last
    review`` (the last report is made at the last review); no date = every run.  None when
    the workbook has no Journal table."""
    from ..settings import parse_settings
    from ..tables import read_table
    from ..workbook.reader import read_tables
    from .audit import runs
    from .entries import read_entries

    book = read_tables(path)
    if "Journal" not in book.tables:
        return None
    if since is None:
        settings, _ = parse_settings(read_table("Settings", book.tables.get("Settings")))
        since = settings.last_review
    entries, _ = read_entries(book.tables["Journal"], book.header_rows.get("Journal", 1))
    return since, runs(entries, since=since)
