"""Fills from the broker activity files the import reads: IB Flex XML trades and OFX
investment transactions, their accounts named through the Accounts table's Number."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from xlrebalance.journal.books import plan_run
from xlrebalance.journal.broker_fills import read_fills_file
from xlrebalance.journal.entries import read_entries
from xlrebalance.journal.record import record_fills
from xlrebalance.sample import sample_tables

from journal_helpers import with_journal

FIXTURES = Path(__file__).parent / "fixtures" / "fills"


def numbered(tables, numbers):
    """The sample's Accounts with a Number column."""
    accounts = [list(r) for r in tables["Accounts"]]
    if "Number" not in accounts[0]:
        accounts[0].append("Number")
        for row in accounts[1:]:
            row.append(None)
    at = accounts[0].index("Number")
    for row in accounts[1:]:
        row[at] = numbers.get(row[0], row[at])
    return {**tables, "Accounts": accounts}


@pytest.fixture()
def withdrawal():
    tables = numbered(sample_tables(), {"Joint Taxable": "U1234567"})
    tables["Accounts"][1][4] = -30000.0
    run = plan_run(tables)
    return with_journal(tables, run), run


def test_ib_flex_trades_fill_the_order_they_name(withdrawal, tmp_path):
    tables, run = withdrawal
    vti = next(o for o in run.orders if (o.ticker, o.side) == ("VTI", "SELL"))
    flex = tmp_path / "trades.xml"       # the basket's OrderRef comes back as orderReference
    flex.write_text((FIXTURES / "ibkr_flex_trades.xml").read_text().replace("{VTI_ORDER}", vti.order_id))
    fills, problems = read_fills_file(flex, tables["Accounts"])
    assert not problems
    # two executions of the VTI sale; the option trade is not a fill of the plan
    assert [(f.account, f.ticker, f.side, f.shares, f.price, f.fees, f.order_id, f.broker_ref) for f in fills] == [
        ("Joint Taxable", "VTI", "SELL", 40, 308.60, 0.70, vti.order_id, "IB-501"),
        ("Joint Taxable", "VTI", "SELL", 32, 308.45, 0.56, vti.order_id, "IB-502")]
    assert fills[0].date == date(2026, 11, 20)
    result = record_fills(tables, fills)
    assert result.ok, result.exceptions
    (entry,) = [e for e in read_entries(result.tables["Journal"])[0] if e.order_id == vti.order_id]
    assert entry.status == "FILLED" and entry.filled_shares == 72 and entry.fill_refs == ("IB-501", "IB-502")
    assert entry.fill_price == pytest.approx(round((40 * 308.60 + 32 * 308.45) / 72, 4))
    again = record_fills(result.tables, read_fills_file(flex, tables["Accounts"])[0])
    assert again.ok and not again.changed


def test_ofx_buys_and_sells_are_fills_of_the_numbered_account():
    tables = numbered(sample_tables(), {"Joint Taxable": "4321"})     # the last digits are enough
    fills, problems = read_fills_file(FIXTURES / "ofx_trades.qfx", tables["Accounts"])
    assert not problems
    assert [(f.date, f.account, f.ticker, f.side, f.shares, f.price, f.fees, f.broker_ref) for f in fills] == [
        (date(2026, 11, 20), "Joint Taxable", "VTI", "BUY", 10, 310.50, 1.00, "OFX-T-1001"),
        (date(2026, 11, 19), "Joint Taxable", "BND", "SELL", 5, 72.40, 0.25, "OFX-T-1002")]


def test_a_broker_account_the_workbook_does_not_know_is_an_issue():
    fills, problems = read_fills_file(FIXTURES / "ofx_trades.qfx", sample_tables()["Accounts"])
    assert not fills and {p.code for p in problems} == {"unknown_account"}
    assert "987654321" in problems[0].message and "Number" in problems[0].message


def test_a_csv_is_the_documented_fills_csv(tmp_path):
    path = tmp_path / "fills.csv"
    path.write_text("Date,Account,Ticker,Side,Shares,Price\n11/20/2026,Joint Taxable,VTI,Sold,5,310\n")
    fills, problems = read_fills_file(path, sample_tables()["Accounts"])
    assert not problems and (fills[0].side, fills[0].date) == ("SELL", date(2026, 11, 20))
