"""The IPS reviews itself: the Next IPS review reminder and the Policy changing hold
(core/triggers.py, core/trades.py)."""
from __future__ import annotations

from datetime import date

import pytest

from xlrebalance.core.model import Trigger
from xlrebalance.core.trades import POLICY_CHANGING, trade_list
from xlrebalance.core.triggers import HOLD_RULE, decide

from trade_helpers import account, brief, make

RULE = "when client circumstances are changing, hold off on rebalancing until you've updated the allocation targets"


def drifted(**settings):
    """IRA: VTI 700 x $100 = $70,000, BND 600 x $50 = $30,000; targets 50/50, so US Stocks
    is 70% (band 45-55%) and Bonds 30%: a rebalance sells $20,000 of VTI (200 sh) and buys
    $20,000 of BND (400 sh)."""
    return make([account("IRA", "Traditional", **settings.pop("ira", {}))],
                {("IRA", "VTI"): 700, ("IRA", "BND"): 600}, {"US Stocks": 0.5, "Bonds": 0.5},
                trigger=Trigger.THRESHOLD, **settings)


def test_the_rule_is_the_seed_ips_words():
    assert HOLD_RULE == RULE


def test_reminder_once_the_review_date_has_come():
    # As of 2026-11-20 (trade_helpers.AS_OF): a review due 2026-11-01 has passed, 2026-12-01 has not.
    due = decide(drifted(next_ips_review=date(2026, 11, 1)))
    assert due.reason.endswith("Your IPS review was due on 2026-11-01: reread targets and bands before trading.")
    assert due.needed      # the reminder asks for a reread; it does not stop the policy
    assert "IPS review" not in decide(drifted(next_ips_review=date(2026, 12, 1))).reason
    assert "IPS review" not in decide(drifted()).reason
    same_day = decide(drifted(next_ips_review=date(2026, 11, 20)))
    assert "Your IPS review was due on 2026-11-20" in same_day.reason


def test_policy_changing_says_no_and_why():
    decision = decide(drifted(policy_changing=True))
    assert decision.needed is False
    assert RULE in decision.reason and "Without the hold it would be due" in decision.reason
    assert "US Stocks is 70%" in decision.reason


def test_policy_changing_holds_every_rebalancing_trade():
    free = trade_list(drifted())
    assert brief(free) == [("IRA", "VTI", "SELL", 200), ("IRA", "BND", "BUY", 400)]
    held = trade_list(drifted(policy_changing=True))
    assert held.trades == ()
    assert [(t.ticker, t.action, t.shares, t.amount) for t in held.held] == \
        [("VTI", "HOLD", 200, 20_000), ("BND", "HOLD", 400, 20_000)]
    assert all(POLICY_CHANGING in t.flags and RULE in t.reason for t in held.held)
    assert "Not traded: would sell 200 sh of VTI in the IRA ($20,000) to rebalance" in held.held[0].reason
    assert any("deposits are still invested and withdrawals still raised" in n for n in held.notes)


def test_policy_changing_still_invests_a_deposit():
    # A $10,000 deposit into the drifted IRA: the cash flow goes to the most under-weight
    # class (Bonds, 200 sh at $50).  The full plan: total $110,000, goal $55,000 each, so
    # sell $15,000 of VTI (150 sh) and buy $25,000 of BND (500 sh); the part beyond the
    # deposit (VTI 150 sh, BND 300 sh) is held.
    household = drifted(policy_changing=True, ira={"flow": 10_000})
    plan = trade_list(household)
    assert brief(plan) == [("IRA", "BND", "BUY", 200)]
    assert [(t.ticker, t.shares) for t in plan.held] == [("VTI", 150), ("BND", 300)]
    assert [(t.ticker, t.shares) for t in trade_list(drifted(ira={"flow": 10_000})).trades] == \
        [("VTI", 150), ("BND", 500)]


def test_policy_changing_still_raises_a_withdrawal():
    # $5,000 withdrawal from the IRA: raised from the most over-weight class (VTI, 50 sh);
    # the rebalance beyond it is held.
    plan = trade_list(drifted(policy_changing=True, ira={"flow": -5_000}))
    assert brief(plan) == [("IRA", "VTI", "SELL", 50)]
    assert plan.held and all(t.action == "HOLD" for t in plan.held)
    assert [(t.ticker, t.shares) for t in plan.held][0][0] == "VTI"


@pytest.fixture(scope="module")
def reviewed_book(tmp_path_factory):
    """The sample household with a review that has come (2026-11-01, as of 2026-11-20) and
    Policy changing set."""
    from xlrebalance.sample import sample_tables
    from xlrebalance.workbook.builder import build_workbook
    tables = {name: [list(r) for r in rows] for name, rows in sample_tables().items()}
    tables["Settings"] += [["Next IPS review", date(2026, 11, 1)], ["Policy changing", True]]
    return build_workbook(tmp_path_factory.mktemp("ips") / "reviewed.xlsm", tables=tables).workbook


def test_check_and_the_report_show_the_reminder_and_the_hold(reviewed_book, tmp_path, capsys):
    from xlrebalance import cli
    assert cli.main(["check", str(reviewed_book)]) == 0
    out = capsys.readouterr().out
    assert "Rebalance needed: no" in out
    assert "Your IPS review was due on 2026-11-01: reread targets and bands before trading." in out
    assert RULE in out and "HOLD" in out and "POLICY CHANGING" in out
    html = tmp_path / "review.html"
    assert cli.main(["report", str(reviewed_book), "-o", str(html)]) == 0
    text = html.read_text(encoding="utf-8")
    assert "Your IPS review was due on 2026-11-01" in text and "hold off on rebalancing" in text
