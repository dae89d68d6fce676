"""One review row per household, from its ``CheckResult``: what an advisor scans first.

Households needing action come first (invalid ones first among them: nothing can be
computed until their inputs are fixed), then by portfolio drift, largest first.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Optional, Sequence

#: (field, header) in the order shown.
COLUMNS = (
    ("household", "Household"), ("model", "Model"), ("value", "Value"), ("portfolio_drift", "Portfolio drift"),
    ("out_of_band", "Classes out of band"), ("status", "Trigger status"), ("last_review", "Last review"),
    ("trades", "Est. trades"), ("est_tax", "Est. tax"), ("harvestable_loss", "Harvestable losses"),
    ("ips_review_due", "IPS review due"), ("invalid_inputs", "Invalid inputs"), ("needs_action", "Needs action"),
)
#: Sort rank of each status: lower comes first.
_RANK = {"invalid": 0, "rebalance": 1, "out-of-band": 2, "ok": 3}


@dataclass(frozen=True)
class ReviewRow:
    household: str                 # the workbook's file name without its suffix
    anchor: str                    # the id of the household's section on the page
    path: str
    model: Optional[str]           # None: the workbook's own Targets
    value: Optional[float]         # $
    portfolio_drift: Optional[float]   # fraction
    out_of_band: tuple[str, ...]
    status: str                    # invalid, rebalance, out-of-band, ok (CheckResult.status)
    last_review: Optional[date]
    trades: Optional[int]          # BUY/SELL rows of the trade list
    est_tax: Optional[float]       # $ (negative: a saving)
    harvestable_loss: Optional[float]  # $ of losses in the harvest candidates (a positive number)
    ips_review_due: Optional[bool]
    invalid_inputs: tuple[str, ...]    # the errors, as "where: message"

    @property
    def needs_action(self) -> bool:
        """Invalid, a rebalance due, or a class out of its band (the advisor looks at it)."""
        return self.status != "ok"

    def record(self) -> dict[str, Any]:
        """Plain values for CSV/JSON (dates as ISO text, lists joined by "; ")."""
        out = asdict(self)
        out.pop("anchor")
        out["needs_action"] = self.needs_action
        for key, value in list(out.items()):
            if isinstance(value, date):
                out[key] = value.isoformat()
            elif isinstance(value, (tuple, list)):
                out[key] = "; ".join(value)
        return out


def review_rows(results: Sequence[Any]) -> list[ReviewRow]:
    """The rows of ``results`` (``CheckResult``), needing action first."""
    rows = [_row(result, index) for index, result in enumerate(results)]
    return sorted(rows, key=_order)


def _order(row: ReviewRow) -> tuple:
    return (_RANK.get(row.status, 0), -(row.portfolio_drift or 0.0), row.household.lower())


def _row(result: Any, index: int) -> ReviewRow:
    from ..check_text import issue_text

    facts = getattr(result, "facts", None) or {}
    name = Path(result.path).stem
    answers = result.answers
    trades = est_tax = harvest = None
    if answers is not None:
        section = answers.section("trades")
        if section.available and "Action" in section.columns:
            trades = sum(1 for a in section.column("Action") if a in ("BUY", "SELL"))
        est_tax = answers.estimated_tax
        candidates = answers.section("harvest_candidates")
        if candidates.available and "Loss" in candidates.columns:
            harvest = round(sum(abs(v) for v in candidates.column("Loss") if isinstance(v, (int, float))), 2)
    next_ips = facts.get("next_ips_review")
    as_of = answers.as_of if answers is not None else facts.get("as_of")
    return ReviewRow(
        household=name, anchor=f"h{index}-" + "".join(c if c.isalnum() else "-" for c in name), path=str(result.path),
        model=facts.get("model"), value=answers.household_value if answers else None,
        portfolio_drift=answers.portfolio_drift if answers else None,
        out_of_band=tuple(answers.out_of_band) if answers else (), status=result.status(),
        last_review=facts.get("last_review"), trades=trades, est_tax=est_tax, harvestable_loss=harvest,
        ips_review_due=(next_ips <= as_of) if next_ips is not None and as_of is not None else None,
        invalid_inputs=tuple(issue_text(i) for i in result.errors))
