"""The letter as one self-contained HTML page (printable; nothing loaded from anywhere)."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any, Optional

from .text import letter_paragraphs

_CSS = """
body { font-family: Georgia, "Times New Roman", serif; color: #1b2631; margin: 0; background: #f4f6f7; }
main { max-width: 720px; margin: 0 auto; padding: 40px 48px; background: #ffffff; line-height: 1.5; }
h1 { font-size: 22px; } .meta { color: #566573; } ul { padding-left: 20px; }
.disclaimer { font-size: 13px; color: #566573; border-top: 1px solid #d5d8dc; padding-top: 10px; margin-top: 28px; }
@media print { body { background: #ffffff; } main { padding: 0; } }
"""


def render_letter(result: Any, *, title: Optional[str] = None, journal: Any = None) -> str:
    paragraphs = letter_paragraphs(result, journal)
    title = title or "Your portfolio review"
    body, items = [], []
    for text in paragraphs[:-1]:
        if text.startswith(("Sell ", "Buy ", "Sold ", "Bought ")):
            items.append(f"<li>{escape(text)}</li>")
            continue
        if items:
            body.append("<ul>" + "".join(items) + "</ul>")
            items = []
        body.append(f"<p>{escape(text)}</p>")
    if items:
        body.append("<ul>" + "".join(items) + "</ul>")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{result.answers.as_of:%B} {result.answers.as_of.day}, {result.answers.as_of.year}</p>',
        *body,
        f'<p class="disclaimer">{escape(paragraphs[-1])}</p>',
        "</main></body></html>"])


def default_letter_output(workbook: str | Path) -> Path:
    return Path(f"{Path(workbook).stem}-letter.html")


def write_letter(result: Any, output: Optional[str | Path] = None) -> Path:
    """Write the letter; with a Journal in the workbook it says which trades were carried
    out since the last review (Settings' Last review)."""
    from ..journal.books import journal_since
    from ..report import write_page

    target = Path(output) if output else default_letter_output(result.path)
    journal = journal_since(result.path) if Path(result.path).is_file() else None
    return write_page(target, render_letter(result, journal=journal), source=result.path)
