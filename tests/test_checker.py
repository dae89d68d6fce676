"""The workbook checker: package safety, registry structure, formulas, merged cells."""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.table import Table

from xlrebalance.spec import layout
from xlrebalance.workbook import checker
from xlrebalance.workbook import package as package_module
from xlrebalance.workbook.builder import build_workbook


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("book") / "sample_book.xlsm", sample=True).workbook


def structure(path) -> list:
    package, issues = checker.open_package(path)
    assert package is not None, issues
    return issues + checker.check_structure(package)


def codes(issues) -> set[str]:
    return {i.code for i in issues}


def test_the_built_sample_workbook_has_no_structure_issue(sample_book):
    assert structure(sample_book) == []


def test_the_package_lists_every_registry_table_on_its_sheet_with_its_columns(sample_book):
    package, _ = checker.open_package(sample_book)
    for spec in layout().tables:
        table = package.table(spec.name)
        assert table is not None and table.sheet == spec.sheet
        assert [c.name for c in spec.columns] == list(table.columns[:len(spec.columns)])
        assert table.header_row == 1
    holdings = package.table("holdings")          # names match case-insensitively
    assert holdings.column_number("Shares") == 3 and holdings.column_number("nope") is None
    first = layout().raw["workbook"]["dashboard"]["first_cell_row"]
    assert package.defined_names["NeedsRebalance"].endswith(f"$B${first}")


