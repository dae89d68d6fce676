"""The Excel functions: DRIFT, NEEDS_REBALANCE, TRADE_LIST, HARVEST_CANDIDATES,
REALIZED_GAINS and OPEN_LOTS.

Thin adapters, one per function: the table arguments (each ``Table[#All]``, header row
first) go to ``Portfolio.from_tables``, the answer comes back through ``render``.  Problems
in the user's tables come back as readable text rows in the spill (see ``render``), never
as a Python error.

Decorators only describe conversion (classic xlwings on Windows; the same module runs
under xlwings Server/Lite, whose decorators read the same options).  Every table argument
is ``ndim=2`` so a one-row table still arrives as a list of rows, and ``err_to_str=True`` so a
cell showing #N/A arrives as "#N/A" (reported by the cell parsers), never as a blank.  No ``@xw.ret(expand=...)``:
the workbook writes these as dynamic-array formulas and Excel spills the 2-D result
natively; ``expand="table"`` is the legacy emulation for Excel without dynamic arrays and
would overwrite cells.  The argument names and their order are the registry's
(``spec.layout().functions``): the builder writes ``=DRIFT(Holdings[#All], ...)`` in that
order.  No annotations on the parameters: xlwings would read them as converters.

Excel help text: the docstring is the function's description, ``doc=`` the argument's
(both under Excel's 255-character limit).
"""
from __future__ import annotations

from xlrebalance.excel.answers import (  # noqa: F401  (table_answer, rebalance_answer: used by pycel, tests)
    _parsed, rebalance_answer, table_answer, table_doc as _doc,
)
from xlrebalance.extras import require

xw = require("xlwings")  # the excel extra (xlwings Lite brings its own: see ``new --lite``)

#: What ``from xlrebalance.excel.udfs import *`` (the workbook's companion module) exports:
#: the Excel functions and nothing else.
__all__ = ["DRIFT", "NEEDS_REBALANCE", "TRADE_LIST", "HARVEST_CANDIDATES", "REALIZED_GAINS", "OPEN_LOTS",
           "BACKTEST"]


# ---------------------------------------------------------------------------------------
# The Excel functions.  Parameter names and order: the registry's "args", lower case.

