"""The xlwings version guard: ``new`` records the xlwings version whose macros it copied;
``check`` warns when the installed xlwings differs and says ``new NEW --from OLD`` fixes it."""
from __future__ import annotations

import importlib.metadata
import zipfile
from pathlib import Path

import pytest

from xlrebalance.check import check_workbook
from xlrebalance.cli import main
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.checker import xlwings_version_issues
from xlrebalance.workbook.xlwings_parts import CUSTOM_PROPERTIES, recorded_xlwings_version

INSTALLED = importlib.metadata.version("xlwings")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("version") / "version_book.xlsm", sample=True).workbook


def with_recorded_version(source: Path, target: Path, version: str) -> Path:
    """A copy of ``source`` whose custom property says it was built with ``version``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == CUSTOM_PROPERTIES:
                data = data.replace(f"<vt:lpwstr>{INSTALLED}</vt:lpwstr>".encode(),
                                    f"<vt:lpwstr>{version}</vt:lpwstr>".encode())
                assert version.encode() in data
            new.writestr(info, data)
    return target


def test_new_records_the_installed_xlwings_version(built):
    assert recorded_xlwings_version(built) == INSTALLED


def test_check_is_quiet_when_the_versions_match(built):
    assert xlwings_version_issues(built) == []
    assert "xlwings_version" not in {i.code for i in check_workbook(built).issues}


def test_check_warns_when_xlwings_was_upgraded(built, tmp_path, capsys):
    old = with_recorded_version(built, tmp_path / "old_book.xlsm", "0.30.0")
    result = check_workbook(old)
    (issue,) = [i for i in result.issues if i.code == "xlwings_version"]
    assert not issue.is_error
    assert f"built with xlwings 0.30.0, but xlwings {INSTALLED} is installed" in issue.message
    assert "xlwings64-0.30.0.dll" in issue.message
    assert "xlrebalance new old_book_new.xlsm --from old_book.xlsm" in issue.message
    assert result.valid          # a warning: the answers are still computed
    assert main(["check", str(old)]) == 0
    assert "--from old_book.xlsm" in capsys.readouterr().out


def test_a_workbook_without_the_record_gets_no_warning(built, tmp_path):
    bare = tmp_path / "bare_book.xlsm"
    with zipfile.ZipFile(built) as old, zipfile.ZipFile(bare, "w") as new:
        for info in old.infolist():
            if info.filename != CUSTOM_PROPERTIES:
                new.writestr(info, old.read(info))
    assert recorded_xlwings_version(bare) is None
    assert xlwings_version_issues(bare, installed="9.9.9") == []
