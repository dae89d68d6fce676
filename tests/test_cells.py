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


# ---------------------------------------------------------------------------------------
# Finite, plausible numbers whatever the cell type; error values are never blanks

@pytest.mark.parametrize("raw", ["1e308", "1e400", "-1e400", "1e13", 1e13, 1e300, "$2,000,000,000,000", "(1e15)",
                                 10**400])
def test_numbers_too_large_are_refused_typed_as_numbers_or_text(raw):
    from xlrebalance.cells import HugeNumber

    value, problem = cells.parse_number(raw)
    assert value is None and isinstance(problem, HugeNumber) and problem.code == "huge_number"


@pytest.mark.parametrize("kind", ["number", "money", "shares", "fraction"])
def test_the_column_fast_path_refuses_the_same_numbers(kind):
    values, problems = cells.parse_column(kind, [1.5, 1e12, "1e400", -1e13, None, "#N/A"])
    assert values == [1.5, None, None, None, None, None]
    assert [i for i, _ in problems] == [1, 2, 3, 5]


@pytest.mark.parametrize("error", ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", " #n/a "])
@pytest.mark.parametrize("parse", [cells.parse_number, cells.parse_date, cells.parse_bool, cells.parse_text,
                                   cells.parse_ticker, lambda raw: cells.parse_choice(raw, ("Taxable", "Roth"))])
def test_every_parser_reports_an_error_value_and_never_reads_it_as_blank(parse, error):
    value, problem = parse(error)
    assert value is None
    assert problem is not None and problem.code == "error_value"
    assert error.strip().upper() in problem and "fix the formula" in problem


@pytest.mark.parametrize("kind", ["text", "account", "ticker", "date", "bool"])
def test_error_values_take_the_slow_path_in_every_column_kind(kind):
    values, problems = cells.parse_column(kind, ["#N/A"])
    assert values == [None] and problems and problems[0][1].code == "error_value"


def test_text_that_only_starts_with_a_hash_is_text():
    assert cells.parse_text("#1 account") == ("#1 account", None)
