"""The models workbook file: read it (read-only) into a ``ModelBook``; write a new one.

    xlrebalance new Models.xlsx --models [--sample]

It holds the registry's ``[[models_tables]]`` (Models) and its Securities table; it is an
.xlsx without macros: nothing in it is computed, it is only read by ``check --models``.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..errors import WorkbookError
from ..spec import layout, normalize_header
from .book import ModelBook, parse_models

#: A small set of three models over the same classes (the `--sample` rows and the tests').
SAMPLE_MODELS = (
    ("Growth", (("US Stocks", 0.55, "VTI"), ("Intl Stocks", 0.25, "VXUS"), ("Bonds", 0.20, "BND"))),
    ("Balanced", (("US Stocks", 0.40, "VTI"), ("Intl Stocks", 0.20, "VXUS"), ("Bonds", 0.40, "BND"))),
    ("Income", (("US Stocks", 0.20, "VTI"), ("Intl Stocks", 0.10, "VXUS"), ("Bonds", 0.70, "BND"))),
)
SAMPLE_SECURITIES = (("VTI", "US Stocks", "US total", "ITOT"), ("ITOT", "US Stocks", "US total b", "VTI"),
                     ("VXUS", "Intl Stocks", "Intl total", "IXUS"), ("IXUS", "Intl Stocks", "Intl total b", "VXUS"),
                     ("BND", "Bonds", "US bonds", "AGG"), ("AGG", "Bonds", "US bonds b", "BND"))


def sample_models_tables() -> dict[str, list[list]]:
    return {
        "Models": [["Model", "Asset class", "Target", "Abs band", "Rel band", "Buy ticker"]]
        + [[name, cls, target, None, None, buy] for name, rows in SAMPLE_MODELS for cls, target, buy in rows],
        "Securities": [["Ticker", "Asset class", "Wash group", "Replacement"]] + [list(r) for r in SAMPLE_SECURITIES],
    }


def models_specs():
    """The models workbook's tables, in sheet order: Models, then the Securities table."""
    return tuple(layout().models_tables) + (layout().table("Securities"),)


def load_models(path: str | Path) -> ModelBook:
    """Read the models workbook at ``path`` (only read); ``WorkbookError`` if it cannot be read."""
    from ..extras import require

    calamine = require("python_calamine")
    path = Path(path)
    if not path.is_file():
        raise WorkbookError(f"{path}: no such models workbook (write one with `xlrebalance new {path.name} "
                            "--models`)", "not_found")
    try:
        book = calamine.CalamineWorkbook.from_path(str(path), load_tables=True)
    except Exception as error:   # calamine raises its own errors, OSError, ValueError...
        raise WorkbookError(f"{path.name}: cannot open it as a workbook ({error})", "unreadable") from error
    try:
        tables, header_rows = {}, {}
        try:
            named = {normalize_header(n): n for n in book.table_names}
        except Exception:
            named = {}
        sheets = {normalize_header(n): n for n in book.sheet_names}
        for spec in models_specs():
            found = _read(book, named, sheets, spec)
            if found is not None:
                tables[spec.name], header_rows[spec.name] = found
    finally:
        book.close()
    return parse_models(tables, source=path.name, header_rows=header_rows)


def _read(book, named: dict, sheets: dict, spec) -> Optional[tuple[list[list], int]]:
    key = normalize_header(spec.name)
    if key in named:
        table = book.get_table_by_name(named[key])
        rows = table.to_python()
        rows.insert(0, list(table.columns))
        return rows, (table.start[0] if table.start else 1)
    sheet = sheets.get(normalize_header(spec.sheet))
    if sheet is None:
        return None
    grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    for index, row in enumerate(grid):
        if any(value not in (None, "") for value in row):
            return grid[index:], index + 1
    return None


def build_models_workbook(path: str | Path, *, tables: Optional[Mapping[str, Sequence[Sequence[Any]]]] = None,
                          sample: bool = False, force: bool = False) -> Path:
    """Write a new models workbook (.xlsx) at ``path``: the Models and Securities tables,
    empty, with ``sample`` models, or with ``tables`` ({name: rows, header first})."""
    import xlsxwriter

    from ..files.output import write_atomically
    from ..workbook.builder import _write_table
    from ..workbook.formats import make_formats

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{path.name}: a models workbook is an .xlsx (it has no macros)", "bad_name")
    if path.exists() and not force:
        raise WorkbookError(f"{path} already exists; choose another name or pass --force to overwrite", "exists")
    source = {normalize_header(k): v for k, v in (tables if tables is not None
                                                   else sample_models_tables() if sample else {}).items()}

    def write(tmp: Path) -> None:
        packed = io.BytesIO()
        book = xlsxwriter.Workbook(packed, {"remove_timezone": True, "in_memory": True})
        formats = make_formats(book)
        for spec in models_specs():
            sheet = book.add_worksheet(spec.sheet)
            _write_table(sheet, spec, source.get(normalize_header(spec.name)), formats, None)
        book.close()
        tmp.write_bytes(packed.getbuffer())

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, write)
    return path
