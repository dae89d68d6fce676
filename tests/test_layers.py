"""The layers of DESIGN.md: dependencies point downwards only.

cli -> excel -> workbook -> prices -> tables -> core.  Checked on the import statements of
each module (module-level and inside functions alike).
"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "xlrebalance"
# what each layer may not import (package-relative module prefixes and third-party names)
FORBIDDEN = {
    "core": ("xlrebalance.tables", "xlrebalance.cells", "xlrebalance.settings", "xlrebalance.validate",
             "xlrebalance.prices", "xlrebalance.workbook", "xlrebalance.excel", "xlrebalance.cli",
             "xlrebalance.check", "xlrebalance.portfolio", "xlwings", "openpyxl", "xlsxwriter", "yfinance",
             "python_calamine", "pandas", "curl_cffi"),
    "prices": ("xlrebalance.workbook", "xlrebalance.excel", "xlrebalance.cli", "xlrebalance.check", "xlwings"),
    "workbook": ("xlrebalance.excel", "xlrebalance.cli", "xlwings", "yfinance"),
    "tables": ("xlrebalance.prices", "xlrebalance.workbook", "xlrebalance.excel", "xlrebalance.cli", "xlwings",
               "openpyxl", "xlsxwriter", "yfinance", "python_calamine"),
}
LAYER_OF = {"core": "core/*.py", "prices": "prices/*.py", "workbook": "workbook/*.py",
            "tables": "{tables,cells,settings,validate,spec}.py"}


def imported_names(path: Path) -> set[str]:
    package = ".".join(["xlrebalance", *path.relative_to(PACKAGE).parts[:-1]])
    return names_in(path.read_text(encoding="utf-8"), package)


def names_in(source: str, package: str) -> set[str]:
    """Absolute names of everything ``source`` (a module of ``package``) imports."""
    tree = ast.parse(source)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def modules(layer: str) -> list[Path]:
    pattern = LAYER_OF[layer]
    if pattern.startswith("{"):
        return [PACKAGE / f"{name}.py" for name in pattern[1:pattern.index("}")].split(",")]
    return sorted(PACKAGE.glob(pattern))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_is_below_it(layer):
    found = []
    for path in modules(layer):
        for name in imported_names(path):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer]):
                found.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert found == []


def test_relative_imports_resolve_so_a_forbidden_one_is_seen():
    names = names_in("from ..prices.refresh import live_prices\nfrom .model import Lot\n"
                     "def f():\n    import xlwings\n", "xlrebalance.core")
    assert {"xlrebalance.prices.refresh", "xlrebalance.core.model", "xlwings"} <= names
