"""When to rebalance: Calendar (review due), Threshold (a band breached), or Hybrid (both).

Hybrid is the default: "check quarterly, act only on breach".  The review is due when the
as-of date is on or after the last review plus the cadence; never reviewed means due.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from .drift import DriftReport, DriftRow, drift_report
from .holding import add_months
from .model import Household, Settings, Trigger


@dataclass(frozen=True)
class Review:
    due: bool
    next_review: Optional[date]    # None when never reviewed (due now)


@dataclass(frozen=True)
class Decision:
    needed: bool
    reason: str
    review: Review
    report: DriftReport


def review_status(settings: Settings) -> Review:
    if settings.last_review is None:
        return Review(True, None)
    next_review = add_months(settings.last_review, settings.review_cadence.months)
    return Review(settings.as_of >= next_review, next_review)


def pct(fraction: float) -> str:
    """0.682 -> '68.2%', 0.65 -> '65%'."""
    text = f"{fraction * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def describe_breach(row: DriftRow) -> str:
    side = "above" if row.side > 0 else "below"
    low, high = pct(row.band_low)[:-1], pct(row.band_high)
    return f"{row.asset_class} is {pct(row.weight)}, {side} its {low}\u2013{high} band"


def _review_phrase(settings: Settings, review: Review) -> str:
    cadence = settings.review_cadence.value.lower()
    if review.next_review is None:
        return f"{cadence} review due (no review on record)"
    if review.due:
        return f"{cadence} review due since {review.next_review:%Y-%m-%d}"
    return f"next {cadence} review on {review.next_review:%Y-%m-%d}"


def decide(household: Household, report: Optional[DriftReport] = None) -> Decision:
    settings = household.settings
    report = report or drift_report(household)
    review = review_status(settings)
    breaches = report.breaches
    breached = " and ".join(describe_breach(r) for r in breaches)
    inside = f"every class is inside its band (portfolio drift {pct(report.portfolio_drift)})"
    when = _review_phrase(settings, review)
    trigger = settings.trigger
    if trigger is Trigger.THRESHOLD:
        needed = bool(breaches)
        reason = f"{breached}." if needed else f"{inside[0].upper()}{inside[1:]}."
    elif trigger is Trigger.CALENDAR:
        needed = review.due
        reason = f"{when[0].upper()}{when[1:]}; portfolio drift {pct(report.portfolio_drift)}."
    else:
        needed = bool(breaches) and review.due
        if needed:
            reason = f"{breached}; {when}."
        elif breaches:
            reason = f"{breached}, but the {when} (Hybrid trigger: act at the review)."
        else:
            reason = f"{inside[0].upper()}{inside[1:]}; {when}."
    reason += _rescaled_note(report)
    if settings.policy_changing:
        bands = "it would be due" if needed else "it would not be due"
        needed = False
        reason = f"{POLICY_HOLD} Without the hold {bands}: {reason}"
    reminder = ips_review_reminder(settings)
    return Decision(needed, f"{reason} {reminder}" if reminder else reason, review, report)


#: The seed IPS's rule for a household whose circumstances are changing.
HOLD_RULE = "when client circumstances are changing, hold off on rebalancing until you've updated the allocation targets"
#: What NEEDS_REBALANCE and the trade list say while ``Policy changing`` is TRUE.
POLICY_HOLD = f"Policy changing is TRUE, so no rebalance now: \u201c{HOLD_RULE}\u201d."


def ips_review_reminder(settings: Settings) -> str:
    """The reminder once ``Next IPS review`` has come ('' before it, or when it is blank)."""
    due = settings.next_ips_review
    if due is None or settings.as_of < due:
        return ""
    return f"Your IPS review was due on {due:%Y-%m-%d}: reread targets and bands before trading."


def _rescaled_note(report: DriftReport) -> str:
    """When non-tradable classes made the tradable targets differ from the typed ones: say so,
    since drift and bands are measured from the rescaled (effective) targets."""
    fixed = [r for r in report.rows if not r.tradable]
    if not fixed or all(abs(r.target - r.policy_target) <= 1e-12 for r in report.rows):
        return ""
    names = " and ".join(f"{r.asset_class} ({pct(r.weight)})" for r in fixed)
    return (f" Drift and bands use the effective targets: the tradable classes' targets rescaled to fill "
            f"what {names} leave{'s' if len(fixed) == 1 else ''}.")


def needs_rebalance(household: Household) -> bool:
    return decide(household).needed


def rebalance_reason(household: Household) -> str:
    return decide(household).reason
