"""Build a new workbook (XlsxWriter): every input an Excel Table on its own sheet, the
Dashboard with the Excel functions as dynamic arrays, the xlwings parts, and the
companion module next to it.

Everything the workbook holds is read from the registry (``workbook_templates/layout.toml``
through ``spec.layout()``), so the checker, the docs and the tests see the same layout.
Only ever writes *new* files: an existing workbook or companion is kept unless ``force``.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

import xlsxwriter
import xlsxwriter.exceptions
from xlsxwriter.utility import xl_rowcol_to_cell

from ..cells import Formula, plain
from ..core.model import Household
from ..errors import WorkbookError
from ..files.output import OutputError, remove_stale_temporaries, write_atomically, write_text_atomically
from ..spec import SettingSpec, TableSpec, layout, normalize_header
from ..tables import parse_household
from . import answers, dashboard, guide
from .formats import Formats, make_formats
from .xlwings_parts import (
    XLWINGS_VERSION_PROPERTY, WorkbookName, check_workbook_path, companion_source, installed_xlwings_version,
    vba_project_bytes, xlwings_conf_notes, xlwings_conf_rows,
)

TABLE_STYLE = "Table Style Medium 2"
BOOL_CHOICES = ["TRUE", "FALSE"]


@dataclass(frozen=True)
class BuildResult:
    """What ``build_workbook`` wrote."""

    workbook: Path                 # the .xlsm
    companion: Path                # <workbook name>.py next to it
    module: str                    # the companion's module name (= workbook stem)
    sample: bool
    rows: dict[str, int]           # data rows written per table


@dataclass(frozen=True)
class FormulaColumn:
    """A native formula column appended to an input table (e.g. Holdings Price, Value)."""

    table: str
    name: str
    type: str
    width: float
    formula: str
    description: str


def formula_columns(table: str) -> tuple[FormulaColumn, ...]:
    """The registry's formula columns of ``table``, in order."""
    raw = layout().raw["workbook"].get("formula_columns", ())
    return tuple(FormulaColumn(c["table"], c["name"], c.get("type", "text"), float(c.get("width", 12)),
                               c["formula"], c.get("description", ""))
                 for c in raw if c["table"] == table)


def build_workbook(path: str | Path, *, sample: bool = False, force: bool = False,
                   tables: Optional[Mapping[str, Sequence[Sequence[Any]]]] = None,
                   xlwings_conf: Optional[Mapping[str, Any]] = None,
                   household: Optional[Household] = None) -> BuildResult:
    """Write a new workbook at ``path`` (.xlsm) and its companion module.

    ``sample`` fills it with the demo household; ``tables`` (2-D lists, header first, keyed
    by table name) fills it with your own rows instead.  A column of ``tables`` the registry
    does not know is written as an extra column at the right of its table; a Settings row
    whose key the registry does not know is kept below the registry's keys; a
    ``cells.Formula`` cell is written as that formula.  ``xlwings_conf`` gives values for
    keys of the xlwings.conf sheet (e.g. ``Interpreter_Win``) instead of the defaults.
    ``household``: ``tables`` already parsed by the caller (its values are cached in the
    formula cells), so they are not parsed twice.
    Raises ``WorkbookError`` for a name that is not a valid module name or a file that
    exists (unless ``force``).
    """
    name = check_workbook_path(path)
    _refuse_existing(name, force)
    used_sample = tables is None and sample
    if used_sample:
        from ..sample import sample_tables

        tables = sample_tables()
    source = {normalize_header(k): v for k, v in (tables or {}).items()}
    if household is None and tables:
        household = parse_household(_plain_tables(tables))
    remove_stale_temporaries(name.path.parent, name.path.name)   # left by a `new` that was killed
    remove_stale_temporaries(name.path.parent, name.companion_path.name)
    try:
        rows = _write_atomically(name, source, household, xlwings_conf or {})
        write_text_atomically(name.companion_path, companion_source(name))
    except OutputError as exc:
        raise WorkbookError(str(exc)) from exc
    return BuildResult(workbook=name.path, companion=name.companion_path, module=name.module,
                       sample=used_sample, rows=rows)


