"""The macros in the generated workbook, found with oletools (olevba): the button's macro
exists and runs ``main()`` of the companion module; ``macros/`` holds the same source."""
from __future__ import annotations

import re
import subprocess
import sys
import types
import warnings
import zipfile
from pathlib import Path

import pytest

with warnings.catch_warnings():   # oletools uses pyparsing names deprecated since 3.0
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser

from xlrebalance.spec import layout
from xlrebalance.workbook.builder import build_workbook

MACROS_DIR = Path(__file__).resolve().parents[1] / "macros"
BUTTONS = layout().raw["workbook"]["dashboard"]["buttons"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_workbook(tmp_path_factory.mktemp("vba") / "vba_demo.xlsm", sample=True)


@pytest.fixture(scope="module")
def modules(built) -> dict[str, str]:
    """VBA module name -> source, as olevba extracts them from the generated file."""
    parser = VBA_Parser(str(built.workbook))
    try:
        assert parser.detect_vba_macros()
        return {vba_file.rsplit(".", 1)[0]: normalize(code)
                for _, _, vba_file, code in parser.extract_macros()}
    finally:
        parser.close()


def normalize(code: str) -> str:
    return code.replace("\r\n", "\n").replace("\r", "\n").strip() + "\n"


def subs(code: str) -> dict[str, str]:
    """Sub name -> body (the lines between Sub and End Sub)."""
    found = re.finditer(r"^(?:Public |Private )?Sub (\w+)\(.*?\)\s*\n(.*?)^End Sub", code, re.M | re.S)
    return {m.group(1): m.group(2) for m in found}


def button_macros(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        vml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".vml"))
    return re.findall(r"<x:FmlaMacro>\[0\]!(\w+)</x:FmlaMacro>", vml)


def test_every_button_calls_a_sub_that_exists(built, modules):
    defined = {name for code in modules.values() for name in subs(code)}
    macros = button_macros(built.workbook)
    assert macros == [b["macro"] for b in BUTTONS]
    assert set(macros) <= defined, set(macros) - defined


def test_refresh_button_macro_runs_main_of_the_workbook_named_module(modules):
    refresh = next(b["macro"] for b in BUTTONS if b["caption"] == "Refresh prices")
    body = subs(modules["Module1"])[refresh]
    lines = [line.strip() for line in body.strip().splitlines()]
    assert lines == [
        'mymodule = Left(ThisWorkbook.Name, (InStrRev(ThisWorkbook.Name, ".", -1, vbTextCompare) - 1))',
        'RunPython "import " & mymodule & ";" & mymodule & ".main()"',
    ]
    assert "Public Function RunPython(PythonCommand As String)" in modules["xlwings"]


def vba_run_python_command(workbook_name: str) -> str:
    """What SampleCall hands RunPython for a workbook called ``workbook_name``."""
    mymodule = workbook_name[: workbook_name.rindex(".")]   # Left(Name, InStrRev(Name, ".") - 1)
    return "import " + mymodule + ";" + mymodule + ".main()"


def test_the_macro_command_runs_main_which_refreshes_the_calling_book(built, monkeypatch):
    """Run SampleCall's Python command against the companion, as RunPython would (the
    workbook's folder is on sys.path), with Excel's calling book and the refresh stubbed."""
    import xlwings

    calls = []
    caller = object()
    refresh = types.ModuleType("xlrebalance.excel.refresh")
    refresh.refresh_workbook = calls.append
    monkeypatch.setitem(sys.modules, "xlrebalance.excel.refresh", refresh)
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: caller))
    monkeypatch.syspath_prepend(str(built.workbook.parent))
    command = vba_run_python_command(built.workbook.name)
    assert command == f"import {built.module};{built.module}.main()"
    try:
        exec(command, {})
    finally:
        sys.modules.pop(built.module, None)
    assert calls == [caller]


def test_the_companion_exposes_the_excel_functions(built, monkeypatch):
    """xlwings' UDF import reads the module named in xlwings.conf: it must export them."""
    monkeypatch.syspath_prepend(str(built.workbook.parent))
    try:
        module = __import__(built.module)
    finally:
        sys.modules.pop(built.module, None)
    for name in ("DRIFT", "NEEDS_REBALANCE", "TRADE_LIST", "HARVEST_CANDIDATES", "REALIZED_GAINS"):
        assert callable(getattr(module, name, None)), name


def test_import_functions_button_macro_is_xlwings_udf_import(modules):
    assert "ImportPythonUDFs" in subs(modules["xlwings"])


def test_macros_folder_holds_the_same_source(modules):
    for name in ("Module1", "xlwings"):
        text = (MACROS_DIR / f"{name}.bas").read_text(encoding="utf-8")
        assert normalize(text) == modules[name], f"macros/{name}.bas differs from the installed xlwings'"
    assert (MACROS_DIR / "README.md").is_file()


def test_olevba_command_line_finds_the_macro(built):
    result = subprocess.run([sys.executable, "-m", "oletools.olevba", "-c", str(built.workbook)],
                            capture_output=True, text=True, timeout=120)
    assert "Sub SampleCall()" in result.stdout
    assert 'RunPython "import " & mymodule & ";" & mymodule & ".main()"' in result.stdout
