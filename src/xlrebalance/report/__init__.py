"""The HTML report: ``render_report(result) -> str`` and ``write_report(result, path)``."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..files.output import refuse_output, write_text_atomically
from .html import render_report

__all__ = ["render_report", "write_report", "write_page", "default_output"]


def default_output(workbook: str | Path) -> Path:
    """``<workbook stem>-report.html`` in the current folder."""
    return Path(f"{Path(workbook).stem}-report.html")


def write_report(result, output: Optional[str | Path] = None, *, since=None) -> Path:
    """Write the report of a valid ``CheckResult`` to ``output`` (atomically); returns the path.

    With a Journal in the workbook, the page has its trades since ``since`` (default: the
    Settings' Last review).  Refuses to write over the workbook itself or to a spreadsheet
    file name.
    """
    from ..journal.books import journal_since

    target = Path(output) if output else default_output(result.path)
    journal = journal_since(result.path, since) if Path(result.path).is_file() else None
    return write_page(target, render_report(result, journal=journal), source=result.path)


def write_page(target: str | Path, page: str, source: Optional[str | Path] = None) -> Path:
    """Write an HTML ``page`` to ``target`` through a temporary file in the same folder, so
    a failure never leaves half a page; refuses a spreadsheet name or the ``source`` itself."""
    target = refuse_output(target, [source] if source is not None else [], what="the report (an HTML page)")
    return write_text_atomically(target, page)
