"""Which workbook account a broker file's account is: by number (the Accounts ``Number``
column; the last digits both sides show, at least 3), else by name, else ``--account``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..brokers.records import AccountRef, BrokerFile
from ..core.model import Issue
from ..spec import normalize_header
from .table_edit import EditableTable

#: A number matches when its last digits agree with the workbook's over at least this many.
MIN_DIGITS = 3


@dataclass(frozen=True)
class BookAccount:
    name: str
    type: str          # Taxable, Traditional, Roth, HSA (as typed)
    number: str        # digits only, may be ''


def book_accounts(accounts: EditableTable) -> tuple[BookAccount, ...]:
    out = []
    for row in accounts.data_rows():
        name = accounts.text(row, "Account")
        if name:
            number = "".join(ch for ch in accounts.text(row, "Number") if ch.isdigit())
            out.append(BookAccount(name, accounts.text(row, "Type"), number))
    return tuple(out)


def _number_matches(digits: str, book: str) -> bool:
    if not digits or not book:
        return False
    common = min(len(digits), len(book))
    return common >= MIN_DIGITS and digits[-common:] == book[-common:]


def match_account(ref: AccountRef, accounts: Sequence[BookAccount]) -> tuple[Optional[str], str]:
    """(workbook account name, '') or (None, why not)."""
    by_number = [a for a in accounts if _number_matches(ref.digits, a.number)]
    if len(by_number) == 1:
        return by_number[0].name, ""
    if len(by_number) > 1:
        return None, (f"its number matches several accounts ({', '.join(a.name for a in by_number)}): "
                      "give each account more digits of its number")
    key = normalize_header(ref.name)
    by_name = [a for a in accounts if key and normalize_header(a.name) == key]
    if len(by_name) == 1:
        return by_name[0].name, ""
    return None, ("no account in Accounts has that number or name: put its number (the last 4 digits are "
                  "enough) in that account's Number column, or pass --account NAME for a one-account file")


def match_files(files: Sequence[BrokerFile], accounts: Sequence[BookAccount],
                forced: Optional[str]) -> tuple[dict[tuple[int, AccountRef], str], list[Issue]]:
    """{(file index, AccountRef): workbook account} for every account named in ``files``."""
    mapping: dict[tuple[int, AccountRef], str] = {}
    problems: list[Issue] = []
    names = {normalize_header(a.name): a for a in accounts}
    if forced is not None and normalize_header(forced) not in names:
        known = ", ".join(a.name for a in accounts) or "(none)"
        problems.append(Issue("unknown_account", f"--account {forced!r} is not in Accounts (it has: {known}); "
                              "add the account there first, with its Type", "Accounts"))
        return mapping, problems
    for index, parsed in enumerate(files):
        refs = parsed.accounts
        if forced is not None and len(refs) == 1:
            target = names[normalize_header(forced)]
            ref = refs[0]
            if ref.digits and target.number and not _number_matches(ref.digits, target.number):
                problems.append(Issue("account_mismatch", f"{parsed.path.name} is for account {ref.label}, but "
                                      f"Accounts gives {target.name} the number {target.number}: check --account",
                                      parsed.path.name))
            mapping[(index, ref)] = target.name
            continue
        if forced is not None and len(refs) > 1:
            problems.append(Issue("account_option", f"--account names the account of a one-account file, but "
                                  f"{parsed.path.name} holds {len(refs)} accounts "
                                  f"({', '.join(r.label for r in refs)}); they are matched by number or name",
                                  parsed.path.name))
        for ref in refs:
            if not ref.number and not ref.name:
                problems.append(Issue("no_account", f"{parsed.path.name} ({parsed.format}) does not say which "
                                      "account it is for: pass --account NAME", parsed.path.name))
                continue
            name, why = match_account(ref, accounts)
            if name is None:
                problems.append(Issue("unknown_account", f"account {ref.label} in {parsed.path.name}: {why}",
                                      parsed.path.name))
            else:
                mapping[(index, ref)] = name
    return mapping, problems
