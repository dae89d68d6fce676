"""Cell parsing: what Excel, xlwings and pandas hand over."""
from datetime import date, datetime

import pandas as pd
import pytest

from xlrebalance import cells


@pytest.mark.parametrize("raw, value", [
    (60.0, 60.0), (3, 3.0), ("60%", 0.6), ("$1,234.50", 1234.5), (" 1,000 ", 1000.0), ("(1,234.50)", -1234.5),
    ("-$12", -12.0), ("1e3", 1000.0), (None, None), ("", None), ("  ", None), (float("nan"), None),
])
def test_parse_number(raw, value):
    assert cells.parse_number(raw) == (value, None)


@pytest.mark.parametrize("raw", ["abc", "12abc", True, date(2026, 1, 1), float("inf"), "1.2.3"])
def test_parse_number_rejects(raw):
    value, problem = cells.parse_number(raw)
    assert value is None and problem


@pytest.mark.parametrize("raw, value", [
    (datetime(2026, 3, 15, 0, 0), date(2026, 3, 15)), (date(2026, 3, 15), date(2026, 3, 15)),
    (46096.0, date(2026, 3, 15)),                      # Excel serial number (1900 system)
    (1.0, date(1900, 1, 1)), (61.0, date(1900, 3, 1)),  # Excel counts a fictitious 1900-02-29 (serial 60)
    ("2026-03-15", date(2026, 3, 15)), ("3/15/2026", date(2026, 3, 15)), ("15-Mar-2026", date(2026, 3, 15)),
    ("2026-03-15T00:00:00", date(2026, 3, 15)), (pd.Timestamp("2026-03-15"), date(2026, 3, 15)),
    (None, None), (pd.NaT, None),
])
def test_parse_date(raw, value):
    assert cells.parse_date(raw) == (value, None)


@pytest.mark.parametrize("raw", ["next week", "2026-13-01", -5.0, True])
def test_parse_date_rejects(raw):
    value, problem = cells.parse_date(raw)
    assert value is None and problem


@pytest.mark.parametrize("raw, value", [(True, True), ("TRUE", True), ("no", False), (1.0, True), (0, False)])
def test_parse_bool(raw, value):
    assert cells.parse_bool(raw) == (value, None)


def test_ticker_and_text():
    assert cells.parse_ticker(" vti ") == ("VTI", None)
    assert cells.parse_text(7.0) == ("7", None)              # an ID typed as a number
    assert cells.parse_text("  Joint   Taxable ") == ("Joint Taxable", None)


SAMPLES = [None, "", "  ", " vti ", "a  b", "x\ty", "a\u00a0b", "line\nbreak", 7.0, 3, float("nan"), float("inf"),
           True, False, "60%", "$1,234.50", "(12.5)", datetime(2026, 3, 15, 10, 0), date(2026, 3, 15), 46096.0,
           "2026-03-15", "TRUE", "no", pd.NaT, pd.Timestamp("2026-03-15")]


@pytest.mark.parametrize("kind", sorted(cells.PARSERS))
def test_a_whole_column_parses_as_its_cells_do(kind):
    values, problems = cells.parse_column(kind, SAMPLES)
    one_by_one = [cells.PARSERS[kind](raw) for raw in SAMPLES]
    assert values == [value for value, _ in one_by_one]
    assert problems == [(i, problem) for i, (_, problem) in enumerate(one_by_one) if problem]
