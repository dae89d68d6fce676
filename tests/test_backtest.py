"""Backtest: policies replayed month by month with the real trade-list engine.

Series built here have known constant returns, so what each policy must do can be worked
by hand; the property test holds every policy to conservation of value and lots.
"""
from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from xlrebalance.backtest import (METRIC_COLUMNS, POLICIES, ReturnSeries, backtest_household, parse_returns,
                                  simulate)
from xlrebalance.backtest.policies import BY_KEY
from xlrebalance.backtest.returns import next_month_end
from xlrebalance.backtest.sources import returns_from_history
from xlrebalance.cli import main
from xlrebalance.portfolio import Portfolio
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout
from xlrebalance.tables import parse_household

FIXTURES = Path(__file__).parent / "fixtures"


def household(account_type="Roth", cash=100_000.0, targets=(("Stocks", 0.5, "STK"), ("Bonds", 0.5, "BND")),
              **settings):
    rows = {
        "Settings": [["Setting", "Value"], ["As of date", date(2025, 12, 31)]]
        + [[k.replace("_", " ").capitalize(), v] for k, v in settings.items()],
        "Accounts": [["Account", "Type", "Cash", "Cash flow"], ["Main", account_type, cash, 0.0]],
        "Targets": [["Asset class", "Target", "Buy ticker"]] + [[c, t, k] for c, t, k in targets],
        "Securities": [["Ticker", "Asset class"]] + [[k, c] for c, _, k in targets],
        "Holdings": [["Account", "Ticker", "Shares"]],
        "Prices": [["Ticker", "Price"]] + [[k, 100.0] for _, _, k in targets],
    }
    return parse_household(rows)


def constant_series(returns_per_class, months, start=date(2000, 1, 31), classes=("Stocks", "Bonds")):
    days, day = [], start
    for _ in range(months):
        days.append(day)
        day = next_month_end(day)
    return ReturnSeries(tuple(days), tuple(classes), tuple(tuple(returns_per_class) for _ in days), "test series")


# -- what each policy must do, worked by hand ----------------------------------------------

def test_monthly_calendar_rebalances_every_month_when_anything_drifts():
    # Stocks +1%/month, bonds 0: after any month, stocks are 0.5*1.01/(0.5*1.01+0.5) = 50.25%
    # of a $100k Roth: $250 over target, more than the $100 minimum trade, so a monthly
    # calendar review trades every month: 12 x 3 years = 36 rebalances.
    result = simulate(household(), constant_series((0.01, 0.0), 36), BY_KEY["monthly"])
    assert result.events == 36


def test_never_rebalance_drifts_toward_the_higher_return_asset():
    # Buy and hold: the stocks' weight after n months is 1.01^n / (1.01^n + 1), rising every month.
    result = simulate(household(), constant_series((0.01, 0.0), 36), BY_KEY["never"])
    assert result.events == 0
    assert list(result.drift) == sorted(result.drift)
    expected = 1.01 ** 36 / (1.01 ** 36 + 1) - 0.5     # weight minus target of stocks (= portfolio drift)
    assert result.drift[-1] == pytest.approx(expected, abs=0.002)   # whole shares bought at the start


def test_thresholds_cut_the_number_of_rebalances_against_monthly():
    series = constant_series((0.01, 0.0), 60)
    monthly = simulate(household(), series, BY_KEY["monthly"])
    threshold = simulate(household(), series, BY_KEY["threshold"])
    hybrid = simulate(household(), series, BY_KEY["hybrid"])
    # 5/25 on a 50% target is +-5 pp: stocks reach 55% after ln(1.1/0.9)/ln(1.01) = 20.2 months,
    # so the threshold acts about every 21 months: 2 times in 60, against 60 for monthly.
    assert monthly.events == 60
    assert 1 <= threshold.events <= 3
    assert hybrid.events <= threshold.events


