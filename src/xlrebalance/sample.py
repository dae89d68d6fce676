"""A realistic sample household, used by ``xlrebalance demo`` and ``new --sample``.

A married couple with a joint taxable account, a traditional IRA, a Roth IRA and a 401k,
about $1M across 15 securities, as of 2026-11-20.  It is built so every answer shows
something: US stocks over their band and bonds under it, a pending deposit, a non-tradable
employer stock, lots with gains and losses, a short-term lot about to turn long-term, this
year's sales (one washed permanently by a Roth purchase), a recent buy that blocks one
harvest, a dividend reinvestment and a planned 401k purchase.  Prices are sample values.
"""
from __future__ import annotations

from datetime import date

AS_OF = date(2026, 11, 20)

_SETTINGS = [
    ["Setting", "Value"],
    ["As of date", AS_OF],
    ["Review cadence", "Quarterly"],
    ["Last review", date(2026, 8, 15)],
    ["Trigger", "Hybrid"],
    ["Gain budget", 20000.0],
]

_ACCOUNTS = [
    ["Account", "Type", "Owner", "Cash", "Cash flow"],
    ["Joint Taxable", "Taxable", "Alex & Sam", 8000.0, 15000.0],
    ["Alex IRA", "Traditional", "Alex", 2000.0, 0.0],
    ["Sam Roth IRA", "Roth", "Sam", 500.0, 0.0],
    ["Alex 401k", "Traditional", "Alex", 0.0, 0.0],
]

_TARGETS = [
    ["Asset class", "Target", "Abs band", "Rel band", "Tradable", "Buy ticker"],
    ["US Stocks", 0.45, None, None, True, "VTI"],
    ["International", 0.20, None, None, True, "VXUS"],
    ["Bonds", 0.25, None, None, True, "BND"],
    ["REITs", 0.05, None, None, True, "VNQ"],
    ["Employer Stock", 0.05, None, None, False, None],
]

_SECURITIES = [
    ["Ticker", "Asset class", "Wash group", "Replacement"],
    ["VTI", "US Stocks", "VTI", "ITOT"],
    ["ITOT", "US Stocks", "ITOT", "SCHB"],
    ["SCHB", "US Stocks", "SCHB", "VTI"],
    ["VOO", "US Stocks", "SP500", "VTI"],
    ["FXAIX", "US Stocks", "SP500", "VTI"],
    ["VXUS", "International", "VXUS", "IXUS"],
    ["IXUS", "International", "IXUS", "VXUS"],
    ["VEA", "International", "VEA", "IEFA"],
    ["IEFA", "International", "IEFA", "VEA"],
    ["BND", "Bonds", "BND", "AGG"],
    ["AGG", "Bonds", "AGG", "BND"],
    ["BNDX", "Bonds", "BNDX", None],
    ["VNQ", "REITs", "VNQ", "SCHH"],
    ["SCHH", "REITs", "SCHH", "VNQ"],
    ["MSFT", "Employer Stock", "MSFT", None],
]

_HOLDINGS = [
    ["Account", "Ticker", "Shares"],
    ["Joint Taxable", "VTI", 700.0],
    ["Joint Taxable", "VOO", 150.0],
    ["Joint Taxable", "VXUS", 1550.0],
    ["Joint Taxable", "VEA", 400.0],
    ["Joint Taxable", "MSFT", 130.0],
    ["Alex IRA", "VTI", 300.0],
    ["Alex IRA", "BND", 1800.0],
    ["Alex IRA", "BNDX", 1300.0],
    ["Sam Roth IRA", "VXUS", 500.0],
    ["Sam Roth IRA", "IXUS", 300.0],
    ["Sam Roth IRA", "VNQ", 505.0],
    ["Alex 401k", "FXAIX", 600.0],
]

