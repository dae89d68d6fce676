"""Matching a sale's loss shares with replacement shares (IRC 1091; Reg. 1.1091-1): the heart
of the realized-gains replay (``realized.py``).

Per share (Reg. 1.1091-1(c), (d); IRC 1091(d)): a sale relieves one or more pieces of a
position (``positions.Portion``), each with its own basis, wash adjustment and holding
start.  Each piece is priced alone: pieces sold at a loss are matched against replacement
shares, pieces sold at a gain never are, and nothing is netted before the rule applies.  The
rows are then summed per (term, gain-or-loss), one row each.

- replacements: shares of the same wash group acquired within the window (30 days before or
  after, inclusive) in any household account, up to the sale's date or the as-of date, still
  held when the loss sale happens, never the sold lot itself;
- matched in acquisition order; each replacement share absorbs one loss share's loss; the
  loss pieces of one sale are matched in the order the sale relieves them (its shares
  bought earliest first; within a lot, those an earlier wash sale adjusted first);
- only min(shares sold at a loss, replacement shares) is disallowed (Reg. 1.1091-1(c));
- the disallowed loss of each loss share is added to the basis of the replacement share it
  is matched with, whose holding period then starts earlier by that share's own holding
  period (IRC 1091(d), 1223(3));
- a replacement in an IRA/Roth (or 401k/HSA: possibly) makes the loss permanently lost
  (Rev. Rul. 2008-5): nothing is added to any basis.
"""
from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date, timedelta
from operator import attrgetter

from .heap import build
from .holding import anniversary as holding_anniversary
from .ledger import RealizedRow
from .model import SHARE_TOL, Issue, Severity
from .positions import Portion, Position
from .tax import LONG_TERM, SHORT_TERM
from .wash import WashStatus, lot_label, replacement_status

#: A piece is sold at a loss when its loss is more than this fraction of its basis (float
#: noise at break-even is not a loss); relative, so a piece and its single shares agree.
LOSS_EPSILON = 1e-9


class Terms:
    """ST/LT of shares held from ``start`` and sold on ``sold`` (``holding.term``), with the
    anniversary of each start computed once: a replay meets the same starts again and again."""

    def __init__(self) -> None:
        self._anniversaries: dict[date, date] = {}

    def __call__(self, start: date, sold: date) -> str:
        anniversary = self._anniversaries.get(start)
        if anniversary is None:
            anniversary = self._anniversaries[start] = holding_anniversary(start)
        return LONG_TERM if sold > anniversary else SHORT_TERM   # holding.term: LT when sold after it


class Match:
    """What matching one sale found: replacement names, whether one was acquired in a later
    year than the sale, and the issues (each once)."""

    __slots__ = ("names", "later_year", "issues", "_seen")

    def __init__(self, issues: list[Issue]) -> None:
        self.names: list[str] = []
        self.later_year = False
        self.issues, self._seen = issues, set()

    def replacement(self, candidate: Position, sold: date) -> None:
        name = lot_label(candidate.key[2], candidate.source, candidate.acquired)
        if name not in self.names:
            self.names.append(name)
        self.later_year = self.later_year or candidate.acquired.year > sold.year

    def issue(self, issue: Issue) -> None:
        key = (issue.code, issue.row, issue.account)
        if key not in self._seen:
            self._seen.add(key)
            self.issues.append(issue)


def realize(tx, position: Position, pieces: list[Portion], index, window: timedelta,
            issues: list[Issue], terms: Terms) -> tuple[list[RealizedRow], bool]:
    """The rows of one taxable sale: one per (term, gain-or-loss) of the pieces it relieved,
    each loss piece matched on its own; and whether a replacement was bought in a later
    year than the sale (a December loss washed in January)."""
    price = tx.price
    match = Match(issues)
    if len(pieces) == 1:   # most sales: one block of one lot, one row
        return [_one_piece(tx, position, pieces[0], index, window, terms, match)], match.later_year
    # (term, is_loss) -> [shares, basis, disallowed, permanent, earliest holding start]
    sums: dict[tuple[str, bool], list] = {}
    for piece in pieces:   # in the order the sale relieves them
        shares, basis = piece.shares, piece.basis + piece.adjustment
        loss = basis - price * shares
        is_loss = loss > LOSS_EPSILON * max(abs(basis), 1.0)
        term = terms(piece.holding_from, tx.date)
        disallowed = permanent = 0.0
        if is_loss:
            disallowed, permanent = _wash(tx, position, shares, loss / shares, piece.holding_from,
                                          index, window, match)
        found = sums.get((term, is_loss))
        if found is None:
            sums[term, is_loss] = [shares, basis, disallowed, permanent, piece.holding_from]
        else:
            found[0] += shares
            found[1] += basis
            found[2] += disallowed
            found[3] += permanent
            found[4] = min(found[4], piece.holding_from)
    split = len(sums) > 1 and any(is_loss for _, is_loss in sums) and not all(is_loss for _, is_loss in sums)
    rows = []
    for (term, is_loss), (shares, basis, disallowed, permanent, held_from) in sums.items():
        proceeds = price * shares
        note = (f"{'Loss' if is_loss else 'Gain'} shares of a sale of shares with different bases "
                "(never netted before the wash-sale rule)") if split else ""
        rows.append(build(
            RealizedRow, date=tx.date, account=tx.account, ticker=tx.ticker, lot_id=tx.lot_id or "",
            shares=shares, proceeds=proceeds, cost_basis=basis, gain=proceeds - basis, term=term,
            disallowed_loss=disallowed, permanent_loss=permanent, holding_from=held_from, row=tx.row,
            note=note, washed_by=tuple(match.names) if is_loss and disallowed else (),
        ))
    return rows, match.later_year