def build_without_macros(name: WorkbookName, *, sample: bool = False,
                         tables: Optional[Mapping[str, Sequence[Sequence[Any]]]] = None,
                         worksheet_class: Optional[type] = None) -> tuple[dict[str, int], bool]:
    """The same workbook as ``build_workbook`` without its macros: no VBA project, no buttons,
    no xlwings.conf sheet and no companion module, written to ``name.path`` (an .xlsx).
    ``worksheet_class`` (an XlsxWriter ``Worksheet`` subclass) may rewrite formulas as they
    are written.  Returns the rows written per table and whether the sample was used."""
    used_sample = tables is None and sample
    if used_sample:
        from ..sample import sample_tables

        tables = sample_tables()
    source = {normalize_header(k): v for k, v in (tables or {}).items()}
    household = parse_household(_plain_tables(tables)) if tables else None
    try:
        name.path.parent.mkdir(parents=True, exist_ok=True)
        rows = _write_atomically(name, source, household, {}, worksheet_class=worksheet_class, macros=False)
    except OSError as exc:
        raise WorkbookError(f"cannot write {exc.filename or name.path}: {exc.strerror or exc}") from exc
    return rows, used_sample


def _refuse_existing(name: WorkbookName, force: bool) -> None:
    if force:
        return
    existing = [p for p in (name.path, name.companion_path) if p.exists()]
    if existing:
        listed = " and ".join(str(p) for p in existing)
        raise WorkbookError(f"{listed} already exist{'s' if len(existing) == 1 else ''}; "
                            "choose another name or pass --force to overwrite")


def _plain_tables(tables: Mapping[str, Sequence[Sequence[Any]]]) -> Mapping[str, Sequence[Sequence[Any]]]:
    """``tables`` with every ``Formula`` cell replaced by its computed value (for the parser)."""
    if not any(type(v) is Formula for rows in tables.values() for row in rows or () for v in row):
        return tables
    return {name: [[plain(v) for v in row] for row in rows] if rows else rows for name, rows in tables.items()}


def _write_atomically(name: WorkbookName, source: dict, household: Optional[Household],
                      conf: Mapping[str, Any], *, worksheet_class: Optional[type] = None,
                      macros: bool = True) -> dict[str, int]:
    """Write to a temporary file in the same folder, then move it into place."""
    rows: dict[str, int] = {}

    def write(tmp: Path) -> None:
        try:
            rows.update(_write_book(tmp, source, household, name, conf, worksheet_class=worksheet_class,
                                    macros=macros))
        except xlsxwriter.exceptions.FileCreateError as exc:   # XlsxWriter wraps the OS error
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))
            _drop_unclosed_zip(exc, cause)
            raise cause from None

    write_atomically(name.path, write)
    return rows


def _drop_unclosed_zip(*errors: BaseException) -> None:
    """Free XlsxWriter's half-written zip now, quietly: its frames (held by the errors'
    tracebacks) keep an open ``ZipFile`` whose ``__del__`` would otherwise retry the failed
    write later and print "Exception ignored ... OSError" under the one-line message."""
    import gc
    import sys
    import traceback

    hook = sys.unraisablehook
    sys.unraisablehook = lambda *_: None
    try:
        for error in errors:
            if error.__traceback__ is not None:
                traceback.clear_frames(error.__traceback__)
            error.__traceback__ = None
            error.__context__ = None
        gc.collect()
    finally:
        sys.unraisablehook = hook


