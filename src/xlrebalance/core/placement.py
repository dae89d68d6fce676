"""Where new buys go: asset location, which ticker, and how much per account.

Asset location (RULES.md "Household and asset location"; Bogleheads "Tax-efficient fund
placement", Vanguard 2024) is a design heuristic read from the asset class's *name*:

| class name contains                                   | preferred account types, in order |
|-------------------------------------------------------|-----------------------------------|
| bond, fixed income, treasur, tips, reit, real estate, high yield, credit, income | Traditional, HSA, Roth, Taxable |
| small, emerging, growth, value                        | Roth, HSA, Traditional, Taxable   |
| stock, equit, international, intl, developed, total, market, index | Taxable, Roth, HSA, Traditional |
| (anything else)                                       | Traditional, Roth, HSA, Taxable   |

The first matching row wins; ``Targets.Location`` moves its account type to the front.

Which ticker to buy for a class in an account: ``Targets.Buy ticker``, else the class's
tickers already held there (largest first), else held elsewhere in the household (largest
first), else any ticker of the class in Securities (alphabetical).
A ticker whose wash group the plan sells in the same account is never bought there; one
whose group had a loss sale in the window (``wash.loss_sale_in_window``) or is sold at a
loss by the plan is used only when nothing else is left, flagged WASH RISK.  One whose group
has a lot HARVEST_CANDIDATES would list (``keep_open``) comes next to last: its
``Securities.Replacement`` (same class, another wash group) is tried right after it, and
it is bought only when no other group of the class has a price, flagged BLOCKS HARVEST.
Penalties, worst first: a wash sale (the loss is lost or deferred), a blocked harvest (an
opportunity delayed), a group the plan sells in another account (churn).
"""
from __future__ import annotations

from typing import Mapping, NamedTuple, Optional

from .book import Book, Ledger
from .keep_open import BLOCKS_HARVEST, HarvestGuard
from .model import MONEY_TOL, AccountType, AssetClassTarget
from .tax import round_money
from .selling import WASH_RISK, Order, buy_shares

ROUNDING = "ROUNDING"

_T, _R, _H, _X = AccountType.TRADITIONAL, AccountType.ROTH, AccountType.HSA, AccountType.TAXABLE

LOCATION_RULES: tuple[tuple[tuple[str, ...], tuple[AccountType, ...]], ...] = (
    (("bond", "fixed income", "treasur", "tips", "reit", "real estate", "high yield", "credit", "income"),
     (_T, _H, _R, _X)),
    (("small", "emerging", "growth", "value"), (_R, _H, _T, _X)),
    (("stock", "equit", "international", "intl", "developed", "total", "market", "index"), (_X, _R, _H, _T)),
)
DEFAULT_LOCATION = (_T, _R, _H, _X)


def location_preference(target: Optional[AssetClassTarget], asset_class: str) -> tuple[AccountType, ...]:
    """Account types in the order new buys of the class prefer them."""
    name = asset_class.lower()
    order = next((types for words, types in LOCATION_RULES if any(w in name for w in words)), DEFAULT_LOCATION)
    if target is not None and target.location:
        try:
            first = AccountType(str(target.location).title() if str(target.location).lower() != "hsa" else "HSA")
        except ValueError:
            return order
        return (first,) + tuple(t for t in order if t is not first)
    return order


def class_tickers(book: Book, asset_class: str) -> tuple[str, ...]:
    """Tickers of the class in Securities with a price, alphabetical."""
    return tuple(sorted(t for t, c in book.class_of.items() if c == asset_class and book.prices.get(t, 0) > 0))


def held_tickers(book: Book, asset_class: str) -> tuple[str, ...]:
    """Tickers of the class held anywhere in the household, largest $ first."""
    held: dict[str, float] = {}
    for (account, ticker), shares in book.positions.items():
        if book.class_of.get(ticker) == asset_class:
            held[ticker] = held.get(ticker, 0.0) + shares * book.prices[ticker]
    return tuple(sorted(held, key=lambda t: (-held[t], t)))


