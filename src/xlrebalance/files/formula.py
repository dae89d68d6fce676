"""Text that a spreadsheet would run as a formula, made inert.

OWASP's rule for CSV injection: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is read by Excel (and LibreOffice) as a formula, e.g. ``=HYPERLINK(...)``
or ``+CMD|' /C CALC'!A0``.  Such text gets a leading apostrophe: Excel then shows the text
itself, and a ``Range.value`` write stores it as text (the apostrophe is Excel's own "this
is text" prefix, not shown in the cell).  Numbers are never changed, nor text that is a
plain number ("-12.50"): only text that would run.
"""
from __future__ import annotations

import re
from typing import Any

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def looks_like_formula(value: Any) -> bool:
    """Text a spreadsheet would run: it starts with a formula character and is not a plain
    number ("-12.50" is read as the number it is, harmless and wanted in a CSV)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(value)


def inert(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would run: then ``'`` + text."""
    return "'" + value if looks_like_formula(value) else value
