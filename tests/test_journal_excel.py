"""The Approve plan and Record fills buttons' Python side, on a fake xlwings Book (Excel is
not here), the way tests/test_prices_excel_refresh.py proves Refresh prices: every write is
logged, so the tests show which tables (and columns) each button writes."""
from __future__ import annotations

import sys
from datetime import date, datetime

import pytest

from xlrebalance.excel import buttons, journal as excel_journal
from xlrebalance.journal.books import plan_run
from xlrebalance.journal.entries import COLUMNS, read_entries
from xlrebalance.journal.fills import parse_fills
from xlrebalance.journal.record import record_fills as record_pure
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout

from journal_helpers import FILL_HEADER, fills_from_orders, with_journal
from test_prices_excel_refresh import FakeBook

AS_OF = date(2026, 11, 20)
FORMULA_COLUMNS = ["Asset class", "Price", "Value"]


class FakeButtons:
    def __init__(self, captions):
        self.captions = captions

    def __call__(self, name):
        return type("Button", (), {"Caption": self.captions[name]})()


def fake_book(tables=None, *, caller=None, user="Sam Investor"):
    """The sample household's tables as Excel Tables, each on its own sheet at A1; Holdings
    with its formula columns (values as Excel computed them); an empty Journal and Fills
    (an empty Excel Table keeps one blank row)."""
    tables = tables or sample_tables()
    book = FakeBook()
    book.app.api = type("Api", (), {"Caller": caller, "UserName": user})()
    prices = {r[0]: r[1] for r in tables["Prices"][1:]}
    for spec in layout().tables:
        rows = [list(r) for r in tables.get(spec.name) or [[c.name for c in spec.columns]]]
        if len(rows) == 1:
            rows.append([None] * len(rows[0]))
        if spec.name == "Holdings":
            rows = [rows[0] + FORMULA_COLUMNS] + [r + ["", prices.get(r[1]), r[2] * prices.get(r[1], 0)]
                                                  for r in rows[1:]]
        book.add_sheet(spec.sheet).add_table(spec.name, rows)
    dashboard = book.add_sheet("Dashboard")
    dashboard.api = type("SheetApi", (), {"Buttons": FakeButtons({"Button 1": "Refresh prices",
                                                                   "Button 3": "Approve plan",
                                                                   "Button 4": "Record fills"})})()
    return book


def table_rows(book, name):
    for sheet in book.sheets:
        for table in sheet.tables:
            if table.name == name:
                return [list(r) for r in table.range.options(ndim=2).value]
    raise KeyError(name)


def written_sheets(book):
    return {sheet for sheet, _ in book.writes}


def journal_entries(book):
    return read_entries(table_rows(book, "Journal"))[0]


def test_approve_plan_appends_the_trade_list_as_approved_by_the_excel_user():
    book = fake_book()
    added = excel_journal.approve_plan(book, now=datetime(2026, 11, 20, 9, 30))
    expected = plan_run(sample_tables())             # what `xlrebalance orders` gives the same book
    assert added == len(expected.orders)
    entries = journal_entries(book)
    assert [e.order_id for e in entries] == [o.order_id for o in expected.orders]
    assert {(e.status, e.approved_by) for e in entries} == {("APPROVED", "Sam Investor")}
    assert [(e.side, e.ticker, e.shares, e.limit_price) for e in entries] == \
        [(o.side, o.ticker, o.shares, o.limit_price) for o in expected.orders]
    assert written_sheets(book) == {"Journal"}       # only the Journal (and its status cell)
    assert "approved by Sam Investor" in book.app.status_messages[-2]


def test_approving_twice_adds_nothing_and_proposed_rows_are_approved_in_place():
    tables = sample_tables()
    run = plan_run(tables)
    book = fake_book(with_journal(tables, run))      # `orders --journal` wrote them as PROPOSED
    before = table_rows(book, "Journal")
    assert excel_journal.approve_plan(book) == 0
    after = table_rows(book, "Journal")
    header = after[0]
    changed = {header[j] for i in range(1, len(after)) for j in range(len(header)) if after[i][j] != before[i][j]}
    assert changed == {"Status", "Approved by"}
    book.writes.clear()
    assert excel_journal.approve_plan(book) == 0
    assert table_rows(book, "Journal") == after
    status_cell = len(header) + 2                     # the column right of the table (+1 gap)
    assert all(cell[1] == status_cell for _, cell in book.writes)


