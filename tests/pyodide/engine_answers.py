"""The engine's answers on the sample household, as JSON: run by CPython (the test) and by
Pyodide under Node (``run.mjs``), whose outputs ``tests/test_pyodide.py`` compares.

Only the pure layers: ``tables`` (parsing and validation) and ``core`` (drift, the trigger,
the wash-sale replay, the trade list, harvest candidates, open lots).  Every answer is kept
as rows of plain JSON values (floats round-trip exactly through JSON).
"""
import copy
import json
import sys
from datetime import date, datetime

from xlrebalance.core.drift import drift_report
from xlrebalance.core.harvest import harvest_candidates
from xlrebalance.core.realized import tax_ledger
from xlrebalance.core.trades import trade_list
from xlrebalance.core.triggers import decide
from xlrebalance.sample import AS_OF, sample_tables
from xlrebalance.tables import parse_household


def plain(value):
    if isinstance(value, float):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def household_answers(tables, today=AS_OF):
    household = parse_household(tables, today=today)
    out = {"issues": sorted(str(i) for i in household.issues)}
    if any(i.is_error for i in household.issues):
        return out
    report = drift_report(household)
    decision = decide(household)
    ledger = tax_ledger(household)
    plan = trade_list(household, ledger=ledger)
    harvest = harvest_candidates(household, ledger)
    out.update({
        "drift": [plain((r.asset_class, r.target, r.value, r.weight, r.drift, r.relative_drift, r.band_low,
                         r.band_high, r.status)) for r in report.rows],
        "portfolio_drift": plain(report.portfolio_drift),
        "needs_rebalance": decision.needed,
        "reason": decision.reason,
        "trade_list": [plain(trade.row()) for trade in plan.rows()],
        "harvest": [plain((c.account, c.ticker, c.lot_id, c.shares, c.cost_basis, c.value, c.loss, c.loss_pct,
                           c.term, c.replacement, c.wash_status, c.est_tax_saving)) for c in harvest.candidates],
        "realized": [plain((r.date, r.account, r.ticker, r.lot_id, r.shares, r.proceeds, r.cost_basis, r.gain,
                            r.term, r.disallowed_loss, r.permanent, r.allowed_gain)) for r in ledger.rows],
        "totals": plain(sorted(ledger.totals.as_rows(), key=lambda kv: kv[0])),
        "open_lots": [plain((o.account, o.ticker, o.lot_id, o.acquired, o.holding_from, o.shares, o.cost_basis,
                             o.wash_adjustment)) for o in ledger.open_lots],
    })
    return out


def broken_tables():
    """The sample with typing mistakes a user makes: the parser's Issues must agree too."""
    tables = copy.deepcopy(sample_tables())
    tables["Holdings"][1][2] = "ten"            # Shares as text
    tables["Targets"][1][1] = 45                # a target typed as a percent
    tables["Lots"][1][3] = "2026-13-45"         # not a date
    tables["Prices"].append(["NOPE", -3.0, "USD", None, "Manual", None])
    return tables


def answers():
    return {
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "sample": household_answers(sample_tables()),
        "sample_a_year_later": household_answers(sample_tables(), today=date(AS_OF.year + 1, AS_OF.month, 1)),
        "broken": household_answers(broken_tables()),
    }


def answers_json() -> str:
    return json.dumps(answers(), sort_keys=True)
