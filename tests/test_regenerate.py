"""`xlrebalance new NEW --from OLD` / `xr.regenerate`: a fresh workbook holding OLD's data.

OLD is only read (its bytes are compared before and after); NEW's tables equal OLD's cell
for cell and `check --json` answers the same for both.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
import pytest

import xlrebalance as xr
from xlrebalance.cells import Formula
from xlrebalance.check import check_workbook
from xlrebalance.cli import main
from xlrebalance.errors import WorkbookError
from xlrebalance.lifecycle import read_book, regenerate, write_book
from xlrebalance.prices.source import Failure, FailureKind, FetchResult, Quote
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.reader import read_tables

FIXTURES = Path(__file__).parent / "fixtures" / "yahoo"
TODAY = date(2026, 11, 20)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def answers(path: Path) -> str:
    """The `check --json` document, the workbook's own path taken out."""
    document = json.dumps(check_workbook(path, today=TODAY).to_dict(), sort_keys=True, default=str)
    return document.replace(json.dumps(str(path))[1:-1], "BOOK").replace(path.name, "BOOK")


@pytest.fixture()
def old(tmp_path) -> Path:
    path = tmp_path / "old_book.xlsm"
    build_workbook(path, sample=True)
    return path


def test_sample_round_trip_equal_tables_same_answers_old_untouched(old, tmp_path):
    before = digest(old)
    result = regenerate(old, tmp_path / "new_book.xlsm")
    assert digest(old) == before
    new = tmp_path / "new_book.xlsm"
    assert read_tables(new).tables == read_tables(old).tables
    assert answers(new) == answers(old)
    assert result.report.rows["Lots"] == len(sample_tables()["Lots"]) - 1
    assert result.report.not_carried == () and result.report.formulas == ()
    assert (tmp_path / "new_book.py").is_file()


def test_cli_prints_rows_per_table_and_exit_0(old, tmp_path, capsys):
    code = main(["new", str(tmp_path / "today.xlsm"), "--from", str(old)])
    out = capsys.readouterr().out
    assert code == 0
    assert "Lots 9" in out and "Holdings 12" in out and "Not carried: nothing" in out


def test_new_existing_is_refused_without_force(old, tmp_path, capsys):
    target = tmp_path / "today.xlsm"
    build_workbook(target, sample=True)
    before = digest(target)
    assert main(["new", str(target), "--from", str(old)]) == 2
    assert "already exist" in capsys.readouterr().err
    assert digest(target) == before
    assert main(["new", str(target), "--from", str(old), "--force"]) == 0


def test_new_equal_to_old_is_refused_even_with_force(old, capsys):
    before = digest(old)
    for extra in ([], ["--force"]):
        assert main(["new", str(old), "--from", str(old), *extra]) == 2
        assert "the workbook being read" in capsys.readouterr().err
    with pytest.raises(WorkbookError):
        regenerate(old, old.parent / "." / old.name, force=True)
    assert digest(old) == before


def test_library_returns_tables_and_report(old, tmp_path):
    result = xr.regenerate(old, tmp_path / "lib_book.xlsm")
    assert result.tables["Lots"][0][:3] == ["Account", "Ticker", "Lot ID"]
    assert len(result.tables["Lots"]) == len(sample_tables()["Lots"])
    assert result.report.workbook == tmp_path / "lib_book.xlsm"


def with_extras() -> dict:
    tables = sample_tables()
    tables["Lots"][0].append("Broker note")
    for n, row in enumerate(tables["Lots"][1:]):
        row.append(f"note {n}" if n % 2 == 0 else None)
    tables["Lots"][1][-1] = date(2020, 5, 17)        # a date in an extra column stays a date
    tables["Accounts"][0].insert(1, "Nickname")       # a column the layout lacks, in the middle
    for n, row in enumerate(tables["Accounts"][1:]):
        row.insert(1, f"X-{1000 + n}")
    tables["Settings"].append(["My own key", 42.0])
    return tables


