"""Read a workbook's data to carry it into a new one: every registry table with its extra
columns and the formulas typed in its data cells, and what cannot be carried.

    book = read_book("Yesterday.xlsm")     # read-only; never raises on a damaged layout
    book.tables      # {table: rows, header first}: values as typed, formulas as cells.Formula
    book.values()    # the same with each Formula's last computed value (for the parser)
    book.issues      # every problem of the old workbook, and each formula carried as a value
    book.not_carried # cells of the old workbook the new one will not have

The tables are found as the checker and ``check`` find them (Excel Tables by name, else
the sheet of the same name), for every table of the registry: a table added to the
layout is carried without a change here.  Headers renamed since an older layout are read
with today's names (``migrate``).  Nothing here writes to the file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional

from ..cells import Formula, is_blank, plain
from ..core.model import Issue, Severity
from ..errors import WorkbookError
from ..spec import layout, normalize_header
from ..workbook import dashboard
from ..workbook.builder import extra_columns, formula_columns
from ..workbook.checker import check_structure
from ..workbook.formulas import cell_positions, sheet_formulas
from ..workbook.package import Package, SheetPart, column_letter, open_package
from ..workbook.reader import read_tables
from .formulas import TablePlace, Target, carried_formula
from .migrate import migrate, renames

#: Sheets of the old workbook that the new one rebuilds from the layout (not carried).
CONF_SHEET = "xlwings.conf"
_LOGICALS = {"=TRUE()": True, "=FALSE()": False}
#: A sheet spreading over more cells than this is not loaded to list what lies outside its table.
MAX_GRID_CELLS = 2_000_000


@dataclass(frozen=True)
class NotCarried:
    """A cell (or a whole sheet's range) of the old workbook the new one does not have."""

    sheet: str
    cell: str            # "F12", or "A1:H40" for a sheet left out
    reason: str
    value: Any = None

    def __str__(self) -> str:
        shown = "" if self.value is None else f" ({_shown(self.value)})"
        return f"{self.sheet}!{self.cell}{shown}: {self.reason}"


@dataclass(frozen=True)
class Book:
    """What ``read_book`` found in one workbook file."""

    path: Path
    tables: dict[str, list[list[Any]]]
    header_rows: dict[str, int] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    not_carried: tuple[NotCarried, ...] = ()
    formulas: tuple[str, ...] = ()                  # cells carried as formulas, e.g. "Lots!G7"
    renamed: tuple[str, ...] = ()                   # one sentence per migrated header or key
    xlwings_conf: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, list[list[Any]]]:
        """The tables with each ``Formula`` replaced by its last computed value."""
        return {name: [[plain(v) for v in row] for row in rows] if _has_formula(rows) else rows
                for name, rows in self.tables.items()}

    def extra_columns(self) -> dict[str, tuple[str, ...]]:
        """{table: names of the columns the registry does not have} (carried at the right;
        a table whose columns are its data, such as Returns, has none to report)."""
        out = {}
        for spec in layout().tables:
            rows = None if spec.open_columns else self.tables.get(spec.name)
            names = tuple(name for _, name in extra_columns(spec, rows[0])) if rows else ()
            if names:
                out[spec.name] = names
        return out


def _has_formula(rows) -> bool:
    return any(type(v) is Formula for row in rows for v in row)


def read_book(path: str | Path) -> Book:
    """Every registry table of the workbook at ``path``, as ``Book`` describes.

    A workbook whose layout is broken (a missing table, a damaged Dashboard) is read as far
    as its data goes, and its problems are in ``issues``.  ``WorkbookError`` only when no
    data can be read at all (not a workbook, password-protected, damaged beyond reading).
    """
    path = Path(path)
    package, issues = open_package(path)
    if package is None:
        raise WorkbookError("; ".join(i.message for i in issues) or f"{path.name} cannot be read as a workbook")
    issues += check_structure(package)
    found = read_tables(path, package)
    tables, renamed = migrate(found.tables)
    tables = {name: rows for name, rows in tables.items()}
    formulas: list[str] = []
    not_carried: list[NotCarried] = []
    target = _target(tables)
    for spec in layout().tables:
        if spec.name in tables:
            place = _place(spec.name, tables[spec.name], found, package)
            if place is not None:
                _carry_formulas(path, package, place, found.header_rows[spec.name], tables[spec.name],
                                target, formulas, issues, not_carried)
    not_carried += _outside_tables(path, package, found)
    tables = {name: _without_blank_columns(rows) for name, rows in tables.items()}
    return Book(path=path, tables=tables, header_rows=dict(found.header_rows), sheets=dict(found.sheets),
                issues=tuple(issues), not_carried=tuple(not_carried), formulas=tuple(formulas),
                renamed=tuple(renamed), xlwings_conf=_xlwings_conf(path, package))


