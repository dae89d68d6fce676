"""The Dashboard cannot collide with itself: every spill has room for the largest answers plus
50 warning rows, the buttons sit in cells of their own, the reason reads on one line, the
chart and the allocation check follow the Targets table; the answer sheets and the
Start here sheet are where the registry says."""
from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest

from xlrebalance.excel import udfs
from xlrebalance.sample import sample_tables
from xlrebalance.spec import layout
from xlrebalance.tables import parse_household
from xlrebalance.core.triggers import decide
from xlrebalance.workbook import dashboard, guide
from xlrebalance.workbook.builder import build_workbook
from xlrebalance.workbook.reader import read_tables

from sheet_geometry import Rect, drawings, non_empty_cells
from workbook_variants import large_tables

WB = layout().raw["workbook"]
DASH = WB["dashboard"]
WARNING_ROWS = 50


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    return {
        "sample": build_workbook(folder / "sample_layout.xlsm", sample=True).workbook,
        "empty": build_workbook(folder / "empty_layout.xlsm").workbook,
        "large": build_workbook(folder / "large_layout.xlsm", tables=large_tables()).workbook,
    }


@pytest.fixture(scope="module")
def largest_answers(books) -> dict[str, tuple[int, int]]:
    """function -> (rows, columns) of its largest answer over the sample and the large book,
    read back from the files as the functions would get them, plus 50 warning rows."""
    sizes: dict[str, tuple[int, int]] = {}
    for which in ("sample", "large"):
        tables = read_tables(books[which]).tables
        for anchor in dashboard.spill_anchors():
            rows = udfs.table_answer(anchor.function, tables)
            assert not rows[0][0].startswith("Error"), rows[0][0]
            height, width = len(rows) + WARNING_ROWS, max(len(r) for r in rows)
            old = sizes.get(anchor.function, (0, 0))
            sizes[anchor.function] = (max(old[0], height), max(old[1], width))
    return sizes


def spill_rect(anchor: dashboard.SpillAnchor, size: tuple[int, int]) -> Rect:
    rows, cols = size
    return Rect(f"{anchor.function} spill", anchor.row, anchor.column, anchor.row + rows - 1, anchor.column + cols - 1)


@pytest.mark.parametrize("which", ["sample", "empty", "large"])
def test_no_spill_can_run_into_a_cell_or_a_drawing(books, largest_answers, which):
    """The largest answers of the sample and the large household, plus 50 warning rows,
    written out from each anchor: no non-empty cell but the anchor and no chart or button
    lies in that rectangle."""
    path = books[which]
    assert len(largest_answers["TRADE_LIST"]) == 2 and largest_answers["TRADE_LIST"][0] > 60
    for anchor in dashboard.spill_anchors():
        assert in_the_way(path, anchor, largest_answers) == [], anchor


def in_the_way(path, anchor: dashboard.SpillAnchor, sizes: dict) -> list:
    """What stands in the spill of ``anchor``: non-empty cells but its own, drawings, and
    the spills of the other anchors on its sheet."""
    rect = spill_rect(anchor, sizes[anchor.function])
    cells = non_empty_cells(path, anchor.sheet)
    assert anchor.function in cells[(anchor.row, anchor.column)]
    found: list = sorted(place for place in cells if rect.holds(*place) and place != (anchor.row, anchor.column))
    found += [d for d in drawings(path, anchor.sheet) if d.overlaps(rect)]
    found += [o for o in dashboard.spill_anchors() if o != anchor and o.sheet == anchor.sheet
              and spill_rect(o, sizes[o.function]).overlaps(rect)]
    return found


def test_a_cell_in_a_spill_s_way_is_found(books, largest_answers, tmp_path):
    """The check above bites: a note typed 40 rows under the Trades anchor is in the way."""
    import shutil

    from sheet_geometry import sheet_part

    anchor = next(a for a in dashboard.spill_anchors() if a.function == "TRADE_LIST")
    blocked = tmp_path / "blocked.xlsm"
    shutil.copy(books["sample"], blocked)
    with zipfile.ZipFile(books["sample"]) as old:
        part = sheet_part(old, anchor.sheet)
        parts = {n: old.read(n) for n in old.namelist()}
    row = anchor.row + 40
    parts[part] = parts[part].replace(b"</sheetData>", f'<row r="{row}"><c r="C{row}" t="inlineStr"><is><t>note'
                                      f'</t></is></c></row></sheetData>'.encode())
    with zipfile.ZipFile(blocked, "w") as new:
        for name, data in parts.items():
            new.writestr(name, data)
    assert in_the_way(blocked, anchor, largest_answers) == [(row, 3)]


