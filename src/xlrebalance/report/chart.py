"""The allocation chart as inline SVG: per asset class its band (shaded), its target (a
tick) and its weight today (a bar coloured by status).  No scripts, fonts or images are
fetched: the page that embeds it stays self-contained.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Sequence

#: Colours by DRIFT status; the band and target colours.  Tests look for these pixels.
STATUS_COLOURS = {"OK": "#1e8449", "OVER": "#c0392b", "UNDER": "#2874a6", "NON-TRADABLE": "#7f8c8d"}
BAND_COLOUR = "#d6eaf8"
TARGET_COLOUR = "#1b2631"
GRID_COLOUR = "#d5d8dc"


@dataclass(frozen=True)
class ChartRow:
    """One asset class; every number a fraction of the household (0.45 = 45%)."""

    asset_class: str
    target: float
    weight: float
    band_low: float
    band_high: float
    status: str


@dataclass(frozen=True)
class Geometry:
    width: int = 760
    label_width: int = 150
    right_margin: int = 70
    row_height: int = 34
    bar_height: int = 14
    top: int = 36
    bottom: int = 44

    @property
    def plot_width(self) -> int:
        return self.width - self.label_width - self.right_margin

    def height(self, rows: int) -> int:
        return self.top + rows * self.row_height + self.bottom


def axis_max(rows: Sequence[ChartRow]) -> float:
    """The axis end: the largest weight, target or band edge, rounded up to the next 10%."""
    top = max([0.1] + [max(r.weight, r.band_high, r.target) for r in rows])
    return min(1.0, math.ceil(top * 10 - 1e-9) / 10)


def _pct(value: float) -> str:
    text = f"{value * 100:.1f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"


def allocation_svg(rows: Sequence[ChartRow], *, geometry: Geometry = Geometry(),
                   title: str = "Weight vs target, with the band") -> str:
    """An ``<svg>`` element (a string) drawing ``rows``."""
    g = geometry
    scale = axis_max(rows)
    height = g.height(len(rows))

    def x(fraction: float) -> float:
        return round(g.label_width + g.plot_width * max(0.0, min(fraction, scale)) / scale, 2)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{g.width}" '
             f'height="{height}" viewBox="0 0 {g.width} {height}" font-family="Helvetica, Arial, sans-serif" '
             f'font-size="12"><title>{escape(title)}</title>',
             f'<rect x="0" y="0" width="{g.width}" height="{height}" fill="#ffffff"/>']
    step = 0.1 if scale > 0.5 else 0.05 if scale > 0.2 else 0.02
    for i in range(int(round(scale / step)) + 1):
        value = min(scale, i * step)
        parts.append(f'<line x1="{x(value)}" y1="{g.top - 6}" x2="{x(value)}" y2="{height - g.bottom + 4}" '
                     f'stroke="{GRID_COLOUR}" stroke-width="1"/>')
        parts.append(f'<text x="{x(value)}" y="{height - g.bottom + 18}" text-anchor="middle" '
                     f'fill="#566573">{_pct(value)}</text>')
    for index, row in enumerate(rows):
        parts += _row(row, g.top + index * g.row_height, x, g)
    parts += _legend(g, height)
    parts.append("</svg>")
    return "".join(parts)


def _row(row: ChartRow, y: float, x, g: Geometry) -> list[str]:
    middle = y + g.row_height / 2
    colour = STATUS_COLOURS.get(row.status, STATUS_COLOURS["OK"])
    band_top = middle - g.bar_height / 2 - 5
    return [
        f'<text x="{g.label_width - 10}" y="{middle + 4}" text-anchor="end" fill="#1b2631">'
        f'{escape(row.asset_class)}</text>',
        f'<rect class="band" x="{x(row.band_low)}" y="{band_top}" width="{max(1.0, x(row.band_high) - x(row.band_low))}" '
        f'height="{g.bar_height + 10}" fill="{BAND_COLOUR}"><title>{escape(row.asset_class)} band '
        f'{_pct(row.band_low)}–{_pct(row.band_high)}</title></rect>',
        f'<rect class="weight" x="{x(0)}" y="{middle - g.bar_height / 2}" width="{max(1.0, x(row.weight) - x(0))}" '
        f'height="{g.bar_height}" fill="{colour}"><title>{escape(row.asset_class)}: {_pct(row.weight)} '
        f'({row.status})</title></rect>',
        f'<line class="target" x1="{x(row.target)}" y1="{band_top - 3}" x2="{x(row.target)}" '
        f'y2="{band_top + g.bar_height + 13}" stroke="{TARGET_COLOUR}" stroke-width="3"/>',
        f'<text x="{x(max(row.weight, row.band_high, row.target)) + 6}" y="{middle + 4}" '
        f'fill="{colour}" font-weight="bold">{_pct(row.weight)}</text>',
    ]


def _legend(g: Geometry, height: int) -> list[str]:
    y = 14
    items = [("rect", BAND_COLOUR, "band"), ("line", TARGET_COLOUR, "target")] + \
        [("rect", colour, status.lower()) for status, colour in STATUS_COLOURS.items()]
    out, cursor = [], g.label_width
    for kind, colour, label in items:
        if kind == "rect":
            out.append(f'<rect x="{cursor}" y="{y - 9}" width="14" height="10" fill="{colour}"/>')
        else:
            out.append(f'<line x1="{cursor + 7}" y1="{y - 11}" x2="{cursor + 7}" y2="{y + 3}" stroke="{colour}" '
                       'stroke-width="3"/>')
        out.append(f'<text x="{cursor + 19}" y="{y}" fill="#566573">{label}</text>')
        cursor += 28 + 7 * len(label)
    return out
