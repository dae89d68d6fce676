"""LibreOffice Calc opens the generated workbook headless, recalculates every formula, and
its native-formula values (prices, values, weights, targets, bands, totals) equal the
engine's.

Skipped only where LibreOffice is not installed *and* this is not CI: in CI (``CI`` set)
a missing ``soffice`` fails, so these checks can never be skipped silently there.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date, datetime

import openpyxl
import pytest

from xlrebalance.core.drift import drift_report
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout
from xlrebalance.tables import parse_household
from xlrebalance.workbook.builder import build_workbook, formula_columns

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
DASH = layout().raw["workbook"]["dashboard"]

if SOFFICE is None and os.environ.get("CI"):
    pytest.fail("LibreOffice (soffice) is required in CI: install libreoffice-calc-nogui", pytrace=False)
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

#: A profile that makes Calc recalculate OOXML files on load (OOXMLRecalcMode 0 = always);
#: otherwise it would show the cached values the builder wrote.
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def variant_tables(band_rule: str = "Tighter", cash_target: bool = False) -> dict[str, list[list]]:
    """The sample with more branches of the native formulas in play: per-class band
    overrides (absolute on US Stocks, relative on International), an asset class spelled in
    another case in Securities, a holding with no price, the given band rule, and optionally
    a Cash target (then account cash counts)."""
    tables = {name: [list(row) for row in rows] for name, rows in sample_tables().items()}
    targets = tables["Targets"]
    header = targets[0]
    at = {name: header.index(name) for name in ("Asset class", "Target", "Abs band", "Rel band", "Tradable")}
    for row in targets[1:]:
        if row[at["Asset class"]] == "US Stocks":
            row[at["Abs band"]] = 0.03
        if row[at["Asset class"]] == "International":
            row[at["Rel band"]] = 0.1
    if cash_target:
        for row in targets[1:]:
            if row[at["Asset class"]] == "US Stocks":
                row[at["Target"]] -= 0.05
        cash = [None] * len(header)
        cash[at["Asset class"]], cash[at["Target"]], cash[at["Tradable"]] = "Cash", 0.05, True
        targets.append(cash)
    settings = tables["Settings"]
    settings[:] = [row for row in settings if str(row[0]).lower() != "band rule"] + [["Band rule", band_rule]]
    securities = tables["Securities"]
    class_at = securities[0].index("Asset class")
    for row in securities[1:]:
        if row[class_at] == "Bonds":
            row[class_at] = "bonds"
    securities.append(["NOPRICE", "REITs", None, None])
    holdings = tables["Holdings"]
    holdings.append([holdings[1][0], "NOPRICE", 10.0])
    return tables


SCENARIOS = {
    "sample": sample_tables,
    "overrides": variant_tables,
    "relative_cash": lambda: variant_tables("Relative", cash_target=True),
    "absolute": lambda: variant_tables("Absolute"),
}


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """scenario -> (household, openpyxl values of the file LibreOffice recalculated and saved)."""
    folder = tmp_path_factory.mktemp("libreoffice")
    profile = folder / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    built = {name: build_workbook(folder / f"{name}_book.xlsm", tables=make()) for name, make in SCENARIOS.items()}
    out = folder / "out"
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", "xlsx", "--outdir", str(out)] + [str(b.workbook) for b in built.values()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    answers = {}
    for name, make in SCENARIOS.items():
        converted = out / f"{name}_book.xlsx"
        assert converted.is_file(), f"LibreOffice did not convert {name}: {result.stdout}\n{result.stderr}"
        answers[name] = (parse_household(make()), openpyxl.load_workbook(converted, data_only=True))
    return answers


def dashboard_cell(book, name: str):
    row = DASH["first_cell_row"] + [c["name"] for c in DASH["cells"]].index(name)
    return book[DASH["sheet"]][f"B{row}"].value


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_libreoffice_really_recalculated(recalculated, scenario):
    """The builder caches the engine's answers; a recalculation shows the Excel functions as
    unknown names (LibreOffice has no Python) and computes TODAY-based cells itself."""
    household, book = recalculated[scenario]
    assert dashboard_cell(book, "NeedsRebalance") == "#NAME?"
    as_of = dashboard_cell(book, "AsOfDate")
    as_of = as_of.date() if isinstance(as_of, datetime) else as_of
    assert as_of == household.settings.as_of == date(2026, 11, 20)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_holdings_price_and_value_equal_the_engine(recalculated, scenario):
    household, book = recalculated[scenario]
    sheet = book["Holdings"]
    names = [c.name for c in layout().table("Holdings").columns] + [f.name for f in formula_columns("Holdings")]
    prices = household.price_map()
    classes = {s.ticker: s.asset_class for s in household.securities}
    assert len(household.holdings) == sheet.max_row - 1
    for row, holding in enumerate(household.holdings, start=2):
        cell = {name: sheet.cell(row=row, column=i + 1).value for i, name in enumerate(names)}
        assert cell["Ticker"] == holding.ticker
        assert cell["Asset class"] == classes.get(holding.ticker, "")
        if holding.ticker in prices:
            assert cell["Price"] == pytest.approx(prices[holding.ticker])
            assert cell["Value"] == pytest.approx(holding.shares * prices[holding.ticker], abs=0.005)
        else:
            assert cell["Price"] in ("", None) and cell["Value"] in ("", None)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_household_total_equals_the_engine(recalculated, scenario):
    household, book = recalculated[scenario]
    assert dashboard_cell(book, "HouseholdValue") == pytest.approx(drift_report(household).total, abs=0.005)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_allocation_check_equals_the_engine_drift(recalculated, scenario):
    household, book = recalculated[scenario]
    report = drift_report(household)
    alloc = DASH["allocation"]
    names = [c["name"] for c in alloc["columns"]]
    sheet = book[DASH["sheet"]]

    def row_values(i: int) -> dict:
        return {n: sheet.cell(row=alloc["row"] + i, column=alloc["column"] + k).value for k, n in enumerate(names)}

    for i, expected in enumerate(report.rows, start=1):
        got = row_values(i)
        assert got["Asset class"] == expected.asset_class
        assert got["Tradable"] == expected.tradable
        assert got["Status"] == expected.status, expected.asset_class
        for column, value in (("Target", expected.policy_target), ("Value", expected.value),
                              ("Weight", expected.weight), ("Effective target", expected.target), ("Band", expected.band),
                              ("Band low", expected.band_low), ("Band high", expected.band_high)):
            assert got[column] == pytest.approx(value, abs=1e-9 if column != "Value" else 0.005), (
                expected.asset_class, column)
    for i in range(len(report.rows) + 1, alloc["rows"] + 1):
        assert all(v in ("", None) for v in row_values(i).values())


def test_scenarios_exercise_the_branches(recalculated):
    statuses, rules = set(), set()
    for name, (household, _) in recalculated.items():
        report = drift_report(household)
        statuses |= {r.status for r in report.rows}
        rules.add(household.settings.band_rule.value)
        assert {(i.code, i.ticker) for i in household.issues if i.is_error} <= {("missing_price", "NOPRICE")}, name
    assert statuses == {"OK", "OVER", "UNDER", "NON-TRADABLE"}
    assert rules == {"Tighter", "Relative", "Absolute"}
    assert drift_report(recalculated["relative_cash"][0]).cash_included
    assert any(t.rel_band is not None for t in recalculated["overrides"][0].targets)
