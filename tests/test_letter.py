"""``report BOOK --letter``: the client letter says only the plan's own facts, in plain words."""
from __future__ import annotations

from datetime import date

import pytest

from households import model_household, model_tables
from xlrebalance import Portfolio, cli
from xlrebalance.check import CheckResult, compute_answers
from xlrebalance.letter import letter_paragraphs
from xlrebalance.letter.text import DISCLAIMER
from xlrebalance.workbook.builder import build_workbook

LOTS = [["Account", "Ticker", "Lot ID", "Acquired", "Shares", "Cost basis"],
        ["Brokerage", "VTI", "L1", date(2020, 1, 2), 630.0, 31_500.0],
        ["Brokerage", "VXUS", "L2", date(2020, 1, 2), 250.0, 25_000.0],
        ["Brokerage", "BND", "L3", date(2020, 1, 2), 120.0, 12_000.0]]


def letter(tables) -> list[str]:
    portfolio = Portfolio.from_tables(tables, models=model_tables())
    answers, _ = compute_answers(portfolio)
    return letter_paragraphs(CheckResult("client.xlsm", (), answers, {},
                                         {"model": "Growth", "last_review": date(2026, 10, 1)}))


def test_letter_of_a_taxed_rebalance():
    # Growth 55/25/20, held 63/25/12 of $100,000 (prices $100).  US Stocks' band: 55% +- min(5, 25% x 55%)
    # = 50-60%; Bonds' 20% +- min(5, 25% x 20% = 5) = 15-25%.  Rebalancing to the band edge sells
    # 3 points of US Stocks = $3,000 = 30 sh of VTI, bought 2020 at $50: a long-term gain of
    # 30 x ($100 - $50) = $1,500, taxed at the default long-term rate 23.8% (20% + 3.8% NIIT) = $357.
    text = letter(model_household("Growth", {"US Stocks": 0.63, "Intl Stocks": 0.25, "Bonds": 0.12}) | {"Lots": LOTS})
    joined = "\n".join(text)
    assert "the Growth model your plan follows" in text[0]
    assert "Since our last review on October 1, 2026" in joined
    assert ("We're trimming your US Stocks allocation because it's grown from the 55% your plan targets to 63%, "
            "beyond the 60% your plan allows.") in text
    assert "We're adding to your Bonds allocation because it's fallen from the 20% your plan targets to 12%" in joined
    assert any(p.startswith("Sell $3,000 of VTI in Brokerage") for p in text)
    assert any(p.startswith("Buy $3,000 of BND in Brokerage") for p in text)
    assert "estimated to cost about $357 in tax. We still recommend them" in joined
    assert text[-1] == DISCLAIMER


def test_letter_when_nothing_is_due():
    text = letter(model_household("Growth", {"US Stocks": 0.56, "Intl Stocks": 0.25, "Bonds": 0.19}))
    assert "has stayed within the ranges your plan allows, so no trades are needed now." in text[1]
    assert not any(p.startswith(("Sell ", "Buy ")) for p in text)
    assert text[-1] == DISCLAIMER


def test_letter_command(tmp_path, capsys):
    book = build_workbook(tmp_path / "client.xlsm", sample=True).workbook
    out = tmp_path / "letter.html"
    assert cli.main(["report", str(book), "--letter", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "not tax advice" in page
    # the sample's own facts: US Stocks 51.7% against a 44.5% target, above its 49.5% band edge
    assert "it&#x27;s grown from the 44.5% your plan targets to 51.7%, beyond the 49.5% your plan allows" in page
    assert "<li>Sell $" in page


def test_letter_says_which_trades_were_carried_out_since_the_last_review():
    from xlrebalance.journal.audit import Run
    from xlrebalance.journal.entries import Entry

    sold = Entry("R1", "R1-1", "FILLED", account="Brokerage", ticker="VTI", side="SELL", shares=30.0,
                 limit_price=100.0, filled_shares=30.0, fill_price=99.5, fill_date=date(2026, 10, 15))
    open_order = Entry("R1", "R1-2", "PROPOSED", account="Brokerage", ticker="BND", side="BUY", shares=30.0)
    before = Entry("R0", "R0-1", "FILLED", account="Brokerage", ticker="BND", side="BUY", shares=5.0,
                   filled_shares=5.0, fill_price=90.0, fill_date=date(2026, 9, 1))
    portfolio = Portfolio.from_tables(model_household("Growth", {"US Stocks": 0.56, "Intl Stocks": 0.25,
                                                                 "Bonds": 0.19}), models=model_tables())
    answers, _ = compute_answers(portfolio)
    result = CheckResult("client.xlsm", (), answers, {}, {"model": "Growth", "last_review": date(2026, 10, 1)})
    journal = (date(2026, 10, 1), [Run("R0", "", "", (before,)), Run("R1", "", "", (sold, open_order))])
    text = letter_paragraphs(result, journal)
    assert "Since our last review on October 1, 2026, these trades were carried out (1):" in text
    assert "Sold 30 shares of VTI in Brokerage at $99.50 on October 15, 2026." in text
    assert not any("BND" in p and p.startswith("Bought") for p in text)    # before the review; not filled
