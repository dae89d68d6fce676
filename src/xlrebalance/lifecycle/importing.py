"""Merge broker records into a workbook's tables (pure: tables in, tables out, no files).

For every account a file covers:
- a positions file (the account's whole holdings) replaces the account's Holdings rows;
  tickers it does not list are closed (their lots removed);
- lots (a lot-detail file, or the lot level of a Flex query) replace the lots of the tickers
  they name, in that account only; the shares must tie out with a positions file for the
  same account, else nothing is written;
- a position without lots keeps the workbook's lots when they tie out; else, in a taxable
  account with a cost basis, it becomes one lot at average cost whose ``Basis`` says so;
- cash replaces the account's ``Cash``.
Tickers new to Securities are added with a blank asset class (an error asks to classify
them); tickers new to Prices get the file's price.  Other accounts are untouched.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Mapping, Optional, Sequence

from ..brokers.records import BrokerFile, LotRecord, Position
from ..core.model import Issue, Severity
from ..errors import InputError
from ..spec import layout, normalize_header
from .accounts import BookAccount, book_accounts, match_files
from .import_report import AccountChange, FileRead, ImportReport, ImportResult, ShareChange
from .table_edit import EditableTable

#: Shares tie out when they agree within this (brokers print 3 or 4 decimals).
TIE_TOL = 0.001
AVERAGE_NOTE = "average cost from a positions file: import the lot details for exact tax"
PRICE_SOURCE = "Import"


@dataclass
class _Incoming:
    """What the files say about one workbook account."""

    positions: dict[str, tuple[Position, BrokerFile]] = field(default_factory=dict)
    positions_from: Optional[BrokerFile] = None
    lots: dict[str, list[LotRecord]] = field(default_factory=lambda: defaultdict(list))
    lots_from: dict[str, BrokerFile] = field(default_factory=dict)
    cash: Optional[float] = None
    cash_from: Optional[BrokerFile] = None
    as_of: Optional[date] = None


def _columns(table: str) -> list[str]:
    return [c.name for c in layout().table(table).columns]


def merge(tables: Mapping[str, Sequence[Sequence[Any]]], files: Sequence[BrokerFile], *,
          account: Optional[str] = None, today: date) -> ImportResult:
    """The workbook's ``tables`` after importing ``files``; ``InputError`` (nothing merged)
    when a file's accounts cannot be matched or its shares do not tie out.  ``today`` dates
    an average-cost lot when the file gives no statement date."""
    accounts = EditableTable(tables.get("Accounts"), _columns("Accounts"))
    known = book_accounts(accounts)
    mapping, problems = match_files(files, known, account)
    incoming = _collect(files, mapping, problems, today)
    _tie_out(incoming, problems)
    if any(p.is_error for p in problems):
        raise InputError(problems)
    holdings = EditableTable(tables.get("Holdings"), _columns("Holdings"))
    lots = EditableTable(tables.get("Lots"), _columns("Lots"))
    types = {a.name: a.type for a in known}
    changes, issues, held_now = [], list(p for p in problems if not p.is_error), {}
    for name, came in incoming.items():
        change, notes, held = _merge_account(name, came, types.get(name, ""), holdings, lots)
        changes.append(change)
        issues.extend(notes)
        held_now.update(held)
    _set_cash(accounts, incoming, changes)
    _check_as_of(tables.get("Settings"), incoming, issues)
    securities = EditableTable(tables.get("Securities"), _columns("Securities"))
    new_tickers = _add_securities(securities, held_now, issues)
    prices = EditableTable(tables.get("Prices"), _columns("Prices"))
    _add_prices(prices, held_now, incoming)
    out = {k: [list(r) for r in v] for k, v in tables.items()}
    out.update(Accounts=accounts.as_rows(), Holdings=holdings.as_rows(), Lots=lots.as_rows(),
               Securities=securities.as_rows(), Prices=prices.as_rows())
    reads = tuple(FileRead(f.path, f.format, tuple(dict.fromkeys(mapping[(i, r)] for r in f.accounts
                                                                 if (i, r) in mapping)), f.notes)
                  for i, f in enumerate(files))
    return ImportResult(out, ImportReport(reads, tuple(changes), new_tickers, tuple(issues)))


def _collect(files: Sequence[BrokerFile], mapping, problems: list[Issue], today: date) -> dict[str, _Incoming]:
    incoming: dict[str, _Incoming] = {}
    for index, parsed in enumerate(files):
        seen_cash: set[str] = set()
        for position in parsed.positions:
            name = mapping.get((index, position.account))
            if name is None:
                continue
            came = incoming.setdefault(name, _Incoming())
            if came.positions_from is not None and came.positions_from is not parsed:
                problems.append(Issue("two_position_files", f"{parsed.path.name} and {came.positions_from.path.name} "
                                      f"both give the positions of {name}: import one of them", parsed.path.name,
                                      position.line, account=name))
                continue
            came.positions_from, came.as_of = parsed, parsed.as_of or today
            if position.shares < 0:
                problems.append(Issue("short_position", f"{position.ticker} in {name} is a short position "
                                      f"({position.shares:g} shares); short positions cannot be imported",
                                      parsed.path.name, position.line, ticker=position.ticker, account=name))
                continue
            if position.ticker in came.positions:       # e.g. Fidelity's Cash and Margin rows of one ticker
                position = _added(came.positions[position.ticker][0], position)
            came.positions[position.ticker] = (position, parsed)
        for lot in parsed.lots:
            name = mapping.get((index, lot.account))
            if name is None:
                continue
            came = incoming.setdefault(name, _Incoming())
            first = came.lots_from.setdefault(lot.ticker, parsed)
            if first is not parsed:
                problems.append(Issue("two_lot_files", f"{parsed.path.name} and {first.path.name} both give the "
                                      f"lots of {lot.ticker} in {name}: import one of them", parsed.path.name,
                                      lot.line, ticker=lot.ticker, account=name))
                continue
            if lot.shares <= 0 or lot.cost_basis < 0:
                problems.append(Issue("bad_lot", f"a {lot.ticker} lot of {name} has {lot.shares:g} shares and "
                                      f"${lot.cost_basis:,.2f} basis; a lot needs shares above 0 and a basis of 0 "
                                      "or more", parsed.path.name, lot.line, ticker=lot.ticker, account=name))
                continue
            came.lots[lot.ticker].append(lot)
        for cash in parsed.cash:
            name = mapping.get((index, cash.account))
            if name is None:
                continue
            came = incoming.setdefault(name, _Incoming())
            if came.cash_from is not None and came.cash_from is not parsed:
                problems.append(Issue("two_cash_files", f"{parsed.path.name} and {came.cash_from.path.name} both "
                                      f"give the cash of {name}: import one of them", parsed.path.name, account=name))
                continue
            came.cash = (came.cash or 0.0) + cash.amount if name in seen_cash else cash.amount
            came.cash_from = parsed
            seen_cash.add(name)
    return incoming


def _added(first: Position, second: Position) -> Position:
    """One ticker on two rows of one account (cash and margin): shares and basis added."""
    basis = None if first.cost_basis is None or second.cost_basis is None else first.cost_basis + second.cost_basis
    return replace(first, shares=first.shares + second.shares, cost_basis=basis, price=first.price or second.price)


def _tie_out(incoming: Mapping[str, _Incoming], problems: list[Issue]) -> None:
    """Shares per account and ticker must agree between a positions file and the lots."""
    for name, came in incoming.items():
        if came.positions_from is None:
            continue
        for ticker, records in came.lots.items():
            in_lots = sum(lot.shares for lot in records)
            position = came.positions.get(ticker)
            held = position[0].shares if position else 0.0
            if abs(in_lots - held) > TIE_TOL:
                lots_file = came.lots_from[ticker].path.name
                problems.append(Issue(
                    "shares_do_not_tie_out",
                    f"{ticker} in {name}: {came.positions_from.path.name} shows {held:,.4g} shares but the lots in "
                    f"{lots_file} add up to {in_lots:,.4g}; download both files again on the same day (nothing "
                    "was imported)", lots_file, records[0].line, ticker=ticker, account=name))


def _merge_account(name: str, came: _Incoming, account_type: str, holdings: EditableTable,
                   lots: EditableTable) -> tuple[AccountChange, list[Issue], dict]:
    """One account: its Holdings and Lots rows after the import, and what changed."""
    before = defaultdict(float)
    for row in holdings.data_rows():
        if holdings.text(row, "Account") == name:
            before[holdings.text(row, "Ticker").upper()] += _number(holdings.get(row, "Shares"))
    lots_by_ticker = defaultdict(list)
    for row in lots.data_rows():
        if lots.text(row, "Account") == name:
            lots_by_ticker[lots.text(row, "Ticker").upper()].append(row)
    if came.positions_from is not None:
        after = {t: p.shares for t, (p, _) in came.positions.items() if p.shares > 0}
    else:
        after = dict(before)
        after.update({t: sum(lot.shares for lot in recs) for t, recs in came.lots.items()})
    replaced, new_lot_rows, averaged, issues = _lots_for_positions(name, came, account_type, after,
                                                                    lots_by_ticker, lots)
    replaced |= set(came.lots)                                          # tickers whose lots the files give
    if came.positions_from is not None:
        replaced |= {t for t in lots_by_ticker if t not in after}      # closed positions
    for ticker, records in came.lots.items():
        for lot in records:
            new_lot_rows.append(lots.new_row(account=name, ticker=ticker, lot_id=lot.lot_id or None,
                                             acquired=lot.acquired, shares=lot.shares,
                                             cost_basis=round(lot.cost_basis, 2)))
    closed = [lots.text(r, "Lot ID") for t in sorted(replaced) for r in lots_by_ticker.get(t, ())]
    drop = {id(r) for t in replaced for r in lots_by_ticker.get(t, ())}
    lots.rows = [r for r in lots.rows if id(r) not in drop]
    _assign_lot_ids(lots, name, new_lot_rows)
    lots.rows.extend(new_lot_rows)
    _replace_holdings(holdings, name, after)
    shares = tuple(ShareChange(t, before.get(t, 0.0), after.get(t, 0.0)) for t in sorted(set(before) | set(after))
                   if abs(before.get(t, 0.0) - after.get(t, 0.0)) > TIE_TOL)
    lots_before = sum(len(rows) for rows in lots_by_ticker.values())
    change = AccountChange(name, shares, lots_before, lots_before - len(closed) + len(new_lot_rows), None, None,
                           tuple(closed), len(new_lot_rows), tuple(averaged))
    prices = {t: p.price for t, (p, _) in came.positions.items() if p.price is not None}
    return change, issues, {t: prices.get(t) for t in after}


def _lots_for_positions(name: str, came: _Incoming, account_type: str, after: Mapping[str, float],
                        lots_by_ticker: Mapping[str, list], lots: EditableTable):
    """Positions the files give without lots: keep the workbook's lots when they tie out;
    else, in a taxable account, one lot at average cost (its ``Basis`` says so).
    Returns (tickers whose old lots go, new lot rows, tickers averaged, issues)."""
    replaced, new_rows, averaged, issues = set(), [], [], []
    taxable = account_type.strip().lower() == "taxable"
    for ticker, shares in after.items():
        if ticker in came.lots or ticker not in came.positions:
            continue
        existing = lots_by_ticker.get(ticker, ())
        if existing and abs(sum(_number(lots.get(r, "Shares")) for r in existing) - shares) <= TIE_TOL:
            continue                          # the workbook's lots still describe the position
        replaced.add(ticker)
        position, source = came.positions[ticker]
        if not taxable:
            continue                          # basis does not matter for tax there
        if position.cost_basis is None:
            issues.append(Issue("no_cost_basis", f"{ticker} in {name}: {source.path.name} gives no cost basis and "
                                "the workbook has no lots adding up to the shares held; they have unknown basis "
                                "until you import the lot details (generic lots CSV)", "Lots", None, None,
                                Severity.WARNING, ticker=ticker, account=name))
            continue
        averaged.append(ticker)
        new_rows.append(lots.new_row(account=name, ticker=ticker, acquired=came.as_of, shares=shares,
                                     cost_basis=round(position.cost_basis, 2), basis=AVERAGE_NOTE))
        issues.append(Issue("average_cost_lot", f"{ticker} in {name}: {source.path.name} gives no lot details, "
                            f"so its {shares:,.4g} shares are one lot at average cost dated {came.as_of} (short "
                            "term until you import the lot details)", "Lots", None, None, Severity.WARNING,
                            ticker=ticker, account=name))
    return replaced, new_rows, averaged, issues


def _replace_holdings(holdings: EditableTable, name: str, after: Mapping[str, float]) -> None:
    """Update the account's rows in place (extra columns kept), drop closed ones, add new ones."""
    placed: set[str] = set()
    kept = []
    for row in holdings.rows:
        if holdings.text(row, "Account") != name:
            kept.append(row)
            continue
        ticker = holdings.text(row, "Ticker").upper()
        if ticker in after and ticker not in placed:
            holdings.set(row, "Shares", after[ticker])
            placed.add(ticker)
            kept.append(row)
    holdings.rows = kept
    for ticker, shares in after.items():
        if ticker not in placed:
            holdings.rows.append(holdings.new_row(account=name, ticker=ticker, shares=shares))


