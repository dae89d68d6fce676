"""Does a workbook still follow the layout registry?  A read-only structure check.

After ``workbook.package.open_package`` found the file safe and read its parts:
every registry table is an Excel Table (ListObject) with the registry's columns; the
formula columns of an input table (Holdings' Asset class, Price, Value) still hold
formulas, not typed values; the Dashboard's formulas and named cells are present; no
merged cells inside a table; no formula refers to a deleted table or says ``#REF!``.
Formulas are read from the sheet XML of the Holdings and Dashboard sheets only.
Then ``implausible_values`` flags numbers no portfolio has in the data read.

Every problem is an ``Issue`` naming the sheet (in ``Issue.table``), row and column and
saying what to do.  Nothing here raises on a bad file.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from difflib import get_close_matches
from operator import itemgetter
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence

from ..core.model import Issue, Severity
from ..errors import WorkbookError
from ..spec import TableSpec, layout, normalize_header
from .package import (  # noqa: F401  (re-exported: the checker's public names)
    XML_ERRORS, Package, SheetPart, TablePart, column_letter, column_number, open_package, parse_ref,
    sheet_cells,
)

# Table[...] in a formula; the name may not follow a letter, digit, dot or underscore.
_STRUCTURED_REF = re.compile(r"(?<![\w.])([A-Za-z_\\][\w.]*)\[")
_FIX_NEW = "`xlrebalance new NEW.xlsm` writes a fresh template to copy it from"


def _file_issue(code: str, message: str) -> Issue:
    return Issue(code, message)


def check_structure(package: Package) -> list[Issue]:
    """Every structural problem of a readable package, against the layout registry."""
    issues: list[Issue] = []
    board = dashboard_config().get("sheet")
    has_dashboard = bool(board and package.sheet(board))
    for spec in layout().tables:
        issues += _table_issues(package, spec, has_dashboard)
    issues += _merged_issues(package)
    try:
        issues += _formula_issues(package)
    except XML_ERRORS + (zipfile.BadZipFile, zlib.error, KeyError, OSError) as error:
        issues.append(_file_issue("unreadable_formulas", f"The formulas of {Path(package.path).name} cannot be "
                                  f"read ({error}); open it in Excel and save it again."))
    return issues


def _table_issues(package: Package, spec: TableSpec, has_dashboard: bool) -> list[Issue]:
    """A required table's sheet missing is an error.  Its data on the sheet but not as an
    Excel Table is an error only when there is a Dashboard, whose formulas need the Table;
    without one, the data is still read from the sheet (a warning says to make it a Table)."""
    table = package.table(spec.name)
    severity = Severity.ERROR if spec.required else Severity.WARNING
    needed = ", ".join(c.name for c in spec.columns if c.required)
    if table is None:
        sheet = package.sheet(spec.sheet)
        if sheet is None and not spec.warn_if_missing:
            return []
        if sheet is None:
            effect = "" if spec.required else " (it is optional: without it the answers assume it is empty)"
            return [Issue("missing_sheet", f"The workbook has no '{spec.sheet}' sheet{effect}; add the sheet "
                          f"with an Excel table named {spec.name} (columns {needed}); {_FIX_NEW}.",
                          spec.sheet, None, None, severity)]
        others = ", ".join(t.name for t in sheet.tables)
        seen = f" (it has the table{'s' if len(sheet.tables) > 1 else ''} {others}: rename the right one)" if others else ""
        effect = "" if has_dashboard else " (its rows are read from the sheet meanwhile)"
        return [Issue("missing_table", f"The sheet '{sheet.name}' has no Excel table named {spec.name}{seen}{effect}; "
                      f"select the data including the header row, Insert > Table, then name it {spec.name} "
                      "(Table Design > Table Name).", spec.sheet, 1, None,
                      severity if has_dashboard else Severity.WARNING)]
    issues = []
    found = [c for c in table.columns if c]
    keys = {normalize_header(c) for c in found}
    for column in spec.columns:
        if not column.required or column.key in keys:
            continue
        close = get_close_matches(column.name.lower(), [c.lower() for c in found if normalize_header(c) not in
                                                         {x.key for x in spec.columns}], n=1, cutoff=0.5)
        hint = f" — the header '{_original(found, close[0])}' looks like it; rename it back to '{column.name}'" \
            if close else f"; add a '{column.name}' column to the table"
        issues.append(Issue("missing_column", f"The {spec.name} table has no '{column.name}' column{hint} "
                            f"(headers found: {', '.join(found)}).", table.sheet, table.header_row, column.name))
    return issues


def _original(headers: Iterable[str], lowered: str) -> str:
    return next((h for h in headers if h.lower() == lowered), lowered)


def _merged_issues(package: Package) -> list[Issue]:
    issues = []
    for sheet in package.sheets:
        if not sheet.tables or not sheet.part:
            continue
        for ref in sheet.merged:
            try:
                first_row, first_col, last_row, last_col = parse_ref(ref)
            except ValueError:
                continue
            for table in sheet.tables:
                if first_row <= table.last_row and last_row >= table.header_row and \
                        first_col <= table.last_col and last_col >= table.first_col:
                    offset = max(first_col, table.first_col) - table.first_col
                    issues.append(Issue("merged_cells", f"Cells {ref} are merged inside the {table.name} table; "
                                        "unmerge them (Home > Merge & Center > Unmerge Cells) and give every cell "
                                        "its own value.", table.sheet, first_row, table.columns[offset]))
    return issues


def formula_columns() -> tuple[dict, ...]:
    """The registry's formula columns: ({table, name, formula, ...}, ...)."""
    return tuple(layout().raw.get("workbook", {}).get("formula_columns", ()))


