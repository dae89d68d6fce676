"""The rebalancing rationale in plain words, from a check's answers (pure: strings only)."""
from __future__ import annotations

from typing import Any, Optional


def pct(fraction: float) -> str:
    """0.517 -> '51.7%'."""
    text = f"{fraction * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def points(fraction: float) -> str:
    """0.022 -> '2.2 percentage points'."""
    return f"{abs(fraction) * 100:.1f} percentage points"


def money(amount: float) -> str:
    return f"${amount:,.0f}" if abs(amount) >= 100 else f"${amount:,.2f}"


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def drift_sentences(answers) -> list[str]:
    """One sentence per asset class outside its band, and one per class the plan cannot trade."""
    out = []
    for row in answers.drift.records():
        weight, target = _number(row.get("Weight")), _number(row.get("Effective target", row.get("Target")))
        low, high, status = _number(row.get("Band low")), _number(row.get("Band high")), row.get("Status")
        name = row.get("Asset class")
        if status == "OVER":
            out.append(f"{name} is {pct(weight)} of the household against a target of {pct(target)}. Its band "
                       f"runs from {pct(low)} to {pct(high)}, so it is {points(weight - high)} above the band's "
                       "upper edge: it has grown too large and some of it should be sold.")
        elif status == "UNDER":
            out.append(f"{name} is {pct(weight)} of the household against a target of {pct(target)}. Its band "
                       f"runs from {pct(low)} to {pct(high)}, so it is {points(low - weight)} below the band's "
                       "lower edge: it has fallen behind and should be bought.")
        elif status == "NON-TRADABLE":
            out.append(f"{name} ({pct(weight)}) is not traded by this plan (for example restricted employer "
                       "stock); the other targets are scaled around it.")
    return out


def trade_sentences(answers) -> list[str]:
    trades = answers.section("trades")
    if not trades.available:
        return ["The trade list is not available in this version, so no trades are proposed here."]
    records = [r for r in trades.records() if str(r.get("Action", "")).upper() in ("BUY", "SELL")]   # not NOTE rows
    if not records:
        return ["No trades are proposed." if not answers.needs_rebalance else
                "No trades could be proposed within the policy's limits (minimum trade size, cash reserve and "
                "the rules for selling in taxable accounts); see the notes below."]
    sells = [r for r in records if str(r.get("Action", "")).upper() == "SELL"]
    buys = [r for r in records if str(r.get("Action", "")).upper() == "BUY"]
    sold, bought = sum(_number(r.get("Amount")) for r in sells), sum(_number(r.get("Amount")) for r in buys)
    st, lt = sum(_number(r.get("ST gain")) for r in sells), sum(_number(r.get("LT gain")) for r in sells)
    accounts = sorted({str(r.get("Account")) for r in records})
    out = [f"The plan makes {len(records)} trade{'s' if len(records) != 1 else ''} in "
           f"{len(accounts)} account{'s' if len(accounts) != 1 else ''}: it sells {money(abs(sold))} and buys "
           f"{money(abs(bought))}."]
    if st or lt:
        out.append(f"The sales realize {money(st)} of short-term and {money(lt)} of long-term gains "
                   "(a negative figure is a loss).")
    tax = answers.estimated_tax
    if tax is not None:
        out.append(f"The estimated tax on these trades is {money(tax)}." if tax > 0.005 else
                   f"These trades are estimated to save {money(-tax)} of tax." if tax < -0.005 else
                   "These trades are estimated to cost no tax.")
    return out


def harvest_sentences(answers) -> list[str]:
    harvest = answers.section("harvest_candidates")
    if not harvest.available:
        return []
    records = harvest.records()
    if not records:
        return ["No lot currently shows a loss large enough to harvest."]
    loss = sum(abs(_number(r.get("Loss"))) for r in records)
    saving = sum(_number(r.get("Est. tax saving")) for r in records)
    blocked = [r for r in records if not str(r.get("Wash status", "CLEAR")).upper().startswith("CLEAR")]
    text = (f"{len(records)} lot{'s' if len(records) != 1 else ''} could be sold for a tax loss of "
            f"{money(loss)} in all, worth an estimated {money(saving)} in tax.")
    if blocked:
        text += (f" {len(blocked)} of them cannot be harvested cleanly yet: a purchase of the same or a "
                 "substantially identical security within 30 days would make it a wash sale (see the Wash "
                 "status column).")
    return [text]


def rationale(answers, *, policy_note: Optional[str] = None) -> list[str]:
    """Paragraphs, in order: where the household stands, why (not) rebalance, what to do."""
    classes = len(answers.drift.rows)
    opening = (f"As of {answers.as_of:%B %-d, %Y}, the household is worth {money(answers.household_value)} across "
               f"{classes} asset class{'es' if classes != 1 else ''}. Taken together, the portfolio is "
               f"{pct(answers.portfolio_drift)} away from its target mix (half the sum of every class's gap).")
    paragraphs = [opening]
    paragraphs += drift_sentences(answers)
    verdict = "A rebalance is due." if answers.needs_rebalance else "No rebalance is due now."
    paragraphs.append(f"{verdict} {answers.reason}")
    if policy_note:
        paragraphs.append(policy_note)
    if answers.needs_rebalance:
        paragraphs += trade_sentences(answers)
    paragraphs += harvest_sentences(answers)
    return paragraphs