def _assign_lot_ids(lots: EditableTable, name: str, new_rows: list[list[Any]]) -> None:
    """Every new lot gets an ID unique in its account: the file's own, else TICKER-YYYYMMDD."""
    taken = {lots.text(r, "Lot ID") for r in lots.rows if lots.text(r, "Account") == name}
    for row in new_rows:
        acquired = lots.get(row, "Acquired")
        base = lots.text(row, "Lot ID") or f"{lots.text(row, 'Ticker')}-{acquired:%Y%m%d}"
        candidate, suffix = base, 2
        while candidate in taken:
            candidate, suffix = f"{base}-{suffix}", suffix + 1
        taken.add(candidate)
        lots.set(row, "Lot ID", candidate)


def _set_cash(accounts: EditableTable, incoming: Mapping[str, _Incoming], changes: list[AccountChange]) -> None:
    for index, change in enumerate(changes):
        came = incoming[change.account]
        if came.cash is None:
            continue
        for row in accounts.rows:
            if accounts.text(row, "Account") == change.account:
                before = _number(accounts.get(row, "Cash"))
                accounts.set(row, "Cash", round(came.cash, 2))
                changes[index] = AccountChange(**{**change.__dict__, "cash_before": before,
                                                  "cash_after": round(came.cash, 2)})
                break


