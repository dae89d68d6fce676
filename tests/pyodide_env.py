"""Where the tests find Pyodide: the npm ``pyodide`` package that ``.ci/run`` installs into
``tests/pyodide/node_modules`` (``cd tests/pyodide && npm ci``), and Node to run it.

Missing Pyodide or Node fails the tests that need them when ``CI`` is set; elsewhere they
are skipped with the command that installs them.
"""
from __future__ import annotations

import json
import os
import shutil
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYODIDE_DIR = Path(os.environ.get("XLREBALANCE_PYODIDE_DIR") or ROOT / "tests" / "pyodide" / "node_modules" / "pyodide")
NODE = shutil.which("node")
INSTALL = "cd tests/pyodide && npm ci (Node 18+ and npm needed)"


def require_pyodide(node: bool = False) -> Path:
    """The Pyodide folder; fails (CI) or skips (elsewhere) when it, or Node, is missing."""
    missing = []
    if not (PYODIDE_DIR / "pyodide-lock.json").is_file():
        missing.append(f"the npm pyodide package ({PYODIDE_DIR})")
    if node and NODE is None:
        missing.append("Node (node)")
    if missing:
        message = f"{' and '.join(missing)} not installed: {INSTALL}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return PYODIDE_DIR


@lru_cache(maxsize=1)
def pyodide_lock() -> dict:
    """``pyodide-lock.json``: the packages this Pyodide ships, by canonical name."""
    return json.loads((require_pyodide() / "pyodide-lock.json").read_text(encoding="utf-8"))


def build_wheel(out: Path) -> Path:
    """The wheel, built from this checkout with the project's own build backend (hatchling)."""
    from hatchling.builders.wheel import WheelBuilder

    built = list(WheelBuilder(str(ROOT)).build(directory=str(out), versions=["standard"]))
    assert len(built) == 1, built
    return Path(built[0])
