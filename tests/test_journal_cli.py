"""The loop end to end on workbook files: orders -> fills at the limit -> record -> check."""
from __future__ import annotations

import csv
from pathlib import Path
import json
from datetime import date

import pytest

from xlrebalance.check import check_workbook
from xlrebalance.cli import main
from xlrebalance.portfolio import load
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.reader import read_tables

AS_OF = date(2026, 11, 20)


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    folder = tmp_path_factory.mktemp("loop")
    book = build_workbook(folder / "book.xlsm", sample=True).workbook
    journal = folder / "book_journal.xlsm"
    assert main(["orders", str(book), "-o", str(folder / "orders.csv"), "--journal", str(journal)]) == 0
    orders = list(csv.DictReader((folder / "orders.csv").open()))
    fills = folder / "fills.csv"
    with fills.open("w", newline="") as stream:          # every order filled at its limit price
        writer = csv.writer(stream)
        writer.writerow(["Date", "Account", "Ticker", "Side", "Shares", "Price", "Fees", "Order ID", "Broker ref"])
        for o in orders:
            writer.writerow(["11/20/2026", o["Account"], o["Ticker"], o["Side"].title(), o["Shares"],
                             o["Limit price"], "0", "", ""])
    after = folder / "after.xlsm"
    assert main(["record", str(fills), "--into", str(journal), "-o", str(after)]) == 0
    return folder, book, journal, after, orders, fills


def test_orders_are_sells_first_with_limits_from_the_collar(loop):
    _, _, _, _, orders, _ = loop
    sides = [o["Side"] for o in orders]
    assert sides == sorted(sides, key=lambda s: s != "SELL")
    fxaix = next(o for o in orders if o["Ticker"] == "FXAIX")
    assert (fxaix["Side"], fxaix["Limit price"], fxaix["Order type"]) == ("SELL", "208.95", "LMT")   # 210 x 0.995
    assert all(float(o["Shares"]).is_integer() for o in orders)
    ids = [o["Order ID"] for o in orders]
    assert ids == [f"{ids[0][:-4]}-{i:03d}" for i in range(1, len(ids) + 1)]


def test_after_recording_no_rebalance_is_needed_and_only_whole_share_rounding_is_left(loop):
    _, book, journal, after, orders, _ = loop
    before = check_workbook(book, today=AS_OF)
    assert before.needs_rebalance
    result = check_workbook(after, today=AS_OF)
    assert result.valid, result.errors
    assert not result.needs_rebalance and not result.answers.out_of_band
    actions = set(result.answers.section("trades").column("Action"))
    assert actions <= {"HOLD", "NOTE"}          # what whole shares leave: less than one share
    # no taxable sale in this plan: the year's realized gains are as before
    assert load(after, today=AS_OF).realized_totals() == load(book, today=AS_OF).realized_totals()


def test_the_recorded_book_has_the_hand_computed_lot_holdings_and_cash(loop):
    _, _, _, after, orders, _ = loop
    tables = read_tables(after).tables
    # International is bought as IXUS (a VXUS buy would wash the harvest of lot T-VXUS-1):
    # 276 sh at 75 x 1.005 = 75.38 = 20,804.88 of the 23,000 (8,000 cash + 15,000 deposit);
    # the 2,195.12 left buys floor(2,195.12 / 90.45) = 24 VNQ = 2,170.80.
    ixus = next(o for o in orders if (o["Account"], o["Ticker"]) == ("Joint Taxable", "IXUS"))
    assert (ixus["Shares"], ixus["Limit price"]) == ("276", "75.38")
    lots = [r for r in tables["Lots"][1:] if r[2] == "IXUS-20261120"]
    assert len(lots) == 1 and lots[0][4] == 276 and lots[0][5] == pytest.approx(20804.88)
    holdings = {(r[0], r[1]): r[2] for r in tables["Holdings"][1:]}
    assert holdings[("Joint Taxable", "IXUS")] == 276 and holdings[("Joint Taxable", "VXUS")] == 1550
    fxaix = next(o for o in orders if o["Ticker"] == "FXAIX")
    assert holdings[("Alex 401k", "FXAIX")] == 600 - int(fxaix["Shares"])
    cash = {r[0]: (r[3], r[4]) for r in tables["Accounts"][1:]}
    assert cash["Joint Taxable"] == (pytest.approx(23000 - 20804.88 - 2170.80), 0)      # 24.32
    spent_401k = sum(float(o["Amount"]) * (1 if o["Side"] == "SELL" else -1) for o in orders
                     if o["Account"] == "Alex 401k")
    assert cash["Alex 401k"][0] == pytest.approx(spent_401k)
    assert not [r for r in tables["Lots"][1:] if r[0] == "Alex 401k"]


