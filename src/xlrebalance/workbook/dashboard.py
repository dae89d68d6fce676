"""The Dashboard sheet: the decision and its reason, DRIFT as a dynamic-array formula, a native
allocation check (the chart's data) with the chart, links to the answer sheets, and the
buttons, each in its own reserved cells.

Layout, formulas and captions come from ``[workbook.dashboard]`` in the registry.  The
functions are written with ``write_dynamic_array_formula`` so Excel spills them (cell
attribute ``cm="1"`` plus ``xl/metadata.xml``); their table arguments are the registry's
``args`` in order, each ``Table[#All]``.  Every other answer spills on a sheet of its own
(``workbook/answers.py``).  ``spill_anchors()`` lists every spilling formula's place, for the
tests that prove nothing stands in a spill's way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from ..core.drift import DriftReport, drift_report
from ..core.model import Household
from ..core.triggers import decide
from ..spec import FunctionSpec, layout
from .formats import Formats

_SETTING = re.compile(r"\{setting:([^}|]+)(?:\|([^}]*))?\}")
_CELL = re.compile(r"\{cell:([^}]+)\}")
_COL = re.compile(r"\{col:([^}]+)\}")
_RANGE = re.compile(r"\{range:([^}]+)\}")


def config() -> dict:
    return layout().raw["workbook"]["dashboard"]


def sheet_name() -> str:
    return config()["sheet"]


@dataclass(frozen=True)
class Placed:
    """A top cell's position (0-based) and defined name."""

    name: str
    row: int
    col: int

    def ref(self) -> str:
        return f"{quote_sheet(sheet_name())}!{xl_rowcol_to_cell(self.row, self.col, True, True)}"


def quote_sheet(name: str) -> str:
    return f"'{name}'" if not name.replace("_", "").isalnum() else name


def udf_call(function: FunctionSpec) -> str:
    """``NAME(Holdings[#All],...)`` without '=' or extra arguments."""
    return f"{function.name}({','.join(f'{table}[#All]' for table in function.args)})"


def expand_udf(formula: str) -> str:
    """``=NEEDS_REBALANCE({args},TRUE)`` -> the registry function's table arguments filled in."""
    name = formula.lstrip("=").split("(", 1)[0]
    args = ",".join(f"{table}[#All]" for table in layout().function(name).args)
    return formula.replace("{args}", args)


def setting_formula(key: str, default: Optional[str] = None) -> str:
    """The Settings value of ``key``; the registry default (or ``default``, a formula) when the
    row is missing or its value blank."""
    spec = layout().setting(key)
    fallback = default if default is not None else formula_literal(spec.default)
    lookup = f'INDEX(Settings[Value],MATCH("{spec.key}",Settings[Setting],0))'
    return f'IFERROR(IF({lookup}="",{fallback},{lookup}),{fallback})'


def formula_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    return '"' + str(value).replace('"', '""') + '"'


def expand(formula: str, cells: dict[str, Placed]) -> str:
    """Fill ``{setting:...}`` and ``{cell:...}`` placeholders."""
    formula = _SETTING.sub(lambda m: setting_formula(m.group(1), m.group(2)), formula)
    return _CELL.sub(lambda m: xl_rowcol_to_cell(cells[m.group(1)].row, cells[m.group(1)].col, True, True),
                     formula)


@dataclass(frozen=True)
class SpillAnchor:
    """Where a registry function's dynamic-array formula is written (1-based row, column)."""

    sheet: str
    function: str
    row: int
    column: int


def spill_anchors() -> list[SpillAnchor]:
    """Every spilling answer of the workbook: the Dashboard's blocks and the answer sheets."""
    found = [SpillAnchor(sheet_name(), b["function"], b["row"], b["column"]) for b in config()["blocks"]]
    found += [SpillAnchor(a["sheet"], a["function"], a["row"], 1) for a in answer_sheets()]
    return found


