"""``xlrebalance new --lite NAME.xlsx``: the workbook for xlwings Lite, and the ``main.py``
and ``requirements.txt`` to paste into the Lite editor.

The workbook is the desktop one without macros (no VBA project, no buttons, no xlwings.conf
sheet; an .xlsx).  Its function formulas are stored as Excel stores an Office.js custom
function in a file: ``_xldudf_`` before the function's name (its namespace and name joined
by ``_``; xlwings Lite registers its functions without a namespace, ``=DRIFT(...)``), so
``=DRIFT(Holdings[#All],...)`` is written ``_xldudf_DRIFT(Holdings[#All],...)``, and Excel
shows ``=DRIFT(...)`` once the add-in has registered DRIFT.  Whether Excel binds such a
stored formula when the workbook is opened is for a real Lite session to confirm; the
Refresh prices script writes the formulas again, as typed, on every run, which binds them
in any case.

``main.py`` is generated from the classic module (``excel/udfs.py``, read as source, not
imported): the same functions with the same arguments, decorators and bodies, with
``from xlwings import func, arg, ret`` in place of ``xw.func``; plus the scripts.
"""
from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from .. import __version__
from ..errors import WorkbookError
from ..files.output import cannot_write_message, write_text_atomically
from ..excel.answers import table_doc
from ..spec import layout
from ..workbook.builder import build_without_macros
from ..workbook.xlwings_parts import WorkbookName

#: How Excel stores a call of an Office.js custom function in a file.
UDF_PREFIX = "_xldudf_"
MAIN = "main.py"
REQUIREMENTS = "requirements.txt"


@dataclass(frozen=True)
class LiteResult:
    """What ``build_lite`` wrote."""

    workbook: Path
    main: Path
    requirements: Path
    sample: bool
    formulas: tuple[tuple[str, str, str], ...]   # (sheet, cell, formula as typed) of every function call


def lite_path(path: str | Path) -> Path:
    """The workbook's path: no suffix means .xlsx; a macro-enabled name is refused."""
    path = Path(path)
    if path.suffix == "":
        path = path.with_suffix(".xlsx")
    if path.suffix.lower() != ".xlsx":
        raise WorkbookError(f"{path.name}: an xlwings Lite workbook has no macros, so it is an .xlsx file; "
                            f"use {path.with_suffix('.xlsx').name}")
    return path


def udf_pattern(names: Sequence[str]) -> re.Pattern:
    """A call of one of ``names`` not already prefixed (``DRIFT(`` but not ``X.DRIFT(``)."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])({alternatives})\(")


def lite_worksheet_class() -> type:
    """An XlsxWriter worksheet that stores the Excel functions' calls in the custom-function
    form, records where it wrote them, and leaves buttons out (they would need macros)."""
    pattern = udf_pattern([f.name for f in layout().functions])
    written: list[tuple[str, str, str]] = []

    class LiteWorksheet(Worksheet):
        def _bind(self, row: int, col: int, formula: str) -> str:
            bound = pattern.sub(lambda m: UDF_PREFIX + m.group(1) + "(", formula)
            if bound != formula:
                written.append((self.name, xl_rowcol_to_cell(row, col), "=" + formula.lstrip("=")))
            return bound

        def _write_formula(self, row, col, formula, cell_format=None, value=0):
            return super()._write_formula(row, col, self._bind(row, col, formula), cell_format, value)

        def _write_array_formula(self, first_row, first_col, last_row, last_col, formula, cell_format=None,
                                 value=0, atype="static"):
            return super()._write_array_formula(first_row, first_col, last_row, last_col,
                                                self._bind(first_row, first_col, formula), cell_format, value,
                                                atype)

        def insert_button(self, row, col, options=None):
            return 0   # the scripts run from the xlwings Lite pane (Refresh prices)

    LiteWorksheet.written = written
    return LiteWorksheet


# ---------------------------------------------------------------------------------------
# main.py

def classic_module_source() -> str:
    spec = importlib.util.find_spec("xlrebalance.excel.udfs")
    if spec is None or not spec.origin:
        raise WorkbookError("cannot find xlrebalance's Excel functions (xlrebalance/excel/udfs.py)")
    return Path(spec.origin).read_text(encoding="utf-8")


def _exported(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise WorkbookError("xlrebalance/excel/udfs.py has no __all__")


def _resolve(node: ast.expr) -> ast.expr:
    """``_doc("Holdings")`` -> its text, so main.py stands on its own."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_doc"
            and len(node.args) == 1 and isinstance(node.args[0], ast.Constant)):
        return ast.Constant(table_doc(node.args[0].value))
    return node