def test_the_original_workbooks_are_not_changed(loop):
    _, book, journal, _, orders, _ = loop
    assert len([r for r in read_tables(book).tables["Journal"][1:] if any(r)]) == 0
    statuses = [r[15] for r in read_tables(journal).tables["Journal"][1:]]
    assert statuses == ["PROPOSED"] * len(orders)


def test_recording_again_writes_an_equal_book_and_says_so(loop, capsys):
    folder, _, _, after, _, fills = loop
    again = folder / "again.xlsm"
    assert main(["record", str(fills), "--into", str(after), "-o", str(again)]) == 0
    assert "already recorded" in capsys.readouterr().out
    assert read_tables(again).tables == read_tables(after).tables


def test_new_existing_is_refused_without_force(loop, capsys):
    folder, _, journal, after, _, fills = loop
    assert main(["record", str(fills), "--into", str(journal), "-o", str(after)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["record", str(fills), "--into", str(journal), "-o", str(journal), "--force"]) == 2


def test_orders_json_and_ibkr_formats(loop):
    folder, book, _, _, orders, _ = loop
    assert main(["orders", str(book), "-o", str(folder / "o.json"), "--format", "json"]) == 0
    document = json.loads((folder / "o.json").read_text())
    assert [o["order_id"] for o in document["orders"]] == [o["Order ID"] for o in orders]
    assert main(["orders", str(book), "-o", str(folder / "basket.csv"), "--format", "ibkr"]) == 0
    rows = list(csv.reader((folder / "basket.csv").open()))
    assert rows[0] == ["Action", "Quantity", "Symbol", "SecType", "Exchange", "Currency", "TimeInForce",
                       "OrderType", "LmtPrice", "OrderRef"]
    assert rows[1] == ["SELL", orders[0]["Shares"], "FXAIX", "STK", "SMART", "USD", "DAY", "LMT", "208.95",
                       orders[0]["Order ID"]]


def test_a_second_orders_run_on_unchanged_inputs_adds_no_journal_rows(loop, capsys):
    folder, _, journal, _, orders, _ = loop
    again = folder / "journal_again.xlsm"
    assert main(["orders", str(journal), "-o", str(folder / "o2.csv"), "--journal", str(again)]) == 0
    assert "0 Journal rows added" in capsys.readouterr().out
    assert read_tables(again).tables["Journal"] == read_tables(journal).tables["Journal"]


def test_journal_command_prints_runs_and_fills(loop, capsys):
    _, _, _, after, orders, _ = loop
    assert main(["journal", str(after)]) == 0
    out = capsys.readouterr().out
    assert orders[0]["Order ID"] in out and "FILLED" in out and "at the limit" in out
    assert main(["journal", str(after), "--json", "--since", "2026-12-01"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"] == []


def test_record_refuses_a_bad_fills_file_with_its_line(loop, capsys):
    folder, _, journal, _, _, _ = loop
    bad = folder / "bad.csv"
    bad.write_text("Date,Account,Ticker,Side,Shares,Price\n2026-11-20,Joint Taxable,VTI,Sell,5,0\n")
    assert main(["record", str(bad), "--into", str(journal), "-o", str(folder / "x.xlsm")]) == 2
    assert "bad.csv line 2" in capsys.readouterr().err
    assert not (folder / "x.xlsm").exists()


def test_the_report_shows_the_trades_since_the_last_report(loop):
    folder, book, _, after, orders, _ = loop
    page = folder / "review.html"
    assert main(["report", str(after), "-o", str(page)]) == 0
    html = page.read_text()
    assert "Trades since the last report (2026-08-15)" in html       # the sample's Last review
    section = html[html.index("Trades since the last report"):]
    assert all(o["Order ID"] in section for o in orders) and "FILLED" in section
    assert main(["report", str(after), "-o", str(page), "--since", "2026-12-01"]) == 0
    assert "No trades in the Journal since then." in page.read_text()
    assert main(["report", str(book), "-o", str(page)]) == 0          # an empty Journal
    assert "No trades in the Journal since then." in page.read_text()


def test_record_reads_an_ib_flex_file_and_names_an_unknown_account(loop, capsys):
    folder, _, journal, _, _, _ = loop
    flex = Path(__file__).parent / "fixtures" / "fills" / "ibkr_flex_trades.xml"
    assert main(["record", str(flex), "--into", str(journal), "-o", str(folder / "flex.xlsm")]) == 2
    err = capsys.readouterr().err
    assert "U1234567" in err and "Number" in err and not (folder / "flex.xlsm").exists()
