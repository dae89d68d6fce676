"""Cell values as Excel, xlwings, calamine or pandas hand them over -> typed Python values.

Each parser returns ``(value, problem)``: ``problem`` is None when the cell parsed, else a
short phrase saying what is wrong and what to type instead (a ``Problem``, whose ``code`` is
the Issue code it becomes).  Blank cells give ``(None, None)``.
Accepted forms: numbers (floats, ints), text such as "60%", "$1,234.50", "(1,234.50)",
" vti "; dates as date/datetime/Timestamp, Excel serial numbers (1900 system) or text
("2026-03-15", "3/15/2026", "15-Mar-2026").

A cell showing an Excel error (``#N/A``, ``#REF!``...: the reader and xlwings hand it over
as that text) is never a blank nor a value: every parser reports it.  Every number, typed
as a number or as text, must be finite and smaller than ``HUGE`` in size.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Optional

_EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 = 1900-03-01 (Excel counts a fictitious 1900-02-29)
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d-%b-%Y", "%d %b %Y", "%b %d, %Y", "%Y/%m/%d")
_TRUE = {"true", "yes", "y", "1", "x"}
_FALSE = {"false", "no", "n", "0"}

Parsed = tuple[Any, Optional[str]]

#: A number at or beyond this size is no amount, share count or rate a portfolio has: a
#: typing, unit or paste error.
HUGE = 1e12
#: The error values Excel shows in a cell (what xlwings' ``err_to_str`` and the reader give).
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                          "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
                          "#PYTHON!", "#EXTERNAL!"})


class Problem(str):
    """A parser's problem phrase; ``code`` is the Issue code it is reported under."""

    code = "bad_value"


class ErrorValue(Problem):
    code = "error_value"


class HugeNumber(Problem):
    code = "huge_number"


def excel_error(raw: Any) -> Optional[str]:
    """The error a cell shows ("#N/A"), or None when it holds no error value."""
    if isinstance(raw, str):
        text = raw.strip().upper()
        if text[:1] == "#" and text in EXCEL_ERRORS:
            return text
    return None


def _error_problem(error: str) -> ErrorValue:
    return ErrorValue(f"the cell shows {error}; fix the formula that feeds it, or type the value")


def _checked_number(value: float) -> Parsed:
    if math.isnan(value):
        return None, Problem("expected a number, found NaN")
    if math.isinf(value):
        return None, HugeNumber("expected a finite number, found one too large to compute with")
    if abs(value) >= HUGE:
        return None, HugeNumber(f"{value:.4g} is too large to be a real amount or share count; check the cell "
                                "(a unit or paste error?) and type the real number")
    return value, None


@dataclass(frozen=True)
class Formula:
    """A formula the user typed in a data cell, carried from one workbook to the next.

    ``text`` is the formula as a workbook stores it, with its leading ``=`` (structured
    references in their stored form, ``Lots[[#This Row],[Shares]]``); ``value`` is what the
    spreadsheet last computed for it (None when the file holds no computed value).  The
    builder writes it back as a formula; everything that reads values uses ``value``
    (see ``plain``).
    """

    text: str
    value: Any = None


def plain(raw: Any) -> Any:
    """A cell's value: a ``Formula``'s last computed value, anything else as it is."""
    return raw.value if type(raw) is Formula else raw


def is_blank(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float):
        return math.isnan(raw)
    if isinstance(raw, str):
        return not raw.strip()
    try:  # pandas NaT / NA
        return bool(raw != raw)
    except (TypeError, ValueError):
        return False


def parse_number(raw: Any) -> Parsed:
    """A plain number; "60%" -> 0.6, "$1,234.50" -> 1234.5, "(12.5)" -> -12.5."""
    if type(raw) is Formula:  # a typed formula: its computed value
        raw = raw.value
    if is_blank(raw):  # None, NaN, NaT, empty or spaces-only text
        return None, None
    if isinstance(raw, bool):
        return None, f"expected a number, found {raw!r}"
    if isinstance(raw, (int, float)):
        try:
            value = float(raw)
        except OverflowError:   # an int beyond any float
            return None, HugeNumber("expected a finite number, found one too large to compute with")
        if math.isnan(value):
            return None, None
        return _checked_number(value)
    error = excel_error(raw)
    if error:
        return None, _error_problem(error)
    if isinstance(raw, (date, datetime)):
        return None, f"expected a number, found a date ({raw:%Y-%m-%d})"
    text = str(raw).strip()
    if not text:
        return None, None
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    percent = text.endswith("%")
    cleaned = text.rstrip("%").strip().replace(",", "").replace("$", "").replace(" ", "")
    if cleaned.startswith("-$"):
        cleaned = "-" + cleaned[2:]
    if not _NUMBER_RE.match(cleaned):
        return None, f"expected a number, found text {str(raw).strip()!r}"
    value = float(cleaned)
    if percent:
        value /= 100.0
    if negative:
        value = -value
    return _checked_number(value)


def parse_date(raw: Any) -> Parsed:
    if type(raw) is Formula:  # a typed formula: its computed value
        raw = raw.value
    if is_blank(raw):
        return None, None
    if isinstance(raw, datetime):
        return raw.date(), None
    if isinstance(raw, date):
        return raw, None
    if hasattr(raw, "to_pydatetime"):  # pandas Timestamp
        try:
            return raw.to_pydatetime().date(), None
        except (ValueError, AttributeError):
            return None, None
    if isinstance(raw, bool):
        return None, f"expected a date, found {raw!r}"
    error = excel_error(raw)
    if error:
        return None, _error_problem(error)
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and math.isnan(raw):
            return None, None
        if not 1 <= raw < 2958466:
            return None, f"expected a date, found the number {raw!r}"
        serial = int(raw)
        if serial < 61:  # before Excel's fictitious 1900-02-29 (serial 60, read as Feb 28)
            return date(1899, 12, 31) + timedelta(days=min(serial, 59)), None
        return _EXCEL_EPOCH + timedelta(days=serial), None
    text = str(raw).strip()
    if not text:
        return None, None
    text = text.split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}T", text) else text
    text = text.split(" ")[0] if re.match(r"^\d{4}-\d{2}-\d{2} \d", text) else text
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date(), None
        except ValueError:
            continue
    return None, f"expected a date such as 2026-03-15, found {text!r}"


