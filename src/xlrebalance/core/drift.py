"""Household drift: each asset class's weight against its target, over all accounts.

Values are $ (shares x price, plus account cash when there is a "Cash" target); weights
and drift are fractions of the household total.  Non-tradable classes count in the total
but are never traded, so the tradable classes' targets are rescaled to fill what the
non-tradable ones leave (their "effective" target, which is the one enforced).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Optional

from .bands import band_edges, band_width, breach
from .model import SHARE_TOL, Household

CASH_CLASS = "cash"


@dataclass(frozen=True)
class DriftRow:
    asset_class: str
    policy_target: float        # as typed in Targets
    target: float               # effective target (rescaled around non-tradable classes)
    value: float                # $
    weight: float               # fraction of the household total
    drift: float                # weight - target
    relative_drift: Optional[float]  # drift / target (None when the target is 0)
    band: float                 # half-width, fraction
    band_low: float
    band_high: float
    tradable: bool
    side: int                   # +1 over the band, -1 under, 0 inside

    @property
    def breached(self) -> bool:
        return self.tradable and self.side != 0

    @property
    def status(self) -> str:
        if not self.tradable:
            return "NON-TRADABLE"
        return {1: "OVER", -1: "UNDER", 0: "OK"}[self.side]


@dataclass(frozen=True)
class DriftReport:
    rows: tuple[DriftRow, ...]
    total: float                 # $ household total the weights are over
    cash_included: bool          # account cash counted as the "Cash" class
    idle_cash: float             # $ account cash not counted (no Cash target)

    @property
    def portfolio_drift(self) -> float:
        """Sum of |weight - target| over 2 (Betterment's portfolio drift), a fraction."""
        return sum(abs(r.drift) for r in self.rows) / 2

    @property
    def breaches(self) -> tuple[DriftRow, ...]:
        return tuple(r for r in self.rows if r.breached)

    def row(self, asset_class: str) -> DriftRow:
        for r in self.rows:
            if r.asset_class.lower() == asset_class.lower():
                return r
        raise KeyError(asset_class)


def class_values(household: Household) -> tuple[dict[str, float], bool, float]:
    """$ by asset class (keyed by the Targets spelling), whether cash is a class, idle cash."""
    classes = {t.asset_class.lower(): t.asset_class for t in household.targets}
    security_class = {s.ticker: classes.get(s.asset_class.lower(), s.asset_class) for s in household.securities}
    prices = household.price_map()
    values: dict[str, float] = defaultdict(float)
    for h in household.holdings:
        if h.shares > SHARE_TOL and h.ticker in security_class and h.ticker in prices:
            values[security_class[h.ticker]] += h.shares * prices[h.ticker]
    cash = sum(a.cash for a in household.accounts)
    cash_included = CASH_CLASS in classes
    if cash_included:
        values[classes[CASH_CLASS]] += cash
    return dict(values), cash_included, 0.0 if cash_included else cash


def effective_targets(household: Household, values: dict[str, float], total: float) -> dict[str, float]:
    """Tradable targets scaled to fill 1 - (weight of the non-tradable classes)."""
    fixed = [t for t in household.targets if not t.tradable]
    if not fixed or total <= 0:
        return {t.asset_class: t.target for t in household.targets}
    fixed_weight = sum(values.get(t.asset_class, 0.0) for t in fixed) / total
    tradable_sum = sum(t.target for t in household.targets if t.tradable)
    scale = max(0.0, 1.0 - fixed_weight) / tradable_sum if tradable_sum > 0 else 0.0
    return {t.asset_class: t.target if not t.tradable else t.target * scale for t in household.targets}


def drift_report(household: Household) -> DriftReport:
    values, cash_included, idle_cash = class_values(household)
    total = sum(values.values())
    targets = effective_targets(household, values, total)
    rows = []
    for t in household.targets:
        value = values.get(t.asset_class, 0.0)
        weight = value / total if total > 0 else 0.0
        target = targets[t.asset_class]
        width = band_width(target, household.settings, t)
        low, high = band_edges(target, width)
        drift = weight - target
        rows.append(DriftRow(
            asset_class=t.asset_class, policy_target=t.target, target=target, value=value, weight=weight,
            drift=drift, relative_drift=drift / target if target > 0 else None, band=width,
            band_low=low, band_high=high, tradable=t.tradable, side=breach(drift, width),
        ))
    return DriftReport(tuple(rows), total, cash_included, idle_cash)
