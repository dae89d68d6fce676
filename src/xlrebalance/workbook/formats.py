"""Cell formats of the generated workbook, created once per XlsxWriter workbook.

Number formats by column type come from the registry (``[workbook] number_formats``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..spec import layout


@dataclass(frozen=True)
class Formats:
    by_type: dict[str, Any]      # column type -> number format (None = General)
    title: Any
    heading: Any
    label: Any
    note: Any
    wrap: Any
    wrap_note: Any               # a note in prose: italic, grey, wrapped
    over: Any                    # conditional format: above the band
    under: Any                   # conditional format: below the band

    def for_type(self, column_type: str) -> Any:
        return self.by_type.get(column_type)


def make_formats(workbook) -> Formats:
    """One ``Formats`` for an XlsxWriter ``Workbook``."""
    number_formats = layout().raw["workbook"]["number_formats"]
    by_type = {name: workbook.add_format({"num_format": fmt}) for name, fmt in number_formats.items()}
    by_type["bool"] = workbook.add_format({"align": "center"})
    # carried cells of columns the registry does not type (extra columns, unknown settings)
    by_type.setdefault("time", workbook.add_format({"num_format": "hh:mm:ss"}))
    by_type.setdefault("datetime", workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}))
    return Formats(
        by_type=by_type,
        title=workbook.add_format({"bold": True, "font_size": 14}),
        heading=workbook.add_format({"bold": True, "font_size": 11, "bottom": 1}),
        label=workbook.add_format({"bold": True}),
        note=workbook.add_format({"italic": True, "font_color": "#595959"}),
        wrap=workbook.add_format({"text_wrap": True, "valign": "top"}),
        wrap_note=workbook.add_format({"text_wrap": True, "valign": "top", "italic": True, "font_color": "#595959"}),
        over=workbook.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"}),
        under=workbook.add_format({"bg_color": "#BDD7EE", "font_color": "#1F4E78"}),
    )
