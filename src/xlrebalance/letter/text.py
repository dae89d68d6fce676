"""The letter's paragraphs, from a check's answers and facts only (pure: strings out).

Nothing is said that the plan does not say: the targets and bands are the household's
policy, the weights today's, the trades and their reasons the trade list's, the taxes its
estimates.  No forecast, no recommendation beyond the plan.
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

from ..core.lots import format_shares
from ..report.rationale import money, pct

DISCLAIMER = ("Tax figures are estimates from the tax rates in your plan's settings, not tax advice; your actual "
              "tax depends on your whole return. Prices move: the amounts traded may differ a little from "
              "these figures.")


#: The trade list's reason starts by restating the trade ("sell 288 sh of FXAIX in Alex 401k: ..."):
#: the letter has just said it.
_RESTATED = re.compile(r"^(?:sell|buy)\b[^:]*:\s*", re.I)


def _why_text(reason: Any) -> str:
    text = _RESTATED.sub("", str(reason or "").strip()).rstrip(".")
    return f" — {text}." if text else "."


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _long_date(day: date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def letter_paragraphs(result: Any, journal: Any = None) -> list[str]:
    """Paragraphs in order: why we rebalance, what changed (the trades carried out since the
    last review, from the Journal's fills, then today's drift), the trades and their reasons,
    the taxes and why the trades are still worthwhile (or what was held back to avoid tax).
    ``journal``: (since, Journal runs) as ``journal.books.journal_since`` reads them, or None."""
    answers = result.answers
    if answers is None:
        raise ValueError("a letter needs a valid check result (result.answers is None)")
    facts = getattr(result, "facts", None) or {}
    out = [_why(answers, facts.get("model"))]
    out += _done_since(journal)
    out += _what_changed(answers, facts.get("last_review"))
    if answers.needs_rebalance:
        out += _trades(answers)
        out += _taxes(answers)
    out.append(DISCLAIMER)
    return out


def _why(answers: Any, model: Optional[str]) -> str:
    plan = f"the {model} model your plan follows" if model else "your plan"
    return (f"Your portfolio has a target mix of investments, set by {plan}, and a range each part may drift "
            "within before we act. Markets move the mix every day; when a part drifts outside its range, we "
            "rebalance: we sell some of what has grown too large and buy what has fallen behind, so the risk "
            "you carry stays the risk you chose.")


def _done_since(journal: Any) -> list[str]:
    """The trades filled since the last review, one line each (none without a Journal)."""
    if not journal:
        return []
    since, runs = journal
    filled = [e for run in runs for e in run.entries if e.filled_shares > 0 and e.fill_price is not None
              and (since is None or e.fill_date is None or e.fill_date >= since)]
    if not filled:
        return []
    when = f"Since our last review on {_long_date(since)}" if since else "So far"
    lines = [f"{when}, these trades were carried out ({len(filled)}):"]
    for e in filled:
        verb = "Bought" if e.side == "BUY" else "Sold"
        day = f" on {_long_date(e.fill_date)}" if e.fill_date else ""
        lines.append(f"{verb} {format_shares(e.filled_shares)} shares of {e.ticker} in {e.account} at "
                     f"{money(e.fill_price)}{day}.")
    return lines


def _what_changed(answers: Any, last_review: Optional[date]) -> list[str]:
    since = f"Since our last review on {_long_date(last_review)}" if last_review else "As of today"
    moved = []
    for row in answers.drift.records():
        weight, target = _number(row.get("Weight")), _number(row.get("Effective target", row.get("Target")))
        name, status = row.get("Asset class"), row.get("Status")
        if status == "OVER":
            moved.append(f"We're trimming your {name} allocation because it's grown from the {pct(target)} your plan "
                         f"targets to {pct(weight)}, beyond the {pct(_number(row.get('Band high')))} your plan allows.")
        elif status == "UNDER":
            moved.append(f"We're adding to your {name} allocation because it's fallen from the {pct(target)} your "
                         f"plan targets to {pct(weight)}, below the {pct(_number(row.get('Band low')))} your plan "
                         "allows.")
    value = money(answers.household_value)
    if not moved:
        return [f"{since}, your portfolio (worth {value} on {_long_date(answers.as_of)}) has stayed within the "
                "ranges your plan allows, so no trades are needed now."
                + ("" if not answers.needs_rebalance else f" Still, a rebalance is due: {answers.reason}")]
    return [f"{since}, your portfolio (worth {value} on {_long_date(answers.as_of)}) has drifted from its "
            "targets."] + moved


def _trades(answers: Any) -> list[str]:
    section = answers.section("trades")
    if not section.available:
        return []
    records = section.records()
    made = [r for r in records if str(r.get("Action", "")).upper() in ("BUY", "SELL")]
    if not made:
        return ["No trade could be made within your plan's limits this time (minimum trade size, cash reserve and "
                "the rules for selling in taxable accounts); we will look again at the next review."]
    lines = []
    for r in made:
        verb = "Sell" if str(r["Action"]).upper() == "SELL" else "Buy"
        lines.append(f"{verb} {money(abs(_number(r.get('Amount'))))} of {r.get('Ticker')} in {r.get('Account')}"
                     + _why_text(r.get("Reason")))
    return [f"The trades we propose ({len(made)}):"] + lines


def _taxes(answers: Any) -> list[str]:
    section = answers.section("trades")
    records = section.records() if section.available else []
    held = [r for r in records if str(r.get("Action", "")).upper() == "HOLD"]
    out = []
    tax = answers.estimated_tax
    if tax is not None and tax > 0.005:
        out.append(f"The sales are estimated to cost about {money(tax)} in tax. We still recommend them: without "
                   "them your portfolio stays outside the ranges your plan set, carrying more or less risk than "
                   "you chose.")
    elif tax is not None and tax < -0.005:
        out.append(f"The sales realize losses that are estimated to save about {money(-tax)} in tax.")
    elif tax is not None:
        out.append("The sales are estimated to cost no tax (they are in tax-advantaged accounts, or realize no "
                   "gain).")
    for r in held:
        out.append(f"We are holding back a trade of {r.get('Ticker')} in {r.get('Account')} this time"
                   + _why_text(r.get("Reason")))
    return out
