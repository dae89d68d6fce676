"""``check DIR --models Models.xlsx`` and ``new Models.xlsx --models``: households built as real
workbooks follow the models workbook; a bad household is reported and the rest still checked."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from households import MODEL_TARGETS, model_household, model_tables
from xlrebalance import cli
from xlrebalance.check import check_many, check_workbook
from xlrebalance.models import load_models
from xlrebalance.models.workbook import build_models_workbook
from xlrebalance.workbook.builder import build_workbook


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("models")
    build_models_workbook(root / "Models.xlsx", tables=model_tables())
    books = root / "clients"
    on_model = {"Growth": MODEL_TARGETS["Growth"]}
    build_workbook(books / "a_on_model.xlsm", tables=model_household("Growth", on_model["Growth"]))
    build_workbook(books / "b_drifted.xlsm", tables=model_household(
        "Income", {"US Stocks": 0.28, "Intl Stocks": 0.10, "Bonds": 0.62}))
    build_workbook(books / "c_unknown.xlsm", tables=model_household("Agressive", {"US Stocks": 1.0}))
    return root


def test_new_models_writes_a_workbook_that_reads_back(tmp_path, capsys):
    assert cli.main(["new", str(tmp_path / "M.xlsx"), "--models", "--sample"]) == 0
    assert "M.xlsx" in capsys.readouterr().out
    book = load_models(tmp_path / "M.xlsx")
    assert book.names == ("Growth", "Balanced", "Income") and not book.issues
    assert all(m.valid for m in book.models)
    assert ("VTI", "US Stocks") in {tuple(r[:2]) for r in book.securities}
    assert cli.main(["new", str(tmp_path / "M.xlsx"), "--models"]) == 2     # exists: no overwrite
    assert cli.main(["new", str(tmp_path / "Empty.xlsx"), "--models"]) == 0
    assert load_models(tmp_path / "Empty.xlsx").models == ()


def test_models_workbook_round_trips_its_rows(folder):
    book = load_models(folder / "Models.xlsx")
    assert [(m.name, [(r.asset_class, r.target, r.buy_ticker) for r in m.rows]) for m in book.models] == [
        (name, [(c, t, {"US Stocks": "VTI", "Intl Stocks": "VXUS", "Bonds": "BND"}[c]) for c, t in classes.items()])
        for name, classes in MODEL_TARGETS.items()]


def test_check_folder_with_models(folder, capsys):
    book = load_models(folder / "Models.xlsx")
    results = check_many(sorted((folder / "clients").glob("*.xlsm")), processes=2, models=book)
    status = {Path(r.path).stem: r.status() for r in results}
    # Income 20/10/70: US Stocks +8 pp (band min(5, 25% x 20% = 5)) -> out of band; Threshold -> rebalance
    assert status == {"a_on_model": "ok", "b_drifted": "rebalance", "c_unknown": "invalid"}
    unknown = next(r for r in results if r.path.endswith("c_unknown.xlsm"))
    assert [i.code for i in unknown.errors] == ["unknown_model"]
    code = cli.main(["check", str(folder / "clients"), "--models", str(folder / "Models.xlsx"), "--json",
                     "--no-progress"])
    document = json.loads(capsys.readouterr().out)
    assert code == 2
    assert {Path(w["path"]).stem: w["status"] for w in document["workbooks"]} == status


def test_without_models_a_model_household_has_no_targets(folder):
    result = check_workbook(folder / "clients" / "a_on_model.xlsm")
    assert not result.valid


def test_unreadable_models_workbook_is_a_clear_error(folder, tmp_path, capsys):
    missing = tmp_path / "Nope.xlsx"
    assert cli.main(["check", str(folder / "clients"), "--models", str(missing), "--no-progress"]) == 2
    assert "Nope.xlsx" in capsys.readouterr().err
