"""`check DIR`: each workbook within a time and memory budget; one past it is stopped and
reported (too_slow / too_large) while the others finish."""
from __future__ import annotations

import json
import multiprocessing
import shutil
import time
from pathlib import Path

import pytest

from xlrebalance import cli
from xlrebalance.batch.pool import Budget, run_budgeted
from xlrebalance.check import check_many
from xlrebalance.workbook.builder import build_workbook

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the stand-in tasks reach the workers only when they are forked")


def grow_forever():
    """Take memory 20 MB at a time (touched, so it is resident) for up to 4 GB."""
    hoard = []
    for _ in range(200):
        hoard.append(bytearray(b"x" * (20 << 20)))
        time.sleep(0.01)
    return len(hoard)


def stand_in(item):
    if item == "slow":
        time.sleep(60)
    if item == "large":
        return grow_forever()
    return item.upper()


def run(items, budget):
    done, stopped = {}, {}
    run_budgeted(items, stand_in, processes=2, budget=budget,
                 on_result=lambda i, value: done.__setitem__(i, value),
                 on_overrun=lambda i, overrun: stopped.__setitem__(i, overrun))
    return done, stopped


def test_one_slow_and_one_large_item_are_stopped_and_the_rest_finish():
    start = time.monotonic()
    done, stopped = run(["a", "slow", "b", "large", "c", "d"], Budget(seconds=2, memory_mb=300))
    elapsed = time.monotonic() - start
    assert done == {0: "A", 2: "B", 4: "C", 5: "D"}
    assert stopped[1].kind == "too_slow" and stopped[1].seconds >= 2
    assert stopped[3].kind == "too_large" and not stopped[3].died
    assert elapsed < 20, elapsed


def test_an_item_that_raises_is_raised_in_the_caller():
    with pytest.raises(ZeroDivisionError):
        run_budgeted([1, 0], lambda x: 1 / x, processes=1, budget=Budget(),
                     on_result=lambda *a: None, on_overrun=lambda *a: None)


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("book") / "budget_book.xlsm", sample=True).workbook


def _slow_or_large(real):
    def check(path, live=False, today=None):
        name = Path(path).name
        if name.startswith("slow"):
            time.sleep(60)
        if name.startswith("large"):
            grow_forever()
        return real(path, live=live, today=today)
    return check


def test_check_dir_reports_too_slow_and_too_large_and_answers_the_rest(sample_book, tmp_path, monkeypatch, capsys):
    import xlrebalance.check as check_module

    for name in ("a.xlsm", "slow.xlsm", "b.xlsm", "large.xlsm", "c.xlsm"):
        shutil.copy(sample_book, tmp_path / name)
    monkeypatch.setattr(check_module, "safe_check", _slow_or_large(check_module.safe_check))
    start = time.monotonic()
    code = cli.main(["check", str(tmp_path), "--json", "--no-progress", "--max-seconds", "3",
                     "--max-memory-mb", "400"])
    elapsed = time.monotonic() - start
    document = json.loads(capsys.readouterr().out)
    by_name = {Path(w["path"]).name: w for w in document["workbooks"]}
    assert [by_name[n]["status"] for n in ("a.xlsm", "b.xlsm", "c.xlsm")] == ["rebalance"] * 3
    assert [i["code"] for i in by_name["slow.xlsm"]["issues"]] == ["too_slow"]
    assert "--max-seconds" in by_name["slow.xlsm"]["issues"][0]["message"]
    assert [i["code"] for i in by_name["large.xlsm"]["issues"]] == ["too_large"]
    assert code == 2 and elapsed < 30, elapsed


def test_check_many_with_one_process_still_has_a_budget(sample_book, tmp_path, monkeypatch):
    import xlrebalance.check as check_module

    for name in ("a.xlsm", "slow.xlsm"):
        shutil.copy(sample_book, tmp_path / name)
    monkeypatch.setattr(check_module, "safe_check", _slow_or_large(check_module.safe_check))
    results = check_many(sorted(tmp_path.iterdir()), processes=1, budget=Budget(seconds=3))
    assert [r.status() for r in results] == ["rebalance", "invalid"]
    assert results[1].errors[0].code == "too_slow"