def _write_book(target: Path, source: dict, household: Optional[Household], name: WorkbookName,
                conf: Mapping[str, Any], *, worksheet_class: Optional[type] = None,
                macros: bool = True) -> dict[str, int]:
    # XlsxWriter packs the file in memory; the bytes then go to disk in one write of ours, so a
    # full disk fails there, cleanly (a zip XlsxWriter left open on a failed disk write would
    # raise again when it is garbage collected, long after the error was reported)
    packed = io.BytesIO()
    book = xlsxwriter.Workbook(packed, {"remove_timezone": True, "in_memory": True})
    formats = make_formats(book)
    # without macros (xlwings Lite) no xlwings.conf sheet, and no guide to the desktop add-in's set-up
    sheets = {title: book.add_worksheet(title, worksheet_class) for title in layout().raw["workbook"]["sheet_order"]
              if macros or title not in ("xlwings.conf", guide.sheet_name())}
    rows: dict[str, int] = {}
    for spec in layout().tables:
        sheet = sheets[spec.sheet]
        if spec.name == "Settings":
            rows[spec.name] = _write_settings(sheet, spec, source.get(normalize_header(spec.name)), formats)
        else:
            rows[spec.name] = _write_table(sheet, spec, source.get(normalize_header(spec.name)), formats,
                                           household)
    dashboard.write_dashboard(book, sheets[dashboard.sheet_name()], formats, household)
    answers.write_answer_sheets(sheets, formats)
    if macros:
        xlwings_version = installed_xlwings_version()
        guide.write_start_here(sheets[guide.sheet_name()], formats, name.module, xlwings_version,
                               {spec.name: formula_columns(spec.name) for spec in layout().tables})
        _write_xlwings_conf(sheets["xlwings.conf"], name.module, formats, conf)
        book.add_vba_project(io.BytesIO(vba_project_bytes()), is_stream=True)
        book.set_vba_name("ThisWorkbook")
        # the macros load the xlwings DLL of this version: `check` compares it with the installed one
        book.set_custom_property(XLWINGS_VERSION_PROPERTY, xlwings_version)
    # an empty template opens on its guide; a filled one on its answers
    sheets[guide.sheet_name() if household is None and macros else dashboard.sheet_name()].activate()
    book.close()
    target.write_bytes(packed.getbuffer())
    return rows


# ---------------------------------------------------------------------------------------
# Input tables

def _source_rows(spec: TableSpec, data: Optional[Sequence[Sequence[Any]]]) -> list[list[Any]]:
    """The data rows of ``data`` rearranged into the registry's column order (by header key),
    then the values of its extra columns (see ``extra_columns``); blank rows are left out."""
    if not data:
        return []
    header = [normalize_header(h) if h is not None else "" for h in data[0]]
    index = {key: i for i, key in reversed(list(enumerate(header)))}
    picks = [index.get(c.key) for c in spec.columns] + [i for i, _ in extra_columns(spec, data[0])]
    size = len(picks)
    if picks == list(range(size)) and all(len(row) == size for row in data[1:]):
        # already in the registry's order (a workbook this builder wrote): the rows as they are
        return [row if type(row) is list else list(row) for row in data[1:]
                if row.count(None) + row.count("") < size]
    out = []
    for row in data[1:]:
        width = len(row)
        values = [row[i] if i is not None and i < width else None for i in picks]
        if values.count(None) + values.count("") < size:     # a blank row is left out
            out.append(values)
    return out


def extra_columns(spec: TableSpec, header: Sequence[Any]) -> list[tuple[int, str]]:
    """(position in ``header``, name to write) of the columns the registry does not have:
    neither a column of ``spec`` nor one of its formula columns (those are written anew).
    A blank header is named ``Column<n>`` (n = its position, 1-based) as Excel names it;
    a name that repeats one already used gets a number (``Note2``), since a table's
    headers must differ."""
    known = {c.key for c in spec.columns} | {normalize_header(f.name) for f in formula_columns(spec.name)}
    seen = set(known)
    out = []
    for i, raw in enumerate(header):
        key = normalize_header(raw) if raw is not None else ""
        if key in known:
            known.discard(key)    # the first column of a name is the registry's, a repeat is extra
            continue
        text = " ".join(_header_text(raw).split()) or f"Column{i + 1}"
        name, n = text, 1
        while normalize_header(name) in seen:
            n += 1
            name = f"{text}{n}"
        seen.add(normalize_header(name))
        out.append((i, name))
    return out


