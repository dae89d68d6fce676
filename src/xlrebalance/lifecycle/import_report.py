"""What an import changes, per account: the preview ``import`` prints before writing."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ..core.model import Issue


@dataclass(frozen=True)
class ShareChange:
    ticker: str
    before: float          # shares
    after: float


@dataclass(frozen=True)
class AccountChange:
    """One account's before -> after."""

    account: str
    shares: tuple[ShareChange, ...]            # tickers whose shares change (0 = not held)
    lots_before: int
    lots_after: int
    cash_before: Optional[float]                # $; None when the files give no cash
    cash_after: Optional[float]
    lots_closed: tuple[str, ...]                # lot IDs the import removes
    lots_added: int
    average_lots: tuple[str, ...]               # tickers given one average-cost lot (Basis note)


@dataclass(frozen=True)
class FileRead:
    path: Path
    format: str
    accounts: tuple[str, ...]                   # the workbook accounts its rows went to
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ImportReport:
    files: tuple[FileRead, ...]
    changes: tuple[AccountChange, ...]
    new_tickers: tuple[str, ...]
    issues: tuple[Issue, ...]                   # left for the user in the new workbook
    not_carried: tuple[str, ...] = ()           # cells of BOOK the new workbook will not have

    def text(self) -> str:
        return report_text(self)


@dataclass(frozen=True)
class ImportResult:
    """The workbook's tables after the import ({table: rows, header first}) and the report."""

    tables: dict[str, list[list[Any]]]
    report: ImportReport
    xlwings_conf: dict[str, Any] = field(default_factory=dict)   # BOOK's, carried into NEW


def _shares(value: float) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def _money(value: Optional[float]) -> str:
    return "(not given)" if value is None else f"${value:,.2f}"


def report_text(report: ImportReport) -> str:
    lines = []
    for read in report.files:
        lines.append(f"{read.path.name}: {read.format} -> {', '.join(read.accounts) or '(no rows)'}")
        lines.extend(f"  note: {note}" for note in read.notes)
    for change in report.changes:
        lines.append("")
        lines.append(f"== {change.account} ==")
        if change.shares:
            for item in change.shares:
                label = " (new position)" if item.before == 0 else " (closed)" if item.after == 0 else ""
                lines.append(f"  {item.ticker:<8} shares {_shares(item.before)} -> {_shares(item.after)}{label}")
        else:
            lines.append("  shares unchanged")
        lines.append(f"  lots     {change.lots_before} -> {change.lots_after}"
                     f" ({change.lots_added} added, {len(change.lots_closed)} closed)")
        if change.lots_closed:
            lines.append(f"  lots closed: {', '.join(change.lots_closed)}")
        if change.average_lots:
            lines.append(f"  average-cost lots (no lot details in the files): {', '.join(change.average_lots)}")
        if change.cash_after is not None:
            lines.append(f"  cash     {_money(change.cash_before)} -> {_money(change.cash_after)}")
    if report.new_tickers:
        lines.append("")
        lines.append(f"New tickers (added to Securities, asset class blank): {', '.join(report.new_tickers)}")
    if report.not_carried:
        lines.append("")
        lines.append("Cells of the workbook the new one will not have:")
        lines.extend(f"  {cell}" for cell in report.not_carried)
    if report.issues:
        lines.append("")
        lines.append("To do in the new workbook:")
        lines.extend(f"  {issue}" for issue in report.issues)
    return "\n".join(lines)
