"""Broker files -> records: one made-up fixture per format and header variant (no real
personal data), the numbers brokers write, detection by content, and the bad-input errors."""
from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from xlrebalance.brokers import BrokerFileError, read_broker_file
from xlrebalance.brokers.numbers import parse_amount, parse_date

FIXTURES = Path(__file__).parent / "fixtures" / "brokers"


def shares_of(parsed) -> dict:
    return {(p.account.label, p.ticker): p.shares for p in parsed.positions}


@pytest.mark.parametrize("text, value", [
    ("$1,234.56", 1234.56), ("(12.50)", -12.5), ("-$20.00", -20.0), ("$-150.00", -150.0), ("+$0.160", 0.16),
    ("12.5%", 0.125), ("(0.45%)", -0.0045), ("1,500.25", 1500.25), ("--", None), ("n/a", None), ("N/A", None),
    ("", None), (" 700.000 ", 700.0), (3.5, 3.5),
])
def test_numbers_as_brokers_write_them(text, value):
    assert parse_amount(text) == pytest.approx(value) if value is not None else parse_amount(text) is None


@pytest.mark.parametrize("text", ["abc", "$1.2.3", "12..5", "++5", "inf", "-Infinity", "1_000"])
def test_a_non_number_is_refused(text):
    with pytest.raises(ValueError, match="not a number"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["01/15/2024", "1/15/2024", "2024-01-15", "2024/01/15", "20240115",
                                  "20240115;093000", "01/15/24", "Jan 15, 2024"])
def test_dates_as_brokers_write_them(text):
    assert parse_date(text) == date(2024, 1, 15)


def test_fidelity_positions_money_market_is_cash_and_footer_is_skipped():
    parsed = read_broker_file(FIXTURES / "fidelity_positions.csv")
    assert parsed.format == "Fidelity positions" and parsed.positions_complete
    assert shares_of(parsed) == {
        ("JOINT WROS (Z12345678)", "VTI"): 700, ("JOINT WROS (Z12345678)", "VOO"): 150,
        ("JOINT WROS (Z12345678)", "VEA"): 450, ("JOINT WROS (Z12345678)", "SCHD"): 100,
        ("Sam Roth IRA (X98765432)", "VXUS"): 500, ("Sam Roth IRA (X98765432)", "VNQ"): 100}
    # SPAXX** and FDRXX** rows are the cash; the Pending Activity row is not cash yet
    assert {c.account.label: c.amount for c in parsed.cash} == {"JOINT WROS (Z12345678)": 8123.45,
                                                                "Sam Roth IRA (X98765432)": 500.0}
    assert any("pending activity of -$150.00" in n for n in parsed.notes)
    vea = next(p for p in parsed.positions if p.ticker == "VEA")
    assert (vea.cost_basis, vea.price, vea.line) == (27050.0, 50.0, 5)
    assert next(p for p in parsed.positions if p.ticker == "VXUS").cost_basis is None   # "--"
    assert parsed.as_of == date(2026, 12, 1)         # "Date downloaded Dec-01-2026 ..." footer


def test_fidelity_lower_case_extra_columns_and_older_cost_basis_names():
    parsed = read_broker_file(FIXTURES / "fidelity_positions_lowercase_extra_columns.csv")
    assert parsed.format == "Fidelity positions"
    assert shares_of(parsed) == {("JOINT WROS (Z12345678)", "VTI"): 700, ("JOINT WROS (Z12345678)", "MSFT"): 130}
    assert next(p for p in parsed.positions if p.ticker == "MSFT").cost_basis == 12350.0   # "cost basis"
    assert [c.amount for c in parsed.cash] == [1000.0]                                      # FCASH**


def test_schwab_positions_cash_row_and_account_total():
    parsed = read_broker_file(FIXTURES / "schwab_positions.csv")
    assert parsed.format == "Schwab positions"
    assert shares_of(parsed) == {("Individual (...321)", "VTI"): 60, ("Individual (...321)", "SCHB"): 200,
                                 ("Individual (...321)", "BND"): 50}
    assert [c.amount for c in parsed.cash] == [2569.44]
    assert next(p for p in parsed.positions if p.ticker == "SCHB").cost_basis == 4800.0
    assert parsed.as_of == date(2026, 12, 1)