def _without_blank_columns(rows: list[list[Any]]) -> list[list[Any]]:
    """``rows`` without the columns that have neither a header nor a value (a plain sheet
    read from column A has them left of and between its columns)."""
    if not rows:
        return rows
    width = max(len(r) for r in rows)
    blank = [i for i in range(width) if all(i >= len(r) or is_blank(r[i]) for r in rows)]
    if not blank:
        return rows
    keep = [i for i in range(width) if i not in set(blank)]
    return [[r[i] if i < len(r) else None for i in keep] for r in rows]


# ---------------------------------------------------------------------------------------
# Formulas typed in data cells


def _new_columns(name: str, header: list[Any]) -> dict[int, Optional[str]]:
    """Old header position -> the column's name in the new table."""
    spec = layout().table(name)
    names: dict[str, str] = {c.key: c.name for c in spec.columns}
    names.update({normalize_header(f.name): f.name for f in formula_columns(spec.name)})
    out: dict[int, Optional[str]] = {}
    for i, raw in enumerate(header):
        key = normalize_header(raw) if raw is not None else ""
        if key in names:
            out[i] = names.pop(key)
    out.update(dict(extra_columns(spec, header)))
    return out


def _target(tables: Mapping[str, list[list[Any]]]) -> Target:
    """The tables, columns and names the new workbook will have."""
    new_tables = {}
    for spec in layout().tables:
        rows = tables.get(spec.name)
        columns = {c.key: c.name for c in spec.columns}
        columns.update({normalize_header(f.name): f.name for f in formula_columns(spec.name)})
        if rows:
            columns.update({normalize_header(n): n for _, n in extra_columns(spec, rows[0])})
        new_tables[normalize_header(spec.name)] = (spec.name, columns)
    renamed: dict[str, dict[str, str]] = {}
    for rename in renames():
        if rename.kind == "column":
            for was in rename.was:
                renamed.setdefault(normalize_header(rename.table), {})[normalize_header(was)] = rename.now
    names = frozenset(normalize_header(c["name"]) for c in dashboard.config().get("cells", ()) if "name" in c)
    return Target(new_tables, names, renamed)


def _place(name: str, rows: list[list[Any]], found, package: Package) -> Optional[TablePlace]:
    sheet = found.sheets[name]
    header = rows[0] if rows else []
    if found.found_by.get(name) == "table":
        part = package.table(name)
        if part is None:
            return None
        first, old_name = part.first_col, part.name
    else:
        first, old_name = 1, None       # a plain sheet is read from column A
    columns = {first + i: new for i, new in _new_columns(name, header).items()}
    return TablePlace(name, sheet, old_name, columns)


def _carry_formulas(path: Path, package: Package, place: TablePlace, header_row: int, rows: list[list[Any]],
                    target: Target, carried: list[str], issues: list[Issue], lost: list[NotCarried]) -> None:
    """Put a ``Formula`` in each data cell whose formula the new workbook can hold; the
    others keep their value and get a warning.  Formula columns of the registry (rebuilt
    by the new workbook) are skipped, and a value typed over one of them is reported."""
    sheet = package.sheet(place.sheet)
    if sheet is None or len(rows) < 2:
        return
    first_col = min(place.columns) if place.columns else 1
    span = (header_row + 1, header_row + len(rows) - 1)
    found = sheet_formulas(path, sheet, rows=span, columns=(first_col, first_col + len(rows[0]) - 1))
    rebuilt = {normalize_header(f.name): f.name for f in formula_columns(place.table)}
    rebuilt_at = {col for col, name in place.columns.items() if name and normalize_header(name) in rebuilt}
    for (row, col), formula in found.items():
        if col in rebuilt_at:
            continue
        index, at = row - header_row, col - first_col
        values = rows[index]
        if at >= len(values):
            continue
        if formula.text.upper() in _LOGICALS:     # TRUE typed in LibreOffice is saved as =TRUE()
            values[at] = _LOGICALS[formula.text.upper()]
            continue
        text, reason = carried_formula(formula, place, target)
        if text is not None:
            values[at] = Formula(text, values[at])
            carried.append(f"{place.sheet}!{formula.cell}")
        else:
            column = place.columns.get(col) or column_letter(col)
            issues.append(Issue("formula_as_value", f"{place.sheet}!{formula.cell} holds {formula.text}, carried as "
                                f"its last value ({_shown(values[at])}) because {reason}; type the formula again "
                                "in the new workbook if you need it.", place.sheet, row, column, Severity.WARNING))
    for col in sorted(rebuilt_at):
        at = col - first_col
        for index, values in enumerate(rows[1:], start=1):
            if at < len(values) and not is_blank(values[at]) and (header_row + index, col) not in found:
                lost.append(NotCarried(place.sheet, f"{column_letter(col)}{header_row + index}",
                                       f"typed over the {place.columns[col]} formula, which the new workbook has "
                                       "again", values[at]))


# ---------------------------------------------------------------------------------------
# Cells and sheets outside the tables


def generated_sheets() -> set[str]:
    """The sheets the builder writes anew that hold no input table (the Dashboard, Start here,
    the answer sheets, xlwings.conf), lower case: nothing on them is the user's to carry."""
    tables = {spec.sheet.strip().lower() for spec in layout().tables}
    listed = {name.strip().lower() for name in layout().raw["workbook"]["sheet_order"]}
    return (listed - tables) | {dashboard.sheet_name().strip().lower(), CONF_SHEET}


