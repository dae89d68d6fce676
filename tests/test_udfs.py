"""The Excel functions (excel/udfs.py) and what they spill (excel/render.py).

The functions are called here as plain Python functions with the 2-D lists xlwings hands
them; every answer must equal the library's DataFrame rendered the same way.
"""
from __future__ import annotations

import datetime as dt
import enum
import inspect
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from xlrebalance.core.model import Issue, Severity
from xlrebalance.excel import udfs
from xlrebalance.excel.render import (
    issue_text, render_cell, render_frame, render_issues, render_rows, render_warnings,
)
from xlrebalance.portfolio import Portfolio
from xlrebalance.spec import layout

# --------------------------------------------------------------------------------------
# A small household as xlwings hands it over: header row first, floats, None for blanks,
# dates as datetimes (classic xlwings) -- see test_dates_as_excel_serials for Server's.

HOLDINGS = [["Account", "Ticker", "Shares"],
            ["Brokerage", "VTI", 100.0], ["Brokerage", "VXUS", 80.0], ["IRA", "BND", 50.0]]
ACCOUNTS = [["Account", "Type", "Owner", "Cash", "Cash flow"],
            ["Brokerage", "Taxable", "Ann", 1000.0, None], ["IRA", "Traditional", "Ann", 0.0, None]]
TARGETS = [["Asset class", "Target", "Abs band", "Rel band", "Tradable", "Buy ticker"],
           ["US stock", 0.5, None, None, True, "VTI"], ["Intl stock", 0.2, None, None, True, "VXUS"],
           ["Bonds", 0.3, None, None, True, "BND"]]
SECURITIES = [["Ticker", "Asset class", "Wash group", "Replacement"],
              ["VTI", "US stock", None, "ITOT"], ["VXUS", "Intl stock", None, "IXUS"],
              ["BND", "Bonds", None, "AGG"]]
PRICES = [["Ticker", "Price", "Currency", "As of", "Source", "Status"],
          ["VTI", 300.0, "USD", dt.datetime(2026, 11, 20), "Manual", None],
          ["VXUS", 60.0, "USD", dt.datetime(2026, 11, 20), "Manual", None],
          ["BND", 70.0, "USD", dt.datetime(2026, 11, 20), "Manual", None]]
LOTS = [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"],
        ["Brokerage", "VTI", "L1", dt.datetime(2020, 3, 2), 100.0, 15000.0],
        ["Brokerage", "VXUS", "L2", dt.datetime(2026, 2, 10), 80.0, 5600.0]]
TRANSACTIONS = [["Date", "Account", "Ticker", "Action", "Shares", "Price", "Lot ID", "Acquired", "Cost basis"]]
SETTINGS = [["Setting", "Value"], ["As of date", dt.datetime(2026, 11, 20)], ["Last review", None]]