def test_schwab_positions_older_header():
    parsed = read_broker_file(FIXTURES / "schwab_positions_older_header.csv")
    assert parsed.format == "Schwab positions"
    assert shares_of(parsed) == {("Individual (XXXX-7321)", "VTI"): 60}
    assert [c.amount for c in parsed.cash] == [2513.5]
    assert parsed.as_of == date(2026, 1, 15)


def test_schwab_all_accounts_positions_one_block_per_account():
    parsed = read_broker_file(FIXTURES / "schwab_positions_all_accounts.csv")
    assert parsed.format == "Schwab positions" and parsed.names_account
    assert shares_of(parsed) == {("Individual (...321)", "VTI"): 60, ("Roth IRA (...654)", "SCHH"): 150}
    assert {c.account.label: c.amount for c in parsed.cash} == {"Individual (...321)": 2569.44,
                                                                "Roth IRA (...654)": 350.0}


def test_schwab_lot_details_ticker_and_account_from_the_title_total_row_checked():
    parsed = read_broker_file(FIXTURES / "schwab_lot_details_VTI.csv")
    assert parsed.format == "Schwab lot details" and not parsed.positions_complete
    assert [(l.account.label, l.ticker, l.acquired, l.shares, l.cost_basis) for l in parsed.lots] == [
        ("Individual (...321)", "VTI", date(2019, 3, 15), 40.0, 6000.0),
        ("Individual (...321)", "VTI", date(2026, 6, 10), 20.0, 5250.0)]


def test_schwab_lot_details_total_that_does_not_add_up(tmp_path):
    text = (FIXTURES / "schwab_lot_details_VTI.csv").read_text().replace('"Total","60"', '"Total","65"')
    (tmp_path / "lots.csv").write_text(text)
    with pytest.raises(BrokerFileError, match="add up to 60 shares but the Total row says 65") as caught:
        read_broker_file(tmp_path / "lots.csv")
    assert caught.value.line == 6


def test_schwab_lot_details_without_title_takes_the_ticker_from_the_file_name(tmp_path):
    lines = (FIXTURES / "schwab_lot_details_VTI.csv").read_text().splitlines()[2:]
    (tmp_path / "BND_Lot_Details.csv").write_text("\n".join(lines))
    parsed = read_broker_file(tmp_path / "BND_Lot_Details.csv")
    assert {l.ticker for l in parsed.lots} == {"BND"} and not parsed.names_account
    (tmp_path / "export.csv").write_text("\n".join(lines))
    with pytest.raises(BrokerFileError, match="names its ticker in its title line"):
        read_broker_file(tmp_path / "export.csv")


def test_lots_of_two_accounts_without_an_account_column_are_refused(tmp_path):
    one = (FIXTURES / "schwab_lot_details_VTI.csv").read_text()
    other = one.replace("Individual ...321", "Roth IRA ...654")
    (tmp_path / "VTI_Lot_Details.csv").write_text(one + "\n" + other)
    with pytest.raises(BrokerFileError, match="mixes lots of several accounts") as caught:
        read_broker_file(tmp_path / "VTI_Lot_Details.csv")
    assert caught.value.line == 8          # the second account's title line (after a blank line 7)


def test_vanguard_two_tables_settlement_fund_is_cash():
    parsed = read_broker_file(FIXTURES / "vanguard_OfxDownload.csv")
    assert parsed.format == "Vanguard OfxDownload"
    assert shares_of(parsed) == {("88887777", "VTI"): 300, ("88887777", "BND"): 1850, ("88887777", "BNDX"): 1300}
    assert all(p.cost_basis is None for p in parsed.positions)
    assert [c.amount for c in parsed.cash] == [1500.25]
    assert any("transactions table (3 rows)" in n for n in parsed.notes)