def answer_sheets() -> list[dict]:
    """``[[workbook.answer_sheets]]``: sheet, function, title, row."""
    return list(layout().raw["workbook"].get("answer_sheets", ()))


def write_dashboard(book, sheet, formats: Formats, household: Optional[Household]) -> None:
    cfg = config()
    report = _report(household)
    sheet.write_string(0, 0, cfg["title"], formats.title)
    sheet.set_column(1, 40, 14)
    widths = _set_widths(sheet, cfg)
    _write_buttons(sheet, cfg, widths)
    cells = _write_top_cells(book, sheet, formats, household, report)
    _write_links(sheet, formats, cfg)
    for block in cfg["blocks"]:
        _write_block(sheet, formats, block)
    _write_allocation(book, sheet, formats, cells, report)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


def column_pixels(width: float) -> int:
    """A column ``width`` (characters, as ``set_column`` takes it) in pixels, as XlsxWriter
    and Excel convert it (Calibri 11: 7 pixels a digit, 5 of padding)."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)


def button_cells(index: int) -> tuple[int, int, int]:
    """The reserved cells of the ``index``-th button: (row, first column, last column), 1-based."""
    cfg = config()
    first = cfg["button_first_column"] + index * cfg["button_span"]
    return cfg["button_row"], first, first + cfg["button_span"] - 1


def _write_buttons(sheet, cfg: dict, widths: dict[int, float]) -> None:
    """Each button inside its own cells of the button row, 3 pixels inside their edges."""
    row_pixels = int(cfg["button_row_height"] * 4 / 3)
    sheet.set_row(cfg["button_row"] - 1, cfg["button_row_height"])
    for index, button in enumerate(cfg["buttons"]):
        row, first, last = button_cells(index)
        width = sum(column_pixels(widths.get(c - 1, 14)) for c in range(first, last + 1))
        sheet.insert_button(row - 1, first - 1, {
            "macro": button["macro"], "caption": button["caption"], "x_offset": 3, "y_offset": 3,
            "width": width - 6, "height": row_pixels - 6})


def _write_links(sheet, formats: Formats, cfg: dict) -> None:
    """Links to the answer sheets, one a cell from column B of the links row."""
    row = cfg["links_row"] - 1
    sheet.write_string(row, 0, cfg["links_label"], formats.label)
    for offset, answer in enumerate(answer_sheets(), start=1):
        sheet.write_url(row, offset, f"internal:{quote_sheet(answer['sheet'])}!A1", string=answer["sheet"],
                        tip=answer["title"])


def _report(household: Optional[Household]) -> Optional[DriftReport]:
    if household is None or any(i.is_error for i in household.issues):
        return None
    return drift_report(household)


def _write_top_cells(book, sheet, formats: Formats, household, report) -> dict[str, Placed]:
    cfg = config()
    cells: dict[str, Placed] = {}
    for offset, item in enumerate(cfg["cells"]):
        row = cfg["first_cell_row"] - 1 + offset
        cells[item["name"]] = placed = Placed(item["name"], row, 1)
        sheet.write_string(row, 0, item["label"], formats.label)
        fmt = formats.for_type(item.get("type", "text"))
        value = _cached_top_value(item["name"], household, report)
        if item["kind"] == "udf":
            if isinstance(value, bool):   # XlsxWriter writes an array formula's bool as "True"
                value = "TRUE" if value else "FALSE"
            sheet.write_dynamic_array_formula(row, 1, row, 1, expand_udf(item["formula"]), fmt, value)
        else:
            sheet.write_formula(row, 1, expand(item["formula"], cells), fmt, value)
        book.define_name(item["name"], "=" + placed.ref())
    return cells


def _cached_top_value(name: str, household: Optional[Household], report: Optional[DriftReport]) -> Any:
    """What the cell shows before any recalculation (0 when not known)."""
    if household is None:
        return 0
    settings = household.settings
    decision = decide(household, report) if report is not None else None
    known = {
        "NeedsRebalance": decision.needed if decision else None,
        "RebalanceReason": decision.reason if decision else None,
        "AsOfDate": None,   # TODAY() by default: every application recalculates it
        "BandRule": settings.band_rule.value,
        "AbsoluteBand": settings.absolute_band,
        "RelativeBand": settings.relative_band,
        "HouseholdValue": report.total if report else None,
    }
    value = known.get(name)
    return 0 if value is None else value


def _write_block(sheet, formats: Formats, block: dict) -> None:
    """A title, the function's dynamic-array formula, formats for its spill area."""
    function = layout().function(block["function"])
    row, col = block["row"] - 1, block["column"] - 1
    sheet.write_string(row - 1, col, block["title"], formats.heading)
    output_types = layout().raw["workbook"]["output_types"]
    wrap = set(config().get("wrap_columns", ()))
    for offset, column in enumerate(function.columns):
        fmt = formats.wrap if column in wrap else formats.for_type(output_types.get(column, ""))
        if fmt is not None:
            for r in range(row + 1, row + block["rows"]):
                sheet.write_blank(r, col + offset, None, fmt)
    sheet.write_dynamic_array_formula(row, col, row, col, "=" + udf_call(function), None,
                                      function.columns[0] if function.columns else 0)
    if "Status" in function.columns:
        _status_formats(sheet, formats, row, col, block["rows"], col + function.columns.index("Status"),
                        len(function.columns))


