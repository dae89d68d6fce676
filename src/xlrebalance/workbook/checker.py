"""Read-only structure check of a workbook file, before any of its data is trusted.

Two steps, both read-only (the file is opened for reading only and never saved):

1. ``open_package``: is the file a safe, intact Excel package?  A zip (not an old .xls or a
   renamed text file), no member larger than a sane limit or compressed suspiciously well
   (a zip bomb), every member's checksum intact (a corrupt zip), and no XML document type
   declaration in any part (an XML "billion laughs" bomb: Office files never declare one).
   Only then are the workbook, relationship and table parts read, giving a ``Package``.
2. ``check_structure``: does the workbook still follow the layout registry?  Every
   registry table is an Excel Table (ListObject) with the registry's columns; the formula
   columns of an input table (Holdings' Asset class, Price, Value) still hold formulas, not
   typed values; the Dashboard's formulas are present; no merged cells inside a table; no
   formula refers to a deleted table or says ``#REF!``.  Cell formulas are read with
   openpyxl in read-only mode, and only on the sheets that must hold formulas.

Every problem is an ``Issue`` naming the sheet (in ``Issue.table``), row and column and
saying what to do.  Nothing here raises on a bad file.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional
from xml.etree import ElementTree

from ..core.model import Issue, Severity
from ..spec import TableSpec, layout, normalize_header

#: A member larger than this (uncompressed bytes) is refused: a 100,000-lot sheet is ~20 MB.
MAX_PART_BYTES = 256 * 2**20
#: All members together, uncompressed.
MAX_TOTAL_BYTES = 512 * 2**20
#: A member over ``RATIO_FLOOR_BYTES`` that expands more than this many times is a zip bomb.
MAX_RATIO = 250
RATIO_FLOOR_BYTES = 2**20
MAX_MEMBERS = 10_000
#: How much of each XML part's beginning is searched for a document type declaration.
PROLOG_BYTES = 64 * 1024
#: The largest file accepted at all (compressed bytes on disk).
MAX_FILE_BYTES = 200 * 2**20

_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")
# Table[...] in a formula; the name may not follow a letter, digit, dot or underscore.
_STRUCTURED_REF = re.compile(r"(?<![\w.])([A-Za-z_\\][\w.]*)\[")
_FIX_NEW = "`xlrebalance new NEW.xlsm` writes a fresh template to copy it from"


@dataclass(frozen=True)
class TablePart:
    """An Excel Table (ListObject) as the file defines it.  Rows and columns are 1-based
    sheet positions; ``last_row`` excludes a totals row."""

    name: str
    sheet: str
    ref: str
    header_row: int
    last_row: int
    first_col: int
    columns: tuple[str, ...]

    def column_number(self, name: str) -> Optional[int]:
        """The sheet column (1-based) of the table column ``name`` (case-/space-insensitive)."""
        key = normalize_header(name)
        for offset, column in enumerate(self.columns):
            if normalize_header(column) == key:
                return self.first_col + offset
        return None

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.columns) - 1


@dataclass(frozen=True)
class SheetPart:
    name: str
    part: str                      # zip member, e.g. xl/worksheets/sheet6.xml
    tables: tuple[TablePart, ...]


@dataclass(frozen=True)
class Package:
    """What the workbook's parts say: its sheets, their tables and the defined names."""

    path: str
    sheets: tuple[SheetPart, ...]
    defined_names: Mapping[str, str]

    def sheet(self, name: str) -> Optional[SheetPart]:
        key = name.strip().lower()
        return next((s for s in self.sheets if s.name.strip().lower() == key), None)

    def table(self, name: str) -> Optional[TablePart]:
        key = normalize_header(name)
        return next((t for s in self.sheets for t in s.tables if normalize_header(t.name) == key), None)

    @property
    def tables(self) -> tuple[TablePart, ...]:
        return tuple(t for s in self.sheets for t in s.tables)


def column_letter(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def parse_ref(ref: str) -> tuple[int, int, int, int]:
    """'B2:F13' -> (first_row, first_col, last_row, last_col), 1-based."""
    corners = [_CELL_REF.match(part.strip()) for part in ref.split(":")]
    if not corners or any(c is None for c in corners) or len(corners) > 2:
        raise ValueError(f"not a cell range: {ref!r}")
    (c1, r1), (c2, r2) = [(column_number(m.group(1)), int(m.group(2))) for m in (corners[0], corners[-1])]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _file_issue(code: str, message: str) -> Issue:
    return Issue(code, message)


# ---------------------------------------------------------------------------------------
# Step 1: the package

def open_package(path: str | Path) -> tuple[Optional[Package], list[Issue]]:
    """Check the file is a safe, intact workbook package and read its parts.

    Returns ``(package, issues)``; ``package`` is None when the file cannot be read safely.
    """
    path = Path(path)
    problem = _file_problem(path)
    if problem:
        return None, [problem]
    try:
        with zipfile.ZipFile(path) as archive:
            issues = _zip_problems(archive)
            if issues:
                return None, issues
            return _read_parts(archive, str(path))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
            NotImplementedError, RuntimeError) as error:
        return None, [_file_issue("corrupt_file", f"{path.name} is damaged and cannot be read as a workbook "
                                  f"({_short(error)}); open it in Excel and save a repaired copy, or restore "
                                  "it from a backup.")]


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) < 120 else text[:117] + "..."


