"""xlwings' real Import Functions code on the generated companion module: the VBA it writes
declares every registry function with the arguments the workbook's formulas pass, optional
where the Python parameter has a default, in lines VBA accepts, and the help texts it hands
Excel's ``MacroOptions`` fit Excel's 255-character limit uncut.

The probe (``xlwings_import_probe.py``) runs in a child Python, because it stubs the
Windows-only modules (``pythoncom``, ``pywintypes``, ``win32com``) and binds xlwings' classic
decorators, which must not leak into this test session.
"""
from __future__ import annotations

import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from xlrebalance.excel import udfs
from xlrebalance.spec import layout
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.dashboard import expand_udf, udf_call

PROBE = Path(__file__).with_name("xlwings_import_probe.py")
SRC = Path(udfs.__file__).resolve().parents[2]
#: VBA: a physical line holds at most 1023 characters; a logical line at most 24 continuations.
VBA_LINE = 1023
VBA_CONTINUATIONS = 24
EXCEL_HELP = 255


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict:
    built = build_workbook(tmp_path_factory.mktemp("import") / "import_demo.xlsm", sample=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    env.pop("XLWINGS_ON_SERVER", None)
    result = subprocess.run([sys.executable, str(PROBE), str(built.workbook.parent), built.module],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    answer["module"] = built.module
    return answer


def vba_functions(vba: str) -> dict[str, list[str]]:
    """Function name -> its parameter declarations as written."""
    return {m.group(1): [p.strip() for p in m.group(2).split(",") if p.strip()]
            for m in re.finditer(r"^Function (\w+)\((.*)\)$", vba, re.M)}


def test_import_declares_every_registry_function(imported):
    assert len(imported["vba"]) == 1
    declared = vba_functions(imported["vba"][0])
    assert set(declared) == {f.name for f in layout().functions} == set(udfs.__all__)


@pytest.mark.parametrize("function", [f.name for f in layout().functions])
def test_arguments_and_optional_flags_match_python_and_the_workbook_formulas(imported, function):
    declared = vba_functions(imported["vba"][0])[function]
    parameters = inspect.signature(getattr(udfs, function)).parameters.values()
    expected = [("Optional " if p.default is not inspect.Parameter.empty else "") + p.name for p in parameters]
    assert declared == expected
    required = sum(not d.startswith("Optional ") for d in declared)
    spec = layout().function(function)
    calls = [udf_call(spec)]
    calls += [expand_udf(c["formula"]).lstrip("=") for c in layout().raw["workbook"]["dashboard"]["cells"]
              if c["kind"] == "udf" and c["formula"].lstrip("=").startswith(function + "(")]
    for call in calls:
        passed = call[call.index("(") + 1:-1].count(",") + 1
        assert required <= passed <= len(declared), (call, declared)
    vba = imported["vba"][0]
    body = vba[vba.index(f"Function {function}("):]
    body = body[:body.index("End Function")]
    assert f'XLPy.CallUDF("{imported["module"]}", "{function}", Array({", ".join(p.name for p in parameters)})' in body


def test_every_vba_line_fits(imported):
    vba = imported["vba"][0]
    assert max(len(line) for line in vba.splitlines()) <= VBA_LINE
    logical = re.split(r"(?<! _)\n", vba)
    assert max(part.count(" _\n") for part in logical) <= VBA_CONTINUATIONS


def test_help_texts_reach_excel_uncut(imported):
    """import_udfs cuts every text at 255 characters: ours must be shorter, so Excel's
    Function Wizard shows all of it."""
    options = {o["macro"].split("!", 1)[1]: o for o in imported["macro_options"]}
    assert set(options) == {f.name for f in layout().functions}
    for name, meta in imported["functions"].items():
        assert len(meta["doc"]) <= EXCEL_HELP, name
        assert options[name]["Description"] == meta["doc"]
        docs = [a["doc"] for a in meta["args"]]
        assert all(len(d) <= EXCEL_HELP for d in docs), name
        assert options[name]["ArgumentDescriptions"] == docs
        assert not any(d.startswith("Positional argument") for d in docs), name   # every argument documented
        assert options[name]["macro"] == f"'{imported['module']}.xlsm'!{name}"
