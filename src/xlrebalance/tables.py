"""Sheet tables -> a typed ``Household`` plus every problem found, as ``Issue`` values.

Input per table: a 2-D list with the header row first (what xlwings hands a UDF for
``Table[#All]``, what the reader returns) or a pandas DataFrame.  Headers match the
registry case- and space-insensitively; extra columns are ignored; blank rows skipped.
Nothing here raises on bad data: the caller decides what an error blocks.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Callable, Mapping, Optional, Sequence

from . import cells
from .core.model import (
    Account, AccountType, AssetClassTarget, Holding, Household, Issue, Lot, Price,
    Security, Severity, Transaction,
)
from .core.model import Action
from .settings import parse_settings
from .spec import TableSpec, layout, normalize_header
from .core.heap import build, collector_paused
from .core.staleness import price_issues
from .validate import cross_check

TableInput = Any  # list[list] | tuple | pandas.DataFrame | None

ACCOUNT_TYPE_ALIASES = {
    "brokerage": "Taxable", "individual": "Taxable", "joint": "Taxable", "trust": "Taxable",
    "ira": "Traditional", "traditional ira": "Traditional", "rollover ira": "Traditional",
    "sep ira": "Traditional", "simple ira": "Traditional", "401k": "Traditional",
    "401(k)": "Traditional", "403b": "Traditional", "403(b)": "Traditional", "457": "Traditional",
    "457(b)": "Traditional", "tsp": "Traditional", "tax-deferred": "Traditional",
    "roth ira": "Roth", "roth 401k": "Roth", "roth 401(k)": "Roth",
    "health savings": "HSA", "health savings account": "HSA",
}
_EMPLOYER_PLAN_WORDS = ("401", "403", "457", "tsp")
ACTION_ALIASES = {
    "bought": "Buy", "purchase": "Buy", "sold": "Sell", "drip": "Reinvest",
    "reinvestment": "Reinvest", "dividend reinvestment": "Reinvest", "reinvest dividend": "Reinvest",
}


@dataclass
class TableRows:
    """One table's non-blank data rows, kept column by column (raw values), with sheet rows."""

    spec: TableSpec
    rows: list[int]                                   # sheet row number of each kept row
    raw: dict[str, list[Any]]                         # column key -> raw values, one per kept row
    present: bool
    issues: list[Issue] = field(default_factory=list)

    def problem(self, code: str, message: str, row: Optional[int] = None, column: Optional[str] = None,
                severity: Severity = Severity.ERROR, **who: Any) -> None:
        self.issues.append(Issue(code, message, self.spec.name, row, column, severity, **who))

    def raw_column(self, column: str) -> list[Any]:
        return self.raw.get(self.spec.column(column).key) or [None] * len(self.rows)

    def column(self, column: str, parse: Optional[Callable] = None) -> list[Any]:
        """The typed values of ``column``; a cell's problem becomes an Issue and its value None."""
        col = self.spec.column(column)
        raws = self.raw_column(column)
        if parse is None:
            values, problems = cells.parse_column(col.type, raws)
        else:
            parsed = [parse(raw) for raw in raws]
            values = [value for value, _ in parsed]
            problems = [(i, problem) for i, (_, problem) in enumerate(parsed) if problem]
        for index, problem in problems:
            self.problem(getattr(problem, "code", "bad_value"), f"{problem}.", self.rows[index], col.name)
        if col.required and None in values:
            bad = {i for i, _ in problems}
            for index, value in enumerate(values):
                if value is None and index not in bad:
                    self.problem("blank_cell", f"'{col.name}' is blank; fill it in or delete the row.",
                                 self.rows[index], col.name)
        return values


def to_rows(data: TableInput) -> list[list]:
    """A DataFrame or a 2-D list -> a 2-D list with the header first."""
    if data is None:
        return []
    if hasattr(data, "columns") and hasattr(data, "itertuples"):
        frame = data.astype(object).where(data.notna(), None)
        return [list(frame.columns)] + [list(r) for r in frame.itertuples(index=False, name=None)]
    if type(data) is list and all(type(r) is list for r in data):
        return data  # already the shape xlwings hands over; read, never modified
    return [list(r) if isinstance(r, (list, tuple)) else [r] for r in data]


