"""LibreOffice and poppler for the tests: convert a workbook headless (optionally recalculating
every formula on load), render a PDF page to PNG, read the words of a page with their boxes.

A missing program fails the test in CI (``CI`` set) and skips it elsewhere, so a check can
never be skipped silently where it matters.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOPPM = shutil.which("pdftoppm")
PDFTOTEXT = shutil.which("pdftotext")

#: A profile that makes Calc recalculate OOXML files on load (OOXMLRecalcMode 0 = always).
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def require(*programs: tuple[str, str | None]) -> None:
    """Fail in CI, skip elsewhere, when one of (name, path) is missing."""
    missing = [name for name, path in programs if path is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (apt-get install libreoffice-calc-nogui poppler-utils)"
    if os.environ.get("CI"):
        pytest.fail(message + ": required in CI", pytrace=False)
    pytest.skip(message)


def convert(paths: list[Path], to: str, folder: Path, *, recalculate: bool) -> dict[Path, Path]:
    """Each workbook converted by LibreOffice to ``to`` ("pdf", "xlsx") in ``folder``."""
    require(("soffice", SOFFICE))
    profile = folder / "profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    settings = profile / "user" / "registrymodifications.xcu"
    if recalculate:
        settings.write_text(RECALC_ALWAYS, encoding="utf-8")
    out = folder / "out"
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--convert-to", to, "--outdir", str(out)] + [str(p) for p in paths]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    converted = {}
    for path in paths:
        target = out / f"{path.stem}.{to}"
        assert target.is_file(), f"LibreOffice did not convert {path.name}: {result.stdout}\n{result.stderr}"
        converted[path] = target
    return converted


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def pages_text(pdf: Path) -> list[str]:
    """Each page's text in content order, whitespace collapsed."""
    require(("pdftotext", PDFTOTEXT))
    raw = subprocess.run([PDFTOTEXT, "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in raw.split("\f")]


def page_words(pdf: Path, page: int) -> tuple[list[Word], float, float]:
    """The words of ``page`` (1-based) with their boxes in points, and the page's size."""
    require(("pdftotext", PDFTOTEXT))
    html = subprocess.run([PDFTOTEXT, "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    size = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    words = [Word(unescape(text), float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, text in
             re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
                        html)]
    return words, float(size.group(1)), float(size.group(2))


def render_png(pdf: Path, page: int, target_stem: Path, dpi: int = 60) -> Path:
    """``page`` of ``pdf`` as a PNG (pdftoppm)."""
    require(("pdftoppm", PDFTOPPM))
    subprocess.run([PDFTOPPM, "-f", str(page), "-l", str(page), "-r", str(dpi), "-png", "-singlefile", "-gray",
                    str(pdf), str(target_stem)], check=True, capture_output=True)
    return target_stem.with_suffix(".png")


def read_gray_png(path: Path) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of 8-bit gray pixels) of a non-interlaced 8-bit grayscale or RGB
    PNG (RGB averaged to gray)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, width, height, channels = 8, b"", 0, 0, 1
    while at < len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            assert body[8] == 8 and body[9] in (0, 2) and body[12] == 0, "8-bit gray or RGB, not interlaced"
            channels = 1 if body[9] == 0 else 3
        elif kind == b"IDAT":
            idat += body
        at += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, line = line[0], bytearray(line[1:])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        previous = line
        rows.append(bytes(line) if channels == 1 else
                    bytes(sum(line[i:i + 3]) // 3 for i in range(0, stride, 3)))
    return width, height, rows