def _set_widths(sheet, cfg: dict) -> dict[int, float]:
    """Each sheet column as wide as the widest word column any block spills into it."""
    widths: dict[int, float] = {0: 22}
    for block in cfg["blocks"]:
        for offset, column in enumerate(layout().function(block["function"]).columns):
            col = block["column"] - 1 + offset
            widths[col] = max(widths.get(col, 14), cfg.get("column_widths", {}).get(column, 14))
    alloc = cfg["allocation"]
    widths[alloc["column"] - 1] = max(widths.get(alloc["column"] - 1, 14), cfg["column_widths"]["Asset class"])
    for col, width in sorted(widths.items()):
        sheet.set_column(col, col, width)
    return widths


def _status_formats(sheet, formats: Formats, row: int, col: int, n_rows: int, status_col: int, width: int) -> None:
    """Colour a spilled row whose Status is OVER (above its band) or UNDER."""
    letter = xl_col_to_name(status_col, col_abs=True)
    first = row + 1
    for status, fmt in (("OVER", formats.over), ("UNDER", formats.under)):
        sheet.conditional_format(first, col, row + n_rows - 1, col + width - 1, {
            "type": "formula", "criteria": f'={letter}{first + 1}="{status}"', "format": fmt})


# ---------------------------------------------------------------------------------------
# The native allocation check and the chart

def allocation_columns() -> list[dict]:
    return list(config()["allocation"]["columns"])


def allocation_formula(template: str, i: int, row: int, first_row: int, last_row: int, col0: int,
                       cells: dict[str, Placed]) -> str:
    """One cell's formula: row ``row`` (0-based) of the block, for the ``i``-th Targets row."""
    alloc = config()["allocation"]
    names = [c["name"] for c in allocation_columns()]
    template = template.replace("{abs}", alloc["abs"]).replace("{rel}", alloc["rel"])

    def col_ref(match: re.Match) -> str:
        return xl_rowcol_to_cell(row, col0 + names.index(match.group(1)))

    def range_ref(match: re.Match) -> str:
        c = col0 + names.index(match.group(1))
        return f"{xl_rowcol_to_cell(first_row, c, True, True)}:{xl_rowcol_to_cell(last_row, c, True, True)}"

    formula = _COL.sub(col_ref, template)
    formula = _RANGE.sub(range_ref, formula)
    return expand(formula.replace("{i}", str(i)), cells)


