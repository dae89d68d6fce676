"""Where things are on a generated sheet, read from the package's XML: the non-empty cells,
the drawings (charts) and the form controls (buttons), as 1-based cell rectangles.

A cell is non-empty when it holds a value, a formula or inline text; a cell written only
for its format (``<c r="B20" s="3"/>``) is empty, as Excel sees it for a spill.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


@dataclass(frozen=True)
class Rect:
    """Rows first..last and columns first..last, 1-based, inclusive."""

    what: str
    top: int
    left: int
    bottom: int
    right: int

    def overlaps(self, other: "Rect") -> bool:
        return not (self.bottom < other.top or other.bottom < self.top or
                    self.right < other.left or other.right < self.left)

    def holds(self, row: int, col: int) -> bool:
        return self.top <= row <= self.bottom and self.left <= col <= self.right


def sheet_part(archive: zipfile.ZipFile, title: str) -> str:
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rid = next(s.get(f"{{{NS['r']}}}id") for s in book.iter(f"{{{NS['m']}}}sheet") if s.get("name") == title)
    return _rels(archive, "xl/workbook.xml")[rid]


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    folder, base = posixpath.split(part)
    name = posixpath.join(folder, "_rels", base + ".rels")
    if name not in archive.namelist():
        return {}
    root = ElementTree.fromstring(archive.read(name))
    return {r.get("Id"): posixpath.normpath(posixpath.join(folder, r.get("Target")))
            for r in root.iter(f"{{{NS['rel']}}}Relationship")}


def non_empty_cells(path: Path, title: str) -> dict[tuple[int, int], str]:
    """(row, column) -> what the cell holds (its formula or value text), non-empty cells only."""
    with zipfile.ZipFile(path) as archive:
        root = ElementTree.fromstring(archive.read(sheet_part(archive, title)))
    out = {}
    for cell in root.iter(f"{{{NS['m']}}}c"):
        texts = [child.text or "" for child in cell if child.tag.rsplit("}", 1)[-1] in ("f", "v", "is")]
        held = [c for c in cell if c.tag.rsplit("}", 1)[-1] in ("f", "v", "is")]
        if held:
            letters, row = coordinate_from_string(cell.get("r"))
            out[(row, column_index_from_string(letters))] = " ".join(texts)
    return out


def drawings(path: Path, title: str) -> list[Rect]:
    """Charts (drawing anchors) and buttons (VML form-control anchors) on the sheet."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for target in _rels(archive, sheet_part(archive, title)).values():
            if re.search(r"drawings/drawing\d+\.xml$", target):
                root = ElementTree.fromstring(archive.read(target))
                for anchor in root:
                    start, end = anchor.find("xdr:from", NS), anchor.find("xdr:to", NS)
                    if start is None or end is None:
                        continue
                    at = {k: int(e.find(f"xdr:{k}", NS).text) for e, k in ((start, "col"), (start, "row"))}
                    to = {k: int(e.find(f"xdr:{k}", NS).text) for e, k in ((end, "col"), (end, "row"))}
                    found.append(Rect("chart", at["row"] + 1, at["col"] + 1, to["row"] + 1, to["col"] + 1))
            elif target.endswith(".vml"):
                vml = archive.read(target).decode()
                for shape in re.findall(r"<v:shape .*?</v:shape>", vml, re.S):
                    if 'ObjectType="Button"' not in shape:
                        continue
                    caption = re.search(r"<font[^>]*>([^<]*)</font>", shape)
                    left, _, top, _, right, _, bottom, _ = (
                        int(x) for x in re.search(r"<x:Anchor>([^<]*)</x:Anchor>", shape).group(1).split(","))
                    found.append(Rect(f"button {caption.group(1) if caption else ''}".strip(),
                                      top + 1, left + 1, bottom + 1, right + 1))
    return found