def _add_securities(securities: EditableTable, held: Mapping[str, Optional[float]], issues: list[Issue]) -> tuple:
    known = {securities.text(r, "Ticker").upper() for r in securities.data_rows()}
    new = tuple(sorted(t for t in held if t not in known))
    for ticker in new:
        securities.rows.append(securities.new_row(ticker=ticker))
        issues.append(Issue("unclassified_ticker", f"{ticker} is new: give it an asset class (one of the Targets' "
                            "classes) in Securities, and a wash group and replacement if you harvest it",
                            "Securities", None, "Asset class", ticker=ticker))
    return new


def _add_prices(prices: EditableTable, held: Mapping[str, Optional[float]], incoming: Mapping[str, _Incoming]) -> None:
    known = {prices.text(r, "Ticker").upper() for r in prices.data_rows()}
    as_of = next((c.as_of for c in incoming.values() if c.as_of), None)
    for ticker in sorted(t for t in held if t not in known):
        price = held[ticker]
        prices.rows.append(prices.new_row(ticker=ticker, price=price, currency="USD", as_of=as_of,
                                          source=PRICE_SOURCE, status="" if price is not None else "MISSING"))


def _check_as_of(settings: Optional[Sequence[Sequence[Any]]], incoming: Mapping[str, _Incoming],
                 issues: list[Issue]) -> None:
    """A Settings 'As of date' before the files' date makes their new lots look like future buys."""
    table = EditableTable(settings, ("Setting", "Value"))
    row = next((r for r in table.data_rows() if normalize_header(table.text(r, "Setting")) == "asofdate"), None)
    as_of = table.get(row, "Value") if row is not None else None
    as_of = as_of.date() if isinstance(as_of, datetime) else as_of
    latest = max((c.as_of for c in incoming.values() if c.as_of), default=None)
    if isinstance(as_of, date) and latest is not None and as_of < latest:
        issues.append(Issue("as_of_before_import", f"Settings 'As of date' is {as_of}, before the files' date "
                            f"{latest}: set it to {latest} or leave it blank (today), else the imported lots "
                            "look like future purchases", "Settings", None, "Value"))


def _number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return float(str(value).replace(",", "").replace("$", ""))
    except (TypeError, ValueError):
        return 0.0
