"""The HTML report: content, self-containment, escaping, the rationale, and the chart drawn
by a real browser (headless Chromium) to a PNG whose pixels are inspected."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from xlrebalance import cli
from xlrebalance.check import Answers, CheckResult, Section, check_workbook
from xlrebalance.core.model import Issue, Severity
from xlrebalance.report import render_report, write_report
from xlrebalance.report.chart import BAND_COLOUR, STATUS_COLOURS, TARGET_COLOUR, ChartRow, allocation_svg, axis_max
from xlrebalance.report.rationale import rationale
from xlrebalance.spec import layout
from xlrebalance.workbook.builder import build_workbook

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def sample_book(tmp_path_factory) -> Path:
    return build_workbook(tmp_path_factory.mktemp("book") / "sample_book.xlsm", sample=True).workbook


@pytest.fixture(scope="module")
def sample_result(sample_book) -> CheckResult:
    result = check_workbook(sample_book)
    assert result.valid, result.issues
    return result


def columns(function: str) -> tuple[str, ...]:
    return tuple(layout().function(function).columns)


def drift_row(asset_class, target, weight, low, high, status, value=0.0):
    # Target as typed and Effective target equal: no non-tradable class
    return (asset_class, target, target, value, weight, weight - target, (weight - target) / target, low, high, status)


def make_answers(*, drift_rows, trades=(), harvest=(), needed=True, reason="US Stocks is 55%, above its band.",
                 trades_available=True) -> Answers:
    return Answers(
        as_of=date(2026, 11, 20), needs_rebalance=needed, reason=reason, household_value=500_000.0,
        portfolio_drift=0.05, out_of_band=tuple(r[0] for r in drift_rows if r[-1] in ("OVER", "UNDER")),
        drift=Section("DRIFT", columns("DRIFT"), tuple(drift_rows)),
        sections=(("trades", Section("TRADE_LIST", columns("TRADE_LIST"), tuple(trades), trades_available,
                                     "" if trades_available else "not available in this version")),
                  ("harvest_candidates", Section("HARVEST_CANDIDATES", columns("HARVEST_CANDIDATES"), tuple(harvest))),
                  ("realized_gains", Section("REALIZED_GAINS", columns("REALIZED_GAINS")))))


def trade(account, ticker, action, amount, st_gain=0.0, lt_gain=0.0, tax=0.0, reason="Brings it back to target."):
    return (account, ticker, action, 10.0, amount / 10, amount, "", st_gain, lt_gain, tax, "", reason)


US_OVER = drift_row("US Stocks", 0.45, 0.55, 0.40, 0.50, "OVER", 275_000.0)
BONDS_UNDER = drift_row("Bonds", 0.40, 0.30, 0.35, 0.45, "UNDER", 150_000.0)
INTL_OK = drift_row("International", 0.15, 0.15, 0.1125, 0.1875, "OK", 75_000.0)


# ---------------------------------------------------------------------------------------
# Content


def test_the_report_has_every_part(sample_result):
    page = render_report(sample_result)
    for heading in ("Why", "Allocation vs target", "Drift by asset class", "Trades", "Tax-loss harvest opportunities",
                    "Realized this year"):
        assert f"<h2>{heading}</h2>" in page
    assert "Rebalance needed" in page and "US Stocks" in page and "<svg" in page
    for column in columns("DRIFT"):
        assert f"<th>{column}</th>" in page


def test_the_report_is_self_contained(sample_result):
    page = render_report(sample_result)
    assert "<script" not in page.lower() and "@import" not in page
    links = set(re.findall(r"(?:src|href)\s*=\s*[\"']([^\"']+)", page))
    assert links == set()
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg"}


def test_user_text_is_escaped():
    nasty = drift_row("<script>alert('x')</script>", 0.5, 0.5, 0.45, 0.55, "OK")
    result = CheckResult("a&b.xlsm", (Issue("w", "<b>look</b>", severity=Severity.WARNING),),
                         make_answers(drift_rows=[nasty], needed=False, reason="Fine & dandy."))
    page = render_report(result)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>look</b>" not in page and "a&amp;b.xlsm" in page and "Fine &amp; dandy." in page


def test_an_invalid_result_has_no_report():
    with pytest.raises(ValueError):
        render_report(CheckResult("bad.xlsm", (Issue("bad_value", "nope"),)))


def test_estimated_tax_is_the_sum_of_the_trades_tax():
    answers = make_answers(drift_rows=[US_OVER, BONDS_UNDER], trades=[
        trade("Joint", "VTI", "SELL", 20_000.0, st_gain=1_000.0, lt_gain=3_000.0, tax=1_122.0),
        trade("IRA", "VTI", "SELL", 30_000.0),
        trade("IRA", "BND", "BUY", 50_000.0),
    ])
    assert answers.estimated_tax == 1122.0
    page = render_report(CheckResult("x.xlsm", (), answers))
    assert "Estimated tax of these trades: $1,122" in page
    assert "Brings it back to target." in page


# ---------------------------------------------------------------------------------------
# The rationale, hand-checked


def test_rationale_explains_each_breach_and_the_trades():
    answers = make_answers(drift_rows=[US_OVER, BONDS_UNDER, INTL_OK], trades=[
        trade("Joint", "VTI", "SELL", 20_000.0, st_gain=1_000.0, lt_gain=3_000.0, tax=1_122.0),
        trade("IRA", "BND", "BUY", 20_000.0),
        (None, None, "NOTE", None, None, None, None, None, None, None, None, "Cash left over: $12."),
    ])
    text = "\n".join(rationale(answers))
    assert "As of November 20, 2026, the household is worth $500,000 across 3 asset classes" in text
    assert "US Stocks is 55% of the household against a target of 45%" in text
    assert "5.0 percentage points above the band's upper edge" in text
    assert "Bonds is 30% of the household against a target of 40%" in text
    assert "5.0 percentage points below the band's lower edge" in text
    assert "International" not in text.split("asset classes")[1]       # inside its band: not mentioned
    assert "A rebalance is due. US Stocks is 55%, above its band." in text
    assert "The plan makes 2 trades in 2 accounts: it sells $20,000 and buys $20,000." in text
    assert "$1,000 of short-term and $3,000 of long-term gains" in text
    assert "The estimated tax on these trades is $1,122." in text


def test_rationale_when_no_rebalance_is_due_proposes_no_trades():
    answers = make_answers(drift_rows=[INTL_OK], needed=False, reason="Every class is inside its band.")
    text = " ".join(rationale(answers))
    assert "No rebalance is due now. Every class is inside its band." in text
    assert "trade" not in text.lower()


def test_rationale_mentions_blocked_harvests():
    harvest = [("Joint", "VXUS", "L1", 800.0, 57_600.0, 54_400.0, 3_200.0, 0.056, "LT", "IXUS",
                "BLOCKED until 2026-12-11", 761.6),
               ("Joint", "VEA", "L2", 400.0, 24_800.0, 21_600.0, 3_200.0, 0.129, "LT", "IEFA", "CLEAR", 761.6)]
    text = " ".join(rationale(make_answers(drift_rows=[INTL_OK], harvest=harvest, needed=False)))
    assert "2 lots could be sold for a tax loss of $6,400 in all, worth an estimated $1,523 in tax." in text
    assert "1 of them cannot be harvested cleanly yet" in text


# ---------------------------------------------------------------------------------------
# The chart


@pytest.mark.parametrize("rows, expected", [
    ([ChartRow("A", 0.45, 0.517, 0.395, 0.495, "OVER")], 0.6),
    ([ChartRow("A", 0.05, 0.04, 0.0375, 0.0625, "OK")], 0.1),
    ([ChartRow("A", 0.9, 0.97, 0.85, 0.95, "OVER")], 1.0),
    ([ChartRow("A", 0.5, 0.5, 0.45, 0.5, "OK")], 0.5),
])
def test_axis_max(rows, expected):
    assert axis_max(rows) == pytest.approx(expected)


def test_the_svg_draws_a_band_a_bar_and_a_target_per_class():
    rows = [ChartRow("US", 0.45, 0.55, 0.40, 0.50, "OVER"), ChartRow("Bonds", 0.40, 0.30, 0.35, 0.45, "UNDER")]
    svg = allocation_svg(rows)
    assert svg.count('class="band"') == 2 and svg.count('class="weight"') == 2 and svg.count('class="target"') == 2
    assert STATUS_COLOURS["OVER"] in svg and STATUS_COLOURS["UNDER"] in svg and BAND_COLOUR in svg


# ---------------------------------------------------------------------------------------
# Drawn by a browser


def read_png(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB bytes) of an 8-bit RGB/RGBA, non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, chunks, header = 8, [], None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        at += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows, previous = [], np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1).copy()
        if kind == 1:     # Sub: a running sum per channel
            line = (np.cumsum(line.reshape(width, channels).astype(np.int64), axis=0) % 256).astype(np.uint8).ravel()
        elif kind == 2:   # Up
            line = line + previous
        elif kind in (3, 4):
            line = _unfilter_slow(kind, line.tolist(), previous.tolist(), channels)
        previous = line
        rows.append(line.reshape(width, channels)[:, :3].tobytes())
    return width, height, rows


def _unfilter_slow(kind: int, line: list[int], previous: list[int], channels: int) -> np.ndarray:
    """Average (3) and Paeth (4) filters, pixel by pixel."""
    for i in range(len(line)):
        left = line[i - channels] if i >= channels else 0
        up, corner = previous[i], previous[i - channels] if i >= channels else 0
        if kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        else:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
    return np.array(line, dtype=np.uint8)


def longest_run(rows: list[bytes], colour: str) -> int:
    """The longest horizontal run of pixels of exactly ``colour`` ('#rrggbb')."""
    pixel = bytes.fromhex(colour[1:])
    best = 0
    for row in rows:
        for match in re.finditer(b"(?:" + re.escape(pixel) + b")+", row):
            if match.start() % 3 == 0:
                best = max(best, (match.end() - match.start()) // 3)
    return best


def chromium_or_skip() -> str:
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if os.environ.get("CI"):
        pytest.fail("chromium is required in CI to render the report (apt-get install chromium)")
    pytest.skip("chromium is not installed")


def test_chromium_draws_the_chart(sample_result, tmp_path):
    browser = chromium_or_skip()
    page = write_report(sample_result, tmp_path / "report.html")
    png = tmp_path / "report.png"
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={png}",
               "--window-size=1200,1600", page.resolve().as_uri()]
    completed = subprocess.run(command, capture_output=True, timeout=120)
    assert png.exists(), completed.stderr.decode(errors="replace")[-2000:]
    width, height, rows = read_png(png)
    assert (width, height) == (1200, 1600)
    # The sample has US Stocks over its band and Bonds under it: both bars are drawn as
    # long solid runs (text and borders are never 60 px of one exact colour), and so are
    # the bands around the targets.
    assert longest_run(rows, STATUS_COLOURS["OVER"]) >= 150
    assert longest_run(rows, STATUS_COLOURS["UNDER"]) >= 60
    assert longest_run(rows, STATUS_COLOURS["OK"]) >= 60
    assert longest_run(rows, BAND_COLOUR) >= 20
    assert longest_run(rows, TARGET_COLOUR) >= 2


# ---------------------------------------------------------------------------------------
# The command


def test_report_command_writes_the_page_and_leaves_the_workbook_alone(sample_book, tmp_path, capsys):
    before = sample_book.read_bytes()
    out = tmp_path / "out" / "client.html"
    assert cli.main(["report", str(sample_book), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"Wrote {out}" in capsys.readouterr().out
    assert sample_book.read_bytes() == before


def test_report_command_refuses_an_invalid_workbook(tmp_path, capsys):
    bad = tmp_path / "bad.xlsm"
    bad.write_text("Ticker,Price\n")
    out = tmp_path / "bad.html"
    assert cli.main(["report", str(bad), "-o", str(out)]) == 2
    text = capsys.readouterr().err
    assert "not_a_workbook" in text and "No report written" in text and "Traceback" not in text
    assert not out.exists()


@pytest.mark.parametrize("name", ["report.xlsm", "report.xlsx"])
def test_report_is_never_written_to_a_spreadsheet_name(sample_result, tmp_path, name, capsys):
    from xlrebalance.errors import WorkbookError

    with pytest.raises(WorkbookError):
        write_report(sample_result, tmp_path / name)
    assert not (tmp_path / name).exists()
