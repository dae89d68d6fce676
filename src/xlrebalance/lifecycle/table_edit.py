"""Edit a workbook table held as a 2-D list (header first) by column name, keeping every
column it has (extra ones too, and formulas typed in cells, read by their last value) and
never changing the caller's lists."""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

from ..cells import is_blank, plain
from ..spec import normalize_header


class EditableTable:
    """A copy of one table's rows, addressed by column name (case/space-insensitive)."""

    def __init__(self, rows: Optional[Sequence[Sequence[Any]]], columns: Iterable[str]):
        rows = list(rows or [])
        self.header: list[Any] = list(rows[0]) if rows else []
        self.rows: list[list[Any]] = [list(r) for r in rows[1:]]
        for name in columns:               # the columns we write: added at the right if missing
            if normalize_header(name) not in self._keys():
                self.header.append(name)
        self._at: dict[str, int] = {}
        width = len(self.header)
        for row in self.rows:
            if len(row) < width:
                row.extend([None] * (width - len(row)))

    def _keys(self) -> list[str]:
        return [normalize_header(h) if h is not None else "" for h in self.header]

    def index(self, name: str) -> int:
        """The column's position; asked once per cell, so remembered per name (the header
        does not change after ``__init__``)."""
        at = self._at.get(name)
        if at is None:
            at = self._at[name] = self._keys().index(normalize_header(name))
        return at

    def get(self, row: Sequence[Any], name: str) -> Any:
        """The cell's value (a typed formula's last computed value)."""
        return plain(row[self.index(name)])

    def text(self, row: Sequence[Any], name: str) -> str:
        value = self.get(row, name)
        return "" if value is None else str(value).strip()

    def set(self, row: list[Any], name: str, value: Any) -> None:
        row[self.index(name)] = value

    def new_row(self, **values: Any) -> list[Any]:
        """A row with ``values`` keyed by column name (underscores for spaces: ``lot_id``)."""
        row: list[Any] = [None] * len(self.header)
        for name, value in values.items():
            row[self.index(name.replace("_", " "))] = value
        return row

    def data_rows(self) -> list[list[Any]]:
        """The rows that are not blank."""
        return [r for r in self.rows if not all(is_blank(plain(v)) for v in r)]

    def as_rows(self) -> list[list[Any]]:
        return [list(self.header)] + self.rows
