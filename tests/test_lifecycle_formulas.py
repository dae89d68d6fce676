"""Which formulas typed in an old workbook's data cells are carried as formulas, and how
they are rewritten (table-driven: the old sheet's layout, the formula, what NEW gets)."""
from __future__ import annotations

import pytest

from xlrebalance.lifecycle.formulas import TablePlace, Target, carried_formula
from xlrebalance.lifecycle.migrate import Rename, migrate
from xlrebalance.workbook.formulas import TypedFormula

# The old Lots table sat at B3 (header row 3): B Account, C Ticker, D Lot ID, E Date acquired,
# F Shares, G Cost basis, H Note (an extra column).
PLACE = TablePlace("Lots", "Lots", "Lots", {2: "Account", 3: "Ticker", 4: "Lot ID", 5: "Acquired", 6: "Shares",
                                              7: "Cost basis", 8: "Note"})
TARGET = Target(
    tables={"lots": ("Lots", {"account": "Account", "ticker": "Ticker", "lotid": "Lot ID", "acquired": "Acquired",
                              "shares": "Shares", "costbasis": "Cost basis", "note": "Note"}),
            "prices": ("Prices", {"ticker": "Ticker", "price": "Price"})},
    names=frozenset({"householdvalue"}),
    renamed={"lots": {"dateacquired": "Acquired"}},
)

CASES = [
    # formula typed in row 7                         carried as (None = its value, with the reason)
    ("=F7*2",                                        "=Lots[[#This Row],[Shares]]*2"),
    ("=$F$7+G7",                                     "=Lots[[#This Row],[Shares]]+Lots[[#This Row],[Cost basis]]"),
    ("=Lots!F7/2",                                   "=Lots[[#This Row],[Shares]]/2"),
    ("=G7/F7",                                       "=Lots[[#This Row],[Cost basis]]/Lots[[#This Row],[Shares]]"),
    ("=YEAR(Lots[[#This Row],[Date acquired]])",     "=YEAR(Lots[[#This Row],[Acquired]])"),
    ("=SUM(Lots[Shares])",                           "=SUM(Lots[Shares])"),
    ("=[@Shares]*2",                                 "=Lots[[#This Row],[Shares]]*2"),
    ('=IF(H7="x",TRUE,FALSE)',                       '=IF(Lots[[#This Row],[Note]]="x",TRUE,FALSE)'),
    ("=DATE(2026,11,20)",                            "=DATE(2026,11,20)"),
    ("=HouseholdValue*0.01",                         "=HouseholdValue*0.01"),
    ("=INDEX(Prices[Price],MATCH(C7,Prices[Ticker],0))",
     "=INDEX(Prices[Price],MATCH(Lots[[#This Row],[Ticker]],Prices[Ticker],0))"),
    ("=F6+1",                                        "another row (F6)"),
    ("=SUM(F2:F7)",                                  "a range (F2:F7)"),
    ("=Prices!B2",                                   "another sheet (Prices!B2)"),
    ("=[1]Sheet1!A1",                                "another workbook"),
    ("=A7",                                          "outside the Lots table"),
    ("=MyRate*F7",                                   "the name MyRate"),
    ("=Budget[Amount]",                              "the table Budget"),
    ("=Lots[Basis]",                                 "the column Basis"),
    ("=#REF!+1",                                     "#REF!"),
]


@pytest.mark.parametrize("typed, expected", CASES)
def test_formula_carried_or_kept_as_value(typed, expected):
    text, reason = carried_formula(TypedFormula(7, 8, typed), PLACE, TARGET)
    if expected.startswith("="):
        assert (text, reason) == (expected, "")
    else:
        assert text is None and expected in reason


def test_array_formulas_are_values():
    text, reason = carried_formula(TypedFormula(7, 8, "=F7*2", "array"), PLACE, TARGET)
    assert text is None and "array formula" in reason


def test_migrate_renames_columns_and_settings_keys_only_when_the_new_name_is_absent():
    renames = [Rename("Lots", "Acquired", ("Date acquired",)), Rename("Settings", "Wash window days", ("Wash window",),
                                                                        kind="setting")]
    tables = {"Lots": [["Account", "Date Acquired"], ["A", 1]],
              "Settings": [["Setting", "Value"], ["Wash window", 31.0], ["Trigger", "Hybrid"]]}
    migrated, done = migrate(tables, renames)
    assert migrated["Lots"][0] == ["Account", "Acquired"]
    assert migrated["Settings"][1] == ["Wash window days", 31.0]
    assert done == ["Lots: column 'Date Acquired' is now 'Acquired'",
                    "Settings: key 'Wash window' is now 'Wash window days'"]
    assert tables["Lots"][0] == ["Account", "Date Acquired"]          # the input is not changed
    both = {"Lots": [["Acquired", "Date acquired"], [1, 2]]}
    assert migrate(both, renames) == (both, [])
