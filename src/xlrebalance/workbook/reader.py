"""Read a user's workbook (read-only, python-calamine): every registry table as a 2-D list.

Each table is found by its Excel Table (ListObject) name, else on the sheet of the same
name with its header in the first non-empty row.  Formula cells give their cached values
(what Excel last computed).  Nothing here writes to the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import python_calamine as calamine

from ..core.heap import collector_paused
from ..errors import WorkbookError
from ..spec import layout, normalize_header

#: Files python-calamine reads.  Excel Tables (ListObjects) exist in .xlsx/.xlsm only.
READABLE_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")


@dataclass(frozen=True)
class WorkbookTables:
    """The registry tables found in one workbook file."""

    path: Path
    tables: dict[str, list[list[Any]]]     # table name -> rows, header first
    header_rows: dict[str, int]            # table name -> sheet row (1-based) of its header
    sheets: dict[str, str]                 # table name -> sheet it was read from
    found_by: dict[str, str] = field(default_factory=dict)   # table name -> "table" or "sheet"

    @property
    def missing(self) -> tuple[str, ...]:
        """Registry tables the workbook does not have."""
        return tuple(t.name for t in layout().tables if t.name not in self.tables)


def read_tables(path: str | Path) -> WorkbookTables:
    """Every registry table in the workbook at ``path``; ``WorkbookError`` if it cannot be read."""
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"{path}: no such file")
    if path.suffix.lower() not in READABLE_SUFFIXES:
        raise WorkbookError(f"{path.name}: not a workbook this tool reads "
                            f"({', '.join(READABLE_SUFFIXES)})")
    book = _open(path)
    try:
        with collector_paused():    # 100,000 rows become 100,000 lists, none freed while reading
            return _collect(path, book)
    except calamine.CalamineError as exc:
        raise WorkbookError(f"{path.name}: cannot read the workbook ({_reason(exc)})") from exc
    finally:
        book.close()


def _open(path: Path) -> calamine.CalamineWorkbook:
    try:
        try:
            return calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
        except calamine.TablesNotSupported:
            return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise WorkbookError(f"{path.name}: the workbook is password-protected; save an "
                            "unprotected copy and read that") from exc
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise WorkbookError(f"{path.name}: cannot open it as a workbook ({_reason(exc)}); is it a "
                            "valid Excel file, and not still being saved?") from exc


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _collect(path: Path, book: calamine.CalamineWorkbook) -> WorkbookTables:
    table_names = {normalize_header(n): n for n in (_table_names(book) or ())}
    sheet_names = {normalize_header(n): n for n in book.sheet_names}
    tables, header_rows, sheets, found_by = {}, {}, {}, {}
    for spec in layout().tables:
        key = normalize_header(spec.name)
        found = None
        if key in table_names:
            found = _from_table(book, table_names[key])
            how = "table"
        elif normalize_header(spec.sheet) in sheet_names:
            found = _from_sheet(book, sheet_names[normalize_header(spec.sheet)])
            how = "sheet"
        if found is None:
            continue
        rows, header_row, sheet = found
        tables[spec.name], header_rows[spec.name], sheets[spec.name] = rows, header_row, sheet
        found_by[spec.name] = how
    return WorkbookTables(path=path, tables=tables, header_rows=header_rows, sheets=sheets, found_by=found_by)


def _table_names(book: calamine.CalamineWorkbook) -> Optional[list[str]]:
    try:
        return book.table_names
    except calamine.CalamineError:   # tables not loaded / not supported for this format
        return None


def _from_table(book: calamine.CalamineWorkbook, name: str) -> tuple[list[list[Any]], int, str]:
    """An Excel Table: its header names, then its data rows (cached values)."""
    table = book.get_table_by_name(name)
    rows = table.to_python()            # fresh lists, ours to keep: not copied again
    rows.insert(0, list(table.columns))
    start = table.start
    header_row = start[0] if start else 1   # start is the first data cell, 0-based
    return rows, header_row, table.sheet


def _from_sheet(book: calamine.CalamineWorkbook, sheet_name: str) -> Optional[tuple[list[list[Any]], int, str]]:
    """A plain range: the header is the first row with any value; the rows below it."""
    grid = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    for index, row in enumerate(grid):
        if any(value not in (None, "") for value in row):
            return grid[index:], index + 1, sheet_name     # fresh lists from calamine: not copied
    return None