@xw.func
@xw.arg("holdings", ndim=2, err_to_str=True, doc=_doc("Holdings"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("targets", ndim=2, err_to_str=True, doc=_doc("Targets"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("prices", ndim=2, err_to_str=True, doc=_doc("Prices"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
def DRIFT(holdings, accounts, targets, securities, prices, settings=None):
    """How far each asset class is from its target weight, its band, and whether it is OVER or UNDER the band. Spills a table."""
    return table_answer("DRIFT", {"Holdings": holdings, "Accounts": accounts, "Targets": targets,
                                  "Securities": securities, "Prices": prices, "Settings": settings})


@xw.func
@xw.arg("holdings", ndim=2, err_to_str=True, doc=_doc("Holdings"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("targets", ndim=2, err_to_str=True, doc=_doc("Targets"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("prices", ndim=2, err_to_str=True, doc=_doc("Prices"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
@xw.arg("reason", doc="FALSE or omitted: TRUE/FALSE. TRUE: the sentence that says why a rebalance is (or is not) due.")
def NEEDS_REBALANCE(holdings, accounts, targets, securities, prices, settings=None, reason=False):
    """TRUE when a rebalance is due under the policy in Settings (trigger, cadence, bands); with reason=TRUE, the sentence that says why."""
    return rebalance_answer({"Holdings": holdings, "Accounts": accounts, "Targets": targets,
                             "Securities": securities, "Prices": prices, "Settings": settings},
                            reason=bool(reason))


@xw.func
@xw.arg("holdings", ndim=2, err_to_str=True, doc=_doc("Holdings"))
@xw.arg("lots", ndim=2, err_to_str=True, doc=_doc("Lots"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("targets", ndim=2, err_to_str=True, doc=_doc("Targets"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("prices", ndim=2, err_to_str=True, doc=_doc("Prices"))
@xw.arg("transactions", ndim=2, err_to_str=True, doc=_doc("Transactions"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
def TRADE_LIST(holdings, lots, accounts, targets, securities, prices, transactions=None, settings=None):
    """The trades (account, ticker, shares, lots, estimated tax) that bring the household back inside its policy at the least tax. Spills a table."""
    return table_answer("TRADE_LIST", {
        "Holdings": holdings, "Lots": lots, "Accounts": accounts, "Targets": targets,
        "Securities": securities, "Prices": prices, "Transactions": transactions, "Settings": settings})


@xw.func
@xw.arg("holdings", ndim=2, err_to_str=True, doc=_doc("Holdings"))
@xw.arg("lots", ndim=2, err_to_str=True, doc=_doc("Lots"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("targets", ndim=2, err_to_str=True, doc=_doc("Targets"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("prices", ndim=2, err_to_str=True, doc=_doc("Prices"))
@xw.arg("transactions", ndim=2, err_to_str=True, doc=_doc("Transactions"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
@xw.arg("view", doc='"Today" or omitted: the holdings as they are. "Plan": as if the TRADE_LIST buys were made today '
                    '(their wash groups show BLOCKED until 31 days from now).')
def HARVEST_CANDIDATES(holdings, lots, accounts, targets, securities, prices, transactions=None, settings=None,
                       view=None):
    """Taxable lots that could be sold for a tax loss: the loss, its wash-sale status and a replacement to buy. Spills a table."""
    from xlrebalance.core.keep_open import VIEW_TODAY, harvest_view
    from xlrebalance.excel.render import render_message

    try:
        view = harvest_view(view)
    except ValueError as exc:
        return render_message(f"Error: HARVEST_CANDIDATES {exc}.")
    return table_answer("HARVEST_CANDIDATES", {
        "Holdings": holdings, "Lots": lots, "Accounts": accounts, "Targets": targets,
        "Securities": securities, "Prices": prices, "Transactions": transactions, "Settings": settings},
        **({} if view == VIEW_TODAY else {"view": view}))


@xw.func
@xw.arg("lots", ndim=2, err_to_str=True, doc=_doc("Lots"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("transactions", ndim=2, err_to_str=True, doc=_doc("Transactions"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
def REALIZED_GAINS(lots, accounts, securities, transactions, settings=None):
    """This year's sales after the wash-sale rules, one row each, then the totals and the gain budget left. Spills a table."""
    return table_answer("REALIZED_GAINS", {"Lots": lots, "Accounts": accounts, "Securities": securities,
                                           "Transactions": transactions, "Settings": settings})


@xw.func
@xw.arg("lots", ndim=2, err_to_str=True, doc=_doc("Lots"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("transactions", ndim=2, err_to_str=True, doc=_doc("Transactions"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
def OPEN_LOTS(lots, accounts, securities, transactions, settings=None):
    """Open lots with their wash-sale basis adjustments and holding periods. Spills a table."""
    return table_answer("OPEN_LOTS", {"Lots": lots, "Accounts": accounts, "Securities": securities,
                                      "Transactions": transactions, "Settings": settings})


@xw.func
@xw.arg("holdings", ndim=2, err_to_str=True, doc=_doc("Holdings"))
@xw.arg("accounts", ndim=2, err_to_str=True, doc=_doc("Accounts"))
@xw.arg("targets", ndim=2, err_to_str=True, doc=_doc("Targets"))
@xw.arg("securities", ndim=2, err_to_str=True, doc=_doc("Securities"))
@xw.arg("prices", ndim=2, err_to_str=True, doc=_doc("Prices"))
@xw.arg("settings", ndim=2, err_to_str=True, doc=_doc("Settings"))
@xw.arg("returns", ndim=2, err_to_str=True, doc=_doc("Returns"))
def BACKTEST(holdings, accounts, targets, securities, prices, settings=None, returns=None):
    """Each rebalancing policy replayed month by month on this allocation over the Returns table: return, risk, rebalances, turnover, drift, taxes. Spills a table."""
    return table_answer("BACKTEST", {"Holdings": holdings, "Accounts": accounts, "Targets": targets,
                                     "Securities": securities, "Prices": prices, "Settings": settings,
                                     "Returns": returns})
