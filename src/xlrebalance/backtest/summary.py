"""A backtest's answers as rows, a JSON document and one plain-language paragraph.

One row per policy, in ``METRIC_COLUMNS`` order: the terminal table, the JSON document,
the HTML page and the ``BACKTEST`` Excel function all show these rows.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional, Sequence

from ..core.model import Household, Issue, Severity
from .policies import POLICIES, Policy
from .returns import ReturnSeries
from .simulate import PolicyResult, policy_targets, simulate

METRIC_COLUMNS = ("Policy", "Annual return", "Volatility", "Max drawdown", "Rebalances", "Turnover/yr",
                  "Max drift", "Mean drift", "Realized ST", "Realized LT", "Est. taxes", "Ending value",
                  "After-tax value")
#: Column types for formatting (fractions as %, money as $).
COLUMN_TYPES = {"Annual return": "fraction", "Volatility": "fraction", "Max drawdown": "fraction",
                "Turnover/yr": "fraction", "Max drift": "fraction", "Mean drift": "fraction",
                "Realized ST": "money", "Realized LT": "money", "Est. taxes": "money",
                "Ending value": "money", "After-tax value": "money", "Rebalances": "number"}


@dataclass(frozen=True)
class Backtest:
    """Every policy's run over one series (``series.source`` says where the returns came from)."""

    series: ReturnSeries
    results: tuple[PolicyResult, ...]
    monthly_flow: float = 0.0
    skipped: tuple[str, ...] = ()       # classes left out for want of data (--skip-missing)

    def rows(self) -> list[tuple]:
        return [metric_row(r) for r in self.results]

    @property
    def period(self) -> str:
        months = self.series.months
        return f"{months[0]:%Y-%m} to {months[-1]:%Y-%m} ({len(months)} months)"


def metric_row(result: PolicyResult) -> tuple:
    """One policy's metrics in ``METRIC_COLUMNS`` order (fractions and $ rounded to cents)."""
    return (result.policy.name, round(result.annual_return, 6), round(result.volatility, 6),
            round(result.max_drawdown, 6), result.events, round(result.turnover, 6),
            round(max(result.drift), 6), round(sum(result.drift) / len(result.drift), 6),
            round(result.realized_st, 2), round(result.realized_lt, 2), round(result.taxes, 2),
            round(result.ending_value, 2), round(result.after_tax_value, 2))


def comparison(backtest: Backtest) -> str:
    """One paragraph a person can read: trades, taxes and outcome of the policies compared."""
    results = {r.policy.key: r for r in backtest.results}
    years = backtest.series.years
    span = f"{years:.0f} years" if years >= 2 else f"{len(backtest.series.months)} months"
    lead = "On synthetic returns (made up, not history)" if backtest.series.synthetic else \
        f"Over {backtest.period}"
    parts = []
    hybrid, monthly = results.get("hybrid"), results.get("monthly")
    if hybrid and monthly:
        parts.append(f"Hybrid rebalanced {_times(hybrid.events)} in {span} against {_times(monthly.events)} for "
                     f"monthly calendar rebalancing, with turnover of {hybrid.turnover:.1%} a year against "
                     f"{monthly.turnover:.1%} and estimated taxes of ${hybrid.taxes:,.0f} against "
                     f"${monthly.taxes:,.0f}")
    best = max(backtest.results, key=lambda r: r.after_tax_value)
    parts.append(f"the highest after-tax ending value was {best.policy.name} (${best.after_tax_value:,.0f})")
    never = results.get("never")
    if never:
        parts.append(f"never rebalancing let the portfolio drift up to {max(never.drift):.1%} from the "
                     f"targets (volatility {never.volatility:.1%} a year)")
    text = f"{lead}, " + "; ".join(parts) + "."
    return text[0].upper() + text[1:] + " Past returns do not predict future ones; estimates, not tax advice."


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def document(backtest: Backtest) -> dict[str, Any]:
    """The JSON answer: period, source, metrics per policy, the paragraph."""
    return {
        "source": backtest.series.source,
        "synthetic": backtest.series.synthetic,
        "period": {"first": backtest.series.months[0].isoformat(), "last": backtest.series.months[-1].isoformat(),
                   "months": len(backtest.series.months)},
        "classes": list(backtest.series.classes),
        "skipped_classes": list(backtest.skipped),
        "monthly_flow": backtest.monthly_flow,
        "columns": list(METRIC_COLUMNS),
        "policies": [dict(zip(["key"] + list(METRIC_COLUMNS), (r.policy.key,) + metric_row(r)))
                     for r in backtest.results],
        "summary": comparison(backtest),
    }


def cell_text(column: str, value: Any) -> str:
    kind = COLUMN_TYPES.get(column)
    if kind == "fraction":
        return f"{value:.2%}"
    if kind == "money":
        return f"{value:,.0f}"
    return str(value)


def text_table(backtest: Backtest, columns: Sequence[str] = METRIC_COLUMNS) -> str:
    """The metrics as an aligned plain-text table."""
    rows = [[cell_text(c, v) for c, v in zip(METRIC_COLUMNS, row) if c in columns] for row in backtest.rows()]
    header = [c for c in METRIC_COLUMNS if c in columns]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                   for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def match_classes(household: Household, series: ReturnSeries, *, skip_missing: bool = False,
                  where: str = "Returns") -> tuple[Optional[Household], tuple[str, ...], list[Issue]]:
    """The household cut to the classes the series covers, the classes skipped, and issues.

    A series column that is no tradable class of the household is an error (a typo would
    otherwise be silently left out); a class without a column is an error unless
    ``skip_missing``, when it is left out with a warning and the rest is rescaled.
    """
    classes, _ = policy_targets(household)
    known = {c.lower() for c in classes}
    columns = {c.lower() for c in series.classes}
    issues = [Issue("returns-class", f"{c!r} is not a tradable asset class of the Targets table "
                    f"({', '.join(classes)}); rename the column or remove it", table=where, row=1, column=c)
              for c in series.classes if c.lower() not in known]
    missing = tuple(c for c in classes if c.lower() not in columns)
    if missing and not skip_missing:
        issues.append(Issue("returns-missing", f"no returns for {', '.join(missing)}: add a column for each, "
                            "or pass --skip-missing to backtest the other classes only", table=where))
    elif missing:
        issues.append(Issue("returns-skipped", f"no returns for {', '.join(missing)}: left out, the other "
                            "classes' targets rescaled to fill it", table=where, severity=Severity.WARNING))
    if any(i.is_error for i in issues) or len(missing) == len(classes):
        return None, missing, issues
    kept = tuple(t for t in household.targets if t.asset_class not in missing)
    return replace(household, targets=kept), missing, issues


def run_backtest(household: Household, series: ReturnSeries, policies: Sequence[Policy] = POLICIES, *,
                 monthly_flow: float = 0.0, skipped: Sequence[str] = ()) -> Backtest:
    """Every policy over ``series`` (already matched to the household's classes)."""
    results = tuple(simulate(household, series, p, monthly_flow=monthly_flow) for p in policies)
    return Backtest(series, results, monthly_flow, tuple(skipped))
