"""A workbook file as a package: is it safe to open, and what do its parts say?

``open_package`` checks, reading only: a zip (not an old .xls or a renamed text file), no
member larger than a sane limit or compressed suspiciously well (a zip bomb), every
member's data intact (a corrupt zip), and no XML document type declaration in any part
(an XML "billion laughs" bomb: Office files never declare one).  Only then are the
workbook, relationship and table parts read, giving a ``Package``: the sheets, their
Excel Tables (ListObjects), their merged ranges (found while checking the data, in the
same single pass) and the defined names.  ``sheet_cells`` reads one sheet's formulas
straight from its XML, without the shared strings, so a sheet of 100,000 lots elsewhere
in the book costs nothing.

Every problem is an ``Issue`` that says what to do.  Nothing here raises on a bad file.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Mapping, Optional
from xml.etree import ElementTree

from ..core.model import Issue
from ..spec import normalize_header

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

#: What parsing a damaged XML part can raise (a bad encoding name is a LookupError).
XML_ERRORS = (ElementTree.ParseError, LookupError, UnicodeError, ValueError)
_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_MERGE_REF = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]+)$")
# A cell's position in a worksheet's XML (the r attribute of <c>; <row r="5"> gives the
# row alone), and a cell holding an error value (t="e"): its position and the error shown.
_REF_COLUMN = re.compile(rb' r="([A-Z]{1,3})[0-9]')
_REF_ROW = re.compile(rb' r="[A-Z]{0,3}([0-9]{1,9})"')
# The search for an error cell's <v> stops at the next cell tag (opening or closing), so a
# hostile part of unclosed error cells costs one pass, not one pass per cell.
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\b[^>]*?\bt="e"[^>]*>(?:(?!</?(?:\w+:)?c[\s>/]).){0,20000}?'
                         rb'<(?:\w+:)?v>([^<]{1,32})</', re.S)
_CELL_AT = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,9})"')
#: Bytes kept from one 1 MB chunk of a worksheet to the next, so that a cell split by a
#: chunk boundary is seen whole (an error cell's formula may be up to 8,192 characters).
_CARRY = 32 * 1024


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
class SheetExtent:
    """Where a worksheet's cells lie (1-based), and its cells that show an Excel error."""

    first_row: int = 0
    first_col: int = 0
    last_row: int = 0
    last_col: int = 0
    errors: Mapping[tuple[int, int], str] = field(default_factory=dict)   # (row, col) -> "#N/A"

    @property
    def cells(self) -> int:
        """The cells of the rectangle from the first to the last cell (what a reader allocates)."""
        if not self.last_row:
            return 0
        return (self.last_row - self.first_row + 1) * (self.last_col - self.first_col + 1)

    @property
    def last_cell(self) -> str:
        return f"{column_letter(self.last_col)}{self.last_row}" if self.last_row else ""


@dataclass(frozen=True)
class SheetPart:
    name: str
    part: str                      # zip member, e.g. xl/worksheets/sheet6.xml
    tables: tuple[TablePart, ...]
    merged: tuple[str, ...] = ()   # merged ranges, e.g. ("A5:B5",)
    extent: SheetExtent = SheetExtent()

    @property
    def errors(self) -> Mapping[tuple[int, int], str]:
        return self.extent.errors


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

    @cached_property
    def table_keys(self) -> frozenset[str]:
        """The tables' names as matching keys (case- and space-insensitive)."""
        return frozenset(normalize_header(t.name) for t in self.tables)


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
            scan = _scan_members(archive)
            problem = _scan_issue(path.name, scan)
            if problem:
                return None, [problem]
            return _read_parts(archive, str(path), scan.merged, scan.extents)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
            NotImplementedError, RuntimeError) as error:
        return None, [_file_issue("corrupt_file", f"{path.name} is damaged and cannot be read as a workbook "
                                  f"({_short(error)}); open it in Excel and save a repaired copy, or restore "
                                  "it from a backup.")]