def test_every_spill_but_drift_is_on_its_own_sheet():
    anchors = dashboard.spill_anchors()
    on_board = [a.function for a in anchors if a.sheet == DASH["sheet"]]
    assert on_board == ["DRIFT"]
    elsewhere = [a for a in anchors if a.sheet != DASH["sheet"]]
    assert {a.function for a in elsewhere} == {"TRADE_LIST", "HARVEST_CANDIDATES", "REALIZED_GAINS", "OPEN_LOTS"}
    assert len({a.sheet for a in elsewhere}) == len(elsewhere)
    assert all(a.sheet in WB["sheet_order"] for a in anchors)


def test_the_dashboard_links_to_every_answer_sheet(books):
    sheet = openpyxl.load_workbook(books["sample"])[DASH["sheet"]]
    links = {cell.hyperlink.location for cell in sheet[DASH["links_row"]] if cell.hyperlink}
    assert links == {f"'{a['sheet']}'!A1" if " " in a["sheet"] else f"{a['sheet']}!A1"
                     for a in dashboard.answer_sheets()}


def test_answer_sheets_hold_their_dynamic_array_and_link_back(books):
    book = openpyxl.load_workbook(books["sample"])
    for answer in dashboard.answer_sheets():
        sheet = book[answer["sheet"]]
        function = layout().function(answer["function"])
        formula = sheet.cell(row=answer["row"], column=1).value
        assert getattr(formula, "text", formula).lstrip("=").startswith(f"{function.name}(")
        assert sheet.cell(row=3, column=1).hyperlink.location == f"{DASH['sheet']}!A1"
        assert sheet.freeze_panes == f"A{answer['row'] + 1}"
        widths = column_widths(books["sample"], answer["sheet"])
        for col, column in enumerate(function.columns, start=1):
            assert widths[col] >= DASH["column_widths"].get(column, 14), (answer["sheet"], column)


def column_widths(path, title: str) -> dict[int, float]:
    """1-based column -> its width in characters as stored (XlsxWriter adds the padding)."""
    from sheet_geometry import sheet_part

    with zipfile.ZipFile(path) as archive:
        xml = archive.read(sheet_part(archive, title)).decode()
    out = {}
    for low, high, width in re.findall(r'<col min="(\d+)" max="(\d+)" width="([\d.]+)"', xml):
        for col in range(int(low), int(high) + 1):
            out[col] = float(width)
    return out


def test_buttons_sit_inside_their_own_empty_reserved_cells(books):
    path = books["sample"]
    buttons = [d for d in drawings(path, DASH["sheet"]) if d.what.startswith("button")]
    assert [b.what for b in buttons] == [f"button {b['caption']}" for b in DASH["buttons"]]
    cells = non_empty_cells(path, DASH["sheet"])
    assert not [place for place in cells if place[0] == DASH["button_row"]], "text in the button row"
    for index, button in enumerate(buttons):
        row, first, last = dashboard.button_cells(index)
        assert (button.top, button.bottom) == (row, row)
        assert first <= button.left and button.right <= last
        assert all(not button.overlaps(other) for other in buttons if other is not button)
    others = [d for d in drawings(path, DASH["sheet"]) if not d.what.startswith("button")]
    assert all(d.top > DASH["button_row"] for d in others)


def test_button_sizes_stay_inside_their_cells(books):
    """The VML anchor's end offsets stay inside the last reserved cell (in pixels)."""
    with zipfile.ZipFile(books["sample"]) as archive:
        vml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".vml"))
    anchors = [tuple(int(x) for x in a.split(",")) for a in re.findall(r"<x:Anchor>([^<]*)</x:Anchor>", vml)]
    row_pixels = int(DASH["button_row_height"] * 4 / 3)
    for index, _ in enumerate(DASH["buttons"]):
        row, first, last = dashboard.button_cells(index)
        anchor = next(a for a in anchors if a[0] == first - 1 and a[2] == row - 1)
        _, left_offset, _, top_offset, right_col, right_offset, bottom_row, bottom_offset = anchor
        assert left_offset > 0 and top_offset > 0
        assert right_col == last - 1 and right_offset < dashboard.column_pixels(14)
        assert bottom_row == row - 1 and bottom_offset < row_pixels


