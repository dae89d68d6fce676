"""The Excel functions through xlwings' own custom-function machinery.

xlwings Server/Lite register a module's functions from ``custom_functions_meta(module)``
and run each call with ``custom_functions_call(data, module)``, ``data`` being the JSON
body the Office.js client posts.  Both read the decorators, so this proves the decorated
module is well-formed (names, arguments, help text) and that an Excel-shaped call (values
as Excel sends them: numbers as floats, dates as serial numbers, blanks as null) returns
the library's tables.

The machinery is only active when xlwings is imported with ``XLWINGS_ON_SERVER=true`` and
a license key (``XLWINGS_LICENSE_KEY=noncommercial`` for noncommercial use, PolyForm
Noncommercial), so it runs in a child Python with those variables set.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from xlrebalance.excel import udfs
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
DATE_FORMAT = "M/d/yyyy"
FUNCTIONS = [fn.name for fn in layout().functions]

CHILD = r"""
import asyncio, json, sys
import xlwings
from xlwings import server
from xlrebalance.excel import udfs

request = json.load(sys.stdin)
answers = {"meta": server.custom_functions_meta(udfs), "calls": []}
for body in request["calls"]:
    body = dict(body, version=xlwings.__version__)
    answers["calls"].append(asyncio.run(server.custom_functions_call(body, udfs)))
json.dump(answers, sys.stdout)
"""


def excel_value(value, blank):
    """A cell as the Office.js client sends it."""
    if value is None:
        return blank
    if isinstance(value, dt.datetime):
        return (value - EXCEL_EPOCH) / dt.timedelta(days=1)
    if isinstance(value, dt.date):
        return float((value - EXCEL_EPOCH.date()).days)
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def excel_table(rows, blank=None):
    return [[excel_value(v, blank) for v in row] for row in rows]


def body(function: str, tables: dict, *extra, blank=None) -> dict:
    args = [excel_table(tables[name], blank) if tables.get(name) is not None else [[blank]]
            for name in layout().function(function).args]
    return {"client": "Office.js", "func_name": function, "args": args + [[[x]] for x in extra],
            "caller_address": "[portfolio.xlsm]Dashboard!B4", "session_id": "test",
            "culture_info_name": "en-US", "date_format": DATE_FORMAT, "runtime": "1.4"}


def run_server(calls: list[dict]) -> dict:
    env = dict(os.environ, XLWINGS_ON_SERVER="true", XLWINGS_LICENSE_KEY="noncommercial")
    done = subprocess.run([sys.executable, "-c", CHILD], input=json.dumps({"calls": calls}),
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def as_excel_shows(rows):
    """What xlwings sends back for our rendered rows: blanks "", dates as date-formatted serials."""
    def cell(value):
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            return {"type": "FormattedNumber", "basicValue": excel_value(value, None), "numberFormat": DATE_FORMAT}
        return value
    if not isinstance(rows, list):
        rows = [[rows]]
    return [[cell(v) for v in row] for row in rows]


def same_cells(answer, expected) -> bool:
    """Equal cell by cell; floats to 1e-9 relative: the child is another Python process, and
    an engine that sums over a set may add in another order there (string hashing differs)."""
    if len(answer) != len(expected):
        return False
    for got_row, want_row in zip(answer, expected):
        if len(got_row) != len(want_row):
            return False
        for got, want in zip(got_row, want_row):
            if isinstance(want, float) and isinstance(got, (int, float)):
                if got != pytest.approx(want, rel=1e-9, abs=1e-12):
                    return False
            elif got != want:
                return False
    return True


@pytest.fixture(scope="module")
def tables():
    return sample_tables()


@pytest.fixture(scope="module")
def served(tables):
    calls = [body(name, tables) for name in FUNCTIONS]
    calls.append(body("NEEDS_REBALANCE", tables, True))
    calls.append(body("DRIFT", tables, blank=""))  # blank cells sent as "" rather than null
    return run_server(calls)


def test_meta_lists_every_function_with_its_arguments(served):
    meta = {f["id"]: f for f in served["meta"]["functions"]}
    assert sorted(meta) == sorted(FUNCTIONS)
    for spec in layout().functions:
        function = meta[spec.name]
        names = [p["name"] for p in function["parameters"]]
        options = {"NEEDS_REBALANCE": ["reason"], "HARVEST_CANDIDATES": ["view"]}.get(spec.name, [])
        expected = [a.lower() for a in spec.args] + options
        assert names == expected
        assert function["name"] == spec.name
        assert function["description"] == getattr(udfs, spec.name).__doc__
        for param in function["parameters"]:
            assert not param["description"].startswith("Positional argument"), param
            if param["name"] not in options:
                table = layout().table(param["name"])
                assert param["description"] == udfs._doc(table.name)
                assert param["dimensionality"] == "matrix"
        assert function["result"]["dimensionality"] == "matrix"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_calls_return_what_the_library_answers(served, tables, function):
    answer = served["calls"][FUNCTIONS.index(function)]
    if function == "NEEDS_REBALANCE":
        expected = udfs.rebalance_answer(tables)
    else:
        expected = udfs.table_answer(function, tables)
    assert same_cells(answer, as_excel_shows(expected)), (answer, expected)


def test_drift_call_is_the_library_table(served, tables):
    """Not only the same path: the library's own DataFrame, rendered."""
    from xlrebalance.excel.render import render_frame
    from xlrebalance.portfolio import Portfolio

    answer = served["calls"][FUNCTIONS.index("DRIFT")]
    frame = Portfolio.from_tables(tables).drift()
    expected = as_excel_shows(render_frame(frame, layout().function("DRIFT").columns))
    assert same_cells(answer[:len(expected)], expected)
    assert len(expected) > 1


def test_reason_argument(served, tables):
    assert served["calls"][len(FUNCTIONS)] == [[udfs.rebalance_answer(tables, reason=True)]]


def test_blank_cells_sent_as_empty_text(served):
    assert served["calls"][len(FUNCTIONS) + 1] == served["calls"][FUNCTIONS.index("DRIFT")]
