"""The Excel functions under the names pycel looks them up by, for headless evaluation.

pycel compiles ``=DRIFT(Holdings[#All], ...)`` to a call of ``drift(...)`` and finds the
function in the plugin modules it is given::

    ExcelCompiler(filename=path, plugins=["xlrebalance.excel.pycel_functions"])

pycel hands each ``Table[#All]`` over as a tuple of rows (dates as Excel serial numbers,
blanks as None), the same shape xlwings does; the functions are the Excel functions
themselves, so a workbook evaluated here answers exactly as it does in Excel.
"""
from __future__ import annotations

from xlrebalance.excel.udfs import (
    DRIFT as drift,
    HARVEST_CANDIDATES as harvest_candidates,
    NEEDS_REBALANCE as needs_rebalance,
    OPEN_LOTS as open_lots,
    REALIZED_GAINS as realized_gains,
    TRADE_LIST as trade_list,
)

__all__ = ["drift", "needs_rebalance", "trade_list", "harvest_candidates", "realized_gains", "open_lots"]
