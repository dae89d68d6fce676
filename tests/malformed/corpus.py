"""A corpus of malformed workbooks, built at test time from a valid one.

Each ``Case`` writes one broken file from the builder's sample workbook: by editing a copy
with openpyxl (sheets, tables, cells, merges), by editing the zip's parts directly (an XML
bomb, a zip bomb, a damaged member) or as raw bytes (a text file renamed .xlsm).  ``code``
is the Issue code the check must report; ``words`` must appear in what it prints.

    python tests/malformed/corpus.py OUT_DIR     # write every case, to look at them
"""
from __future__ import annotations

import io
import shutil
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from openpyxl import load_workbook
from xlrebalance.spec import layout


@dataclass(frozen=True)
class Case:
    name: str
    make: Callable[[Path, Path], None]     # (valid base workbook, output path)
    code: str                              # the Issue code expected
    words: tuple[str, ...] = ()            # also expected in the printed output
    suffix: str = ".xlsm"


# ---------------------------------------------------------------------------------------
# Helpers


def edit(change: Callable) -> Callable[[Path, Path], None]:
    """A maker that loads a copy with openpyxl, applies ``change(book)`` and saves it."""
    def make(base: Path, out: Path) -> None:
        book = load_workbook(base, keep_vba=True)
        change(book)
        book.save(out)
    return make


def table_cell(book, table: str, column: str, data_row: int = 1):
    """The cell of ``column`` in the ``data_row``-th data row (1-based) of ``table``."""
    for sheet in book.worksheets:
        if table in sheet.tables:
            ref = sheet.tables[table].ref
            first = sheet[ref.split(":")[0]]
            headers = [c.value for c in sheet[first.row]]
            col = headers.index(column) + 1
            return sheet.cell(row=first.row + data_row, column=col)
    raise KeyError(table)


def set_cell(table: str, column: str, value, data_row: int = 1) -> Callable:
    def change(book):
        table_cell(book, table, column, data_row).value = value
    return change


def rename_column(table: str, old: str, new: str) -> Callable:
    def change(book):
        cell = table_cell(book, table, old, 0)
        cell.value = new
        for sheet in book.worksheets:
            if table in sheet.tables:
                for column in sheet.tables[table].tableColumns:
                    if column.name == old:
                        column.name = new
    return change


def delete_sheet(name: str) -> Callable:
    def change(book):
        del book[name]
    return change


def delete_table(name: str) -> Callable:
    def change(book):
        for sheet in book.worksheets:
            if name in sheet.tables:
                del sheet.tables[name]
    return change


def rename_table(name: str, new: str) -> Callable:
    def change(book):
        for sheet in book.worksheets:
            if name in sheet.tables:
                table = sheet.tables[name]
                del sheet.tables[name]
                table.name = table.displayName = new
                sheet.add_table(table)
    return change


def merge(table: str, first: str, last: str, data_row: int = 2) -> Callable:
    def change(book):
        start, end = table_cell(book, table, first, data_row), table_cell(book, table, last, data_row)
        start.parent.merge_cells(f"{start.coordinate}:{end.coordinate}")
    return change


def set_setting(name: str, value) -> Callable:
    """Type ``value`` into the Value cell of the Settings row ``name``."""
    def change(book):
        for row in range(1, 200):
            key = table_cell(book, "Settings", "Setting", row)
            if key.value == name:
                table_cell(book, "Settings", "Value", row).value = value
                return
        raise KeyError(name)
    return change


def table_ref(table: str, ref: str) -> Callable[[Path, Path], None]:
    """A maker that sets the range of the Excel table ``table`` (its table part) to ``ref``."""
    import re

    def change(data: bytes) -> bytes:
        return re.sub(rb'\bref="[^"]*"', f'ref="{ref}"'.encode(), data)

    def make(base: Path, out: Path) -> None:
        with zipfile.ZipFile(base) as source:
            member = next(i.filename for i in source.infolist() if i.filename.startswith("xl/tables/")
                          and f'name="{table}"'.encode() in source.read(i))
        zip_edit({member: change})(base, out)
    return make


def clear_rows(table: str) -> Callable:
    """Blank every data cell of ``table`` (the table keeps one blank row)."""
    def change(book):
        for sheet in book.worksheets:
            if table in sheet.tables:
                ref = sheet.tables[table].ref
                rows = list(sheet[ref])
                for row in rows[1:]:
                    for cell in row:
                        cell.value = None
    return change


def values_for_formulas(table: str, column: str) -> Callable:
    """Paste values over a formula column, as 'Paste Values' does."""
    def change(book):
        for row in range(1, 6):
            table_cell(book, table, column, row).value = 123.45 * row
    return change


def dashboard_value(cell: str, value) -> Callable:
    def change(book):
        book["Dashboard"][cell].value = value
    return change


def dashboard_formula_deleted(function: str) -> Callable:
    def change(book):
        for row in book["Dashboard"].iter_rows():
            for cell in row:
                text = getattr(cell.value, "text", cell.value)
                if isinstance(text, str) and text.lstrip("=").startswith(function + "("):
                    cell.value = None
    return change


