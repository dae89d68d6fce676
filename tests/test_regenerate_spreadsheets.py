"""A workbook saved by LibreOffice, and one edited and saved by openpyxl, both lose the
Dashboard's dynamic arrays (LibreOffice writes legacy array formulas without Excel's
dynamic-array metadata; openpyxl drops the metadata part): `new --from` regenerates a
workbook whose Dashboard formulas are dynamic arrays again, holding the same data."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from xlrebalance.check import check_workbook
from xlrebalance.lifecycle import regenerate
from xlrebalance.spec import layout
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.reader import read_tables

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
DASH = layout().raw["workbook"]["dashboard"]
TODAY = date(2026, 11, 20)

if SOFFICE is None and os.environ.get("CI"):
    pytest.fail("LibreOffice (soffice) is required in CI: install libreoffice-calc-nogui", pytrace=False)


def dashboard_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
        rels = archive.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{DASH["sheet"]}"[^>]*r:id="(rId\d+)"', workbook).group(1)
        target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid}"', rels)
        part = (target.group(1) or target.group(2)).lstrip("/")
        return archive.read(part if part.startswith("xl/") else "xl/" + part).decode()


def dynamic_array_cells(path: Path) -> set[str]:
    """Dashboard cells holding a dynamic-array formula (cm="1" and the metadata part)."""
    with zipfile.ZipFile(path) as archive:
        if "xl/metadata.xml" not in archive.namelist() or "XLDAPR" not in archive.read("xl/metadata.xml").decode():
            return set()
    return set(re.findall(r'<c r="([A-Z]+\d+)" cm="1"[^>]*><f t="array"', dashboard_xml(path)))


def expected_cells() -> set[str]:
    from openpyxl.utils import get_column_letter

    cells = {f"{get_column_letter(b['column'])}{b['row']}" for b in DASH["blocks"]}
    cells |= {f"B{DASH['first_cell_row'] + i}" for i, c in enumerate(DASH["cells"]) if c["kind"] == "udf"}
    return cells


def answers(path: Path) -> str:
    text = json.dumps(check_workbook(path, today=TODAY).to_dict(), sort_keys=True, default=str)
    return text.replace(json.dumps(str(path))[1:-1], "BOOK").replace(path.name, "BOOK")


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("orig") / "original_book.xlsm"
    build_workbook(path, sample=True)
    assert dynamic_array_cells(path) >= expected_cells()
    return path


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_saved_by_libreoffice_regenerates_dynamic_arrays(original, tmp_path):
    profile = tmp_path / "profile"
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(original)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    saved = tmp_path / "out" / "original_book.xlsx"
    assert saved.is_file(), result.stdout + result.stderr
    assert dynamic_array_cells(saved) == set()                     # LibreOffice lost them
    report = regenerate(saved, tmp_path / "from_libreoffice.xlsm").report
    new = tmp_path / "from_libreoffice.xlsm"
    assert dynamic_array_cells(new) >= expected_cells()
    assert read_tables(new).tables == read_tables(original).tables
    assert answers(new) == answers(original)
    assert report.formulas == ()      # TRUE saved by LibreOffice as =TRUE() comes back as TRUE, not a formula
    assert report.not_carried == ()


def test_edited_by_openpyxl_regenerates_dynamic_arrays(original, tmp_path):
    book = openpyxl.load_workbook(original, keep_vba=True)
    lots = book["Lots"]
    lots["E2"] = 310.0                                  # an edit: 300 -> 310 shares in the first lot
    book.save(tmp_path / "edited_book.xlsm")
    edited = tmp_path / "edited_book.xlsm"
    assert dynamic_array_cells(edited) == set()         # openpyxl lost them
    regenerate(edited, tmp_path / "repaired.xlsm")
    new = tmp_path / "repaired.xlsm"
    assert dynamic_array_cells(new) >= expected_cells()
    tables = read_tables(new).tables
    assert tables["Lots"][1][4] == 310.0
    expected = read_tables(original).tables
    expected["Lots"][1][4] = 310.0
    assert {k: v for k, v in tables.items() if k != "Holdings"} == {k: v for k, v in expected.items() if k != "Holdings"}
    # Holdings' formula columns come back with their computed values (openpyxl left none)
    assert tables["Holdings"] == expected["Holdings"]