def dashboard_config() -> dict:
    return layout().raw.get("workbook", {}).get("dashboard", {})


def _formula_issues(package: Package) -> list[Issue]:
    issues: list[Issue] = []
    for name in sorted({c["table"] for c in formula_columns()}):
        table = package.table(name)
        if table is not None:
            issues += _formula_column_issues(package, table)
    board = package.sheet(dashboard_config().get("sheet", "Dashboard")) if dashboard_config() else None
    if board is not None and board.part:
        issues += _dashboard_issues(package, board)
        for answer in layout().raw.get("workbook", {}).get("answer_sheets", ()):
            issues += _answer_sheet_issues(package, answer)
    return issues


def _answer_sheet_issues(package: Package, answer: Mapping) -> list[Issue]:
    """An answer sheet of a workbook with a Dashboard: there, and holding its function."""
    function = layout().function(answer["function"])
    call = f"={function.name}({','.join(f'{t}[#All]' for t in function.args)})"
    sheet = package.sheet(answer["sheet"])
    if sheet is None or not sheet.part:
        return [Issue("missing_sheet", f"The workbook has no '{answer['sheet']}' sheet, where {function.name} "
                      f"spills ({answer['title']}); add the sheet and enter {call} in A{answer['row']}, or "
                      f"{_FIX_NEW}.", answer["sheet"], None, None, Severity.WARNING)]
    formulas = {place: cell.formula for place, cell in sheet_cells(package.path, sheet).items() if cell.formula}
    if _calls(function.name, formulas.values()):
        return []
    return [Issue("missing_formula", f"The '{answer['sheet']}' sheet has lost its {function.name} formula; enter "
                  f"{call} in A{answer['row']} or rebuild the workbook ({_FIX_NEW}).", answer["sheet"],
                  answer["row"], "A")]


def _calls(name: str, formulas: Iterable[str]) -> bool:
    # _xludf.: a name Excel did not know; _xldudf_: an Office.js custom function (xlwings Lite)
    pattern = re.compile(rf"(?<![\w.])(?:_xludf\.|_xldudf_)?{re.escape(name)}\(", re.IGNORECASE)
    return any(pattern.search(text) for text in formulas)


