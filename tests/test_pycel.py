"""pycel evaluates the whole generated ``--sample`` workbook; every value equals the library's.

pycel compiles each formula to Python: native formulas (INDEX/MATCH, SUMIFS, structured
references such as ``Holdings[[#This Row],[Price]]`` and ``Holdings[#All]``) with its own
function library, the Excel functions through the plugin module
``xlrebalance.excel.pycel_functions``.  The answers it computes must equal what
``xlrebalance.load(path)`` answers for the same file.

Two things pycel does not do as Excel does, and how this test deals with them:

* It starts from the values cached in the file (the builder caches the engine's answers),
  so every formula cell is loaded, then ``recalculate()`` throws the cached values away and
  computes them all again.
* It does not spill: a dynamic-array formula is an array formula whose range is its anchor
  cell, so the anchor evaluates to the top-left value of the answer only.  The whole
  answer is the anchor's formula evaluated by the same compiler outside any array range,
  which returns the function's 2-D result unclipped.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.formula import ArrayFormula
from pycel import ExcelCompiler
from pycel.excelcompiler import _Cell

import xlrebalance
from xlrebalance.excel import udfs
from xlrebalance.excel.render import render_cell, render_frame
from xlrebalance.spec import layout

PLUGIN = "xlrebalance.excel.pycel_functions"
EXCEL_EPOCH = dt.date(1899, 12, 30)
ERROR_VALUES = {"#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#N/A", "#NULL!"}


def dashboard() -> dict:
    return layout().raw["workbook"]["dashboard"]


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    builder = pytest.importorskip("xlrebalance.workbook.builder")
    path = tmp_path_factory.mktemp("pycel") / "sample_book.xlsm"
    builder.build_workbook(path, sample=True)
    return path


@pytest.fixture(scope="module")
def sheets(book):
    return openpyxl.load_workbook(book)


@pytest.fixture(scope="module")
def formulas(sheets) -> dict[str, str]:
    """Every formula cell of every sheet -> its formula text (array formulas included)."""
    found = {}
    for ws in sheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, ArrayFormula):
                    found[f"{ws.title}!{cell.coordinate}"] = value.text
                elif isinstance(value, str) and value.startswith("="):
                    found[f"{ws.title}!{cell.coordinate}"] = value
    return found


@pytest.fixture(scope="module")
def compiler(book, formulas):
    compiler = ExcelCompiler(filename=str(book), plugins=[PLUGIN])
    for address in formulas:  # load every formula cell (and what it needs) into the graph
        compiler.evaluate(address)
    compiler.recalculate()   # drop the cached values: compute everything
    return compiler


@pytest.fixture(scope="module")
def values(compiler, formulas) -> dict:
    return {address: compiler.evaluate(address) for address in formulas}


@pytest.fixture(scope="module")
def portfolio(book):
    return xlrebalance.load(book)


def spilled(compiler, anchor: str, formula: str):
    """The whole 2-D answer of a dynamic-array formula (pycel gives its anchor only)."""
    cell = _Cell(anchor, formula=formula, excel=compiler.excel)
    return [list(row) for row in compiler.eval(cell)]


def serial(day: dt.date) -> float:
    return float((day - EXCEL_EPOCH).days)


def named(sheets, name: str) -> str:
    """A defined name's cell as 'Sheet!A1'."""
    sheet, cell = next(iter(sheets.defined_names[name].destinations))
    return f"{sheet}!{cell.replace('$', '')}"


# --------------------------------------------------------------------------------------

def test_every_formula_cell_evaluates(values):
    assert len(values) > 100
    errors = {a: v for a, v in values.items() if isinstance(v, str) and v in ERROR_VALUES}
    assert not errors


def test_the_functions_compile_to_the_plugin(compiler, formulas):
    calls = {fn.name for fn in layout().functions}
    used = {text.lstrip("=").split("(", 1)[0] for text in formulas.values()} & calls
    assert used >= {"DRIFT", "NEEDS_REBALANCE", "TRADE_LIST", "HARVEST_CANDIDATES", "REALIZED_GAINS"}
    anchor = next(a for a, text in formulas.items() if text.startswith("=DRIFT("))
    code = compiler.cell_map[anchor].formula.python_code
    assert "drift(" in code and '_R_("Holdings!A1:' in code  # Holdings[#All]: the header row too


def test_holdings_formula_columns_equal_the_engine(sheets, values, portfolio):
    household = portfolio.household
    prices, securities = household.price_map(), household.security_map()
    ws = sheets["Holdings"]
    header = [c.value for c in ws[1]]
    col = {name: get_column_letter(header.index(name) + 1) for name in header}
    rows = 0
    for row in range(2, ws.max_row + 1):
        ticker = ws[f"{col['Ticker']}{row}"].value
        if ticker is None:
            continue
        shares = ws[f"{col['Shares']}{row}"].value
        assert values[f"Holdings!{col['Asset class']}{row}"] == securities[ticker].asset_class
        assert values[f"Holdings!{col['Price']}{row}"] == pytest.approx(prices[ticker])
        assert values[f"Holdings!{col['Value']}{row}"] == pytest.approx(shares * prices[ticker])
        rows += 1
    assert rows == len(household.holdings)


