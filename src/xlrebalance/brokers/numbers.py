"""Numbers and dates as brokers write them.

``$1,234.56`` -> 1234.56; ``(12.50)`` -> -12.5 (accounting negative); ``-$20`` and ``$-20``
-> -20; ``+$0.16`` -> 0.16; ``12.5%`` -> 0.125 (a fraction); ``--``, ``n/a``, ``N/A`` and
blank -> None (the broker has no value).  Anything else is a ``ValueError`` naming the text.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Optional

#: Cells a broker writes for "no value".
NO_VALUE = frozenset({"", "--", "-", "n/a", "na", "none", "null", "nan"})
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_US_DATE = re.compile(r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})$")
_ISO_DATE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$")
_DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%Y/%m/%d", "%m/%d/%y", "%Y%m%d", "%m-%d-%Y", "%d-%b-%Y", "%b %d, %Y")


def is_no_value(text: object) -> bool:
    return text is None or str(text).strip().lower() in NO_VALUE


def parse_amount(text: object) -> Optional[float]:
    """A broker's number (money, shares or percent) -> float, None for no value."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    if is_no_value(text):
        return None
    raw = str(text).strip()
    try:
        value = float(raw)        # a plain number: most cells of a large file
    except ValueError:
        pass
    else:
        if not math.isfinite(value) or "_" in raw:
            raise ValueError(f"{raw!r} is not a number")
        return value
    body = raw.replace(",", "").replace("$", "").replace(" ", "").replace("\u2212", "-")
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative, body = True, body[1:-1]
    percent = body.endswith("%")
    if percent:
        body = body[:-1]
    if body.startswith(("+", "-")) and body[1:2] in ("+", "-"):
        raise ValueError(f"{raw!r} is not a number")
    if not _NUMBER.match(body):
        raise ValueError(f"{raw!r} is not a number")
    value = float(body)
    if negative:
        value = -abs(value)
    return value / 100.0 if percent else value


def parse_date(text: object) -> Optional[date]:
    """A broker's date ('01/15/2024', '2024-01-15', '20240115', ...) -> date, None for no value."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if is_no_value(text):
        return None
    raw = str(text).strip()
    quick = _US_DATE.match(raw) or _ISO_DATE.match(raw)     # the two common forms, without strptime
    if quick:
        parts = quick.groupdict()
        try:
            return date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
        except ValueError:
            raise ValueError(f"{raw!r} is not a date (use MM/DD/YYYY or YYYY-MM-DD)") from None
    head = raw.split(";")[0].split("T")[0].split(" ")[0] if not raw[:3].isalpha() else raw
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{raw!r} is not a date (use MM/DD/YYYY or YYYY-MM-DD)")


def clean_ticker(text: object) -> str:
    """'SPAXX**' -> 'SPAXX'; ' vti ' -> 'VTI'."""
    return str(text or "").strip().rstrip("*").strip().upper()
