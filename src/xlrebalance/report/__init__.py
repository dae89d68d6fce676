"""The HTML report: ``render_report(result) -> str`` and ``write_report(result, path)``."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Optional

from ..errors import WorkbookError
from .html import render_report

__all__ = ["render_report", "write_report", "write_page", "default_output"]


def default_output(workbook: str | Path) -> Path:
    """``<workbook stem>-report.html`` in the current folder."""
    return Path(f"{Path(workbook).stem}-report.html")


def write_report(result, output: Optional[str | Path] = None) -> Path:
    """Write the report of a valid ``CheckResult`` to ``output`` (atomically); returns the path.

    Refuses to write over the workbook itself or to a spreadsheet file name.
    """
    target = Path(output) if output else default_output(result.path)
    return write_page(target, render_report(result), source=result.path)


def write_page(target: str | Path, page: str, source: Optional[str | Path] = None) -> Path:
    """Write an HTML ``page`` to ``target`` through a temporary file in the same folder, so
    a failure never leaves half a page; refuses a spreadsheet name or the ``source`` itself."""
    target = Path(target)
    if target.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".xlsb"):
        raise WorkbookError(f"{target.name}: the report is an HTML page; give a name ending in .html")
    if source is not None and target.exists() and Path(source).exists() and \
            target.resolve() == Path(source).resolve():
        raise WorkbookError(f"{target}: that is the workbook itself; choose another file for the report")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(suffix=".html", prefix=f".{target.stem}-", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(page)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
