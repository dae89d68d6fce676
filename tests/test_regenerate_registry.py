"""Every table of the registry is carried, whatever it is: a table added to the layout
(Journal, Fills, ...) needs no change in `new --from`.  Rows are made from each column's
registry type, so a new table is covered the day it is added."""
from __future__ import annotations

from datetime import date

from xlrebalance.lifecycle import regenerate
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.reader import read_tables


def typed_value(column, n: int):
    """A value of the column's registry type for data row ``n``."""
    kind = column.type
    if column.choices:
        return column.choices[n % len(column.choices)]
    if kind == "date":
        return date(2026, 1 + n % 12, 1 + n)
    if kind == "bool":
        return n % 2 == 0
    if kind in ("number", "money", "shares", "fraction"):
        return round(0.25 + n * 1.5, 2)
    if kind == "ticker":
        return f"TK{n}"
    return f"{column.name} {n}"


def test_every_registry_table_is_carried(tmp_path):
    tables = sample_tables()
    generated = []
    for spec in layout().tables:
        if spec.name in tables:
            continue
        generated.append(spec.name)
        tables[spec.name] = [[c.name for c in spec.columns] + ["Own column"]] + [
            [typed_value(c, n) for c in spec.columns] + [f"mine {n}"] for n in range(3)]
    old = tmp_path / "every_table.xlsm"
    build_workbook(old, tables=tables)
    result = regenerate(old, tmp_path / "every_table_again.xlsm")
    before, after = read_tables(old).tables, read_tables(tmp_path / "every_table_again.xlsm").tables
    assert set(after) == {spec.name for spec in layout().tables}
    assert after == before
    for name in generated:
        assert result.report.rows[name] == 3
        assert result.report.extra_columns[name] == ("Own column",)
        assert after[name][1][-1] == "mine 0"


def test_old_missing_or_not_a_workbook_exit_2_with_the_reason(tmp_path, capsys):
    from xlrebalance.cli import main

    assert main(["new", str(tmp_path / "fresh.xlsm"), "--from", str(tmp_path / "nowhere.xlsm")]) == 2
    assert "does not exist" in capsys.readouterr().err
    text = tmp_path / "notes.xlsx"
    text.write_text("Account,Ticker\n", encoding="utf-8")
    assert main(["new", str(tmp_path / "fresh.xlsm"), "--from", str(text)]) == 2
    assert "not an Excel workbook" in capsys.readouterr().err
    assert not (tmp_path / "fresh.xlsm").exists() and not (tmp_path / "fresh.py").exists()
