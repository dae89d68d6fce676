"""A household's tables with its model's targets: the Targets table the parser then reads.

The household names its model in Settings (``Model``; blank = its own Targets).  The
model's rows become the Targets table; a row of the household's own Targets overrides the
model's row for its class (or adds a class), and each override is reported (a warning) so
the advisor sees where a client departs from the model.  The models workbook's Securities
rows fill in tickers the household does not list.  Problems are ``Issue`` values:
an unknown model, an unusable model (its own Models rows named), a held class the targets
lack.  Pure: tables in, tables out; the inputs are never modified.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from ..core.model import Issue, Severity
from ..spec import layout, normalize_header
from .book import Model, ModelBook

_TARGET_COLUMNS = tuple(c.name for c in layout().table("Targets").columns)


@dataclass(frozen=True)
class ModelApplied:
    """What ``apply_model`` did: the model followed (None: own Targets) and the overrides."""

    model: Optional[str] = None
    overrides: tuple[str, ...] = ()     # classes whose target the household's own row sets


def model_name(tables: Mapping[str, Any], header_rows: Optional[Mapping[str, int]] = None
               ) -> tuple[Optional[str], Optional[int]]:
    """The Settings 'Model' value (None when blank or absent) and its sheet row."""
    from ..tables import read_table

    settings = _get(tables, "Settings")
    if settings is None:
        return None, None
    table = read_table("Settings", settings, _get(header_rows or {}, "Settings") or 1)
    if not table.present or table.issues:
        return None, None
    for row, key, value in zip(table.rows, table.raw_column("Setting"), table.raw_column("Value")):
        if isinstance(key, str) and normalize_header(key) == "model":
            text = str(value).strip() if value is not None else ""
            return (text or None), row
    return None, None


def apply_model(tables: Mapping[str, Any], book: ModelBook, *,
                header_rows: Optional[Mapping[str, int]] = None
                ) -> tuple[dict[str, Any], list[Issue], ModelApplied]:
    """``tables`` with its model's Targets (and Securities) put in; issues; what was applied."""
    from ..tables import to_rows

    name, setting_row = model_name(tables, header_rows)
    if name is None:
        return dict(tables), [], ModelApplied()
    model = book.model(name)
    with_securities = {k: v for k, v in tables.items() if normalize_header(k) != "securities"}
    with_securities["Securities"] = _merged_securities(to_rows(_get(tables, "Securities")),
                                                       [list(r) for r in book.securities])
    if model is None:
        listed = ", ".join(repr(n) for n in book.names) or "none"
        return with_securities, [Issue("unknown_model", f"Settings names the model {name!r}, which {book.source} does "
                                    f"not define (its models: {listed}); correct the name or add the model.",
                                    "Settings", setting_row, "Value")], ModelApplied(name)
    if not model.valid:
        problems = [i for i in model.issues if i.is_error]
        return with_securities, [Issue(i.code, f"{i.message} (this household follows model {model.name!r})",
                                    i.table, i.row, i.column) for i in problems], ModelApplied(model.name)
    own_rows = _get(tables, "Targets")
    own_header = _get(header_rows or {}, "Targets") or 1
    targets, overrides, issues = _merged_targets(model, to_rows(own_rows), own_header)
    out = {k: v for k, v in with_securities.items() if normalize_header(k) != "targets"}
    out["Targets"] = targets
    issues += _missing_classes(out, model, header_rows)
    issues += [i for i in model.issues if not i.is_error]
    return out, issues, ModelApplied(model.name, tuple(overrides))


def _get(mapping: Mapping[str, Any], name: str) -> Any:
    key = normalize_header(name)
    return next((v for k, v in mapping.items() if normalize_header(k) == key), None)


