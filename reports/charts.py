"""Charts as inline SVG, drawn on the server: no JavaScript, nothing from a CDN, and they print.

Each function returns safe markup: an <svg role="img"> with a <title> and a <desc> (what a
screen reader announces), axis labels, every text escaped, sized by its viewBox only so that it
scales down to a 375 px phone. Colours are presentation attributes (no inline style, no CSS
needed to print). The numbers themselves are in the table each page shows under its chart.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 480  # viewBox units; a phone shows them at ~0.75 px each, a desktop at up to 2
FONT = 12
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 12, 40
MAX_X_LABELS = 8
GRID = "#d0d4d9"
INK = "#374151"

Formatter = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    colour: str


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5 or 5 × 10^n at least `value` (an axis's top), 1 for nothing."""
    if value <= 0:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1) if value >= 1 else 1
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _open(chart_id: str, title: str, desc: str, height: int, kind: str) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg class="chart chart-{kind}" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'preserveAspectRatio="xMidYMid meet" font-size="{FONT}" font-family="sans-serif" '
        f'aria-labelledby="{cid}-title {cid}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _close(parts: list[str]) -> SafeString:
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


def _y_axis(parts, top: float, height: int, y_label: str, fmt: Formatter) -> None:
    plot_bottom = height - BOTTOM
    for fraction in (0, 0.5, 1):
        y = plot_bottom - fraction * (plot_bottom - TOP)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(fmt(top * fraction))}</text>"
        )
    middle = (TOP + plot_bottom) / 2
    parts.append(
        f'<text transform="translate(10 {middle:.1f}) rotate(-90)" text-anchor="middle" '
        f'fill="{INK}">{escape(y_label)}</text>'
    )


def _x_labels(parts, labels: Sequence[str], height: int, x_label: str, slot: float) -> None:
    every = max(1, -(-len(labels) // MAX_X_LABELS))
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = LEFT + slot * (i + 0.5)
        parts.append(
            f'<text x="{x:.1f}" y="{height - BOTTOM + 15}" text-anchor="middle" fill="{INK}">'
            f"{escape(label)}</text>"
        )
    parts.append(
        f'<text x="{(LEFT + WIDTH - RIGHT) / 2:.1f}" y="{height - 6}" text-anchor="middle" '
        f'fill="{INK}">{escape(x_label)}</text>'
    )


def stacked_bars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    height: int = 240,
    fmt: Formatter = _number,
) -> SafeString:
    """One column per label, the series stacked in it (bottom first). One series: plain bars."""
    parts = _open(chart_id, title, desc, height, "stacked")
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = _nice_ceiling(max(totals, default=0))
    _y_axis(parts, top, height, y_label, fmt)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    scale = (height - BOTTOM - TOP) / top
    for i, label in enumerate(labels):
        base = height - BOTTOM
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = value * scale
            base -= h
            parts.append(
                f'<rect x="{LEFT + slot * i + slot * 0.1:.1f}" y="{base:.1f}" '
                f'width="{slot * 0.8:.1f}" height="{h:.1f}" fill="{s.colour}">'
                f"<title>{escape(label)} · {escape(s.name)}: {escape(fmt(value))}</title></rect>"
            )
    _x_labels(parts, labels, height, x_label, slot)
    return _close(parts)


def line(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    x_label: str,
    y_label: str,
    height: int = 240,
    fmt: Formatter = _number,
) -> SafeString:
    """One line per series over the labels (days), a dot at each point; a negative value
    (a day of more refunds than payments) is drawn at zero and read in the table."""
    parts = _open(chart_id, title, desc, height, "line")
    top = _nice_ceiling(max((v for s in series for v in s.values), default=0))
    _y_axis(parts, top, height, y_label, fmt)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    scale = (height - BOTTOM - TOP) / top
    floor = height - BOTTOM
    for s in series:
        points = [
            (LEFT + slot * (i + 0.5), floor - max(v, 0) * scale) for i, v in enumerate(s.values)
        ]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{s.colour}" stroke-width="2"/>'
            )
        if len(points) <= 62:
            for (x, y), label, value in zip(points, labels, s.values, strict=True):
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{s.colour}">'
                    f"<title>{escape(label)} · {escape(s.name)}: {escape(fmt(value))}</title>"
                    "</circle>"
                )
    _x_labels(parts, labels, height, x_label, slot)
    return _close(parts)


def bars(
    *,
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float],
    value_label: str,
    colour: str = "#1565c0",
    maximum: float | None = None,
    fmt: Formatter = _number,
) -> SafeString:
    """Horizontal bars, one row per label (long names fit on a phone): the name above its bar,
    the value at its end. `maximum`: the scale's end (100 for percentages)."""
    row = 30
    height = TOP + row * max(len(labels), 1) + 24
    parts = _open(chart_id, title, desc, height, "bars")
    top = maximum or _nice_ceiling(max(values, default=0))
    usable = WIDTH - 8 - 60
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + row * i
        w = max(0.0, min(value, top)) / top * usable
        parts.append(
            f'<text x="8" y="{y + 10}" fill="{INK}">{escape(label)}</text>'
            f'<rect x="8" y="{y + 14}" width="{w:.1f}" height="10" fill="{colour}">'
            f"<title>{escape(label)}: {escape(fmt(value))}</title></rect>"
            f'<text x="{8 + w + 4:.1f}" y="{y + 23}" fill="{INK}">{escape(fmt(value))}</text>'
        )
    parts.append(
        f'<text x="8" y="{height - 6}" fill="{INK}">{escape(value_label)} '
        f"(0–{escape(fmt(top))})</text>"
    )
    return _close(parts)


def heat_map(
    *,
    chart_id: str,
    title: str,
    desc: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float]],
    x_label: str,
    colour: str = "#1565c0",
) -> SafeString:
    """A grid (rows × columns, e.g. weekdays × hours), each cell's opacity its share of the
    largest; empty cells are outlined only."""
    cell_w = (WIDTH - LEFT - RIGHT) / max(len(column_labels), 1)
    cell_h = 22
    height = TOP + cell_h * len(row_labels) + BOTTOM
    parts = _open(chart_id, title, desc, height, "heat")
    top = max((v for row in values for v in row), default=0) or 1
    for r, (name, row) in enumerate(zip(row_labels, values, strict=True)):
        y = TOP + cell_h * r
        parts.append(
            f'<text x="{LEFT - 4}" y="{y + cell_h / 2 + 4:.1f}" text-anchor="end" fill="{INK}">'
            f"{escape(name)}</text>"
        )
        for c, value in enumerate(row):
            opacity = 0.08 + 0.92 * value / top if value else 0
            parts.append(
                f'<rect x="{LEFT + cell_w * c:.1f}" y="{y}" width="{cell_w - 1:.1f}" '
                f'height="{cell_h - 1}" fill="{colour}" fill-opacity="{opacity:.2f}" '
                f'stroke="{GRID}" stroke-width="0.5">'
                f"<title>{escape(name)} {escape(column_labels[c])}: {escape(_number(value))}"
                "</title></rect>"
            )
    _x_labels(parts, column_labels, height, x_label, cell_w)
    return _close(parts)
