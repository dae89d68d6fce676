"""Renamed columns and Settings keys: an older workbook's tables read with today's names.

The registry's ``[[migrations]]`` table lists each rename (``layout.toml``).  A header (or
a Settings key) spelled the old way is renamed when the table does not also have the
current name; what was renamed is reported.  Pure: works on the 2-D tables in memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..cells import plain
from ..spec import layout, normalize_header


@dataclass(frozen=True)
class Rename:
    """``table``'s column (or, for ``kind == "setting"``, the Settings key) now called ``now``
    was called one of ``was`` up to layout ``version``."""

    table: str
    now: str
    was: tuple[str, ...]
    kind: str = "column"
    version: int = 0


def renames() -> tuple[Rename, ...]:
    """The registry's migration table."""
    out = []
    for raw in layout().raw.get("migrations", ()):
        if "setting" in raw:
            out.append(Rename("Settings", raw["setting"], tuple(raw["was"]), "setting", int(raw.get("version", 0))))
        else:
            out.append(Rename(raw["table"], raw["column"], tuple(raw["was"]), "column", int(raw.get("version", 0))))
    return tuple(out)


def migrate(tables: Mapping[str, Sequence[Sequence[Any]]],
            table_renames: Sequence[Rename] = ()) -> tuple[dict[str, list[list[Any]]], list[str]]:
    """``tables`` with old headers and Settings keys renamed (new lists where something
    changed, the same rows otherwise), and one sentence per rename done."""
    out = {name: rows for name, rows in tables.items()}
    done: list[str] = []
    for rename in table_renames or renames():
        name = next((n for n in out if normalize_header(n) == normalize_header(rename.table)), None)
        rows = out.get(name) if name else None
        if not rows:
            continue
        if rename.kind == "setting":
            changed = _rename_setting(rows, rename)
        else:
            changed = _rename_column(rows, rename)
        if changed is not None:
            out[name], what = changed
            done.append(what)
    return out, done


def _rename_column(rows: Sequence[Sequence[Any]], rename: Rename):
    header = list(rows[0])
    keys = [normalize_header(h) if h is not None else "" for h in header]
    if normalize_header(rename.now) in keys:
        return None
    old = {normalize_header(w) for w in rename.was}
    at = next((i for i, key in enumerate(keys) if key in old), None)
    if at is None:
        return None
    was = header[at]
    header[at] = rename.now
    return [header] + list(rows[1:]), f"{rename.table}: column '{was}' is now '{rename.now}'"


def _rename_setting(rows: Sequence[Sequence[Any]], rename: Rename):
    keys = [normalize_header(h) if h is not None else "" for h in rows[0]]
    if normalize_header("Setting") not in keys:
        return None
    at = keys.index(normalize_header("Setting"))
    present = {normalize_header(plain(r[at])) for r in rows[1:] if len(r) > at and plain(r[at]) is not None}
    if normalize_header(rename.now) in present:
        return None
    old = {normalize_header(w) for w in rename.was}
    out, was = [list(rows[0])], None
    for row in rows[1:]:
        row = list(row)
        if len(row) > at and plain(row[at]) is not None and normalize_header(plain(row[at])) in old:
            was, row[at] = plain(row[at]), rename.now
        out.append(row)
    if was is None:
        return None
    return out, f"Settings: key '{was}' is now '{rename.now}'"
