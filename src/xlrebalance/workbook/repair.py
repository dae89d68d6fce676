"""The known triggers of Excel's "We found a problem with some content... Do you want us to
try to recover?" that schema validation does not catch, checked on a package's XML.

Each check reads the parts directly (no spreadsheet library) and reports a ``Repair``:
the part, the rule broken and what was found.  ``repair_triggers(path)`` runs them all:

* ``table_name``: table names valid (a letter, _ or \\ first; letters, digits, _ and . after;
  not a cell reference) and unique across the workbook, defined names included;
* ``table_header``: every table's header cells hold exactly its column names;
* ``header_formula``: no formula in a table's header row;
* ``defined_name``: defined names valid, unique in their scope, not empty, their sheet index
  in range;
* ``validation_list``: a list validation's literal choices at most 255 characters;
* ``sheet_name``: sheet names at most 31 characters, none of ``[]:*?/\\``, not starting or
  ending with ', not "History", unique;
* ``style_index``: every cell, row and column style index inside ``cellXfs``, every
  conditional format's ``dxfId`` inside ``dxfs``;
* ``cell_metadata``: every ``cm`` (dynamic-array marker) pointing at a ``cellMetadata``
  block that ``xl/metadata.xml`` has.

Meant for generated workbooks (the builder's output, in CI): it trusts the file's size.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional
from xml.etree import ElementTree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAX_SHEET_NAME = 31
MAX_LIST_CHARS = 255
MAX_NAME = 255
_NAME = re.compile(r"^[A-Za-z_\\][A-Za-z0-9_.\\]*$")
_A1 = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]+$")
_R1C1 = re.compile(r"^[Rr]([0-9]*)[Cc]([0-9]*)$|^[RrCc]$")
_BAD_SHEET_CHARS = set("[]:*?/\\")
_CELL = re.compile(r"^([A-Z]+)([0-9]+)$")


@dataclass(frozen=True)
class Repair:
    """One thing Excel would repair (and so report on opening)."""

    rule: str
    part: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.part}: {self.detail}"


def _q(tag: str) -> str:
    return f"{{{MAIN}}}{tag}"


class _Book:
    """The workbook's parts, read on demand."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.names = set(archive.namelist())
        self.workbook = self.xml("xl/workbook.xml")
        self.rels = self.relations("xl/workbook.xml")

    def xml(self, part: str) -> Optional[ElementTree.Element]:
        if part not in self.names:
            return None
        return ElementTree.fromstring(self.archive.read(part))

    def relations(self, part: str) -> dict[str, str]:
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", base + ".rels"))
        if root is None:
            return {}
        return {r.get("Id", ""): posixpath.normpath(posixpath.join(folder, r.get("Target", "")))
                for r in root.iter(f"{{{PKG_RELS}}}Relationship") if r.get("TargetMode") != "External"}

    def sheets(self) -> Iterator[tuple[str, str, ElementTree.Element]]:
        """(sheet name, part, root) of every worksheet."""
        for sheet in self.workbook.iter(_q("sheet")):
            part = self.rels.get(sheet.get(f"{{{RELS}}}id", ""), "")
            root = self.xml(part)
            if root is not None and root.tag == _q("worksheet"):
                yield sheet.get("name", ""), part, root

    def tables(self) -> Iterator[tuple[str, ElementTree.Element, str, ElementTree.Element]]:
        """(table part, table root, sheet part, sheet root) of every table."""
        for _, part, root in self.sheets():
            for target in self.relations(part).values():
                if "/tables/" in target:
                    table = self.xml(target)
                    if table is not None:
                        yield target, table, part, root


def repair_triggers(path: str | Path) -> list[Repair]:
    """Every known Excel repair trigger in the workbook at ``path``."""
    with zipfile.ZipFile(path) as archive:
        book = _Book(archive)
        found: list[Repair] = []
        for check in (_sheet_names, _table_names, _table_headers, _defined_names, _validation_lists,
                      _style_indexes, _cell_metadata):
            found += check(book)
        return found


# ---------------------------------------------------------------------------------------