# BACKTEST's monthly returns: 24 months, the US stock class up 1%, the others flat.
RETURNS = [["Date", "US stock", "Intl stock", "Bonds"]] + [
    [dt.datetime(2024 + m // 12, m % 12 + 1, 28), 0.01, 0.0, 0.0] for m in range(24)]

TABLES = {"Holdings": HOLDINGS, "Accounts": ACCOUNTS, "Targets": TARGETS, "Securities": SECURITIES,
          "Prices": PRICES, "Lots": LOTS, "Transactions": TRANSACTIONS, "Settings": SETTINGS,
          "Returns": RETURNS}

FUNCTIONS = [fn.name for fn in layout().functions]
TABLE_FUNCTIONS = [fn.name for fn in layout().functions if fn.columns]


def call(function: str, tables: dict, *extra):
    """Call an Excel function with the tables in the registry's argument order."""
    args = [tables.get(name) for name in layout().function(function).args]
    return getattr(udfs, function)(*args, *extra)


def library_rows(function: str, tables: dict):
    """What the library answers for ``function``, rendered; None when not built yet."""
    spec = layout().function(function)
    portfolio = Portfolio.from_tables(tables)
    try:
        answer = getattr(portfolio, spec.method)()
    except NotImplementedError:
        return None
    return render_frame(answer, spec.columns), answer


@pytest.fixture(scope="module")
def sample():
    sample_module = pytest.importorskip("xlrebalance.sample")
    return sample_module.sample_tables()


# --------------------------------------------------------------------------------------
# The functions match the registry: names, argument names and order, help text.

@pytest.mark.parametrize("function", FUNCTIONS)
def test_arguments_are_the_registry_tables_in_order(function):
    params = list(inspect.signature(getattr(udfs, function)).parameters)
    expected = [name.lower() for name in layout().function(function).args]
    if function == "NEEDS_REBALANCE":
        expected.append("reason")
    if function == "HARVEST_CANDIDATES":
        expected.append("view")     # "Today" (default) or "Plan"
    assert params == expected


@pytest.mark.parametrize("function", FUNCTIONS)
def test_help_text_fits_excel(function):
    doc = getattr(udfs, function).__doc__
    assert doc and len(doc) <= 255
    for table in layout().function(function).args:
        assert len(udfs._doc(table)) <= 255


# --------------------------------------------------------------------------------------
# Cells: what each Python value becomes.

class Colour(str, enum.Enum):
    RED = "Red"


@pytest.mark.parametrize("value, cell", [
    (None, None),
    (float("nan"), None),
    (np.nan, None),
    (pd.NaT, None),
    (pd.NA, None),
    (3, 3.0),
    (np.int64(7), 7.0),
    (np.float32(0.5), 0.5),
    (True, True),
    (np.bool_(False), False),
    ("OVER", "OVER"),
    (Colour.RED, "Red"),
    (dt.date(2026, 3, 15), dt.datetime(2026, 3, 15)),
    (dt.datetime(2026, 3, 15, 9, 30), dt.datetime(2026, 3, 15, 9, 30)),
    (pd.Timestamp("2026-03-15"), dt.datetime(2026, 3, 15)),
    (pd.Timestamp("2026-03-15 10:00", tz="UTC"), dt.datetime(2026, 3, 15, 10, 0)),
    (np.datetime64("2026-03-15"), dt.datetime(2026, 3, 15)),
])
def test_render_cell(value, cell):
    out = render_cell(value)
    assert out == cell and type(out) is type(cell)


def test_render_frame_picks_columns_by_name_and_blanks_missing_values():
    frame = pd.DataFrame({"B": [1, None], "A": ["x", None], "Extra": [0, 0]})
    assert render_frame(frame, ["A", "B"]) == [["A", "B"], ["x", 1.0], [None, None]]


def test_render_frame_missing_column_is_a_programmer_error():
    with pytest.raises(KeyError, match="Status"):
        render_frame(pd.DataFrame({"A": [1]}), ["A", "Status"])


def test_render_frame_of_an_empty_answer_is_its_header():
    assert render_frame(pd.DataFrame(columns=["A", "B"]), ["A", "B"]) == [["A", "B"]]


ERROR = Issue("bad_value", "expected a number, found text 'abc'.", "Holdings", 7, "Shares")
WARNING = Issue("stale_price", "VTI's price is 9 days old.", "Prices", 3, None, Severity.WARNING)
LOOSE = Issue("no_targets", "There is no Targets table.", None, None, None)


@pytest.mark.parametrize("issue, text", [
    (ERROR, "Error: Holdings, row 7, column 'Shares': expected a number, found text 'abc'. (bad_value)"),
    (WARNING, "Warning: Prices, row 3: VTI's price is 9 days old. (stale_price)"),
    (LOOSE, "Error: There is no Targets table. (no_targets)"),
])
def test_issue_text(issue, text):
    assert issue_text(issue) == text


def test_issues_spill_errors_first_one_row_each():
    assert render_issues([WARNING, ERROR], width=2) == [[issue_text(ERROR), None], [issue_text(WARNING), None]]
    assert render_warnings([WARNING, ERROR], width=3) == [[issue_text(WARNING), None, None]]


cell_values = st.one_of(
    st.none(), st.booleans(), st.integers(-10**9, 10**9), st.floats(allow_nan=True, allow_infinity=False),
    st.text(max_size=5), st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)))


@hsettings(max_examples=60, deadline=None)
@given(header=st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=6),
       rows=st.lists(st.lists(cell_values, max_size=8), max_size=6))