def _header_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, (datetime, date)):
        return raw.isoformat()
    return str(raw)


def _write_table(sheet, spec: TableSpec, data, formats: Formats, household: Optional[Household]) -> int:
    """One registry table as an Excel Table at A1; returns the number of data rows."""
    rows = _source_rows(spec, data)
    extra = formula_columns(spec.name)
    carried = extra_columns(spec, data[0]) if data else []
    n_rows = max(len(rows), 1)   # an Excel Table needs one data row: a blank one when empty
    columns = [{"header": c.name} for c in spec.columns]
    columns += [{"header": f.name, "formula": f.formula} for f in extra]
    columns += [_carried_column(name, rows, len(spec.columns) + i) for i, (_, name) in enumerate(carried)]
    sheet.add_table(0, 0, n_rows, len(columns) - 1, {"name": spec.name, "columns": columns, "style": TABLE_STYLE})
    for col, column in enumerate(spec.columns):
        fmt = formats.for_type(column.type)
        sheet.set_column(col, col, column.width)
        _header_comment(sheet, col, guide.header_comment(spec.name, column))
        _write_column(sheet, col, rows, col, fmt, formats)
        if column.type == "choice" and column.choices:
            _list_validation(sheet, 1, col, n_rows, list(column.choices))
        elif column.type == "bool":
            _list_validation(sheet, 1, col, n_rows, BOOL_CHOICES)
    cached = _cached_formula_values(spec, rows, household)
    for offset, formula in enumerate(extra):
        col = len(spec.columns) + offset
        fmt = formats.for_type(formula.type)
        sheet.set_column(col, col, formula.width, fmt)
        _header_comment(sheet, col, f"{formula.description}\nA formula: filled in for every row; do not type here.")
        for r in range(1, n_rows + 1):
            value = cached[r - 1].get(formula.name, "") if r - 1 < len(cached) else ""
            sheet.write_formula(r, col, formula.formula, fmt, value)
    _write_carried(sheet, rows, len(spec.columns), len(extra), len(carried), formats)
    sheet.freeze_panes(1, 0)
    return len(rows)


def _carried_column(name: str, rows: list[list[Any]], at: int) -> dict[str, Any]:
    """An extra column's table definition: a calculated column when every row holds the
    same formula (new rows then get it too), else plain."""
    texts = {v.text if type(v) is Formula else None for v in (r[at] for r in rows)}
    if len(texts) == 1 and None not in texts:
        return {"header": name, "formula": texts.pop()}
    return {"header": name}


def _write_carried(sheet, rows: list[list[Any]], first: int, skip: int, count: int, formats: Formats) -> None:
    """The extra columns' values: row values from position ``first`` go to the sheet after
    the ``skip`` formula columns."""
    for offset in range(count):
        at, col = first + offset, first + skip + offset
        sheet.set_column(col, col, 14)
        _write_column(sheet, col, rows, at, None, formats)


def _write_column(sheet, col: int, rows: list[list[Any]], at: int, fmt, formats: Formats) -> None:
    """``rows[i][at]`` into the sheet's rows 1, 2, ...: plain numbers, text and dates straight
    to XlsxWriter, anything else through ``write_value`` (one type test per cell instead of
    its chain of isinstance tests; the same cells as ``write_value`` writes).  The one place
    the builder trades plainness for speed: ``benchmarks/bench_new.py``, new --from."""
    # XlsxWriter's undecorated writers (its own write_row calls them): the public ones first
    # test whether the row is A1 text, 0.34 us a cell, 0.2 s of a 100,000-lot book's 600,000 cells
    number = getattr(sheet, "_write_number", sheet.write_number)
    string = getattr(sheet, "_write_string", sheet.write_string)
    moment = getattr(sheet, "_write_datetime", sheet.write_datetime)
    day_fmt = fmt if fmt is not None else formats.for_type("date")
    for r, values in enumerate(rows, start=1):
        value = values[at]
        kind = type(value)
        if kind is float:
            number(r, col, value, fmt)
        elif kind is str and value:
            string(r, col, value, fmt)
        elif kind is date:
            moment(r, col, value, day_fmt)
        else:
            write_value(sheet, r, col, value, fmt, formats)


