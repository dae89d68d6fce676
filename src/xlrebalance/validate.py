"""Checks that span tables: every holding has a class, a target, a price and an account."""
from __future__ import annotations

from collections import defaultdict
from typing import Mapping, Optional

from .core.model import SHARE_TOL, AccountType, Household, Issue, Severity
from .spec import layout


_EMPTY_HINT = {
    "Holdings": "enter one row per account and ticker with the shares held",
    "Targets": "enter each asset class and its target",
    "Prices": "enter a price for each ticker or press Refresh prices",
}


def cross_check(household: Household, row_counts: Mapping[str, Optional[int]]) -> list[Issue]:
    """``row_counts``: non-blank data rows per table name; None where the table is absent,
    -1 where reading it already reported a problem (a missing column, no header)."""
    issues: list[Issue] = []
    for spec in layout().tables:
        if not spec.required:
            continue
        count = row_counts.get(spec.name)
        if count is None:
            issues.append(Issue("missing_table", f"The {spec.name} table is missing; add a sheet with an Excel "
                                f"Table named {spec.name} (a fresh workbook from 'xlrebalance new' has one).",
                                spec.name))
        elif count == 0 and spec.name in _EMPTY_HINT:
            issues.append(Issue(f"empty_{spec.name.lower()}", f"{spec.name} has no rows; "
                                f"{_EMPTY_HINT[spec.name]}.", spec.name, 2))
    present = {name: count is not None and count > 0 for name, count in row_counts.items()}
    issues += _holding_checks(household, present)
    issues += _lot_checks(household, compare_holdings=present.get("Holdings", True))
    return issues


def _holding_checks(household: Household, present: Mapping[str, bool]) -> list[Issue]:
    issues: list[Issue] = []
    securities = household.security_map()
    targets = {t.asset_class.lower() for t in household.targets}
    accounts = household.account_map()
    prices = {p.ticker: p for p in household.prices}
    held = {h.ticker for h in household.holdings if h.shares > SHARE_TOL}
    for security in household.securities:
        if security.asset_class.lower() not in targets and household.targets:
            held_now = security.ticker in held
            issues.append(Issue(
                "class_without_target", f"{security.ticker} is in asset class {security.asset_class!r}, which has "
                "no row in Targets; add the class to Targets (a 0% target is fine) or fix the spelling.",
                "Securities", None, "Asset class", Severity.ERROR if held_now else Severity.WARNING,
                ticker=security.ticker))
    for h in household.holdings:
        who = dict(ticker=h.ticker, account=h.account)
        if accounts and h.account not in accounts:
            issues.append(Issue("unknown_account", f"Account {h.account!r} is not in the Accounts table; add it "
                                "there (with its Type) or fix the spelling.", "Holdings", h.row, "Account", **who))
        if h.ticker not in securities:
            issues.append(Issue("unknown_ticker", f"{h.ticker} is not in the Securities table; add a row giving "
                                "its asset class.", "Holdings", h.row, "Ticker", **who))
        if h.shares <= SHARE_TOL:
            continue
        price = prices.get(h.ticker)
        if price is None:
            if present.get("Prices"):
                issues.append(Issue("missing_price", f"{h.ticker} has no row in Prices; add one or press "
                                    "Refresh prices.", "Holdings", h.row, "Ticker", **who))
        elif price.price is None or price.price <= 0:
            found = "blank" if price.price is None else f"{price.price:g}"
            issues.append(Issue("bad_price", f"The price of {h.ticker} is {found}; enter a price above 0 or "
                                "press Refresh prices.", "Prices", price.row, "Price", ticker=h.ticker))
    return _dedupe(issues)


def _lot_checks(household: Household, compare_holdings: bool = True) -> list[Issue]:
    issues: list[Issue] = []
    accounts = household.account_map()
    lot_shares: dict[tuple[str, str], float] = defaultdict(float)
    for lot in household.lots:
        lot_shares[(lot.account, lot.ticker)] += lot.shares
        if lot.acquired > household.settings.as_of:
            issues.append(Issue("future_lot", f"Lot {lot.lot_id} of {lot.ticker} was acquired "
                                f"{lot.acquired:%Y-%m-%d}, after the as-of date; a planned purchase belongs "
                                "in Transactions.", "Lots", lot.row, "Acquired", ticker=lot.ticker,
                                account=lot.account))
    if not compare_holdings:  # no Holdings table given (e.g. REALIZED_GAINS): nothing to compare
        return issues
    held = {(h.account, h.ticker): h for h in household.holdings}
    for key, shares in lot_shares.items():
        holding = held.get(key)
        held_shares = holding.shares if holding else 0.0
        account = accounts.get(key[0])
        if abs(held_shares - shares) > 1e-6 and (account is None or account.type is AccountType.TAXABLE):
            issues.append(Issue("lots_mismatch", f"The lots of {key[1]} in {key[0]!r} add up to {shares:g} shares "
                                f"but Holdings says {held_shares:g}; update Lots from the broker's unrealized "
                                "gain/loss page.", "Lots", None, "Shares", Severity.WARNING,
                                ticker=key[1], account=key[0]))
    return issues


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen, out = set(), []
    for issue in issues:
        key = (issue.code, issue.table, issue.row, issue.ticker)
        if key not in seen:
            seen.add(key)
            out.append(issue)
    return out
