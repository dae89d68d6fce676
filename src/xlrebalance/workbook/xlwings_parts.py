"""What a generated workbook needs from xlwings: its VBA project, the xlwings.conf rows,
the companion module, and a file name xlwings can import as a Python module.

The VBA project is copied at build time from the installed xlwings'
``quickstart_standalone.xlsm``: its ``Module1.SampleCall`` runs
``import <workbook name>; <workbook name>.main()`` and its ``xlwings`` module holds
``RunPython`` and ``ImportPythonUDFs``, so the workbook works without the add-in and the
VBA always matches the installed xlwings.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import keyword
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional
from xml.etree import ElementTree

from .. import __version__
from ..errors import WorkbookError
from ..extras import MissingDependency
from ..spec import layout, templates_dir

#: The xlwings workbook its VBA project comes from, and the part inside it.
XLWINGS_SOURCE_WORKBOOK = "quickstart_standalone.xlsm"
VBA_PART = "xl/vbaProject.bin"
#: The workbook's custom document property that records the xlwings version that built it
#: (its macros load that version's DLL).
XLWINGS_VERSION_PROPERTY = "xlwings version"
CUSTOM_PROPERTIES = "docProps/custom.xml"
#: Top-level modules a companion must never shadow (besides the standard library).
RESERVED_MODULES = frozenset({
    "xlrebalance", "xlwings", "pandas", "numpy", "scipy", "yfinance", "openpyxl",
    "xlsxwriter", "python_calamine", "requests", "pytz", "dateutil", "pywintypes", "win32com",
})


@dataclass(frozen=True)
class WorkbookName:
    """A workbook path whose stem is importable as the companion module."""

    path: Path            # the .xlsm file
    module: str           # its stem: the companion module's name

    @property
    def companion_path(self) -> Path:
        return self.path.with_name(self.module + ".py")


def suggest_module_name(stem: str) -> str:
    """A valid, non-shadowing module name close to ``stem`` ("My Portfolio-2026" -> "my_portfolio_2026")."""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    name = re.sub(r"\W+", "_", ascii_stem.strip(), flags=re.ASCII).strip("_").lower() or "portfolio"
    if name[0].isdigit():
        name = "portfolio_" + name
    if keyword.iskeyword(name) or _is_reserved(name):
        name = "my_" + name
    return name


def _is_reserved(name: str) -> bool:
    return name in RESERVED_MODULES or name in sys.stdlib_module_names


def check_workbook_path(path: str | Path) -> WorkbookName:
    """The workbook's path and module name, or ``WorkbookError`` naming the problem.

    No suffix means ``.xlsm``; any other suffix is refused (the buttons need macros).
    """
    path = Path(path)
    if path.suffix == "":
        path = path.with_suffix(".xlsm")
    if path.suffix.lower() != ".xlsm":
        raise WorkbookError(
            f"{path.name}: the workbook must be a macro-enabled .xlsm file (its buttons run macros); "
            f"use {path.with_suffix('.xlsm').name}")
    stem = path.stem
    suggestion = suggest_module_name(stem) + ".xlsm"
    if not stem.isidentifier() or not stem.isascii():
        raise WorkbookError(
            f"{path.name}: the workbook name must be a valid Python module name (letters, digits and "
            f"underscores, not starting with a digit), because xlwings imports the companion module "
            f"{stem}.py by that name; use {suggestion}")
    if keyword.iskeyword(stem):
        raise WorkbookError(f"{path.name}: '{stem}' is a Python keyword and cannot be a module name; "
                            f"use {suggestion}")
    if _is_reserved(stem):
        raise WorkbookError(
            f"{path.name}: a companion module named '{stem}' would hide the Python module of the same "
            f"name; use {suggestion}")
    return WorkbookName(path=path, module=stem)


def vba_project_bytes() -> bytes:
    """``xl/vbaProject.bin`` of the installed xlwings' standalone quickstart workbook."""
    found = importlib.util.find_spec("xlwings")   # located, not imported: importing it is slow
    if found is None or not found.origin:
        raise MissingDependency("xlwings")   # the workbook's macros come from it
    source = Path(found.origin).resolve().parent / XLWINGS_SOURCE_WORKBOOK
    try:
        with zipfile.ZipFile(source) as archive:
            return archive.read(VBA_PART)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise WorkbookError(f"cannot read the VBA project from the installed xlwings ({source}): {exc}; "
                            "reinstall xlwings") from exc


def installed_xlwings_version() -> str:
    """The installed xlwings' version (read from its metadata: importing xlwings is slow)."""
    try:
        return importlib.metadata.version("xlwings")
    except importlib.metadata.PackageNotFoundError as exc:
        raise WorkbookError("xlwings is not installed; the workbook's macros come from it "
                            "(pip install xlwings)") from exc


def recorded_xlwings_version(path: str | Path) -> Optional[str]:
    """The xlwings version a workbook recorded when it was built (its custom document property
    ``xlwings version``), or None.  Reads only ``docProps/custom.xml``; call it on a file the
    package checks found safe."""
    try:
        with zipfile.ZipFile(path) as archive:
            if CUSTOM_PROPERTIES not in archive.namelist() or archive.getinfo(CUSTOM_PROPERTIES).file_size > 1 << 20:
                return None
            root = ElementTree.fromstring(archive.read(CUSTOM_PROPERTIES))
    except (OSError, zipfile.BadZipFile, ElementTree.ParseError, KeyError):
        return None
    for prop in root:
        if prop.get("name") == XLWINGS_VERSION_PROPERTY:
            text = "".join(prop.itertext()).strip()
            return text or None
    return None


def xlwings_conf_rows(module: str, platform: str = sys.platform, python: str = sys.executable,
                      kept: Optional[Mapping[str, Any]] = None) -> list[tuple[str, Any]]:
    """Key/value rows of the xlwings.conf sheet; rows whose value would be blank are left out
    (a blank value in the sheet would hide the add-in's own setting).  ``kept`` gives values
    a user chose (e.g. the interpreter of an older workbook) for any key but the module."""
    fill = {
        "{module}": module,
        "{python_win}": python if platform.startswith("win") else "",
        "{python_mac}": python if platform == "darwin" else "",
    }
    chosen = {k.strip().lower(): v for k, v in (kept or {}).items() if v not in (None, "")}
    rows = []
    for key, value in layout().raw["workbook"]["xlwings_conf"]["rows"]:
        keep = value != "{module}" and key.strip().lower() in chosen
        value = chosen[key.strip().lower()] if keep else fill.get(value, value) if isinstance(value, str) else value
        if value != "":
            rows.append((key, value))
    return rows


def xlwings_conf_notes() -> list[str]:
    return list(layout().raw["workbook"]["xlwings_conf"]["notes"])


def refresh_macro() -> str:
    """The VBA Sub the Refresh prices button runs."""
    for button in layout().raw["workbook"]["dashboard"]["buttons"]:
        if button["caption"] == "Refresh prices":
            return button["macro"]
    raise KeyError("no Refresh prices button in the layout")


def companion_source(name: WorkbookName) -> str:
    """The companion module's text, from ``workbook_templates/``."""
    template = (templates_dir() / layout().raw["workbook"]["companion_template"]).read_text(encoding="utf-8")
    return (template.replace("{workbook_file}", name.path.name)
            .replace("{macro}", refresh_macro())
            .replace("{version}", __version__))
