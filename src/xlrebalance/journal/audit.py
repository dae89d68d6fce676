"""The Journal read back for an advisor: each run with its rationale, approvals, overrides
(with their notes) and fills against the proposal (shares, price slippage)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Optional, Sequence

from ..core.lots import format_shares
from ..core.model import SHARE_TOL
from .entries import APPROVED, HELD, OVERRIDE_FLAGS, REJECTED, Entry


@dataclass(frozen=True)
class Run:
    run_id: str
    run_time: str
    inputs_hash: str
    entries: tuple[Entry, ...]

    @property
    def last_day(self) -> Optional[date]:
        days = [d for d in [self.entries[0].run_date] + [e.fill_date for e in self.entries] if d]
        return max(days) if days else None


def runs(entries: Sequence[Entry], since: Optional[date] = None) -> list[Run]:
    """The Journal's runs in order of first appearance; with ``since``, those with a run date
    or a fill on or after it."""
    grouped: dict[str, list[Entry]] = {}
    for e in entries:
        grouped.setdefault(e.run_id, []).append(e)
    out = [Run(k, v[0].run_time, v[0].inputs_hash, tuple(v)) for k, v in grouped.items()]
    if since is not None:
        out = [r for r in out if r.last_day is not None and r.last_day >= since]
    return out


def slippage(entry: Entry) -> Optional[float]:
    """$ per share the fill was worse (+) or better (-) than the limit price."""
    if entry.fill_price is None or entry.limit_price is None:
        return None
    diff = entry.fill_price - entry.limit_price
    return round(diff if entry.side == "BUY" else -diff, 4)


def override(entry: Entry) -> str:
    """Why the entry left the plan, if it did: HELD/REJECTED, or approved over a flag."""
    flags = [f for f in OVERRIDE_FLAGS if f in entry.flags.upper()]
    if entry.status in (HELD, REJECTED):
        return entry.status
    if flags and entry.status != "PROPOSED":
        return f"approved over {flags[0]}"
    return ""


def entry_record(e: Entry) -> dict[str, Any]:
    slip = slippage(e)
    return {"order_id": e.order_id, "account": e.account, "ticker": e.ticker, "side": e.side, "shares": e.shares,
            "limit_price": e.limit_price, "lots": e.lots, "est_tax": e.est_tax, "flags": e.flags,
            "reason": e.reason, "status": e.status, "approved_by": e.approved_by, "note": e.note,
            "override": override(e), "filled_shares": e.filled_shares, "fill_price": e.fill_price,
            "fill_date": e.fill_date.isoformat() if e.fill_date else None,
            "open_shares": round(e.open_shares, 6), "slippage_per_share": slip,
            "slippage": round(slip * e.filled_shares, 2) if slip is not None else None}


def journal_document(selected: Sequence[Run]) -> dict[str, Any]:
    return {"runs": [{"run_id": r.run_id, "run_time": r.run_time, "inputs_hash": r.inputs_hash,
                      "orders": [entry_record(e) for e in r.entries]} for r in selected]}


def fill_text(e: Entry) -> str:
    if e.filled_shares <= SHARE_TOL:
        return "not filled"
    slip = slippage(e)
    part = f"{format_shares(e.filled_shares)} of {format_shares(e.shares)} sh at ${e.fill_price:,.2f}"
    if e.fill_date:
        part += f" on {e.fill_date:%Y-%m-%d}"
    if slip is not None:
        word = "worse" if slip > 0 else "better" if slip < 0 else "at"
        part += (f" (at the limit ${e.limit_price:,.2f})" if word == "at" else
                 f" (${abs(slip):,.2f}/sh {word} than the limit ${e.limit_price:,.2f}, "
                 f"${abs(slip) * e.filled_shares:,.2f} in all)")
    return part


def journal_text(selected: Sequence[Run]) -> str:
    if not selected:
        return "The Journal has no runs (in that period)."
    lines = []
    for r in selected:
        lines.append(f"Run {r.run_id}  {r.run_time}  inputs {r.inputs_hash or '-'}")
        for e in r.entries:
            who = f" by {e.approved_by}" if e.approved_by else ""
            lines.append(f"  {e.order_id}  {e.side} {format_shares(e.shares)} {e.ticker} in {e.account}"
                         + (f" (limit ${e.limit_price:,.2f})" if e.limit_price else "") + f": {e.status}{who}")
            if e.reason:
                lines.append(f"      why: {e.reason}")
            if e.lots:
                lines.append(f"      lots: {e.lots}")
            if e.flags:
                lines.append(f"      flags: {e.flags}")
            gone = override(e)
            if gone or e.note:
                lines.append(f"      {('override: ' + gone + '; ') if gone else ''}note: {e.note or '(none)'}")
            lines.append(f"      fill: {fill_text(e)}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def report_rows(selected: Sequence[Run]) -> tuple[tuple[str, ...], list[tuple]]:
    """Columns and rows of the HTML report's "Trades since the last report" section."""
    columns = ("Run", "Order ID", "Account", "Side", "Ticker", "Shares", "Limit price", "Status", "Approved by",
               "Filled shares", "Fill price", "Fill date", "Slippage", "Note")
    rows = []
    for r in selected:
        for e in r.entries:
            slip = slippage(e)
            rows.append((r.run_id, e.order_id, e.account, e.side, e.ticker, e.shares, e.limit_price, e.status,
                         e.approved_by, e.filled_shares or None, e.fill_price, e.fill_date,
                         round(slip * e.filled_shares, 2) if slip is not None and e.filled_shares else None,
                         e.note))
    return columns, rows
