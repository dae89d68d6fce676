"""tables.py: the user's tables -> a Household, with every problem as an Issue (never a traceback)."""
from datetime import date

import pandas as pd
import pytest

from xlrebalance import InputError, Portfolio
from xlrebalance.sample import sample_tables
from tests.households import tables

GOOD = dict(targets={"Stocks": 0.6, "Bonds": 0.4}, values={"Stocks": 60, "Bonds": 40})


def issues_of(tables_):
    return Portfolio.from_tables(tables_).issues


def only(issues, code):
    found = [i for i in issues if i.code == code]
    assert found, f"no {code} issue in {[str(i) for i in issues]}"
    return found[0]


def test_sample_household_parses_cleanly():
    pf = Portfolio.from_tables(sample_tables())
    assert pf.issues == []
    assert len(pf.household.securities) == 15
    assert {a.type.value for a in pf.household.accounts} == {"Taxable", "Traditional", "Roth"}


def test_headers_are_case_and_space_insensitive_extra_columns_ignored_blank_rows_skipped():
    t = tables(**GOOD)
    t["Holdings"] = [["  ACCOUNT ", "ticker", "Share s", "Notes"],
                     ["Brokerage", " t0 ", "60", "core"], [None, None, None, None], ["", " ", None, "x"],
                     ["Brokerage", "T1", "$40.00", None]]
    pf = Portfolio.from_tables(t)
    assert pf.errors == []
    assert [(h.ticker, h.shares, h.row) for h in pf.household.holdings] == [("T0", 60.0, 2), ("T1", 40.0, 5)]


def test_dataframes_and_lists_give_the_same_answers():
    t = tables(**GOOD)
    frames = {name.lower(): pd.DataFrame(rows[1:], columns=rows[0]) for name, rows in t.items()}
    from_lists = Portfolio.from_tables(t).drift()
    from_frames = Portfolio.from_frames(**frames).drift()
    pd.testing.assert_frame_equal(from_lists, from_frames)


def test_integers_as_floats_and_dates_as_serials():
    t = tables(**GOOD, settings={"Last review": 46203.0})   # 2026-06-30 as an Excel serial
    pf = Portfolio.from_tables(t)
    assert pf.household.settings.last_review == date(2026, 6, 30)


def test_targets_not_summing_to_100_say_by_how_much():
    t = tables({"Stocks": 0.6, "Bonds": 0.35}, {"Stocks": 60, "Bonds": 40})
    issue = only(issues_of(t), "targets_not_100")
    assert issue.is_error and "95.00%" in issue.message and "5.00 percentage points short" in issue.message
    with pytest.raises(InputError):
        Portfolio.from_tables(t).drift()


def test_targets_typed_as_percent_numbers_are_accepted_with_a_warning():
    t = tables({"Stocks": 60.0, "Bonds": 40.0}, {"Stocks": 60, "Bonds": 40})
    pf = Portfolio.from_tables(t)
    issue = only(pf.issues, "targets_in_percent")
    assert not issue.is_error
    assert [x.target for x in pf.household.targets] == [0.6, 0.4]
    assert pf.drift()["Status"].tolist() == ["OK", "OK"]


def test_targets_typed_as_percent_text():
    t = tables({"Stocks": "60%", "Bonds": "40 %"}, {"Stocks": 60, "Bonds": 40})
    pf = Portfolio.from_tables(t)
    assert pf.issues == [] and [x.target for x in pf.household.targets] == [0.6, 0.4]


def test_duplicate_asset_class():
    t = tables(**GOOD)
    t["Targets"].append(["stocks", 0.0, None, None, True])
    issue = only(issues_of(t), "duplicate_class")
    assert (issue.table, issue.row, issue.column) == ("Targets", 4, "Asset class")


@pytest.mark.parametrize("shares, code, column", [(-5.0, "negative_shares", "Shares"), ("ten", "bad_value", "Shares")])
def test_negative_or_text_shares(shares, code, column):
    t = tables(**GOOD)
    t["Holdings"][1][2] = shares
    issue = only(issues_of(t), code)
    assert (issue.table, issue.row, issue.column) == ("Holdings", 2, column)
    assert issue.is_error


def test_holding_whose_ticker_is_not_in_securities():
    t = tables(**GOOD)
    t["Holdings"].append(["Brokerage", "ZZZ", 1.0])
    t["Prices"].append(["ZZZ", 1.0])
    issue = only(issues_of(t), "unknown_ticker")
    assert (issue.table, issue.row, issue.column, issue.ticker) == ("Holdings", 4, "Ticker", "ZZZ")


def test_held_security_whose_class_has_no_target_is_an_error():
    t = tables(**GOOD)
    t["Securities"].append(["GLD", "Gold"])
    t["Holdings"].append(["Brokerage", "GLD", 1.0])
    t["Prices"].append(["GLD", 1.0])
    issue = only(issues_of(t), "class_without_target")
    assert issue.is_error and "Gold" in issue.message


def test_unheld_security_whose_class_has_no_target_is_a_warning():
    t = tables(**GOOD)
    t["Securities"].append(["GLD", "Gold"])
    assert not only(issues_of(t), "class_without_target").is_error


@pytest.mark.parametrize("price, code, table, row", [
    (0.0, "bad_price", "Prices", 2), (None, "bad_price", "Prices", 2), ("n/a", "bad_value", "Prices", 2),
])
def test_missing_or_zero_price(price, code, table, row):
    t = tables(**GOOD)
    t["Prices"][1][1] = price
    issue = only(issues_of(t), code)
    assert (issue.table, issue.row) == (table, row)
    with pytest.raises(InputError):
        Portfolio.from_tables(t).drift()


