"""The engine inside Pyodide (the Python that xlwings Lite runs in Excel), under Node,
offline: the same answers as CPython on the sample household.

``.ci/run`` installs the npm ``pyodide`` package (``tests/pyodide/package.json``).  The
wheel built from this checkout is unpacked into Pyodide's site-packages, exactly the files
micropip would install, and ``tests/pyodide/engine_answers.py`` computes every answer of the
pure layers (``tables`` and ``core``) there and here.  Text, dates and booleans must be
equal; numbers equal to 1e-9 relative (WebAssembly's doubles are IEEE 754 like the host's,
but an engine summing over a set may add in another order in another process, where
string hashing differs), and the test also counts how many agree to the last bit.

Not run in Pyodide: the Excel functions' answers (``excel.answers``) and the library's
DataFrames.  They go through pandas, which Pyodide ships as a WebAssembly wheel that the npm
package does not include (it is fetched from Pyodide's CDN at run time) and that PyPI does
not carry, so no offline test can load it; they are the same code over these answers.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess

import pytest

from pyodide_env import NODE, ROOT, build_wheel, require_pyodide

HERE = ROOT / "tests" / "pyodide"


def engine_answers_module():
    return load_script("engine_answers.py")


@pytest.fixture(scope="module")
def in_pyodide(tmp_path_factory) -> dict:
    pyodide_dir = require_pyodide(node=True)
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    return run_in_pyodide(pyodide_dir, "engine_answers.py", "answers_json()", wheel)


def run_in_pyodide(pyodide_dir, script: str, expression: str, *wheels) -> dict:
    done = subprocess.run([NODE, str(HERE / "run.mjs"), str(pyodide_dir), str(HERE / script), expression,
                           *map(str, wheels)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name.removesuffix(".py"), HERE / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_really_ran_in_pyodide(in_pyodide):
    assert in_pyodide["platform"] == "emscripten"
    assert in_pyodide["python"].startswith("3.")


def differences(there, here, where="") -> list[str]:
    """Where two plain JSON values differ (numbers to 1e-9 relative)."""
    if isinstance(here, float) or (isinstance(here, int) and isinstance(there, float)):
        ok = isinstance(there, (int, float)) and not isinstance(there, bool) \
            and there == pytest.approx(here, rel=1e-9, abs=1e-12)
        return [] if ok else [f"{where}: {there!r} != {here!r}"]
    if isinstance(here, dict) and isinstance(there, dict):
        if here.keys() != there.keys():
            return [f"{where}: keys {sorted(there)} != {sorted(here)}"]
        return [d for k in here for d in differences(there[k], here[k], f"{where}.{k}")]
    if isinstance(here, list) and isinstance(there, list):
        if len(here) != len(there):
            return [f"{where}: {len(there)} items != {len(here)}"]
        return [d for i, (a, b) in enumerate(zip(there, here)) for d in differences(a, b, f"{where}[{i}]")]
    return [] if (type(there), there) == (type(here), here) else [f"{where}: {there!r} != {here!r}"]


@pytest.mark.parametrize("case", ["sample", "sample_a_year_later", "broken"])
def test_pyodide_answers_equal_cpython(in_pyodide, case):
    here = engine_answers_module().answers()[case]
    assert differences(in_pyodide[case], here, case) == []


def test_the_comparison_can_fail():
    assert differences({"a": [1.0, "x"]}, {"a": [1.0 + 1e-6, "x"]})
    assert differences({"a": [1.0, "x"]}, {"a": [1.0, "y"]})
    assert differences({"a": [True]}, {"a": [1.0]})
    assert not differences({"a": [1.0, "x"]}, {"a": [1.0 + 1e-13, "x"]})


def test_the_comparison_covers_every_answer(in_pyodide):
    sample = in_pyodide["sample"]
    assert sample["issues"] == [] or all("Warning" in i or "warning" in i for i in sample["issues"])
    for answer in ("drift", "trade_list", "harvest", "realized", "open_lots", "totals"):
        assert sample[answer], f"{answer} is empty on the sample household: the comparison would prove nothing"
    assert sample["needs_rebalance"] is True
    broken = in_pyodide["broken"]
    assert len(broken["issues"]) >= 3 and "drift" not in broken   # errors stop the answers, in both


# ---------------------------------------------------------------------------------------
# The xlwings Lite parts that run in Pyodide

@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    return build_wheel(tmp_path_factory.mktemp("lite-wheel"))


def test_the_lite_refresh_script_runs_in_pyodide_as_in_cpython(wheel):
    """Refresh prices of the Lite main.py (quotes, the Prices rules, formulas written) on a
    workbook stand-in, with Pyodide's own event loop running the concurrent fetches."""
    import asyncio

    there = run_in_pyodide(require_pyodide(node=True), "lite_refresh_probe.py", "await refresh_answers()", wheel)
    here = json.loads(asyncio.run(load_script("lite_refresh_probe.py").refresh_answers()))
    assert differences(there, here) == []
    rows = {row[0]: row for row in there["rows"][1:]}
    assert rows["VTI"][1] == 301.25 and rows["VTI"][5] == "OK" and rows["VXUS"][1] == 66.5
    assert rows["BND"][1] == 71.0 and rows["BND"][5].startswith("STALE: ") and "CORS" in rows["BND"][5]
    assert rows["GONE"][5].startswith("MISSING: ") and rows["MSFT"][4:] == ["Manual", None]
    assert there["formulas"] and there["calculations"] == 1


def micropip_wheel():
    found = sorted((HERE / "wheels").glob("micropip-*.whl"))
    if not found:
        message = "micropip's wheel is not in tests/pyodide/wheels: .ci/run downloads it (pip download micropip)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found[-1]


def test_micropip_keeps_an_installed_requirement_and_refuses_one_out_of_range():
    """Why xlwings is not a requirement of xlrebalance: xlwings Lite installs requirements with
    micropip next to the xlwings it brings.  A requirement the installed version satisfies is
    left alone; one it does not satisfy fails the whole install."""
    pyodide_dir = require_pyodide(node=True)
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text())
    wheel = micropip_wheel()
    assert wheel.name == lock["packages"]["micropip"]["file_name"]   # the micropip this Pyodide uses
    out = run_in_pyodide(pyodide_dir, "micropip_probe.py", "await probe()", wheel)
    assert out["xlwings"] == "0.37.8" and out["in_range"] == "installed"
    assert out["out_of_range"].startswith("ValueError: Requested 'xlwings>=99', but xlwings==0.37.8 is already "
                                          "installed")
    assert out["xlwings_still"] == "0.37.8"


def test_main_py_imports_nothing_pyodide_lacks(wheel):
    """main.py's imports from xlrebalance load only Pyodide's standard library, pandas (which
    Pyodide ships) and xlrebalance itself; xlwings comes from the Lite add-in."""
    out = run_in_pyodide(require_pyodide(node=True), "lite_refresh_probe.py", "lite_imports()", wheel)
    assert out["outside"] == []
    assert "xlrebalance.excel.answers" in out["xlrebalance"] and "xlrebalance.lite.quotes" in out["xlrebalance"]
    assert not any(m.startswith(("xlrebalance.workbook.reader", "xlrebalance.prices.yahoo", "xlrebalance.excel.udfs"))
                   for m in out["xlrebalance"])
