"""The Journal table's rows as ``Entry`` values; appending a run; the consistency checks.

Statuses: PROPOSED (written by ``orders --journal``), APPROVED (the Approve plan button or
by hand), HELD / REJECTED (by hand, with a Note), PARTIAL / FILLED (by ``record``),
CANCELLED (by hand).  Rows are appended, never rewritten, except Status, Approved by, Note
and the fill columns.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Iterable, Optional, Sequence

from .. import cells
from ..core.model import SHARE_TOL, Issue, Severity
from ..tables import read_table
from .grid import Grid

TABLE = "Journal"
PROPOSED, APPROVED, HELD, REJECTED = "PROPOSED", "APPROVED", "HELD", "REJECTED"
FILLED, PARTIAL, CANCELLED = "FILLED", "PARTIAL", "CANCELLED"
#: Orders still waiting for (more) fills.
OPEN = (PROPOSED, APPROVED, PARTIAL)
#: Flags an approval overrides only with a Note saying why.
OVERRIDE_FLAGS = ("WASH SALE", "WASH RISK", "BLOCKS HARVEST")
#: Run ID of fills recorded with ``--unplanned`` (no plan proposed them).
UNPLANNED_RUN = "UNPLANNED"

#: (column, Entry field) in the registry's order.
COLUMNS = (
    ("Run ID", "run_id"), ("Run time", "run_time"), ("Inputs hash", "inputs_hash"), ("Order ID", "order_id"),
    ("Account", "account"), ("Ticker", "ticker"), ("Side", "side"), ("Shares", "shares"),
    ("Limit price", "limit_price"), ("Lots", "lots"), ("Est. ST gain", "est_st_gain"),
    ("Est. LT gain", "est_lt_gain"), ("Est. tax", "est_tax"), ("Flags", "flags"), ("Reason", "reason"),
    ("Status", "status"), ("Approved by", "approved_by"), ("Note", "note"), ("Filled shares", "filled_shares"),
    ("Fill price", "fill_price"), ("Fill date", "fill_date"), ("Fill refs", "fill_refs"),
)
#: The columns a status change or a fill may rewrite.
MUTABLE = ("Status", "Approved by", "Note", "Filled shares", "Fill price", "Fill date", "Fill refs")


@dataclass(frozen=True)
class Entry:
    """One Journal row.  Shares in shares, money in $, dates as ``date``."""

    run_id: str
    order_id: str
    status: str
    run_time: str = ""
    inputs_hash: str = ""
    account: str = ""
    ticker: str = ""
    side: str = ""
    shares: float = 0.0
    limit_price: Optional[float] = None
    lots: str = ""
    est_st_gain: float = 0.0
    est_lt_gain: float = 0.0
    est_tax: float = 0.0
    flags: str = ""
    reason: str = ""
    approved_by: str = ""
    note: str = ""
    filled_shares: float = 0.0
    fill_price: Optional[float] = None
    fill_date: Optional[date] = None
    fill_refs: tuple[str, ...] = ()
    row: Optional[int] = None

    @property
    def open_shares(self) -> float:
        return max(0.0, self.shares - self.filled_shares)

    @property
    def run_date(self) -> Optional[date]:
        """The as-of date in the Run ID ('R20261120-...'), else the run time's date."""
        for text in (self.run_id[1:9], self.run_time[:10].replace("-", "")):
            try:
                return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
            except (ValueError, IndexError):
                continue
        return None

    def values(self) -> dict[str, Any]:
        """Column -> cell value, as written to the workbook."""
        out = {}
        for column, name in COLUMNS:
            value = getattr(self, name)
            if name == "fill_refs":
                value = ", ".join(value)
            elif name in ("filled_shares",) and not value and self.status not in (FILLED, PARTIAL):
                value = None
            out[column] = None if value == "" else value
        return out


def read_entries(rows: Optional[Sequence[Sequence[Any]]], header_row: int = 1) -> tuple[list[Entry], list[Issue]]:
    """The Journal table (2-D rows, header first; None or empty = no journal yet)."""
    if not rows or all(v in (None, "") for v in rows[0]):
        return [], []
    table = read_table(TABLE, rows, header_row)
    if table.issues:
        return [], list(table.issues)
    columns = {}
    for column, name in COLUMNS:
        spec = table.spec.column(column)
        choose = (lambda raw, c=spec.choices: cells.parse_choice(raw, c)) if spec.type == "choice" else None
        columns[name] = table.column(column, choose)
    entries = []
    for index, sheet_row in enumerate(table.rows):
        values = {name: columns[name][index] for name in columns}
        if values["order_id"] is None or values["run_id"] is None or values["status"] is None:
            continue
        refs = tuple(r.strip() for r in (values.pop("fill_refs") or "").split(",") if r.strip())
        for name in ("shares", "est_st_gain", "est_lt_gain", "est_tax", "filled_shares"):
            values[name] = values[name] or 0.0
        for name in ("run_time", "inputs_hash", "account", "ticker", "side", "lots", "flags", "reason",
                     "approved_by", "note"):
            values[name] = "" if values[name] is None else str(values[name])
        values["side"] = values["side"].upper()
        entries.append(Entry(**values, fill_refs=refs, row=sheet_row))
    return entries, list(table.issues)