def _fallbacks(book: Book, classes) -> dict[str, tuple[str, ...]]:
    """Per class: tickers held in the household (largest $ first), then all of the class."""
    held: dict[str, dict[str, float]] = {c: {} for c in classes}
    for (account, ticker), shares in book.positions.items():
        by_ticker = held.get(book.class_of.get(ticker, ""))
        if by_ticker is not None:
            by_ticker[ticker] = by_ticker.get(ticker, 0.0) + shares * book.prices[ticker]
    everything: dict[str, list[str]] = {c: [] for c in classes}
    for ticker, c in book.class_of.items():
        if c in everything and book.prices.get(ticker, 0) > 0:
            everything[c].append(ticker)
    return {c: tuple(sorted(held[c], key=lambda t, h=held[c]: (-h[t], t))) + tuple(sorted(everything[c]))
            for c in classes}


class Choice(NamedTuple):
    """The ticker to buy a class with in one account, and what the reason must say."""

    ticker: str
    wash: str = ""          # why buying it would wash a loss ('' = it would not)
    blocks: str = ""        # which harvest buying it would block ('' = none)
    kept_open: str = ""     # a better-ranked ticker passed over to keep a harvest open


def buy_ticker(book: Book, ledger: Ledger, account: str, asset_class: str,
               target: Optional[AssetClassTarget], fallback: Optional[tuple[str, ...]] = None,
               guard: Optional[HarvestGuard] = None) -> Optional[Choice]:
    """The ticker to buy the class with in the account; None if none can be.

    ``fallback``: the class's tickers held in the household, then all (computed if None).
    ``guard``: the household's harvest opportunities (none checked when None)."""
    candidates = []
    if target is not None and target.buy_ticker and book.prices.get(target.buy_ticker, 0) > 0:
        candidates.append(target.buy_ticker)
    candidates += book.tickers_in.get((account, asset_class), ())
    candidates += fallback if fallback is not None else held_tickers(book, asset_class) + class_tickers(book, asset_class)
    if guard is not None:
        candidates = _with_replacements(book, guard, asset_class, candidates)
    best: Optional[tuple[int, str, str, str, int]] = None
    blocked: list[tuple[int, str]] = []     # (rank, sentence) of harvest-blocked candidates
    for rank, ticker in enumerate(_unique(candidates)):
        group = book.group_of.get(ticker, ticker)
        if group in ledger.sold_groups.get(account, ()):
            continue
        detail = _wash_conflict(book, ledger, group)
        blocks = guard.blocks(ticker) if guard is not None else ""
        if blocks:
            blocked.append((rank, f"{ticker} is not bought: {blocks}"))
        score = (1 if detail else 0) * 10_000 + (1 if blocks else 0) * 5_000 \
            + (1 if _sold_elsewhere(ledger, group) else 0) * 1_000 + rank
        if best is None or score < best[0]:
            best = (score, ticker, detail, blocks, rank)
        if score == rank:       # no wash, harvest or churn penalty: no later candidate can do better
            break
    if best is None:
        return None
    _, ticker, detail, blocks, chosen_rank = best
    passed_over = next((text for rank, text in blocked if rank < chosen_rank), "")
    return Choice(ticker, detail, blocks, "" if blocks else passed_over)


def _unique(tickers):
    """Each ticker once, in order of first appearance (lazily)."""
    seen = set()
    for ticker in tickers:
        if ticker not in seen:
            seen.add(ticker)
            yield ticker


def _with_replacements(book: Book, guard: HarvestGuard, asset_class: str, candidates: list):
    """``candidates``, each harvest-blocked ticker followed by its Securities.Replacement (when
    that is of the same class and has a price).  Lazy: the search stops at the first ticker
    with no penalty, so the tickers after it are never checked."""
    for ticker in candidates:
        yield ticker
        if guard.blocks(ticker):
            other = guard.replacement(ticker)
            if other and book.class_of.get(other) == asset_class and book.prices.get(other, 0) > 0:
                yield other