def test_rendered_rows_are_rectangular_excel_cells(header, rows):
    out = render_rows(header, rows)
    assert len(out) == len(rows) + 1
    assert all(len(row) == len(header) for row in out)
    for row in out:
        for cell in row:
            assert cell is None or type(cell) in (bool, float, str, dt.datetime)
            assert not (isinstance(cell, float) and math.isnan(cell))


# --------------------------------------------------------------------------------------
# Answers: the same as the library's.

@pytest.mark.parametrize("function", TABLE_FUNCTIONS)
def test_table_functions_answer_as_the_library(function):
    result = call(function, TABLES)
    expected = library_rows(function, TABLES)
    if expected is None:  # that engine is not in this version yet: a clear text row
        assert result == [[f"{function} is not available in this version of xlrebalance."]]
        return
    rows, answer = expected
    width = len(layout().function(function).columns)
    assert result[:len(rows)] == rows
    tail = result[len(rows):]
    totals = [[label] + [None] * (width - 2) + [render_cell(amount)]
              for label, amount in answer.attrs.get("totals", {}).items()]
    assert tail[:len(totals)] == totals
    for row in tail[len(totals):]:
        assert row[0].startswith("Warning: ") and row[1:] == [None] * (width - 1)
    assert all(len(row) == width for row in result)


@pytest.mark.parametrize("function", TABLE_FUNCTIONS)
def test_sample_household_answers_as_the_library(function, sample):
    result = call(function, sample)
    expected = library_rows(function, sample)
    if expected is None:
        assert result == [[f"{function} is not available in this version of xlrebalance."]]
        return
    rows, _ = expected
    assert result[:len(rows)] == rows
    assert len(rows) > 1, f"the sample household should show something in {function}"
    assert not [row for row in result if isinstance(row[0], str) and row[0].startswith("Error")]


def test_drift_spills_header_and_one_row_per_class():
    result = call("DRIFT", TABLES)
    assert result[0] == list(layout().function("DRIFT").columns)
    assert [row[0] for row in result[1:4]] == ["US stock", "Intl stock", "Bonds"]
    by_class = {row[0]: dict(zip(result[0], row)) for row in result[1:4]}
    # 30000 + 4800 + 3500 = 38300 invested; no Cash target so the account cash is outside
    assert by_class["US stock"]["Value"] == pytest.approx(30000.0)
    assert by_class["US stock"]["Weight"] == pytest.approx(30000.0 / 38300.0)
    assert by_class["US stock"]["Status"] == "OVER"


def test_needs_rebalance_is_a_boolean_or_the_sentence():
    portfolio = Portfolio.from_tables(TABLES)
    assert call("NEEDS_REBALANCE", TABLES) is portfolio.needs_rebalance()
    assert call("NEEDS_REBALANCE", TABLES, False) is portfolio.needs_rebalance()
    assert call("NEEDS_REBALANCE", TABLES, True) == portfolio.rebalance_reason()


def test_needs_rebalance_reason_counts_the_warnings():
    tables = dict(TABLES, Accounts=None)  # no Accounts table: a warning, answers still stand
    reason = call("NEEDS_REBALANCE", tables, True)
    assert reason.startswith(Portfolio.from_tables(tables).rebalance_reason())
    assert "warning" in reason


def test_warnings_follow_the_table():
    tables = dict(TABLES, Accounts=None)
    result = call("DRIFT", tables)
    warnings = [row for row in result if isinstance(row[0], str) and row[0].startswith("Warning: ")]
    assert warnings and result[-len(warnings):] == warnings
    assert all(cell is None for row in warnings for cell in row[1:])


def test_bad_input_spills_the_errors_not_a_python_error():
    holdings = [HOLDINGS[0], ["Brokerage", "VTI", "abc"], *HOLDINGS[2:]]
    tables = dict(TABLES, Holdings=holdings)
    result = call("DRIFT", tables)
    assert result[0] == ["Error: Holdings, row 2, column 'Shares': expected a number, found text 'abc'. (bad_value)"]
    assert all(len(row) == 1 and row[0].startswith(("Error: ", "Warning: ")) for row in result)
    single = call("NEEDS_REBALANCE", tables)
    assert single.startswith("Error: Holdings, row 2, column 'Shares'")


