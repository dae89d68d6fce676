"""The answer sheets: each spilling answer besides DRIFT (TRADE_LIST, HARVEST_CANDIDATES,
REALIZED_GAINS, OPEN_LOTS) on a sheet of its own, so nothing can ever stand in its spill's way.

Each sheet holds, from ``[[workbook.answer_sheets]]`` in the registry: its title (A1), what the
function answers (A2), a link back to the Dashboard (A3) and the dynamic-array formula at
A{row}.  The output columns get their width and number format for the whole column, so a
spill of any length is formatted; the header rows stay frozen.
"""
from __future__ import annotations

from ..spec import layout
from .dashboard import answer_sheets, config, quote_sheet, udf_call
from .formats import Formats

DEFAULT_WIDTH = 14


def write_answer_sheets(sheets: dict, formats: Formats) -> None:
    """Every registry answer sheet, onto the worksheets ``sheets`` (name -> worksheet)."""
    for answer in answer_sheets():
        write_answer_sheet(sheets[answer["sheet"]], formats, answer)


def write_answer_sheet(sheet, formats: Formats, answer: dict) -> None:
    function = layout().function(answer["function"])
    row = answer["row"] - 1
    widths = config().get("column_widths", {})
    output_types = layout().raw["workbook"]["output_types"]
    for col, column in enumerate(function.columns):
        sheet.set_column(col, col, widths.get(column, DEFAULT_WIDTH), formats.for_type(output_types.get(column, "")))
    sheet.write_string(0, 0, answer["title"], formats.title)
    sheet.write_string(1, 0, function.description, formats.note)
    sheet.write_url(2, 0, f"internal:{quote_sheet(config()['sheet'])}!A1", string="Back to the Dashboard")
    sheet.write_dynamic_array_formula(row, 0, row, 0, "=" + udf_call(function), None,
                                      function.columns[0] if function.columns else 0)
    sheet.freeze_panes(row + 1, 0)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
