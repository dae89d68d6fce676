"""The trade list sells lots at their wash-adjusted basis, as OPEN_LOTS shows them."""
import pytest

from xlrebalance.core.model import TaxableSells
from xlrebalance.core.trades import trade_list
from tests.trade_helpers import account, lot, make, tx


def test_a_replacement_lot_is_sold_at_its_adjusted_basis():
    # L0: 50 VTI bought 2026-03-01 at $120 ($6,000), sold 2026-06-01 at $100: a $1,000 loss,
    # washed by L2 (50 VTI bought 2026-06-10 at $90, $4,500): L2's basis becomes $5,500.
    # VTI is 75% of the household ($15,000 of $20,000) against 50%: sell $5,000 = 50 shares.
    # At the adjusted basis L2 is a $500 short-term loss, so MinTax sells it first (ST losses
    # lead); at its original basis it would be a $500 gain and L1 (LT) would go instead.
    household = make(
        [account("Brokerage", cash=0.0)], {("Brokerage", "VTI"): 150.0, ("Brokerage", "BND"): 100.0},
        {"US Stocks": 0.5, "Bonds": 0.5},
        lots=[lot("Brokerage", "VTI", "L1", "2024-01-10", 100.0, 80.0),
              lot("Brokerage", "VTI", "L2", "2026-06-10", 50.0, 90.0),
              lot("Brokerage", "BND", "B1", "2024-01-10", 100.0, 50.0)],
        transactions=[tx("2026-06-01", "Brokerage", "VTI", "Sell", 50.0, 100.0, cost_basis=6000.0, lot_id="L0",
                         acquired="2026-03-01")],
        taxable_sells=TaxableSells.ALLOWED,
    )
    sells = [t for t in trade_list(household).trades if t.action == "SELL"]
    assert [(t.ticker, t.shares) for t in sells] == [("VTI", 50.0)]
    assert sells[0].lots.startswith("L2")
    assert sells[0].st_gain == pytest.approx(-500.0)
    assert sells[0].lt_gain == pytest.approx(0.0)


def test_a_past_buy_that_is_not_in_lots_is_not_sold_from():
    # OPEN_LOTS shows a past Buy row that is not in Lots as an open lot, but Holdings counts
    # only the Lots table's shares: the plan sells from those and never oversells a position.
    household = make(
        [account("Brokerage", cash=0.0)], {("Brokerage", "VTI"): 150.0, ("Brokerage", "BND"): 100.0},
        {"US Stocks": 0.5, "Bonds": 0.5},
        lots=[lot("Brokerage", "VTI", "L1", "2024-01-10", 150.0, 80.0),
              lot("Brokerage", "BND", "B1", "2024-01-10", 100.0, 50.0)],
        transactions=[tx("2026-06-01", "Brokerage", "VTI", "Sell", 50.0, 100.0, cost_basis=6000.0, lot_id="L0",
                         acquired="2026-03-01"),
                      tx("2026-11-17", "Brokerage", "VTI", "Buy", 10.0, 100.0)],
        taxable_sells=TaxableSells.ALLOWED,
    )
    sells = [t for t in trade_list(household).trades if t.action == "SELL"]
    assert sells and all(t.lots.startswith("L1") and "Buy" not in t.lots for t in sells)
    assert sum(t.shares for t in sells if t.ticker == "VTI") <= 150.0


def test_the_plan_is_the_same_in_every_process():
    # sums over the set of tradable classes once followed the set's hash order, so fractional
    # share counts differed in their last digits between Python processes
    import os
    import subprocess
    import sys
    from pathlib import Path

    benchmarks = str(Path(__file__).resolve().parents[1] / "benchmarks")
    code = (f"import sys; sys.path.insert(0, {benchmarks!r}); from dataclasses import replace; "
            "from bench_trades import household; from xlrebalance.core.trades import trade_list; "
            "h = household(6, 60, 600); h = replace(h, settings=replace(h.settings, whole_shares=False)); "
            "print(repr([t.row() for t in trade_list(h).rows()]))")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
               for seed in (1, 2, 3)}
    assert len(outputs) == 1 and "BUY" in outputs.pop()