def test_extra_columns_and_unknown_settings_are_carried(tmp_path):
    old = tmp_path / "extras.xlsm"
    build_workbook(old, tables=with_extras())
    result = regenerate(old, tmp_path / "again.xlsm")
    new_tables = read_tables(tmp_path / "again.xlsm").tables
    assert new_tables == read_tables(old).tables
    assert new_tables["Lots"][0][-1] == "Broker note"
    assert new_tables["Lots"][1][-1] == date(2020, 5, 17)
    assert new_tables["Accounts"][0] == ["Account", "Type", "Owner", "Cash", "Cash flow", "Number", "Nickname"]
    assert [r for r in new_tables["Settings"] if r[0] == "My own key"] == [["My own key", 42.0, ""]]
    assert result.report.extra_columns == {"Accounts": ("Nickname",), "Lots": ("Broker note",)}
    assert answers(tmp_path / "again.xlsm") == answers(old)


def edited_by_openpyxl(source: Path, target: Path) -> None:
    """Formulas typed in data cells, a note beside a table and a sheet of the user's own,
    saved by openpyxl (which drops the Dashboard's dynamic arrays and cached values)."""
    book = openpyxl.load_workbook(source, keep_vba=True)
    lots = book["Lots"]
    lots["F3"] = "=E3*235"                       # same row: carried as Lots[[#This Row],[Shares]]*235
    lots["E4"] = "=E3+0"                         # another row: carried as its value, with a warning
    lots["H2"] = "checked 2026-11-01"            # outside the table
    book["Settings"]["B2"] = "=DATE(2026,11,20)"  # no reference at all: carried
    book.create_sheet("Notes")["B3"] = "call the broker"
    book.save(target)


def test_formulas_carried_where_they_mean_the_same_else_values_with_warning(old, tmp_path):
    edited = tmp_path / "edited.xlsm"
    edited_by_openpyxl(old, edited)
    before = digest(edited)
    report = regenerate(edited, tmp_path / "fixed.xlsm").report
    assert digest(edited) == before
    assert set(report.formulas) == {"Lots!F3", "Settings!B2"}
    book = read_book(tmp_path / "fixed.xlsm")
    lots = book.tables["Lots"]
    assert lots[2][5] == Formula("=Lots[[#This Row],[Shares]]*235", lots[2][5].value)
    settings = {row[0]: row[1] for row in book.tables["Settings"][1:]}
    assert settings["As of date"].text == "=DATE(2026,11,20)"
    warned = [i for i in report.issues if i.code == "formula_as_value"]
    assert len(warned) == 1 and "Lots!E4" in warned[0].message and "another row (E3)" in warned[0].message
    lost = {f"{n.sheet}!{n.cell}": n for n in report.not_carried}
    assert lost["Lots!H2"].value == "checked 2026-11-01"
    assert "Notes!B3:B3" in lost


def test_older_layout_headers_are_renamed(tmp_path):
    tables = sample_tables()
    tables["Lots"][0][3] = "Date acquired"
    old = tmp_path / "older.xlsx"
    write_plain_xlsx(old, tables)
    result = regenerate(old, tmp_path / "current.xlsm")
    assert result.report.renamed == ("Lots: column 'Date acquired' is now 'Acquired'",)
    new = read_tables(tmp_path / "current.xlsm").tables
    assert new["Lots"][0] == ["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis", "Basis"]
    assert new["Lots"][1][3] == date(2019, 3, 15)
    assert answers(tmp_path / "current.xlsm") == answers(build_sample(tmp_path))


def build_sample(tmp_path: Path) -> Path:
    path = tmp_path / "reference.xlsm"
    build_workbook(path, sample=True)
    return path


