"""CSV files as brokers write them: title lines above the header, blank lines, footers.

``read_rows`` gives every line's cells with its 1-based line number; ``find_header`` finds
the first row that carries a format's signature columns; ``Table`` reads cells by column
name (any of a column's spellings) and turns a bad cell into a ``BrokerFileError`` that
names the line.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterable, Optional, Sequence

from .numbers import parse_amount, parse_date
from .records import BrokerFileError

Row = tuple[int, list[str]]     # (line number, cells)


def header_key(text: object) -> str:
    """Header matching key: lower case, letters and digits only ('Cost/Share' -> 'costshare')."""
    return re.sub(r"[^a-z0-9]", "", str(text or "").lower())


def read_text(path: Path) -> str:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_rows(text: str) -> list[Row]:
    """Every physical record with its first line number; cells stripped."""
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise BrokerFileError("?", f"not a readable CSV ({exc})", reader.line_num) from exc
        line = start
        rows.append((line, [c.strip() for c in cells]))
    return rows


def is_blank(cells: Sequence[str]) -> bool:
    return all(not c for c in cells)


def find_header(rows: Sequence[Row], required: Iterable[Iterable[str]], within: int = 30) -> Optional[int]:
    """Index in ``rows`` of the first row (among the first ``within``) holding every required
    column, each given as a set of spellings (header keys)."""
    wanted = [frozenset(header_key(s) for s in spellings) for spellings in required]
    for index, (_, cells) in enumerate(rows[:within]):
        keys = {header_key(c) for c in cells}
        if all(keys & spellings for spellings in wanted):
            return index
    return None


@dataclass
class Table:
    """Data rows under a header, read by column name."""

    path: Path
    header: list[str]
    rows: list[Row]

    def __post_init__(self) -> None:
        self._index: dict[str, int] = {}
        self._found: dict[tuple[str, ...], Optional[int]] = {}
        for i, name in enumerate(self.header):
            self._index.setdefault(header_key(name), i)

    def has(self, *names: str) -> bool:
        return any(header_key(n) in self._index for n in names)

    def column_name(self, *names: str) -> str:
        for name in names:
            if header_key(name) in self._index:
                return self.header[self._index[header_key(name)]]
        return names[0]

    def _position(self, names: tuple[str, ...]) -> Optional[int]:
        """The first of ``names`` the header has; asked once per cell, so remembered."""
        if names not in self._found:
            self._found[names] = next((self._index[header_key(n)] for n in names if header_key(n) in self._index),
                                      None)
        return self._found[names]

    def text(self, row: Row, *names: str) -> str:
        at = self._position(names)
        if at is None:
            return ""
        cells = row[1]
        return cells[at] if at < len(cells) else ""

    def amount(self, row: Row, *names: str) -> Optional[float]:
        raw = self.text(row, *names)
        try:
            return parse_amount(raw)
        except ValueError as exc:
            raise BrokerFileError(self.path, f"{self.column_name(*names)}: {exc}; fix or delete the row",
                                  row[0]) from exc

    def required_amount(self, row: Row, *names: str) -> float:
        value = self.amount(row, *names)
        if value is None:
            raise BrokerFileError(self.path, f"{self.column_name(*names)} is blank; fix or delete the row", row[0])
        return value

    def date(self, row: Row, *names: str) -> Optional[date]:
        raw = self.text(row, *names)
        try:
            return parse_date(raw)
        except ValueError as exc:
            raise BrokerFileError(self.path, f"{self.column_name(*names)}: {exc}", row[0]) from exc


def table_below(path: Path, rows: Sequence[Row], header_at: int) -> Table:
    """The header at ``header_at`` and the rows under it up to the first blank line."""
    body: list[Row] = []
    for row in rows[header_at + 1:]:
        if is_blank(row[1]):
            break
        body.append(row)
    return Table(path, rows[header_at][1], body)
