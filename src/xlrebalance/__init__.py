"""Systematic, tax-aware portfolio rebalancing for people who run their money in Excel.

    import xlrebalance as xr
    pf = xr.load("my_portfolio.xlsm")       # or xr.Portfolio.from_frames(holdings=df, ...)
    pf.drift(); pf.needs_rebalance(); pf.rebalance_reason(); pf.trade_list()
    xr.regenerate("Old.xlsm", "New.xlsm")   # a fresh workbook with Old's data: .tables, .report
"""
from .core.model import Issue, Severity
from .errors import InputError, WorkbookError, XlrebalanceError


def __getattr__(name: str):
    """``Portfolio`` and ``load`` import pandas: loaded on first use, so the command line's
    ``new`` and the workbook layer start quickly."""
    if name in ("Portfolio", "load"):
        from . import portfolio

        return getattr(portfolio, name)
    if name == "regenerate":
        from .lifecycle import regenerate

        return regenerate
    if name == "import_files":
        from .lifecycle.import_files import import_files

        return import_files
    raise AttributeError(f"module 'xlrebalance' has no attribute {name!r}")


__version__ = "0.1.0"
__all__ = ["Portfolio", "load", "regenerate", "import_files", "Issue", "Severity", "InputError", "WorkbookError",
           "XlrebalanceError"]
