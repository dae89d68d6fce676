"""`xlrebalance prices PATH`: prints the quotes, writes CSV on request, never touches the workbook."""
from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest

from xlrebalance.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "yahoo"


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    from xlrebalance.workbook.builder import build_workbook

    path = tmp_path_factory.mktemp("book") / "household.xlsm"
    build_workbook(path, sample=True)
    return path


def test_prices_command_prints_quotes_and_writes_csv(workbook, tmp_path, capsys):
    before = hashlib.sha256(workbook.read_bytes()).hexdigest()
    out = tmp_path / "prices.csv"
    code = main(["prices", str(workbook), "--replay", str(FIXTURES), "--csv", str(out), "--no-progress"])
    printed = capsys.readouterr()
    assert code == 0
    lines = printed.out.splitlines()
    assert lines[0].split() == ["Ticker", "Price", "Currency", "As", "of", "Source", "Status"]
    vti = next(line for line in lines if line.split()[0] == "VTI")
    assert "332.1800" in vti and vti.rstrip().endswith("OK")
    assert any(line.split()[0] == "MSFT" and "STALE: unknown ticker" in line for line in lines[1:])
    assert "not changed" in printed.err
    rows = {r["Ticker"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["VTI"]["Price"] == "332.18" and rows["VTI"]["As of"] == "2026-11-20T16:00:00-05:00"
    assert rows["MSFT"]["Status"].startswith("STALE: unknown ticker")
    assert hashlib.sha256(workbook.read_bytes()).hexdigest() == before


def test_prices_command_everything_fails_still_prints_previous_prices(workbook, capsys, monkeypatch):
    from xlrebalance.prices import replay

    real = replay.ReplaySession

    def offline(folder, **kwargs):
        return real(folder, down=True)

    monkeypatch.setattr(replay, "ReplaySession", offline)
    assert main(["prices", str(workbook), "--replay", str(FIXTURES), "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    vti = next(line for line in lines if line.split()[0] == "VTI")
    assert "STALE: no connection to Yahoo" in vti


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert main(["prices", str(tmp_path / "nope.xlsm"), "--replay", str(FIXTURES), "--no-progress"]) == 2
    assert "nope.xlsm" in capsys.readouterr().err
