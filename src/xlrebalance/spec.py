"""The workbook contract, read once from ``workbook_templates/layout.toml``.

One registry: the parser, the workbook builder, the checker, the docs and the tests all
read the tables, columns and settings keys from here.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Optional

_HERE = Path(__file__).resolve().parent
# Installed wheel: the folder is shipped inside the package.  Source checkout: repo root.
_CANDIDATES = (_HERE / "workbook_templates", _HERE.parents[1] / "workbook_templates")


def templates_dir() -> Path:
    for folder in _CANDIDATES:
        if (folder / "layout.toml").is_file():
            return folder
    raise FileNotFoundError("workbook_templates/layout.toml is missing from the installation")


def normalize_header(name: Any) -> str:
    """Header matching key: case-, space- and underscore-insensitive."""
    return "".join(str(name).lower().replace("_", " ").split())


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    width: float = 12
    description: str = ""

    @cached_property  # read once per cell parsed: computed once per column
    def key(self) -> str:
        return normalize_header(self.name)


@dataclass(frozen=True)
class TableSpec:
    name: str
    sheet: str
    required: bool
    description: str
    columns: tuple[ColumnSpec, ...]
    warn_if_missing: bool = True    # False: a workbook without the sheet is fine (e.g. Journal, Fills)
    open_columns: bool = False      # True: columns beyond the registry's are the table's data (Returns)

    def column(self, name: str) -> ColumnSpec:
        found = self._by_name.get(name)
        if found is not None:  # the parser asks once per cell: a dict lookup, not a scan
            return found
        key = normalize_header(name)
        for col in self.columns:
            if col.key == key:
                self._by_name[name] = col
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @cached_property
    def _by_name(self) -> dict[str, ColumnSpec]:
        return {}


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: str
    default: Any
    description: str
    choices: tuple[str, ...] = ()
    min: Optional[float] = None
    max: Optional[float] = None

    @property
    def norm(self) -> str:
        return normalize_header(self.key)


@dataclass(frozen=True)
class FunctionSpec:
    name: str          # Excel name, e.g. TRADE_LIST
    method: str        # Portfolio method, e.g. trade_list
    args: tuple[str, ...]
    columns: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Layout:
    tables: tuple[TableSpec, ...]
    settings: tuple[SettingSpec, ...]
    functions: tuple[FunctionSpec, ...]
    raw: dict
    models_tables: tuple[TableSpec, ...] = ()   # the models workbook's own tables (Models)

    def function(self, name: str) -> FunctionSpec:
        for fn in self.functions:
            if fn.name == name.upper():
                return fn
        raise KeyError(f"no function {name!r} in the layout")

    def table(self, name: str) -> TableSpec:
        key = normalize_header(name)
        for table in self.tables + self.models_tables:
            if normalize_header(table.name) == key:
                return table
        raise KeyError(f"no table {name!r} in the layout")

    def setting(self, key: str) -> SettingSpec:
        norm = normalize_header(key)
        for setting in self.settings:
            if setting.norm == norm:
                return setting
        raise KeyError(f"no setting {key!r} in the layout")


def _column(raw: dict) -> ColumnSpec:
    return ColumnSpec(
        name=raw["name"],
        type=raw["type"],
        required=bool(raw.get("required", False)),
        default=raw.get("default"),
        choices=tuple(raw.get("choices", ())),
        width=float(raw.get("width", 12)),
        description=raw.get("description", ""),
    )


@lru_cache(maxsize=1)
def layout() -> Layout:
    raw = tomllib.loads((templates_dir() / "layout.toml").read_text(encoding="utf-8"))
    tables = tuple(_table(t) for t in raw["tables"])
    settings = tuple(
        SettingSpec(
            key=s["key"],
            type=s["type"],
            default=s.get("default", ""),
            description=s.get("description", ""),
            choices=tuple(s.get("choices", ())),
            min=s.get("min"),
            max=s.get("max"),
        )
        for s in raw["settings"]
    )
    functions = tuple(
        FunctionSpec(
            name=f["name"],
            method=f["method"],
            args=tuple(f["args"]),
            columns=tuple(f["columns"]),
            description=f.get("description", ""),
        )
        for f in raw.get("functions", ())
    )
    return Layout(tables=tables, settings=settings, functions=functions, raw=raw,
                  models_tables=tuple(_table(t) for t in raw.get("models_tables", ())))


def _table(t: dict) -> TableSpec:
    return TableSpec(
        name=t["name"],
        sheet=t.get("sheet", t["name"]),
        required=bool(t.get("required", False)),
        description=t.get("description", ""),
        columns=tuple(_column(c) for c in t["columns"]),
        warn_if_missing=bool(t.get("warn_if_missing", True)),
        open_columns=bool(t.get("open_columns", False)),
    )
