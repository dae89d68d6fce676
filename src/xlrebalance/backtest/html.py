"""The backtest as one self-contained HTML page (the report's style, inline SVG, no script).

Growth of $1 per policy, portfolio drift over time, the metrics table and the paragraph
that compares them.  Synthetic returns are labelled as such at the top of the page.
"""
from __future__ import annotations

from html import escape
from typing import Sequence

from .. import __version__
from ..report.html import _CSS as REPORT_CSS
from .summary import METRIC_COLUMNS, Backtest, cell_text, comparison

#: One colour per policy, in POLICIES order (colour-blind-safe Okabe-Ito palette, then greys).
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999")
WIDTH, HEIGHT, PAD = 900, 320, 48


def backtest_html(backtest: Backtest, title: str = "Backtest of the rebalancing policy") -> str:
    series = backtest.series
    warning = ('<p class="verdict due">These returns are <b>synthetic</b>: made up with a fixed seed to show '
               'how the tool works. They are not history; do not choose a policy from them.</p>'
               if series.synthetic else "")
    names = [r.policy.name for r in backtest.results]
    growth = [list(r.growth[1:]) for r in backtest.results]
    drift = [list(r.drift) for r in backtest.results]
    labels = [f"{m:%Y-%m}" for m in series.months]
    head = "".join(f"<th>{escape(c)}</th>" for c in METRIC_COLUMNS)
    body = "".join("<tr>" + "".join(f'<td class="{"" if i == 0 else "num"}">{escape(cell_text(c, v))}</td>'
                                    for i, (c, v) in enumerate(zip(METRIC_COLUMNS, row))) + "</tr>"
                   for row in backtest.rows())
    flow = f"; a monthly cash flow of ${backtest.monthly_flow:,.0f}" if backtest.monthly_flow else ""
    skipped = f" Left out for want of data: {escape(', '.join(backtest.skipped))}." if backtest.skipped else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{REPORT_CSS}
.legend span {{ display: inline-block; margin-right: 14px; font-size: 13px; }}
.legend i {{ display: inline-block; width: 18px; height: 3px; margin-right: 4px; vertical-align: middle; }}
</style></head>
<body><main>
<h1>{escape(title)}</h1>
<p class="meta">Returns: {escape(series.source)}; {escape(backtest.period)}; classes: {escape(', '.join(series.classes))}{escape(flow)}.{skipped}</p>
{warning}
<p>{escape(comparison(backtest))}</p>
<h2>Growth of $1 (time-weighted, before tax)</h2>
{_legend(names)}
{line_chart(growth, labels, "growth", log=True)}
<h2>Portfolio drift after each month's trades</h2>
{_legend(names)}
{line_chart(drift, labels, "drift")}
<h2>Metrics</h2>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p class="note">Each policy ran the real trade-list engine at every review (accounts, lot method, wash-sale
rules and tax rates from the workbook). Turnover: half the dollars traded, over the average value, per year.
Drift: the sum of |weight − target| over the classes, halved. Estimated taxes: realized gains in taxable
accounts at the workbook's rates with Schedule D netting; after-tax value is the ending value less them.
Estimates on past or synthetic returns, not a forecast and not tax advice.</p>
<footer>xlrebalance {escape(__version__)}</footer>
</main></body></html>
"""


def _legend(names: Sequence[str]) -> str:
    items = "".join(f'<span><i style="background:{COLOURS[i % len(COLOURS)]}"></i>{escape(n)}</span>'
                    for i, n in enumerate(names))
    return f'<p class="legend">{items}</p>'


def line_chart(lines: Sequence[Sequence[float]], labels: Sequence[str], name: str, log: bool = False) -> str:
    """An inline SVG with one polyline per series (same x positions), y axis with 5 ticks."""
    import math

    values = [v for line in lines for v in line]
    if not values:
        return ""
    scale = (lambda v: math.log(max(v, 1e-9))) if log else (lambda v: v)  # noqa: E731
    low, high = min(scale(v) for v in values), max(scale(v) for v in values)
    if high - low < 1e-12:
        high = low + 1.0
    n = max(len(line) for line in lines)
    x = lambda i: PAD + (WIDTH - 2 * PAD) * (i / max(1, n - 1))  # noqa: E731
    y = lambda v: HEIGHT - PAD + (2 * PAD - HEIGHT) * ((scale(v) - low) / (high - low))  # noqa: E731
    parts = [f'<svg class="chart" id="{name}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
             f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">',
             f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>']
    for k in range(5):
        level = low + (high - low) * k / 4
        shown = math.exp(level) if log else level
        ypos = HEIGHT - PAD + (2 * PAD - HEIGHT) * k / 4
        text = f"{shown:.2f}" if name == "growth" else f"{shown:.1%}"
        parts.append(f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{ypos:.1f}" y2="{ypos:.1f}" stroke="#e5e8e8"/>'
                     f'<text x="{PAD - 4}" y="{ypos + 4:.1f}" font-size="11" text-anchor="end">{text}</text>')
    for k in sorted({0, n // 2, n - 1}):
        if k < len(labels):
            parts.append(f'<text x="{x(k):.1f}" y="{HEIGHT - PAD + 16}" font-size="11" '
                         f'text-anchor="middle">{escape(labels[k])}</text>')
    for i, line in enumerate(lines):
        points = " ".join(f"{x(j):.1f},{y(v):.1f}" for j, v in enumerate(line))
        parts.append(f'<polyline class="series" fill="none" stroke-width="1.6" '
                     f'stroke="{COLOURS[i % len(COLOURS)]}" points="{points}"/>')
    parts.append("</svg>")
    return "".join(parts)