def _file_problem(path: Path) -> Optional[Issue]:
    if not path.exists():
        return _file_issue("file_not_found", f"{path} does not exist; check the path.")
    if path.is_dir():
        return _file_issue("not_a_file", f"{path} is a folder; give a workbook file (.xlsx or .xlsm).")
    size = path.stat().st_size
    if size == 0:
        return _file_issue("empty_file", f"{path.name} is empty (0 bytes); restore it from a backup or "
                           "build a new one with `xlrebalance new`.")
    if size > MAX_FILE_BYTES:
        return _file_issue("file_too_large", f"{path.name} is {size / 2**20:,.0f} MB, more than the "
                           f"{MAX_FILE_BYTES / 2**20:,.0f} MB a portfolio workbook can sensibly be; check it is "
                           "the right file.")
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_OLE2_MAGIC):
        return _file_issue("not_xlsx", f"{path.name} is a password-protected workbook or an old-format .xls; "
                           "open it in Excel, remove the password (File > Info > Protect Workbook) and save "
                           "it as .xlsm or .xlsx.")
    if not head.startswith(b"PK"):
        kind = _guess_kind(head)
        return _file_issue("not_a_workbook", f"{path.name} is not an Excel workbook{kind}; an .xlsx/.xlsm file "
                           "is a zip package. Check you picked the right file, or save it from Excel as .xlsm.")
    if not zipfile.is_zipfile(path):
        return _file_issue("corrupt_zip", f"{path.name} starts like an Excel file but its zip directory is "
                           "missing or cut off (an interrupted copy or download?); restore it from a backup.")
    return None


def _guess_kind(head: bytes) -> str:
    kinds = {b"%PDF": " (it is a PDF)", b"<htm": " (it is a web page)", b"<!DO": " (it is a web page)",
             b"<?xm": " (it is an XML file)", b"\x89PNG": " (it is a PNG image)", b"\xff\xd8\xff": " (it is a JPEG image)"}
    for magic, kind in kinds.items():
        if head.lower().startswith(magic.lower()):
            return kind
    try:
        head.decode("utf-8")
        return " (it looks like a text or CSV file)"
    except UnicodeDecodeError:
        return ""


def _zip_problems(archive: zipfile.ZipFile) -> list[Issue]:
    name = Path(archive.filename or "workbook").name
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        return [_file_issue("zip_bomb", f"{name} holds {len(members):,} parts, far more than a workbook has; "
                            "it is refused as unsafe.")]
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_PART_BYTES or total > MAX_TOTAL_BYTES or (
                info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO):
            return [_file_issue("zip_bomb", f"{name}: the part {info.filename} would expand to "
                                f"{info.file_size / 2**20:,.0f} MB ({ratio:,.0f} times its stored size), the mark "
                                "of a zip bomb; the file is refused as unsafe. Rebuild the workbook from a "
                                "trusted copy.")]
    names = {info.filename for info in members}
    if "xl/workbook.xml" not in names and not any(n.endswith("/workbook.xml") for n in names):
        kind = " (a Word document?)" if any(n.startswith("word/") for n in names) else ""
        return [_file_issue("not_a_workbook", f"{name} is a zip file but not an Excel workbook{kind}: it has no "
                            "xl/workbook.xml. Check you picked the right file.")]
    broken = _damaged_member(archive)
    if broken is not None:
        return [_file_issue("corrupt_zip", f"{name} is damaged: the part {broken} fails its checksum. Open it in "
                            "Excel to repair it, or restore it from a backup.")]
    for info in members:
        if info.filename.endswith((".xml", ".rels", ".vml")) and _declares_dtd(archive, info):
            return [_file_issue("xml_bomb", f"{name}: the part {info.filename} declares an XML document type "
                                "(entities), which Excel never writes and an 'XML bomb' uses; the file is refused "
                                "as unsafe. Rebuild the workbook from a trusted copy.")]
    return []