def _formula_column_issues(package: Package, table: TablePart) -> list[Issue]:
    issues = []
    sheet = package.sheet(table.sheet)
    wanted = [c for c in formula_columns() if normalize_header(c["table"]) == normalize_header(table.name)]
    numbers = {c["name"]: table.column_number(c["name"]) for c in wanted}
    cells = sheet_cells(package.path, sheet, columns={n for n in numbers.values() if n},
                        rows=(table.header_row + 1, table.last_row))
    for column in wanted:
        number, expected = numbers[column["name"]], column["formula"]
        if number is None:
            issues.append(Issue("missing_formula_column", f"The {table.name} table has lost its '{column['name']}' "
                                f"formula column; add it back with the formula {expected} ({_FIX_NEW}).",
                                table.sheet, table.header_row, column["name"]))
            continue
        placed = sorted((row, cell) for (row, col), cell in cells.items() if col == number)
        typed = [row for row, cell in placed if cell.typed]
        broken = [(row, why) for row, cell in placed if cell.formula and (why := _broken(cell.formula, package))]
        if typed:
            issues.append(Issue("formula_replaced", f"'{column['name']}' in {_rows_text(typed)} of the {table.name} "
                                "table holds a typed value where the formula belongs, so it no longer follows the "
                                f"inputs; select the column's cells and enter {expected} (Excel fills the column).",
                                table.sheet, typed[0], column["name"]))
        for row, why in broken[:1]:
            issues.append(Issue("broken_formula", f"The formula in '{column['name']}' {why}; re-enter {expected} in "
                                "the column.", table.sheet, row, column["name"]))
    return issues


def _rows_text(rows: list[int]) -> str:
    if len(rows) == 1:
        return f"row {rows[0]}"
    return f"rows {rows[0]}–{rows[-1]} ({len(rows)} cells)" if rows[-1] - rows[0] + 1 == len(rows) \
        else f"{len(rows)} rows ({', '.join(map(str, rows[:5]))}{', ...' if len(rows) > 5 else ''})"


def _broken(formula: str, package: Package) -> Optional[str]:
    """Why a formula cannot work: a #REF! or a reference to a table that does not exist."""
    if "#REF!" in formula.upper():
        return "refers to a deleted cell or sheet (#REF!)"
    known = package.table_keys
    for name in _STRUCTURED_REF.findall(_without_strings(formula)):
        if normalize_header(name) not in known:
            return f"refers to a table named {name} that the workbook does not have"
    return None


def _without_strings(formula: str) -> str:
    return re.sub(r'"[^"]*"', '""', formula)


def _dashboard_issues(package: Package, board: SheetPart) -> list[Issue]:
    config = dashboard_config()
    formulas = {place: cell.formula for place, cell in sheet_cells(package.path, board).items()
                if cell.formula}
    issues = []
    for cell in config.get("cells", ()):
        issues += _named_cell_issues(package, board, formulas, cell)
    for block in config.get("blocks", ()):
        function = layout().function(block["function"])
        if not _calls(function.name, formulas.values()):
            call = f"={function.name}({','.join(f'{t}[#All]' for t in function.args)})"
            issues.append(Issue("missing_formula", f"The Dashboard has lost its {function.name} formula (the "
                                f"'{block.get('title', function.name)}' block); enter {call} under that heading "
                                f"or rebuild the Dashboard ({_FIX_NEW}).", board.name, block.get("row"),
                                column_letter(block.get("column", 1))))
    broken: dict[str, list[tuple[int, int]]] = {}
    for (row, col), text in sorted(formulas.items()):
        why = _broken(text, package)
        if why:
            broken.setdefault(why, []).append((row, col))
    for why, places in broken.items():
        cells = [f"{column_letter(c)}{r}" for r, c in places]
        listed = ", ".join(cells[:4]) + (f" and {len(cells) - 4} more" if len(cells) > 4 else "")
        plural = "s" if len(cells) > 1 else ""
        why = why.replace("refers to", "refer to") if plural else why
        issues.append(Issue("broken_formula", f"The formula{plural} in {listed} {why}; restore that table, or "
                            f"re-enter the formula{plural} or rebuild the Dashboard ({_FIX_NEW}).", board.name,
                            places[0][0], column_letter(places[0][1])))
    return issues


