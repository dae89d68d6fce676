"""The Approve plan and Record fills buttons, inside Excel (through xlwings).

- ``approve_plan(book)``: the current TRADE_LIST as orders (the same ones ``xlrebalance
  orders`` writes: limit prices, whole shares, buys sized to the cash), after the pre-trade
  checks; appended to the Journal as APPROVED by the Excel user (rows of the same run still
  PROPOSED become APPROVED).  Writes only the Journal table.
- ``record_fills(book)``: the rows pasted into the Fills table, matched and applied as
  ``xlrebalance record`` does (all or none; fills already recorded change nothing).  Writes
  only the tables that change (Holdings, Lots, Transactions, Accounts, Journal), and of each
  only the columns that change; the formula columns (Holdings Asset class, Price, Value)
  keep their formulas.

Each says what it did, or why it did nothing, in the cell to the right of its table and in
Excel's status bar; the user never sees a traceback.
"""
from __future__ import annotations

import getpass
from datetime import date, datetime
from typing import Any, Optional, Sequence

from ..spec import layout, normalize_header
from .refresh import _Status, find_table, status_cell, table_values

JOURNAL, FILLS = "Journal", "Fills"


def read_all(book: Any) -> tuple[dict[str, list[list[Any]]], dict[str, tuple[Any, Any]]]:
    """Every registry table the workbook has: ({name: rows}, {name: (sheet, table)})."""
    tables, where = {}, {}
    for spec in layout().tables:
        found = find_table(book, spec.name)
        if found is not None:
            tables[spec.name] = table_values(found[1])
            where[spec.name] = found
    return tables, where


def user_name(book: Any) -> str:
    """Excel's user name (File > Options > General), else the login name."""
    try:
        name = book.app.api.UserName
        if isinstance(name, str) and name.strip():
            return name.strip()
    except Exception:
        pass
    try:
        return getpass.getuser()
    except Exception:
        return "Excel user"


def _status(book: Any, where: dict, name: str) -> _Status:
    found = where.get(name)
    return _Status(book, status_cell(*found) if found else None)


def _first(issues: Sequence[Any], n: int = 3) -> str:
    shown = "; ".join(str(i) for i in issues[:n])
    return shown + (f" (and {len(issues) - n} more)" if len(issues) > n else "")


def approve_plan(book: Any, *, user: Optional[str] = None, now: Optional[datetime] = None) -> Optional[int]:
    """Append the plan to the Journal as APPROVED; returns the rows added (None: nothing written)."""
    from ..errors import InputError
    from ..journal.books import plan_run
    from ..journal.entries import append_run

    tables, where = read_all(book)
    status = _status(book, where, JOURNAL)
    try:
        if JOURNAL not in where:
            status.show("Approve plan: this workbook has no Excel Table named 'Journal'; rebuild it with "
                        "`xlrebalance new NEW.xlsm --from THIS.xlsm`.")
            return None
        status.show("Approve plan: computing the trade list...")
        try:
            run = plan_run(tables, now=now)
        except InputError as invalid:
            status.show(f"Approve plan: the inputs have errors, nothing approved: {_first(invalid.issues)}")
            return None
        if run.errors:
            status.show(f"Approve plan: the pre-trade checks failed, nothing approved: {_first(run.errors)}")
            return None
        if not run.orders:
            status.show("Approve plan: the trade list has no BUY or SELL rows; nothing to approve.")
            return None
        who = user or user_name(book)
        table, added, approved = append_run(tables[JOURNAL], run.entries(), approve_as=who)
        sheet, excel_table = where[JOURNAL]
        write_table(sheet, excel_table, tables[JOURNAL], table)
        status.show(f"Plan {run.run_id} approved by {who} {datetime.now():%Y-%m-%d %H:%M}: {added} orders added, "
                    f"{approved} proposed orders approved"
                    + (f", {len(run.orders) - added - approved} already in the Journal" if
                       len(run.orders) - added - approved else "") + ".")
        return added
    except Exception as exc:  # the user sees a message, never a traceback
        status.show(f"Approve plan failed: {type(exc).__name__}: {exc}")
        return None
    finally:
        status.release()