def _sheet_names(book: _Book) -> list[Repair]:
    found, seen = [], set()
    for sheet in book.workbook.iter(_q("sheet")):
        name = sheet.get("name", "")
        why = None
        if not name or len(name) > MAX_SHEET_NAME:
            why = f"{len(name)} characters (1 to {MAX_SHEET_NAME} allowed)"
        elif set(name) & _BAD_SHEET_CHARS:
            why = "holds one of [ ] : * ? / \\"
        elif name.startswith("'") or name.endswith("'"):
            why = "starts or ends with an apostrophe"
        elif name.lower() == "history":
            why = "is reserved by Excel"
        elif name.lower() in seen:
            why = "is used twice"
        seen.add(name.lower())
        if why:
            found.append(Repair("sheet_name", "xl/workbook.xml", f"sheet name {name!r} {why}"))
    return found


def valid_name(name: str) -> Optional[str]:
    """Why ``name`` cannot be a table or defined name, or None."""
    if not name or len(name) > MAX_NAME:
        return f"must have 1 to {MAX_NAME} characters"
    if not _NAME.match(name):
        return "must start with a letter, _ or \\ and hold only letters, digits, _ and ."
    if _A1.match(name) or _R1C1.match(name):
        return "looks like a cell reference"
    return None


def _table_names(book: _Book) -> list[Repair]:
    found, seen = [], {}
    workbook_names = {d.get("name", "").lower() for d in book.workbook.iter(_q("definedName"))
                      if d.get("localSheetId") is None}
    for part, table, _, _ in book.tables():
        for attribute in ("name", "displayName"):
            name = table.get(attribute, "")
            why = valid_name(name)
            if why:
                found.append(Repair("table_name", part, f"table {attribute} {name!r} {why}"))
        name = table.get("displayName", "").lower()
        if name in seen:
            found.append(Repair("table_name", part, f"table name {name!r} is also {seen[name]}'s"))
        elif name in workbook_names:
            found.append(Repair("table_name", part, f"table name {name!r} is also a defined name"))
        seen[name] = part
        ids = [c.get("id") for c in table.iter(_q("tableColumn"))]
        if len(set(ids)) != len(ids):
            found.append(Repair("table_name", part, "two table columns share an id"))
    return found


def _cell_ref(ref: str) -> tuple[int, int]:
    match = _CELL.match(ref.replace("$", ""))
    if not match:
        raise ValueError(ref)
    col = 0
    for letter in match.group(1):
        col = col * 26 + ord(letter) - 64
    return int(match.group(2)), col


def _cell_text(cell: ElementTree.Element, shared: list[str]) -> Optional[str]:
    kind = cell.get("t")
    value = cell.find(_q("v"))
    if kind == "s" and value is not None:
        return shared[int(value.text or 0)]
    if kind == "inlineStr":
        return "".join(cell.find(_q("is")).itertext()) if cell.find(_q("is")) is not None else ""
    if kind == "str" and value is not None:
        return value.text or ""
    return None if value is None else value.text


def _shared_strings(book: _Book) -> list[str]:
    target = next((t for t in book.rels.values() if t.endswith("sharedStrings.xml")), "xl/sharedStrings.xml")
    root = book.xml(target)
    if root is None:
        return []
    return ["".join(si.itertext()) for si in root.iter(_q("si"))]


def _table_headers(book: _Book) -> list[Repair]:
    found = []
    shared = _shared_strings(book)
    cells_by_sheet: dict[str, dict[tuple[int, int], ElementTree.Element]] = {}
    for part, table, sheet_part, sheet in book.tables():
        if table.get("headerRowCount", "1") == "0":
            continue
        if sheet_part not in cells_by_sheet:
            cells_by_sheet[sheet_part] = {_cell_ref(c.get("r", "")): c for c in sheet.iter(_q("c")) if c.get("r")}
        cells = cells_by_sheet[sheet_part]
        first, last = table.get("ref", "A1:A1").split(":")
        row, col = _cell_ref(first)
        for offset, column in enumerate(table.iter(_q("tableColumn"))):
            cell = cells.get((row, col + offset))
            name = column.get("name", "")
            if cell is not None and cell.find(_q("f")) is not None:
                found.append(Repair("header_formula", sheet_part, f"table {table.get('displayName')} header cell "
                                    f"{cell.get('r')} holds a formula"))
                continue
            text = None if cell is None else _cell_text(cell, shared)
            if text != name:
                found.append(Repair("table_header", sheet_part, f"table {table.get('displayName')} column {name!r}: "
                                    f"header cell holds {text!r}"))
    return found