def _named_cell_issues(package: Package, board: SheetPart, formulas: Mapping, cell: Mapping) -> list[Issue]:
    target = package.defined_names.get(cell["name"], "")
    match = re.match(r"^(?:'?(.+?)'?!)?\$?([A-Z]+)\$?([0-9]+)$", target.strip())
    expected = cell["formula"]
    if cell.get("kind") == "udf":
        name = expected.lstrip("=").split("(", 1)[0]
        expected = expected.replace("{args}", ",".join(f"{t}[#All]" for t in layout().function(name).args))
    if not match:
        return [Issue("missing_name", f"The Dashboard's '{cell['label']}' cell has lost its name {cell['name']}; "
                      f"select the cell and type {cell['name']} in the Name Box ({_FIX_NEW}).", board.name)]
    row, col = int(match.group(3)), column_number(match.group(2))
    if (row, col) in formulas:
        return []
    return [Issue("formula_replaced", f"The Dashboard's '{cell['label']}' cell ({match.group(2)}{row}) holds a "
                  f"typed value or nothing where its formula belongs; enter {expected} there.",
                  board.name, row, match.group(2))]


# ---------------------------------------------------------------------------------------
# The xlwings version the macros came from

def xlwings_version_issues(path: str | Path, installed: Optional[str] = None) -> list[Issue]:
    """A warning when the xlwings that built the workbook (its macros load that version's
    DLL) is not the installed one.  Says nothing for a workbook that did not record it."""
    from .xlwings_parts import installed_xlwings_version, recorded_xlwings_version

    built = recorded_xlwings_version(path)
    if built is None:
        return []
    try:
        installed = installed or installed_xlwings_version()
    except WorkbookError:
        return []
    if built == installed:
        return []
    name = Path(path).name
    new = Path(path).stem + "_new" + Path(path).suffix
    return [Issue("xlwings_version", f"{name} was built with xlwings {built}, but xlwings {installed} is installed: "
                  f"its macros load the xlwings {built} DLL, so Excel would say \"Could not load "
                  f"xlwings64-{built}.dll\" when a button or Import functions runs. `xlrebalance new {new} --from "
                  f"{name}` fixes it: a new workbook with your tables and the installed xlwings' macros.",
                  severity=Severity.WARNING)]


# ---------------------------------------------------------------------------------------
# Values no portfolio has (the parser accepts any finite number)

#: A money amount or share count at or beyond this size is a typing or unit error.
HUGE = 1e12
_MAGNITUDE_TYPES = {"money", "shares", "number"}


def implausible_values(tables: Mapping[str, Any], header_rows: Optional[Mapping[str, int]] = None) -> list[Issue]:
    """Numbers too large to be real in the money/share columns of the read tables."""
    issues = []
    rows_at = {normalize_header(k): v for k, v in (header_rows or {}).items()}
    for name, data in tables.items():
        try:
            spec = layout().table(name)
        except KeyError:
            continue
        if not data or not isinstance(data, (list, tuple)):
            continue
        header = [normalize_header(h) if isinstance(h, str) else "" for h in data[0]]
        watched = {i: c for i, key in enumerate(header) for c in spec.columns
                   if c.key == key and c.type in _MAGNITUDE_TYPES}
        first = rows_at.get(normalize_header(name), 1)
        shortest = min(map(len, data)) if watched else 0
        found = sorted((offset, order, value, column) for order, (i, column) in enumerate(watched.items())
                       for offset, value in _huge_cells(data, i, shortest))
        for offset, _, value, column in found:     # row by row, columns in table order
            issues.append(Issue("huge_number", f"'{column.name}' is {value:.4g}, too large to be a real "
                                f"{'share count' if column.type == 'shares' else 'amount'}; check the cell "
                                "(a unit or paste error?) and type the real number.", spec.name,
                                first + offset, column.name))
    return issues


def _huge_cells(data: Sequence[Sequence[Any]], i: int, shortest: int) -> list[tuple[int, Any]]:
    """(offset, value) of the data rows (offset 1 = first row after the header) whose cell
    ``i`` is a number (int or float, not bool) of magnitude at least ``HUGE``.

    One comprehension per column instead of a loop over every cell: 100,000 lots are
    200,000 cells, almost never huge.  A float strictly between -HUGE and HUGE is skipped at
    once; every other value (NaN, ints, text, dates...) gets the full test."""
    values = list(map(itemgetter(i), data)) if i < shortest else [row[i] if i < len(row) else None for row in data]
    values[0] = None                # the header
    low, high = -HUGE, HUGE
    return [(offset, value) for offset, value in enumerate(values)
            if not (value.__class__ is float and low < value < high) and _is_huge(value)]


def _is_huge(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= HUGE