def record_fills(book: Any, *, today: Optional[date] = None):
    """Apply the Fills table; returns the ``RecordResult`` (None: nothing written)."""
    from ..journal.fills import parse_fills
    from ..journal.record import record_fills as record

    tables, where = read_all(book)
    status = _status(book, where, FILLS)
    try:
        if FILLS not in where or JOURNAL not in where:
            missing = FILLS if FILLS not in where else JOURNAL
            status.show(f"Record fills: this workbook has no Excel Table named '{missing}'; rebuild it with "
                        "`xlrebalance new NEW.xlsm --from THIS.xlsm`.")
            return None
        header_row = where[FILLS][1].range.row
        fills, problems = parse_fills(tables[FILLS], source=FILLS, first_line=header_row)
        if problems:
            status.show(f"Record fills: nothing recorded; fix the Fills table first: {_first(problems)}")
            return None
        if not fills:
            status.show("Record fills: the Fills table is empty; paste the broker's executions into it first.")
            return None
        status.show(f"Record fills: matching {len(fills)} fills to the Journal...")
        result = record(tables, fills, today=today)
        if not result.ok:
            status.show(f"Record fills: nothing recorded (all fills apply, or none): {_first(result.exceptions)}")
            return None
        for name in result.changed:
            sheet, excel_table = where[name]
            write_table(sheet, excel_table, tables[name], result.tables[name])
        if result.changed:
            book.app.calculate()
        partial = sum(1 for a in result.applied if a.status == "PARTIAL")
        status.show(f"Fills recorded {datetime.now():%Y-%m-%d %H:%M}: {len(result.applied)} applied"
                    + (f" ({partial} orders still partly open)" if partial else "")
                    + f", {len(result.duplicates)} already recorded; changed "
                    + (", ".join(result.changed) or "nothing") + ".")
        return result
    except Exception as exc:
        status.show(f"Record fills failed: {type(exc).__name__}: {exc}")
        return None
    finally:
        status.release()


def _formula_columns(table_name: str) -> set[str]:
    from ..workbook.builder import formula_columns

    return {normalize_header(c.name) for c in formula_columns(table_name)}


def write_table(sheet: Any, table: Any, previous: Sequence[Sequence[Any]], rows: Sequence[Sequence[Any]]) -> None:
    """Write ``rows`` (header first) over the Excel Table that held ``previous``.

    Columns are written only where a value changed, so a column nothing touched keeps what
    it holds (formulas included); the registry's formula columns are never written.  The
    table is resized to the new row count (an Excel Table keeps one blank row when empty)
    and widened for added columns; cells of rows no longer in it are cleared.
    """
    rng = table.range
    top, left = rng.row, rng.column
    old_height, old_width = rng.shape
    header = list(rows[0])
    data = [list(r) + [None] * (len(header) - len(r)) for r in rows[1:]]
    width = max(len(header), old_width)
    height = 1 + max(len(data), 1)
    if (height, width) != (old_height, old_width):
        table.resize(sheet.range((top, left), (top + height - 1, left + width - 1)))
    for j in range(old_width, len(header)):
        sheet.range((top, left + j)).value = header[j]
    skip = _formula_columns(table.name)
    old_rows = [list(r) for r in previous[1:]]
    for j, name in enumerate(header):
        if name is not None and normalize_header(name) in skip:
            continue
        column = [row[j] if j < len(row) else None for row in data] or [None]
        before = [row[j] if j < len(row) else None for row in old_rows]
        if column != before[:len(column)] or len(before) != len(column):
            sheet.range((top + 1, left + j), (top + len(column), left + j)).value = [[v] for v in column]
    if old_height > height:
        blank = [[None] * old_width for _ in range(old_height - height)]
        sheet.range((top + height, left), (top + old_height - 1, left + old_width - 1)).value = blank