def _short(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text if len(text) < 120 else text[:117] + "..."


def _file_problem(path: Path) -> Optional[Issue]:
    try:
        return _file_kind_problem(path)
    except OSError as error:     # no permission to read it, an unreadable disk, a dead link
        why = "permission denied" if isinstance(error, PermissionError) else (error.strerror or str(error))
        return _file_issue("unreadable_file", f"{path.name} cannot be read ({why}); check that you may read it "
                           "(its permissions, or whether another program locks it), or copy it somewhere you can.")


def _file_kind_problem(path: Path) -> Optional[Issue]:
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
        kind = (" (a Word document?)" if any(n.startswith("word/") for n in names) else
                " (an OpenDocument spreadsheet: save it as .xlsx from LibreOffice)" if "content.xml" in names else "")
        return [_file_issue("not_a_workbook", f"{name} is a zip file but not an Excel workbook{kind}: it has no "
                            "xl/workbook.xml. Check you picked the right file.")]
    return []


@dataclass(frozen=True)
class _Scan:
    damaged: Optional[str] = None                  # a member whose data is damaged
    dtd: Optional[str] = None                      # an XML member that declares a DTD
    merged: Optional[Mapping[str, tuple[str, ...]]] = None   # worksheet member -> merged ranges
    extents: Optional[Mapping[str, SheetExtent]] = None      # worksheet member -> its extent


class _ExtentScan:
    """A worksheet's extent and error cells, fed its XML chunk by chunk (each chunk with
    the tail of the one before, so positions seen twice are harmless: min/max and a dict).

    Reading positions with two regular expressions costs about 0.1 s for a 24 MB sheet of
    100,000 lots; a reader told the extent beforehand never allocates for a stray cell."""

    def __init__(self):
        self.columns: set[bytes] = set()
        self.rows: set[bytes] = set()
        self.errors: dict[tuple[int, int], str] = {}

    def feed(self, window: bytes) -> None:
        self.columns.update(_REF_COLUMN.findall(window))
        self.rows.update(_REF_ROW.findall(window))
        if b't="e"' in window:
            for match in _ERROR_CELL.finditer(window):
                at = _CELL_AT.search(match.group(0))
                if at:
                    place = (int(at.group(2)), column_number(at.group(1).decode("ascii")))
                    self.errors[place] = match.group(1).decode("utf-8", "replace").strip()

    def extent(self) -> SheetExtent:
        rows = [int(r) for r in self.rows]
        columns = [column_number(c.decode("ascii")) for c in self.columns]
        if not rows or not columns:
            return SheetExtent(errors=self.errors)
        return SheetExtent(min(rows), min(columns), max(rows), max(columns), self.errors)


def _scan_members(archive: zipfile.ZipFile) -> _Scan:
    """Decompress every member once: its data intact (CRC), no DTD in an XML part's
    prolog, and each worksheet's merged ranges (found after its cells, without parsing),
    extent and error cells."""
    merged: dict[str, tuple[str, ...]] = {}
    extents: dict[str, SheetExtent] = {}
    for info in archive.infolist():
        xml = info.filename.endswith((".xml", ".rels", ".vml"))
        sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        head, tail, refs = b"", b"", []
        cells = _ExtentScan() if sheet else None
        try:
            with archive.open(info) as part:
                while chunk := part.read(1 << 20):
                    if xml and len(head) < PROLOG_BYTES:
                        head += chunk[:PROLOG_BYTES - len(head)]
                    if sheet:
                        window = tail + chunk
                        if b"mergeCell" in window:
                            refs += _MERGE_REF.findall(window)
                        cells.feed(window)
                        tail = window[-_CARRY:]
        except (zipfile.BadZipFile, zlib.error, EOFError):
            return _Scan(damaged=info.filename)
        if xml and _declares_dtd(head):
            return _Scan(dtd=info.filename)
        if refs:
            merged[info.filename] = tuple(dict.fromkeys(ref.decode("ascii") for ref in refs))
        if cells is not None:
            extents[info.filename] = cells.extent()
    return _Scan(merged=merged, extents=extents)


def _scan_issue(name: str, scan: _Scan) -> Optional[Issue]:
    if scan.damaged:
        return _file_issue("corrupt_zip", f"{name} is damaged: the part {scan.damaged} fails its checksum. Open it "
                           "in Excel to repair it, or restore it from a backup.")
    if scan.dtd:
        return _file_issue("xml_bomb", f"{name}: the part {scan.dtd} declares an XML document type (entities), "
                           "which Excel never writes and an 'XML bomb' uses; the file is refused as unsafe. "
                           "Rebuild the workbook from a trusted copy.")
    return None


def _declares_dtd(head: bytes) -> bool:
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


def _read_parts(archive: zipfile.ZipFile, path: str, merged: Mapping[str, tuple[str, ...]],
                extents: Mapping[str, SheetExtent]) -> tuple[Optional[Package], list[Issue]]:
    try:
        workbook_part = "xl/workbook.xml"
        root = _xml(archive, workbook_part)
        rels = _rels(archive, workbook_part)
        sheets = []
        for sheet in _children(root, "sheet"):
            name = sheet.get("name", "")
            part = rels.get(sheet.get(f"{{{_RELS_NS}}}id", ""), "")
            sheets.append(SheetPart(name, part, _sheet_tables(archive, name, part), merged.get(part, ()),
                                    extents.get(part, SheetExtent())))
        names = {d.get("name", ""): (d.text or "") for d in _children(root, "definedName")}
    except XML_ERRORS as error:
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


@dataclass(frozen=True)
class Cell:
    """What a sheet cell holds, as stored: its formula (without '='; '' for a cell that
    shares its column's formula) and whether it holds a typed value."""

    formula: Optional[str]
    typed: bool

    @property
    def is_formula(self) -> bool:
        return self.formula is not None


def sheet_cells(path: str | Path, sheet: SheetPart, *, columns: Optional[set[int]] = None,
                rows: Optional[tuple[int, int]] = None) -> dict[tuple[int, int], Cell]:
    """(row, column) -> ``Cell`` for the non-empty cells of ``sheet`` (1-based positions),
    optionally only those in ``columns`` and the inclusive ``rows`` range."""
    out: dict[tuple[int, int], Cell] = {}
    with zipfile.ZipFile(path) as archive, archive.open(sheet.part) as stream:
        for _, element in ElementTree.iterparse(stream, events=("end",)):
            if _local(element.tag) != "c":
                if _local(element.tag) == "row":
                    element.clear()
                continue
            match = _CELL_REF.match(element.get("r", ""))
            if match:
                row, column = int(match.group(2)), column_number(match.group(1))
                if (columns is None or column in columns) and (rows is None or rows[0] <= row <= rows[1]):
                    cell = _cell(element)
                    if cell is not None:
                        out[(row, column)] = cell
    return out


def _cell(element: ElementTree.Element) -> Optional[Cell]:
    formula, typed = None, False
    for child in element:
        name = _local(child.tag)
        if name == "f":
            formula = child.text or ""
        elif name == "v" and child.text not in (None, ""):
            typed = True
        elif name == "is":
            typed = True
    if formula is None and not typed:
        return None
    return Cell(formula, typed and formula is None)