def write_plain_xlsx(path: Path, tables: dict, first_row: int = 1, first_col: int = 1) -> None:
    """A workbook a user made by hand: one sheet per table, no Excel Tables, no Dashboard."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    cell = sheet.cell(first_row + r, first_col + c, value)
                    if isinstance(value, date):
                        cell.number_format = "yyyy-mm-dd"
    book.save(path)


def test_plain_xlsx_with_the_right_tab_names(tmp_path):
    old = tmp_path / "by_hand.xlsx"
    write_plain_xlsx(old, sample_tables(), first_row=3, first_col=2)
    before = digest(old)
    result = regenerate(old, tmp_path / "from_hand.xlsm")
    assert digest(old) == before
    assert result.report.rows["Lots"] == 9 and result.report.extra_columns == {}
    new = read_tables(tmp_path / "from_hand.xlsm").tables
    assert new == read_tables(build_sample(tmp_path)).tables
    assert answers(tmp_path / "from_hand.xlsm") == answers(tmp_path / "reference.xlsm")


def test_invalid_old_is_carried_anyway_with_every_issue(tmp_path, capsys):
    tables = sample_tables()
    tables["Lots"][2][4] = "lots"                       # not a number
    del tables["Targets"]                               # a required table missing
    old = tmp_path / "broken.xlsx"
    write_plain_xlsx(old, tables)
    code = main(["new", str(tmp_path / "repaired.xlsm"), "--from", str(old)])
    out = capsys.readouterr().out
    assert code == 0
    assert "no 'Targets' sheet" in out
    assert "Lots, row 3, column 'Shares'" in out
    new = read_tables(tmp_path / "repaired.xlsm").tables
    assert new["Lots"][2][4] == "lots" and len(new["Lots"]) == 10


class DictSource:
    name = "Dict"

    def __init__(self, quotes):
        self.quotes = quotes

    def fetch(self, tickers, *, progress=None):
        when = datetime(2026, 11, 20, 21, 0, tzinfo=timezone.utc)
        return FetchResult(
            quotes={t: Quote(t, self.quotes[t], "USD", when, "Yahoo") for t in tickers if t in self.quotes},
            failures={t: Failure(t, FailureKind.NO_DATA, "no data") for t in tickers if t not in self.quotes})


def test_live_refreshes_prices_like_the_button(tmp_path):
    tables = sample_tables()
    header = tables["Prices"][0]
    header.append("My note")
    for row in tables["Prices"][1:]:
        row.append(f"note {row[0]}")
    vnq = next(r for r in tables["Prices"][1:] if r[0] == "VNQ")
    vnq[4] = "Manual"
    old = tmp_path / "yesterday.xlsm"
    build_workbook(old, tables=tables)
    quotes = {t: 100.0 for t in ("VTI", "VOO", "BND", "VNQ")}
    result = regenerate(old, tmp_path / "today.xlsm", live=True, source=DictSource(quotes),
                        now=datetime(2026, 11, 21, 12, tzinfo=timezone.utc))
    prices = {row[0]: row for row in read_tables(tmp_path / "today.xlsm").tables["Prices"][1:]}
    assert prices["VTI"][1] == 100.0 and prices["VTI"][5] == "OK" and prices["VTI"][4] == "Yahoo"
    assert prices["VTI"][6] == "note VTI"                                  # extra column stays with its ticker
    assert prices["VNQ"][1] == 90.0 and prices["VNQ"][4] == "Manual"       # Manual row untouched
    assert prices["MSFT"][1] == 470.0 and prices["MSFT"][5].startswith("STALE: no data")
    assert "4 updated" not in result.report.prices and "3 updated" in result.report.prices


def test_cli_live_with_recorded_quotes(old, tmp_path, capsys):
    code = main(["new", str(tmp_path / "nightly.xlsm"), "--from", str(old), "--live", "--replay", str(FIXTURES)])
    out = capsys.readouterr().out
    assert code == 0 and "Prices refreshed:" in out
    prices = {row[0]: row for row in read_tables(tmp_path / "nightly.xlsm").tables["Prices"][1:]}
    assert prices["VTI"][1] == pytest.approx(332.18) and prices["VTI"][5] == "OK"
    assert prices["MSFT"][5].startswith("STALE: unknown ticker")


def test_write_book_is_the_builder_with_carried_parts(tmp_path):
    tables = {"Lots": [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis", "Double"],
                       ["A", "VTI", "L1", date(2020, 1, 2), 10.0, 100.0, Formula("=Lots[[#This Row],[Shares]]*2", 20.0)]],
              **{k: v for k, v in sample_tables().items() if k != "Lots"}}
    write_book(tmp_path / "written.xlsm", tables)
    again = read_book(tmp_path / "written.xlsm")
    at = again.tables["Lots"][0].index("Double")          # extra columns follow the registry's
    assert again.tables["Lots"][1][at] == Formula("=Lots[[#This Row],[Shares]]*2", 20.0)
    assert again.formulas == (f"Lots!{chr(ord('A') + at)}2",)


def test_a_cell_far_away_is_listed_without_loading_the_sheet(old, tmp_path):
    book = openpyxl.load_workbook(old, keep_vba=True)
    book["Lots"]["XFD1048576"] = "far away"          # a whole-sheet rectangle would be 17 billion cells
    book.save(tmp_path / "stray.xlsm")
    report = regenerate(tmp_path / "stray.xlsm", tmp_path / "tidy.xlsm").report
    assert [f"{n.sheet}!{n.cell}" for n in report.not_carried] == ["Lots!XFD1048576"]
    assert read_tables(tmp_path / "tidy.xlsm").tables["Lots"] == read_tables(old).tables["Lots"]


def conf_rows(path: Path) -> dict:
    import python_calamine

    book = python_calamine.CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_name("xlwings.conf").to_python()
    book.close()
    out = {}
    for row in rows:
        if not row or row[0] in (None, ""):
            break
        out[row[0]] = row[1]
    return out


def test_xlwings_conf_choices_are_kept_but_the_module_is_the_new_ones(old, tmp_path):
    book = openpyxl.load_workbook(old, keep_vba=True)
    conf = book["xlwings.conf"]
    last = next(r for r in range(1, 20) if conf.cell(r + 1, 1).value is None)    # xlwings reads down to a blank
    conf.cell(last + 1, 1, "Interpreter_Win")
    conf.cell(last + 1, 2, r"C:\Python311\python.exe")
    book.save(tmp_path / "configured.xlsm")
    regenerate(tmp_path / "configured.xlsm", tmp_path / "reconfigured.xlsm")
    rows = conf_rows(tmp_path / "reconfigured.xlsm")
    assert rows["Interpreter_Win"] == r"C:\Python311\python.exe"
    assert rows["UDF Modules"] == "reconfigured"


def test_older_layout_excel_table_is_renamed_with_its_formulas(old, tmp_path):
    """An Excel Table of an older layout: its Lots column was headed 'Date acquired', and a
    column of the user's own refers to it by that name."""
    book = openpyxl.load_workbook(old, keep_vba=True)
    lots = book["Lots"]
    table = lots.tables["Lots"]
    table.tableColumns[3].name = "Date acquired"
    lots["D1"] = "Date acquired"
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import TableColumn

    last_row = int(table.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    year = get_column_letter(len(table.tableColumns) + 1)
    table.ref = f"A1:{year}{last_row}"
    table.autoFilter.ref = table.ref
    table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name="Year"))
    lots[f"{year}1"] = "Year"
    for row in range(2, last_row + 1):
        lots[f"{year}{row}"] = "=YEAR(Lots[[#This Row],[Date acquired]])"
    book.save(tmp_path / "older_table.xlsm")
    result = regenerate(tmp_path / "older_table.xlsm", tmp_path / "newer_table.xlsm")
    assert result.report.renamed == ("Lots: column 'Date acquired' is now 'Acquired'",)
    assert result.report.extra_columns == {"Lots": ("Year",)}
    new = read_book(tmp_path / "newer_table.xlsm")
    assert new.tables["Lots"][0] == [c.name for c in layout().table("Lots").columns] + ["Year"]
    assert new.tables["Lots"][1][3] == date(2019, 3, 15)
    assert new.tables["Lots"][1][-1].text == "=YEAR(Lots[[#This Row],[Acquired]])"
    assert answers(tmp_path / "newer_table.xlsm") == answers(old)


def test_live_marks_a_needed_ticker_without_any_price_missing(tmp_path):
    tables = sample_tables()
    tables["Holdings"].append(["Joint Taxable", "NEWT", 10.0])
    tables["Securities"].append(["NEWT", "US Stocks", "NEWT", None])
    old = tmp_path / "with_new_ticker.xlsm"
    build_workbook(old, tables=tables)
    regenerate(old, tmp_path / "priced.xlsm", live=True, source=DictSource({"VTI": 101.0}),
               now=datetime(2026, 11, 21, 12, tzinfo=timezone.utc))
    prices = {row[0]: row for row in read_tables(tmp_path / "priced.xlsm").tables["Prices"][1:] if row[0]}
    assert prices["NEWT"][1] in (None, "") and prices["NEWT"][5].startswith("MISSING: no data")
    assert prices["VTI"][1] == 101.0
