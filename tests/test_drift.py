"""Household drift: weights over all accounts, cash as a class, non-tradable classes."""
import pytest

from xlrebalance import Portfolio
from xlrebalance.core.drift import drift_report
from tests.households import tables


def report(*args, **kwargs):
    return drift_report(Portfolio.from_tables(tables(*args, **kwargs)).household)


@pytest.mark.parametrize("stocks, bonds, status_stocks, status_bonds", [
    (65.0, 35.0, "OK", "OK"),          # exactly at the 60+5 edge: inside
    (65.01, 34.99, "OVER", "UNDER"),   # just past it
    (55.0, 45.0, "OK", "OK"),
    (54.99, 45.01, "UNDER", "OVER"),
    (60.0, 40.0, "OK", "OK"),
])
def test_sixty_forty_edges(stocks, bonds, status_stocks, status_bonds):
    r = report({"Stocks": 0.6, "Bonds": 0.4}, {"Stocks": stocks, "Bonds": bonds})
    assert r.row("Stocks").status == status_stocks
    assert r.row("Bonds").status == status_bonds
    assert r.row("Stocks").drift == pytest.approx(stocks / 100 - 0.6)


def test_small_target_uses_relative_band():
    # Gold 10% target: band 7.5-12.5%; 13% is OVER though only 3 pp away.
    r = report({"Stocks": 0.6, "Bonds": 0.3, "Gold": 0.1}, {"Stocks": 57, "Bonds": 30, "Gold": 13})
    gold = r.row("Gold")
    assert (gold.band_low, gold.band_high) == (pytest.approx(0.075), pytest.approx(0.125))
    assert gold.status == "OVER"
    assert r.row("Stocks").status == "OK"


def test_cash_is_a_class_when_it_has_a_target():
    r = report({"Stocks": 0.55, "Bonds": 0.40, "Cash": 0.05}, {"Stocks": 55, "Bonds": 40}, cash=5.0)
    assert r.cash_included
    assert r.total == pytest.approx(100)
    assert r.row("Cash").weight == pytest.approx(0.05)


def test_cash_without_a_target_is_left_out_of_the_weights():
    r = report({"Stocks": 0.6, "Bonds": 0.4}, {"Stocks": 60, "Bonds": 40}, cash=50.0)
    assert not r.cash_included
    assert r.idle_cash == 50
    assert r.total == pytest.approx(100)
    assert r.row("Stocks").weight == pytest.approx(0.6)


def test_non_tradable_class_counts_but_never_breaches_and_others_rescale():
    # Employer stock stuck at 20% (target 10%): the tradable 60/30 are rescaled to fill 80%.
    r = report({"Stocks": 0.6, "Bonds": 0.3, "Employer": 0.1}, {"Stocks": 53.33, "Bonds": 26.67, "Employer": 20},
               tradable={"Employer": False})
    employer = r.row("Employer")
    assert employer.status == "NON-TRADABLE" and not employer.breached
    assert r.row("Stocks").target == pytest.approx(0.6 * 0.8 / 0.9)
    assert r.row("Bonds").target == pytest.approx(0.3 * 0.8 / 0.9)
    assert r.row("Stocks").status == "OK"
    assert sum(row.weight for row in r.rows) == pytest.approx(1.0)


def test_portfolio_drift_is_half_the_absolute_drifts():
    r = report({"Stocks": 0.6, "Bonds": 0.4}, {"Stocks": 68, "Bonds": 32})
    assert r.portfolio_drift == pytest.approx(0.08)


def test_per_class_band_override_in_targets_table():
    r = report({"Stocks": 0.6, "Bonds": 0.4}, {"Stocks": 63, "Bonds": 37}, bands={"Stocks": (0.02, None)})
    assert r.row("Stocks").status == "OVER"
    assert r.row("Bonds").status == "OK"


def test_a_class_with_a_target_and_no_holdings_is_all_drift():
    r = report({"Stocks": 0.6, "Bonds": 0.4}, {"Stocks": 100})
    assert r.row("Bonds").value == 0
    assert r.row("Bonds").status == "UNDER"