def test_the_reason_reads_on_one_line(books):
    """Nothing to the right of the reason (its text runs over the empty cells) and no drawing
    over the top cells; the reason cell does not wrap."""
    path = books["sample"]
    first = DASH["first_cell_row"]
    last = first + len(DASH["cells"]) - 1
    cells = non_empty_cells(path, DASH["sheet"])
    assert not [place for place in cells if first <= place[0] <= last and place[1] > 2]
    assert all(d.bottom < first or d.top > last for d in drawings(path, DASH["sheet"]))
    row = first + [c["name"] for c in DASH["cells"]].index("RebalanceReason")
    cell = openpyxl.load_workbook(path)[DASH["sheet"]].cell(row=row, column=2)
    assert not cell.alignment.wrap_text


def test_no_two_dashboard_blocks_share_cells(books):
    """Top cells, links, the DRIFT spill (largest + 50 warnings), the chart and the
    allocation check (with its overflow note) are apart."""
    alloc = DASH["allocation"]
    blocks = [
        Rect("top cells", DASH["first_cell_row"], 1, DASH["first_cell_row"] + len(DASH["cells"]) - 1, 2),
        Rect("links", DASH["links_row"], 1, DASH["links_row"], 1 + len(dashboard.answer_sheets())),
        Rect("allocation", alloc["row"] - 1, alloc["column"], alloc["row"] + alloc["rows"] + 1,
             alloc["column"] + len(alloc["columns"]) - 1),
    ]
    drift = next(b for b in DASH["blocks"] if b["function"] == "DRIFT")
    width = len(layout().function("DRIFT").columns)
    blocks.append(Rect("DRIFT", drift["row"] - 1, drift["column"], drift["row"] + 40 + WARNING_ROWS,
                       drift["column"] + width - 1))
    blocks += drawings(books["sample"], DASH["sheet"])
    for i, a in enumerate(blocks):
        for b in blocks[i + 1:]:
            assert not a.overlaps(b), (a, b)


def test_the_reason_says_when_targets_are_rescaled():
    """The sample has a non-tradable class (Employer Stock, 5% typed): the reason says drift
    and bands use the effective targets."""
    household = parse_household(sample_tables())
    decision = decide(household)
    assert any(not t.tradable for t in household.targets)
    assert "effective targets" in decision.reason
    fixed = next(r for r in decision.report.rows if not r.tradable)
    assert fixed.asset_class in decision.reason


def test_drift_shows_target_as_typed_and_the_effective_target():
    import xlrebalance as xr

    tables = sample_tables()
    frame = xr.Portfolio.from_tables(tables).drift()
    typed = {row[0]: row[1] for row in tables["Targets"][1:]}
    assert list(frame.columns[:3]) == ["Asset class", "Target", "Effective target"]
    for record in frame.to_dict("records"):
        assert record["Target"] == pytest.approx(typed[record["Asset class"]])
    assert sum(frame["Target"]) == pytest.approx(1.0)
    tradable = frame[frame["Status"] != "NON-TRADABLE"]
    # rescaled around the non-tradable class: the tradable effective targets fill what it leaves
    fixed_weight = sum(frame[frame["Status"] == "NON-TRADABLE"]["Weight"])
    assert sum(tradable["Effective target"]) == pytest.approx(1 - fixed_weight)


# ---------------------------------------------------------------------------------------
# Start here

def test_start_here_lists_every_table_column_button_and_answer(books):
    sheet = openpyxl.load_workbook(books["empty"])[guide.sheet_name()]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    for table in layout().tables:
        assert table.name in text and table.description in text
        for column in table.columns:
            assert guide.column_meaning(table.name, column) in text, (table.name, column.name)
            if column.choices:
                assert ", ".join(column.choices) in text
    for button in DASH["buttons"]:
        assert button["caption"] in text and button["description"] in text
    for answer in dashboard.answer_sheets():
        assert answer["sheet"] in text and layout().function(answer["function"]).description in text
    assert "empty_layout.py" in text                                    # step 1 names the companion
    assert "Ctrl+Alt+F9" in text and "Import functions" in text and "Refresh prices" in text
    for word in ("deposit", "withdrawal", "positive", "negative"):     # the sign of Cash flow
        assert word in guide.column_meaning("Accounts", layout().table("Accounts").column("Cash flow"))


def test_the_empty_template_opens_on_start_here_and_the_sample_on_the_dashboard(books):
    for which, sheet in (("empty", guide.sheet_name()), ("sample", DASH["sheet"])):
        book = openpyxl.load_workbook(books[which])
        assert book.active.title == sheet
        assert book.sheetnames[0] == guide.sheet_name()
