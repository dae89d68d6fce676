"""A table as the workbook holds it (2-D rows, header first), edited by column name.

Every column is kept, the user's extra ones too, in its place; registry columns missing
from the header are added at the end when written.  A ``Grid`` is a working copy: the
rows it was made from are never changed.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence

from ..spec import normalize_header


class Grid:
    def __init__(self, rows: Optional[Sequence[Sequence[Any]]], columns: Iterable[str] = ()):
        rows = [list(r) for r in rows or []]
        self.header: list[Any] = rows[0] if rows else []
        width = len(self.header)
        self.rows: list[list[Any]] = [r + [None] * (width - len(r)) for r in rows[1:]]
        for name in columns:
            self.column(name)

    def index(self, name: str) -> Optional[int]:
        key = normalize_header(name)
        for i, head in enumerate(self.header):
            if head is not None and normalize_header(head) == key:
                return i
        return None

    def column(self, name: str) -> int:
        """The column's index, adding the column at the end when the header lacks it."""
        found = self.index(name)
        if found is not None:
            return found
        self.header.append(name)
        for row in self.rows:
            row.append(None)
        return len(self.header) - 1

    def get(self, row: list[Any], name: str) -> Any:
        i = self.index(name)
        return row[i] if i is not None and i < len(row) else None

    def set(self, row: list[Any], name: str, value: Any) -> None:
        row[self.column(name)] = value

    def append(self, values: Mapping[str, Any]) -> list[Any]:
        for name in values:
            self.column(name)
        row = [None] * len(self.header)
        for name, value in values.items():
            row[self.column(name)] = value
        self.rows.append(row)
        return row

    def remove(self, row: list[Any]) -> None:
        """Drop ``row`` (marked now, left out of ``data_rows`` and ``table``: O(1) per row)."""
        self._removed.add(id(row))

    @property
    def _removed(self) -> set[int]:
        if not hasattr(self, "_gone"):
            self._gone: set[int] = set()
        return self._gone

    def data_rows(self) -> list[list[Any]]:
        """Rows with any value (blank rows, e.g. an empty table's placeholder, left out)."""
        gone = self._removed
        return [r for r in self.rows if id(r) not in gone and any(v not in (None, "") for v in r)]

    def index_by(self, *names: str) -> dict[tuple, list[list[Any]]]:
        """{(value of each column, ...): rows}, the rows in table order (a fresh dict)."""
        at = [self.index(n) for n in names]
        out: dict[tuple, list[list[Any]]] = {}
        for row in self.data_rows():
            out.setdefault(tuple(row[i] if i is not None else None for i in at), []).append(row)
        return out

    def table(self) -> list[list[Any]]:
        """Header first, then the rows that hold anything."""
        return [list(self.header)] + [list(r) for r in self.data_rows()]