def read_table(name: str, data: TableInput, header_row: int = 1) -> TableRows:
    """Locate the registry's columns in ``data`` and keep the non-blank rows."""
    spec = layout().table(name)
    rows = to_rows(data)
    if not rows or cells.blank_row(rows[0]):
        table = TableRows(spec, [], {}, present=data is not None)
        if data is not None and spec.required:
            table.problem("empty_table", f"The {name} table has no header row; it needs the columns "
                          f"{', '.join(c.name for c in spec.columns if c.required)}.", header_row)
        return table
    header = [normalize_header(h) if not cells.is_blank(h) else "" for h in rows[0]]
    wanted = {c.key for c in spec.columns}
    index: dict[str, int] = {}
    for i, key in enumerate(header):
        if key in wanted and key not in index:
            index[key] = i
    table = TableRows(spec, [], {}, present=True)
    for col in spec.columns:
        if col.required and col.key not in index:
            found = ", ".join(str(h) for h in rows[0] if not cells.is_blank(h))
            table.problem("missing_column", f"The {name} table has no '{col.name}' column; add it "
                          f"(headers found: {found}).", header_row, col.name)
    if table.issues:
        return table
    body = rows[1:]
    width = len(header)
    if any(len(row) != width for row in body):
        body = [list(row[:width]) + [None] * (width - len(row)) for row in body]
    columns = list(zip(*body)) if body else [()] * width
    picked = {key: columns[i] for key, i in index.items()}
    # A blank row is blank in every column: each column is looked at only in the rows still
    # blank in the columns before it (usually none after the first).
    blank: set[int] = set()
    for n, values in enumerate(picked.values()):
        blank = cells.blank_indexes(values, among=None if n == 0 else blank)
        if not blank:
            break
    if blank:  # blank rows are skipped, but keep their place in the sheet's row numbers
        keep = [i for i in range(len(body)) if i not in blank]
        table.rows = [header_row + 1 + i for i in keep]
        table.raw = {key: [values[i] for i in keep] for key, values in picked.items()}
    else:
        table.rows = list(range(header_row + 1, header_row + 1 + len(body)))
        table.raw = {key: list(values) for key, values in picked.items()}
    return table


# ---------------------------------------------------------------------------------------
# One builder per table: TableRows -> tuple of domain values (problems go to table.issues).

def _accounts(t: TableRows) -> tuple[Account, ...]:
    choices = t.spec.column("Type").choices
    parsed_types = [cells.parse_text(raw) for raw in t.raw_column("Type")]
    names, owners = t.column("Account"), t.column("Owner")
    cash, flows = t.column("Cash"), t.column("Cash flow")
    out, seen = [], set()
    for r, name, (typed, problem), owner, cash_now, flow in zip(t.rows, names, parsed_types, owners, cash, flows):
        kind, _ = cells.parse_choice(typed, choices, ACCOUNT_TYPE_ALIASES)
        if problem:   # an error value shown in the cell
            t.problem(getattr(problem, "code", "bad_value"), f"{problem}.", r, "Type", account=name)
        elif typed is None:
            t.problem("blank_cell", "'Type' is blank; choose " + ", ".join(choices) + ".", r, "Type", account=name)
        elif kind is None:
            t.problem("unknown_account_type", f"Account type {typed!r} is unknown; use one of "
                      f"{', '.join(choices)} (a 401k or 403b counts as Traditional).", r, "Type", account=name)
        if name is None or kind is None:
            continue
        if name in seen:
            t.problem("duplicate_account", f"Account {name!r} is listed twice; keep one row.", r, "Account",
                      account=name)
            continue
        seen.add(name)
        cash_now = cash_now or 0.0
        if cash_now < 0:
            t.problem("negative_cash", f"Cash in {name!r} is negative ({cash_now:,.2f}); enter the cash balance "
                      "(0 or more) and put pending withdrawals in 'Cash flow'.", r, "Cash", account=name)
        employer = any(w in f"{typed} {name}".lower() for w in _EMPLOYER_PLAN_WORDS)
        out.append(Account(name, AccountType(kind), owner or "", cash_now, flow or 0.0, employer))
    return tuple(out)


def _targets(t: TableRows) -> tuple[AssetClassTarget, ...]:
    location_choices = t.spec.column("Location").choices
    columns = zip(t.rows, t.column("Asset class"), t.column("Target"), _bands(t, "Abs band", 0.5),
                  _bands(t, "Rel band", 1.0), t.column("Tradable"), t.column("Buy ticker"),
                  t.column("Location", lambda raw: cells.parse_choice(raw, location_choices, ACCOUNT_TYPE_ALIASES)))
    out, seen = [], set()
    for r, name, target, abs_band, rel_band, tradable, buy, location in columns:
        if name is None or target is None:
            continue
        if name.lower() in seen:
            t.problem("duplicate_class", f"Asset class {name!r} appears twice in Targets; keep one row.",
                      r, "Asset class")
            continue
        seen.add(name.lower())
        if target < 0:
            t.problem("negative_target", f"Target for {name!r} is negative; enter a fraction such as 0.6.",
                      r, "Target")
            continue
        out.append(AssetClassTarget(name, target, abs_band, rel_band, True if tradable is None else tradable,
                                    buy, location))
    return _scale_percent_targets(t, tuple(out))


