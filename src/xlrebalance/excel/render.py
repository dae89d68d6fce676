"""Answers -> the 2-D lists a worksheet cell spills.

What Excel (classic xlwings, xlwings Server/Lite) and pycel all accept: a rectangular list
of rows, header row first; blanks as ``None``; numbers as ``float``; TRUE/FALSE as
``bool``; dates as ``datetime.datetime``; text as ``str``.

Problems in the user's data come back as rows of readable text, never as a Python error:

* when the answer cannot be computed, the spill is one row per issue, errors first::

      Error: Holdings, row 7, column 'Shares': ... (code)

* when it can, the table is followed by one row per warning, the text in the first
  column and the other cells blank::

      Warning: Prices, row 4: ... (code)

This module knows nothing of xlwings: it is the same for every front end that wants cells.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from typing import Any, Optional

from xlrebalance.core.model import Issue

Cell = Any
Rows = list[list[Cell]]


def render_cell(value: Any) -> Cell:
    """One Python/pandas/numpy value -> what an Excel cell can hold."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return render_cell(value.value)
    if isinstance(value, str):
        return value
    if _is_missing(value):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return _naive_datetime(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return _render_library_value(value)


def _is_missing(value: Any) -> bool:
    """NaN, NaT (a ``datetime`` subclass) and pd.NA: each is unequal to itself."""
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # pd.NA: its comparisons are NA, whose truth is ambiguous
        return True


def _naive_datetime(value: dt.datetime) -> dt.datetime:
    """A plain ``datetime`` (not a pandas Timestamp), wall-clock time, no time zone."""
    return dt.datetime(value.year, value.month, value.day, value.hour, value.minute,
                       value.second, value.microsecond)


def _render_library_value(value: Any) -> Cell:
    """numpy and pandas scalars (imported lazily: only frames bring them)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else render_cell(pd.Timestamp(value))
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.number):
        return render_cell(value.item())
    return str(value)


def render_rows(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Rows:
    """A header and data rows -> a rectangular 2-D list of cells."""
    width = len(header)
    out: Rows = [[render_cell(name) for name in header]]
    for row in rows:
        cells = [render_cell(value) for value in row][:width]
        out.append(cells + [None] * (width - len(cells)))
    return out


def render_frame(frame, columns: Optional[Sequence[str]] = None) -> Rows:
    """A pandas DataFrame -> header row + one row per record.

    ``columns`` picks and orders the columns by name (the registry's output columns);
    a missing column is a programmer error and raises ``KeyError``.
    """
    names = list(columns) if columns is not None else [str(c) for c in frame.columns]
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise KeyError(f"the answer has no column(s) {missing}; it has {list(frame.columns)}")
    records = zip(*(frame[name].tolist() for name in names))  # column-wise: no frame copy
    return render_rows(names, records)


def issue_text(issue: Issue) -> str:
    """``Error: Holdings, row 7, column 'Shares': <what is wrong and what to do> (code)``."""
    label = "Error" if issue.is_error else "Warning"
    where = issue.where()
    code = f" ({issue.code})" if issue.code else ""
    return f"{label}: {where + ': ' if where else ''}{issue.message}{code}"


def ordered_issues(issues: Iterable[Issue]) -> list[Issue]:
    """Errors first, then warnings; otherwise in the order they were found."""
    issues = list(issues)
    return [i for i in issues if i.is_error] + [i for i in issues if not i.is_error]


def render_issues(issues: Iterable[Issue], width: int = 1) -> Rows:
    """One text row per issue (errors first), padded to ``width`` cells."""
    return [[issue_text(issue)] + [None] * (width - 1) for issue in ordered_issues(issues)]


def render_warnings(issues: Iterable[Issue], width: int) -> Rows:
    """The warning rows that follow a computed table."""
    return render_issues((i for i in issues if not i.is_error), width)


def render_message(text: str, width: int = 1) -> Rows:
    """A single row of text, e.g. why an answer is not available."""
    return [[text] + [None] * (width - 1)]
