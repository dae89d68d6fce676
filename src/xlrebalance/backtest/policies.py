"""The rebalancing policies a backtest compares (RULES.md "Bands and triggers").

A policy is when to look and what to do when it looks; the bands themselves (5/25 by
default, per-class overrides) come from the workbook's Settings and Targets, so the
backtest tests the user's own IPS.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

from ..core.model import Cadence, RebalanceTo, Trigger


@dataclass(frozen=True)
class Policy:
    """``trigger`` None: the policy never rebalances; ``invest_flows`` then says whether new
    money still goes to the most under-weight classes (cash-flow rebalancing) or is spread
    over what the account holds (buy and hold)."""

    key: str
    name: str
    trigger: Optional[Trigger]
    cadence: Cadence = Cadence.MONTHLY
    rebalance_to: RebalanceTo = RebalanceTo.TARGET
    invest_flows: bool = True


POLICIES: tuple[Policy, ...] = (
    Policy("monthly", "Calendar monthly", Trigger.CALENDAR, Cadence.MONTHLY),
    Policy("quarterly", "Calendar quarterly", Trigger.CALENDAR, Cadence.QUARTERLY),
    Policy("annual", "Calendar annual", Trigger.CALENDAR, Cadence.ANNUAL),
    Policy("threshold", "Threshold (bands, checked monthly)", Trigger.THRESHOLD),
    Policy("hybrid", "Hybrid (quarterly + bands)", Trigger.HYBRID, Cadence.QUARTERLY),
    Policy("band-edge", "Threshold to band edge", Trigger.THRESHOLD, rebalance_to=RebalanceTo.BAND_EDGE),
    Policy("halfway", "Threshold halfway to target", Trigger.THRESHOLD, rebalance_to=RebalanceTo.HALFWAY),
    Policy("cash-flows", "Cash flows only", None),
    Policy("never", "Never rebalance", None, invest_flows=False),
)

BY_KEY = {p.key: p for p in POLICIES}


def policies_named(keys: Optional[Sequence[str]]) -> tuple[Policy, ...]:
    """The policies with these keys (all of them when None); ``ValueError`` names the known keys."""
    if not keys:
        return POLICIES
    unknown = [k for k in keys if k.lower() not in BY_KEY]
    if unknown:
        raise ValueError(f"unknown polic{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; "
                         f"known: {', '.join(BY_KEY)}")
    return tuple(BY_KEY[k.lower()] for k in keys)
