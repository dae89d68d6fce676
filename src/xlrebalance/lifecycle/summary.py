"""The text ``xlrebalance new NEW --from OLD`` prints: what was carried, what was not."""
from __future__ import annotations

from .regenerate import RegenerateReport


def report_text(report: RegenerateReport) -> str:
    """Rows per table, extra columns, formulas, renames, live prices, every cell not carried
    and every problem of the old workbook."""
    lines = [f"Wrote {report.workbook} from {report.source} (which was only read, not changed).",
             f"Companion module: {report.companion} (keep it next to the workbook).",
             "Carried (data rows per table): " + ", ".join(f"{name} {count}" for name, count in report.rows.items())]
    for table, names in report.extra_columns.items():
        lines.append(f"Extra columns carried at the right of {table}: {', '.join(names)}")
    if report.formulas:
        lines.append(f"Formulas carried as formulas ({len(report.formulas)}): {_listed(report.formulas)}")
    for sentence in report.renamed:
        lines.append(f"Renamed from an older layout: {sentence}")
    if report.prices is not None:
        lines.append(f"Prices refreshed: {report.prices}")
    kept_as_values = [i for i in report.issues if i.code == "formula_as_value"]
    others = [i for i in report.issues if i.code != "formula_as_value"]
    if report.not_carried or kept_as_values:
        lines.append(f"Not carried ({len(report.not_carried)} cells or sheets, {len(kept_as_values)} formulas "
                     "kept as their values):")
        lines += [f"  {item}" for item in report.not_carried]
        lines += [f"  {issue.message}" for issue in kept_as_values]
    else:
        lines.append("Not carried: nothing (every cell of the old workbook's tables is in the new one).")
    if others:
        errors = sum(1 for i in others if i.is_error)
        lines.append(f"Problems found in {report.source.name} ({errors} errors, {len(others) - errors} warnings), "
                     f"carried as they were: fix them in {report.workbook.name}:")
        lines += [f"  {issue}" for issue in others]
    return "\n".join(lines)


def _listed(cells: tuple[str, ...], most: int = 20) -> str:
    shown = ", ".join(cells[:most])
    return shown + (f" and {len(cells) - most} more" if len(cells) > most else "")