def parse_bool(raw: Any) -> Parsed:
    if type(raw) is Formula:  # a typed formula: its computed value
        raw = raw.value
    if is_blank(raw):  # None, NaN, NaT, empty or spaces-only text
        return None, None
    if isinstance(raw, bool):
        return raw, None
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and math.isnan(raw):
            return None, None
        if raw in (0, 1):
            return bool(raw), None
    error = excel_error(raw)
    if error:
        return None, _error_problem(error)
    text = str(raw).strip().lower()
    if not text:
        return None, None
    if text in _TRUE:
        return True, None
    if text in _FALSE:
        return False, None
    return None, f"expected TRUE or FALSE, found {str(raw).strip()!r}"


def parse_text(raw: Any) -> Parsed:
    """Text as typed, trimmed; a whole-number float (an ID typed as 7) becomes "7"."""
    if type(raw) is Formula:  # a typed formula: its computed value
        raw = raw.value
    if is_blank(raw):  # None, NaN, NaT, empty or spaces-only text
        return None, None
    if isinstance(raw, float):
        if math.isnan(raw):
            return None, None
        if raw.is_integer():
            return str(int(raw)), None
    if isinstance(raw, datetime):
        return raw.date().isoformat(), None
    if isinstance(raw, date):
        return raw.isoformat(), None
    error = excel_error(raw)
    if error:
        return None, _error_problem(error)
    text = " ".join(str(raw).split())
    return (text or None), None


def parse_ticker(raw: Any) -> Parsed:
    text, problem = parse_text(raw)
    return (text.upper().replace(" ", "") if text else None), problem


def parse_choice(raw: Any, choices: tuple[str, ...], aliases: Optional[dict[str, str]] = None) -> Parsed:
    text, problem = parse_text(raw)
    if text is None:
        return None, problem
    key = text.lower()
    for choice in choices:
        if choice.lower() == key:
            return choice, None
    if aliases and key in aliases:
        return aliases[key], None
    return None, f"{text!r} is not one of: {', '.join(choices)}"


PARSERS = {
    "text": parse_text,
    "account": parse_text,
    "ticker": parse_ticker,
    "number": parse_number,
    "money": parse_number,
    "shares": parse_number,
    "fraction": parse_number,
    "date": parse_date,
    "bool": parse_bool,
}


_SLOW = object()
_NUMBER_KINDS = {"number", "money", "shares", "fraction"}


def _fast_values(kind: str, raws: list) -> list:
    """The common cases of ``kind`` in one comprehension; ``_SLOW`` marks cells to parse one by
    one.  A blank (None) cell is None in every kind, as the single-cell parsers say; text with
    any white space but single ASCII spaces (``isprintable`` is False for tabs, newlines and
    other separators) goes the slow way, which folds it."""
    if kind in _NUMBER_KINDS:
        low, high = -HUGE, HUGE
        return [r if type(r) is float and low < r < high else (None if r is None else _SLOW) for r in raws]
    if kind == "ticker":
        return [(t if (t := r.strip().upper()) and " " not in t and t[0] != "#" and t.isprintable() else _SLOW)
                if type(r) is str else (None if r is None else _SLOW) for r in raws]
    if kind in ("text", "account"):
        return [(t if (t := r.strip()) and "  " not in t and t[0] != "#" and t.isprintable() else _SLOW)
                if type(r) is str else (None if r is None else _SLOW) for r in raws]
    if kind == "date":
        return [r.date() if type(r) is datetime else (r if type(r) is date else (None if r is None else _SLOW))
                for r in raws]
    if kind == "bool":
        return [r if r is True or r is False else (None if r is None else _SLOW) for r in raws]
    return [_SLOW] * len(raws)


def parse_column(kind: str, raws: list) -> tuple[list, list[tuple[int, str]]]:
    """Parse a whole column of ``kind``: (values, [(index, problem), ...]).

    The common case (a float in a number column, clean text, a datetime) takes a fast path;
    everything else goes through the single-cell parser, so the answers are the same.
    """
    values = _fast_values(kind, raws)
    problems: list[tuple[int, str]] = []
    if _SLOW not in values:
        return values, problems
    slow = PARSERS[kind]
    for index in [i for i, v in enumerate(values) if v is _SLOW]:
        values[index], problem = slow(raws[index])
        if problem:
            problems.append((index, problem))
    return values, problems


def blank_indexes(column, among: Optional[Iterable[int]] = None) -> set[int]:
    """Positions of the blank cells of a column (None, NaN, empty or spaces-only text, NaT);
    with ``among``, only those positions are looked at."""
    positions = range(len(column)) if among is None else among
    return {i for i in positions
            if (raw := column[i]) is None or (type(raw) is str and (not raw or raw.isspace()))
            or (type(raw) is not str and type(raw) is not datetime and type(raw) is not date and is_blank(raw))}


def blank_row(raws) -> bool:
    for raw in raws:
        if raw is None:
            continue
        kind = type(raw)
        if kind is float:
            if raw == raw:
                return False
        elif kind is str:
            if raw and not raw.isspace():
                return False
        elif not is_blank(raw):
            return False
    return True
