"""The command line under faults: strict JSON, output files written whole or not at all,
outputs that would destroy an input refused, a closed pipe, a read-only folder, a full
disk, an unreadable file: each a one-line message and its documented exit code."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from xlrebalance import cli
from xlrebalance.check_json import dumps
from xlrebalance.workbook.builder import build_workbook


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("book") / "cli_book.xlsm", sample=True).workbook


def strict_json(text: str):
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def test_dumps_never_writes_nan_or_infinity():
    text = dumps({"a": math.nan, "b": [math.inf, -math.inf, 1.5], "c": {"d": (math.nan,)}})
    assert strict_json(text) == {"a": None, "b": [None, None, 1.5], "c": {"d": [None]}}


def test_check_json_is_strict_json(sample_book, capsys):
    code = cli.main(["check", str(sample_book), "--json"])
    document = strict_json(capsys.readouterr().out)
    assert code == 0 and document["valid"] is True


# ---------------------------------------------------------------------------------------
# Helpers: the command line in this process, and in a child process under a fault

import csv
import errno
import hashlib
import os
import subprocess
import sys
import time

FIXTURES = Path(__file__).parent / "fixtures" / "yahoo"
SRC = Path(__file__).resolve().parents[1] / "src"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def child(argv, *, prelude: str = "", **popen):
    """``xlrebalance ARGV`` in a child Python (after ``prelude``), as a Popen."""
    script = f"import sys\n{prelude}\nfrom xlrebalance.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = {"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "HOME": "/tmp", "PYTHONDONTWRITEBYTECODE": "1",
           "XLREBALANCE_CACHE_DIR": os.environ.get("XLREBALANCE_CACHE_DIR", "/tmp")}
    return subprocess.Popen([sys.executable, "-c", script, *map(str, argv)], env=env, **popen)


# ---------------------------------------------------------------------------------------
# 6. Outputs never destroy an input

def test_prices_csv_onto_the_workbook_is_refused_and_the_workbook_unchanged(sample_book, tmp_path, capsys):
    book = tmp_path / "mine.xlsm"
    book.write_bytes(sample_book.read_bytes())
    before = digest(book)
    for target in (book, tmp_path / "." / "mine.xlsm", tmp_path / "prices.xlsx"):
        code, out, err = run(capsys, "prices", book, "--csv", target, "--replay", FIXTURES, "--no-progress")
        assert code == 2, err
        assert "Traceback" not in err and ("overwrite" in err or "not a workbook" in err), err
    assert digest(book) == before
    assert not (tmp_path / "prices.xlsx").exists()


def test_prices_csv_onto_a_hard_link_of_the_workbook_is_refused(sample_book, tmp_path, capsys):
    book = tmp_path / "mine.xlsm"
    book.write_bytes(sample_book.read_bytes())
    os.link(book, tmp_path / "alias.csv")
    before = digest(book)
    code, _, err = run(capsys, "prices", book, "--csv", tmp_path / "alias.csv", "--replay", FIXTURES,
                       "--no-progress")
    assert code == 2 and "overwrite" in err
    assert digest(book) == before


def test_report_onto_the_workbook_or_a_workbook_name_is_refused(sample_book, tmp_path, capsys):
    before = digest(sample_book)
    for target in (sample_book, tmp_path / "report.xlsx"):
        code, _, err = run(capsys, "report", sample_book, "-o", target)
        assert code == 2 and "Traceback" not in err
    assert digest(sample_book) == before


def test_check_dir_ignores_temporary_files(sample_book, tmp_path, capsys):
    (tmp_path / "book.xlsm").write_bytes(sample_book.read_bytes())
    (tmp_path / ".book.xlsm.k2j3h4.tmp").write_bytes(b"PK half a workbook")
    (tmp_path / ".book-x1y2.xlsm").write_bytes(b"PK half a workbook")
    (tmp_path / "~$book.xlsm").write_bytes(b"lock")
    code, out, _ = run(capsys, "check", tmp_path, "--json", "--no-progress")
    document = json.loads(out)
    assert [Path(w["path"]).name for w in document["workbooks"]] == ["book.xlsm"]
    assert code == 0


def test_new_removes_the_temporary_files_a_killed_new_left(tmp_path, capsys):
    stale = tmp_path / ".plan.xlsm.a1b2c3.tmp"
    stale.write_bytes(b"PK half")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = tmp_path / ".plan.xlsm.d4e5f6.tmp"      # another `new` may be writing this one now
    fresh.write_bytes(b"PK")
    code, out, _ = run(capsys, "new", tmp_path / "plan.xlsm")
    assert code == 0
    assert not stale.exists() and fresh.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".plan.xlsm.d4e5f6.tmp", "plan.py", "plan.xlsm"]


def test_a_killed_new_leaves_no_file_under_the_final_name(tmp_path):
    """Kill `new` while it writes: the final name is absent (or whole), never truncated."""
    target = tmp_path / "killed.xlsm"
    process = child(["new", target], prelude="import time, xlsxwriter\n"
                    "real = xlsxwriter.Workbook.close\n"
                    "def slow(self):\n    open('" + str(tmp_path / "started") + "', 'w').close(); "
                    "time.sleep(30); return real(self)\n"
                    "xlsxwriter.Workbook.close = slow", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while not (tmp_path / "started").exists() and time.time() < deadline:
        time.sleep(0.05)
    process.kill()
    process.wait()
    assert not target.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert all(p.name.startswith(".killed.xlsm.") for p in leftovers)


# ---------------------------------------------------------------------------------------
# 8. Formula injection

HOSTILE = ["=HYPERLINK(\"http://x\",\"click\")", "+CMD|' /C CALC'!A0", "@SUM(1+1)", "-2+3+cmd|' /C calc'!A0",
           "\t=1+1", "\r=1+1", "=cmd|'/c calc'!A1"]


def test_prices_csv_neutralises_text_a_spreadsheet_would_run(tmp_path):
    from xlrebalance.core.model import Price
    from xlrebalance.prices.refresh import write_csv

    rows = [Price(t, -1.5 if i == 0 else 10.0, "USD", None, "Manual", s) for i, (t, s) in
            enumerate(zip(HOSTILE, reversed(HOSTILE)))]
    out = write_csv(rows, tmp_path / "p.csv")
    parsed = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    for row in parsed:
        for column in ("Ticker", "Status"):
            assert row[column].startswith("'") and row[column][1:] in HOSTILE
    assert parsed[0]["Price"] == "-1.5"            # numbers are numbers


def test_the_excel_refresh_never_writes_formula_like_text():
    from xlrebalance.excel.refresh import write_prices
    from xlrebalance.files.formula import looks_like_formula
    from xlrebalance.prices.refresh import RefreshResult
    from xlrebalance.core.model import Price

    written = []

    class Range:
        def __init__(self, *corners):
            self.row, self.column, self.shape = 1, 1, (10, 6)

        @property
        def value(self):
            return None

        @value.setter
        def value(self, rows):
            written.extend(v for row in rows for v in row)

    class Table:
        range = Range()

        def resize(self, rng):
            pass

    class Sheet:
        def range(self, *corners):
            return Range()

    header = ["Ticker", "Price", "Currency", "As of", "Source", "Status"]
    previous = [header] + [[t, 1.0, "USD", None, "Manual", "=old"] for t in HOSTILE]
    rows = tuple(Price(t, 2.0, "=USD", None, "@Yahoo", "-STALE") for t in HOSTILE)
    write_prices(Sheet(), Table(), previous, RefreshResult(rows=rows, updated=tuple(HOSTILE)))
    assert written and not any(looks_like_formula(v) for v in written)
    assert "'=cmd|'/c calc'!A1" in written


# ---------------------------------------------------------------------------------------
# 9. Faults: a closed pipe, a full disk, a read-only folder, an unreadable file

def test_a_closed_pipe_exits_quietly_not_1(sample_book):
    process = child(["check", sample_book], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()                    # `| head -0`: the reader is gone before we write
    _, err = process.communicate(timeout=60)
    assert process.returncode == 141, err
    assert b"Traceback" not in err and b"BrokenPipe" not in err and b"Exception ignored" not in err


def test_a_closed_pipe_after_the_first_line(sample_book):
    process = child(["check", sample_book], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()          # `| head -1`
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert first and process.returncode in (0, 141), err
    assert b"Traceback" not in err and b"Exception ignored" not in err


FULL_DISK = ("import resource, signal\n"
             "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
             "resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))")


@pytest.mark.parametrize("command", ["report", "prices", "new"])
def test_a_full_disk_leaves_the_old_file_whole_and_says_so(sample_book, tmp_path, command):
    """Writes beyond 2,000 bytes fail in the child (RLIMIT_FSIZE: EFBIG, as ENOSPC would)."""
    target = tmp_path / {"report": "r.html", "prices": "p.csv", "new": "fresh.xlsm"}[command]
    target.write_bytes(b"the previous version")
    argv = {"report": ["report", sample_book, "-o", target],
            "prices": ["prices", sample_book, "--csv", target, "--replay", FIXTURES, "--no-progress"],
            "new": ["new", target, "--force"]}[command]
    process = child(argv, prelude=FULL_DISK, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = process.communicate(timeout=120)
    text = err.decode()
    assert process.returncode == 2, text
    assert "Traceback" not in text and "disk is full" in text and len(text.strip().splitlines()) <= 2, text
    assert target.read_bytes() == b"the previous version"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_full_disk_through_a_size_limited_file(tmp_path, monkeypatch):
    """The CSV written through a file object that refuses bytes past 100: nothing half-written."""
    from xlrebalance.core.model import Price
    from xlrebalance.files import output
    from xlrebalance.files.output import OutputError
    from xlrebalance.prices.refresh import write_csv

    real_open = open

    class Limited:
        def __init__(self, *args, **kwargs):
            self.stream, self.size = real_open(*args, **kwargs), 0

        def write(self, text):
            self.size += len(text)
            if self.size > 100:
                raise OSError(errno.ENOSPC, "No space left on device")
            return self.stream.write(text)

        def __getattr__(self, name):
            return getattr(self.stream, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

    monkeypatch.setattr(output, "open", Limited, raising=False)
    target = tmp_path / "p.csv"
    with pytest.raises(OutputError, match="disk is full"):
        write_csv([Price(f"T{i}", 1.0, "USD", None, "Yahoo", "OK") for i in range(50)], target)
    assert not target.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("command", ["report", "prices", "new"])
def test_a_read_only_folder_is_a_one_line_message(sample_book, tmp_path, capsys, monkeypatch, command):
    from xlrebalance.files import output

    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(output.tempfile, "mkstemp", read_only)
    target = tmp_path / {"report": "r.html", "prices": "p.csv", "new": "fresh.xlsm"}[command]
    argv = {"report": ["report", sample_book, "-o", target],
            "prices": ["prices", sample_book, "--csv", target, "--replay", FIXTURES, "--no-progress"],
            "new": ["new", target]}[command]
    code, _, err = run(capsys, *argv)
    assert code == 2 and "read-only" in err and "choose a folder you can write to" in err, err
    assert "Traceback" not in err and not target.exists()


@pytest.mark.parametrize("command", ["check", "prices", "report"])
def test_an_unreadable_workbook_is_not_called_a_bug(sample_book, tmp_path, capsys, monkeypatch, command):
    import builtins
    import io
    import pathlib

    book = tmp_path / "locked.xlsm"
    book.write_bytes(sample_book.read_bytes())
    real_open, real_path_open, real_io_open = builtins.open, pathlib.Path.open, io.open

    def refuse(file):
        if os.fspath(file) == str(book):
            raise PermissionError(errno.EACCES, "Permission denied", str(book))

    def guarded_open(file, *args, **kwargs):
        refuse(file) if isinstance(file, (str, os.PathLike)) else None
        return real_open(file, *args, **kwargs)

    def guarded_path_open(self, *args, **kwargs):
        refuse(self)
        return real_path_open(self, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(pathlib.Path, "open", guarded_path_open)
    argv = {"check": ["check", book], "report": ["report", book, "-o", tmp_path / "r.html"],
            "prices": ["prices", book, "--replay", FIXTURES, "--no-progress"]}[command]
    code, out, err = run(capsys, *argv)
    text = out + err
    assert code == 2, text
    assert "cannot be read (permission denied)" in text and "bug" not in text and "Traceback" not in text


# ---------------------------------------------------------------------------------------
# 10. `prices` on a file that is no workbook says what `check` says

@pytest.mark.parametrize("name", ["csv_renamed", "pdf_renamed", "truncated_zip", "word_document_renamed",
                                  "xml_bomb", "zip_bomb", "empty_file", "encrypted_or_xls"])
def test_prices_on_a_non_workbook_gives_the_check_message(name, sample_book, tmp_path, capsys):
    from malformed.corpus import CASES, build

    case = next(c for c in CASES if c.name == name)
    path = build(case, sample_book, tmp_path)
    code, out, err = run(capsys, "check", path, "--json")
    [issue] = [i for i in json.loads(out)["issues"] if i["code"] == case.code]
    code, out, err = run(capsys, "prices", path, "--replay", FIXTURES, "--no-progress")
    assert code == 2 and issue["message"] in err, err
    assert "Traceback" not in err and "EOCD" not in err and "_rels" not in err


def test_plain_numbers_are_not_neutralised_only_text_that_would_run():
    from xlrebalance.files.formula import inert

    assert [inert(v) for v in ("-12.50", "+3", "-1e5", "12", 7.5, None)] == ["-12.50", "+3", "-1e5", "12", 7.5, None]
    assert [inert(v) for v in ("-2+3", "+CMD|' /C CALC'!A0", "=1", "@SUM(1)", "\t1", "\r1", "-")] == \
        ["'-2+3", "'+CMD|' /C CALC'!A0", "'=1", "'@SUM(1)", "'\t1", "'\r1", "'-"]


def test_orders_csv_neutralises_text_cells_and_keeps_numbers():
    from xlrebalance.journal.formats import _csv

    text = _csv(["Account", "Est. tax", "Reason"], [["=HYPERLINK(\"http://x\")", "-12.50", "@SUM(1+1)"]])
    rows = list(csv.reader(text.splitlines()))
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", "-12.50", "'@SUM(1+1)"]


def test_new_from_a_book_whose_xlwings_conf_sheet_reaches_far_is_not_loaded_whole(sample_book, tmp_path, capsys):
    import zipfile

    from xlrebalance.workbook.package import open_package

    package, _ = open_package(sample_book)
    part = package.sheet("xlwings.conf").part
    old = tmp_path / "old.xlsm"
    with zipfile.ZipFile(sample_book) as source, zipfile.ZipFile(old, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                data = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x'
                                    b'</t></is></c></row></sheetData>')
            target.writestr(info.filename, data)
    # in a child process: were the sheet loaded whole, the allocation would abort the process
    process = child(["new", tmp_path / "fresh.xlsm", "--from", old], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert (tmp_path / "fresh.xlsm").exists()
