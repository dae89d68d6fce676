"""Which formulas typed in an old workbook's data cells can be written into the new one.

The new workbook puts every table at A1 with the registry's column order, so a formula is
only carried when it means the same thing there:

- structured references to a table the new workbook has (``Lots[Shares]``,
  ``Lots[[#This Row],[Cost basis]]``), with renamed tables and columns rewritten;
- a reference to a cell of the formula's own row inside its own table (``E7`` in row 7)
  becomes the structured reference to that column's cell in the same row
  (``Lots[[#This Row],[Shares]]``), which stays right wherever the row lands;
- constants, functions, and the names the new workbook defines (the Dashboard's cells).

Anything else (a reference to another row, another sheet, another workbook, a range, a
name only the old workbook defines, an array or what-if table formula) cannot be placed
reliably: the cell is carried as its last computed value, and the reason says why.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional

from ..spec import normalize_header
from ..workbook.package import column_number
from ..workbook.formulas import TypedFormula

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")
_A1_LIKE = re.compile(r"^\$?[A-Za-z]{1,3}\$?[0-9]+(:\$?[A-Za-z]{1,3}\$?[0-9]+)?$|^\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}$"
                      r"|^\$?[0-9]+:\$?[0-9]+$")
# One bracketed item of a structured reference: [Col], [#This Row], ['[escaped']]
_ITEM = re.compile(r"\[((?:'.|[^\[\]'])*)\]")


@dataclass(frozen=True)
class TablePlace:
    """Where one table sat in the old workbook and what its columns are called in the new.

    ``columns`` maps an old sheet column (1-based) to the column's name in the new table
    (None for a column that is not carried).  ``old_name`` is the Excel table's name in the
    old workbook (None when the rows were read from a plain sheet)."""

    table: str
    sheet: str
    old_name: Optional[str]
    columns: Mapping[int, Optional[str]]


@dataclass(frozen=True)
class Target:
    """What the new workbook has: {table key: (table name, {column key: column name})}, its
    defined names (as keys), and the renames of old column headers ({table key: {old column
    key: new name}})."""

    tables: Mapping[str, tuple[str, Mapping[str, str]]]
    names: frozenset[str]
    renamed: Mapping[str, Mapping[str, str]]


def carried_formula(formula: TypedFormula, place: TablePlace, target: Target) -> tuple[Optional[str], str]:
    """``(text, "")`` when ``formula`` can be written in the new workbook as ``text``, else
    ``(None, reason)``."""
    from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError   # only when a formula is typed

    if formula.kind == "array":
        return None, "it is an array formula"
    if formula.kind == "dataTable":
        return None, "it is part of a what-if data table"
    try:
        tokens = Tokenizer(formula.text).items
    except TokenizerError as error:
        return None, f"its formula cannot be read ({error})"
    out = []
    for token in tokens:
        if token.type == Token.OPERAND and token.subtype == Token.ERROR:
            return None, f"the formula says {token.value}"
        if token.type == Token.OPERAND and token.subtype == Token.RANGE:
            text, reason = _reference(token.value, formula.row, place, target)
            if text is None:
                return None, reason
            out.append(text)
        else:
            out.append(token.value)
    return "=" + "".join(out), ""


def _reference(ref: str, row: int, place: TablePlace, target: Target) -> tuple[Optional[str], str]:
    if ref.startswith("[") and re.match(r"^\[\d+\]", ref):
        return None, f"it refers to another workbook ({ref})"
    if "[" in ref and "!" not in ref.split("[", 1)[0]:
        return _structured(ref, place, target)
    if "!" in ref:
        sheet, local = ref.rsplit("!", 1)
        sheet = sheet.strip("'").replace("''", "'")
        if sheet.strip().lower() != place.sheet.strip().lower():
            return None, f"it refers to another sheet ({ref})"
        return _same_row(local, ref, row, place)
    if _A1_LIKE.match(ref):
        return _same_row(ref, ref, row, place)
    if ref.upper() in ("TRUE", "FALSE"):
        return ref, ""
    if normalize_header(ref) in target.names:
        return ref, ""
    return None, f"it uses the name {ref}, which the new workbook does not define"


def _same_row(local: str, ref: str, row: int, place: TablePlace) -> tuple[Optional[str], str]:
    match = _CELL.match(local)
    if match is None:
        return None, f"it refers to a range ({ref})"
    if int(match.group(2)) != row:
        return None, f"it refers to a cell in another row ({ref})"
    name = place.columns.get(column_number(match.group(1).upper()))
    if not name:
        return None, f"it refers to a cell outside the {place.table} table's carried columns ({ref})"
    return f"{place.table}[[#This Row],[{_escape(name)}]]", ""


def _structured(ref: str, place: TablePlace, target: Target) -> tuple[Optional[str], str]:
    """``Table[...]`` (or ``[...]``, its own table) with the table and its columns named as
    the new workbook names them."""
    table_text, rest = ref.split("[", 1)
    rest = _this_row("[" + rest)
    key = normalize_header(table_text) if table_text else normalize_header(place.table)
    if place.old_name and key == normalize_header(place.old_name):
        key = normalize_header(place.table)
    found_table = target.tables.get(key)
    if found_table is None:
        return None, f"it refers to the table {table_text}, which the new workbook does not have"
    table, columns = found_table
    renamed = target.renamed.get(key, {})
    problem = []

    def column(match: re.Match) -> str:
        item = match.group(1)
        if item.startswith("#") or item.startswith("["):
            return match.group(0)
        name = _unescape(item)
        column_key = normalize_header(name)
        found = columns.get(column_key) or renamed.get(column_key)
        if found is None:
            problem.append(name)
            return match.group(0)
        return f"[{_escape(found)}]"

    body = _rewrite_items(rest, column)
    if problem:
        return None, f"it refers to the column {problem[0]}, which the new {table} table does not have"
    return table + body, ""


def _this_row(body: str) -> str:
    """Excel 2010's ``[@Col]`` / ``[@[Col]]`` as stored in files: ``[[#This Row],[Col]]``."""
    if body.startswith("[@["):
        return "[[#This Row]," + body[2:]
    if body.startswith("[@"):
        return "[[#This Row],[" + body[2:] + "]"
    return body


def _rewrite_items(text: str, column) -> str:
    """Apply ``column`` to every innermost ``[item]`` of a structured reference."""
    return _ITEM.sub(column, text)


def _escape(name: str) -> str:
    """A column name inside a structured reference: ``[``, ``]``, ``#`` and ``'`` get a ``'``."""
    return re.sub(r"([\[\]#'])", r"'\1", name)


def _unescape(item: str) -> str:
    return re.sub(r"'(.)", r"\1", item)