def _outside_tables(path: Path, package: Package, found) -> list[NotCarried]:
    """Cells of table sheets outside their table, and sheets that hold no registry table.
    A sheet is loaded only when its declared used range goes beyond its table."""
    table_sheets = {sheet.strip().lower(): name for name, sheet in found.sheets.items()}
    rebuilt = generated_sheets()
    out: list[NotCarried] = []
    grids = _Grids(path)
    try:
        for sheet in package.sheets:
            key = sheet.name.strip().lower()
            used = sheet.extent
            if key in rebuilt or not sheet.part or not used.last_row:
                continue
            if key not in table_sheets:
                out += _sheet_left_out(sheet, grids)
                continue
            table = table_sheets[key]
            box = _table_range(table, found, package)
            if (used.first_row >= box[0] and used.first_col >= box[1] and used.last_row <= box[2]
                    and used.last_col <= box[3]):
                continue
            out += _outside(sheet, table, box, grids)
    finally:
        grids.close()
    return out


def _sheet_left_out(sheet: SheetPart, grids: "_Grids") -> list[NotCarried]:
    cells = grids.cells(sheet)
    if not cells:
        return []
    extent = sheet.extent
    return [NotCarried(sheet.name, f"{column_letter(extent.first_col)}{extent.first_row}:{extent.last_cell}",
                       f"the sheet holds no table of the layout; its {len(cells)} cells are not carried (copy them "
                       "by hand if you need them)")]


def _outside(sheet: SheetPart, table: str, box: tuple[int, int, int, int], grids: "_Grids") -> list[NotCarried]:
    first_row, first_col, last_row, last_col = box
    out = []
    for row, col in grids.cells(sheet):
        if not (first_row <= row <= last_row and first_col <= col <= last_col):
            out.append(NotCarried(sheet.name, f"{column_letter(col)}{row}", f"outside the {table} table",
                                  grids.value(sheet, row, col)))
    return out


class _Grids:
    """The old workbook's sheets read from A1, each loaded once, on first use.  A sheet whose
    cells spread over more than ``MAX_GRID_CELLS`` is not loaded (a stray cell far away
    would cost gigabytes): its cells are then located in its XML, without their values."""

    def __init__(self, path: Path):
        self.path, self.book, self.loaded = path, None, {}

    def grid(self, sheet: SheetPart) -> Optional[list[list[Any]]]:
        import python_calamine as calamine

        if sheet.extent.last_row * sheet.extent.last_col > MAX_GRID_CELLS:
            return None
        if sheet.name not in self.loaded:
            if self.book is None:
                self.book = calamine.CalamineWorkbook.from_path(str(self.path))
            self.loaded[sheet.name] = self.book.get_sheet_by_name(sheet.name).to_python(skip_empty_area=False)
        return self.loaded[sheet.name]

    def cells(self, sheet: SheetPart) -> list[tuple[int, int]]:
        """(row, column), 1-based, of the sheet's non-blank cells."""
        grid = self.grid(sheet)
        if grid is None:
            return cell_positions(self.path, sheet)
        return [(r + 1, c + 1) for r, row in enumerate(grid) for c, value in enumerate(row) if not is_blank(value)]

    def value(self, sheet: SheetPart, row: int, col: int) -> Any:
        grid = self.grid(sheet)
        return None if grid is None else grid[row - 1][col - 1]

    def close(self) -> None:
        if self.book is not None:
            self.book.close()


def _table_range(table: str, found, package: Package) -> tuple[int, int, int, int]:
    rows = found.tables[table]
    width = max((len(r) for r in rows), default=1)
    header_row = found.header_rows[table]
    if found.found_by.get(table) == "table":
        part = package.table(table)
        if part is not None:
            return part.header_row, part.first_col, part.last_row, part.last_col
    return header_row, 1, header_row + len(rows) - 1, width


def _xlwings_conf(path: Path, package: Optional[Package] = None) -> dict[str, Any]:
    """The key/value rows of the old workbook's xlwings.conf sheet (from A1 down to the first
    blank row, as xlwings reads them).  A sheet whose cells reach far away (a stray cell) is
    not loaded: python-calamine would allocate its whole rectangle."""
    import python_calamine as calamine

    conf = package.sheet(CONF_SHEET) if package is not None else None
    if conf is not None and conf.extent.last_row * conf.extent.last_col > MAX_GRID_CELLS:
        return {}

    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except Exception:   # the data was read already; a missing conf sheet is no problem
        return {}
    try:
        names = {n.strip().lower(): n for n in book.sheet_names}
        if CONF_SHEET not in names:
            return {}
        grid = book.get_sheet_by_name(names[CONF_SHEET]).to_python(skip_empty_area=False)
    except Exception:
        return {}
    finally:
        book.close()
    out = {}
    for row in grid:
        if not row or is_blank(row[0]):
            break
        out[str(row[0]).strip()] = row[1] if len(row) > 1 else None
    return out


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "blank"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