def _bands(t: TableRows, column: str, upper: float) -> list[Optional[float]]:
    out = []
    for r, band in zip(t.rows, t.column(column)):
        if band is not None and not 0 < band <= upper:
            t.problem("band_out_of_range", f"'{column}' must be more than 0 and at most {upper:g} "
                      f"({upper:.0%}); found {band:g}. Type 5% or 0.05 for five points.", r, column)
            band = None
        out.append(band)
    return out


def _scale_percent_targets(t: TableRows, targets: tuple[AssetClassTarget, ...]) -> tuple:
    total = sum(x.target for x in targets)
    if targets and abs(total - 100.0) < 1e-6 and any(x.target > 1 for x in targets):
        t.problem("targets_in_percent", "Targets were typed as percentages (they sum to 100); they are read "
                  "as fractions (60 -> 60%). Type 0.6 or 60% to silence this.", None, "Target",
                  Severity.WARNING)
        return tuple(replace(x, target=x.target / 100.0) for x in targets)
    if targets and abs(total - 1.0) > 1e-6:
        gap = (1.0 - total) * 100
        where = "short of" if gap > 0 else "over"
        t.problem("targets_not_100", f"Targets sum to {total:.2%}, {abs(gap):.2f} percentage points {where} "
                  "100%; adjust them so they add up to exactly 100%.", None, "Target")
    return targets


def _securities(t: TableRows) -> tuple[Security, ...]:
    out, seen = [], set()
    columns = zip(t.rows, t.column("Ticker"), t.column("Asset class"), t.column("Wash group"),
                  t.column("Replacement"))
    for r, ticker, asset_class, group, replacement in columns:
        if ticker is None or asset_class is None:
            continue
        if ticker in seen:
            t.problem("duplicate_security", f"Ticker {ticker} is listed twice in Securities; keep one row.",
                      r, "Ticker", ticker=ticker)
            continue
        seen.add(ticker)
        out.append(build(Security, ticker=ticker, asset_class=asset_class, wash_group=(group or "").upper(),
                         replacement=replacement))
    return tuple(out)


def _holdings(t: TableRows) -> tuple[Holding, ...]:
    merged: dict[tuple[str, str], Holding] = {}
    for r, account, ticker, shares in zip(t.rows, t.column("Account"), t.column("Ticker"), t.column("Shares")):
        if account is None or ticker is None or shares is None:
            continue
        if shares < 0:
            t.problem("negative_shares", f"{ticker} in {account!r} has {shares:g} shares; short positions are "
                      "not supported: enter 0 or more.", r, "Shares", ticker=ticker, account=account)
            continue
        key = (account, ticker)
        if key in merged:
            t.problem("duplicate_holding", f"{ticker} in {account!r} appears on more than one row; the shares "
                      "are added together.", r, "Ticker", Severity.WARNING, ticker=ticker, account=account)
            shares += merged[key].shares
            r = merged[key].row
        merged[key] = build(Holding, account=account, ticker=ticker, shares=shares, row=r)
    return tuple(merged.values())


def _lots(t: TableRows) -> tuple[Lot, ...]:
    out, seen = [], set()
    columns = zip(t.rows, t.column("Account"), t.column("Ticker"), t.column("Lot ID"), t.column("Acquired"),
                  t.column("Shares"), t.column("Cost basis"), t.column("Basis"))
    for r, account, ticker, lot_id, acquired, shares, basis, note in columns:
        if None in (account, ticker, lot_id, acquired, shares, basis):
            continue
        if shares <= 0 or basis < 0:
            column, found = ("Shares", shares) if shares <= 0 else ("Cost basis", basis)
            t.problem("bad_lot", f"Lot {lot_id} of {ticker} has {column.lower()} {found:g}; shares must be more "
                      "than 0 and cost basis 0 or more.", r, column, ticker=ticker, account=account)
            continue
        if (account, lot_id) in seen:
            t.problem("duplicate_lot", f"Lot ID {lot_id} appears twice in {account!r}; give each lot its own ID.",
                      r, "Lot ID", ticker=ticker, account=account)
            continue
        seen.add((account, lot_id))
        out.append(build(Lot, account=account, ticker=ticker, lot_id=lot_id, acquired=acquired, shares=shares,
                         cost_basis=basis, row=r, basis_note=note or ""))
    return tuple(out)


