"""The Excel functions under the names pycel looks them up by, for headless evaluation.

pycel compiles ``=DRIFT(Holdings[#All], ...)`` to a call of ``drift(...)`` and finds the
function in the plugin modules it is given::

    ExcelCompiler(filename=path, plugins=["xlrebalance.excel.pycel_functions"])

pycel hands each ``Table[#All]`` over as a tuple of rows (dates as Excel serial numbers,
blanks as None), the shape xlwings hands a UDF; each function here is the Excel function
itself, its table answer returned as pycel's own array type (a tuple of row tuples: pycel
hashes results, so lists would break it).  A workbook evaluated here answers exactly as
it does in Excel.
"""
from __future__ import annotations

from typing import Any

from xlrebalance.excel import udfs


def _as_pycel(answer: Any) -> Any:
    if isinstance(answer, list):
        return tuple(tuple(row) for row in answer)
    return answer


def drift(*tables):
    return _as_pycel(udfs.DRIFT(*tables))


def needs_rebalance(*tables_and_reason):
    return _as_pycel(udfs.NEEDS_REBALANCE(*tables_and_reason))


def trade_list(*tables):
    return _as_pycel(udfs.TRADE_LIST(*tables))


def harvest_candidates(*tables):
    return _as_pycel(udfs.HARVEST_CANDIDATES(*tables))


def realized_gains(*tables):
    return _as_pycel(udfs.REALIZED_GAINS(*tables))


def open_lots(*tables):
    return _as_pycel(udfs.OPEN_LOTS(*tables))


def backtest(*tables):
    return _as_pycel(udfs.BACKTEST(*tables))
