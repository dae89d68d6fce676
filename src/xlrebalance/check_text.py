"""Plain-text views of check results, for the CLI to print (this module only builds strings).

Fractions print as percents and dollars with thousands separators, by the registry's
``[workbook] output_types`` (the same formats the Dashboard's spill areas use).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Optional, Sequence

from .core.model import Issue
from .spec import layout

_TITLES = {"trades": "Trades", "harvest_candidates": "Tax-loss harvest candidates",
           "realized_gains": "Realized this year"}
_STATUS = {"ok": "OK", "out-of-band": "OUT OF BAND (not due yet)", "rebalance": "REBALANCE NEEDED",
           "invalid": "INVALID"}


def output_type(column: str) -> Optional[str]:
    return layout().raw.get("workbook", {}).get("output_types", {}).get(column)


def cell_text(column: str, value: Any) -> str:
    """One answer cell as text: 60.0%, 1,234.50, 2026-03-15, TRUE."""
    if value is None:
        return ""
    kind = output_type(column)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        if kind == "fraction":
            return f"{value:.1%}"
        if kind == "money":
            return f"{value:,.2f}"
        if kind == "shares":
            return f"{value:,.4f}".rstrip("0").rstrip(".")
        return f"{value:g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_text(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, max_width: int = 60) -> str:
    """A fixed-width text table; numbers right-aligned, long text cut at ``max_width``."""
    if not rows:
        return "(none)"
    cells = [[cell_text(c, v) for c, v in zip(columns, row)] for row in rows]
    cells = [[t if len(t) <= max_width else t[:max_width - 1] + "…" for t in row] for row in cells]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) for i in range(len(columns))]

    def line(values):
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(columns)] + [line(row) for row in cells])


def issue_text(issue: Issue) -> str:
    """'Error [missing_column] sheet Holdings, row 1, column 'Shares': ...'."""
    where = []
    if issue.table:
        where.append(f"sheet {issue.table}")
    if issue.row is not None:
        where.append(f"row {issue.row}")
    if issue.column:
        where.append(f"column '{issue.column}'")
    label = "Error" if issue.is_error else "Warning"
    place = ", ".join(where)
    return f"{label} [{issue.code}] {place + ': ' if place else ''}{issue.message}"


def section_text(section) -> str:
    """An answer table; a Reason column is listed in full below it (a reason is a sentence
    for a person, too long for a column); totals rows follow."""
    if not section.available:
        return f"({section.note})"
    if "Reason" not in section.columns or not section.rows:
        body = table_text(section.columns, section.rows)
    else:
        at = section.columns.index("Reason")
        shown = section.columns[:at] + section.columns[at + 1:]
        body = table_text(shown, [row[:at] + row[at + 1:] for row in section.rows])
        body += "\n\nWhy:\n" + "\n".join(f"  {n}. {row[at]}" for n, row in enumerate(section.rows, 1) if row[at])
    if section.totals:
        width = max(len(label) for label, _ in section.totals)
        body += "\n" + "\n".join(f"  {label.ljust(width)}  {'' if amount is None else f'{amount:,.2f}'}"
                                   for label, amount in section.totals)
    return body


def result_text(result) -> str:
    """One workbook's check: its problems, or the answers Excel would show."""
    name = Path(result.path).name
    lines = []
    if not result.valid:
        count = len(result.errors)
        lines.append(f"{name}: INVALID — {count} problem{'s' if count != 1 else ''} to fix before the answers can "
                     "be trusted:")
        lines += [f"  {issue_text(i)}" for i in result.errors]
        if result.warnings:
            lines.append("Also:")
            lines += [f"  {issue_text(i)}" for i in result.warnings]
        return "\n".join(lines)
    answers = result.answers
    lines.append(f"{name}: {_STATUS[result.status()]}")
    lines.append(f"Rebalance needed: {'YES' if answers.needs_rebalance else 'no'}")
    lines.append(f"Why: {answers.reason}")
    lines.append(f"Household value: ${answers.household_value:,.0f}   Portfolio drift: "
                 f"{answers.portfolio_drift:.1%}   As of {answers.as_of:%Y-%m-%d}")
    lines += ["", "== Drift ==", table_text(answers.drift.columns, answers.drift.rows)]
    for key, section in answers.sections:
        lines += ["", f"== {_TITLES.get(key, key)} ==", section_text(section)]
    tax = answers.estimated_tax
    if tax is not None:
        lines += ["", f"Estimated tax of the trades: ${tax:,.2f}"]
    if result.warnings:
        lines += ["", "== Warnings =="] + [f"  {issue_text(i)}" for i in result.warnings]
    return "\n".join(lines)


def many_text(results: Sequence, *, details: int = 3) -> str:
    """An advisor's overview: one line per workbook, flags first-class, then each invalid
    workbook's first ``details`` problems, then the totals."""
    header = ("Workbook", "Status", "Drift", "Out of band", "Note")
    rows = []
    for result in results:
        answers = result.answers
        flag = "!! " if result.status() in ("rebalance", "out-of-band", "invalid") else "   "
        note = (result.errors[0].message if result.errors else (answers.reason if answers else ""))
        rows.append((flag + Path(result.path).name, _STATUS[result.status()],
                     f"{answers.portfolio_drift:.1%}" if answers else "-",
                     ", ".join(answers.out_of_band) if answers and answers.out_of_band else "-",
                     note if len(note) <= 70 else note[:69] + "…"))
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(("   " + header[0],) + header[1:], widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in rows]
    invalid = [r for r in results if not r.valid]
    for result in invalid:
        lines += ["", f"{Path(result.path).name}:"]
        lines += [f"  {issue_text(i)}" for i in result.errors[:details]]
        if len(result.errors) > details:
            lines.append(f"  ... and {len(result.errors) - details} more (run `xlrebalance check {result.path}`)")
    statuses = [r.status() for r in results]
    lines += ["", f"{len(results)} workbook{'s' if len(results) != 1 else ''}: {statuses.count('ok')} ok, "
              f"{statuses.count('out-of-band')} out of band (not due), {statuses.count('rebalance')} need a "
              f"rebalance, {statuses.count('invalid')} invalid"]
    return "\n".join(lines)


def progress_text(done: int, total: int, label: str = "", width: int = 30) -> str:
    """'[##########....................]  10/30  client_010.xlsm' (no line ending)."""
    filled = int(width * done / total) if total else width
    label = label if len(label) <= 40 else label[:39] + "…"
    return f"[{'#' * filled}{'.' * (width - filled)}] {done:>{len(str(total))}}/{total}  {label}"
