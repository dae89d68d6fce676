"""The dependency split: the wheel's base requirements install inside Pyodide (xlwings Lite),
and the package imports and computes without any optional package installed.

xlwings Lite installs a workbook's requirements with micropip: a requirement is either a
package the Pyodide distribution ships (its ``pyodide-lock.json``) or a pure-Python wheel
from PyPI (micropip cannot build an sdist or install a platform wheel).  The check reads
the *built* wheel's metadata, as micropip would, and walks each base requirement's own
requirements with Pyodide's environment markers.  A pure-Python wheel is recognised from
the installed distribution's ``WHEEL`` file (``Root-Is-Purelib: true``, tags ``*-none-any``):
the wheel pip installed here is the one micropip would fetch.
"""
from __future__ import annotations

import email
import os
import subprocess
import sys
import textwrap
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from pyodide_env import ROOT, build_wheel, pyodide_lock

#: Pyodide 314's environment markers (Python 3.14, Emscripten, wasm32).
PYODIDE_MARKERS = {**default_environment(), "sys_platform": "emscripten", "platform_system": "Emscripten",
                   "platform_machine": "wasm32", "os_name": "posix", "python_version": "3.14",
                   "python_full_version": "3.14.2", "implementation_name": "cpython", "extra": ""}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def wheel_metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(name))


def base_requirements(meta) -> list[Requirement]:
    """Requires-Dist entries that apply without any extra."""
    found = [Requirement(line) for line in meta.get_all("Requires-Dist") or ()]
    return [r for r in found if r.marker is None or r.marker.evaluate(PYODIDE_MARKERS)]


def extra_requirements(meta, extra: str) -> list[Requirement]:
    found = [Requirement(line) for line in meta.get_all("Requires-Dist") or ()]
    return [r for r in found if r.marker is not None and "extra" in str(r.marker)
            and r.marker.evaluate({**PYODIDE_MARKERS, "extra": extra})]


def pure_wheel(name: str) -> bool:
    """Was the installed ``name`` installed from a pure-Python (``py*-none-any``) wheel?"""
    try:
        wheel_file = metadata.distribution(name).read_text("WHEEL") or ""
    except metadata.PackageNotFoundError:
        return False
    fields = email.message_from_string(wheel_file)
    tags = fields.get_all("Tag") or []
    return (fields.get("Root-Is-Purelib", "").strip().lower() == "true" and bool(tags)
            and all(tag.strip().endswith("-none-any") for tag in tags))


def not_installable_in_pyodide(requirements, lock: dict, seen=None) -> list[str]:
    """Each requirement (and, for pure wheels, its own requirements) that micropip could not
    install: neither shipped by this Pyodide in a matching version nor a pure-Python wheel."""
    seen = set() if seen is None else seen
    shipped = {canonicalize_name(name): entry for name, entry in lock["packages"].items()}
    problems = []
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        if name in shipped:
            version = shipped[name]["version"]
            if not requirement.specifier.contains(version, prereleases=True):
                problems.append(f"{requirement}: Pyodide ships {name} {version}, outside the range")
            continue
        if not pure_wheel(name):
            problems.append(f"{requirement}: no pure-Python wheel and not shipped by Pyodide")
            continue
        own = [Requirement(line) for line in metadata.requires(name) or ()]
        problems += not_installable_in_pyodide(
            [r for r in own if r.marker is None or r.marker.evaluate(PYODIDE_MARKERS)], lock, seen)
    return problems


def test_base_requirements_install_in_pyodide(wheel):
    lock = pyodide_lock()
    requirements = base_requirements(wheel_metadata(wheel))
    assert requirements, "the wheel lists no base requirement at all"
    assert not_installable_in_pyodide(requirements, lock) == []


def test_the_check_fails_on_a_platform_wheel_or_an_unshipped_version():
    lock = pyodide_lock()
    # curl_cffi ships compiled wheels only; xlwings too (Lite brings its own build of it)
    problems = not_installable_in_pyodide([Requirement("curl_cffi>=0.7"), Requirement("xlwings>=0.33")], lock)
    assert [p.split(":")[0] for p in problems] == ["curl_cffi>=0.7", "xlwings>=0.33"]
    assert not_installable_in_pyodide([Requirement("pandas<1")], lock)[0].startswith("pandas<1: Pyodide ships")
    assert not_installable_in_pyodide([Requirement("pandas>=2.0")], lock) == []