def _merged_targets(model: Model, own: list[list], header_row: int) -> tuple[list[list], list[str], list[Issue]]:
    """The model's rows in Targets' columns, each replaced by the household's own row for its class."""
    from ..tables import read_table

    mine: dict[str, tuple[int, list]] = {}
    if own and any(v not in (None, "") for v in own[0]):
        table = read_table("Targets", own, header_row)
        at = {normalize_header(h): i for i, h in enumerate(own[0]) if h not in (None, "")}
        body = own[1:]
        for sheet_row in table.rows:
            raw = body[sheet_row - header_row - 1]
            values = [raw[at[normalize_header(c)]] if normalize_header(c) in at and at[normalize_header(c)] < len(raw)
                      else None for c in _TARGET_COLUMNS]
            cls = values[0]
            if isinstance(cls, str) and cls.strip():
                mine.setdefault(cls.strip().lower(), (sheet_row, values))
    rows: list[list] = [list(_TARGET_COLUMNS)]
    overrides, issues = [], []
    for r in model.rows:
        key = r.asset_class.lower()
        if key in mine:
            sheet_row, values = mine.pop(key)
            rows.append(values)
            overrides.append(r.asset_class)
            issues.append(_override_issue(model, r.asset_class, sheet_row, values, r.target))
        else:
            rows.append([r.asset_class, r.target, r.abs_band, r.rel_band, None, r.buy_ticker, None])
    for sheet_row, values in mine.values():    # classes the model does not have: added by this household
        rows.append(values)
        overrides.append(str(values[0]).strip())
        issues.append(_override_issue(model, str(values[0]).strip(), sheet_row, values, None))
    return rows, overrides, issues


def _override_issue(model: Model, cls: str, row: int, values: list, model_target: Optional[float]) -> Issue:
    typed = values[1]
    shown = f"{typed:.2%}" if isinstance(typed, (int, float)) and not isinstance(typed, bool) and typed <= 1 else \
        str(typed)
    if model_target is None:
        what = f"adds {cls!r} ({shown}), a class model {model.name!r} does not have"
    else:
        what = f"overrides model {model.name!r} for {cls!r}: {shown} instead of {model_target:.2%}"
    return Issue("model_override", f"This workbook's Targets row {what}; the targets must still sum to 100% "
                 "(delete the row to follow the model).", "Targets", row, "Target", Severity.WARNING)


def _merged_securities(own: list[list], model_rows: list[list]) -> list[list]:
    """The household's Securities, then the models workbook's rows for tickers it does not list."""
    if len(model_rows) < 2:
        return own
    if not own or not any(v not in (None, "") for v in own[0]):
        return model_rows
    columns = [normalize_header(h) if h is not None else "" for h in own[0]]
    source = {normalize_header(h): i for i, h in enumerate(model_rows[0]) if h is not None}
    ticker_at = columns.index("ticker") if "ticker" in columns else None
    listed = {str(r[ticker_at]).strip().upper() for r in own[1:] if ticker_at is not None and ticker_at < len(r)
              and r[ticker_at] not in (None, "")}
    out = [list(r) for r in own]
    for r in model_rows[1:]:
        ticker = r[source["ticker"]] if "ticker" in source and source["ticker"] < len(r) else None
        if ticker in (None, "") or str(ticker).strip().upper() in listed:
            continue
        out.append([r[source[c]] if c in source and source[c] < len(r) else None for c in columns])
    return out


def _missing_classes(tables: Mapping[str, Any], model: Model,
                     header_rows: Optional[Mapping[str, int]]) -> list[Issue]:
    """A Holdings row whose ticker's class (by Securities) is not among the targets followed."""
    from ..tables import read_table

    securities = read_table("Securities", _get(tables, "Securities"), 1)
    holdings = read_table("Holdings", _get(tables, "Holdings"), _get(header_rows or {}, "Holdings") or 1)
    if securities.issues or holdings.issues or not holdings.present:
        return []
    class_of = {}
    for ticker, cls in zip(securities.column("Ticker"), securities.column("Asset class")):
        if ticker and cls:
            class_of.setdefault(ticker, cls)
    targeted = {str(r[0]).strip().lower() for r in _get(tables, "Targets")[1:] if r and r[0]}
    issues, said = [], set()
    for row, ticker in zip(holdings.rows, holdings.column("Ticker")):
        cls = class_of.get(ticker)
        if ticker is None or cls is None or cls.lower() in targeted or cls.lower() in said:
            continue
        said.add(cls.lower())
        issues.append(Issue("model_lacks_class", f"{ticker} is in the class {cls!r}, which model {model.name!r} "
                            "does not have; add the class to the model, map the ticker to one of its classes in "
                            "Securities, or give the class a target in this workbook's Targets (an override).",
                            "Holdings", row, "Ticker", ticker=ticker))
    return issues