def _write_allocation(book, sheet, formats: Formats, cells: dict[str, Placed],
                      report: Optional[DriftReport]) -> None:
    alloc = config()["allocation"]
    n_rows = alloc["rows"]
    header, col0 = alloc["row"] - 1, alloc["column"] - 1
    first, last = header + 1, header + n_rows
    sheet.write_string(header - 1, col0, alloc["title"], formats.heading)
    columns = allocation_columns()
    for offset, column in enumerate(columns):
        sheet.write_string(header, col0 + offset, column["name"], formats.label)
        fmt = formats.for_type(column["type"])
        for i in range(1, n_rows + 1):
            row = header + i
            formula = allocation_formula(column["formula"], i, row, first, last, col0, cells)
            sheet.write_formula(row, col0 + offset, formula, fmt, _cached_allocation(report, i, column["name"]))
    sheet.write_formula(last + 1, col0, f'=IF(COUNTIF(Targets[Asset class],"?*")>{n_rows},"Targets has more than '
                        f'{n_rows} rows: this check and the chart show the first {n_rows}.","")', formats.note, "")
    names = [c["name"] for c in columns]
    _status_formats(sheet, formats, header, col0, n_rows + 1, col0 + names.index("Status"), len(columns))
    for column, name in alloc["names"].items():
        book.define_name(f"{quote_sheet(sheet_name())}!{name}",
                         "=" + chart_range_formula(col0 + names.index(column), first, last))
    _write_chart(book, sheet, alloc["names"])


def chart_range_formula(col: int, first: int, last: int) -> str:
    """The allocation column ``col`` (0-based) from its first row down to the row of the Targets
    table's last class (at most ``last``): a chart series that grows with the table.  OFFSET,
    not ``top:INDEX(...)``: LibreOffice evaluates only the former in a defined name."""
    top = f"{quote_sheet(sheet_name())}!{xl_rowcol_to_cell(first, col, True, True)}"
    return f"OFFSET({top},0,0,MIN({last - first + 1},MAX(1,ROWS(Targets[Asset class]))),1)"


def _cached_allocation(report: Optional[DriftReport], i: int, column: str) -> Any:
    if report is None or i > len(report.rows):
        return ""
    r = report.rows[i - 1]
    values = {
        "Asset class": r.asset_class, "Target": r.policy_target, "Tradable": r.tradable,
        "Value": r.value, "Weight": r.weight, "Effective target": r.target, "Band": r.band,
        "Band low": r.band_low, "Band high": r.band_high, "Status": r.status,
    }
    return values[column]


def _write_chart(book, sheet, names: dict[str, str]) -> None:
    """Columns: the weight; markers: effective target, band low, band high (one per asset
    class).  Every series is a sheet-level defined name that follows the Targets table."""
    cfg = config()["chart"]

    def series(column: str) -> str:
        return f"={quote_sheet(sheet_name())}!{names[column]}"

    chart = book.add_chart({"type": "column"})
    chart.add_series({"name": "Weight", "categories": series("Asset class"),
                      "values": series("Weight"), "fill": {"color": "#5B9BD5"}})
    markers = book.add_chart({"type": "line"})
    styles = (("Effective target", "diamond", "#000000"), ("Band low", "dash", "#C00000"),
              ("Band high", "dash", "#C00000"))
    for column, marker, colour in styles:
        markers.add_series({
            "name": column, "categories": series("Asset class"), "values": series(column),
            "line": {"none": True},
            "marker": {"type": marker, "size": 9, "fill": {"color": colour}, "border": {"color": colour}},
        })
    chart.combine(markers)
    chart.set_title({"name": cfg["title"]})
    chart.set_y_axis({"num_format": "0%", "min": 0})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": cfg["width"], "height": cfg["height"]})
    chart.show_blanks_as("gap")
    sheet.insert_chart(cfg["row"] - 1, cfg["column"] - 1, chart, {"object_position": 2})