def test_engine_taxes_equal_a_hand_computation_for_a_two_trade_case():
    # $10,000 in a taxable account, 50/50, both at $100: the start buys 50 shares of each.
    # Month 1: stocks +50% ($150), bonds -10% ($90): $7,500 + $4,500 = $12,000; stocks are
    # 62.5%, past the 55% band edge.  The threshold rebalance (Taxable sells = Allowed) sells
    # $1,500 of stocks = 10 shares at $150 and buys 16 whole bonds at $90 ($1,440).
    # Gain: 10 x ($150 - $100) = $500, short-term (held one month).
    # Tax at the Short-term rate 40.8%: $500 x 0.408 = $204.00.  No other trade: later months
    # are flat and the weights stay inside the bands.
    hh = household("Taxable", cash=10_000.0, taxable_sells="Allowed")
    series = ReturnSeries(constant_series((0, 0), 24).months, ("Stocks", "Bonds"),
                          ((0.5, -0.1),) + ((0.0, 0.0),) * 23, "test")
    result = simulate(hh, series, BY_KEY["threshold"])
    assert result.events == 1
    assert result.realized_st == pytest.approx(500.0)
    assert result.realized_lt == 0.0
    assert result.taxes == pytest.approx(204.0)
    assert result.traded == pytest.approx(1_500.0 + 1_440.0)   # the two trades (the opening buys are not turnover)


# -- invariants ------------------------------------------------------------------------------

@st.composite
def scenarios(draw):
    n = draw(st.integers(2, 3))
    names = ["Stocks", "Bonds", "REITs"][:n]
    weights = draw(st.lists(st.integers(1, 8), min_size=n, max_size=n))
    targets = tuple((c, w / sum(weights), f"T{i}") for i, (c, w) in enumerate(zip(names, weights)))
    types = draw(st.lists(st.sampled_from(["Taxable", "Roth", "Traditional"]), min_size=1, max_size=2))
    months = draw(st.integers(24, 30))
    rets = draw(st.lists(st.lists(st.floats(-0.12, 0.12), min_size=n, max_size=n), min_size=months,
                         max_size=months))
    flow = draw(st.sampled_from([0.0, 500.0, -300.0]))
    policy = draw(st.sampled_from(POLICIES))
    return targets, types, rets, flow, policy


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_policy_conserves_value_and_never_oversells_a_lot(scenario):
    targets, types, rets, flow, policy = scenario
    rows = {
        "Settings": [["Setting", "Value"], ["As of date", date(2025, 12, 31)], ["Taxable sells", "Allowed"]],
        "Accounts": [["Account", "Type", "Cash"]] + [[f"A{i}", t, 40_000.0] for i, t in enumerate(types)],
        "Targets": [["Asset class", "Target", "Buy ticker"]] + [list(t) for t in targets],
        "Securities": [["Ticker", "Asset class"]] + [[k, c] for c, _, k in targets],
        "Holdings": [["Account", "Ticker", "Shares"]],
        "Prices": [["Ticker", "Price"]] + [[k, 50.0] for _, _, k in targets],
    }
    hh = parse_household(rows)
    series = ReturnSeries(constant_series((0,), len(rets)).months, tuple(c for c, _, _ in targets),
                          tuple(tuple(r) for r in rets), "generated")
    result = simulate(hh, series, policy, monthly_flow=flow)
    # Trades move money between positions and cash at the month's price: each month's value
    # after trades is the value before them plus the month's cash flow, to the cent.
    for before, flowed, after in zip(result.moved, result.flows, result.values):
        assert after == pytest.approx(before + flowed, abs=0.01)
    assert result.max_lot_shortfall <= 1e-9           # no sale asked more of a lot than it held
    assert result.max_lot_mismatch <= 1e-6            # taxable shares always equal their lots
    assert all(math.isfinite(v) for v in result.values)


# -- returns: files, history, bad input --------------------------------------------------------

def write_csv(path, rows):
    path.write_text("\n".join(",".join(str(c) for c in r) for r in rows) + "\n", encoding="utf-8")
    return path


def months_rows(n, columns=("US Stocks", "International", "Bonds", "REITs"), start=date(2020, 1, 31)):
    rows, day = [["Date"] + list(columns)], start
    for _ in range(n):
        rows.append([day.isoformat()] + ["0.01"] * len(columns))
        day = next_month_end(day)
    return rows


