"""The review page: one self-contained HTML file for the whole book of business.

A summary table (one row per household, needing action first, sortable by any column
with a click on its header: a few lines of inline script, nothing loaded from anywhere),
each household's name linking to its own section below: the per-workbook report, or its
invalid inputs.  Also as CSV or JSON (the file's suffix says which) for a CRM.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any, Optional, Sequence

from .. import __version__
from ..report.html import _CSS, render_report
from ..report.rationale import money
from .rows import COLUMNS, ReviewRow, review_rows

_REVIEW_CSS = """
main { max-width: 1400px; }
table.review th { cursor: pointer; user-select: none; white-space: nowrap; }
table.review th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.review th[aria-sort="descending"]::after { content: " \\25BC"; }
tr.action td:first-child { border-left: 4px solid #c0392b; } tr.invalid { background: #fdedec; }
section.household { border-top: 3px solid #d5d8dc; margin-top: 40px; }
"""
# Sort by a cell's data-v (numbers compare as numbers, blanks last); a click on the same header reverses.
_SCRIPT = """
document.querySelectorAll("table.review th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0];
    var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[col].getAttribute("data-v"), y = b.cells[col].getAttribute("data-v");
      if (x === "" || y === "") { return (x === "") - (y === ""); }
      var nx = Number(x), ny = Number(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return c * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""
_CODE = re.compile(r"\[(\w+)\]")
_STATUS_RANK = {"invalid": 0, "rebalance": 1, "out-of-band": 2, "ok": 3}


def _cell(key: str, row: ReviewRow) -> tuple[str, str, bool]:
    """(shown text, sort value, numeric) of one cell."""
    value = getattr(row, key) if key != "needs_action" else row.needs_action
    if key == "household":
        return row.household, row.household.lower(), False
    if key == "status":
        return row.status, str(_STATUS_RANK.get(row.status, 0)), False
    if value is None:
        return "", "", False
    if key in ("value", "est_tax", "harvestable_loss"):
        return money(value), f"{value:.2f}", True
    if key == "portfolio_drift":
        return f"{value:.1%}", f"{value:.6f}", True
    if key == "trades":
        return str(value), str(value), True
    if key in ("ips_review_due", "needs_action"):
        return ("yes" if value else "no"), ("0" if value else "1"), False
    if key == "out_of_band":
        return ", ".join(value), str(len(value)), False
    if key == "invalid_inputs":      # the count and the codes; the household's section has each in full
        codes = ", ".join(dict.fromkeys(m.group(1) for m in map(_CODE.search, value) if m))
        return (f"{len(value)} ({codes})" if value else ""), str(len(value)) if value else "", False
    return str(value), str(value).lower(), False


def _summary(rows: Sequence[ReviewRow]) -> str:
    head = "".join(f'<th scope="col">{escape(title)}</th>' for _, title in COLUMNS)
    body = []
    for row in rows:
        cells = []
        for key, _ in COLUMNS:
            text, sort, numeric = _cell(key, row)
            shown = f'<a href="#{escape(row.anchor)}">{escape(text)}</a>' if key == "household" else escape(text)
            cls = ' class="num"' if numeric else ""
            cells.append(f'<td{cls} data-v="{escape(sort)}">{shown}</td>')
        classes = " ".join(c for c in ("action" if row.needs_action else "", "invalid" if row.status == "invalid"
                                       else "") if c)
        body.append(f'<tr class="{classes}" data-household="{escape(row.household)}">' + "".join(cells) + "</tr>")
    return f'<table class="review" id="review"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _household_section(row: ReviewRow, result: Any) -> str:
    title = f"{row.household}" + (f" · model {row.model}" if row.model else "")
    if result.answers is None:
        items = "".join(f"<li>{escape(text)}</li>" for text in row.invalid_inputs) or "<li>No answers.</li>"
        inner = (f"<h1>{escape(title)}</h1><p><b>Invalid inputs</b>: nothing is computed until these are fixed "
                 f"in {escape(Path(result.path).name)}.</p><ul>{items}</ul>")
    else:
        page = render_report(result, title=f"Portfolio review: {title}")
        inner = page[page.index("<main>") + len("<main>"):page.rindex("</main>")]
    return f'<section class="household" id="{escape(row.anchor)}">{inner}<p><a href="#review">Back to the list</a></p></section>'


def render_review(results: Sequence[Any], *, title: str = "Book of business review",
                  generated: Optional[datetime] = None) -> str:
    """The review page (a string) for ``results`` (``CheckResult``, valid or not)."""
    generated = generated or datetime.now().astimezone()
    rows = review_rows(results)
    by_path = {str(r.path): r for r in results}
    needing = sum(1 for r in rows if r.needs_action)
    invalid = sum(1 for r in rows if r.status == "invalid")
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}{_REVIEW_CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{len(rows)} households · <b id="needing">{needing}</b> need action ({invalid} with invalid '
        "inputs) · click a column's header to sort by it, a household to see its own review</p>",
        _summary(rows),
    ]
    parts += [_household_section(row, by_path[row.path]) for row in rows]
    parts.append(f"<footer>Prepared with xlrebalance {escape(__version__)} on {generated:%Y-%m-%d %H:%M %Z} from "
                 f"{len(rows)} workbooks (read-only). Tax figures are estimates from the rates in each workbook, not "
                 f"tax advice.</footer></main><script>{_SCRIPT}</script></body></html>")
    return "\n".join(parts)


def review_csv(results: Sequence[Any]) -> str:
    rows = [r.record() for r in review_rows(results)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["household", "path"] + [k for k, _ in COLUMNS if k != "household"],
                            extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for record in rows:      # a cell starting = + - @ is text in a spreadsheet, never a formula
        writer.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in record.items()})
    return out.getvalue()


def review_json(results: Sequence[Any]) -> str:
    return json.dumps({"households": [r.record() for r in review_rows(results)]}, indent=2)


def write_review(results: Sequence[Any], target: str | Path) -> Path:
    """Write the review to ``target``: .csv, .json, or else the HTML page (atomically)."""
    from ..files.output import refuse_output, write_text_atomically

    target = refuse_output(target, [r.path for r in results], what="the review")
    suffix = Path(target).suffix.lower()
    text = review_csv(results) if suffix == ".csv" else review_json(results) if suffix == ".json" \
        else render_review(results)
    return write_text_atomically(target, text)
