"""`xlrebalance demo`: the sample household end to end, offline, with every answer shown."""
from xlrebalance.cli import main


def test_demo_shows_every_answer_with_reasons_in_full_and_the_years_totals(capsys):
    code = main(["demo"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Rebalance needed: YES" in out
    assert "US Stocks is 51.7%, above its 39.5\u201349.5% band" in out
    for title in ("== Drift ==", "== Trades ==", "== Tax-loss harvest candidates ==", "== Realized this year =="):
        assert title in out
    # the reason of the first trade, whole (not cut to a column's width)
    assert "1. Sell 288 sh of FXAIX in Alex 401k: US Stocks: 51.7% of the household, above the 39.5\u201349.5% " \
           "band; selling in Alex 401k (Traditional) costs no tax." in out
    assert "BLOCKED until 2026-12-11" in out                   # the recent VXUS buy blocks its harvest
    assert "Gain budget left  16,000.00" in out                # $20,000 budget - $4,000 LT gain (the IXUS loss is washed)
    assert "Traceback" not in out
