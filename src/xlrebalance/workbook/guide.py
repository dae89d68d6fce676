"""The "Start here" sheet and the header comments: what each table is for, every column (its
type, units and allowed values, and what it means), the three steps to get running, what
each button does and where the answers are.

All of it is written from the registry (``[workbook.start_here]``, the tables and their
columns, ``[column_help]``, the buttons and ``[[workbook.answer_sheets]]``), so a table,
column, button or answer sheet added there appears here without a change to this module.
"""
from __future__ import annotations

import math
from typing import Optional

from ..spec import ColumnSpec, TableSpec, layout
from .dashboard import answer_sheets, config as dashboard_config, quote_sheet
from .formats import Formats

#: What a value of each column type is, in the user's words.
TYPE_TEXT = {
    "text": "Text",
    "ticker": "Ticker symbol (text; read in upper case)",
    "account": "Account name (text, as in the Accounts table)",
    "number": "Number",
    "money": "Amount in $ (a number; no currency sign needed)",
    "shares": "Number of shares (fractions allowed)",
    "fraction": "Fraction: type 0.05 or 5% (both mean five percent)",
    "date": "Date (yyyy-mm-dd or any date Excel recognises)",
    "bool": "TRUE or FALSE",
    "choice": "One of a list (the cell has a dropdown)",
}

#: Column widths of the Start here sheet: section / table, column, type, allowed values,
#: required, meaning.
WIDTHS = (20, 22, 40, 44, 10, 100)
PROSE_FIRST, PROSE_LAST = 1, len(WIDTHS) - 1
LINE_POINTS = 15


def config() -> dict:
    return layout().raw["workbook"]["start_here"]


def sheet_name() -> str:
    return config()["sheet"]


def column_meaning(table: str, column: ColumnSpec) -> str:
    """What the column means: its own description, else ``[column_help.TABLE]``."""
    if column.description:
        return column.description
    return layout().raw.get("column_help", {}).get(table, {}).get(column.name, "")


def allowed_values(column: ColumnSpec) -> str:
    """Units, allowed values and the default, in a few words."""
    parts = []
    if column.type == "choice" and column.choices:
        parts.append("One of: " + ", ".join(column.choices))
    elif column.type == "bool":
        parts.append("TRUE or FALSE")
    elif column.type == "money":
        parts.append("$")
    elif column.type == "fraction":
        parts.append("0 to 1 (0.05 = 5%)")
    elif column.type == "shares":
        parts.append("shares, 0 or more")
    if column.default not in (None, ""):
        default = column.default if not isinstance(column.default, bool) else str(column.default).upper()
        parts.append(f"blank = {default}")
    return "; ".join(parts)


def header_comment(table: str, column: ColumnSpec) -> str:
    """The comment on a table's header cell: meaning, type, allowed values, required."""
    lines = [column_meaning(table, column), TYPE_TEXT.get(column.type, column.type)]
    allowed = allowed_values(column)
    if allowed:
        lines.append(allowed)
    if column.required:
        lines.append("Required: the column must be there and its cells filled.")
    return "\n".join(line for line in lines if line)


def _fill(text: str, module: str, xlwings: str) -> str:
    return text.replace("{module}", module).replace("{xlwings}", xlwings)


def write_start_here(sheet, formats: Formats, module: str, xlwings: str,
                     formula_columns: Optional[dict] = None) -> None:
    """The whole Start here sheet.  ``formula_columns``: table name -> its formula columns
    (name, type, description), listed after the table's own columns."""
    cfg = config()
    for col, width in enumerate(WIDTHS):
        sheet.set_column(col, col, width)
    writer = _Writer(sheet, formats)
    writer.cell(cfg["title"], formats.title)
    writer.prose(cfg["intro"])
    writer.heading("Get running in three steps")
    for step in cfg["steps"]:
        writer.prose(_fill(step, module, xlwings))
    for note in cfg.get("notes", ()):
        writer.prose(_fill(note, module, xlwings), formats.wrap_note)
    writer.heading("The buttons (on the Dashboard)")
    for button in dashboard_config()["buttons"]:
        writer.labelled(button["caption"], button.get("description", ""))
    writer.heading("Where the answers are")
    board = dashboard_config()
    writer.link(board["sheet"], "The decision (Rebalance needed?), why, DRIFT with the chart of weight against "
                "the effective target and band, and the allocation check (native formulas).")
    for answer in answer_sheets():
        writer.link(answer["sheet"], f"{answer['function']}: {layout().function(answer['function']).description}")
    writer.heading("The tables: what each is for, and every column")
    writer.row(["Table", "Column", "Type", "Units, allowed values, default", "Required", "Meaning"],
               formats.label)
    extra = formula_columns or {}
    for table in layout().tables:
        _write_table(writer, table, extra.get(table.name, ()))
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.hide_gridlines(2)


def _write_table(writer: "_Writer", table: TableSpec, formula_columns) -> None:
    writer.link(table.sheet, table.description, first=table.name)
    for column in table.columns:
        writer.row(["", column.name, TYPE_TEXT.get(column.type, column.type), allowed_values(column),
                    "yes" if column.required else "", column_meaning(table.name, column)])
    for formula in formula_columns:
        writer.row(["", formula.name, TYPE_TEXT.get(formula.type, formula.type), "a formula: do not type here",
                    "", formula.description])


class _Writer:
    """Writes rows down the sheet; prose across columns B..F, wrapped, its height set from
    its length (Excel and LibreOffice show a row at the height stored in the file)."""

    def __init__(self, sheet, formats: Formats):
        self.sheet, self.formats, self.row_at = sheet, formats, 0

    def cell(self, text: str, fmt=None) -> None:
        self.sheet.write_string(self.row_at, 0, text, fmt)
        self.row_at += 1

    def heading(self, text: str) -> None:
        self.row_at += 1
        self.cell(text, self.formats.heading)

    def prose(self, text: str, fmt=None) -> None:
        fmt = fmt or self.formats.wrap
        chars = sum(WIDTHS[PROSE_FIRST:PROSE_LAST + 1]) * 1.1
        self.sheet.merge_range(self.row_at, PROSE_FIRST, self.row_at, PROSE_LAST, text, fmt)
        self.sheet.set_row(self.row_at, LINE_POINTS * max(1, math.ceil(len(text) / chars)))
        self.row_at += 1

    def labelled(self, label: str, text: str) -> None:
        self.sheet.write_string(self.row_at, 0, label, self.formats.label)
        self.prose(text)

    def link(self, sheet: str, text: str, first: Optional[str] = None) -> None:
        self.sheet.write_url(self.row_at, 0, f"internal:{quote_sheet(sheet)}!A1", string=first or sheet)
        self.prose(text)

    def row(self, values: list, fmt=None) -> None:
        for col, value in enumerate(values):
            if value:
                self.sheet.write_string(self.row_at, col, str(value), fmt or self.formats.wrap)
        longest = max((len(str(v)) / (WIDTHS[i] * 1.1) for i, v in enumerate(values)), default=1)
        self.sheet.set_row(self.row_at, LINE_POINTS * max(1, math.ceil(longest)))
        self.row_at += 1
