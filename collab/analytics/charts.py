"""Charts as inline SVG, drawn on the server: no JavaScript, nothing the CSP forbids (colours
come from classes in admin.css, never from style attributes). Each chart carries a title and a
description for screen readers, and every point or bar its value as a tooltip (<title>)."""
from __future__ import annotations

import math

from markupsafe import Markup, escape

LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


def nice_max(value: int) -> int:
    """The axis top: four whole ticks of 1, 2, 2.5 or 5 times a power of ten, at least ``value``."""
    raw = max(value, 1) / 4
    power = 1
    while True:
        for step in (1, 2, 2.5, 3, 4, 5, 6, 8):
            tick = step * power
            if tick >= raw and tick == int(tick):
                return int(tick * 4)
        power *= 10


def _fmt(n: float) -> str:
    return f"{int(n):,}" if n == int(n) else f"{n:,.1f}"


def _frame(ident: str, title: str, desc: str, top: int, labels: list[str], empty_text: str, empty: bool,
           xf, W: int, H: int) -> list[str]:
    out = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{ident}-t {ident}-d" '
           f'preserveAspectRatio="xMidYMid meet">',
           f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>']
    plot_h = H - TOP - BOTTOM
    for i in range(5):
        y = TOP + plot_h - plot_h * i / 4
        out.append(f'<line class="chart-grid" x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        out.append(f'<text class="chart-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f"{_fmt(top * i / 4)}</text>")
    n = len(labels)
    if n:
        picks = sorted({0, n // 2, n - 1}) if n > 2 else list(range(n))
        for i in picks:
            x = xf(i, n, W)
            anchor = "start" if i == 0 and n > 1 else ("end" if i == n - 1 and n > 1 else "middle")
            out.append(f'<text class="chart-axis" x="{x:.1f}" y="{H - 8}" text-anchor="{anchor}">'
                       f"{escape(labels[i])}</text>")
    if empty:
        out.append(f'<text class="chart-empty" x="{(LEFT + W - RIGHT) / 2:.1f}" y="{TOP + plot_h / 2:.1f}" '
                   f'text-anchor="middle">{escape(empty_text)}</text>')
    return out


def _x(i: int, n: int, W: int) -> float:
    width = W - LEFT - RIGHT
    return LEFT + (width / 2 if n == 1 else width * i / (n - 1))


def _y(v: float, top: int, H: int) -> float:
    plot_h = H - TOP - BOTTOM
    return TOP + plot_h - plot_h * v / top


def line_chart(ident: str, title: str, desc: str, labels: list[str], series: list[tuple[str, list[int], str]],
               empty_text: str, W: int = 560, H: int = 220) -> Markup:
    """Lines over the buckets: ``series`` is [(name, values, css class)]."""
    peak = max([max(v) if v else 0 for _n, v, _c in series] or [0])
    top = nice_max(peak)
    out = _frame(ident, title, desc, top, labels, empty_text, peak == 0, _x, W, H)
    n = len(labels)
    for name, values, css in series:
        points = " ".join(f"{_x(i, n, W):.1f},{_y(v, top, H):.1f}" for i, v in enumerate(values))
        if n > 1:
            out.append(f'<polyline class="chart-line {css}" points="{points}"/>')
        if n <= 62 and peak > 0:
            for i, v in enumerate(values):
                out.append(f'<circle class="chart-dot {css}" cx="{_x(i, n, W):.1f}" cy="{_y(v, top, H):.1f}" r="3">'
                           f"<title>{escape(name)} · {escape(labels[i])}: {_fmt(v)}</title></circle>")
    out.append("</svg>")
    return Markup("".join(out))


def bar_chart(ident: str, title: str, desc: str, labels: list[str], stacks: list[tuple[str, list[int], str]],
              empty_text: str, W: int = 960, H: int = 240) -> Markup:
    """Stacked bars, one per bucket: ``stacks`` is [(name, values, css class)], bottom first."""
    n = len(labels)
    sums = [sum(values[i] for _n, values, _c in stacks) for i in range(n)]
    peak = max(sums or [0])
    top = nice_max(peak)
    width = (W - LEFT - RIGHT) / max(n, 1)
    out = _frame(ident, title, desc, top, labels, empty_text, peak == 0, lambda i, _n, _w: LEFT + width * (i + 0.5), W, H)
    bar = max(1.0, width * 0.7)
    for i in range(n):
        cx = LEFT + width * (i + 0.5)
        base = 0
        for name, values, css in stacks:
            v = values[i]
            if not v:
                continue
            y0, y1 = _y(base, top, H), _y(base + v, top, H)
            out.append(f'<rect class="chart-bar {css}" x="{cx - bar / 2:.1f}" y="{y1:.1f}" width="{bar:.1f}" '
                       f'height="{max(y0 - y1, 0.5):.1f}"><title>{escape(name)} · {escape(labels[i])}: '
                       f"{_fmt(v)}</title></rect>")
            base += v
    out.append("</svg>")
    return Markup("".join(out))
