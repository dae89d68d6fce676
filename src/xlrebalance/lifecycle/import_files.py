"""``import``: broker files + a workbook -> the workbook's tables with the files' holdings,
lots and cash, and a report; then (optionally) a NEW workbook.  BOOK is only read."""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Optional, Sequence

from ..brokers import BrokerFileError, read_broker_file
from ..core.model import Issue
from ..errors import InputError
from .import_report import ImportResult
from .importing import merge


def read_files(paths: Sequence[str | Path]):
    """Every file parsed; ``InputError`` listing every file that cannot be read."""
    parsed, problems = [], []
    for path in paths:
        try:
            parsed.append(read_broker_file(path))
        except BrokerFileError as exc:
            problems.append(Issue("broker_file", str(exc).split(": ", 1)[-1], exc.path.name, exc.line))
    if problems:
        raise InputError(problems)
    return parsed


def import_files(paths: Sequence[str | Path], into: str | Path, *, account: Optional[str] = None,
                 today: Optional[date] = None) -> ImportResult:
    """The tables of the workbook ``into`` after importing the broker files at ``paths``.

    Nothing is written.  ``account`` names the workbook account of a one-account file that
    does not say which account it is (or overrides the match).  ``InputError`` when a file
    cannot be read or imported without guessing (unknown layout, malformed row, unmatched
    account, shares that do not tie out)."""
    from .book import read_book

    if not paths:
        raise InputError([Issue("no_files", "give at least one broker file to import")])
    book = read_book(into)
    result = merge(book.tables, read_files(paths), account=account, today=today or date.today())
    carried = tuple(str(cell) for cell in book.not_carried)
    return ImportResult(result.tables, replace(result.report, not_carried=carried), book.xlwings_conf)


def write_import(result: ImportResult, into: str | Path, output: str | Path, *, force: bool = False):
    """Write ``result``'s tables as a NEW workbook at ``output`` (never over ``into``, which
    stays byte for byte as it was), with the builder, as ``new --from`` does."""
    from .regenerate import refuse_overwrite, write_book

    refuse_overwrite(into, output, force)
    return write_book(output, result.tables, force=force, xlwings_conf=result.xlwings_conf)
