"""The Settings table (key/value rows) -> ``core.model.Settings``, every key defaulted."""
from __future__ import annotations


from datetime import date
from typing import Any, Optional

from . import cells
from .core import model
from .core.model import Issue, Settings, Severity
from .spec import SettingSpec, layout, normalize_header

# registry key -> Settings field
FIELDS = {
    "As of date": "as_of", "Review cadence": "review_cadence", "Last review": "last_review",
    "Trigger": "trigger", "Absolute band": "absolute_band", "Relative band": "relative_band",
    "Band rule": "band_rule", "Rebalance to": "rebalance_to", "Minimum trade": "minimum_trade",
    "Cash reserve": "cash_reserve", "Whole shares": "whole_shares", "Lot method": "lot_method",
    "Short-term rate": "short_term_rate", "Long-term rate": "long_term_rate",
    "Taxable sells": "taxable_sells", "Gain budget": "gain_budget",
    "Harvest min loss %": "harvest_min_loss_pct", "Harvest min loss $": "harvest_min_loss_usd",
    "Wash window days": "wash_window_days", "Next IPS review": "next_ips_review",
    "Long-term soon days": "lt_soon_days", "Stale price days": "stale_price_days",
    "SpecID lots": "spec_id_lots",
    "ST loss carryforward": "st_loss_carryforward", "LT loss carryforward": "lt_loss_carryforward",
    "Filing status": "filing_status", "Taxable income": "taxable_income",
    "Limit collar": "limit_collar",
    "Price timeout seconds": "price_timeout_seconds",
    "Policy changing": "policy_changing", "IPS last changed": "ips_last_changed",
}
_CHOICE_TYPES = {
    "review_cadence": model.Cadence, "trigger": model.Trigger, "band_rule": model.BandRule,
    "rebalance_to": model.RebalanceTo, "lot_method": model.LotMethod, "taxable_sells": model.TaxableSells,
    "filing_status": model.FilingStatus,
}
_INT_FIELDS = {"wash_window_days", "lt_soon_days", "stale_price_days"}


def _parse_value(spec: SettingSpec, raw: Any) -> tuple[Any, Optional[str]]:
    if spec.type == "choice":
        return cells.parse_choice(raw, spec.choices)
    if spec.type == "text":
        return cells.parse_text(raw)
    return cells.PARSERS[spec.type](raw)


def _convert(name: str, value: Any) -> Any:
    if name in _CHOICE_TYPES:
        return _CHOICE_TYPES[name](value)
    if name in _INT_FIELDS:
        return int(round(value))
    if name == "spec_id_lots":
        return tuple(part.strip() for part in str(value).split(",") if part.strip())
    return value


def _check_range(spec: SettingSpec, value: Any, row: Optional[int]) -> Optional[Issue]:
    if not isinstance(value, float):
        return None
    low = spec.min if spec.min is not None else float("-inf")
    high = spec.max if spec.max is not None else float("inf")
    bands = spec.key in ("Absolute band", "Relative band")
    if value < low or value > high or (bands and value <= 0):
        hint = " Type 5% or 0.05 for five points." if bands else ""
        bounds = f"more than {low:g}" if bands else f"at least {low:g}"
        return Issue("setting_out_of_range", f"'{spec.key}' is {value:g}; it must be {bounds} and at most "
                     f"{high:g}.{hint}", "Settings", row, "Value")
    return None


def parse_settings(table, *, today: Optional[date] = None) -> tuple[Settings, list[Issue]]:
    """``table`` is the ``TableRows`` of the Settings table (possibly absent)."""
    today = today or date.today()
    issues: list[Issue] = []
    values: dict[str, Any] = {}
    specs = {s.norm: s for s in layout().settings}
    rows = zip(table.rows, table.raw_column("Setting"), table.raw_column("Value")) if table.present else ()
    for row, raw_key, raw_value in rows:
        key_text, key_problem = cells.parse_text(raw_key)
        if key_problem:
            issues.append(Issue(getattr(key_problem, "code", "bad_setting"), f"The setting's name: {key_problem}.",
                                "Settings", row, "Setting"))
            continue
        if key_text is None:
            continue
        spec = specs.get(normalize_header(key_text))
        if spec is None:
            issues.append(Issue("unknown_setting", f"Setting {key_text!r} is not one this tool reads; check the "
                                "spelling (see the Description column of a fresh workbook).", "Settings", row,
                                "Setting", Severity.WARNING))
            continue
        value, problem = _parse_value(spec, raw_value)
        if problem:
            code = "bad_setting" if getattr(problem, "code", "bad_value") == "bad_value" else problem.code
            issues.append(Issue(code, f"'{spec.key}': {problem}.", "Settings", row, "Value"))
            continue
        if value is None:
            continue
        out_of_range = _check_range(spec, value, row)
        if out_of_range:
            issues.append(out_of_range)
            continue
        if spec.key not in FIELDS:
            continue   # read by a front end, not the engine (Quote URL: the xlwings Lite refresh)
        values[FIELDS[spec.key]] = (_convert(FIELDS[spec.key], value), row)
    as_of = values.pop("as_of", (today, None))[0]
    settings = Settings(as_of=as_of, **{name: value for name, (value, _) in values.items()})
    last_review_row = values.get("last_review", (None, None))[1]
    if settings.last_review and settings.last_review > settings.as_of:
        issues.append(Issue("future_review", f"'Last review' is {settings.last_review:%Y-%m-%d}, after the as-of "
                            f"date {settings.as_of:%Y-%m-%d}; enter the date the last review actually happened.",
                            "Settings", last_review_row, "Value"))
    return settings, issues
