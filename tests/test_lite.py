"""``xlrebalance new --lite``: the xlwings Lite workbook, main.py and requirements.txt.

The workbook has no macros and stores each Excel function call as Excel stores an Office.js
custom function (``_xldudf_NAME(...)``); main.py, run through xlwings' own custom-function
machinery (the code xlwings Lite runs), exposes every function of the classic module with the
same arguments and answers as it does; requirements.txt pins the version that wrote it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

import xlrebalance
from xlrebalance.cli import main as cli
from xlrebalance.errors import WorkbookError
from xlrebalance.lite.template import MAIN, REQUIREMENTS, build_lite, lite_functions, udf_pattern
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout

from test_xlwings_server import as_excel_shows, body, same_cells

ROOT = Path(__file__).resolve().parents[1]
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
FUNCTIONS = [f.name for f in layout().functions]


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lite")
    return build_lite(folder / "Household.xlsx", sample=True)


def formulas_in(path: Path) -> dict[tuple[str, str], str]:
    """(sheet name, cell) -> formula text, read from the file's XML."""
    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target") for r in rels}
        out = {}
        for sheet in book.find("m:sheets", NS):
            rid = sheet.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
            xml = ElementTree.fromstring(archive.read("xl/" + targets[rid].lstrip("/").removeprefix("xl/")))
            for cell in xml.iter(f"{{{NS['m']}}}c"):
                formula = cell.find("m:f", NS)
                if formula is not None and formula.text:
                    out[(sheet.get("name"), cell.get("r"))] = formula.text
    return out


def sheet_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    return [sheet.get("name") for sheet in book.find("m:sheets", NS)]


# ---------------------------------------------------------------------------------------
# The workbook

def test_the_workbook_has_no_macros(lite):
    from oletools.olevba import VBA_Parser

    assert lite.workbook.suffix == ".xlsx"
    with zipfile.ZipFile(lite.workbook) as archive:
        names = archive.namelist()
        types = archive.read("[Content_Types].xml").decode()
    assert not [n for n in names if "vba" in n.lower() or "ctrlprops" in n.lower()]
    assert "macroEnabled" not in types and "vbaProject" not in types
    parser = VBA_Parser(str(lite.workbook))
    try:
        assert not parser.detect_vba_macros()
    finally:
        parser.close()
    # no xlwings.conf sheet and no guide to the desktop add-in; every other sheet of the layout
    from xlrebalance.workbook import guide

    written = {sheet for sheet, _ in formulas_in(lite.workbook)} | set(sheet_names(lite.workbook))
    expected = set(layout().raw["workbook"]["sheet_order"]) - {"xlwings.conf", guide.sheet_name()}
    assert set(sheet_names(lite.workbook)) == expected and written <= expected


def test_every_function_call_is_stored_as_an_office_js_custom_function(lite):
    formulas = formulas_in(lite.workbook)
    bare = udf_pattern(FUNCTIONS)
    calls = {where: text for where, text in formulas.items() if re.search(r"_xldudf_\w+\(", text)}
    assert calls, "no custom-function formula in the workbook"
    for where, text in formulas.items():
        assert not bare.search(text), f"{where}: {text} calls a function without the _xldudf_ form"
    # the formulas main.py's scripts write are exactly those calls, as typed
    assert calls == {(sheet, cell): "_xldudf_" + typed.lstrip("=") for sheet, cell, typed in lite.formulas}
    on_dashboard = {re.match(r"_xldudf_(\w+)\(", text).group(1) for text in calls.values()}
    blocks = {b["function"] for b in layout().raw["workbook"]["dashboard"]["blocks"]}
    assert blocks <= on_dashboard


def test_the_calls_spill_as_dynamic_arrays(lite):
    with zipfile.ZipFile(lite.workbook) as archive:
        assert "xl/metadata.xml" in archive.namelist()
        board = next(archive.read(n).decode() for n in archive.namelist()
                     if n.startswith("xl/worksheets/sheet") and "_xldudf_DRIFT(" in archive.read(n).decode())
    cell = re.search(r'<c r="[A-Z]+\d+" cm="1"[^>]*><f t="array" ref="[A-Z]+\d+">_xldudf_DRIFT\(', board)
    assert cell, "DRIFT is not a dynamic-array formula"


def test_check_reads_a_lite_workbook(lite, capsys):
    code = cli(["check", str(lite.workbook)])
    out = capsys.readouterr().out
    assert "missing_formula" not in out and "INVALID" not in out
    assert code == 0 and "Rebalance needed: YES" in out


def test_the_quote_url_setting_is_in_settings(lite):
    from xlrebalance.workbook.reader import read_tables

    settings = read_tables(lite.workbook).tables["Settings"]
    keys = [row[0] for row in settings[1:]]
    assert "Quote URL" in keys


def test_names_and_existing_files(tmp_path):
    with pytest.raises(WorkbookError, match=r"no macros.*use Book\.xlsx"):
        build_lite(tmp_path / "Book.xlsm")
    built = build_lite(tmp_path / "Book")
    assert built.workbook == tmp_path / "Book.xlsx" and built.main == tmp_path / MAIN
    with pytest.raises(WorkbookError, match="already exist.*--force"):
        build_lite(tmp_path / "Other.xlsx")   # main.py and requirements.txt are there
    assert not (tmp_path / "Other.xlsx").exists()
    assert build_lite(tmp_path / "Other.xlsx", force=True).workbook.exists()


