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