def _damaged_member(archive: zipfile.ZipFile) -> Optional[str]:
    """The first member whose data does not decompress or fails its CRC, else None."""
    for info in archive.infolist():
        try:
            with archive.open(info) as part:
                while part.read(1 << 20):
                    pass
        except (zipfile.BadZipFile, zlib.error, EOFError):
            return info.filename
    return None


def _declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    with archive.open(info) as part:
        head = part.read(PROLOG_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "replace").encode("utf-8", "replace")
    return bool(_DTD.search(head))


def _xml(archive: zipfile.ZipFile, member: str) -> Optional[ElementTree.Element]:
    try:
        return ElementTree.fromstring(archive.read(member))
    except KeyError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Optional[ElementTree.Element], name: str) -> list[ElementTree.Element]:
    if element is None:
        return []
    return [e for e in element.iter() if _local(e.tag) == name]


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id -> target member for ``part``."""
    folder, base = posixpath.split(part)
    root = _xml(archive, posixpath.join(folder, "_rels", base + ".rels"))
    out = {}
    for rel in _children(root, "Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = resolved
    return out


def _read_parts(archive: zipfile.ZipFile, path: str) -> tuple[Optional[Package], list[Issue]]:
    try:
        workbook_part = "xl/workbook.xml"
        root = _xml(archive, workbook_part)
        rels = _rels(archive, workbook_part)
        sheets = []
        for sheet in _children(root, "sheet"):
            name = sheet.get("name", "")
            part = rels.get(sheet.get(f"{{{_RELS_NS}}}id", ""), "")
            sheets.append(SheetPart(name, part, _sheet_tables(archive, name, part)))
        names = {d.get("name", ""): (d.text or "") for d in _children(root, "definedName")}
    except ElementTree.ParseError as error:
        return None, [_file_issue("corrupt_xml", f"{Path(path).name} has a damaged part ({_short(error)}); open "
                                  "it in Excel to repair it, or restore it from a backup.")]
    return Package(path, tuple(sheets), names), []


def _sheet_tables(archive: zipfile.ZipFile, sheet: str, part: str) -> tuple[TablePart, ...]:
    if not part:
        return ()
    out = []
    for target in _rels(archive, part).values():
        if not re.search(r"/tables/[^/]+\.xml$", target):
            continue
        root = _xml(archive, target)
        if root is None:
            continue
        try:
            first_row, first_col, last_row, _ = parse_ref(root.get("ref", ""))
        except ValueError:
            continue
        header_rows = int(root.get("headerRowCount", "1") or 1)
        totals = int(root.get("totalsRowCount", "0") or 0)
        columns = tuple(c.get("name", "") for c in _children(root, "tableColumn"))
        header = first_row if header_rows else first_row - 1
        out.append(TablePart(root.get("displayName") or root.get("name", ""), sheet, root.get("ref", ""),
                             header, last_row - totals, first_col, columns))
    return tuple(out)


def merged_ranges(path: str | Path, sheet: SheetPart) -> list[str]:
    """The merged ranges of a sheet, read from the end of its XML without parsing the cells."""
    found: list[bytes] = []
    tail = b""
    with zipfile.ZipFile(path) as archive, archive.open(sheet.part) as stream:
        while True:
            chunk = stream.read(1 << 20)
            if not chunk:
                break
            window = tail + chunk
            found += _MERGE_REF.findall(window)
            cut = window.rfind(b"<")
            tail = window[cut:] if cut >= 0 and len(window) - cut < 512 else b""
    return list(dict.fromkeys(ref.decode("ascii") for ref in found))


# ---------------------------------------------------------------------------------------
# Step 2: the registry's structure


def check_structure(package: Package) -> list[Issue]:
    """Every structural problem of a readable package, against the layout registry."""
    issues: list[Issue] = []
    for spec in layout().tables:
        issues += _table_issues(package, spec)
    issues += _merged_issues(package)
    try:
        issues += _formula_issues(package)
    except Exception as error:  # openpyxl may raise anything on a malformed part
        issues.append(_file_issue("unreadable_formulas", f"The formulas of {Path(package.path).name} cannot be "
                                  f"read ({_short(error)}); open it in Excel and save it again."))
    return issues


def _table_issues(package: Package, spec: TableSpec) -> list[Issue]:
    table = package.table(spec.name)
    severity = Severity.ERROR if spec.required else Severity.WARNING
    needed = ", ".join(c.name for c in spec.columns if c.required)
    if table is None:
        sheet = package.sheet(spec.sheet)
        if sheet is None:
            effect = "" if spec.required else " (it is optional: without it the answers assume it is empty)"
            return [Issue("missing_sheet", f"The workbook has no '{spec.sheet}' sheet{effect}; add the sheet "
                          f"with an Excel table named {spec.name} (columns {needed}); {_FIX_NEW}.",
                          spec.sheet, None, None, severity)]
        others = ", ".join(t.name for t in sheet.tables)
        seen = f" (it has the table{'s' if len(sheet.tables) > 1 else ''} {others}: rename the right one)" if others else ""
        return [Issue("missing_table", f"The sheet '{sheet.name}' has no Excel table named {spec.name}{seen}; "
                      f"select the data including the header row, Insert > Table, then name it {spec.name} "
                      "(Table Design > Table Name).", spec.sheet, 1, None, severity)]
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
        for ref in merged_ranges(package.path, sheet):
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
    from openpyxl import load_workbook  # read-only: the file is never saved

    wanted = [t for t in {c["table"] for c in formula_columns()} if package.table(t)]
    board = package.sheet(dashboard_config().get("sheet", "Dashboard")) if dashboard_config() else None
    if not wanted and board is None:
        return []
    book = load_workbook(package.path, read_only=True, data_only=False, keep_links=False)
    try:
        issues: list[Issue] = []
        for name in sorted(wanted):
            issues += _formula_column_issues(book, package, package.table(name))
        if board is not None:
            issues += _dashboard_issues(book, package, board)
        return issues
    finally:
        book.close()


def formula_text(value: Any) -> Optional[str]:
    """The formula of a cell value as openpyxl reads it ('=...' or an ArrayFormula), else None."""
    text = getattr(value, "text", None)
    if isinstance(text, str):
        value = text
    if isinstance(value, str) and value.startswith("=") and len(value) > 1:
        return value
    return None


def _formula_column_issues(book, package: Package, table: TablePart) -> list[Issue]:
    issues = []
    sheet = book[table.sheet]
    for column in (c for c in formula_columns() if normalize_header(c["table"]) == normalize_header(table.name)):
        number = table.column_number(column["name"])
        expected = column["formula"]
        if number is None:
            issues.append(Issue("missing_formula_column", f"The {table.name} table has lost its '{column['name']}' "
                                f"formula column; add it back with the formula {expected} ({_FIX_NEW}).",
                                table.sheet, table.header_row, column["name"]))
            continue
        typed, broken = [], []
        cells = sheet.iter_rows(min_row=table.header_row + 1, max_row=table.last_row, min_col=number,
                                max_col=number, values_only=True)
        for row, (value,) in enumerate(cells, start=table.header_row + 1):
            formula = formula_text(value)
            if formula is None and value not in (None, ""):
                typed.append(row)
            elif formula is not None and _broken(formula, package):
                broken.append((row, _broken(formula, package)))
        if typed:
            rows = _rows_text(typed)
            issues.append(Issue("formula_replaced", f"'{column['name']}' in {rows} of the {table.name} table holds a "
                                f"typed value where the formula belongs, so it no longer follows the inputs; "
                                f"select the column's cells and enter {expected} (Excel fills the column).",
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
    known = {normalize_header(t.name) for t in package.tables}
    for name in _STRUCTURED_REF.findall(_without_strings(formula)):
        if normalize_header(name) not in known:
            return f"refers to a table named {name} that the workbook does not have"
    return None


def _without_strings(formula: str) -> str:
    return re.sub(r'"[^"]*"', '""', formula)


def _dashboard_issues(book, package: Package, board: SheetPart) -> list[Issue]:
    config = dashboard_config()
    formulas = _sheet_formulas(book[board.name])
    issues = []
    for cell in config.get("cells", ()):
        issues += _named_cell_issues(package, board, formulas, cell)
    for block in config.get("blocks", ()):
        function = layout().function(block["function"])
        pattern = re.compile(rf"(?<![\w.])(?:_xludf\.)?{re.escape(function.name)}\(", re.IGNORECASE)
        if not any(pattern.search(text) for text in formulas.values()):
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


def _sheet_formulas(sheet) -> dict[tuple[int, int], str]:
    out = {}
    for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        for c, value in enumerate(row, start=1):
            text = formula_text(value)
            if text:
                out[(r, c)] = text
    return out


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
        for offset, row in enumerate(data[1:], start=1):
            for i, column in watched.items():
                value = row[i] if i < len(row) else None
                if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) >= HUGE:
                    issues.append(Issue("huge_number", f"'{column.name}' is {value:.4g}, too large to be a real "
                                        f"{'share count' if column.type == 'shares' else 'amount'}; check the cell "
                                        "(a unit or paste error?) and type the real number.", spec.name,
                                        first + offset, column.name))
    return issues
