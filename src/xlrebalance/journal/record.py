"""Record executed fills: match each to a Journal order, apply them all to the tables, or none.

Matching (``match_fills``): a fill naming an Order ID goes to that order; otherwise to an open
order (PROPOSED, APPROVED, PARTIAL) of the same account, ticker and side, from a run dated at
most ``MATCH_DAYS`` days before the fill, with at least the fill's shares still open (the
closest in open shares, then the first Order ID).  A fill whose reference (Broker ref, else
a hash of the fill) is already in the Journal's ``Fill refs`` is a duplicate and changes
nothing.  A fill no order matches is an exception; with ``unplanned`` it is applied and gets
a Journal row of its own (Run ID ``UNPLANNED``).

Applying (``apply_fills``) works on the workbook's tables as 2-D rows (header first), every
column kept:
- SELL: Holdings go down; in an account that keeps lots (taxable ones always; others when
  they have lots) the lots the order named are relieved first, then the account's ``Lot
  method`` picks the rest; each lot relieved is a Transactions Sell row with its Lot ID,
  acquired date and original cost basis (split to the cent), at the price net of the fill's
  fees per share (the amount realized); cash + shares x price - fees.
- BUY: Holdings go up; in an account that keeps lots a Lots row at the fill's date with cost
  basis shares x price + fees, and a Transactions Buy row naming it (in an account that keeps
  no lots, a Buy row alone: wash-sale rules see every purchase); cash - shares x price - fees.
- The pending ``Cash flow`` of every account of a run recorded is settled into its Cash
  (the deposit the plan invested has arrived; the withdrawal has left): Cash becomes
  Cash + Cash flow + sells - buys - fees, rounded to the cent once, and Cash flow 0.  A
  withdrawal larger than the cash there (a sell still open) leaves as far as the cash
  allows; the rest stays pending in Cash flow.
- Journal rows get Filled shares, Fill price (average), Fill date (latest), Fill refs and
  Status FILLED, or PARTIAL while shares are still open.
Anything that cannot be applied (a sale beyond the shares or lots held, cash below zero)
is an exception and no table changes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Mapping, Optional, Sequence

from .. import cells
from ..core.lots import Sale, format_shares, order_lots
from ..core.model import MONEY_TOL, SHARE_TOL, Household, Issue, Lot
from ..tables import parse_household
from .entries import (
    COLUMNS, FILLED, OPEN, PARTIAL, UNPLANNED_RUN, Entry, consistency_issues, read_entries,
)
from .fills import Fill
from .grid import Grid
from .orders import keeps_lots

#: A fill matches an order of a run dated at most this many days before it.
MATCH_DAYS = 7
_LOT_TEXT = re.compile(r"\s*([^,(]+?)\s*\(\s*([0-9.]+)\s*sh\s*\)")


@dataclass(frozen=True)
class Applied:
    """One fill and the order it filled (``status``: FILLED, PARTIAL or UNPLANNED)."""

    fill: Fill
    order_id: str
    status: str
    limit_price: Optional[float] = None

    @property
    def slippage(self) -> Optional[float]:
        """$ per share worse than the limit (+) or better (-): a buy above it, a sell below it."""
        if self.limit_price is None:
            return None
        diff = self.fill.price - self.limit_price
        return round(diff if self.fill.side == "BUY" else -diff, 4)


@dataclass(frozen=True)
class RecordResult:
    tables: dict[str, list[list[Any]]]
    changed: tuple[str, ...] = ()
    applied: tuple[Applied, ...] = ()
    duplicates: tuple[Fill, ...] = ()
    exceptions: tuple[Issue, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.exceptions


def _exception(code: str, message: str, fill: Optional[Fill] = None) -> Issue:
    return Issue(code, (f"{fill.where}: " if fill and fill.where else "") + message, "Fills",
                 fill.line if fill else None, None, ticker=fill.ticker if fill else None,
                 account=fill.account if fill else None)


def record_fills(tables: Mapping[str, Sequence[Sequence[Any]]], fills: Sequence[Fill], *, unplanned: bool = False,
                 today: Optional[date] = None) -> RecordResult:
    """``tables`` (a workbook's, by table name) with ``fills`` applied, or the exceptions."""
    tables = {name: [list(r) for r in rows] for name, rows in tables.items()}
    seen = {name: [[cells.plain(v) for v in row] for row in rows] for name, rows in tables.items()}
    household = parse_household(seen, today=today)
    problems = [i for i in household.issues if i.is_error]
    entries, journal_problems = read_entries(seen.get("Journal"))
    problems += [i for i in journal_problems + consistency_issues(entries) if i.is_error]
    if problems:
        return RecordResult(tables, exceptions=tuple(problems))
    known = {ref for e in entries for ref in e.fill_refs}
    duplicates = tuple(f for f in fills if f.ref in known)
    new = sorted((f for f in fills if f.ref not in known), key=lambda f: (f.date, f.line or 0))
    exceptions = _validate(household, new)
    matched, unmatched = match_fills(entries, [f for f in new if not any(i.row == f.line for i in exceptions)])
    for fill in unmatched:
        if not unplanned:
            exceptions.append(_exception("unplanned_fill", f"no open order in the Journal matches this "
                                         f"{fill.side} of {format_shares(fill.shares)} {fill.ticker} in {fill.account} "
                                         f"on {fill.date:%Y-%m-%d}; record it with --unplanned if it was meant.", fill))
    if exceptions:
        return RecordResult(tables, duplicates=duplicates, exceptions=tuple(exceptions))
    if not new:
        return RecordResult(tables, duplicates=duplicates,
                            notes=("Every fill was already recorded: nothing changed.",) if fills else ())
    return apply_fills(tables, household, entries, matched, unmatched, duplicates)


def _validate(household: Household, fills: Sequence[Fill]) -> list[Issue]:
    accounts = household.account_map()
    held = {(h.account, h.ticker) for h in household.holdings if h.shares > SHARE_TOL}
    as_of = household.settings.as_of
    out = []
    for f in fills:
        if f.account not in accounts:
            out.append(_exception("unknown_account", f"the account {f.account!r} is not in the Accounts table "
                                  f"({', '.join(accounts)}); use its name there.", f))
        elif f.side == "SELL" and (f.account, f.ticker) not in held:
            out.append(_exception("sell_not_held", f"a SELL of {f.ticker}, which {f.account} does not hold.", f))
        if f.date > as_of:
            out.append(_exception("fill_after_as_of", f"the fill is dated {f.date:%Y-%m-%d}, after the workbook's "
                                  f"as-of date {as_of:%Y-%m-%d}; set 'As of date' in Settings to the day you "
                                  "record (or blank for today).", f))
    return out


def match_fills(entries: Sequence[Entry], fills: Sequence[Fill]) -> tuple[list[tuple[Fill, Entry]], list[Fill]]:
    """(fill, order) pairs and the fills no order matches.  Fills are taken in order; an
    order's open shares shrink with each fill it gets."""
    by_id = {e.order_id: e for e in entries}
    filled = {e.order_id: e.filled_shares for e in entries}
    matched, unmatched = [], []
    for fill in fills:
        entry = by_id.get(fill.order_id) if fill.order_id else None
        if fill.order_id and (entry is None or (entry.account, entry.ticker, entry.side) !=
                              (fill.account, fill.ticker, fill.side) or entry.status not in OPEN):
            entry = None
        if entry is None and not fill.order_id:
            entry = _best(entries, fill, filled)
        if entry is None or fill.shares > entry.shares - filled[entry.order_id] + SHARE_TOL:
            unmatched.append(fill)
            continue
        filled[entry.order_id] += fill.shares
        matched.append((fill, entry))
    return matched, unmatched


def _best(entries: Sequence[Entry], fill: Fill, filled: Mapping[str, float]) -> Optional[Entry]:
    candidates = []
    for e in entries:
        if (e.account, e.ticker, e.side) != (fill.account, fill.ticker, fill.side) or e.status not in OPEN:
            continue
        start = e.run_date
        if start is None or not start <= fill.date <= start + timedelta(days=MATCH_DAYS):
            continue
        left = e.shares - filled[e.order_id]
        if fill.shares <= left + SHARE_TOL:
            candidates.append((left - fill.shares, e.order_id, e))
    return min(candidates, key=lambda c: (c[0], c[1]))[2] if candidates else None


# ---------------------------------------------------------------------------------------
# Applying


class _Abort(Exception):
    def __init__(self, issue: Issue):
        self.issue = issue


@dataclass
class _Books:
    household: Household
    holdings: Grid
    lots: Grid
    transactions: Grid
    accounts: Grid
    journal: Grid
    cash_moves: dict[str, float] = field(default_factory=dict)
    positions: dict[tuple[str, str], list[list[Any]]] = field(default_factory=dict)   # Holdings rows
    open_lots: dict[tuple[str, str], list[list[Any]]] = field(default_factory=dict)   # Lots rows
    lot_ids: dict[str, set[str]] = field(default_factory=dict)                          # per account

    def index(self) -> None:
        """Rows by (account, ticker), so each fill touches only its own rows."""
        for grid, into in ((self.holdings, self.positions), (self.lots, self.open_lots)):
            for row in grid.data_rows():
                into.setdefault((_text(grid.get(row, "Account")), _ticker(grid.get(row, "Ticker"))), []).append(row)
        for (account, _), rows in self.open_lots.items():
            self.lot_ids.setdefault(account, set()).update(_text(self.lots.get(r, "Lot ID")) for r in rows)


def _number(value: Any) -> float:
    parsed, _ = cells.parse_number(cells.plain(value))
    return parsed or 0.0


def _text(value: Any) -> str:
    parsed, _ = cells.parse_text(cells.plain(value))
    return parsed or ""


def _ticker(value: Any) -> str:
    parsed, _ = cells.parse_ticker(cells.plain(value))
    return parsed or ""


def apply_fills(tables: dict[str, list[list[Any]]], household: Household, entries: Sequence[Entry],
                matched: Sequence[tuple[Fill, Entry]], unplanned: Sequence[Fill],
                duplicates: Sequence[Fill] = ()) -> RecordResult:
    books = _Books(household, Grid(tables.get("Holdings"), ("Account", "Ticker", "Shares")),
                   Grid(tables.get("Lots"), ("Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis")),
                   Grid(tables.get("Transactions"), ("Date", "Account", "Ticker", "Action", "Shares", "Price",
                                                     "Lot ID", "Acquired", "Cost basis")),
                   Grid(tables.get("Accounts"), ("Account", "Cash", "Cash flow")),
                   Grid(tables.get("Journal"), [c for c, _ in COLUMNS]))
    books.index()
    work = [(f, e) for f, e in matched] + [(f, None) for f in unplanned]
    work.sort(key=lambda pair: (pair[0].date, pair[0].side != "SELL", pair[0].line or 0))
    try:
        for fill, entry in work:
            named = _named_lots(entry.lots) if entry is not None else []
            (_sell if fill.side == "SELL" else _buy)(books, fill, named)
        runs = {e.run_id for _, e in matched}
        settle = {e.account for e in entries if e.run_id in runs}
        _settle_cash(books, settle)
    except _Abort as stop:
        return RecordResult(tables, duplicates=tuple(duplicates), exceptions=(stop.issue,))
    applied = _update_journal(books.journal, entries, matched, unplanned)
    out = dict(tables)
    for name, grid in (("Holdings", books.holdings), ("Lots", books.lots), ("Transactions", books.transactions),
                       ("Accounts", books.accounts), ("Journal", books.journal)):
        out[name] = grid.table()
    changed = tuple(n for n in ("Holdings", "Lots", "Transactions", "Accounts", "Journal")
                    if out[n] != [list(r) for r in tables.get(n) or []])
    return RecordResult(out, changed, tuple(applied), tuple(duplicates))


def _named_lots(text: str) -> list[tuple[str, float]]:
    """'L1 (12 sh), L3 (4 sh)' -> [('L1', 12.0), ('L3', 4.0)]."""
    return [(m.group(1).strip(), float(m.group(2))) for m in _LOT_TEXT.finditer(text or "")]


def _move_holding(books: _Books, fill: Fill, delta: float) -> None:
    grid = books.holdings
    key = (fill.account, fill.ticker)
    rows = books.positions.get(key, [])
    have = sum(_number(grid.get(r, "Shares")) for r in rows)
    if have + delta < -SHARE_TOL:
        raise _Abort(_exception("sell_not_held", f"sells {format_shares(fill.shares)} {fill.ticker} but "
                                f"{fill.account} holds {format_shares(have)} (after the fills before it).", fill))
    if not rows:
        books.positions[key] = [grid.append({"Account": fill.account, "Ticker": fill.ticker, "Shares": delta})]
        return
    left = round(have + delta, 6)
    first = rows[0]
    for extra in rows[1:]:      # merged onto one row, as the parser adds them
        grid.remove(extra)
    if left <= SHARE_TOL:
        grid.remove(first)
        books.positions[key] = []
    else:
        grid.set(first, "Shares", left)
        books.positions[key] = [first]


def _lot_of(grid: Grid, row: list[Any]) -> Lot:
    acquired, _ = cells.parse_date(cells.plain(grid.get(row, "Acquired")))
    return Lot(_text(grid.get(row, "Account")), _ticker(grid.get(row, "Ticker")), _text(grid.get(row, "Lot ID")),
               acquired or date.min, _number(grid.get(row, "Shares")), _number(grid.get(row, "Cost basis")))


def _sell(books: _Books, fill: Fill, named: Sequence[tuple[str, float]]) -> None:
    _move_holding(books, fill, -fill.shares)
    books.cash_moves[fill.account] = books.cash_moves.get(fill.account, 0.0) + fill.gross - fill.fees
    if not keeps_lots(books.household, fill.account):
        return
    grid = books.lots
    rows = books.open_lots.get((fill.account, fill.ticker), [])
    by_id = {_text(grid.get(r, "Lot ID")): r for r in rows}
    plan = [by_id[lot_id] for lot_id, _ in named if lot_id in by_id]
    settings = books.household.settings
    sale = Sale(fill.price, fill.date, settings.short_term_rate, settings.long_term_rate,
                tuple(settings.spec_id_lots), settings.lt_soon_days)
    lots = {id(r): _lot_of(grid, r) for r in rows}
    rest = {id(lots[id(r)]): r for r in rows if not any(r is p for p in plan)}
    by_method = order_lots([lots[id(r)] for r in rest.values()], settings.lot_method, sale)
    ordered = plan + [rest[id(lot)] for lot in by_method]
    left = fill.shares
    net_price = (fill.gross - fill.fees) / fill.shares
    for row in ordered:
        if left <= SHARE_TOL:
            break
        lot = lots[id(row)]
        take = min(lot.shares, left)
        if take <= SHARE_TOL:
            continue
        relieved = lot.cost_basis if take >= lot.shares - SHARE_TOL else round(lot.cost_basis * take / lot.shares, 2)
        if take >= lot.shares - SHARE_TOL:
            grid.remove(row)
            books.open_lots[(fill.account, fill.ticker)] = [r for r in books.open_lots[(fill.account, fill.ticker)]
                                                            if r is not row]
        else:
            grid.set(row, "Shares", round(lot.shares - take, 6))
            grid.set(row, "Cost basis", round(lot.cost_basis - relieved, 2))
        books.transactions.append({"Date": fill.date, "Account": fill.account, "Ticker": fill.ticker,
                                   "Action": "Sell", "Shares": take, "Price": round(net_price, 6),
                                   "Lot ID": lot.lot_id, "Acquired": lot.acquired, "Cost basis": relieved})
        left -= take
    if left > SHARE_TOL:
        raise _Abort(_exception("lots_short", f"sells {format_shares(fill.shares)} {fill.ticker} in {fill.account}, "
                                f"but its lots hold {format_shares(fill.shares - left)}; add the missing lots to "
                                "the Lots table first.", fill))


def _buy(books: _Books, fill: Fill, named: Sequence[tuple[str, float]]) -> None:
    _move_holding(books, fill, fill.shares)
    books.cash_moves[fill.account] = books.cash_moves.get(fill.account, 0.0) - fill.gross - fill.fees
    lot_id = None
    if keeps_lots(books.household, fill.account):
        taken = books.lot_ids.setdefault(fill.account, set())
        base = f"{fill.ticker}-{fill.date:%Y%m%d}"
        lot_id, n = base, 1
        while lot_id in taken:
            n += 1
            lot_id = f"{base}-{n}"
        taken.add(lot_id)
        row = books.lots.append({"Account": fill.account, "Ticker": fill.ticker, "Lot ID": lot_id,
                                 "Acquired": fill.date, "Shares": fill.shares,
                                 "Cost basis": round(fill.gross + fill.fees, 2)})
        books.open_lots.setdefault((fill.account, fill.ticker), []).append(row)
    books.transactions.append({"Date": fill.date, "Account": fill.account, "Ticker": fill.ticker, "Action": "Buy",
                               "Shares": fill.shares, "Price": fill.price, "Lot ID": lot_id})


def _settle_cash(books: _Books, settle: set[str]) -> None:
    grid = books.accounts
    for row in grid.data_rows():
        name = _text(grid.get(row, "Account"))
        if name not in books.cash_moves and name not in settle:
            continue
        flow = _number(grid.get(row, "Cash flow")) if name in settle else 0.0
        cash = _number(grid.get(row, "Cash")) + books.cash_moves.get(name, 0.0) + max(flow, 0.0)
        if cash < -MONEY_TOL:
            raise _Abort(_exception("cash_negative", f"after these fills {name} would hold ${cash:,.2f} of cash; "
                                    "check the fills' prices and fees, or enter the deposit that paid for them "
                                    "in Accounts first."))
        paid = min(-flow, max(cash, 0.0)) if flow < 0 else 0.0     # a withdrawal leaves as far as cash allows
        grid.set(row, "Cash", max(round(cash - paid, 2), 0.0))
        if name in settle:
            grid.set(row, "Cash flow", round(flow + paid, 2) if flow < 0 else 0.0)


def _update_journal(grid: Grid, entries: Sequence[Entry], matched: Sequence[tuple[Fill, Entry]],
                    unplanned: Sequence[Fill]) -> list[Applied]:
    state = {e.order_id: e for e in entries}
    applied = []
    for fill, entry in matched:
        e = state[entry.order_id]
        shares = e.filled_shares + fill.shares
        price = ((e.fill_price or 0.0) * e.filled_shares + fill.price * fill.shares) / shares
        status = FILLED if shares >= e.shares - SHARE_TOL else PARTIAL
        state[e.order_id] = replace(e, filled_shares=round(shares, 6), fill_price=round(price, 4),
                                    fill_date=max(fill.date, e.fill_date or fill.date), status=status,
                                    fill_refs=e.fill_refs + (fill.ref,))
        applied.append(Applied(fill, e.order_id, status, e.limit_price))
    rows = {_text(grid.get(r, "Order ID")): r for r in grid.data_rows()}
    for order_id in dict.fromkeys(e.order_id for _, e in matched):
        values = state[order_id].values()
        for column in ("Status", "Filled shares", "Fill price", "Fill date", "Fill refs"):
            grid.set(rows[order_id], column, values[column])
    for fill in unplanned:
        entry = Entry(run_id=UNPLANNED_RUN, order_id="U-" + fill.ref.removeprefix("F-"), status=FILLED,
                      run_time=f"{fill.date:%Y-%m-%d}", account=fill.account, ticker=fill.ticker, side=fill.side,
                      shares=fill.shares, reason="A trade no plan proposed, recorded with --unplanned.",
                      filled_shares=fill.shares, fill_price=fill.price, fill_date=fill.date, fill_refs=(fill.ref,))
        grid.append(entry.values())
        applied.append(Applied(fill, entry.order_id, "UNPLANNED"))
    return applied
