"""Reading a user's workbook with python-calamine: tables by Excel Table name or by sheet,
header rows for issue locations, clear errors, and never a write to the file."""
from __future__ import annotations

import hashlib
from datetime import date

import openpyxl
import pytest
import xlsxwriter

from xlrebalance.errors import WorkbookError
from xlrebalance.portfolio import Portfolio, load
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout
from xlrebalance.tables import parse_household
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.reader import read_tables


@pytest.fixture(scope="module")
def sample_path(tmp_path_factory):
    return build_workbook(tmp_path_factory.mktemp("reader") / "demo.xlsm", sample=True).workbook


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_generated_workbook_tables_are_found_by_table_name(sample_path):
    book = read_tables(sample_path)
    names = [t.name for t in layout().tables]
    assert list(book.tables) == names
    assert book.found_by == {n: "table" for n in names}
    assert book.header_rows == {n: 1 for n in names}
    assert book.sheets == {t.name: t.sheet for t in layout().tables}
    assert book.missing == ()


@pytest.mark.parametrize("name", ["Holdings", "Lots", "Prices", "Accounts"])
def test_rows_are_the_written_values(sample_path, name):
    read = read_tables(sample_path).tables[name]
    given = sample_tables()[name]
    assert read[0][: len(given[0])] == given[0]
    assert len(read) == len(given)
    for got, expected in zip(read[1:], given[1:]):
        assert got[: len(expected)] == [("" if v is None else v) for v in expected]


def test_load_answers_equal_the_library_on_the_same_tables(sample_path):
    from_file, from_tables = load(sample_path), Portfolio.from_tables(sample_tables())
    assert from_file.issues == from_tables.issues
    assert from_file.drift().equals(from_tables.drift())
    assert from_file.needs_rebalance() == from_tables.needs_rebalance()
    assert from_file.rebalance_reason() == from_tables.rebalance_reason()


def test_plain_sheets_without_tables_header_in_first_non_empty_row(tmp_path):
    """A hand-made workbook: no Excel Tables, Holdings header on row 3 of sheet 'holdings'."""
    path = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "holdings"
    sheet["A1"] = None
    sheet.append([])
    sheet.append([])
    sheet["A3"], sheet["B3"], sheet["C3"] = "Account", "Ticker", "Shares"
    sheet.append(["Taxable", "VTI", 10])
    sheet.append(["Taxable", "BND", "ten"])
    prices = book.create_sheet("Prices")
    prices.append(["Ticker", "Price"])
    prices.append(["VTI", 300])
    book.save(path)
    read = read_tables(path)
    assert read.found_by == {"Holdings": "sheet", "Prices": "sheet"}
    assert read.header_rows == {"Holdings": 3, "Prices": 1}
    assert read.tables["Holdings"][1] == ["Taxable", "VTI", 10.0]
    assert "Targets" in read.missing
    household = parse_household(read.tables, header_rows=read.header_rows)
    bad = [i for i in household.issues if i.table == "Holdings" and i.column == "Shares"]
    assert [i.row for i in bad] == [5]


def test_table_not_at_a1_reports_its_real_header_row(tmp_path):
    path = tmp_path / "offset.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("My positions")
    sheet.add_table(4, 2, 6, 4, {"name": "Holdings", "columns": [{"header": h} for h in ("Account", "Ticker", "Shares")],
                                 "data": [["Taxable", "VTI", 10], ["Taxable", "BND", 5]]})
    book.close()
    read = read_tables(path)
    assert read.found_by["Holdings"] == "table"
    assert read.sheets["Holdings"] == "My positions"
    assert read.header_rows["Holdings"] == 5
    assert read.tables["Holdings"] == [["Account", "Ticker", "Shares"], ["Taxable", "VTI", 10.0], ["Taxable", "BND", 5.0]]


def test_dates_come_back_as_dates(sample_path):
    lots = read_tables(sample_path).tables["Lots"]
    acquired = lots[0].index("Acquired")
    assert all(isinstance(row[acquired], date) for row in lots[1:])


@pytest.mark.parametrize("content, suffix, message", [     # the messages `check` gives (package vetting)
    (b"this is not a spreadsheet", ".xlsx", "is not an Excel workbook"),
    (b"PK\x03\x04 truncated zip", ".xlsm", "zip directory is missing or cut off"),
    (b"a,b\n1,2\n", ".csv", "looks like a text or CSV file"),
])
def test_unreadable_files_raise_workbook_error(tmp_path, content, suffix, message):
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(content)
    with pytest.raises(WorkbookError, match=message) as error:
        read_tables(path)
    assert path.name in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(WorkbookError, match="does not exist"):
        read_tables(tmp_path / "nope.xlsm")


def test_reading_never_changes_the_file(sample_path):
    before, mtime = digest(sample_path), sample_path.stat().st_mtime_ns
    read_tables(sample_path)
    load(sample_path)
    assert digest(sample_path) == before
    assert sample_path.stat().st_mtime_ns == mtime


# ---------------------------------------------------------------------------------------
# Round trip: what the builder writes, the reader reads back cell for cell.

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

_text = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")),
                min_size=1, max_size=20).map(str.strip).filter(bool)
_number = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
_holding = st.tuples(_text, _text, _number | st.none())
_price = st.tuples(_text, _number | st.none(), st.dates(date(1990, 1, 1), date(2100, 12, 31)) | st.none())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(holdings=st.lists(_holding, min_size=1, max_size=12), prices=st.lists(_price, min_size=1, max_size=8))
def test_cells_round_trip_through_builder_and_reader(tmp_path, holdings, prices):
    """Text (including '=', quotes, '<', accents), numbers, dates and blanks come back as written."""
    tables = {
        "Holdings": [["Account", "Ticker", "Shares"]] + [list(row) for row in holdings],
        "Prices": [["Ticker", "Price", "As of"]] + [list(row) for row in prices],
    }
    path = tmp_path / "round_trip.xlsm"
    build_workbook(path, tables=tables, force=True)
    read = read_tables(path).tables

    def same(got, expected) -> bool:
        if expected is None:
            return got in ("", None)
        if isinstance(expected, float):
            return got == pytest.approx(expected, rel=1e-15, abs=1e-300)
        return got == expected

    got_holdings = [row[:3] for row in read["Holdings"][1:]]
    assert len(got_holdings) == len(holdings)
    for got, expected in zip(got_holdings, holdings):
        assert all(same(g, e) for g, e in zip(got, expected)), (got, expected)
    header = read["Prices"][0]
    at = [header.index(name) for name in ("Ticker", "Price", "As of")]
    for got, expected in zip(read["Prices"][1:], prices):
        assert all(same(got[i], e) for i, e in zip(at, expected)), (got, expected)
