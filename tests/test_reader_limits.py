"""The reader's bounds: a stray cell far from the tables costs memory and time in
proportion to the tables, not to the sheet; error cells come back as the error shown."""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from xlrebalance import load
from xlrebalance.errors import WorkbookError
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.package import open_package
from xlrebalance.workbook.reader import read_tables
from xlrebalance.spec import layout

SRC = Path(__file__).resolve().parents[1] / "src"
_ORDER = layout().raw["workbook"]["sheet_order"]
HOLDINGS_PART = f"xl/worksheets/sheet{_ORDER.index('Holdings') + 1}.xml"   # the builder numbers sheets in order
LOTS_PART = f"xl/worksheets/sheet{_ORDER.index('Lots') + 1}.xml"


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("book") / "limits_book.xlsm", sample=True).workbook


def with_sheet_edit(base: Path, out: Path, part: str, change) -> Path:
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, change(data) if info.filename == part else data)
    return out


def stray_note(cell: str, row: int):
    return lambda xml: xml.replace(b"</sheetData>", f'<row r="{row}"><c r="{cell}" t="inlineStr"><is><t>note to '
                                   f'self</t></is></c></row></sheetData>'.encode())


def run_measured(code: str, *args: str, limit_gb: int = 8) -> tuple[int, dict, str]:
    """Run ``code`` in a child Python (address space capped, so a runaway allocation fails
    fast); it prints a JSON line {"rc", "rss_mb"} last: its peak resident memory (VmHWM: the
    child's own, where ru_maxrss would carry over this test process's across fork and exec).
    Returns (exit, that dict, output)."""
    script = ("import json, resource, sys\n"
              f"resource.setrlimit(resource.RLIMIT_AS, ({limit_gb} << 30, {limit_gb} << 30))\n"
              f"{code}\n"
              "peak = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024\n"
              "print(json.dumps({'rc': rc, 'rss_mb': peak}))\n")
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1"})
    lines = done.stdout.strip().splitlines()
    measured = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return done.returncode, measured, done.stdout + done.stderr


def test_the_extent_of_each_sheet_is_known_before_reading(sample_book, tmp_path):
    path = with_sheet_edit(sample_book, tmp_path / "stray.xlsm", HOLDINGS_PART, stray_note("XFD1048576", 1048576))
    package, issues = open_package(path)
    assert not issues
    holdings = package.sheet("Holdings")
    assert (holdings.extent.last_row, holdings.extent.last_col) == (1048576, 16384)
    assert holdings.extent.cells == 1048576 * 16384
    assert package.sheet("Lots").extent.cells < 1000


@pytest.mark.parametrize("command", ["check", "report", "load", "new-from", "prices"])
def test_a_stray_cell_in_xfd1048576_costs_under_500_mb_and_5_s(sample_book, tmp_path, command):
    """Today a note in Holdings!XFD1048576 makes the reader ask for 512 GB and abort."""
    path = with_sheet_edit(sample_book, tmp_path / "stray.xlsm", HOLDINGS_PART, stray_note("XFD1048576", 1048576))
    before = path.read_bytes()
    if command == "load":
        code = ("from xlrebalance import load\n"
                "rc = 0 if load(sys.argv[1]).drift() is not None else 3")
    elif command == "prices":   # recorded Yahoo answers: no network
        fixtures = Path(__file__).parent / "fixtures" / "yahoo"
        code = f"from xlrebalance.cli import main\nrc = main(['prices', sys.argv[1], '--replay', {str(fixtures)!r}, '--no-progress'])"
    elif command == "new-from":
        code = f"from xlrebalance.cli import main\nrc = main(['new', {str(tmp_path / 'fresh.xlsm')!r}, '--from', sys.argv[1]])"
    else:
        extra = f", '-o', {str(tmp_path / 'r.html')!r}" if command == "report" else ""
        code = f"from xlrebalance.cli import main\nrc = main(['{command}', sys.argv[1]{extra}])"
    start = time.perf_counter()
    exit_code, measured, output = run_measured(code, str(path))
    elapsed = time.perf_counter() - start
    assert exit_code == 0 and measured.get("rc") == 0, output
    assert "Traceback" not in output and "panicked" not in output
    assert measured["rss_mb"] < 500, measured
    assert elapsed < 5, elapsed
    assert path.read_bytes() == before


def test_a_stray_cell_beside_the_lots_is_read_from_the_tables_only(sample_book, tmp_path):
    """Lots!XFD20000 cost 10 GB and 39 s: the trimmed read gives the same tables."""
    path = with_sheet_edit(sample_book, tmp_path / "stray_lots.xlsm", LOTS_PART, stray_note("XFD20000", 20000))
    start = time.perf_counter()
    assert read_tables(path).tables == read_tables(sample_book).tables
    assert time.perf_counter() - start < 5


def test_a_table_spanning_the_whole_sheet_is_refused_clearly(sample_book, tmp_path):
    def whole_sheet(base, out):
        with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w") as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename.startswith("xl/tables/") and b'name="Lots"' in data:
                    data = re.sub(rb'\bref="[^"]*"', b'ref="A1:XFD1048576"', data)
                target.writestr(info.filename, data)
    path = tmp_path / "whole.xlsm"
    whole_sheet(sample_book, path)
    with pytest.raises(WorkbookError, match="Resize Table") as error:
        read_tables(path)
    assert error.value.code == "table_too_large"


def test_a_plain_sheet_reaching_far_is_refused_with_what_to_delete(tmp_path):
    import openpyxl

    path = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Holdings"
    sheet.append(["Account", "Ticker", "Shares"])
    sheet.append(["Taxable", "VTI", 10])
    sheet["XFD1048576"] = "stray"
    book.save(path)
    with pytest.raises(WorkbookError, match="XFD1048576") as error:
        read_tables(path)
    assert error.value.code == "sheet_too_large"


def test_error_cells_come_back_as_the_error_shown(sample_book, tmp_path):
    from openpyxl import load_workbook

    book = load_workbook(sample_book, keep_vba=True)
    book["Holdings"]["C3"] = "#N/A"          # Shares of the second holding
    book["Accounts"]["D2"] = "#REF!"         # Cash of the first account
    path = tmp_path / "errors.xlsm"
    book.save(path)
    tables = read_tables(path).tables
    assert tables["Holdings"][2][2] == "#N/A"
    assert tables["Accounts"][1][3] == "#REF!"
    assert load(path).issues and any(i.code == "error_value" and i.row == 3 and i.column == "Shares"
                                     for i in load(path).issues)