def consistency_issues(entries: Iterable[Entry]) -> list[Issue]:
    """What a hand edit can leave wrong: fills without their columns, a status that does not
    match the shares filled, a status change away from the plan without a Note, an Order ID twice."""
    issues: list[Issue] = []
    seen: set[str] = set()

    def problem(code: str, message: str, entry: Entry, column: str, severity=Severity.ERROR) -> None:
        issues.append(Issue(code, message, TABLE, entry.row, column, severity, ticker=entry.ticker or None,
                            account=entry.account or None))

    for e in entries:
        if e.order_id in seen:
            problem("journal_duplicate_order", f"Order ID {e.order_id} appears twice; each order has one row "
                    "(delete the copy).", e, "Order ID")
        seen.add(e.order_id)
        if e.status in (FILLED, PARTIAL):
            missing = [c for c, v in (("Filled shares", e.filled_shares > SHARE_TOL), ("Fill price", e.fill_price),
                                      ("Fill date", e.fill_date)) if not v]
            if missing:
                problem("journal_fill_missing", f"Order {e.order_id} is {e.status} but has no "
                        f"{', '.join(missing)}; fill them in from the broker's confirmation, or set the Status "
                        "back to APPROVED and record the fills with Record fills.", e, missing[0])
            elif e.status == FILLED and e.filled_shares < e.shares - SHARE_TOL:
                problem("journal_fill_short", f"Order {e.order_id} is FILLED with {e.filled_shares:g} of its "
                        f"{e.shares:g} shares; set the Status to PARTIAL (the rest is still open) or CANCELLED.",
                        e, "Status")
        elif e.filled_shares > SHARE_TOL:
            problem("journal_status_mismatch", f"Order {e.order_id} has {e.filled_shares:g} shares filled but its "
                    f"Status is {e.status}; set it to PARTIAL or FILLED.", e, "Status")
        if e.status in (HELD, REJECTED) and not e.note.strip():
            problem("journal_note_missing", f"Order {e.order_id} is {e.status}: say why in the Note column "
                    "(a change away from the plan is part of the audit trail).", e, "Note", Severity.WARNING)
        overridden = [f for f in OVERRIDE_FLAGS if f in e.flags.upper()]
        if e.status in (APPROVED, PARTIAL, FILLED) and overridden and not e.note.strip() and e.run_id != UNPLANNED_RUN:
            problem("journal_note_missing", f"Order {e.order_id} was approved over its {overridden[0]} flag: say "
                    "why in the Note column.", e, "Note", Severity.WARNING)
    return issues


def journal_issues(rows: Optional[Sequence[Sequence[Any]]], header_row: int = 1) -> list[Issue]:
    """Every problem of a workbook's Journal table (for ``check``)."""
    entries, issues = read_entries(rows, header_row)
    return issues + consistency_issues(entries)


def append_run(rows: Optional[Sequence[Sequence[Any]]], run: Sequence[Entry], *,
               approve_as: Optional[str] = None) -> tuple[list[list[Any]], int, int]:
    """The Journal with ``run`` appended: (table, rows added, rows approved).

    An Order ID already in the Journal is not added again.  With ``approve_as`` (a user
    name), the run's entries are APPROVED by that user, and rows of the run still PROPOSED
    become APPROVED in place (only their Status and Approved by change).
    """
    grid = Grid(rows or [[c for c, _ in COLUMNS]], [c for c, _ in COLUMNS])
    by_id = {str(grid.get(r, "Order ID")): r for r in grid.data_rows() if grid.get(r, "Order ID")}
    added = approved = 0
    for entry in run:
        row = by_id.get(entry.order_id)
        if row is None:
            if approve_as is not None:
                entry = replace(entry, status=APPROVED, approved_by=approve_as)
            grid.append(entry.values())
            added += 1
        elif approve_as is not None and str(grid.get(row, "Status") or "").strip().upper() == PROPOSED:
            grid.set(row, "Status", APPROVED)
            grid.set(row, "Approved by", approve_as)
            approved += 1
    return grid.table(), added, approved
