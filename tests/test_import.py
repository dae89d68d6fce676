"""``import`` / ``xr.import_files``: broker records merged into a workbook's tables, the
preview, the new workbook, and BOOK left byte for byte as it was."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

import xlrebalance as xr
from xlrebalance.cli import main
from xlrebalance.errors import InputError
from xlrebalance.brokers import read_broker_file
from xlrebalance.lifecycle.import_files import write_import
from xlrebalance.lifecycle.importing import AVERAGE_NOTE, merge
from xlrebalance.sample import sample_tables
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.reader import read_tables

FIXTURES = Path(__file__).parent / "fixtures" / "brokers"
TODAY = date(2026, 12, 2)
NUMBERS = {"Joint Taxable": "Z12345678", "Alex IRA": "7777", "Sam Roth IRA": None, "Alex 401k": None}


def household_tables() -> dict:
    """The sample household, as of the fixtures' date, with account numbers and two more
    taxable accounts (one at Schwab, one at Interactive Brokers)."""
    tables = sample_tables()
    accounts = [list(r) + [NUMBERS.get(r[0], "Number")] for r in tables["Accounts"]]
    accounts.append(["Alex Schwab", "Taxable", "Alex", 0.0, 0.0, "XXXX-7321"])
    accounts.append(["Sam Brokerage", "Taxable", "Sam", 0.0, 0.0, "U1234567"])
    tables["Accounts"] = accounts
    tables["Settings"] = [r if r[0] != "As of date" else ["As of date", TODAY] for r in tables["Settings"]]
    return tables


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "household.xlsm"
    build_workbook(path, tables=household_tables())
    return path


def rows(tables, name):
    header = [str(h).lower() for h in tables[name][0]]
    return [dict(zip(header, r)) for r in tables[name][1:] if any(v not in (None, "") for v in r)]


def holdings(tables, account):
    return {r["ticker"]: r["shares"] for r in rows(tables, "Holdings") if r["account"] == account}


def lots(tables, account, ticker=None):
    return [r for r in rows(tables, "Lots") if r["account"] == account and (ticker is None or r["ticker"] == ticker)]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_fidelity_positions_replace_the_matched_accounts_only(book):
    before = read_tables(book).tables
    result = xr.import_files([FIXTURES / "fidelity_positions.csv"], book, today=TODAY)
    after = result.tables
    # Z12345678 matches Joint Taxable by number, "Sam Roth IRA" by name
    assert holdings(after, "Joint Taxable") == {"VTI": 700, "VOO": 150, "VEA": 450, "SCHD": 100}
    assert holdings(after, "Sam Roth IRA") == {"VXUS": 500, "VNQ": 100}
    for untouched in ("Alex IRA", "Alex 401k"):
        assert holdings(after, untouched) == holdings(before, untouched)
    # VTI and VOO: the workbook's lots add up to the shares held, so they stay as they were
    assert [l["lot id"] for l in lots(after, "Joint Taxable", "VTI")] == ["T-VTI-1", "T-VTI-2", "T-VTI-3"]
    # VEA: 400 sh in lots but 450 held -> one lot at average cost, flagged in Basis
    (vea,) = lots(after, "Joint Taxable", "VEA")
    assert (vea["shares"], vea["cost basis"], vea["basis"], vea["acquired"]) == (450, 27050.0, AVERAGE_NOTE,
                                                                                  date(2026, 12, 1))
    # MSFT and VXUS are not in the file: the positions are closed with their lots
    change = next(c for c in result.report.changes if c.account == "Joint Taxable")
    assert set(change.lots_closed) == {"T-MSFT-1", "T-VEA-1", "T-VXUS-1", "T-VXUS-2", "T-VXUS-3"}
    assert (change.cash_before, change.cash_after) == (8000.0, 8123.45)      # SPAXX**
    cash = {r["account"]: r["cash"] for r in rows(after, "Accounts")}
    assert cash["Joint Taxable"] == 8123.45 and cash["Sam Roth IRA"] == 500.0 and cash["Alex IRA"] == 2000.0
    # a Roth gets no average-cost lot (its basis does not matter for tax)
    assert lots(after, "Sam Roth IRA") == []


def test_a_new_ticker_is_added_unclassified_with_an_error_and_a_price(book):
    result = xr.import_files([FIXTURES / "fidelity_positions.csv"], book, today=TODAY)
    schd = [r for r in rows(result.tables, "Securities") if r["ticker"] == "SCHD"]
    assert len(schd) == 1 and schd[0]["asset class"] in (None, "")
    assert result.report.new_tickers == ("SCHD",)
    (issue,) = [i for i in result.report.issues if i.code == "unclassified_ticker"]
    assert issue.is_error and issue.ticker == "SCHD" and "asset class" in issue.message
    (price,) = [r for r in rows(result.tables, "Prices") if r["ticker"] == "SCHD"]
    assert price["price"] == 80.0 and price["source"] == "Import"


def test_schwab_positions_and_lot_details_tie_out(book):
    result = xr.import_files([FIXTURES / "schwab_positions.csv", FIXTURES / "schwab_lot_details_VTI.csv"], book,
                             today=TODAY)
    # "Individual ...321" matches Alex Schwab's number XXXX-7321 on its last three digits
    assert holdings(result.tables, "Alex Schwab") == {"VTI": 60, "SCHB": 200, "BND": 50}
    vti = lots(result.tables, "Alex Schwab", "VTI")
    assert [(l["acquired"], l["shares"], l["cost basis"], l["basis"]) for l in vti] == [
        (date(2019, 3, 15), 40, 6000.0, None), (date(2026, 6, 10), 20, 5250.0, None)]
    assert [l["lot id"] for l in vti] == ["VTI-20190315", "VTI-20260610"]
    assert {l["ticker"] for l in lots(result.tables, "Alex Schwab") if l["basis"] == AVERAGE_NOTE} == {"SCHB", "BND"}


def test_shares_that_do_not_tie_out_are_an_error_and_nothing_is_merged(book, tmp_path):
    text = (FIXTURES / "schwab_lot_details_VTI.csv").read_text()
    short = text.replace('"06/10/2026","20"', '"06/10/2026","15"').replace('"Total","60"', '"Total","55"')
    (tmp_path / "VTI_Lot_Details.csv").write_text(short)
    with pytest.raises(InputError) as caught:
        xr.import_files([FIXTURES / "schwab_positions.csv", tmp_path / "VTI_Lot_Details.csv"], book, today=TODAY)
    (issue,) = caught.value.issues
    assert issue.code == "shares_do_not_tie_out" and "60" in issue.message and "55" in issue.message


def test_a_lots_file_for_one_ticker_replaces_that_tickers_lots_in_that_account_only(book):
    before = read_tables(book).tables
    result = xr.import_files([FIXTURES / "generic_lots.csv"], book, today=TODAY)
    after = result.tables
    assert [(l["lot id"], l["shares"]) for l in lots(after, "Joint Taxable", "VEA")] == [("VEA-A", 400),
                                                                                         ("VEA-B", 50)]
    for ticker in ("VTI", "VOO", "VXUS", "MSFT"):
        assert lots(after, "Joint Taxable", ticker) == lots(before, "Joint Taxable", ticker)
    # Holdings follow the lots of the tickers named; others are untouched
    expected = dict(holdings(before, "Joint Taxable"), VEA=450, SCHD=100)
    assert holdings(after, "Joint Taxable") == expected
    for other in ("Alex IRA", "Sam Roth IRA", "Alex 401k"):
        assert lots(after, other) == lots(before, other) and holdings(after, other) == holdings(before, other)


def test_account_option_names_the_account_of_a_file_that_does_not(book):
    with pytest.raises(InputError) as caught:
        xr.import_files([FIXTURES / "generic_lots_no_account.csv"], book, today=TODAY)
    assert caught.value.issues[0].code == "no_account" and "--account" in caught.value.issues[0].message
    result = xr.import_files([FIXTURES / "generic_lots_no_account.csv"], book, account="Sam Roth IRA", today=TODAY)
    assert [(l["ticker"], l["shares"], l["lot id"]) for l in lots(result.tables, "Sam Roth IRA")] == [
        ("VNQ", 505, "VNQ-20230403")]


def test_unmatched_account_is_an_error_naming_what_to_do(book):
    with pytest.raises(InputError) as caught:
        xr.import_files([FIXTURES / "ofx_investment.qfx"], book, today=TODAY)
    (issue,) = caught.value.issues
    assert issue.code == "unknown_account" and "987654321" in issue.message and "Number" in issue.message
    result = xr.import_files([FIXTURES / "ofx_investment.qfx"], book, account="Alex 401k", today=TODAY)
    assert holdings(result.tables, "Alex 401k") == {"VTI": 40, "BND": 100.5}
    # --account cannot send a file to an account whose Number says otherwise
    with pytest.raises(InputError, match="gives Alex IRA the number 7777"):
        xr.import_files([FIXTURES / "ofx_investment.qfx"], book, account="Alex IRA", today=TODAY)
    with pytest.raises(InputError, match="not in Accounts"):
        xr.import_files([FIXTURES / "ofx_investment.qfx"], book, account="Nobody", today=TODAY)


def test_account_option_refused_for_a_file_of_several_accounts(book):
    with pytest.raises(InputError, match="holds 2 accounts"):
        xr.import_files([FIXTURES / "fidelity_positions.csv"], book, account="Joint Taxable", today=TODAY)


def test_vanguard_and_interactive_brokers(book):
    result = xr.import_files([FIXTURES / "vanguard_OfxDownload.csv", FIXTURES / "ibkr_flex_lots.xml"], book,
                             today=TODAY)
    assert holdings(result.tables, "Alex IRA") == {"VTI": 300, "BND": 1850, "BNDX": 1300}
    assert {r["account"]: r["cash"] for r in rows(result.tables, "Accounts")}["Alex IRA"] == 1500.25
    assert holdings(result.tables, "Sam Brokerage") == {"VTI": 30, "BND": 25}
    assert [(l["lot id"], l["shares"], l["cost basis"]) for l in lots(result.tables, "Sam Brokerage")] == [
        ("9001", 10, 1500.0), ("9002", 20, 4500.0), ("9003", 25, 2000.0)]


def test_preview_prints_the_diff_and_writes_nothing(book, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = digest(book)
    code = main(["import", str(FIXTURES / "fidelity_positions.csv"), "--into", str(book)])
    out = capsys.readouterr().out
    assert code == 0 and list(tmp_path.iterdir()) == []
    assert "== Joint Taxable ==" in out and "VEA      shares 400 -> 450" in out
    assert "MSFT     shares 130 -> 0 (closed)" in out and "lots closed: T-MSFT-1" in out
    assert "cash     $8,000.00 -> $8,123.45" in out and "New tickers" in out and "SCHD" in out
    assert "nothing was written" in out
    assert digest(book) == before


def test_writes_new_and_leaves_book_unchanged(book, tmp_path, capsys):
    before = digest(book)
    new = tmp_path / "imported.xlsm"
    code = main(["import", str(FIXTURES / "schwab_positions.csv"), str(FIXTURES / "schwab_lot_details_VTI.csv"),
                 "--into", str(book), "-o", str(new)])
    assert code == 0 and new.is_file()
    assert digest(book) == before
    tables = read_tables(new).tables
    assert holdings(tables, "Alex Schwab") == {"VTI": 60, "SCHB": 200, "BND": 50}
    assert {r["account"]: r["number"] for r in rows(tables, "Accounts")}["Alex Schwab"] == "XXXX-7321"
    assert main(["import", str(FIXTURES / "schwab_positions.csv"), "--into", str(book), "-o", str(new)]) == 2
    assert "already exist" in capsys.readouterr().err
    assert main(["import", str(FIXTURES / "schwab_positions.csv"), "--into", str(book), "-o", str(book)]) == 2


def test_unknown_layout_exits_2_naming_headers_and_formats(book, tmp_path, capsys):
    (tmp_path / "export.csv").write_text("Date,Payee,Amount\n2026-01-02,Shop,-5.00\n")
    assert main(["import", str(tmp_path / "export.csv"), "--into", str(book)]) == 2
    err = capsys.readouterr().err
    assert "Headers found: Date, Payee, Amount" in err and "Fidelity positions" in err and "Generic lots CSV" in err


def test_malformed_row_exits_2_with_its_line(book, tmp_path, capsys):
    text = (FIXTURES / "fidelity_positions.csv").read_text().replace("450,$50.00", "4x0,$50.00")
    (tmp_path / "positions.csv").write_text(text)
    assert main(["import", str(tmp_path / "positions.csv"), "--into", str(book)]) == 2
    assert "positions.csv, row 5" in capsys.readouterr().err


def test_sale_from_an_average_cost_lot_says_so_in_its_reason():
    """FIFO in one taxable account: VOO (exact lot) goes first, then VTI's exact lot, then
    25 sh of VTI's average-cost lot.  Only that sale's reason carries the average-cost words."""
    tables = {
        "Settings": [["Setting", "Value"], ["As of date", TODAY], ["Taxable sells", "Allowed"], ["Lot method", "FIFO"]],
        "Accounts": [["Account", "Type", "Cash"], ["Brokerage", "Taxable", 0.0]],
        "Targets": [["Asset class", "Target", "Buy ticker"], ["US Stocks", 0.5, "VTI"], ["Bonds", 0.5, "BND"]],
        "Securities": [["Ticker", "Asset class"], ["VTI", "US Stocks"], ["VOO", "US Stocks"], ["BND", "Bonds"]],
        "Holdings": [["Account", "Ticker", "Shares"], ["Brokerage", "VTI", 300], ["Brokerage", "VOO", 10],
                     ["Brokerage", "BND", 100]],
        "Lots": [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis", "Basis"],
                 ["Brokerage", "VTI", "EXACT-1", date(2018, 1, 2), 100, 10000, None],
                 ["Brokerage", "VTI", "AVG-1", date(2026, 12, 1), 200, 40000, AVERAGE_NOTE],
                 ["Brokerage", "VOO", "EXACT-2", date(2019, 1, 2), 10, 3000, None],
                 ["Brokerage", "BND", "EXACT-3", date(2019, 1, 2), 100, 8000, None]],
        "Prices": [["Ticker", "Price"], ["VTI", 250.0], ["VOO", 500.0], ["BND", 72.0]],
    }
    trades = xr.Portfolio.from_tables(tables).trade_list()
    sells = {r["Ticker"]: r for _, r in trades[trades["Action"] == "SELL"].iterrows()}
    assert set(sells) == {"VOO", "VTI"} and "AVG-1" in sells["VTI"]["Lots"]
    from_average = float(sells["VTI"]["Shares"]) - 100          # EXACT-1's 100 sh go first (FIFO)
    assert from_average > 0
    assert (f"({from_average:g} sh come from a lot whose basis is an average cost from a positions file"
            in sells["VTI"]["Reason"]), sells["VTI"]["Reason"]
    assert "average cost" not in sells["VOO"]["Reason"]


# ---------------------------------------------------------------------------------------
# The merge itself is pure: tables and parsed files in, tables out.

def small_book(**accounts) -> dict:
    tables = household_tables()
    tables["Accounts"] = [["Account", "Type", "Owner", "Cash", "Cash flow", "Number"]] + [
        [name, kind, "", 0.0, 0.0, None] for name, kind in accounts.items()]
    tables["Holdings"] = [["Account", "Ticker", "Shares"]]
    tables["Lots"] = [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"]]
    return tables


def test_a_taxable_position_without_cost_basis_is_left_with_unknown_basis_and_a_warning():
    parsed = read_broker_file(FIXTURES / "ofx_investment.qfx")
    result = merge(small_book(Brokerage="Taxable"), [parsed], account="Brokerage", today=TODAY)
    assert holdings(result.tables, "Brokerage") == {"VTI": 40, "BND": 100.5}
    assert lots(result.tables, "Brokerage") == []
    assert {i.ticker for i in result.report.issues if i.code == "no_cost_basis"} == {"VTI", "BND"}
    assert all(not i.is_error for i in result.report.issues if i.code == "no_cost_basis")


def test_two_files_with_the_positions_of_one_account_are_refused():
    both = [read_broker_file(FIXTURES / "fidelity_positions.csv"),
            read_broker_file(FIXTURES / "fidelity_positions_lowercase_extra_columns.csv")]
    with pytest.raises(InputError, match="both give the positions of Joint Taxable"):
        merge(household_tables(), both, today=TODAY)


def test_an_as_of_date_before_the_files_is_flagged():
    tables = household_tables()
    tables["Settings"] = [r if r[0] != "As of date" else ["As of date", date(2026, 11, 20)] for r in tables["Settings"]]
    result = merge(tables, [read_broker_file(FIXTURES / "fidelity_positions.csv")], today=TODAY)
    (issue,) = [i for i in result.report.issues if i.code == "as_of_before_import"]
    assert "2026-11-20" in issue.message and "2026-12-01" in issue.message


def test_extra_columns_and_other_rows_of_book_are_carried(tmp_path):
    tables = household_tables()
    tables["Holdings"] = [tables["Holdings"][0] + ["My note"]] + [
        r + [f"note {r[1]}"] for r in tables["Holdings"][1:]]
    book = tmp_path / "noted.xlsm"
    build_workbook(book, tables=tables)
    result = xr.import_files([FIXTURES / "fidelity_positions.csv"], book, today=TODAY)
    notes = {(r["account"], r["ticker"]): r["my note"] for r in rows(result.tables, "Holdings")}
    assert notes[("Joint Taxable", "VEA")] == "note VEA"          # updated in place: its note stays
    assert notes[("Alex IRA", "BND")] == "note BND"               # another account: untouched
    assert notes[("Joint Taxable", "SCHD")] is None               # new row
    new = tmp_path / "noted_new.xlsm"
    write_import(result, book, new)
    assert "My note" in read_tables(new).tables["Holdings"][0]


def test_one_ticker_on_two_rows_adds_up_and_a_short_position_is_refused(tmp_path):
    text = (FIXTURES / "fidelity_positions_lowercase_extra_columns.csv").read_text()
    margin = ('Z12345678,JOINT WROS,VTI,VANGUARD TOTAL STK MKT ETF,20,$250.10,+$1.20,"$5,002.00",+$24.00,+0.48%,'
              '"+$1,002.00",+25.05%,3.00%,"$4,000.00",$200.00,Margin,,,,,')
    lines = text.splitlines()
    (tmp_path / "cash_and_margin.csv").write_text("\n".join(lines[:3] + [margin] + lines[3:]) + "\n")
    tables = household_tables()
    result = merge(tables, [read_broker_file(tmp_path / "cash_and_margin.csv")], today=TODAY)
    assert holdings(result.tables, "Joint Taxable")["VTI"] == 720
    (vti,) = lots(result.tables, "Joint Taxable", "VTI")        # 720 no longer ties out with 700 in lots
    assert vti["cost basis"] == 152000.0 + 4000.0 and vti["basis"] == AVERAGE_NOTE
    short = margin.replace(",20,", ",-20,")
    (tmp_path / "short.csv").write_text("\n".join(lines[:3] + [short.replace("VTI", "QQQ")]) + "\n")
    with pytest.raises(InputError, match="short position"):
        merge(tables, [read_broker_file(tmp_path / "short.csv")], today=TODAY)


def test_generic_lots_name_their_account_by_number_or_by_name(tmp_path):
    (tmp_path / "lots.csv").write_text("Account,Ticker,Acquired,Shares,Cost basis\n"
                                       "Z12345678,VEA,2022-02-01,400,24800\n"
                                       "Sam Roth IRA,VNQ,2023-04-03,505,38380\n")
    result = merge(household_tables(), [read_broker_file(tmp_path / "lots.csv")], today=TODAY)
    assert [(l["ticker"], l["shares"]) for l in lots(result.tables, "Joint Taxable", "VEA")] == [("VEA", 400)]
    assert [(l["ticker"], l["shares"]) for l in lots(result.tables, "Sam Roth IRA")] == [("VNQ", 505)]