def test_top_cells_equal_the_library(sheets, values, portfolio):
    settings = portfolio.household.settings
    report = portfolio.drift_report()
    assert values[named(sheets, "NeedsRebalance")] is portfolio.needs_rebalance()
    reason = values[named(sheets, "RebalanceReason")]
    assert reason.startswith(portfolio.rebalance_reason())
    assert values[named(sheets, "HouseholdValue")] == pytest.approx(report.total, abs=0.005)
    assert values[named(sheets, "AsOfDate")] == serial(settings.as_of)
    assert values[named(sheets, "BandRule")] == settings.band_rule.value
    assert values[named(sheets, "AbsoluteBand")] == pytest.approx(settings.absolute_band)
    assert values[named(sheets, "RelativeBand")] == pytest.approx(settings.relative_band)


def test_allocation_check_equals_the_drift_report(values, portfolio):
    """The native allocation block (the chart's data) against core/drift.py, by asset class."""
    block = dashboard()["allocation"]
    sheet = dashboard()["sheet"]
    names = [c["name"] for c in block["columns"]]
    report = {r.asset_class: r for r in portfolio.drift_report().rows}
    targets = portfolio.household.target_map()
    seen = set()
    row = block["row"] + 1
    while row <= block["row"] + block["rows"] and f"{sheet}!{get_column_letter(block['column'])}{row}" in values:
        cells = {name: values[f"{sheet}!{get_column_letter(block['column'] + i)}{row}"]
                 for i, name in enumerate(names)}
        row += 1
        if cells["Asset class"] in ("", None, 0):
            continue
        expected = report[cells["Asset class"]]
        seen.add(expected.asset_class)
        assert cells["Target"] == pytest.approx(targets[expected.asset_class].target)
        assert cells["Tradable"] is expected.tradable
        assert cells["Value"] == pytest.approx(expected.value, abs=0.005)
        assert cells["Weight"] == pytest.approx(expected.weight, abs=1e-12)
        assert cells["Effective target"] == pytest.approx(expected.target, abs=1e-12)
        assert cells["Band"] == pytest.approx(expected.band, abs=1e-12)
        assert cells["Band low"] == pytest.approx(expected.band_low, abs=1e-12)
        assert cells["Band high"] == pytest.approx(expected.band_high, abs=1e-12)
        assert cells["Status"] == expected.status
    assert seen == set(report)


def spilled_functions() -> list[str]:
    """Every function the workbook spills: the Dashboard's blocks and the answer sheets'."""
    from xlrebalance.workbook.dashboard import spill_anchors

    return [anchor.function for anchor in spill_anchors()]


@pytest.mark.parametrize("block", spilled_functions())
def test_spilled_answers_equal_the_library(block, compiler, formulas, values, portfolio):
    spec = layout().function(block)
    anchor, formula = next((a, t) for a, t in formulas.items() if t.startswith(f"={block}("))
    answer = spilled(compiler, anchor, formula)
    assert values[anchor] == answer[0][0]  # what pycel itself shows in the anchor cell

    try:
        frame = getattr(portfolio, spec.method)()
    except NotImplementedError:
        assert answer == [[f"{block} is not available in this version of xlrebalance."]]
        return
    table = render_frame(frame, spec.columns)
    assert answer[:len(table)] == table
    width = len(spec.columns)
    totals = [[label] + [None] * (width - 2) + [render_cell(amount)]
              for label, amount in frame.attrs.get("totals", {}).items()]
    rest = answer[len(table):]
    assert rest[:len(totals)] == totals
    assert all(row[0].startswith("Warning: ") for row in rest[len(totals):])


def test_spilled_answers_are_what_the_excel_functions_answer_for_the_file(book, compiler, formulas):
    """Warnings included: the same rows the functions give for the tables the reader reads."""
    from xlrebalance.workbook.reader import read_tables

    tables = read_tables(book).tables
    for function in spilled_functions():
        anchor, formula = next((a, t) for a, t in formulas.items() if t.startswith(f"={function}("))
        expected = udfs.table_answer(function, tables)
        assert spilled(compiler, anchor, formula) == expected


def test_every_formula_cell_is_one_checked_above(sheets, formulas):
    """Holdings' formula columns, the top cells, the allocation block and the spill anchors:
    a formula cell anywhere else would go unchecked, so there must be none."""
    from xlrebalance.workbook.builder import formula_columns

    checked = set()
    ws = sheets["Holdings"]
    header = [c.value for c in ws[1]]
    for column in formula_columns("Holdings"):
        letter = get_column_letter(header.index(column.name) + 1)
        checked |= {f"Holdings!{letter}{row}" for row in range(2, ws.max_row + 1)}
    checked |= {named(sheets, cell["name"]) for cell in dashboard()["cells"]}
    block = dashboard()["allocation"]
    sheet = dashboard()["sheet"]
    checked |= {a for a in formulas if a.startswith(f"{sheet}!") and _in_allocation(a, block)}
    checked |= {a for a, text in formulas.items() if text.startswith(tuple(f"={f}(" for f in spilled_functions()))}
    assert set(formulas) <= checked, sorted(set(formulas) - checked)


def _in_allocation(address: str, block: dict) -> bool:
    from openpyxl.utils.cell import coordinate_from_string, column_index_from_string

    letters, row = coordinate_from_string(address.split("!", 1)[1])
    column = column_index_from_string(letters)
    return block["row"] < row <= block["row"] + block["rows"] + 1 and \
        block["column"] <= column < block["column"] + len(block["columns"])
