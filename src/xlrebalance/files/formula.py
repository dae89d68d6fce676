"""Text that a spreadsheet would run as a formula, made inert.

OWASP's rule for CSV injection: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return is read by Excel (and LibreOffice) as a formula, e.g. ``=HYPERLINK(...)``
or ``+CMD|' /C CALC'!A0``.  Such text gets a leading apostrophe: Excel then shows the text
itself, and a ``Range.value`` write stores it as text (the apostrophe is Excel's own "this
is text" prefix, not shown in the cell).  Numbers are never changed: only text is.
"""
from __future__ import annotations

from typing import Any

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def inert(value: Any) -> Any:
    """``value`` unchanged, unless it is text a spreadsheet would run: then ``'`` + text."""
    return "'" + value if looks_like_formula(value) else value