_LOTS = [
    ["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"],
    ["Joint Taxable", "VTI", "T-VTI-1", date(2019, 3, 15), 300.0, 45000.0],
    ["Joint Taxable", "VTI", "T-VTI-2", date(2022, 1, 3), 200.0, 47000.0],
    ["Joint Taxable", "VTI", "T-VTI-3", date(2025, 12, 1), 200.0, 60000.0],
    ["Joint Taxable", "VOO", "T-VOO-1", date(2021, 6, 10), 150.0, 58500.0],
    ["Joint Taxable", "VXUS", "T-VXUS-1", date(2021, 9, 1), 800.0, 57600.0],
    ["Joint Taxable", "VXUS", "T-VXUS-2", date(2024, 5, 15), 700.0, 42000.0],
    ["Joint Taxable", "VXUS", "T-VXUS-3", date(2026, 11, 10), 50.0, 3350.0],
    ["Joint Taxable", "VEA", "T-VEA-1", date(2022, 2, 1), 400.0, 24800.0],
    ["Joint Taxable", "MSFT", "T-MSFT-1", date(2018, 4, 2), 130.0, 12350.0],
]

_TRANSACTIONS = [
    ["Date", "Account", "Ticker", "Action", "Shares", "Price", "Lot ID", "Acquired", "Cost basis"],
    [date(2026, 3, 10), "Joint Taxable", "SCHB", "Sell", 500.0, 24.0, "T-SCHB-1", date(2020, 7, 1), 8000.0],
    [date(2026, 8, 14), "Joint Taxable", "IXUS", "Sell", 200.0, 70.0, "T-IXUS-1", date(2025, 10, 1), 15000.0],
    [date(2026, 8, 20), "Sam Roth IRA", "IXUS", "Buy", 300.0, 70.5, None, None, None],
    [date(2026, 11, 5), "Sam Roth IRA", "VNQ", "Reinvest", 5.0, 89.0, None, None, None],
    [date(2026, 12, 15), "Alex 401k", "FXAIX", "Buy", 20.0, 210.0, None, None, None],
]

_PRICE_LIST = {
    "VTI": 310.00, "ITOT": 135.00, "SCHB": 25.00, "VOO": 560.00, "FXAIX": 210.00,
    "VXUS": 68.00, "IXUS": 75.00, "VEA": 54.00, "IEFA": 80.00, "BND": 73.00,
    "AGG": 99.00, "BNDX": 49.50, "VNQ": 90.00, "SCHH": 21.50, "MSFT": 470.00,
}

_PRICES = [["Ticker", "Price", "Currency", "As of", "Source", "Status"]] + [
    [ticker, price, "USD", AS_OF, "Sample", "OK"] for ticker, price in _PRICE_LIST.items()
]


def sample_tables() -> dict[str, list[list]]:
    """Every table of the sample household as a 2-D list with its header row first."""
    tables = {
        "Settings": _SETTINGS, "Accounts": _ACCOUNTS, "Targets": _TARGETS, "Securities": _SECURITIES,
        "Holdings": _HOLDINGS, "Lots": _LOTS, "Transactions": _TRANSACTIONS, "Prices": _PRICES,
    }
    from .spec import layout

    tables["Returns"] = _returns()
    for spec in layout().tables:    # tables with no sample rows (e.g. Journal, Fills): header only
        tables.setdefault(spec.name, [[c.name for c in spec.columns]])
    return {name: [list(row) for row in rows] for name, rows in tables.items()}


def _returns() -> list[list]:
    """Three years of made-up monthly returns for the tradable classes (BACKTEST's input),
    labelled synthetic in their Source column so every answer built on them says so."""
    from .backtest.returns import synthetic_returns

    classes = [row[0] for row in _TARGETS[1:] if row[4]]
    series = synthetic_returns(classes, 36, end=date(2026, 10, 31))
    rows = [["Date"] + classes + ["Source"]]
    for i, (month, returns) in enumerate(zip(series.months, series.returns)):
        rows.append([month] + list(returns) + [series.source if i == 0 else None])
    return rows