def test_interactive_brokers_flex_lots_and_summary():
    parsed = read_broker_file(FIXTURES / "ibkr_flex_lots.xml")
    assert parsed.format == "Interactive Brokers Flex XML"
    assert shares_of(parsed) == {("U1234567", "VTI"): 30, ("U1234567", "BND"): 25}
    assert [(l.ticker, l.acquired, l.shares, l.cost_basis, l.lot_id) for l in parsed.lots] == [
        ("VTI", date(2019, 3, 15), 10.0, 1500.0, "9001"), ("VTI", date(2026, 6, 10), 20.0, 4500.0, "9002"),
        ("BND", date(2022, 1, 4), 25.0, 2000.0, "9003")]
    assert [c.amount for c in parsed.cash] == [1234.56]
    assert parsed.as_of == date(2026, 11, 30)


def test_ofx_investment_statement_tickers_from_the_security_list():
    parsed = read_broker_file(FIXTURES / "ofx_investment.qfx")
    assert parsed.format == "OFX/QFX investment statement"
    assert shares_of(parsed) == {("987654321", "VTI"): 40, ("987654321", "BND"): 100.5}
    assert [c.amount for c in parsed.cash] == [2500.75]


def test_generic_lots_csv():
    parsed = read_broker_file(FIXTURES / "generic_lots.csv")
    assert parsed.format == "Generic lots CSV" and parsed.names_account
    assert [(l.account.name, l.ticker, l.lot_id, l.acquired, l.shares, l.cost_basis) for l in parsed.lots] == [
        ("Joint Taxable", "VEA", "VEA-A", date(2022, 2, 1), 400.0, 24800.0),
        ("Joint Taxable", "VEA", "VEA-B", date(2026, 11, 3), 50.0, 2250.0),
        ("Joint Taxable", "SCHD", "", date(2024, 5, 1), 100.0, 7500.0)]
    bare = read_broker_file(FIXTURES / "generic_lots_no_account.csv")
    assert not bare.names_account and bare.lots[0].cost_basis == 38380.0


def test_format_is_detected_by_content_not_by_file_name(tmp_path):
    renamed = tmp_path / "Portfolio_Positions_Dec-01-2026.csv"
    shutil.copy(FIXTURES / "vanguard_OfxDownload.csv", renamed)
    assert read_broker_file(renamed).format == "Vanguard OfxDownload"
    shutil.copy(FIXTURES / "fidelity_positions.csv", tmp_path / "OfxDownload.csv")
    assert read_broker_file(tmp_path / "OfxDownload.csv").format == "Fidelity positions"


def test_unknown_layout_names_the_headers_found_and_the_formats_known(tmp_path):
    (tmp_path / "Portfolio_Positions_Dec-01-2026.csv").write_text("Date,Payee,Amount\n2026-01-02,Shop,-5.00\n")
    with pytest.raises(BrokerFileError) as caught:
        read_broker_file(tmp_path / "Portfolio_Positions_Dec-01-2026.csv")
    text = str(caught.value)
    assert "Headers found: Date, Payee, Amount" in text
    for name in ("Fidelity positions", "Schwab positions", "Schwab lot details", "Vanguard OfxDownload",
                 "Interactive Brokers Flex XML", "OFX/QFX investment statement", "Generic lots CSV"):
        assert name in text


@pytest.mark.parametrize("fixture, old, new, line, column", [
    ("fidelity_positions.csv", '450,$50.00', 'lots,$50.00', 5, "Quantity"),
    ("schwab_positions.csv", '"$4,800.00"', '"4,8OO.00"', 5, "Cost Basis"),
    ("vanguard_OfxDownload.csv", "1850.0,72.5", "1850.0x,72.5", 4, "Shares"),
    ("generic_lots.csv", "11/03/2026", "13/45/2026", 3, "Acquired"),
])
def test_a_malformed_row_names_its_line(tmp_path, fixture, old, new, line, column):
    text = (FIXTURES / fixture).read_text()
    assert old in text
    (tmp_path / fixture).write_text(text.replace(old, new, 1))
    with pytest.raises(BrokerFileError) as caught:
        read_broker_file(tmp_path / fixture)
    assert caught.value.line == line and column in str(caught.value) and f"line {line}" in str(caught.value)


def test_broken_xml_is_a_clear_error(tmp_path):
    (tmp_path / "flex.xml").write_text((FIXTURES / "ibkr_flex_lots.xml").read_text()[:900])
    with pytest.raises(BrokerFileError, match="cannot read the Flex XML"):
        read_broker_file(tmp_path / "flex.xml")