def _lite_decorator(node: ast.expr) -> ast.expr:
    """``xw.func`` -> ``func``; ``xw.arg(..., doc=_doc("X"))`` -> ``arg(..., doc="...")``."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "xw":
        return ast.Name(node.attr)
    if isinstance(node, ast.Call):
        return ast.Call(_lite_decorator(node.func), [_resolve(a) for a in node.args],
                        [ast.keyword(k.arg, _resolve(k.value)) for k in node.keywords])
    return node


def lite_functions(source: Optional[str] = None) -> list[str]:
    """Each Excel function of the classic module as Lite source (decorators, signature, body)."""
    tree = ast.parse(source if source is not None else classic_module_source())
    names = _exported(tree)
    found = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    missing = [n for n in names if n not in found]
    if missing:
        raise WorkbookError(f"xlrebalance/excel/udfs.py exports {missing} but does not define them")
    out = []
    for name in names:
        node = found[name]
        node.decorator_list = [_lite_decorator(d) for d in node.decorator_list]
        out.append(ast.unparse(ast.fix_missing_locations(node)))
    return out


MAIN_HEADER = '''"""{title}: xlrebalance's Excel functions and scripts for xlwings Lite.

Written by xlrebalance {version} (xlrebalance new --lite).  Paste this file into the main.py
tab of the xlwings Lite editor, and requirements.txt into its requirements.txt tab.

Functions: {functions}.
Scripts (run them from the xlwings Lite pane):
- Refresh prices: quotes from the Quote URL in Settings, fetched by the browser (the quote
  server must send CORS headers); a ticker that fails keeps its old price, marked STALE.
  It first writes the function formulas below into their cells, so the Dashboard's formulas
  are bound to these functions from the first refresh on.
- Write formulas: only that first step, for when the Dashboard shows #NAME?.
"""
import xlwings as xw
from xlwings import arg, func, ret, script  # noqa: F401  (ret: for your own functions)

from xlrebalance.excel.answers import rebalance_answer, table_answer
from xlrebalance.lite.script import refresh_prices as refresh_workbook_prices, write_formulas as write_workbook_formulas

#: (sheet, cell, formula) of every function formula xlrebalance wrote into this workbook.
FORMULAS = {formulas}
'''

MAIN_SCRIPTS = '''

@script(name="Refresh prices")
async def refresh_prices(book: xw.Book):
    """Fetch quotes from the Quote URL in Settings and write the Prices table (Manual rows are kept; a failed ticker keeps its price, marked STALE)."""
    await refresh_workbook_prices(book, formulas=FORMULAS)


@script(name="Write formulas")
def write_formulas(book: xw.Book):
    """Write the Excel functions' formulas into their cells (when the Dashboard shows #NAME?)."""
    write_workbook_formulas(book, FORMULAS)
'''


def _formula_list(formulas: Sequence[tuple[str, str, str]]) -> str:
    return "[\n" + "".join(f"    {tuple(f)!r},\n" for f in formulas) + "]"


def main_source(title: str, formulas: Sequence[tuple[str, str, str]], source: Optional[str] = None) -> str:
    functions = lite_functions(source)
    names = [re.search(r"^def (\w+)", f, re.M).group(1) for f in functions]
    header = MAIN_HEADER.format(title=title, version=__version__, functions=", ".join(names),
                                formulas=_formula_list(formulas))
    return header + "\n" + "\n\n".join("\n" + f for f in functions) + "\n" + MAIN_SCRIPTS


def requirements_source() -> str:
    return (f"# For xlwings Lite, written by xlrebalance {__version__} (xlrebalance new --lite).\n"
            "# Add the line below to the requirements.txt tab of the xlwings Lite editor and keep its\n"
            "# xlwings line: the add-in brings xlwings; pandas comes with xlrebalance (Pyodide ships it).\n"
            f"xlrebalance=={__version__}\n")


# ---------------------------------------------------------------------------------------

def build_lite(path: str | Path, *, sample: bool = False, force: bool = False,
               tables: Optional[Mapping[str, Sequence[Sequence[Any]]]] = None) -> LiteResult:
    """Write ``path`` (.xlsx) and, next to it, ``main.py`` and ``requirements.txt``."""
    workbook = lite_path(path)
    main, requirements = workbook.with_name(MAIN), workbook.with_name(REQUIREMENTS)
    existing = [p for p in (workbook, main, requirements) if p.exists()]
    if existing and not force:
        listed = ", ".join(str(p) for p in existing)
        raise WorkbookError(f"{listed} already exist{'s' if len(existing) == 1 else ''}; choose another name "
                            "or folder, or pass --force to overwrite")
    worksheet_class = lite_worksheet_class()
    name = WorkbookName(path=workbook, module=re.sub(r"\W+", "_", workbook.stem) or "workbook")
    _, used_sample = build_without_macros(name, sample=sample, tables=tables, worksheet_class=worksheet_class)
    formulas = tuple(worksheet_class.written)
    for target, text in ((main, main_source(workbook.stem, formulas)), (requirements, requirements_source())):
        try:
            write_text_atomically(target, text)
        except OSError as exc:
            raise WorkbookError(cannot_write_message(target, exc)) from exc
    return LiteResult(workbook=workbook, main=main, requirements=requirements, sample=used_sample,
                      formulas=formulas)