def test_empty_required_table_is_an_error_row():
    result = call("DRIFT", dict(TABLES, Targets=TARGETS[:1]))
    assert result[0][0].startswith("Error: ")
    assert "Targets" in " ".join(row[0] for row in result)


def test_dates_as_excel_serials_give_the_same_answer():
    """xlwings Server sends date cells as Excel serial numbers, classic xlwings as datetimes."""
    def serial(value):
        return (value - dt.datetime(1899, 12, 30)).days if isinstance(value, dt.datetime) else value

    as_serials = {name: [[serial(v) for v in row] for row in rows] for name, rows in TABLES.items()}
    for function in TABLE_FUNCTIONS:
        assert call(function, as_serials) == call(function, TABLES)
    assert call("NEEDS_REBALANCE", as_serials, True) == call("NEEDS_REBALANCE", TABLES, True)


def test_an_unexpected_failure_is_a_readable_row(monkeypatch):
    def broken(self):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(Portfolio, "drift", broken)
    monkeypatch.setattr(Portfolio, "needs_rebalance", broken)
    assert call("DRIFT", TABLES)[0][0].startswith("Internal error in DRIFT (ZeroDivisionError")
    assert call("NEEDS_REBALANCE", TABLES).startswith("Internal error in NEEDS_REBALANCE")


def test_totals_rows_follow_the_table(monkeypatch):
    """A library answer may carry totals in ``attrs["totals"]``: label first, amount last."""
    spec = layout().function("REALIZED_GAINS")
    answer = pd.DataFrame(columns=list(spec.columns))
    answer.attrs["totals"] = {"Net gain": 1234.5}
    monkeypatch.setattr(Portfolio, "realized_gains", lambda self: answer)
    result = call("REALIZED_GAINS", TABLES)
    assert result[0] == list(spec.columns)
    assert result[1] == ["Net gain"] + [None] * (len(spec.columns) - 2) + [1234.5]


def test_answer_warnings_follow_the_table(monkeypatch):
    """Warnings found while answering (``attrs["issues"]``) are shown like input warnings."""
    spec = layout().function("HARVEST_CANDIDATES")
    answer = pd.DataFrame(columns=list(spec.columns))
    answer.attrs["issues"] = [WARNING]
    monkeypatch.setattr(Portfolio, "harvest_candidates", lambda self: answer)
    result = call("HARVEST_CANDIDATES", TABLES)
    assert result == [list(spec.columns), [issue_text(WARNING)] + [None] * (len(spec.columns) - 1)]


def test_ledger_functions_need_only_their_own_tables():
    """REALIZED_GAINS and OPEN_LOTS are not given Holdings, Prices or Targets: no error for that."""
    for function in ("REALIZED_GAINS", "OPEN_LOTS"):
        result = call(function, TABLES)
        assert result[0] == list(layout().function(function).columns)
        assert not [row for row in result if isinstance(row[0], str) and row[0].startswith(("Error", "Warning"))]


def test_star_import_gives_exactly_the_functions():
    """The workbook's companion module does ``from xlrebalance.excel.udfs import *``."""
    namespace: dict = {}
    exec("from xlrebalance.excel.udfs import *", namespace)
    assert sorted(k for k in namespace if not k.startswith("__")) == sorted(FUNCTIONS)


def test_the_same_tables_are_parsed_once(monkeypatch):
    """DRIFT and NEEDS_REBALANCE (twice) share one parse per recalculation; any changed cell parses again."""
    udfs._parsed.cache_clear()
    parses = []
    real = Portfolio.from_tables.__func__

    def counting(cls, tables, **kwargs):
        parses.append(1)
        return real(cls, tables, **kwargs)

    monkeypatch.setattr(Portfolio, "from_tables", classmethod(counting))
    call("DRIFT", TABLES)
    call("NEEDS_REBALANCE", TABLES)
    call("NEEDS_REBALANCE", TABLES, True)
    assert len(parses) == 1
    changed = [HOLDINGS[0], ["Brokerage", "VTI", 101.0], *HOLDINGS[2:]]
    assert call("DRIFT", dict(TABLES, Holdings=changed)) != call("DRIFT", TABLES)
    assert len(parses) == 2
