"""Every Excel function on random 2-D junk: text numbers, error values, huge values,
blanks, dates and text in any cell.  Whatever the tables hold, the answer is rectangular
(a spill Excel can show) and holds no NaN or infinite number; a table that cannot be
answered says why in text rows."""
from __future__ import annotations

import inspect
import math
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from xlrebalance.cells import EXCEL_ERRORS
from xlrebalance.excel import udfs
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout

FUNCTIONS = [getattr(udfs, name) for name in udfs.__all__]
TABLES = {spec.name.lower(): spec.name for spec in layout().tables}

JUNK = st.one_of(
    st.none(), st.just(""), st.just("   "),
    st.sampled_from(sorted(EXCEL_ERRORS)),
    st.sampled_from(["1e308", "1e400", "-1e400", "1e13", "1e12", "$1,000,000,000,000", "(5)", "12%", "-0", "nan",
                     "inf", "Infinity", "0x10", "1,2,3", "=1+1", "'7"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([1e308, -1e308, 1e300, 1e15, -1e15, 1e12, 5e-324, 0.0, -1.0]),
    st.integers(min_value=-10**20, max_value=10**20),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 12, 31)),
    st.text(max_size=6),
)


def table_params(function) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name in TABLES]


@st.composite
def junk_tables(draw):
    """The sample household with random cells turned into junk, or tables of pure junk."""
    tables = {name: [list(row) for row in rows] for name, rows in sample_tables().items()}
    if draw(st.booleans()):
        for _ in range(draw(st.integers(min_value=1, max_value=12))):
            name = draw(st.sampled_from(sorted(tables)))
            rows = tables[name]
            if len(rows) < 2:
                continue
            row = draw(st.integers(min_value=1, max_value=len(rows) - 1))
            col = draw(st.integers(min_value=0, max_value=len(rows[row]) - 1))
            rows[row][col] = draw(JUNK)
    else:
        name = draw(st.sampled_from(sorted(tables)))
        header = list(tables[name][0]) if draw(st.booleans()) else draw(st.lists(JUNK, min_size=1, max_size=6))
        body = draw(st.lists(st.lists(JUNK, min_size=len(header), max_size=len(header)), max_size=6))
        tables[name] = [header] + body
    return tables


def assert_spillable(answer, function) -> None:
    if function is udfs.NEEDS_REBALANCE:
        assert isinstance(answer, (bool, str)), answer
        return
    assert isinstance(answer, list) and answer, answer
    assert all(isinstance(row, list) for row in answer), answer
    widths = {len(row) for row in answer}
    assert len(widths) == 1 and widths != {0}, f"not rectangular: widths {widths}"
    for row in answer:
        for value in row:
            if isinstance(value, float):
                assert math.isfinite(value), f"{function.__name__} gave {value!r} in {row}"


@pytest.mark.parametrize("function", FUNCTIONS, ids=[f.__name__ for f in FUNCTIONS])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=junk_tables())
def test_every_excel_function_answers_junk_with_a_rectangular_finite_spill(function, tables):
    arguments = {name: tables[TABLES[name]] for name in table_params(function)}
    assert_spillable(function(**arguments), function)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables=junk_tables())
def test_needs_rebalance_reason_is_text_on_junk(tables):
    arguments = {name: tables[TABLES[name]] for name in table_params(udfs.NEEDS_REBALANCE)}
    assert isinstance(udfs.NEEDS_REBALANCE(**arguments, reason=True), str)


@pytest.mark.parametrize("function", FUNCTIONS, ids=[f.__name__ for f in FUNCTIONS])
@pytest.mark.parametrize("junk", ["1e308", "1e400", 1e300, "#N/A"])
def test_a_huge_or_error_share_count_is_reported_not_computed(function, junk):
    """Text "1e308" in Shares made the household value $inf; now each function says why."""
    tables = sample_tables()
    tables["Holdings"] = [list(r) for r in tables["Holdings"]]
    tables["Holdings"][1][2] = junk
    tables["Lots"] = [list(r) for r in tables["Lots"]]
    tables["Lots"][1][4] = junk
    arguments = {name: tables[TABLES[name]] for name in table_params(function)}
    answer = function(**arguments)
    assert_spillable(answer, function)
    shown = str(answer)
    assert "Shares" in shown and ("too large" in shown or "finite" in shown or "#N/A" in shown), shown