def _header_comment(sheet, col: int, text: str) -> None:
    """The column's description on its header cell (hover to read it)."""
    lines = text.count("\n") + 1 + len(text) // 60
    sheet.write_comment(0, col, text, {"x_scale": 2.5, "y_scale": max(1.0, lines / 4)})


def _list_validation(sheet, first_row: int, col: int, last_row: int, choices: list[str]) -> None:
    sheet.data_validation(first_row, col, last_row, col, {
        "validate": "list", "source": choices,
        "error_title": "Not a choice", "error_message": "Pick one of: " + ", ".join(choices),
    })


def _cached_formula_values(spec: TableSpec, rows: list[list[Any]], household: Optional[Household]) -> list[dict]:
    """The values the formula columns compute for the rows written, so a file read without
    recalculation (python-calamine, a viewer) already shows them.  Holdings only."""
    if spec.name != "Holdings" or household is None:
        return []
    classes = {s.ticker: s.asset_class for s in household.securities}
    prices = household.price_map()
    ticker_at = [c.key for c in spec.columns].index(normalize_header("Ticker"))
    shares_at = [c.key for c in spec.columns].index(normalize_header("Shares"))
    out = []
    for values in rows:
        ticker = str(values[ticker_at] or "").strip().upper()
        price = prices.get(ticker)
        shares = values[shares_at] if isinstance(values[shares_at], (int, float)) else 0.0
        out.append({"Asset class": classes.get(ticker, ""), "Price": "" if price is None else price,
                    "Value": "" if price is None else shares * price})
    return out


def write_value(sheet, row: int, col: int, value: Any, fmt, formats: Formats) -> None:
    """Write one Python value with the Excel type it stands for (a ``Formula`` as a formula)."""
    if value is None or (isinstance(value, str) and value == ""):
        if fmt is not None:
            sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, formats.for_type("bool"))
    elif isinstance(value, (datetime, date)):
        sheet.write_datetime(row, col, value, fmt if fmt is not None else formats.for_type(_date_kind(value)))
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, (time, timedelta)):
        sheet.write_datetime(row, col, value, fmt if fmt is not None else formats.for_type("time"))
    elif type(value) is Formula:
        _write_formula(sheet, row, col, value, fmt, formats)
    else:
        sheet.write_string(row, col, str(value), fmt)


def _date_kind(value: date) -> str:
    """The format of a date cell that has none of its own: with its time when it has one."""
    return "datetime" if isinstance(value, datetime) and value.time() != time() else "date"


def _write_formula(sheet, row: int, col: int, formula: Formula, fmt, formats: Formats) -> None:
    """A typed formula with its last computed value cached (dates as Excel serial numbers)."""
    value = formula.value
    if isinstance(value, (datetime, date, time, timedelta)):
        if fmt is None:
            fmt = formats.for_type(_date_kind(value) if isinstance(value, date) else "time")
        value = _serial(value)
    elif value is None:
        value = ""
    sheet.write_formula(row, col, formula.text, fmt, value)


def _serial(value: Any) -> float:
    """A date, time or duration as the number Excel stores (days since 1899-12-30)."""
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6) / 86400
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    return (moment.replace(tzinfo=None) - datetime(1899, 12, 30)).total_seconds() / 86400


# ---------------------------------------------------------------------------------------
# Settings