def _sold_elsewhere(ledger: Ledger, group: str) -> bool:
    return any(group in groups for groups in ledger.sold_groups.values())


def _wash_conflict(book: Book, ledger: Ledger, group: str) -> str:
    if group in ledger.loss_groups:
        return f"this plan sells {group} at a loss, so buying it would disallow that loss"
    # as ``wash.loss_sale_in_window``, from the book's index of the window only
    sold = book.window_index.latest_loss_sale(group, book.settings.as_of) if group in book.groups_sold_near else None
    if sold is not None:
        return f"{group} was sold at a loss on {sold:%Y-%m-%d}; buying within 30 days would disallow that loss"
    return ""


def place_buys(book: Book, ledger: Ledger, amounts: Mapping[str, float], purposes: Mapping[str, str],
               targets: Mapping[str, AssetClassTarget], guard: Optional[HarvestGuard] = None) -> list[Order]:
    """Buy ``amounts`` ($ per class) with the cash in each account, by location preference.

    Greedy: (class, account) pairs are taken in order of how much the class prefers the
    account's type, then the largest need and the most cash.  Whole shares are rounded down
    so no account overdraws.  Orders are returned, not applied.
    """
    need = {c: a for c, a in amounts.items() if a > MONEY_TOL}
    cash = {a: c for a, c in ledger.cash.items() if c > MONEY_TOL}
    pairs = []
    for c in need:
        prefs = location_preference(targets.get(c), c)
        for account in cash:
            kind = book.accounts[account].type if account in book.accounts else AccountType.TAXABLE
            pairs.append((prefs.index(kind), -need[c], -cash[account], c, account))
    fallback = _fallbacks(book, need)
    spend: dict[tuple[str, str, str], float] = {}
    choices: dict[tuple[str, str, str], Choice] = {}
    for _, _, _, c, account in sorted(pairs):
        amount = min(need[c], cash[account])
        if amount <= MONEY_TOL:
            continue
        choice = buy_ticker(book, ledger, account, c, targets.get(c), fallback[c], guard)
        if choice is None:
            continue
        key = (account, choice.ticker, c)
        spend[key] = spend.get(key, 0.0) + amount
        choices[key] = choice
        need[c] -= amount
        cash[account] -= amount
    counts = {key: buy_shares(book, dollars, book.prices[key[1]]) for key, dollars in spend.items()}
    if book.settings.whole_shares:
        counts = _top_up(book, ledger, spend, counts)
    orders = []
    for (account, ticker, c), dollars in spend.items():
        price = book.prices[ticker]
        shares = counts[(account, ticker, c)]
        choice = choices[(account, ticker, c)]
        flags = ((WASH_RISK,) if choice.wash else ()) + ((BLOCKS_HARVEST,) if choice.blocks else ())
        if shares <= 0:     # less than one whole share: reported, not bought
            shares, flags = dollars / price, (ROUNDING,) + flags
        orders.append(Order(account, ticker, c, "BUY", shares, price, purposes.get(c, "rebalance"),
                            flags=flags, detail=choice.wash, harvest=choice.blocks or choice.kept_open))
    return orders


def _top_up(book: Book, ledger: Ledger, spend: Mapping[tuple[str, str, str], float],
            counts: dict[tuple[str, str, str], float]) -> dict[tuple[str, str, str], float]:
    """Spend what rounding down left in each account on one more share of its buys, the buy
    furthest short of its dollars first, while the cash covers a share."""
    counts = dict(counts)
    for account in {key[0] for key in spend}:
        keys = [k for k in spend if k[0] == account and counts[k] > 0]
        left = ledger.cash.get(account, 0.0) - sum(round_money(counts[k] * book.prices[k[1]]) for k in keys)
        while keys:
            short = [k for k in keys if book.prices[k[1]] <= left + MONEY_TOL / 10]
            if not short:
                break
            key = max(short, key=lambda k: (spend[k] - counts[k] * book.prices[k[1]], k))
            counts[key] += 1
            left -= book.prices[key[1]]
    return counts