def test_the_command(tmp_path, capsys):
    assert cli(["new", "--lite", str(tmp_path / "Mine.xlsx"), "--sample"]) == 0
    out = capsys.readouterr().out
    assert "for xlwings Lite" in out and "main.py" in out and "Quote URL" in out
    assert {p.name for p in tmp_path.iterdir()} == {"Mine.xlsx", MAIN, REQUIREMENTS}
    assert cli(["new", "--lite", str(tmp_path / "Mine.xlsm")]) == 2


# ---------------------------------------------------------------------------------------
# requirements.txt

def test_requirements_pin_the_version_that_wrote_them(lite):
    lines = [line.strip() for line in lite.requirements.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    assert lines == [f"xlrebalance=={xlrebalance.__version__}"]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == xlrebalance.__version__


# ---------------------------------------------------------------------------------------
# main.py through xlwings' custom-function machinery (as xlwings Lite runs it)

CHILD = r"""
import asyncio, importlib.util, json, sys
import xlwings
from xlwings import server
from xlrebalance.excel import udfs

request = json.load(sys.stdin)
spec = importlib.util.spec_from_file_location("main", request["main"])
main = importlib.util.module_from_spec(spec)
spec.loader.exec_module(main)
answers = {"classic": server.custom_functions_meta(udfs), "lite": server.custom_functions_meta(main),
           "scripts": server.custom_scripts_meta(main), "calls": []}
for body in request["calls"]:
    body = dict(body, version=xlwings.__version__)
    answers["calls"].append([asyncio.run(server.custom_functions_call(body, module)) for module in (udfs, main)])
json.dump(answers, sys.stdout)
"""


@pytest.fixture(scope="module")
def served(lite):
    tables = sample_tables()
    calls = [body(name, tables) for name in FUNCTIONS] + [body("NEEDS_REBALANCE", tables, True)]
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    done = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps({"main": str(lite.main), "calls": calls}),
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_main_exposes_every_classic_function_with_the_same_arguments(served):
    classic = {f["name"]: f for f in served["classic"]["functions"]}
    lite = {f["name"]: f for f in served["lite"]["functions"]}
    assert sorted(lite) == sorted(classic) == sorted(FUNCTIONS)
    for name, function in classic.items():
        assert lite[name] == function, name   # parameters, optionality, dimensions, help text


def test_main_answers_as_the_classic_module_does(served):
    assert len(served["calls"]) == len(FUNCTIONS) + 1
    for (classic, lite), name in zip(served["calls"], FUNCTIONS + ["NEEDS_REBALANCE reason"]):
        assert same_cells(lite, classic), name
        assert lite != as_excel_shows([["Internal error"]])
    drift = served["calls"][FUNCTIONS.index("DRIFT")][1]
    assert drift[0][0] == "Asset class" and len(drift) > 2


def test_main_has_the_two_scripts(served):
    scripts = {s["function_name"]: s for s in served["scripts"]}
    assert set(scripts) == {"refresh_prices", "write_formulas"}


def test_main_is_generated_from_the_classic_source():
    source = (ROOT / "src" / "xlrebalance" / "excel" / "udfs.py").read_text()
    functions = lite_functions(source)
    assert [re.search(r"^def (\w+)", f, re.M).group(1) for f in functions] == [
        n for n in FUNCTIONS if f"def {n}(" in source]
    assert all(f.startswith("@func\n") for f in functions)
    assert not any("xw." in f or "_doc(" in f for f in functions)


SCRIPT_CHILD = r"""
import asyncio, importlib.util, json, sys, types
import xlwings
from xlwings import server

request = json.load(sys.stdin)
sys.path.insert(0, request["probe_dir"])
import lite_refresh_probe as probe

http = types.ModuleType("pyodide.http")
http.pyfetch = probe.fetch                    # the browser's fetch, answering as a CORS proxy would
sys.modules["pyodide"] = types.ModuleType("pyodide")
sys.modules["pyodide.http"] = http
spec = importlib.util.spec_from_file_location("main", request["main"])
main = importlib.util.module_from_spec(spec)
spec.loader.exec_module(main)
book = probe.Book(probe.tables())
asyncio.run(server.custom_scripts_call(main, "refresh_prices", typehint_to_value={xlwings.Book: book}))
prices = next(s for s in book.sheets if s.name == "Prices")
dashboard = next(s for s in book.sheets if s.name == "Dashboard")
json.dump({"rows": prices.tables[0].range.value, "formulas": dashboard.formulas,
           "status": prices.cells.get((1, 8))}, sys.stdout, default=str)
"""


def test_main_refresh_prices_runs_through_xlwings_script_machinery(lite):
    """main.py's Refresh prices as xlwings Lite calls a script (the Book injected by its type
    hint), with pyodide.http.pyfetch standing in for the browser."""
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    done = subprocess.run([sys.executable, "-c", SCRIPT_CHILD], capture_output=True, text=True, env=env, timeout=120,
                          input=json.dumps({"main": str(lite.main), "probe_dir": str(ROOT / "tests" / "pyodide")}))
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    rows = {row[0]: row for row in out["rows"][1:]}
    assert rows["VTI"][1] == 301.25 and rows["VTI"][5] == "OK"
    assert rows["BND"][1] == 71.0 and rows["BND"][5].startswith("STALE: ")
    assert out["status"].startswith("Prices refreshed")
    dashboard = {cell: formula for sheet, cell, formula in lite.formulas if sheet == "Dashboard"}
    assert out["formulas"] == dashboard and dashboard
