"""Tolerance bands: the 5/25 rule (Swedroe; PWL Capital) and its variants.

A band is a half-width in weight (fraction of the household): a class is in band while
``abs(weight - target) <= band`` (breach is strict; see ``model.WEIGHT_TOL``).
"""
from __future__ import annotations

from typing import Optional

from .model import WEIGHT_TOL, AssetClassTarget, BandRule, Settings


def band_width(target: float, settings: Settings, override: Optional[AssetClassTarget] = None) -> float:
    """Half-width of the band around ``target`` (a fraction), per-class overrides winning.

    Tighter (the 5/25 rule): min(absolute, relative x target); Absolute; Relative.
    """
    absolute = override.abs_band if override and override.abs_band is not None else settings.absolute_band
    relative = override.rel_band if override and override.rel_band is not None else settings.relative_band
    if settings.band_rule is BandRule.ABSOLUTE:
        return absolute
    if settings.band_rule is BandRule.RELATIVE:
        return relative * target
    return min(absolute, relative * target)


def band_edges(target: float, width: float) -> tuple[float, float]:
    """(low, high) weights of the band, kept within 0 and 1."""
    return max(0.0, target - width), min(1.0, target + width)


def breach(drift: float, width: float) -> int:
    """+1 above the band, -1 below it, 0 inside (the edge itself is inside)."""
    if drift > width + WEIGHT_TOL:
        return 1
    if drift < -width - WEIGHT_TOL:
        return -1
    return 0
