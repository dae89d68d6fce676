"""LibreOffice's rendering of the generated workbook (PDF, then PNG with pdftoppm): the Start
here sheet says what the registry says, and on the Dashboard no two blocks share cells.

The text and its position come from the PDF (pdftotext); the PNG proves each block is
really drawn where its words are (ink inside its box).
"""
from __future__ import annotations

import pytest

from xlrebalance.spec import layout
from xlrebalance.workbook import dashboard, guide
from xlrebalance.workbook.builder import build_workbook

from office import Word, convert, page_words, pages_text, read_gray_png, render_png

DASH = layout().raw["workbook"]["dashboard"]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    books = {"sample": build_workbook(folder / "render_sample.xlsm", sample=True),
             "empty": build_workbook(folder / "render_empty.xlsm")}
    pdfs = convert([b.workbook for b in books.values()], "pdf", folder, recalculate=False)
    return {name: (book, pdfs[book.workbook], folder) for name, book in books.items()}


def squash(text: str) -> str:
    return " ".join(text.split())


def start_here_text(pdf) -> str:
    pages = pages_text(pdf)
    end = next(i for i, page in enumerate(pages) if page.startswith(squash(DASH["title"])))
    assert end > 0 and pages[0].startswith(squash(guide.config()["title"]))
    return " ".join(pages[:end])


def test_start_here_renders_the_registry(rendered):
    book, pdf, _ = rendered["empty"]
    text = start_here_text(pdf)
    cfg = guide.config()
    expected = [cfg["title"], cfg["intro"]]
    expected += [step.replace("{module}", book.module) for step in cfg["steps"]]
    expected += [b["caption"] for b in DASH["buttons"]] + [b["description"] for b in DASH["buttons"]]
    expected += [f"{a['function']}: {layout().function(a['function']).description}" for a in dashboard.answer_sheets()]
    for table in layout().tables:
        expected.append(table.description)
        for column in table.columns:
            expected += [column.name, guide.column_meaning(table.name, column)]
            if column.choices:
                expected.append("One of: " + ", ".join(column.choices))
    missing = [e for e in expected if squash(e) not in text]
    assert not missing, missing[:5]
    assert "Ctrl+Alt+F9" in text and f"{book.module}.py" in text


# ---------------------------------------------------------------------------------------
# The Dashboard page

def dashboard_page(pdf) -> int:
    pages = pages_text(pdf)
    return 1 + next(i for i, page in enumerate(pages) if page.startswith(squash(DASH["title"])))


def line_of(words: list[Word], phrase: str) -> list[Word]:
    """The words of the first occurrence of ``phrase`` (consecutive words on one line)."""
    wanted = phrase.split()
    for i in range(len(words) - len(wanted) + 1):
        run = words[i:i + len(wanted)]
        if [w.text for w in run] == wanted and max(w.y0 for w in run) - min(w.y0 for w in run) < 2:
            return run
    raise AssertionError(f"{phrase!r} is not on the page")


def box(name: str, words: list[Word]) -> tuple[str, float, float, float, float]:
    assert words, name
    return name, min(w.x0 for w in words), min(w.y0 for w in words), max(w.x1 for w in words), max(w.y1 for w in words)


def on_lines(words: list[Word], anchors: list[Word], x_from: float = 0.0, x_to: float = 1e9) -> list[Word]:
    """Every word on the lines of ``anchors`` between x_from and x_to."""
    rows = [(a.y0, a.y1) for a in anchors]
    return [w for w in words if any(abs(w.y0 - y0) < 1.5 for y0, _ in rows) and x_from <= w.x0 and w.x1 <= x_to]


@pytest.fixture(scope="module")
def board(rendered):
    """name -> box (points) of each Dashboard block, as LibreOffice laid them out."""
    _, pdf, _ = rendered["sample"]
    page = dashboard_page(pdf)
    words, width, height = page_words(pdf, page)
    labels = [w for item in DASH["cells"] for w in line_of(words, item["label"])]
    drift = next(b for b in DASH["blocks"] if b["function"] == "DRIFT")
    drift_title = line_of(words, drift["title"])
    chart_title = line_of(words, DASH["chart"]["title"])
    alloc_title = line_of(words, DASH["allocation"]["title"])
    chart_x = chart_title[0].x0 - 60
    legend = [w for w in words if w.text in ("Weight", "Effective", "target", "Band", "low", "high")
              and chart_title[0].y1 < w.y0 < alloc_title[0].y0 and w.x0 >= chart_x]
    alloc_rows = [w for w in words if w.y0 >= alloc_title[0].y0 and w.x0 >= alloc_title[0].x0 - 1]
    links = line_of(words, DASH["links_label"])
    blocks = [
        box("title", line_of(words, DASH["title"])),
        box("top cells", on_lines(words, labels)),
        box("links", on_lines(words, links)),
        box("DRIFT", drift_title + on_lines(words, [w for w in words if drift_title[0].y1 < w.y0 < drift_title[0].y1 + 12],
                                            x_to=chart_x)),
        box("chart", chart_title + legend),
        box("allocation", alloc_rows),
    ]
    return {b[0]: b[1:] for b in blocks}, (pdf, page, width, height)


def test_no_two_dashboard_blocks_overlap_in_the_rendering(board):
    boxes, _ = board
    names = list(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            ax0, ay0, ax1, ay1 = boxes[a]
            bx0, by0, bx1, by1 = boxes[b]
            apart = ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
            assert apart, (a, boxes[a], b, boxes[b])


def test_dashboard_blocks_are_where_the_registry_puts_them(board):
    boxes, _ = board
    assert boxes["title"][3] <= boxes["top cells"][1]
    assert boxes["top cells"][3] <= boxes["links"][1] <= boxes["DRIFT"][1]
    assert boxes["DRIFT"][2] <= boxes["chart"][0]            # DRIFT on the left, the chart beside it
    assert boxes["chart"][3] <= boxes["allocation"][1]       # the allocation check below the chart
    assert len(set(w for w in boxes)) == 6


def test_the_png_shows_every_block(board, tmp_path):
    """Ink (dark pixels) inside each block's box on the rendered page."""
    boxes, (pdf, page, width, height) = board
    png = render_png(pdf, page, tmp_path / "dashboard", dpi=110)
    pixels_w, pixels_h, rows = read_gray_png(png)
    sx, sy = pixels_w / width, pixels_h / height

    def dark(x0, y0, x1, y1) -> int:
        return sum(1 for y in range(int(y0 * sy), min(pixels_h, int(y1 * sy) + 1))
                   for v in rows[y][int(x0 * sx):int(x1 * sx) + 1] if v < 128)

    for name, (x0, y0, x1, y1) in boxes.items():
        assert dark(x0, y0, x1, y1) > 0, f"{name} is not drawn"
    # the band between the button row and the top cells is blank: buttons are not printed,
    # and nothing else is written in their row
    assert dark(0, boxes["title"][3] + 2, width, boxes["top cells"][1] - 2) == 0