def _transactions(t: TableRows) -> tuple[Transaction, ...]:
    actions = t.spec.column("Action").choices
    columns = zip(t.rows, t.column("Date"), t.column("Account"), t.column("Ticker"),
                  t.column("Action", lambda raw: cells.parse_choice(raw, actions, ACTION_ALIASES)),
                  t.column("Shares"), t.column("Price"), t.column("Lot ID"), t.column("Acquired"),
                  t.column("Cost basis"))
    out = []
    for r, when, account, ticker, action, shares, price, lot_id, acquired, basis in columns:
        if None in (when, account, ticker, action, shares):
            continue
        if shares <= 0:
            t.problem("bad_shares", f"Shares must be more than 0 (found {shares:g}); the Action says the "
                      "direction.", r, "Shares", ticker=ticker, account=account)
            continue
        if action == "Sell":
            missing = [c for c, x in (("Price", price), ("Acquired", acquired), ("Cost basis", basis)) if x is None]
            if missing:
                t.problem("incomplete_sale", f"A Sell needs {', '.join(missing)} (the sale price and the lot it "
                          "relieved, from the broker's realized gain/loss page).", r, missing[0],
                          ticker=ticker, account=account)
                continue
        out.append(Transaction(when, account, ticker, Action(action), shares, price, lot_id, acquired, basis, r))
    return tuple(out)


def _prices(t: TableRows) -> tuple[Price, ...]:
    out, seen = [], set()
    columns = zip(t.rows, t.column("Ticker"), t.column("Price"), t.column("Currency"), t.column("As of"),
                  t.column("Source"), t.column("Status"))
    for r, ticker, price, currency, as_of, source, status in columns:
        if ticker is None:
            continue
        if ticker in seen:
            t.problem("duplicate_price", f"{ticker} has more than one row in Prices; keep one.", r, "Ticker",
                      ticker=ticker)
            continue
        seen.add(ticker)
        out.append(build(Price, ticker=ticker, price=price, currency=currency or "USD", as_of=as_of,
                         source=source or "", status=status or "", row=r))
    return tuple(out)


_BUILDERS = {"Accounts": _accounts, "Targets": _targets, "Securities": _securities, "Holdings": _holdings,
             "Lots": _lots, "Transactions": _transactions, "Prices": _prices}


def parse_household(tables: Mapping[str, TableInput], *, today: Optional[date] = None,
                    header_rows: Optional[Mapping[str, int]] = None) -> Household:
    """Every table -> one ``Household`` whose ``issues`` list every problem found.

    ``tables`` is keyed by table name (any case); ``header_rows`` gives the sheet row of each
    table's header when known (default 1), so issues name the real sheet row.
    """
    with collector_paused():
        return _parse_household(tables, today, header_rows)


def _parse_household(tables: Mapping[str, TableInput], today: Optional[date],
                     header_rows: Optional[Mapping[str, int]]) -> Household:
    by_key = {normalize_header(k): v for k, v in tables.items()}
    header_rows = {normalize_header(k): v for k, v in (header_rows or {}).items()}
    issues: list[Issue] = []
    parsed: dict[str, tuple] = {}
    read = {}
    for spec in layout().tables:
        key = normalize_header(spec.name)
        table = read_table(spec.name, by_key.get(key), header_rows.get(key, 1))
        read[spec.name] = table
        if spec.name in _BUILDERS and table.present and not table.issues:
            parsed[spec.name] = _BUILDERS[spec.name](table)
        issues.extend(table.issues)
    settings, setting_issues = parse_settings(read["Settings"], today=today)
    issues.extend(setting_issues)
    household = Household(
        settings=settings,
        accounts=parsed.get("Accounts", ()), targets=parsed.get("Targets", ()),
        securities=parsed.get("Securities", ()), holdings=parsed.get("Holdings", ()),
        lots=parsed.get("Lots", ()), transactions=parsed.get("Transactions", ()),
        prices=parsed.get("Prices", ()),
    )
    household = _with_implied_rows(household, issues)
    row_counts = {n: -1 if t.issues else len(t.rows) if t.present else None for n, t in read.items()}
    issues.extend(cross_check(household, row_counts))
    issues.extend(price_issues(household))
    return replace(household, issues=tuple(issues))


def _with_implied_rows(household: Household, issues: list[Issue]) -> Household:
    """Rows the user need not type: accounts when there is no Accounts table (Taxable, no
    cash), and a Securities row for a Targets 'Buy ticker' that is not listed."""
    accounts = household.accounts
    if not accounts and household.holdings:
        names = dict.fromkeys(h.account for h in household.holdings)
        accounts = tuple(Account(name, AccountType.TAXABLE) for name in names)
        issues.append(Issue("no_accounts", "There is no Accounts table; every account is treated as Taxable "
                            "with no cash. Add the Accounts table to say which are IRAs, Roths or HSAs.",
                            "Accounts", None, None, Severity.WARNING))
    listed = {s.ticker for s in household.securities}
    implied = tuple(Security(t.buy_ticker, t.asset_class) for t in household.targets
                    if t.buy_ticker and t.buy_ticker not in listed)
    return replace(household, accounts=accounts, securities=household.securities + implied)


def errors(issues: Sequence[Issue]) -> list[Issue]:
    return [i for i in issues if i.is_error]
