"""A class added to the Targets table later (a 9th row typed under eight) appears in the
allocation check and in every chart series, with no other change to the workbook.

The row is added to the file the way Excel stores a table that grew (the table's ref one row
longer, the new row's cells); LibreOffice then recalculates everything, including probe
cells that evaluate the chart's defined names (a chart reads its series through them).  The
check's values are compared with the engine's drift for the same nine classes.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xlrebalance.core.drift import drift_report
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout
from xlrebalance.tables import parse_household
from xlrebalance.workbook.builder import build_workbook

from office import convert
from sheet_geometry import sheet_part

DASH = layout().raw["workbook"]["dashboard"]
ALLOC = DASH["allocation"]
NEW_CLASS = ["Cash", 0.0, None, None, True, None]   # account cash counts once Targets has Cash
PROBE_ROW = 200


def eight_classes() -> dict[str, list[list]]:
    tables = {name: [list(row) for row in rows] for name, rows in sample_tables().items()}
    for name in ("Gold", "TIPS", "Commodities"):
        tables["Targets"].append([name, 0.0, None, None, True, None])
    assert len(tables["Targets"]) - 1 == 8
    return tables


def add_targets_row(source: Path, target: Path, values: list) -> Path:
    """``source`` with ``values`` typed in the row under the Targets table, which grows by one."""
    with zipfile.ZipFile(source) as archive:
        sheet = sheet_part(archive, "Targets")
        table = next(n for n in archive.namelist() if n.startswith("xl/tables/")
                     and 'displayName="Targets"' in archive.read(n).decode())
        board = sheet_part(archive, DASH["sheet"])
        parts = {n: archive.read(n) for n in archive.namelist()}
    text = parts[table].decode()
    first, last_col, last_row = re.search(r'ref="A(\d+):([A-Z]+)(\d+)"', text).groups()
    row = int(last_row) + 1
    parts[table] = text.replace(f':{last_col}{last_row}"', f':{last_col}{row}"').encode()
    cells = []
    for col, value in zip("ABCDEFG", values):
        if isinstance(value, str):
            cells.append(f'<c r="{col}{row}" t="inlineStr"><is><t>{value}</t></is></c>')
        elif isinstance(value, bool):
            cells.append(f'<c r="{col}{row}" t="b"><v>{int(value)}</v></c>')
        elif value is not None:
            cells.append(f'<c r="{col}{row}"><v>{value}</v></c>')
    parts[sheet] = parts[sheet].decode().replace(
        "</sheetData>", f'<row r="{row}">{"".join(cells)}</row></sheetData>').encode()
    parts[board] = parts[board].decode().replace("</sheetData>", probe_row() + "</sheetData>").encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return target


def probe_formulas() -> list[tuple[str, str]]:
    """(what, formula) evaluating each chart name: its length, then its 9th value."""
    out = []
    for column, name in ALLOC["names"].items():
        out.append((f"rows {column}", f"ROWS({DASH['sheet']}!{name})"))
        out.append((f"9th {column}", f"INDEX({DASH['sheet']}!{name},9)"))
    return out


def probe_row() -> str:
    cells = "".join(f'<c r="{openpyxl.utils.get_column_letter(i + 1)}{PROBE_ROW}"><f>{formula}</f></c>'
                    for i, (_, formula) in enumerate(probe_formulas()))
    return f'<row r="{PROBE_ROW}">{cells}</row>'


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grown")
    tables = eight_classes()
    built = build_workbook(folder / "eight_classes.xlsm", tables=tables)
    nine = add_targets_row(built.workbook, folder / "nine_classes.xlsm", NEW_CLASS)
    converted = convert([nine], "xlsx", folder, recalculate=True)[nine]
    tables["Targets"].append(NEW_CLASS)
    return drift_report(parse_household(tables)), openpyxl.load_workbook(converted, data_only=True)


def allocation_row(book, i: int) -> dict:
    sheet = book[DASH["sheet"]]
    return {c["name"]: sheet.cell(row=ALLOC["row"] + i, column=ALLOC["column"] + k).value
            for k, c in enumerate(ALLOC["columns"])}


def test_the_allocation_check_shows_the_ninth_class(grown):
    report, book = grown
    assert len(report.rows) == 9
    for i, expected in enumerate(report.rows, start=1):
        got = allocation_row(book, i)
        assert got["Asset class"] == expected.asset_class
        assert got["Value"] == pytest.approx(expected.value, abs=0.005)
        assert got["Weight"] == pytest.approx(expected.weight, abs=1e-9)
        assert got["Effective target"] == pytest.approx(expected.target, abs=1e-9)
        assert got["Status"] == expected.status
    ninth = report.rows[8]
    assert ninth.asset_class == "Cash" and ninth.value > 0      # it carries weight: the chart has a bar
    assert all(v in ("", None) for v in allocation_row(book, 10).values())


def test_every_chart_series_ends_at_the_ninth_class(grown):
    report, book = grown
    sheet = book[DASH["sheet"]]
    probes = {what: sheet.cell(row=PROBE_ROW, column=i + 1).value for i, (what, _) in enumerate(probe_formulas())}
    ninth = report.rows[8]
    expected = {"Asset class": ninth.asset_class, "Weight": ninth.weight, "Effective target": ninth.target,
                "Band low": ninth.band_low, "Band high": ninth.band_high}
    for column in ALLOC["names"]:
        assert probes[f"rows {column}"] == 9, (column, probes)
        value = probes[f"9th {column}"]
        if isinstance(expected[column], str):
            assert value == expected[column]
        else:
            assert value == pytest.approx(expected[column], abs=1e-9), column


def test_the_chart_reads_its_series_through_those_names(tmp_path):
    built = build_workbook(tmp_path / "chart_names.xlsm", sample=True)
    with zipfile.ZipFile(built.workbook) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    series = re.findall(r"<c:(cat|val)>.*?<c:f>([^<]+)</c:f>", chart, re.S)
    assert {ref for _, ref in series} == {f"{DASH['sheet']}!{n}" for n in ALLOC["names"].values()}
    assert len(series) == 8          # 4 series, each with categories and values
