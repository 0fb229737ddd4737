"""Server-rendered SVG charts for the post-broadcast report.

The report page runs under a strict Content-Security-Policy, so a chart is plain SVG markup: no
script and no ``style`` attribute — only presentation attributes (``fill``, ``font-size``…) and
``chart-*`` classes a stylesheet may restyle. Labels may come from citizens (a settlement typed
into a comment), so every piece of text is cleaned of characters XML forbids and escaped.

Each chart is ``role="img"`` with a ``<title>`` and a ``<desc>`` that spells the data out for
screen readers; each bar or point carries its own ``<title>`` as a hover tooltip.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

FONT_STACK = "'PT Sans', 'Segoe UI', 'Noto Sans', Roboto, 'Helvetica Neue', Arial, sans-serif"

INK = "#1f2933"
MUTED = "#616e7c"
GRID = "#e4e7eb"
BAR = "#4a7fb0"
RECEIVED = "#a9bccf"
ANSWERED = "#2f8f83"
LINE = "#4a7fb0"

NO_DATA = "Нет данных"

_PAD = 16
_TITLE_BASELINE = 26
_FONT = 13
_SMALL = 12
_CHAR_EM = 0.6  # average advance of a Cyrillic letter, in ems — generous on purpose
_XML_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_DESC_ITEMS = 30
_VISIBLE_MARKERS = 60

Formatter = Callable[[float], str]


# ---- public charts -------------------------------------------------------------------------------


def bar_chart(
    items: Sequence[tuple[str, float]],
    title: str,
    width: int = 640,
    height: int | None = None,
    *,
    value_format: Formatter | None = None,
) -> str:
    """Horizontal bars, one per ``(label, value)``, in the given order, with the value at the end."""
    fmt = value_format or format_number
    rows = [(label, _finite(value)) for label, value in items]
    top = _TITLE_BASELINE + 22
    row_h = 30.0
    if height is None:
        height = int(top + max(len(rows), 1) * row_h + _PAD) if rows else top + 48
    elif rows:
        row_h = max((height - top - _PAD) / len(rows), 8.0)
    desc = "; ".join(f"{label}: {fmt(value)}" for label, value in rows[:_DESC_ITEMS])
    svg = _Svg("bar", title, width, height, desc or NO_DATA, rows)
    if not rows:
        svg.no_data(top)
        return svg.render()

    label_w = _label_width([label for label, _ in rows], width)
    value_w = max(_text_width(fmt(v), _SMALL) for _, v in rows) + 8
    x0 = _PAD + label_w + 10
    span = max(width - x0 - value_w - _PAD, 20)
    peak = max((v for _, v in rows), default=0.0)
    bar_h = min(max(row_h * 0.6, 4.0), 22.0)

    svg.add(
        f'<line class="chart-axis" x1="{x0:.1f}" y1="{top - 4:.1f}" x2="{x0:.1f}" '
        f'y2="{top + len(rows) * row_h:.1f}" stroke="{GRID}" stroke-width="1"/>'
    )
    for i, (label, value) in enumerate(rows):
        mid = top + i * row_h + row_h / 2
        bar_w = _scaled(value, peak, span)
        svg.add('<g class="chart-row">')
        svg.add(f"<title>{_text(label)}: {_text(fmt(value))}</title>")
        svg.add(_label(label, x0 - 10, mid, label_w))
        svg.add(
            f'<rect class="chart-bar" x="{x0:.1f}" y="{mid - bar_h / 2:.1f}" width="{bar_w:.1f}" '
            f'height="{bar_h:.1f}" rx="2" fill="{BAR}"/>'
        )
        svg.add(
            f'<text class="chart-value" x="{x0 + bar_w + 6:.1f}" y="{mid:.1f}" dy="0.35em" '
            f'font-size="{_SMALL}" fill="{INK}">{_text(fmt(value))}</text>'
        )
        svg.add("</g>")
    return svg.render()


def line_chart(
    points: Sequence[tuple[str, float]],
    title: str,
    width: int = 640,
    height: int = 280,
    *,
    value_format: Formatter | None = None,
    max_x_ticks: int = 8,
) -> str:
    """A line over evenly spaced ``(label, value)`` points — e.g. questions per minute — with ticks."""
    fmt = value_format or format_number
    rows = [(label, _finite(value)) for label, value in points]
    top = _TITLE_BASELINE + 24
    desc = "; ".join(f"{label}: {fmt(value)}" for label, value in rows[:_DESC_ITEMS])
    if len(rows) > _DESC_ITEMS:
        desc += f"; … всего точек: {len(rows)}, максимум {fmt(max(v for _, v in rows))}"
    svg = _Svg("line", title, width, height, desc or NO_DATA, rows)
    if not rows:
        svg.no_data(top)
        return svg.render()

    values = [v for _, v in rows]
    integral = all(float(v).is_integer() for v in values)
    ticks = nice_ticks(min(0.0, min(values)), max(values), integral=integral)
    y_lo, y_hi = ticks[0], ticks[-1]
    left = _PAD + max(_text_width(fmt(t), _SMALL) for t in ticks) + 8
    right = width - _PAD - 8
    bottom = height - 30
    plot_h = bottom - top

    def y_of(value: float) -> float:
        return bottom - (value - y_lo) / (y_hi - y_lo) * plot_h

    def x_of(index: int) -> float:
        if len(rows) == 1:
            return (left + right) / 2
        return left + index * (right - left) / (len(rows) - 1)

    for tick in ticks:
        y = y_of(tick)
        svg.add(
            f'<line class="chart-grid" x1="{left:.1f}" y1="{y:.1f}" x2="{right:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        svg.add(
            f'<text class="chart-tick" x="{left - 8:.1f}" y="{y:.1f}" dy="0.35em" text-anchor="end" '
            f'font-size="{_SMALL}" fill="{MUTED}">{_text(fmt(tick))}</text>'
        )
    step = _tick_step(len(rows), max_x_ticks)
    for i in range(0, len(rows), step):
        x = x_of(i)
        svg.add(
            f'<line class="chart-tick-mark" x1="{x:.1f}" y1="{bottom:.1f}" x2="{x:.1f}" '
            f'y2="{bottom + 5:.1f}" stroke="{MUTED}" stroke-width="1"/>'
        )
        svg.add(
            f'<text class="chart-tick" x="{x:.1f}" y="{bottom + 18:.1f}" text-anchor="middle" '
            f'font-size="{_SMALL}" fill="{MUTED}">{_text(_shorten(rows[i][0], 12))}</text>'
        )

    coords = [(x_of(i), y_of(v)) for i, (_, v) in enumerate(rows)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    base = y_of(max(y_lo, 0.0))
    area = f"M{coords[0][0]:.1f},{base:.1f} L" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    area += f" L{coords[-1][0]:.1f},{base:.1f} Z"
    svg.add(f'<path class="chart-area" d="{area}" fill="{LINE}" fill-opacity="0.12" stroke="none"/>')
    svg.add(
        f'<polyline class="chart-line" points="{path}" fill="none" stroke="{LINE}" stroke-width="2" '
        f'stroke-linejoin="round" stroke-linecap="round"/>'
    )
    # A dense series keeps its points as invisible hover targets rather than a row of beads.
    marker = (
        f'fill="#ffffff" stroke="{LINE}" stroke-width="1.5"'
        if len(rows) <= _VISIBLE_MARKERS
        else 'fill="#ffffff" fill-opacity="0" stroke="none"'
    )
    for (label, value), (x, y) in zip(rows, coords):
        svg.add(
            f'<circle class="chart-point" cx="{x:.1f}" cy="{y:.1f}" r="3" {marker}>'
            f"<title>{_text(label)}: {_text(fmt(value))}</title></circle>"
        )
    peak = max(range(len(rows)), key=lambda i: rows[i][1])
    if rows[peak][1] > 0:
        px, py = coords[peak]
        anchor = "start" if px < left + 40 else "end" if px > right - 40 else "middle"
        svg.add(
            f'<text class="chart-peak" x="{px:.1f}" y="{py - 9:.1f}" text-anchor="{anchor}" '
            f'font-size="{_SMALL}" font-weight="600" fill="{INK}">{_text(fmt(rows[peak][1]))}</text>'
        )
    return svg.render()


def paired_bar_chart(
    items: Sequence[tuple[str, float, float]],
    title: str,
    legend: tuple[str, str] = ("Получено", "Отвечено"),
    width: int = 640,
    height: int | None = None,
    *,
    value_format: Formatter | None = None,
) -> str:
    """Two bars per ``(label, first, second)`` — by default shares (0…1) received and answered.

    The fairness view: a topic or settlement whose answered share falls short of its received
    share stands out as a short green bar under a long grey one.
    """
    fmt = value_format or format_percent
    rows = [(label, _finite(a), _finite(b)) for label, a, b in items]
    top = _TITLE_BASELINE + 40
    row_h = 42.0
    if height is None:
        height = int(top + len(rows) * row_h + _PAD) if rows else top + 48
    elif rows:
        row_h = max((height - top - _PAD) / len(rows), 12.0)
    desc = "; ".join(
        f"{label}: {legend[0].lower()} {fmt(a)}, {legend[1].lower()} {fmt(b)}"
        for label, a, b in rows[:_DESC_ITEMS]
    )
    svg = _Svg("paired", title, width, height, desc or NO_DATA, rows)
    swatch_y = _TITLE_BASELINE + 14
    x = float(_PAD)
    for name, colour in zip(legend, (RECEIVED, ANSWERED)):
        svg.add(
            f'<rect class="chart-legend-swatch" x="{x:.1f}" y="{swatch_y:.1f}" width="12" height="12" '
            f'rx="2" fill="{colour}"/>'
        )
        svg.add(
            f'<text class="chart-legend" x="{x + 17:.1f}" y="{swatch_y + 6:.1f}" dy="0.35em" '
            f'font-size="{_SMALL}" fill="{INK}">{_text(name)}</text>'
        )
        x += 17 + _text_width(name, _SMALL) + 20
    if not rows:
        svg.no_data(top)
        return svg.render()

    label_w = _label_width([label for label, _, _ in rows], width)
    value_w = max(_text_width(fmt(v), _SMALL) for _, a, b in rows for v in (a, b)) + 8
    x0 = _PAD + label_w + 10
    span = max(width - x0 - value_w - _PAD, 20)
    peak = max((max(a, b) for _, a, b in rows), default=0.0)
    bar_h = min(max((row_h - 10) / 2, 3.0), 14.0)

    svg.add(
        f'<line class="chart-axis" x1="{x0:.1f}" y1="{top - 4:.1f}" x2="{x0:.1f}" '
        f'y2="{top + len(rows) * row_h:.1f}" stroke="{GRID}" stroke-width="1"/>'
    )
    for i, (label, first, second) in enumerate(rows):
        mid = top + i * row_h + row_h / 2
        svg.add('<g class="chart-row">')
        svg.add(
            f"<title>{_text(label)}: {_text(legend[0].lower())} {_text(fmt(first))}, "
            f"{_text(legend[1].lower())} {_text(fmt(second))}</title>"
        )
        svg.add(_label(label, x0 - 10, mid, label_w))
        for value, colour, kind, y in (
            (first, RECEIVED, "first", mid - bar_h - 1),
            (second, ANSWERED, "second", mid + 1),
        ):
            bar_w = _scaled(value, peak, span)
            svg.add(
                f'<rect class="chart-bar chart-bar-{kind}" x="{x0:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{bar_h:.1f}" rx="2" fill="{colour}"/>'
            )
            svg.add(
                f'<text class="chart-value" x="{x0 + bar_w + 6:.1f}" y="{y + bar_h / 2:.1f}" dy="0.35em" '
                f'font-size="{_SMALL}" fill="{INK}">{_text(fmt(value))}</text>'
            )
        svg.add("</g>")
    return svg.render()


# ---- numbers -------------------------------------------------------------------------------------


def format_number(value: float) -> str:
    """A number the Russian way: "1 234", "12,5", "0,25" (non-breaking space, decimal comma)."""
    if not math.isfinite(value):
        return "—"
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}".replace(",", "\u00a0").replace("-", "−")
    digits = 2 if abs(value) < 10 else 1
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")


def format_percent(share: float) -> str:
    """A share 0…1 as "42 %" (whole percent; one decimal below 10 %)."""
    if not math.isfinite(share):
        return "—"
    percent = share * 100
    text = format_number(round(percent, 1) if abs(percent) < 10 else float(round(percent)))
    return f"{text}\u00a0%"


def nice_ticks(lo: float, hi: float, count: int = 5, *, integral: bool = False) -> list[float]:
    """Round tick values covering ``lo``…``hi`` (1, 2, 2.5 or 5 times a power of ten apart).

    ``integral`` keeps the step a whole number, for counts.
    """
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count - 1, 1)
    if integral:
        raw = max(raw, 1.0)
    magnitude = 10 ** math.floor(math.log10(raw))
    multiples = (1, 2, 5, 10) if integral and magnitude == 1 else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw)
    start = math.floor(lo / step) * step
    ticks = [start]
    while ticks[-1] < hi - 1e-9:
        ticks.append(ticks[-1] + step)
    return [round(t, 10) for t in ticks]


def _tick_step(count: int, max_ticks: int) -> int:
    """Every how many points to label the x axis: a round step (5, 10, 15, 30 minutes…)."""
    raw = math.ceil(count / max(max_ticks, 1))
    for step in (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440):
        if step >= raw:
            return step
    return raw


# ---- drawing helpers -----------------------------------------------------------------------------


class _Svg:
    """Collects the elements of one chart and wraps them in an accessible ``<svg>``."""

    def __init__(self, kind: str, title: str, width: int, height: int, desc: str, data: object) -> None:
        digest = hashlib.sha1(repr((kind, title, width, height, data)).encode("utf-8", "replace")).hexdigest()
        self.id = f"chart-{digest[:10]}"
        self.kind = kind
        self.width = width
        self.height = height
        self.parts = [
            f'<title id="{self.id}-title">{_text(title)}</title>',
            f'<desc id="{self.id}-desc">{_text(desc)}</desc>',
            f'<rect class="chart-bg" width="{width}" height="{height}" fill="#ffffff"/>',
            (
                f'<text class="chart-title" x="{_PAD}" y="{_TITLE_BASELINE}" font-size="16" font-weight="600" '
                f'fill="{INK}">{_text(_shorten(title, int((width - 2 * _PAD) / (16 * _CHAR_EM))))}</text>'
            ),
        ]

    def add(self, part: str) -> None:
        self.parts.append(part)

    def no_data(self, top: float) -> None:
        self.add(
            f'<text class="chart-empty" x="{self.width / 2:.1f}" y="{top + 20:.1f}" text-anchor="middle" '
            f'font-size="{_FONT}" fill="{MUTED}">{NO_DATA}</text>'
        )

    def render(self) -> str:
        head = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{self.kind}" role="img" '
            f'aria-labelledby="{self.id}-title {self.id}-desc" width="{self.width}" height="{self.height}" '
            f'viewBox="0 0 {self.width} {self.height}" font-family="{_attr(FONT_STACK)}">'
        )
        return head + "".join(self.parts) + "</svg>"


def _label(label: str, x_right: float, mid: float, width: float) -> str:
    chars = max(int(width / (_FONT * _CHAR_EM)), 4)
    return (
        f'<text class="chart-label" x="{x_right:.1f}" y="{mid:.1f}" dy="0.35em" text-anchor="end" '
        f'font-size="{_FONT}" fill="{INK}">{_text(_shorten(label, chars))}</text>'
    )


def _label_width(labels: list[str], width: int) -> float:
    widest = max((_text_width(label, _FONT) for label in labels), default=0.0)
    return min(max(widest, 40.0), width * 0.38)


def _text_width(text: str, size: float) -> float:
    return len(text) * size * _CHAR_EM


def _scaled(value: float, peak: float, span: float) -> float:
    if value <= 0 or peak <= 0:
        return 0.0
    return max(value / peak * span, 1.5)


def _shorten(text: str, chars: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= chars else text[: max(chars - 1, 1)].rstrip() + "…"


def _finite(value: float) -> float:
    number = float(value)
    return number if math.isfinite(number) else 0.0


def _clean(text: str) -> str:
    return _XML_ILLEGAL_RE.sub("\ufffd", str(text))


def _text(text: str) -> str:
    """``text`` safe as XML character data."""
    return escape(_clean(text))


def _attr(text: str) -> str:
    """``text`` safe inside a double-quoted XML attribute."""
    return escape(_clean(text), {'"': "&quot;"})
