"""Bands and breaches (RULES.md "Bands and triggers"): the 5/25 rule, overrides, strict edges."""
import pytest

from xlrebalance.core.bands import band_edges, band_width, breach
from xlrebalance.core.model import AssetClassTarget, BandRule, Settings
from tests.households import AS_OF

BASE = Settings(as_of=AS_OF)


@pytest.mark.parametrize("target, rule, expected", [
    (0.60, BandRule.TIGHTER, 0.05),     # large target: absolute 5 pp wins
    (0.20, BandRule.TIGHTER, 0.05),     # 20%: both give 5 pp
    (0.10, BandRule.TIGHTER, 0.025),    # small target: 25% of 10% = 2.5 pp wins (7.5-12.5%)
    (0.04, BandRule.TIGHTER, 0.01),
    (0.10, BandRule.ABSOLUTE, 0.05),
    (0.60, BandRule.RELATIVE, 0.15),
    (0.00, BandRule.TIGHTER, 0.0),      # a 0% target: any holding is a breach
])
def test_band_width(target, rule, expected):
    settings = Settings(as_of=AS_OF, band_rule=rule)
    assert band_width(target, settings) == pytest.approx(expected)


def test_ten_percent_target_band_is_7_5_to_12_5():
    low, high = band_edges(0.10, band_width(0.10, BASE))
    assert (low, high) == (pytest.approx(0.075), pytest.approx(0.125))


@pytest.mark.parametrize("override, expected", [
    (AssetClassTarget("Gold", 0.10, abs_band=0.01), 0.01),           # class absolute tighter than 25%
    (AssetClassTarget("Gold", 0.10, rel_band=0.5), 0.05),            # class relative 50% -> min(5, 5)
    (AssetClassTarget("Gold", 0.10, abs_band=0.02, rel_band=0.1), 0.01),
    (AssetClassTarget("Gold", 0.10), 0.025),                         # no override: settings
])
def test_per_class_overrides_win(override, expected):
    assert band_width(0.10, BASE, override) == pytest.approx(expected)


@pytest.mark.parametrize("drift, width, side", [
    (0.05, 0.05, 0),                    # exactly at the edge: inside (breach is strict)
    (0.65 - 0.60, 0.05, 0),             # float noise at the edge is still the edge
    (-0.05, 0.05, 0),
    (0.0501, 0.05, 1),
    (-0.0501, 0.05, -1),
    (0.0, 0.0, 0),
    (1e-6, 0.0, 1),
])
def test_breach_is_strict(drift, width, side):
    assert breach(drift, width) == side