@pytest.mark.parametrize("mutate, where", [
    (lambda r: r.pop(5), "row 6"),                                         # a month missing
    (lambda r: r[3].__setitem__(2, "n/a"), "row 4, column 'International'"),   # not a number
    (lambda r: [row.append("0.01" if i else "Gold") for i, row in enumerate(r)], "column 'Gold'"),  # unknown
    (lambda r: r.__delitem__(slice(20, None)), "needs at least 24"),         # too short
    (lambda r: r[7].__setitem__(1, "12"), "row 8, column 'US Stocks'"),    # a percent typed as 12
])
def test_bad_returns_files_exit_2_naming_line_and_column(tmp_path, capsys, mutate, where):
    rows = months_rows(30)
    mutate(rows)
    path = write_csv(tmp_path / "returns.csv", rows)
    code = main(["backtest", "sample", "--monthly-returns", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert where in err and "returns.csv" in err
    assert "Traceback" not in err


def test_a_class_without_returns_is_named_and_skipped_only_when_asked(tmp_path, capsys):
    path = write_csv(tmp_path / "r.csv", months_rows(30, ("US Stocks", "International", "Bonds")))
    assert main(["backtest", "sample", "--monthly-returns", str(path)]) == 2
    assert "no returns for REITs" in capsys.readouterr().err
    assert main(["backtest", "sample", "--monthly-returns", str(path), "--skip-missing", "--json",
                 "--policies", "hybrid", "never"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["skipped_classes"] == ["REITs"] and doc["synthetic"] is False
    assert [p["key"] for p in doc["policies"]] == ["hybrid", "never"]


def test_monthly_history_through_yfinance_replayed(tmp_path):
    # The replayed charts grow by exactly 1% (VTI) and 0.2% (BND) a month, 36 month-start bars:
    # 35 monthly returns, each known by hand.
    from xlrebalance.prices.replay import ReplaySession
    from xlrebalance.prices.yahoo import YahooSource

    hh = household(targets=(("US Stocks", 0.6, "VTI"), ("Bonds", 0.4, "BND")))
    source = YahooSource(ReplaySession(FIXTURES / "yahoo_monthly"), threads=False)
    series, issues = returns_from_history(hh, 3, source)
    assert not [i for i in issues if i.is_error]
    assert len(series.months) == 35 and series.months[0] == date(2023, 2, 28)
    assert all(r == pytest.approx((0.01, 0.002), abs=1e-7) for r in series.returns)   # closes kept to 6 places
    assert not series.synthetic


def test_a_ticker_without_history_is_named(tmp_path):
    from xlrebalance.prices.replay import ReplaySession
    from xlrebalance.prices.yahoo import YahooSource

    hh = household(targets=(("US Stocks", 0.6, "VTI"), ("Gold", 0.4, "GLDX")))
    source = YahooSource(ReplaySession(FIXTURES / "yahoo_monthly"), threads=False)
    result, issues = backtest_household(hh, years=3, price_source=source)
    assert result is None
    text = " ".join(str(i) for i in issues)
    assert "GLDX" in text and "unknown ticker" in text and "no returns for Gold" in text
    result, issues = backtest_household(hh, years=3, price_source=source, skip_missing=True,
                                        policies=["monthly"])
    assert result is not None and result.series.classes == ("US Stocks",)


def test_parse_returns_reads_percent_text_and_any_day_of_the_month():
    rows = [["Date", "A"]] + [[f"2020-{m:02d}-15", "1.5%"] for m in range(1, 13)] + \
        [[f"2021-{m:02d}-01", 0.01] for m in range(1, 13)]
    series, issues = parse_returns(rows)
    assert not issues
    assert series.months[0] == date(2020, 1, 31) and series.returns[0] == (0.015,)


# -- front ends --------------------------------------------------------------------------------

def test_sample_backtest_offline_is_labelled_synthetic(tmp_path, capsys):
    out = tmp_path / "bt.html"
    assert main(["backtest", "sample", "--synthetic", "--years", "10", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "synthetic" in text.lower() and "Hybrid (quarterly + bands)" in text
    page = out.read_text(encoding="utf-8")
    assert "<b>synthetic</b>" in page
    assert page.count('class="series"') == 2 * len(POLICIES)      # growth and drift per policy
    assert "http" not in page.replace("http://www.w3.org/2000/svg", "")    # self-contained


def test_json_is_strict(capsys):
    assert main(["backtest", "sample", "--synthetic", "--years", "3", "--json", "--policies", "annual"]) == 0
    doc = json.loads(capsys.readouterr().out, parse_constant=lambda c: pytest.fail(f"non-finite {c}"))
    assert doc["synthetic"] is True and doc["policies"][0]["Policy"] == "Calendar annual"


def test_unknown_policy_is_a_clear_error(capsys):
    assert main(["backtest", "sample", "--synthetic", "--policies", "weekly"]) == 2
    assert "known: monthly" in capsys.readouterr().err


def test_library_backtest_frame():
    frame = Portfolio.from_tables(sample_tables()).backtest(synthetic=True, years=5, policies=["hybrid"])
    assert list(frame["Policy"]) == ["Hybrid (quarterly + bands)"]
    assert "synthetic" in frame.attrs["summary"].lower()


# -- in Excel: BACKTEST over the Returns table -----------------------------------------------

def _udf_args(tables):
    return [tables.get(name) for name in layout().function("BACKTEST").args]


def test_the_registry_columns_are_the_metric_columns():
    assert layout().function("BACKTEST").columns == METRIC_COLUMNS


def test_backtest_function_spills_one_row_per_policy_and_says_synthetic():
    from xlrebalance.excel import udfs

    rows = udfs.BACKTEST(*_udf_args(sample_tables()))
    assert rows[0] == list(METRIC_COLUMNS)
    names = [r[0] for r in rows[1:1 + len(POLICIES)]]
    assert names == [p.name for p in POLICIES]
    warnings = [r[0] for r in rows if isinstance(r[0], str) and r[0].startswith("Warning")]
    assert any("synthetic" in w for w in warnings)
    assert all(len(r) == len(rows[0]) for r in rows)


def test_backtest_function_with_an_empty_or_bad_returns_table_says_what_to_do():
    from xlrebalance.excel import udfs

    tables = sample_tables()
    tables["Returns"] = [["Date", "US Stocks"]]
    rows = udfs.BACKTEST(*_udf_args(tables))
    assert "Returns table has no rows" in rows[0][0]
    tables["Returns"] = months_rows(30)
    tables["Returns"][4][3] = "#N/A"
    rows = udfs.BACKTEST(*_udf_args(tables))
    text = " ".join(str(r[0]) for r in rows)
    assert "Returns" in text and "row 5" in text and "Bonds" in text
    # An error in Returns is BACKTEST's business only: DRIFT still answers.
    assert udfs.DRIFT(*[tables.get(n) for n in ("Holdings", "Accounts", "Targets", "Securities", "Prices",
                                                 "Settings")])[0][0] == "Asset class"


def test_the_sample_workbook_backtests_headless(tmp_path):
    from xlrebalance import load
    from xlrebalance.workbook.builder import build_workbook

    built = build_workbook(tmp_path / "Sample.xlsm", sample=True)
    portfolio = load(built.workbook)
    assert not portfolio.errors
    frame = portfolio.backtest_table()
    assert len(frame) == len(POLICIES)
    assert "synthetic" in str(frame.attrs["issues"][0])


def test_monthly_history_is_fetched_once_then_read_from_the_cache(tmp_path):
    from xlrebalance.prices.cache import CachedHistory
    from xlrebalance.prices.replay import ReplaySession
    from xlrebalance.prices.yahoo import YahooSource

    session = ReplaySession(FIXTURES / "yahoo_monthly")
    source = CachedHistory(YahooSource(session, threads=False), folder=tmp_path)
    first, failed = source.monthly_history(["VTI", "BND", "NOPE"], years=3)
    asked = len(session.chart_requests())
    again, failed_again = source.monthly_history(["VTI", "BND", "NOPE"], years=3)
    assert again == first and set(failed) == set(failed_again) == {"NOPE"}
    assert set(session.chart_requests()[asked:]) == {"NOPE"}     # only the failure is asked again (yfinance may retry it)
    source.monthly_history(["VTI"], years=5)                    # another span: asked again
    assert session.chart_requests()[-1] == "VTI"


def test_demo_shows_the_backtest_labelled_synthetic(capsys):
    main(["demo"])
    out = capsys.readouterr().out
    assert "Backtest of the policies" in out and "synthetic returns (made up, not history)" in out