def _defined_names(book: _Book) -> list[Repair]:
    found, seen = [], set()
    n_sheets = len(list(book.workbook.iter(_q("sheet"))))
    for name in book.workbook.iter(_q("definedName")):
        text, scope = name.get("name", ""), name.get("localSheetId")
        bare = text.removeprefix("_xlnm.")
        why = valid_name(bare)
        if why:
            found.append(Repair("defined_name", "xl/workbook.xml", f"name {text!r} {why}"))
        if (scope, text.lower()) in seen:
            found.append(Repair("defined_name", "xl/workbook.xml", f"name {text!r} is defined twice in one scope"))
        seen.add((scope, text.lower()))
        if scope is not None and not (scope.isdigit() and int(scope) < n_sheets):
            found.append(Repair("defined_name", "xl/workbook.xml", f"name {text!r} is scoped to sheet {scope}, "
                                f"which does not exist"))
        if not (name.text or "").strip():
            found.append(Repair("defined_name", "xl/workbook.xml", f"name {text!r} refers to nothing"))
    return found


def _validation_lists(book: _Book) -> list[Repair]:
    found = []
    for _, part, sheet in book.sheets():
        for validation in sheet.iter(_q("dataValidation")):
            if validation.get("type") != "list":
                continue
            formula = validation.find(_q("formula1"))
            text = (formula.text or "") if formula is not None else ""
            if text.startswith('"') and len(text) - 2 > MAX_LIST_CHARS:
                found.append(Repair("validation_list", part, f"list validation at {validation.get('sqref')} has "
                                    f"{len(text) - 2} characters of choices (at most {MAX_LIST_CHARS})"))
    return found


def _style_indexes(book: _Book) -> list[Repair]:
    target = next((t for t in book.rels.values() if t.endswith("styles.xml")), "xl/styles.xml")
    styles = book.xml(target)
    xfs = styles.find(_q("cellXfs")) if styles is not None else None
    dxfs = styles.find(_q("dxfs")) if styles is not None else None
    n_xfs = len(list(xfs)) if xfs is not None else 0
    n_dxfs = len(list(dxfs)) if dxfs is not None else 0
    found = []
    for _, part, sheet in book.sheets():
        for tag in ("c", "row", "col"):
            for element in sheet.iter(_q(tag)):
                style = element.get("s") if tag != "col" else element.get("style")
                if style is not None and not (style.isdigit() and int(style) < n_xfs):
                    where = element.get("r") or element.get("min") or "?"
                    found.append(Repair("style_index", part, f"{tag} {where} uses style {style}; "
                                        f"{target} has {n_xfs}"))
        for rule in sheet.iter(_q("cfRule")):
            dxf = rule.get("dxfId")
            if dxf is not None and not (dxf.isdigit() and int(dxf) < n_dxfs):
                found.append(Repair("style_index", part, f"conditional format uses dxf {dxf}; {target} has {n_dxfs}"))
    return found


def _cell_metadata(book: _Book) -> list[Repair]:
    target = next((t for t in book.rels.values() if t.endswith("metadata.xml")), None)
    metadata = book.xml(target) if target else None
    blocks = metadata.find(_q("cellMetadata")) if metadata is not None else None
    n_blocks = len(list(blocks)) if blocks is not None else 0
    found = []
    for _, part, sheet in book.sheets():
        for cell in sheet.iter(_q("c")):
            cm = cell.get("cm")
            if cm is not None and not (cm.isdigit() and 1 <= int(cm) <= n_blocks):
                have = f"{target} has {n_blocks}" if target else "the workbook has no metadata part"
                found.append(Repair("cell_metadata", part, f"cell {cell.get('r')} has cm={cm}; {have}"))
    return found