def setting_value(setting: SettingSpec, given: Mapping[str, Any]) -> Any:
    """The value written for ``setting``: the given one, else the registry default."""
    return given.get(setting.norm, setting.default)


def _settings_rows(spec: TableSpec, data) -> tuple[dict[str, list[Any]], list[list[Any]], list[str]]:
    """The given Settings rows in the registry's column order (with their extra columns):
    {normalized key: row} for the keys (the last row of a key), the rows of keys the
    registry does not know (in their order), and the extra columns' names."""
    rows = _source_rows(spec, data)
    names = [name for _, name in extra_columns(spec, data[0])] if data else []
    by_key: dict[str, list[Any]] = {}
    for row in rows:
        key = plain(row[0])
        if key is not None and str(key).strip():
            by_key[normalize_header(key)] = row
    known = {s.norm for s in layout().settings}
    unknown = [row for key, row in by_key.items() if key not in known]
    return by_key, unknown, names


def _write_settings(sheet, spec: TableSpec, data, formats: Formats) -> int:
    """Every registry setting with its default (or the given value), description and dropdown;
    then the given rows of keys the registry does not know, kept as they were."""
    given, unknown, extra = _settings_rows(spec, data)
    settings = layout().settings
    columns = [{"header": c.name} for c in spec.columns] + [{"header": name} for name in extra]
    sheet.add_table(0, 0, len(settings) + len(unknown), len(columns) - 1,
                    {"name": spec.name, "columns": columns, "style": TABLE_STYLE})
    for col, column in enumerate(spec.columns):
        sheet.set_column(col, col, column.width)
        _header_comment(sheet, col, guide.header_comment(spec.name, column))
    width = len(spec.columns)
    for row, setting in enumerate(settings, start=1):
        values = given.get(setting.norm)
        sheet.write_string(row, 0, setting.key)
        value = values[1] if values is not None else setting.default
        write_value(sheet, row, 1, value, formats.for_type(setting.type), formats)
        sheet.write_string(row, 2, setting.description)
        for offset in range(len(extra)):
            write_value(sheet, row, width + offset, values[width + offset] if values else None, None, formats)
        if setting.choices:
            _list_validation(sheet, row, 1, row, list(setting.choices))
        elif setting.type == "bool":
            _list_validation(sheet, row, 1, row, BOOL_CHOICES)
        elif setting.min is not None or setting.max is not None:
            _range_validation(sheet, row, setting)
    for row, values in enumerate(unknown, start=len(settings) + 1):
        for col, value in enumerate(values):
            write_value(sheet, row, col, value, None, formats)
    sheet.freeze_panes(1, 0)
    return len(settings) + len(unknown)


def _range_validation(sheet, row: int, setting: SettingSpec) -> None:
    low = setting.min if setting.min is not None else -1e307
    high = setting.max if setting.max is not None else 1e307
    sheet.data_validation(row, 1, row, 1, {
        "validate": "decimal", "criteria": "between", "minimum": low, "maximum": high,
        "ignore_blank": True, "error_title": "Out of range",
        "error_message": f"{setting.key}: a number from {low:g} to {high:g}.",
    })


# ---------------------------------------------------------------------------------------
# xlwings.conf

def _write_xlwings_conf(sheet, module: str, formats: Formats, kept: Mapping[str, Any]) -> None:
    """Key/value rows from A1 (xlwings reads down to the first blank row), then notes."""
    rows = xlwings_conf_rows(module, kept=kept)
    for row, (key, value) in enumerate(rows):
        sheet.write_string(row, 0, key)
        if isinstance(value, bool):
            sheet.write_boolean(row, 1, value)
        else:
            sheet.write_string(row, 1, str(value))
    for offset, note in enumerate(xlwings_conf_notes()):
        sheet.write_string(len(rows) + 1 + offset, 0, note, formats.note)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 40)


def cell_name(row: int, col: int, absolute: bool = False) -> str:
    """0-based (row, col) -> 'A1' (or '$A$1')."""
    return xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)
