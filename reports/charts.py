"""Charts drawn on the server as inline SVG: no script, no CDN, readable by a screen reader (role="img"
with a <title> and a <desc> that says what the chart shows in words). Every chart on a page has its
table beside it; the SVG is the picture of that table, never the only place a number is."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_ids = itertools.count(1)
PALETTE = ("#1d4f91", "#b3541e", "#2e7d32", "#6a1b9a", "#00838f", "#ad1457", "#5d4037", "#455a64")


def _nice_max(value: float) -> int:
    if value <= 5:
        return 5
    for step in (10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000):
        if value <= step:
            return step
    magnitude = 10 ** (len(str(int(value))) - 1)
    return int(-(-value // magnitude) * magnitude)


def _open(width: int, height: int, title: str, desc: str, prefix: str) -> tuple[str, str]:
    n = next(_ids)
    tid, did = f"{prefix}-t{n}", f"{prefix}-d{n}"
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{tid} {did}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
    )
    return head, "</svg>"


def _axis(width: int, height: int, left: int, bottom: int, top: int, ymax: int) -> str:
    parts = []
    for i in range(5):
        value = ymax * i / 4
        y = height - bottom - (height - bottom - top) * i / 4
        parts.append(
            f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" class="chart-grid" />'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="chart-tick">{int(value):,}</text>'
        )
    return "".join(parts)


def line_chart(
    labels: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, title: str, desc: str,
    width: int = 640, height: int = 260,
) -> SafeString:
    """One line per series over the labels (months). `series`: (name, values), values aligned with labels."""
    left, bottom, top = 48, 40, 12
    ymax = _nice_max(max([max(v, default=0) for _, v in series], default=0))
    head, tail = _open(width, height, title, desc, "line")
    step = (width - left - 16) / max(len(labels) - 1, 1)
    plot_h = height - bottom - top
    parts = [head, _axis(width, height, left, bottom, top, ymax)]
    for i, label in enumerate(labels):
        x = left + i * step
        if len(labels) <= 13 or i % 2 == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="chart-tick">'
                         f"{escape(label)}</text>")
    for n, (name, values) in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        points = " ".join(
            f"{left + i * step:.1f},{height - bottom - plot_h * (v / ymax):.1f}" for i, v in enumerate(values)
        )
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2.5" />')
        for i, v in enumerate(values):
            x, y = left + i * step, height - bottom - plot_h * (v / ymax)
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(name)}, '
                         f"{escape(labels[i])}: {v:,}</title></circle>")
    if len(series) > 1:
        for n, (name, _) in enumerate(series):
            x = left + n * 150
            parts.append(f'<rect x="{x}" y="{height - 14}" width="12" height="12" fill="{PALETTE[n % len(PALETTE)]}" />'
                         f'<text x="{x + 16}" y="{height - 4}" class="chart-tick">{escape(name)}</text>')
    parts.append(tail)
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (every text above went through escape())


def bar_chart(
    items: Sequence[tuple[str, int]], *, title: str, desc: str, width: int = 640, height: int = 260
) -> SafeString:
    """Vertical bars, one per (label, value)."""
    left, bottom, top = 48, 40, 12
    ymax = _nice_max(max((v for _, v in items), default=0))
    head, tail = _open(width, height, title, desc, "bar")
    parts = [head, _axis(width, height, left, bottom, top, ymax)]
    slot = (width - left - 16) / max(len(items), 1)
    bar = min(48.0, slot * 0.7)
    plot_h = height - bottom - top
    for i, (label, value) in enumerate(items):
        h = plot_h * (value / ymax)
        x = left + i * slot + (slot - bar) / 2
        y = height - bottom - h
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{PALETTE[0]}">'
            f"<title>{escape(label)}: {value:,}</title></rect>"
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" class="chart-value">{value:,}</text>'
            f'<text x="{x + bar / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="chart-tick">'
            f"{escape(label)}</text>"
        )
    parts.append(tail)
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (every text above went through escape())