def test_price_row_missing_for_a_holding():
    t = tables(**GOOD)
    del t["Prices"][1]
    issue = only(issues_of(t), "missing_price")
    assert (issue.table, issue.row, issue.column) == ("Holdings", 2, "Ticker")


def test_unknown_account_type():
    t = tables(**GOOD)
    t["Accounts"][1][1] = "Crypto wallet"
    issue = only(issues_of(t), "unknown_account_type")
    assert (issue.table, issue.row, issue.column) == ("Accounts", 2, "Type")
    assert "Taxable, Traditional, Roth, HSA" in issue.message


@pytest.mark.parametrize("typed, kind, employer", [
    ("Rollover IRA", "Traditional", False), ("401(k)", "Traditional", True), ("roth ira", "Roth", False),
    ("HSA", "HSA", False), ("Brokerage", "Taxable", False),
])
def test_account_type_aliases(typed, kind, employer):
    t = tables(**GOOD)
    t["Accounts"][1][1] = typed
    account = Portfolio.from_tables(t).household.accounts[0]
    assert (account.type.value, account.employer_plan) == (kind, employer)


def test_empty_holdings():
    t = tables(**GOOD)
    t["Holdings"] = t["Holdings"][:1]
    assert only(issues_of(t), "empty_holdings").is_error


def test_last_review_in_the_future():
    t = tables(**GOOD, settings={"Last review": date(2027, 1, 1)})
    issue = only(issues_of(t), "future_review")
    assert (issue.table, issue.column) == ("Settings", "Value") and issue.row is not None


@pytest.mark.parametrize("key, value", [("Absolute band", 5), ("Absolute band", 0), ("Relative band", 1.5),
                                        ("Relative band", -0.1), ("Absolute band", "wide")])
def test_band_settings_out_of_range(key, value):
    t = tables(**GOOD, settings={key: value})
    issue = [i for i in issues_of(t) if i.code in ("setting_out_of_range", "bad_setting")][0]
    assert issue.is_error and issue.table == "Settings" and key in issue.message


def test_per_class_band_out_of_range():
    t = tables(**GOOD, bands={"Stocks": (0.9, None)})
    issue = only(issues_of(t), "band_out_of_range")
    assert (issue.table, issue.row, issue.column) == ("Targets", 2, "Abs band")


def test_missing_required_column_names_the_headers_found():
    t = tables(**GOOD)
    t["Holdings"][0] = ["Account", "Symbol", "Shares"]
    issue = only(issues_of(t), "missing_column")
    assert issue.column == "Ticker" and "Symbol" in issue.message


def test_unknown_setting_and_bad_choice():
    t = tables(**GOOD, settings={"Rebalanse to": "Target", "Trigger": "Sometimes"})
    issues = issues_of(t)
    assert not only(issues, "unknown_setting").is_error
    assert "Hybrid, Threshold, Calendar" in only(issues, "bad_setting").message


@pytest.mark.parametrize("junk", [
    [[1, 2, 3]], [["Account"]], [[None]], [], [[float("nan"), "x"], [object(), 5]],
])
def test_junk_tables_give_issues_not_tracebacks(junk):
    t = tables(**GOOD)
    t["Holdings"] = junk
    pf = Portfolio.from_tables(t)
    assert pf.errors
    with pytest.raises(InputError):
        pf.needs_rebalance()


def test_no_accounts_table_means_taxable_with_a_warning():
    t = tables(**GOOD)
    del t["Accounts"]
    pf = Portfolio.from_tables(t)
    assert not pf.errors
    assert only(pf.issues, "no_accounts").severity.value == "warning"


def test_issue_text_names_table_row_and_column():
    t = tables(**GOOD)
    t["Holdings"][1][2] = "ten"
    assert str(only(issues_of(t), "bad_value")).startswith("Error [bad_value] Holdings, row 2, column 'Shares':")


@pytest.mark.parametrize("table", ["Holdings", "Targets", "Prices"])
def test_a_missing_required_table_is_an_error(table):
    t = tables(**GOOD)
    del t[table]
    issue = only(issues_of(t), "missing_table")
    assert issue.is_error and issue.table == table


def test_one_bad_holding_row_does_not_also_say_the_table_is_empty():
    t = tables(**GOOD)
    t["Holdings"] = t["Holdings"][:2]
    t["Holdings"][1][2] = "ten"
    codes = [i.code for i in issues_of(t)]
    assert "bad_value" in codes and "empty_holdings" not in codes


def test_a_price_older_than_the_setting_warns_but_still_answers():
    t = tables(**GOOD, settings={"Stale price days": 3})
    t["Prices"] = [["Ticker", "Price", "As of"], ["T0", 1.0, date(2026, 11, 10)], ["T1", 1.0, date(2026, 11, 20)]]
    pf = Portfolio.from_tables(t)
    issue = only(pf.issues, "stale_price")
    assert not issue.is_error and issue.ticker == "T0"
    assert len(pf.drift()) == 2


def test_fast_built_values_equal_their_dataclass():
    from dataclasses import fields

    from xlrebalance.core.model import Holding, Lot, Price, Security
    from xlrebalance.core.heap import build

    for cls, values in [(Holding, ("A", "VTI", 1.0, 2)), (Security, ("VTI", "US", "G", None)),
                        (Price, ("VTI", 1.0, "USD", None, "", "", 3)),
                        (Lot, ("A", "VTI", "L1", date(2026, 1, 2), 1.0, 2.0, 4))]:
        made = build(cls, **dict(zip([f.name for f in fields(cls)], values)))
        assert made == cls(*values) and hash(made) == hash(cls(*values)) and repr(made) == repr(cls(*values))
        with pytest.raises(Exception):
            made.ticker = "X"