def test_extras_bring_the_optional_parts(wheel):
    meta = wheel_metadata(wheel)
    names = {canonicalize_name(r.name) for r in base_requirements(meta)}
    assert names.isdisjoint({"python-calamine", "yfinance", "curl-cffi", "xlwings", "openpyxl"})
    def named(extra):
        return {canonicalize_name(r.name) for r in extra_requirements(meta, extra)}

    assert named("workbook") == {"python-calamine"}
    assert named("prices") >= {"yfinance", "curl-cffi"}
    assert named("excel") == {"xlwings"}
    # the build flattens "xlrebalance[workbook,prices,excel]" into the packages themselves
    assert named("brokers") == {"ofxtools", "ibflex"}
    assert named("cli") == named("workbook") | named("prices") | named("excel") | named("brokers")
    assert named("test") >= named("cli") | {"pytest", "openpyxl", "hatchling"}


def test_the_wheel_carries_the_registry_and_the_lite_template(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    assert "xlrebalance/workbook_templates/layout.toml" in names
    assert "xlrebalance/extras.py" in names


# ---------------------------------------------------------------------------------------
# Without the optional packages: a child Python in which they cannot be imported.

# A None entry in sys.modules is how Python spells "not installed" for both import (raises
# ModuleNotFoundError) and importlib.util.find_spec (returns None).
BLOCKER = textwrap.dedent("""
    import sys
    for blocked in ("python_calamine", "yfinance", "curl_cffi", "xlwings", "openpyxl", "platformdirs", "ofxtools",
                    "ibflex"):
        sys.modules[blocked] = None
""")


def run_without_extras(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-c", BLOCKER + textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, timeout=120)


def test_the_library_and_the_functions_work_without_the_extras():
    done = run_without_extras("""
        import sys
        import xlrebalance as xr
        from xlrebalance.sample import sample_tables
        from xlrebalance.excel.answers import table_answer
        pf = xr.Portfolio.from_tables(sample_tables())
        assert pf.errors == [], pf.errors
        import json
        tables = sample_tables()
        drift = table_answer("DRIFT", {t: tables.get(t) for t in
                             ("Holdings", "Accounts", "Targets", "Securities", "Prices", "Settings")})
        loaded = sorted(m for m, v in sys.modules.items() if v is not None and m.split(".")[0] in
                        ("python_calamine", "yfinance", "curl_cffi", "xlwings"))
        print(json.dumps({"drift": len(pf.drift()), "trades": len(pf.trade_list()),
                          "needed": pf.needs_rebalance(), "spill": drift, "loaded": loaded}, default=str))
    """)
    assert done.returncode == 0, done.stderr
    import json

    out = json.loads(done.stdout)
    assert out["drift"] > 0 and out["trades"] > 0 and isinstance(out["needed"], bool)
    assert out["spill"][0][0] == "Asset class" and len(out["spill"]) == out["drift"] + 1
    assert out["loaded"] == []


BROKERS = Path(__file__).parent / "fixtures" / "brokers"


@pytest.mark.parametrize("code, extra, package", [
    ("import xlrebalance as xr; xr.load('x.xlsx')", "workbook", "python-calamine"),
    ("import xlrebalance.workbook.reader", "workbook", "python-calamine"),
    ("import xlrebalance.prices.yahoo", "prices", "yfinance"),
    ("import xlrebalance.prices.replay", "prices", "curl_cffi"),
    ("import xlrebalance.excel.udfs", "excel", "xlwings"),
    ("from xlrebalance.brokers import read_broker_file; read_broker_file(" + repr(str(BROKERS / 'ofx_investment.qfx')) + ")",
     "brokers", "ofxtools"),
    ("from xlrebalance.brokers import read_broker_file; read_broker_file(" + repr(str(BROKERS / 'ibkr_flex_lots.xml')) + ")",
     "brokers", "ibflex"),
])
def test_a_missing_extra_is_named(code, extra, package):
    done = run_without_extras(f"""
        from xlrebalance.extras import MissingDependency
        try:
            {code}
        except MissingDependency as exc:
            assert isinstance(exc, ImportError)
            print(exc)
        else:
            raise SystemExit("no MissingDependency")
    """)
    assert done.returncode == 0, done.stderr
    assert f'pip install "xlrebalance[{extra}]"' in done.stdout and package in done.stdout


def test_the_command_line_names_the_missing_extra(tmp_path):
    from xlrebalance.workbook.builder import build_workbook

    book = build_workbook(tmp_path / "book.xlsm", sample=True).workbook
    done = run_without_extras(f"""
        import sys
        from xlrebalance.cli import main
        sys.exit(main(["check", {str(book)!r}]))
    """)
    message = done.stdout + done.stderr
    assert done.returncode == 2, message
    assert 'pip install "xlrebalance[workbook]"' in message, message
    assert "Traceback" not in message and "bug" not in message


def test_a_missing_extra_survives_a_worker_process():
    import pickle

    from xlrebalance.extras import MissingDependency

    again = pickle.loads(pickle.dumps(MissingDependency("python_calamine")))
    assert again.extra == "workbook" and str(again) == str(MissingDependency("python_calamine"))