def test_checking_never_changes_the_file(sample_book):
    before = hashlib.sha256(sample_book.read_bytes()).hexdigest()
    structure(sample_book)
    assert hashlib.sha256(sample_book.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("ref, expected", [
    ("A1", (1, 1, 1, 1)),
    ("B2:F13", (2, 2, 13, 6)),
    ("$AA$10:$AB$12", (10, 27, 12, 28)),
    ("F13:B2", (2, 2, 13, 6)),
])
def test_parse_ref(ref, expected):
    assert checker.parse_ref(ref) == expected


@pytest.mark.parametrize("ref", ["", "A", "1:2", "A1:B2:C3", "Sheet1!A1"])
def test_parse_ref_rejects_what_is_not_a_range(ref):
    with pytest.raises(ValueError):
        checker.parse_ref(ref)


@settings(max_examples=80)
@given(st.integers(min_value=1, max_value=16384))
def test_column_letters_round_trip(number):
    assert checker.column_number(checker.column_letter(number)) == number


def test_sheet_cells_reads_formulas_and_typed_values(sample_book):
    package, _ = checker.open_package(sample_book)
    board = checker.sheet_cells(sample_book, package.sheet("Dashboard"))
    first = layout().raw["workbook"]["dashboard"]["first_cell_row"]
    assert board[(first, 2)].formula.startswith("NEEDS_REBALANCE(Holdings[#All]")  # a dynamic array
    assert board[(1, 1)].typed and not board[(1, 1)].is_formula                     # the title
    holdings = checker.sheet_cells(sample_book, package.sheet("Holdings"), columns={3, 5}, rows=(2, 3))
    assert set(holdings) == {(2, 3), (3, 3), (2, 5), (3, 5)}
    assert holdings[(2, 3)].typed and not holdings[(2, 3)].is_formula                # Shares: typed
    assert holdings[(2, 5)].is_formula and not holdings[(2, 5)].typed                # Price: a formula


def _plain_book(path: Path, *, merges=(), rows=200) -> Path:
    """A minimal workbook with one Holdings table, written by openpyxl."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Holdings"
    sheet.append(["Account", "Ticker", "Shares"])
    for i in range(rows):
        sheet.append(["Joint", f"T{i:05d}", i + 1])
    sheet.add_table(Table(displayName="Holdings", ref=f"A1:C{rows + 1}"))
    for ref in merges:
        sheet.merge_cells(ref)
    book.save(path)
    return path


def test_merged_ranges_are_found_at_the_end_of_a_large_sheet(tmp_path):
    path = _plain_book(tmp_path / "merged.xlsx", merges=("A5:B5", "A3000:C3001"), rows=20000)
    package, _ = checker.open_package(path)
    assert sorted(package.sheet("Holdings").merged) == ["A3000:C3001", "A5:B5"]
    merged = [i for i in checker.check_structure(package) if i.code == "merged_cells"]
    assert sorted((i.table, i.row, i.column) for i in merged) == [("Holdings", 5, "Account"),
                                                                  ("Holdings", 3000, "Account")]


def test_a_workbook_without_a_dashboard_is_checked_on_its_tables_only(tmp_path):
    issues = structure(_plain_book(tmp_path / "plain.xlsx"))
    missing = {i.table: i for i in issues if i.code == "missing_sheet"}
    assert set(missing) == {"Targets", "Prices", "Settings", "Accounts", "Securities", "Lots", "Transactions"}
    assert missing["Targets"].is_error and not missing["Lots"].is_error   # required vs optional tables


def test_a_renamed_column_is_named_with_its_likely_original(tmp_path):
    path = tmp_path / "renamed.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.title = "Holdings"
    sheet.append(["Account", "Tickr", "Shares"])
    sheet.append(["Joint", "VTI", 1])
    sheet.add_table(Table(displayName="Holdings", ref="A1:C2"))
    book.save(path)
    [issue] = [i for i in structure(path) if i.code == "missing_column"]
    assert (issue.table, issue.row, issue.column) == ("Holdings", 1, "Ticker")
    assert "'Tickr' looks like it; rename it back to 'Ticker'" in issue.message


def test_zip_limits_refuse_a_member_that_expands_too_far(tmp_path, monkeypatch, sample_book):
    monkeypatch.setattr(package_module, "MAX_PART_BYTES", 30_000)   # the Dashboard sheet is ~60 kB
    package, issues = checker.open_package(sample_book)
    assert package is None and codes(issues) == {"zip_bomb"}
    assert "xl/worksheets/sheet2.xml" in issues[0].message            # sheet2: the Dashboard


def test_a_doctype_in_any_part_is_refused_before_any_parser_sees_it(tmp_path, sample_book):
    path = tmp_path / "entity.xlsm"
    with zipfile.ZipFile(sample_book) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/tables/table5.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
            target.writestr(info, data)
    package, issues = checker.open_package(path)
    assert package is None and codes(issues) == {"xml_bomb"}


@pytest.mark.parametrize("content, code", [
    (b"", "empty_file"),
    (b"Ticker,Price\nVTI,300\n", "not_a_workbook"),
    (b"PK\x03\x04" + b"\x00" * 64, "corrupt_zip"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + bytes(512), "not_xlsx"),
])
def test_files_that_are_not_workbooks(tmp_path, content, code):
    path = tmp_path / "book.xlsx"
    path.write_bytes(content)
    package, issues = checker.open_package(path)
    assert package is None and codes(issues) == {code}


def test_a_missing_file_or_a_folder(tmp_path):
    assert codes(checker.open_package(tmp_path / "nope.xlsm")[1]) == {"file_not_found"}
    assert codes(checker.open_package(tmp_path)[1]) == {"not_a_file"}


def test_typed_values_over_formulas_are_reported_once_per_column(tmp_path, sample_book):
    path = tmp_path / "values.xlsm"
    book = load_workbook(sample_book, keep_vba=True)
    for row in (2, 3, 4):
        book["Holdings"].cell(row=row, column=5).value = 250.0      # Price
    book.save(path)
    [issue] = [i for i in structure(path) if i.code == "formula_replaced"]
    assert (issue.table, issue.row, issue.column) == ("Holdings", 2, "Price")
    assert "rows 2–4 (3 cells)" in issue.message and "=IFERROR(" in issue.message


@pytest.mark.parametrize("tables, expected", [
    ({"Holdings": [["Account", "Ticker", "Shares"], ["A", "VTI", 1e12]]}, [("Holdings", 2, "Shares")]),
    ({"Lots": [["Cost basis", "Shares"], [5.0, 1.0], [-3e13, 2.0]]}, [("Lots", 3, "Cost basis")]),
    ({"Holdings": [["Account", "Ticker", "Shares"], ["A", "VTI", 999_999_999_999.0]]}, []),
    ({"Targets": [["Asset class", "Target"], ["US", 1e15]]}, []),       # fractions are the parser's job
    ({"Unknown": [["Shares"], [1e20]]}, []),
])
def test_implausible_values(tables, expected):
    found = checker.implausible_values(tables)
    assert [(i.table, i.row, i.column) for i in found] == expected


def test_implausible_values_use_the_header_row(tmp_path):
    [issue] = checker.implausible_values({"Holdings": [["Shares"], [1.0], [2e14]]}, {"Holdings": 4})
    assert issue.row == 6


def test_data_on_a_sheet_but_not_in_a_table_is_an_error_only_with_a_dashboard(tmp_path):
    path = tmp_path / "ranges.xlsx"
    book = Workbook()
    book.active.title = "Holdings"
    book["Holdings"].append(["Account", "Ticker", "Shares"])
    book.save(path)
    [issue] = [i for i in structure(path) if i.code == "missing_table"]
    assert not issue.is_error and "read from the sheet meanwhile" in issue.message
    book.create_sheet("Dashboard")
    book.save(path)
    [issue] = [i for i in structure(path) if i.code == "missing_table"]
    assert issue.is_error


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_a_damaged_workbook_never_raises(sample_book, tmp_path_factory, data):
    """Random damage to the XML parts or to the raw bytes: the check returns a result (any
    problem is an Issue), it never raises."""
    from xlrebalance.check import check_workbook

    raw = bytearray(sample_book.read_bytes())
    if data.draw(st.booleans(), label="damage XML inside an intact zip"):
        with zipfile.ZipFile(sample_book) as source:
            members = [(info.filename, source.read(info)) for info in source.infolist()]
        xml = [i for i, (name, _) in enumerate(members) if name.endswith((".xml", ".rels"))]
        target = data.draw(st.sampled_from(xml), label="member")
        name, body = members[target]
        body = bytearray(body)
        for _ in range(data.draw(st.integers(1, 6), label="edits")):
            at = data.draw(st.integers(0, len(body) - 1))
            body[at] = data.draw(st.sampled_from(list(b'<>"/=&; aZ9\x00\xff')))
        members[target] = (name, bytes(body))
        buffer = __import__("io").BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, content in members:
                archive.writestr(member, content)
        raw = bytearray(buffer.getvalue())
    else:
        for _ in range(data.draw(st.integers(1, 12), label="flips")):
            raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    path = tmp_path_factory.mktemp("damaged") / "damaged.xlsm"
    path.write_bytes(bytes(raw))
    result = check_workbook(path)
    assert result.valid or result.exit_code() == 2
    assert not any(i.code == "internal_error" for i in result.issues), [str(i) for i in result.issues]
