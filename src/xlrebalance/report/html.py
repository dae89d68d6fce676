"""One self-contained HTML page for a person or a client: the verdict and its rationale,
the allocation chart (inline SVG), drift, trades with reasons, estimated tax, harvest
opportunities and this year's realized gains.  No script, font or image is loaded from
anywhere: the file can be mailed, archived or printed as it is.
"""
from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any, Optional, Sequence

from .. import __version__
from ..check_text import cell_text, issue_text
from .chart import STATUS_COLOURS, ChartRow, allocation_svg
from .rationale import money, rationale

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #1b2631; margin: 0; background: #f4f6f7; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; background: #ffffff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 2px solid #d5d8dc; }
.meta { color: #566573; margin: 0 0 16px; }
.verdict { padding: 14px 18px; border-radius: 6px; font-size: 17px; margin: 12px 0; }
.verdict.due { background: #fdedec; border-left: 6px solid #c0392b; }
.verdict.fine { background: #e9f7ef; border-left: 6px solid #1e8449; }
.figures { display: flex; gap: 32px; margin: 12px 0; } .figures div { font-size: 14px; color: #566573; }
.figures b { display: block; font-size: 20px; color: #1b2631; }
table { border-collapse: collapse; width: 100%; font-size: 13px; margin: 6px 0; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e5e8e8; text-align: left; vertical-align: top; }
th { background: #eaf2f8; font-weight: 600; } td.num { text-align: right; white-space: nowrap; }
.status { font-weight: bold; } .note { color: #566573; font-style: italic; }
.chart { max-width: 100%; height: auto; } .warn { color: #7d6608; }
footer { margin-top: 36px; font-size: 12px; color: #808b96; }
@media print { body { background: #ffffff; } main { padding: 0; } }
"""
_NUMERIC_TYPES = {"fraction", "money", "shares"}


def _table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, empty: str = "None.") -> str:
    if not rows:
        return f'<p class="note">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for column, value in zip(columns, row):
            text = escape(cell_text(column, value))
            if column == "Status" and value in STATUS_COLOURS:
                cells.append(f'<td class="status" style="color:{STATUS_COLOURS[value]}">{text}</td>')
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def chart_rows(answers) -> list[ChartRow]:
    def number(value: Any) -> float:
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0

    # the band is drawn around the effective target (the policy target rescaled around
    # non-tradable classes), the one drift is measured from
    return [ChartRow(str(r["Asset class"]), number(r.get("Effective target", r["Target"])), number(r["Weight"]),
                     number(r["Band low"]), number(r["Band high"]), str(r["Status"])) for r in answers.drift.records()]


def _section(answers, key: str, title: str, empty: str, intro: str = "") -> str:
    section = answers.section(key)
    if not section.available:
        note = section.note[:1].upper() + section.note[1:]
        return f'<h2>{escape(title)}</h2><p class="note">{escape(note)}.</p>'
    lead = f"<p>{escape(intro)}</p>" if intro else ""
    return f"<h2>{escape(title)}</h2>{lead}{_table(section.columns, section.rows, empty=empty)}"


def _trades_since(journal) -> str:
    """The "Trades since the last report" section: ``journal`` is (since, Journal runs)."""
    from ..journal.audit import report_rows

    since, runs = journal
    title = f"Trades since the last report ({since:%Y-%m-%d})" if since else "Trades since the last report"
    columns, rows = report_rows(runs)
    lead = ("<p>From the Journal: each order the plan proposed, who approved it, and how it was filled. "
            "Slippage is the fill's cost against the limit price, in dollars (negative: better than the limit)."
            "</p>")
    return f"<h2>{escape(title)}</h2>{lead}" + _table(columns, rows, empty="No trades in the Journal since then.")


def render_report(result, *, title: Optional[str] = None, generated: Optional[datetime] = None,
                  journal=None) -> str:
    """The report page (a string) for a valid ``CheckResult``; ``journal`` = (since, runs)
    adds the "Trades since the last report" section."""
    answers = result.answers
    if answers is None:
        raise ValueError("a report needs a valid check result (result.answers is None)")
    name = Path(result.path).name
    title = title or f"Portfolio review: {name}"
    generated = generated or datetime.now().astimezone()
    due = answers.needs_rebalance
    tax = answers.estimated_tax
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in rationale(answers))
    figures = [("Household value", money(answers.household_value)),
               ("Portfolio drift", f"{answers.portfolio_drift:.1%}"),
               ("Classes out of band", str(len(answers.out_of_band))),
               ("Estimated tax of the trades", money(tax) if tax is not None else "n/a")]
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">As of {answers.as_of:%Y-%m-%d} · workbook {escape(name)}</p>',
        f'<div class="verdict {"due" if due else "fine"}"><b>{"Rebalance needed" if due else "No rebalance needed"}'
        f"</b> — {escape(answers.reason)}</div>",
        '<div class="figures">' + "".join(f"<div>{escape(k)}<b>{escape(v)}</b></div>" for k, v in figures) + "</div>",
        "<h2>Why</h2>", paragraphs,
        "<h2>Allocation vs target</h2>",
        '<figure id="allocation-chart">' + allocation_svg(chart_rows(answers)) +
        "<figcaption class=\"note\">Bars: each class's weight today. Shaded: the band it may drift within. "
        "Dark tick: the target.</figcaption></figure>",
        "<h2>Drift by asset class</h2>", _table(answers.drift.columns, answers.drift.rows),
        _section(answers, "trades", "Trades", "No trades are needed.",
                 "Each trade says why it is made. Amounts in dollars; gains and tax are estimates."),
    ]
    if tax is not None:
        parts.append(f"<p><b>Estimated tax of these trades: {escape(money(tax))}</b> "
                     "(short-term gains at the short-term rate, long-term at the long-term rate, from the "
                     "workbook's Settings).</p>")
    parts += [
        _section(answers, "harvest_candidates", "Tax-loss harvest opportunities",
                 "No lot shows a loss worth harvesting."),
        _section(answers, "realized_gains", "Realized this year", "No sales recorded this year."),
    ]
    if journal is not None:
        parts.append(_trades_since(journal))
    if result.warnings:
        parts.append("<h2>Notes on the data</h2><ul>" +
                     "".join(f'<li class="warn">{escape(issue_text(i))}</li>' for i in result.warnings) + "</ul>")
    parts.append(f"<footer>Prepared with xlrebalance {escape(__version__)} on {generated:%Y-%m-%d %H:%M %Z} from "
                 f"{escape(name)} (read-only). Tax figures are estimates from the rates in the workbook, not tax "
                 "advice.</footer></main></body></html>")
    return "\n".join(parts)
