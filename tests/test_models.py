"""Model portfolios: a household's Targets come from its model (Settings 'Model'), its own
Targets rows override it class by class, and bad models or names are Issues."""
from __future__ import annotations

import pytest

from households import MODEL_TARGETS, model_household, model_tables
from xlrebalance import Portfolio
from xlrebalance.errors import InputError
from xlrebalance.models import parse_models


def book(targets=None):
    return parse_models(model_tables(targets), source="Models.xlsx")


def test_models_table_reads_each_model():
    models = book()
    assert models.names == ("Growth", "Balanced", "Income")
    growth = models.model("growth")
    assert [(r.asset_class, r.target, r.row) for r in growth.rows] == [
        ("US Stocks", 0.55, 2), ("Intl Stocks", 0.25, 3), ("Bonds", 0.20, 4)]
    assert growth.valid and not models.issues


def test_household_follows_its_model():
    # Growth: 55/25/20; holding 63/25/12 -> US Stocks +8 pp, over its 5 pp band (25% of 55% = 13.75 pp:
    # the tighter is 5): out of band; Bonds -8 pp, band min(5, 25% x 20% = 5) -> out too.
    pf = Portfolio.from_tables(model_household("Growth", {"US Stocks": 0.63, "Intl Stocks": 0.25, "Bonds": 0.12}),
                               models=book())
    drift = pf.drift().set_index("Asset class")
    assert drift.loc["US Stocks", "Target"] == pytest.approx(0.55)
    assert drift.loc["US Stocks", "Drift"] == pytest.approx(0.08)
    assert pf.needs_rebalance()
    assert not [i for i in pf.issues if i.code == "model_override"]


def test_own_targets_row_overrides_the_model_and_is_reported():
    # the household's own Targets: US Stocks 63%, Bonds 12% -> with Intl 25% from the model: 100%,
    # and its holdings are exactly on those targets: no drift, no rebalance
    tables = model_household("Growth", {"US Stocks": 0.63, "Intl Stocks": 0.25, "Bonds": 0.12},
                             targets=[["US Stocks", 0.63], ["Bonds", 0.12]])
    pf = Portfolio.from_tables(tables, models=book())
    overrides = [i for i in pf.issues if i.code == "model_override"]
    assert [(i.table, i.row) for i in overrides] == [("Targets", 2), ("Targets", 3)]
    assert "63.00% instead of 55.00%" in overrides[0].message
    assert pf.portfolio_drift() == pytest.approx(0.0)
    assert not pf.needs_rebalance()


def test_changing_the_model_changes_the_answer():
    tables = model_household("Balanced", {"US Stocks": 0.48, "Intl Stocks": 0.20, "Bonds": 0.32})
    assert Portfolio.from_tables(tables, models=book()).needs_rebalance()
    moved = {**MODEL_TARGETS, "Balanced": {"US Stocks": 0.48, "Intl Stocks": 0.20, "Bonds": 0.32}}
    assert not Portfolio.from_tables(tables, models=book(moved)).needs_rebalance()


def test_no_model_setting_keeps_the_workbooks_own_targets():
    tables = model_household(None, {"US Stocks": 0.5, "Bonds": 0.5},
                             targets=[["US Stocks", 0.5, None, None, None, "VTI"], ["Bonds", 0.5, None, None, None, "BND"]])
    tables["Securities"] += [["VTI", "US Stocks"], ["BND", "Bonds"]]
    pf = Portfolio.from_tables(tables, models=book())
    assert not pf.errors and pf.portfolio_drift() == pytest.approx(0.0)


def test_unknown_model_is_an_issue_on_the_settings_row():
    pf = Portfolio.from_tables(model_household("Aggressive", {"US Stocks": 1.0}), models=book())
    unknown = [i for i in pf.errors if i.code == "unknown_model"]
    assert len(unknown) == 1
    assert (unknown[0].table, unknown[0].row, unknown[0].column) == ("Settings", 5, "Value")
    assert "Models.xlsx" in unknown[0].message and "'Growth'" in unknown[0].message
    with pytest.raises(InputError):
        pf.drift()


def test_model_not_summing_to_100_names_the_models_rows():
    # Income: 20 + 10 + 65 = 95% -> 5 points short
    bad = {**MODEL_TARGETS, "Income": {"US Stocks": 0.20, "Intl Stocks": 0.10, "Bonds": 0.65}}
    models = book(bad)
    assert models.model("Income").issues[0].code == "model_targets_not_100"
    pf = Portfolio.from_tables(model_household("Income", {"US Stocks": 0.2, "Intl Stocks": 0.1, "Bonds": 0.7}),
                               models=models)
    [issue] = [i for i in pf.errors if i.code == "model_targets_not_100"]
    assert (issue.table, issue.row) == ("Models", 8)
    assert "95.00%" in issue.message and "Models.xlsx" in issue.message and "'Income'" in issue.message
    # the other models are still usable
    assert not Portfolio.from_tables(model_household("Growth", MODEL_TARGETS["Growth"]), models=models).errors


def test_held_class_the_model_lacks_names_the_holdings_row():
    tables = model_household("Growth", {"US Stocks": 0.5, "Intl Stocks": 0.25, "Bonds": 0.2})
    tables["Holdings"].append(["Brokerage", "GLD", 50.0])
    tables["Securities"].append(["GLD", "Gold"])
    tables["Prices"].append(["GLD", 100.0])
    pf = Portfolio.from_tables(tables, models=book())
    [issue] = [i for i in pf.errors if i.code == "model_lacks_class"]
    assert (issue.table, issue.row, issue.column) == ("Holdings", 5, "Ticker")
    assert "'Gold'" in issue.message and "'Growth'" in issue.message


def test_blank_model_cell_and_percent_model():
    models = parse_models({"Models": [["Model", "Asset class", "Target"], ["A", "Stocks", 60], ["A", "Bonds", 40],
                                      [None, "Cash", 0.1]]}, source="M.xlsx")
    assert [r.target for r in models.model("A").rows] == [0.6, 0.4]
    assert models.model("A").valid
    missing = parse_models({"Models": [["Model", "Target"], ["A", 1.0]]}, source="M.xlsx")
    assert missing.issues and missing.issues[0].code == "missing_column" and "M.xlsx" in missing.issues[0].message