def _one_piece(tx, position, piece, index, window, terms, match) -> RealizedRow:
    shares, basis = piece.shares, piece.basis + piece.adjustment
    proceeds = tx.price * shares
    gain = proceeds - basis
    disallowed = permanent = 0.0
    if -gain > LOSS_EPSILON * max(abs(basis), 1.0):
        disallowed, permanent = _wash(tx, position, shares, -gain / shares, piece.holding_from, index, window, match)
    return build(
        RealizedRow, date=tx.date, account=tx.account, ticker=tx.ticker, lot_id=tx.lot_id or "",
        shares=shares, proceeds=proceeds, cost_basis=basis, gain=gain, term=terms(piece.holding_from, tx.date),
        disallowed_loss=disallowed, permanent_loss=permanent, holding_from=piece.holding_from, row=tx.row,
        note="", washed_by=tuple(match.names) if disallowed else (),
    )


def _wash(tx, position, shares, loss_per_share, sold_from, index, window, match: Match) -> tuple[float, float]:
    """Match the loss on ``shares`` (held since ``sold_from``) against replacement shares;
    returns ($ disallowed, $ of it permanent)."""
    held_days = (tx.date - sold_from).days
    needed, disallowed, permanent = shares, 0.0, 0.0
    for candidate in index.near(position.group, tx.date, window):
        if needed <= SHARE_TOL:
            break
        if candidate is position or candidate.spent:
            continue
        status = None
        spent = True
        for portion in list(candidate.portions):
            if portion.replaced:
                continue
            if needed <= SHARE_TOL:
                spent = False
                break
            taken = portion if portion.shares <= needed + SHARE_TOL else portion.split(needed)
            if taken is not portion:
                candidate.portions.insert(candidate.portions.index(portion), taken)
                spent = False   # the rest of the portion is still free
            taken.replaced = True
            amount = loss_per_share * taken.shares
            needed -= taken.shares
            disallowed += amount
            status = status or index.status(candidate.account)
            if candidate.taxable:
                taken.adjustment += amount
                taken.holding_from = candidate.acquired - timedelta(days=held_days)
            else:
                permanent += amount
        candidate.spent = spent   # spent candidates are skipped by later sales, as nothing would match
        if status is not None:
            match.replacement(candidate, tx.date)
        if status is WashStatus.POSSIBLY_PERMANENT:
            match.issue(Issue(
                "WASH_POSSIBLY_PERMANENT",
                f"The loss on {tx.ticker} sold {tx.date.isoformat()} is washed by a purchase in "
                f"{candidate.account} (an employer plan or HSA): it is probably lost for good.",
                table="Transactions", row=tx.row, severity=Severity.WARNING,
                ticker=tx.ticker, account=candidate.account,
            ))
    return disallowed, permanent


class GroupIndex:
    """Positions by wash group sorted by acquisition date (only those acquired by as-of)."""

    def __init__(self, positions, as_of: date, accounts: dict) -> None:
        by_group: dict[str, list[Position]] = defaultdict(list)
        for position in positions:
            if position.acquired <= as_of:
                by_group[position.group].append(position)
        self.items = {g: _in_acquisition_order(items) for g, items in by_group.items()}
        self.dates = {g: [p.acquired for p in items] for g, items in self.items.items()}
        self._status = {name: replacement_status(account) for name, account in accounts.items()}

    def status(self, account: str) -> WashStatus:
        """What a replacement bought in ``account`` does to a washed loss (wash.replacement_status)."""
        status = self._status.get(account)
        return status if status is not None else replacement_status(None)

    def near(self, group: str, on: date, window: timedelta) -> list[Position]:
        items = self.items.get(group)
        if not items:
            return []
        dates = self.dates[group]
        return items[bisect.bisect_left(dates, on - window):bisect.bisect_right(dates, on + window)]


_ACQUIRED_IN = attrgetter("acquired", "account")


def _in_acquisition_order(positions: list[Position]) -> list[Position]:
    """Sorted by (acquired, account, str(key)).  The key's text is built only for the few
    positions that share a date and an account (for all of them it was most of the sort)."""
    ordered = sorted(positions, key=_ACQUIRED_IN)
    if len(set(map(_ACQUIRED_IN, ordered))) == len(ordered):
        return ordered
    tied_from = 0
    for n in range(1, len(ordered) + 1):
        if n == len(ordered) or _ACQUIRED_IN(ordered[n]) != _ACQUIRED_IN(ordered[tied_from]):
            if n - tied_from > 1:   # a run sharing date and account: stable, as the full key would be
                ordered[tied_from:n] = sorted(ordered[tied_from:n], key=lambda p: str(p.key))
            tied_from = n
    return ordered
