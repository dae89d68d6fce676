"""``xlrebalance check``: one workbook, many workbooks, the JSON document, and the corpus of
malformed workbooks (each: exit code 2, a clear message, no traceback, the file unchanged)."""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from xlrebalance import cli
from xlrebalance.check import SCHEMA_VERSION, check_many, check_workbook, workbook_paths
from xlrebalance.check_json import many_document
from xlrebalance.prices.source import FetchResult, Quote
from xlrebalance.spec import layout
from xlrebalance.workbook.builder import build_workbook

from malformed.corpus import CASES, build

DOCS = Path(__file__).resolve().parents[1] / "docs" / "json-schema.md"


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("book") / "sample_book.xlsm", sample=True).workbook


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys, *argv) -> tuple[int, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


# ---------------------------------------------------------------------------------------
# The malformed corpus


def test_the_corpus_has_at_least_30_distinct_cases():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_malformed_workbook_exits_2_with_a_clear_message_and_is_not_changed(case, sample_book, tmp_path, capsys):
    path = build(case, sample_book, tmp_path)
    before = digest(path)
    code, output = run(capsys, "check", path)
    assert code == 2, output
    assert "Traceback" not in output
    assert f"[{case.code}]" in output, output
    for word in case.words:
        assert word in output, f"{word!r} missing from:\n{output}"
    assert digest(path) == before
    assert {p.name for p in tmp_path.iterdir()} == {path.name}        # nothing written beside it


@pytest.mark.parametrize("case", [c for c in CASES if c.name in
                                  {"missing_sheet_holdings", "text_in_shares", "merged_cells_lots", "xml_bomb",
                                   "csv_renamed", "values_over_price_formulas"}], ids=lambda c: c.name)
def test_a_malformed_workbook_as_json(case, sample_book, tmp_path, capsys):
    path = build(case, sample_book, tmp_path)
    code = cli.main(["check", str(path), "--json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 2 and document["exit_code"] == 2 and document["status"] == "invalid"
    assert document["answers"] is None and document["valid"] is False
    issue = next(i for i in document["issues"] if i["code"] == case.code)
    assert issue["severity"] == "error" and issue["message"]


def test_cell_problems_name_sheet_row_and_column(sample_book, tmp_path, capsys):
    case = next(c for c in CASES if c.name == "text_in_cost_basis")
    path = build(case, sample_book, tmp_path)
    cli.main(["check", str(path), "--json"])
    issue = next(i for i in json.loads(capsys.readouterr().out)["issues"] if i["code"] == "bad_value")
    assert (issue["sheet"], issue["table"], issue["row"], issue["column"]) == ("Lots", "Lots", 2, "Cost basis")


# ---------------------------------------------------------------------------------------
# A valid workbook


def test_a_valid_workbook_prints_the_answers_and_exits_0(sample_book, capsys):
    before = digest(sample_book)
    code, output = run(capsys, "check", sample_book)
    assert code == 0
    assert "Rebalance needed: YES" in output and "== Drift ==" in output and "US Stocks" in output
    assert "Tax-loss harvest candidates" in output
    assert digest(sample_book) == before


def test_fail_on_rebalance_exits_1_when_a_rebalance_is_due(sample_book, capsys):
    code, _ = run(capsys, "check", sample_book, "--fail-on-rebalance")
    assert code == 1


def test_the_json_document_of_a_valid_workbook(sample_book, capsys):
    code = cli.main(["check", str(sample_book), "--json", "--fail-on-rebalance"])
    document = json.loads(capsys.readouterr().out)
    assert code == 1 and document["exit_code"] == 1
    assert document["schema_version"] == SCHEMA_VERSION and document["status"] == "rebalance"
    answers = document["answers"]
    assert answers["as_of"] == "2026-11-20" and answers["needs_rebalance"] is True
    assert set(answers["out_of_band"]) == {"US Stocks", "Bonds"}
    drift = answers["drift"]
    assert drift["columns"] == list(layout().function("DRIFT").columns)
    assert {r["Asset class"]: r["Status"] for r in drift["rows"]}["US Stocks"] == "OVER"
    for key, function in (("trades", "TRADE_LIST"), ("harvest_candidates", "HARVEST_CANDIDATES"),
                          ("realized_gains", "REALIZED_GAINS")):
        section = answers[key]
        assert section["columns"] == list(layout().function(function).columns)
        assert all(set(row) == set(section["columns"]) for row in section["rows"])
        assert section["available"] or section["note"]


def test_the_json_schema_document_names_every_key(sample_book):
    """docs/json-schema.md is the contract: every key a document has is listed there."""
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_]+)`", text))
    result = check_workbook(sample_book)
    document = many_document([result])
    keys = set(document) | set(document["summary"]) | set(document["workbooks"][0])
    keys |= set(document["workbooks"][0]["answers"]) | set(document["workbooks"][0]["answers"]["drift"])
    bad = check_workbook(sample_book.parent / "missing.xlsm").to_dict()
    keys |= set(bad["issues"][0])
    assert keys <= documented, sorted(keys - documented)
    assert f'"schema_version": {SCHEMA_VERSION}' in text


class FixedSource:
    """Every ticker at one price, timestamped now."""

    name = "fixed"

    def __init__(self, price: float):
        self.price = price
        self.asked: list[str] = []

    def fetch(self, tickers, *, progress=None):
        tickers = list(tickers)
        self.asked += tickers
        now = datetime.now(timezone.utc)
        return FetchResult(quotes={t: Quote(t, self.price, "USD", now, "fixed") for t in tickers})


def test_live_prices_are_used_in_memory_and_the_file_is_not_written(sample_book):
    before = digest(sample_book)
    stored = check_workbook(sample_book)
    source = FixedSource(1.0)
    live = check_workbook(sample_book, live=True, price_source=source)
    assert source.asked and live.valid
    assert live.answers.household_value != stored.answers.household_value
    assert digest(sample_book) == before


def test_live_flag_on_the_command_line_uses_the_price_source(sample_book, capsys, monkeypatch):
    import xlrebalance.prices.refresh as refresh

    source = FixedSource(2.0)
    monkeypatch.setattr(refresh, "default_source", lambda: source)
    code, output = run(capsys, "check", sample_book, "--live")
    assert code == 0 and source.asked and "Traceback" not in output


# ---------------------------------------------------------------------------------------
# Many workbooks


@pytest.fixture()
def client_folder(sample_book, tmp_path) -> Path:
    folder = tmp_path / "clients"
    folder.mkdir()
    for name in ("client_a.xlsm", "client_b.xlsx"):
        shutil.copy(sample_book, folder / name)
    broken = {c.name: c for c in CASES}
    build(broken["truncated_zip"], sample_book, folder)
    build(broken["text_in_shares"], sample_book, folder)
    (folder / "~$client_a.xlsm").write_bytes(b"lock")         # Excel's lock file is skipped
    (folder / "notes.txt").write_text("not a workbook")
    return folder


def test_workbook_paths_lists_the_workbooks_of_a_folder(client_folder):
    names = [p.name for p in workbook_paths([client_folder])]
    assert names == ["client_a.xlsm", "client_b.xlsx", "text_in_shares.xlsm", "truncated_zip.xlsm"]


def test_check_many_in_two_processes_reports_every_workbook_in_order(client_folder):
    paths = workbook_paths([client_folder])
    seen = []
    results = check_many(paths, processes=2, progress=lambda done, total, result: seen.append((done, total)))
    assert [Path(r.path).name for r in results] == [p.name for p in paths]
    assert [r.status() for r in results] == ["rebalance", "rebalance", "invalid", "invalid"]
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_check_of_a_folder_flags_the_workbooks_out_of_tolerance(client_folder, capsys):
    before = {p.name: digest(p) for p in client_folder.iterdir()}
    code, output = run(capsys, "check", client_folder, "--no-progress")
    assert code == 2 and "Traceback" not in output
    assert re.search(r"!! client_a\.xlsm\s+REBALANCE NEEDED", output)
    assert re.search(r"!! truncated_zip\.xlsm\s+INVALID", output)
    assert "expected a number, found text 'ten'" in output
    assert "4 workbooks: 0 ok, 0 out of band (not due), 2 need a rebalance, 2 invalid" in output
    assert {p.name: digest(p) for p in client_folder.iterdir()} == before


def test_check_of_several_paths_as_json(client_folder, capsys):
    paths = [client_folder / "client_a.xlsm", client_folder / "client_b.xlsx"]
    code = cli.main(["check", *map(str, paths), "--json", "--no-progress", "--processes", "1"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and document["exit_code"] == 0
    assert document["summary"] == {"workbooks": 2, "ok": 0, "out_of_band": 0, "rebalance": 2, "invalid": 0}
    assert [Path(w["path"]).name for w in document["workbooks"]] == ["client_a.xlsm", "client_b.xlsx"]


def test_an_empty_folder_is_an_error(tmp_path, capsys):
    code, output = run(capsys, "check", tmp_path)
    assert code == 2 and "no .xlsx or .xlsm workbooks" in output


def test_demo_still_runs_offline(capsys):
    code, output = run(capsys, "demo")
    assert code == 0 and "Rebalance needed" in output


def crash_on_marked_files(path, live=False, today=None):
    """Stands in for ``safe_check`` in the workers: kills its process on files named CRASH."""
    import os

    from xlrebalance.check import check_workbook as real_check

    if "CRASH" in Path(path).name:
        os._exit(3)
    return real_check(path, live=live, today=today)


def test_a_workbook_that_kills_its_worker_is_reported_and_the_rest_still_run(sample_book, tmp_path, monkeypatch):
    import multiprocessing

    import xlrebalance.check as check_module

    if multiprocessing.get_start_method() != "fork":
        pytest.skip("the stand-in worker function reaches the workers only when they are forked")
    paths = []
    for name in ("a.xlsm", "CRASH.xlsm", "b.xlsm", "c.xlsm"):
        shutil.copy(sample_book, tmp_path / name)
        paths.append(tmp_path / name)
    monkeypatch.setattr(check_module, "safe_check", crash_on_marked_files)
    results = check_many(paths, processes=2)
    assert [Path(r.path).name for r in results] == ["a.xlsm", "CRASH.xlsm", "b.xlsm", "c.xlsm"]
    assert [r.status() for r in results] == ["rebalance", "invalid", "rebalance", "rebalance"]
    assert results[1].errors[0].code == "worker_crashed"


def test_a_workbook_of_plain_ranges_without_a_dashboard_is_answered_with_warnings(tmp_path, capsys):
    from openpyxl import Workbook

    from xlrebalance.sample import sample_tables

    path = tmp_path / "ranges.xlsx"
    book = Workbook()
    book.remove(book.active)
    for name, rows in sample_tables().items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    code, output = run(capsys, "check", path)
    assert code == 0, output
    assert "Rebalance needed: YES" in output
    assert "Warning [missing_table] sheet Holdings" in output


@pytest.mark.parametrize("column, value, text", [
    ("Weight", 0.517, "51.7%"),
    ("Amount", 60480.0, "60,480.00"),
    ("Shares", 816.0, "816"),
    ("Shares", 12.3456, "12.3456"),
    ("Date", __import__("datetime").date(2026, 3, 10), "2026-03-10"),
    ("Permanent", True, "TRUE"),
    ("Status", "OVER", "OVER"),
    ("Est. tax", None, ""),
])
def test_cell_text_formats_by_the_registry_output_types(column, value, text):
    from xlrebalance.check_text import cell_text

    assert cell_text(column, value) == text


@pytest.mark.parametrize("done, total, bar", [
    (0, 4, "[" + "." * 30 + "] 0/4"),
    (2, 4, "[" + "#" * 15 + "." * 15 + "] 2/4"),
    (4, 4, "[" + "#" * 30 + "] 4/4"),
])
def test_progress_text(done, total, bar):
    from xlrebalance.check_text import progress_text

    assert progress_text(done, total, "client.xlsm").startswith(bar)
    assert progress_text(done, total, "client.xlsm").endswith("client.xlsm")
