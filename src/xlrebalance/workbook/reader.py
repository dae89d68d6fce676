"""Read a user's workbook (read-only, python-calamine): every registry table as a 2-D list.

Each table is found by its Excel Table (ListObject) name, else on the sheet of the same
name with its header in the first non-empty row.  Formula cells give their cached values
(what Excel last computed).  Nothing here writes to the file.

The file is vetted first (``package.open_package``: a safe, intact package, the same
checks and messages for every command), which also tells each sheet's extent and its
error cells.  python-calamine gives an error cell as an empty string, so the reader puts
the error back (the text Excel shows, e.g. ``"#N/A"``), and the cell parsers report it.
python-calamine allocates a sheet's whole rectangle from its first to its last cell: a
note typed in XFD1048576 would cost 512 GB.  A sheet whose cells reach far beyond its
tables is read from a trimmed copy holding only the tables' cells, so memory follows the
tables, whatever else the sheet holds; a table that is itself absurdly large is refused.
"""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from ..extras import require

calamine = require("python_calamine")  # the workbook extra: a clear message when it is missing

from ..core.heap import collector_paused
from ..errors import WorkbookError
from ..spec import layout, normalize_header
from .package import Package, SheetPart, column_number, open_package, parse_ref

#: Files python-calamine reads.  Excel Tables (ListObjects) exist in .xlsx/.xlsm only.
READABLE_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
#: A table of more cells than this is refused (100,000 lots of 10 columns are 1,000,000).
MAX_TABLE_CELLS = 5_000_000
#: A sheet read without an Excel Table (header in its first row) may span this many cells.
MAX_SHEET_CELLS = 2_000_000
#: A sheet is read as it is while its cells span at most this many times its tables' cells
#: (or ``SMALL_SHEET_CELLS``); beyond that, from a copy trimmed to the tables.
SHEET_SLACK = 2
SMALL_SHEET_CELLS = 200_000
_CELL_ELEMENT = re.compile(rb"<(?:\w+:)?c\b[^>]*?(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_CELL_AT = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,9})"')
_SKIPPED_PARTS = ("xl/media/", "xl/embeddings/", "xl/printerSettings/", "xl/vbaProject.bin")


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


def read_tables(path: str | Path, package: Optional[Package] = None) -> WorkbookTables:
    """Every registry table in the workbook at ``path``; ``WorkbookError`` if it cannot be read.

    ``package``: what ``open_package`` found for this file (vetted again when not given)."""
    path = Path(path)
    if package is None:
        package, issues = open_package(path)
        if package is None:
            first = issues[0] if issues else None
            raise WorkbookError(first.message if first else f"{path.name} cannot be read as a workbook",
                                first.code if first else "unreadable")
    plan = _plan(package)
    source = _trimmed_copy(path, package, plan) if plan.trim else path
    book = _open(path, source)
    try:
        with collector_paused():    # 100,000 rows become 100,000 lists, none freed while reading
            return _collect(path, book, package)
    except calamine.CalamineError as exc:
        raise WorkbookError(f"{path.name}: cannot read the workbook ({_reason(exc)})") from exc
    finally:
        book.close()


@dataclass(frozen=True)
class _Plan:
    """Worksheet part -> the cell boxes (first_row, first_col, last_row, last_col) to keep,
    for each sheet too sprawling to read as it is; empty when every sheet can be."""

    trim: Mapping[str, tuple[tuple[int, int, int, int], ...]]


def _plan(package: Package) -> _Plan:
    """Refuse absurd tables; find the sheets whose extent reaches far beyond their tables."""
    wanted = _wanted_sheets(package)
    trim = {}
    for sheet in package.sheets:
        if not sheet.part:
            continue
        boxes = tuple(_table_box(sheet, table) for table in sheet.tables)
        area = sum((b[2] - b[0] + 1) * (b[3] - b[1] + 1) for b in boxes)
        if sheet.extent.cells <= max(SHEET_SLACK * area, SMALL_SHEET_CELLS):
            continue
        if sheet.name in wanted and not sheet.tables and sheet.extent.cells > MAX_SHEET_CELLS:
            raise WorkbookError(f"The sheet '{sheet.name}' has cells as far as {sheet.extent.last_cell}, "
                                f"{sheet.extent.cells:,} cells to read; delete what lies outside its data "
                                "(select the rows and columns beyond it, right-click > Delete), or make its "
                                "data an Excel Table (Insert > Table)", "sheet_too_large")
        trim[sheet.part] = boxes
    return _Plan(trim)


def _wanted_sheets(package: Package) -> set[str]:
    """The sheets the registry tables are read from when they are not Excel Tables."""
    names = {normalize_header(t.name) for t in package.tables}
    return {s.name for spec in layout().tables if normalize_header(spec.name) not in names
            for s in [package.sheet(spec.sheet)] if s is not None}


def _table_box(sheet: SheetPart, table) -> tuple[int, int, int, int]:
    first_row, first_col, last_row, last_col = parse_ref(table.ref)
    cells = (last_row - first_row + 1) * (last_col - first_col + 1)
    if cells > MAX_TABLE_CELLS:
        raise WorkbookError(f"The Excel table {table.name} on the sheet '{sheet.name}' spans {table.ref}, "
                            f"{cells:,} cells, far more than a portfolio needs (at most {MAX_TABLE_CELLS:,}); "
                            "in Excel, click in the table and use Table Design > Resize Table to fit its data",
                            "table_too_large")
    return first_row, first_col, last_row, last_col


def _trimmed_copy(path: Path, package: Package, plan: _Plan) -> io.BytesIO:
    """The workbook as an in-memory zip in which each sheet of ``plan.trim`` holds only
    the cells inside its tables (media, printer settings and macros left out)."""
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as target:
            for info in source.infolist():
                if info.filename.startswith(_SKIPPED_PARTS):
                    continue
                data = source.read(info)
                if info.filename in plan.trim:
                    data = _keep_cells(data, plan.trim[info.filename])
                target.writestr(info.filename, data)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookError(f"{path.name}: cannot read the workbook ({_reason(exc)})") from exc
    buffer.seek(0)
    return buffer


def _keep_cells(xml: bytes, boxes: tuple[tuple[int, int, int, int], ...]) -> bytes:
    def keep(match: re.Match) -> bytes:
        at = _CELL_AT.search(match.group(0), 0, match.group(0).find(b">") + 1)
        if at is None:
            return b""
        row, col = int(at.group(2)), column_number(at.group(1).decode("ascii"))
        inside = any(r1 <= row <= r2 and c1 <= col <= c2 for r1, c1, r2, c2 in boxes)
        return match.group(0) if inside else b""

    return _CELL_ELEMENT.sub(keep, xml)


def _open(path: Path, source: Path | io.BytesIO) -> calamine.CalamineWorkbook:
    def load(**options) -> calamine.CalamineWorkbook:
        if isinstance(source, io.BytesIO):
            source.seek(0)
            return calamine.CalamineWorkbook.from_filelike(source, **options)
        return calamine.CalamineWorkbook.from_path(str(source), **options)

    try:
        try:
            return load(load_tables=True)
        except calamine.TablesNotSupported:
            return load()
    except calamine.PasswordError as exc:
        raise WorkbookError(f"{path.name}: the workbook is password-protected; save an "
                            "unprotected copy and read that") from exc
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise WorkbookError(f"{path.name}: cannot open it as a workbook ({_reason(exc)}); is it a "
                            "valid Excel file, and not still being saved?") from exc


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _collect(path: Path, book: calamine.CalamineWorkbook, package: Package) -> WorkbookTables:
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
        _put_errors(rows, header_row, package.sheet(sheet), found_by=how, first_col=_first_col(package, spec.name))
        tables[spec.name], header_rows[spec.name], sheets[spec.name] = rows, header_row, sheet
        found_by[spec.name] = how
    return WorkbookTables(path=path, tables=tables, header_rows=header_rows, sheets=sheets, found_by=found_by)


def _first_col(package: Package, name: str) -> int:
    table = package.table(name)
    return table.first_col if table is not None else 1


def _put_errors(rows: list[list[Any]], header_row: int, sheet: Optional[SheetPart], *, found_by: str,
                first_col: int) -> None:
    """Put each error cell's text (e.g. "#N/A") where python-calamine left an empty string.

    ``rows[0]`` is the sheet row ``header_row``; a table's first column is ``first_col``, a
    sheet's rows start in column A."""
    if sheet is None or not sheet.errors:
        return
    left = first_col if found_by == "table" else 1
    for (row, col), text in sheet.errors.items():
        i, j = row - header_row, col - left
        if 0 <= i < len(rows) and 0 <= j < len(rows[i]) and rows[i][j] in ("", None):
            rows[i][j] = text or "#VALUE!"


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