def paste_fills(book, rows):
    for sheet in book.sheets:
        for table in sheet.tables:
            if table.name == "Fills":
                sheet.tables.remove(table)
                sheet.add_table("Fills", rows)
                return


def test_record_fills_applies_the_fills_table_like_the_record_command():
    tables = sample_tables()
    run = plan_run(tables)
    journaled = with_journal(tables, run, status="APPROVED")
    book = fake_book(journaled)
    rows = fills_from_orders(run, AS_OF, fees={run.orders[0].order_id: 1.25})
    paste_fills(book, rows)
    book.writes.clear()
    result = excel_journal.record_fills(book)
    assert result is not None and result.ok
    pure = record_pure(journaled, parse_fills(rows)[0])
    for name in ("Lots", "Transactions", "Accounts", "Journal"):
        got = [r for r in table_rows(book, name)]
        assert got == pure.tables[name], name
    holdings = table_rows(book, "Holdings")
    assert [r[:3] for r in holdings] == pure.tables["Holdings"] and holdings[0][3:] == FORMULA_COLUMNS
    assert written_sheets(book) == {"Holdings", "Lots", "Transactions", "Accounts", "Journal", "Fills"}
    formula_cols = {4, 5, 6}                          # Holdings' Asset class, Price, Value (1-based)
    holding_rows = len(holdings)
    assert not [c for s, c in book.writes if s == "Holdings" and c[1] in formula_cols and c[0] <= holding_rows]
    assert {e.status for e in journal_entries(book)} == {"FILLED"}
    assert book.app.calculations == 1

    book.writes.clear()                               # pressed again: nothing changes
    again = excel_journal.record_fills(book)
    assert again.ok and not again.changed and len(again.duplicates) == len(run.orders)
    assert written_sheets(book) == {"Fills"}          # its status cell only


def test_a_bad_fill_row_writes_nothing_and_names_its_row():
    tables = sample_tables()
    run = plan_run(tables)
    book = fake_book(with_journal(tables, run))
    rows = fills_from_orders(run, AS_OF)
    rows.append([AS_OF, "Joint Taxable", "VTI", "Sell", 5, -1.0, 0, None, None])
    paste_fills(book, rows)
    book.writes.clear()
    assert excel_journal.record_fills(book) is None
    assert written_sheets(book) == {"Fills"}
    assert f"Fills line {len(rows)}" in book.app.status_messages[-2]


def test_an_unplanned_fill_in_excel_is_refused_with_nothing_applied():
    book = fake_book(with_journal(sample_tables(), plan_run(sample_tables())))
    paste_fills(book, [FILL_HEADER, [AS_OF, "Joint Taxable", "VEA", "Buy", 3, 54.0, 0, None, None]])
    book.writes.clear()
    assert excel_journal.record_fills(book) is None
    assert written_sheets(book) == {"Fills"} and "no open order" in book.app.status_messages[-2]


@pytest.mark.parametrize("caller, expected", [
    ("Button 3", excel_journal.approve_plan), ("Button 4", excel_journal.record_fills),
    ("Button 1", None), (None, None),
])
def test_the_pressed_buttons_caption_picks_the_action(caller, expected):
    assert buttons.button_action(fake_book(caller=caller)) is expected


def test_the_companion_main_runs_the_pressed_button(tmp_path, monkeypatch):
    """The built companion's main() (what SampleCall runs) with Excel's caller faked."""
    import xlwings

    from xlrebalance.workbook.builder import build_workbook

    built = build_workbook(tmp_path / "loop_book.xlsm", sample=True)
    calls = []
    monkeypatch.setattr(excel_journal, "approve_plan", lambda book: calls.append(("approve", book)))
    monkeypatch.setattr("xlrebalance.excel.refresh.refresh_workbook", lambda book: calls.append(("refresh", book)))
    for caller in ("Button 3", None):
        book = fake_book(caller=caller)
        monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls, b=book: b))
        monkeypatch.syspath_prepend(str(tmp_path))
        try:
            __import__(built.module).main()
        finally:
            sys.modules.pop(built.module, None)
    assert [c[0] for c in calls] == ["approve", "refresh"]
