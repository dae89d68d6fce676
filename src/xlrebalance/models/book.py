"""The Models table -> ``ModelBook``: each model's rows, with every problem as an ``Issue``.

Pure: rows in (header first, as the reader or a UDF hands them), values out.  A model with
an error (targets not summing to 100%, a class twice, a blank target) is kept with its
issues: a household naming it gets those issues, the other models stay usable.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from ..core.model import Issue, Severity
from ..spec import normalize_header

#: Targets within this of 100% sum to 100% (the Targets table's own tolerance).
SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ModelRow:
    """One class of a model; ``row`` is its sheet row in the Models table."""

    asset_class: str
    target: float                 # fraction of the household
    abs_band: Optional[float]
    rel_band: Optional[float]
    buy_ticker: Optional[str]
    row: int


@dataclass(frozen=True)
class Model:
    name: str
    rows: tuple[ModelRow, ...]
    issues: tuple[Issue, ...] = ()    # errors make the model unusable for every household naming it

    @property
    def valid(self) -> bool:
        return not any(i.is_error for i in self.issues)

    def target(self, asset_class: str) -> Optional[ModelRow]:
        key = asset_class.strip().lower()
        return next((r for r in self.rows if r.asset_class.lower() == key), None)


@dataclass(frozen=True)
class ModelBook:
    """Every model of one models workbook; ``source`` names the file in messages."""

    source: str
    models: tuple[Model, ...] = ()
    securities: tuple[tuple, ...] = ()          # the Securities table's rows, header first ("" = none)
    issues: tuple[Issue, ...] = field(default=())   # problems of the workbook not tied to one model

    def model(self, name: str) -> Optional[Model]:
        key = normalize_header(name)
        return next((m for m in self.models if normalize_header(m.name) == key), None)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.models)


def parse_models(tables: Mapping[str, Any], *, source: str = "the models workbook",
                 header_rows: Optional[Mapping[str, int]] = None) -> ModelBook:
    """``tables``: {"Models": rows, "Securities": rows (optional)}, rows header first."""
    from ..tables import read_table, to_rows

    by_key = {normalize_header(k): v for k, v in tables.items()}
    rows_at = {normalize_header(k): v for k, v in (header_rows or {}).items()}
    data = by_key.get("models")
    if data is None:
        return ModelBook(source, issues=(Issue("missing_table", f"{source} has no Models table; build one with "
                                               "`xlrebalance new Models.xlsx --models`.", "Models"),))
    table = read_table("Models", data, rows_at.get("models", 1))
    book_issues = [_located(source, i) for i in table.issues]
    if table.issues:
        return ModelBook(source, issues=tuple(book_issues))
    names = table.column("Model")
    classes = table.column("Asset class")
    targets = table.column("Target")
    abs_bands = table.column("Abs band")
    rel_bands = table.column("Rel band")
    buys = table.column("Buy ticker")
    cell_issues: dict[int, list[Issue]] = {}
    for issue in table.issues:       # cell problems found while reading the columns
        cell_issues.setdefault(issue.row, []).append(_located(source, issue))
    grouped: dict[str, list] = {}
    spelled: dict[str, str] = {}
    for r, name, cls, target, abs_band, rel_band, buy in zip(table.rows, names, classes, targets, abs_bands,
                                                             rel_bands, buys):
        if name is None:
            continue
        key = normalize_header(name)
        spelled.setdefault(key, name)
        grouped.setdefault(key, []).append((r, cls, target, abs_band, rel_band, buy))
    models = tuple(_model(source, spelled[key], entries, cell_issues) for key, entries in grouped.items())
    orphans = [i for r, found in cell_issues.items() for i in found
               if not any(r in {e[0] for e in entries} for entries in grouped.values())]
    securities = tuple(tuple(r) for r in to_rows(by_key.get("securities")))
    return ModelBook(source, models, securities, tuple(orphans))


def _model(source: str, name: str, entries: list, cell_issues: dict[int, list[Issue]]) -> Model:
    issues = [i for r, *_ in entries for i in cell_issues.get(r, ())]
    rows, seen = [], set()
    for r, cls, target, abs_band, rel_band, buy in entries:
        if cls is None or target is None:
            continue
        if cls.lower() in seen:
            issues.append(Issue("duplicate_class", f"{source}: model {name!r} lists {cls!r} twice; keep one row.",
                                "Models", r, "Asset class"))
            continue
        seen.add(cls.lower())
        if target < 0:
            issues.append(Issue("negative_target", f"{source}: model {name!r} has a negative target for {cls!r}.",
                                "Models", r, "Target"))
            continue
        rows.append(ModelRow(cls, target, abs_band, rel_band, buy, r))
    total = sum(x.target for x in rows)
    if rows and abs(total - 100.0) < 1e-6 and any(x.target > 1 for x in rows):
        rows = [ModelRow(x.asset_class, x.target / 100.0, x.abs_band, x.rel_band, x.buy_ticker, x.row) for x in rows]
        total = 1.0
        issues.append(Issue("targets_in_percent", f"{source}: model {name!r}'s targets were typed as percentages "
                            "(they sum to 100); they are read as fractions (60 -> 60%).", "Models", entries[0][0],
                            "Target", Severity.WARNING))
    if rows and abs(total - 1.0) > SUM_TOLERANCE:
        gap = (1.0 - total) * 100
        issues.append(Issue("model_targets_not_100", f"{source}: model {name!r}'s targets sum to {total:.2%}, "
                            f"{abs(gap):.2f} percentage points {'short of' if gap > 0 else 'over'} 100% (Models rows "
                            f"{entries[0][0]}-{entries[-1][0]}); adjust them so they add up to exactly 100%.",
                            "Models", entries[0][0], "Target"))
    if not rows and not issues:
        issues.append(Issue("empty_model", f"{source}: model {name!r} has no class with a target.", "Models",
                            entries[0][0], "Target"))
    return Model(name, tuple(rows), tuple(issues))


def _located(source: str, issue: Issue) -> Issue:
    """A Models cell problem, its message naming the models workbook."""
    from dataclasses import replace

    return replace(issue, message=f"{source}: {issue.message}")
