"""``check_many(..., cache=ResultCache(folder))``: a rerun takes kept results for unchanged
workbooks and checks only the changed ones; a changed model changes the context."""
from __future__ import annotations

import shutil
from pathlib import Path

from households import MODEL_TARGETS, model_household, model_tables
from xlrebalance import cli
from xlrebalance.batch.cache import ResultCache, run_context
from xlrebalance.check import check_many
from xlrebalance.models import parse_models
from xlrebalance.workbook.builder import build_workbook


def households(folder: Path) -> list[Path]:
    paths = []
    for i, shift in enumerate((0.0, 0.08, 0.01)):
        weights = dict(MODEL_TARGETS["Growth"])
        weights["US Stocks"] += shift
        weights["Bonds"] -= shift
        paths.append(build_workbook(folder / f"client_{i}.xlsm", tables=model_household("Growth", weights)).workbook)
    return paths


def test_rerun_checks_only_changed_workbooks(tmp_path, monkeypatch):
    paths = households(tmp_path / "clients")
    book = parse_models(model_tables())
    cache = ResultCache(tmp_path / "cache", run_context(models=book))
    first = check_many(paths, processes=2, models=book, cache=cache)
    assert [r.status() for r in first] == ["ok", "rebalance", "ok"] and cache.misses == 3

    # client_1 rebuilt on target: only it is checked again (a spy counts the checks made here)
    build_workbook(paths[1], tables=model_household("Growth", MODEL_TARGETS["Growth"]), force=True)
    import xlrebalance.check as check_module

    checked = []
    real = check_module.safe_check
    monkeypatch.setattr(check_module, "safe_check", lambda path, *a, **k: checked.append(Path(path).name) or
                        real(path, *a, **k))
    again = ResultCache(tmp_path / "cache", run_context(models=book))
    second = check_many(paths, processes=2, models=book, cache=again)
    assert checked == ["client_1.xlsm"] and again.hits == 2
    assert [r.status() for r in second] == ["ok", "ok", "ok"]
    assert [r.path for r in second] == [str(p) for p in paths]

    # a renamed file keeps its result
    renamed = tmp_path / "clients" / "renamed.xlsm"
    shutil.copy(paths[0], renamed)
    checked.clear()
    third = check_many([renamed], models=book, cache=ResultCache(tmp_path / "cache", run_context(models=book)))
    assert checked == [] and third[0].path == str(renamed) and third[0].status() == "ok"


def test_changed_model_is_a_new_context(tmp_path):
    paths = households(tmp_path / "clients")
    book = parse_models(model_tables())
    check_many(paths, models=book, cache=ResultCache(tmp_path / "cache", run_context(models=book)))
    moved = parse_models(model_tables({**MODEL_TARGETS, "Growth": {"US Stocks": 0.63, "Intl Stocks": 0.25,
                                                                   "Bonds": 0.12}}))
    cache = ResultCache(tmp_path / "cache", run_context(models=moved))
    results = check_many(paths, models=moved, cache=cache)
    assert cache.hits == 0
    # 55/25/20 held against 63/25/12: US Stocks 8 points under -> out; 63/25/12 held: on target
    assert [r.status() for r in results] == ["rebalance", "ok", "rebalance"]


def test_check_command_with_cache(tmp_path, capsys):
    households(tmp_path / "clients")
    build = tmp_path / "Models.xlsx"
    from xlrebalance.models.workbook import build_models_workbook

    build_models_workbook(build, tables=model_tables())
    argv = ["check", str(tmp_path / "clients"), "--models", str(build), "--cache", str(tmp_path / "cache"),
            "--no-progress", "--json"]
    cli.main(argv)
    first = capsys.readouterr().out
    assert list((tmp_path / "cache").rglob("*.pickle"))
    cli.main(argv)
    assert capsys.readouterr().out == first