def zip_edit(replace: dict[str, Callable[[bytes], bytes] | None] = None, add: dict[str, bytes] = None,
             compress_level: int = 6) -> Callable[[Path, Path], None]:
    """A maker that rewrites the zip: members replaced through a function, dropped (None), added."""
    replace, add = replace or {}, add or {}

    def make(base: Path, out: Path) -> None:
        with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                               compresslevel=compress_level) as target:
            for info in source.infolist():
                data = source.read(info)
                if info.filename in replace:
                    if replace[info.filename] is None:
                        continue
                    data = replace[info.filename](data)
                target.writestr(info.filename, data)
            for name, data in add.items():
                target.writestr(name, data)
    return make


def raw(data: bytes) -> Callable[[Path, Path], None]:
    def make(base: Path, out: Path) -> None:
        out.write_bytes(data)
    return make


def truncated(base: Path, out: Path) -> None:
    data = base.read_bytes()
    out.write_bytes(data[: len(data) // 2])


def damaged_member(base: Path, out: Path) -> None:
    """Flip bytes inside the stored data of the Holdings sheet: its checksum fails."""
    data = bytearray(base.read_bytes())
    with zipfile.ZipFile(base) as archive:
        info = archive.getinfo("xl/worksheets/sheet6.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 40, start + 60):
        data[offset] ^= 0x5A
    out.write_bytes(bytes(data))


def docx(base: Path, out: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    out.write_bytes(buffer.getvalue())


BILLION_LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']>\n')


def xml_bomb(data: bytes) -> bytes:
    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
    return BILLION_LAUGHS + body.replace(b"<t>Account</t>", b"<t>&lol9;</t>", 1)


# ---------------------------------------------------------------------------------------
# The cases

CASES: tuple[Case, ...] = (
    Case("missing_sheet_holdings", edit(delete_sheet("Holdings")), "missing_sheet", ("Holdings",)),
    Case("missing_sheet_targets", edit(delete_sheet("Targets")), "missing_sheet", ("Targets",)),
    Case("missing_sheet_prices", edit(delete_sheet("Prices")), "missing_sheet", ("Prices",)),
    Case("missing_table_holdings", edit(delete_table("Holdings")), "missing_table", ("Insert > Table",)),
    Case("renamed_table_targets", edit(rename_table("Targets", "Table4")), "missing_table", ("Table4",)),
    Case("renamed_column_shares", edit(rename_column("Holdings", "Shares", "Qty")), "missing_column",
         ("Shares", "Qty")),
    Case("renamed_column_cost_basis", edit(rename_column("Lots", "Cost basis", "Cost basis total")),
         "missing_column", ("Lots", "Cost basis")),
    Case("renamed_column_target", edit(rename_column("Targets", "Target", "Targt")), "missing_column",
         ("Targt",)),
    Case("text_in_shares", edit(set_cell("Holdings", "Shares", "ten")), "bad_value", ("Holdings", "'ten'")),
    Case("text_in_cost_basis", edit(set_cell("Lots", "Cost basis", "about 9k")), "bad_value", ("Lots",)),
    Case("text_in_target", edit(set_cell("Targets", "Target", "sixty")), "bad_value", ("Targets",)),
    Case("text_in_price", edit(set_cell("Prices", "Price", "n/a", 2)), "bad_value", ("Prices",)),
    Case("text_in_cash", edit(set_cell("Accounts", "Cash", "lots")), "bad_value", ("Accounts", "Cash")),
    Case("merged_cells_holdings", edit(merge("Holdings", "Account", "Ticker")), "merged_cells",
         ("Holdings", "Unmerge")),
    Case("merged_cells_lots", edit(merge("Lots", "Acquired", "Shares", 3)), "merged_cells", ("Lots",)),
    Case("values_over_price_formulas", edit(values_for_formulas("Holdings", "Price")), "formula_replaced",
         ("Price", "typed value")),
    Case("values_over_value_formulas", edit(values_for_formulas("Holdings", "Value")), "formula_replaced",
         ("Value",)),
    Case("dashboard_answer_typed_over", edit(dashboard_value(f"B{layout().raw['workbook']['dashboard']['first_cell_row']}", True)), "formula_replaced", ("Dashboard",)),
    Case("dashboard_drift_formula_deleted", edit(dashboard_formula_deleted("DRIFT")), "missing_formula",
         ("DRIFT",)),
    Case("broken_ref_in_formula", edit(set_cell("Holdings", "Value", "=#REF!*2")), "broken_formula", ("#REF!",)),
    Case("empty_holdings", edit(clear_rows("Holdings")), "empty_holdings", ("Holdings",)),
    Case("empty_targets", edit(clear_rows("Targets")), "empty_targets", ("Targets",)),
    Case("huge_shares", edit(set_cell("Holdings", "Shares", 1e300)), "huge_number", ("Shares",)),
    Case("huge_cost_basis", edit(set_cell("Lots", "Cost basis", 4.2e15, 2)), "huge_number", ("Cost basis",)),
    Case("date_as_text_lots", edit(set_cell("Lots", "Acquired", "15.03.2024")), "bad_value", ("Acquired",)),
    Case("date_as_text_transactions", edit(set_cell("Transactions", "Date", "last March")), "bad_value",
         ("Date",)),
    Case("targets_not_100", edit(set_cell("Targets", "Target", 0.30)), "targets_not_100", ("100%",)),
    Case("negative_shares", edit(set_cell("Holdings", "Shares", -5)), "negative_shares", ("Holdings",)),
    Case("duplicate_lot_id", edit(set_cell("Lots", "Lot ID", "T-VTI-1", 2)), "duplicate_lot", ("Lot ID",)),
    Case("unknown_account_type", edit(set_cell("Accounts", "Type", "Savings jar")), "unknown_account_type",
         ("Savings jar",)),
    Case("xml_bomb", zip_edit({"xl/sharedStrings.xml": xml_bomb}), "xml_bomb", ("unsafe",)),
    Case("zip_bomb", zip_edit(add={"xl/media/image1.bin": bytes(48 * 2**20)}, compress_level=9), "zip_bomb",
         ("zip bomb",)),
    Case("damaged_member", damaged_member, "corrupt_zip", ("damaged",)),
    Case("truncated_zip", truncated, "corrupt_zip", ("cut off",)),
    Case("no_workbook_part", zip_edit({"xl/workbook.xml": None}), "not_a_workbook", ("xl/workbook.xml",)),
    Case("word_document_renamed", docx, "not_a_workbook", ("Word",), ".xlsx"),
    Case("csv_renamed", raw(b"Account,Ticker,Shares\nJoint,VTI,700\n"), "not_a_workbook", ("CSV",)),
    Case("pdf_renamed", raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), "not_a_workbook", ("PDF",)),
    Case("html_renamed", raw(b"<html><body><table><tr><td>VTI</td></tr></table></body></html>"),
         "not_a_workbook", ("web page",), ".xlsx"),
    Case("empty_file", raw(b""), "empty_file", ("0 bytes",)),
    Case("encrypted_or_xls", raw(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(2048)), "not_xlsx", ("password",)),
    # Numbers typed as text pass the same finiteness and size checks as numbers
    Case("text_1e308_in_shares", edit(set_cell("Holdings", "Shares", "1e308")), "huge_number", ("Shares",)),
    Case("text_1e13_in_shares", edit(set_cell("Holdings", "Shares", "1e13")), "huge_number", ("Shares",)),
    Case("text_1e400_in_price", edit(set_cell("Prices", "Price", "1e400", 2)), "huge_number", ("Prices", "Price")),
    Case("text_1e400_in_cost_basis", edit(set_cell("Lots", "Cost basis", "1e400", 2)), "huge_number",
         ("Lots", "Cost basis")),
    Case("text_1e400_cash_reserve", edit(set_setting("Cash reserve", "1e400")), "huge_number",
         ("Cash reserve",)),
    # Cells showing an Excel error are reported as such, never read as blanks (or defaults)
    Case("error_na_in_tradable", edit(set_cell("Targets", "Tradable", "#N/A", 5)), "error_value",
         ("Targets", "Tradable", "#N/A", "fix the formula")),
    Case("error_na_in_gain_budget", edit(set_setting("Gain budget", "#N/A")), "error_value",
         ("Gain budget", "#N/A")),
    Case("error_na_in_cash", edit(set_cell("Accounts", "Cash", "#N/A")), "error_value", ("Accounts", "Cash", "#N/A")),
    Case("error_na_in_as_of_date", edit(set_setting("As of date", "#N/A")), "error_value", ("As of date", "#N/A")),
    Case("error_ref_in_required_shares", edit(set_cell("Holdings", "Shares", "#REF!", 2)), "error_value",
         ("Holdings", "Shares", "#REF!")),
    Case("error_value_in_account_type", edit(set_cell("Accounts", "Type", "#VALUE!")), "error_value",
         ("Accounts", "Type", "#VALUE!")),
    Case("error_div0_in_ticker", edit(set_cell("Lots", "Ticker", "#DIV/0!", 3)), "error_value", ("Lots", "#DIV/0!")),
    # A table absurdly large in itself is refused before anything is allocated for it
    Case("table_spans_whole_sheet", table_ref("Holdings", "A1:XFD1048576"), "table_too_large",
         ("Holdings", "Resize Table")),
)


def build(case: Case, base: Path, folder: Path) -> Path:
    out = folder / f"{case.name}{case.suffix}"
    case.make(base, out)
    return out


def main(argv: list[str]) -> int:
    from xlrebalance.workbook.builder import build_workbook

    folder = Path(argv[1] if len(argv) > 1 else "malformed_corpus")
    folder.mkdir(parents=True, exist_ok=True)
    base = build_workbook(folder / "valid_base.xlsm", sample=True, force=True).workbook
    for case in CASES:
        print(build(case, base, folder))
    shutil.rmtree(folder / "__pycache__", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
