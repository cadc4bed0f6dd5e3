"""Report charts as inline SVG text (pure): radar, heatmap, element bars, roadmap timeline.

Every chart is an `<svg role="img">` named by its `<title>` and described by a `<desc>` that
states the numbers, so a screen reader gets the data, not a picture. Colours come from the
Okabe-Ito palette (told apart with every common colour-vision deficiency) and a single-hue
lightness ramp; series also differ by line style and marker shape, and values are printed, so
nothing relies on colour alone. Text colours meet WCAG AA contrast (4.5:1) on their
background, lines and shapes 3:1. All text is XML-escaped here: the SVG can go into a page as is.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

__all__ = [
    "BACKGROUND",
    "CURRENT",
    "INK",
    "PROJECTED",
    "PROJECTED_TEXT",
    "RAMP",
    "SERIES",
    "STATUS_COLOURS",
    "TARGET",
    "Axis",
    "Band",
    "Row",
    "TimelinePhase",
    "Words",
    "contrast_ratio",
    "element_bars",
    "heatmap",
    "heatmap_colour",
    "label",
    "line_count",
    "radar",
    "text_colour_on",
    "timeline",
]

BACKGROUND = "#ffffff"
INK = "#1b1b1b"
MUTED = "#595959"
GRID = "#c8c8c8"
#: Okabe-Ito blue and vermillion; the vermillion is darkened for text to reach 4.5:1.
CURRENT = "#0072b2"
PROJECTED = "#d55e00"
PROJECTED_TEXT = "#a94700"
TARGET = "#333333"
#: One colour per series of a line chart (Okabe-Ito), each at least 3:1 on white.
SERIES = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#000000")
#: ColorBrewer "Blues": monotonic in lightness, so it reads the same without colour vision.
RAMP = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
        "#08519c", "#08306b")
NO_DATA = "#f0f0f0"
#: Outcome badges: (text, background), each pair at least 4.5:1; the badge also says the status
#: in words, so colour is never the only signal.
STATUS_COLOURS = {
    "pass": ("#00573a", "#d8f0e6"),
    "partial": ("#00456e", "#dcecf7"),
    "fail": ("#8a2c00", "#fbe3d6"),
    "not_assessed": ("#3d3d3d", "#e8e8e8"),
    "error": ("#7a1f55", "#f6d5e8"),
    "stale": ("#5c4400", "#fff2cc"),
    "waived": ("#3a3a7a", "#e6e6f5"),
    "not_applicable": ("#474747", "#f3f3f3"),
}
#: Fonts that render Latin and Arabic script alike (Debian's Chromium brings the Noto and
#: DejaVu families; Windows has Segoe UI and Tahoma).
FONT = ("system-ui, 'Segoe UI', 'Noto Sans', 'Noto Sans Arabic', 'DejaVu Sans', Tahoma, "
        "Arial, sans-serif")


def _luminance(colour: str) -> float:
    value = colour.lstrip("#")
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_colour_on(background: str) -> str:
    """Black or white, whichever contrasts more (always at least 4.5:1)."""
    black, white = "#000000", "#ffffff"
    better = contrast_ratio(black, background) >= contrast_ratio(white, background)
    return black if better else white


def heatmap_colour(value: float) -> str:
    """The ramp colour for a score in [0, 1], interpolated between the ramp's stops."""
    position = min(1.0, max(0.0, value)) * (len(RAMP) - 1)
    low = min(int(position), len(RAMP) - 2)
    share = position - low
    a, b = RAMP[low].lstrip("#"), RAMP[low + 1].lstrip("#")
    mixed = [
        round(int(a[i:i + 2], 16) * (1 - share) + int(b[i:i + 2], 16) * share)
        for i in (0, 2, 4)
    ]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _num(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _width(label: str, size: float, bold: bool = False) -> float:
    """A generous estimate of a label's drawn width, so a chart makes room for labels that
    another language writes longer."""
    return len(label) * size * (0.6 if bold else 0.55)


def _same(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class Words:
    """The language of a chart's own words and numbers, and the direction its text runs.

    Right to left, every text runs right to left with its anchor mirrored (start and end
    swap), so a label stays on its side of the geometry, which keeps its orientation: a scale
    reads the same way in every language, and only the words turn around.
    """

    gettext: Callable[[str], str] = _same
    percent: Callable[[float | None], str] = _pct
    number: Callable[[float], str] = _num
    rtl: bool = False


ENGLISH = Words()
_MIRRORED = {"start": "end", "end": "start", "middle": "middle"}


def _pieces(label: str, width: int) -> list[tuple[str, str]]:
    """(glue, piece) pairs: words, with words longer than `width` (ids such as
    "digital-skills-framework") cut after hyphens so that they can wrap too."""
    pieces: list[tuple[str, str]] = []
    for word in label.split():
        glue = " "
        while len(word) > width and "-" in word[1:width]:
            cut = word.rindex("-", 1, width) + 1
            pieces.append((glue, word[:cut]))
            word, glue = word[cut:], ""
        pieces.append((glue, word))
    return pieces


def _wrap(label: str, width: int) -> list[str]:
    """Split a label into lines of at most about `width` characters, at spaces (or after
    hyphens inside long words)."""
    lines: list[str] = []
    current = ""
    for glue, piece in _pieces(label, width):
        if current and len(current) + len(glue) + len(piece) > width:
            lines.append(current)
            current = piece
        else:
            current = f"{current}{glue}{piece}" if current else piece
    if current:
        lines.append(current)
    return lines or [""]


def _text(words: Words, x: float, y: float, label: str, *, anchor: str = "start",
          size: float = 12, colour: str = INK, weight: str = "normal", width: int = 0,
          css: str = "") -> str:
    lines = _wrap(label, width) if width else [label]
    first = y - (len(lines) - 1) * size * 0.6
    spans = "".join(
        f'<tspan x="{_num(x)}" y="{_num(first + i * size * 1.2)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    extra = f' class="{css}"' if css else ""
    if words.rtl:
        extra += ' direction="rtl" unicode-bidi="embed"'
        anchor = _MIRRORED[anchor]
    return (f'<text{extra} text-anchor="{anchor}" font-size="{_num(size)}" fill="{colour}" '
            f'font-weight="{weight}">{spans}</text>')


def label(words: Words, x: float, y: float, text: str, *, anchor: str = "start",
          size: float = 12, colour: str = INK, weight: str = "normal", width: int = 0) -> str:
    """A chart's text at (x, y), for charts drawn elsewhere (comparisons, trends), wrapped at
    about `width` characters when given (lines centred on y): right to left, it runs right to
    left and keeps its side of `x` (see `Words`)."""
    return _text(words, x, y, text, anchor=anchor, size=size, colour=colour, weight=weight,
                 width=width)


def line_count(text: str, width: int) -> int:
    """How many lines `label` draws `text` on, wrapped at about `width` characters."""
    return len(_wrap(text, width))


def _svg(uid: str, width: float, height: float, title: str, desc: str, body: str,
         css: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" role="img" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" '
        f'height="{_num(height)}" aria-labelledby="{uid}-title {uid}-desc" '
        f'font-family="{_attr(FONT)}">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(desc)}</desc>'
        f'<rect width="100%" height="100%" fill="{BACKGROUND}"/>{body}</svg>'
    )


# --- radar ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Axis:
    """One dimension of a radar: its name and its scores (0-1) now, projected, targeted."""

    label: str
    current: float
    projected: float | None = None
    target: float | None = None


def radar(uid: str, title: str, axes: Sequence[Axis], *, size: float = 460,
          words: Words = ENGLISH) -> str:
    """Current scores against projected ones (and targets, when every axis has one)."""
    count = len(axes)
    width = size + 240
    radius = size / 2 - 70
    # Room above and below the web for the labels of the top and bottom axes.
    top_block = 15 * len(_wrap(axes[0].label, 22)) + 15 if axes else 0
    bottom_blocks = [
        15 * len(_wrap(a.label, 22)) + 15 for i, a in enumerate(axes)
        if math.sin(-math.pi / 2 + 2 * math.pi * i / count) > 0.3
    ]
    cx, cy = width / 2, top_block + 30 + radius
    height = cy + radius + max(bottom_blocks, default=0) + 56

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        r = radius * min(1.0, max(0.0, value))
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def points(values: Sequence[float]) -> str:
        return " ".join(f"{_num(x)},{_num(y)}" for x, y in
                        (point(i, v) for i, v in enumerate(values)))

    parts = ['<g class="grid" aria-hidden="true">']
    for ring in (0.2, 0.4, 0.6, 0.8, 1.0):
        parts.append(f'<polygon class="ring" points="{points([ring] * count)}" fill="none" '
                     f'stroke="{GRID}" stroke-width="1"/>')
        # Ring values along the bisector of the first two axes, away from the axis labels.
        angle = -math.pi / 2 + math.pi / count
        edge = radius * ring * math.cos(math.pi / count)
        x = cx + edge * math.cos(angle)
        y = cy + edge * math.sin(angle)
        parts.append(_text(words, x + 3, y - 3, words.percent(ring), size=10, colour=MUTED))
    for i in range(count):
        x, y = point(i, 1.0)
        parts.append(f'<line x1="{_num(cx)}" y1="{_num(cy)}" x2="{_num(x)}" y2="{_num(y)}" '
                     f'stroke="{GRID}" stroke-width="1"/>')
    parts.append("</g>")
    has_projection = all(a.projected is not None for a in axes)
    has_target = all(a.target is not None for a in axes)
    if has_target:
        parts.append(
            f'<polygon class="series target" points="{points([a.target or 0 for a in axes])}" '
            f'fill="none" stroke="{TARGET}" stroke-width="2" stroke-dasharray="2 4" '
            f'stroke-linecap="round"/>')
    parts.append(
        f'<polygon class="series current" points="{points([a.current for a in axes])}" '
        f'fill="{CURRENT}" fill-opacity="0.18" stroke="{CURRENT}" stroke-width="2.5"/>')
    if has_projection:
        parts.append(
            f'<polygon class="series projected" '
            f'points="{points([a.projected or 0 for a in axes])}" fill="{PROJECTED}" '
            f'fill-opacity="0.10" stroke="{PROJECTED}" stroke-width="2.5" '
            f'stroke-dasharray="8 4"/>')
    for i, axis in enumerate(axes):
        x, y = point(i, axis.current)
        parts.append(f'<circle class="marker current" cx="{_num(x)}" cy="{_num(y)}" r="4" '
                     f'fill="{CURRENT}"/>')
        if axis.projected is not None:
            x, y = point(i, axis.projected)
            parts.append(f'<rect class="marker projected" x="{_num(x - 4)}" y="{_num(y - 4)}" '
                         f'width="8" height="8" fill="{PROJECTED}"/>')
        lx, ly = point(i, 1.0)
        angle = -math.pi / 2 + 2 * math.pi * i / count
        dx, dy = math.cos(angle), math.sin(angle)
        anchor = "middle" if abs(dx) < 0.3 else ("start" if dx > 0 else "end")
        lines = _wrap(axis.label, 22)
        block = 15 * len(lines) + 15
        if dy < -0.3:
            top = ly - 14 - block
        elif dy > 0.3:
            top = ly + 12
        else:
            top = ly - block / 2
        tx = lx + dx * 14
        for n, line in enumerate(lines):
            parts.append(_text(words, tx, top + 12 + 15 * n, line, anchor=anchor, size=12.5,
                               weight="600"))
        value = words.percent(axis.current)
        if axis.projected is not None:
            arrow = "\u2190" if words.rtl else "\u2192"
            value += f" {arrow} {words.percent(axis.projected)}"
        parts.append(_text(words, tx, top + 12 + 15 * len(lines), value, anchor=anchor, size=12,
                           colour=MUTED))
    legend = [("current", words.gettext("Current score"), CURRENT, "")]
    if has_projection:
        legend.append(("projected", words.gettext("Projected after the roadmap"), PROJECTED,
                       "8 4"))
    if has_target:
        legend.append(("target", words.gettext("Target"), TARGET, "2 4"))
    ly = height - 20
    lx = cx - 110 * len(legend) + 20
    for key, label, colour, dash in legend:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<line class="legend {key}" x1="{_num(lx)}" y1="{_num(ly)}" '
                     f'x2="{_num(lx + 26)}" y2="{_num(ly)}" stroke="{colour}" '
                     f'stroke-width="3"{dash_attr}/>')
        parts.append(_text(words, lx + 32, ly + 4, label, size=12))
        lx += 220
    desc = "; ".join(
        words.gettext("%(label)s: %(current)s now")
        % {"label": a.label, "current": words.percent(a.current)}
        + (words.gettext(", %(projected)s projected") % {"projected": words.percent(a.projected)}
           if a.projected is not None else "")
        + (words.gettext(", target %(target)s") % {"target": words.percent(a.target)}
           if a.target is not None else "")
        for a in axes
    ) + "."
    return _svg(uid, width, height, title, desc, "".join(parts), "radar")


# --- heatmap -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """A heatmap row: a dimension and its score in each column (None: nothing counted)."""

    label: str
    values: tuple[float | None, ...]


def heatmap(uid: str, title: str, columns: Sequence[str], rows: Sequence[Row], *,
            words: Words = ENGLISH) -> str:
    """Scores of every (row, column) cell, with the value printed in each cell."""
    label_width, cell_w, cell_h = 210.0, 128.0, 46.0
    # Column names wrap, their last line just above the cells; the header grows to hold the
    # longest (another language's, or a pillar's long name).
    heads = [_wrap(column, 16) for column in columns]
    top = max(56.0, 26.0 + 15.0 * (max((len(h) for h in heads), default=1) - 1))
    no_data = words.gettext("n/a: no rule of the cell counts")
    steps = 10
    step_w = 24.0
    note_x = label_width + (steps + 1) * step_w + 52
    width = max(label_width + cell_w * len(columns) + 10, note_x + _width(no_data, 11) + 10)
    height = top + cell_h * len(rows) + 64
    parts: list[str] = []
    for j, column in enumerate(columns):
        parts.append(_text(words, label_width + cell_w * (j + 0.5),
                           top - 12 - 7.5 * (len(heads[j]) - 1), column,
                           anchor="middle", size=12.5, weight="600", width=16))
    for i, row in enumerate(rows):
        y = top + cell_h * i
        parts.append(_text(words, label_width - 10, y + cell_h / 2 + 4, row.label, anchor="end",
                           size=12.5, weight="600", width=26))
        for j, value in enumerate(row.values):
            x = label_width + cell_w * j
            fill = NO_DATA if value is None else heatmap_colour(value)
            parts.append(
                f'<rect class="cell" data-row="{i}" data-column="{j}" x="{_num(x + 1)}" '
                f'y="{_num(y + 1)}" width="{_num(cell_w - 2)}" height="{_num(cell_h - 2)}" '
                f'fill="{fill}"><title>'
                f'{escape(f"{row.label}, {columns[j]}: {words.percent(value)}")}'
                f'</title></rect>')
            parts.append(_text(words, x + cell_w / 2, y + cell_h / 2 + 5, words.percent(value),
                               anchor="middle", size=14, colour=text_colour_on(fill),
                               weight="600"))
    # The scale: the ramp with its ends labelled.
    ly = top + cell_h * len(rows) + 22
    for k in range(steps + 1):
        parts.append(f'<rect x="{_num(label_width + k * step_w)}" y="{_num(ly)}" '
                     f'width="{_num(step_w)}" height="12" fill="{heatmap_colour(k / steps)}" '
                     f'aria-hidden="true"/>')
    parts.append(_text(words, label_width - 8, ly + 10, words.percent(0.0), anchor="end",
                       size=11, colour=MUTED))
    parts.append(_text(words, label_width + (steps + 1) * step_w + 8, ly + 10,
                       words.percent(1.0), size=11, colour=MUTED))
    parts.append(_text(words, note_x, ly + 10, no_data, size=11, colour=MUTED))
    desc = " ".join(
        f"{row.label}: " + ", ".join(f"{c} {words.percent(v)}"
                                     for c, v in zip(columns, row.values, strict=True)) + "."
        for row in rows
    )
    return _svg(uid, width, height, title, desc, "".join(parts), "heatmap")


# --- element bars --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Band:
    """A group of bars: a pillar and the scores of its elements."""

    label: str
    score: float
    level: str
    bars: tuple[tuple[str, float | None], ...]


def element_bars(uid: str, title: str, bands: Sequence[Band], *,
                 words: Words = ENGLISH) -> str:
    """Horizontal bars, one per element, grouped under their pillar."""
    bar_w, row_h, head_h = 420.0, 26.0, 34.0
    label_w = max([340.0, *(_width(name, 12) + 16 for b in bands for name, _v in b.bars)])
    heads = [f"{band.label}: {words.percent(band.score)}, {band.level}" for band in bands]
    width = max([label_w + bar_w + 70, *(_width(head, 13, bold=True) + 10 for head in heads)])
    height = sum(head_h + row_h * len(b.bars) for b in bands) + 30
    parts: list[str] = []
    y = 6.0
    for band, head in zip(bands, heads, strict=True):
        parts.append(_text(words, 0, y + 20, head, size=13, weight="700"))
        y += head_h
        for name, value in band.bars:
            parts.append(_text(words, label_w - 10, y + 17, name, anchor="end", size=12))
            parts.append(f'<rect x="{_num(label_w)}" y="{_num(y + 5)}" width="{_num(bar_w)}" '
                         f'height="16" fill="{NO_DATA}" aria-hidden="true"/>')
            if value is not None:
                parts.append(f'<rect class="bar" x="{_num(label_w)}" y="{_num(y + 5)}" '
                             f'width="{_num(bar_w * min(1.0, max(0.0, value)))}" height="16" '
                             f'fill="{CURRENT}"/>')
            for tick in (0.25, 0.5, 0.75):
                x = label_w + bar_w * tick
                parts.append(f'<line x1="{_num(x)}" y1="{_num(y + 5)}" x2="{_num(x)}" '
                             f'y2="{_num(y + 21)}" stroke="{BACKGROUND}" stroke-width="1.5" '
                             f'aria-hidden="true"/>')
            parts.append(_text(words, label_w + bar_w + 8, y + 17, words.percent(value),
                               size=12))
            y += row_h
    parts.append(_text(words, label_w, y + 18, words.percent(0.0), size=11, colour=MUTED))
    parts.append(_text(words, label_w + bar_w, y + 18, words.percent(1.0), anchor="end",
                       size=11, colour=MUTED))
    desc = " ".join(
        f"{b.label}: {words.percent(b.score)} ({b.level}); "
        + ", ".join(f"{n} {words.percent(v)}" for n, v in b.bars) + "."
        for b in bands
    )
    return _svg(uid, width, height, title, desc, "".join(parts), "bars")


# --- roadmap timeline ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelinePhase:
    """One phase: its name and months, effort per lane (label → person-months, action count),
    the projected index per series, and the critical-path action in it, if any."""

    label: str
    months: str
    lanes: dict[str, tuple[float, int]]
    projected: dict[str, float]
    critical: str | None = None


def _spread(wanted: Sequence[float], gap: float) -> list[float]:
    """Label positions near `wanted`, at least `gap` apart, in the same order."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [0.0] * len(wanted)
    last = -math.inf
    for i in order:
        placed[i] = max(wanted[i], last + gap)
        last = placed[i]
    return placed


def timeline(uid: str, title: str, phases: Sequence[TimelinePhase], lanes: Sequence[str],
             baseline: dict[str, float], *, words: Words = ENGLISH) -> str:
    """The roadmap by phase: the projected index of each framework (top), the effort given to
    each dimension in each phase (bars, to scale), and the critical path (bottom)."""
    label_w = 270.0
    col_w = max(100.0, 690.0 / max(1, len(phases)))
    right = label_w + col_w * len(phases)
    width = right + 60
    chart_top, chart_h = 62.0, 130.0
    series = sorted(baseline.items())
    legend_top = chart_top + chart_h + 22
    lane_lines = [len(_wrap(lane, 40)) for lane in lanes]
    lane_heights = [max(34.0, 14.0 * n + 14) for n in lane_lines]
    lane_top = legend_top + 20 * len(series) + 34
    crit_y = lane_top + sum(lane_heights) + 28
    height = crit_y + 64
    parts: list[str] = []
    for k, phase in enumerate(phases):
        x = label_w + col_w * k
        shade = "#f2f5f9" if k % 2 == 0 else BACKGROUND
        parts.append(f'<rect x="{_num(x)}" y="4" width="{_num(col_w)}" '
                     f'height="{_num(height - 8)}" fill="{shade}" aria-hidden="true"/>')
        parts.append(_text(words, x + col_w / 2, 22, phase.label, anchor="middle", size=12.5,
                           weight="700"))
        parts.append(_text(words, x + col_w / 2, 38, phase.months, anchor="middle", size=11,
                           colour=MUTED))
    parts.append(_text(words, 8, chart_top + 4, words.gettext("Projected index"), size=12.5,
                       weight="700"))
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = chart_top + chart_h * (1 - tick)
        parts.append(f'<line x1="{_num(label_w)}" y1="{_num(y)}" x2="{_num(right)}" '
                     f'y2="{_num(y)}" stroke="{GRID}" stroke-width="1" aria-hidden="true"/>')
        parts.append(_text(words, label_w - 6, y + 4, words.percent(tick), anchor="end",
                           size=10.5, colour=MUTED))
    finals: list[float] = []
    for s_index, (name, start) in enumerate(series):
        colour = SERIES[(s_index + _FRAMEWORK_COLOURS) % len(SERIES)]
        values = [start] + [p.projected.get(name, start) for p in phases]
        coords = [(label_w + col_w * k, chart_top + chart_h * (1 - v))
                  for k, v in enumerate(values)]
        dash = ' stroke-dasharray="7 4"' if s_index % 2 else ""
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
        parts.append(f'<polyline class="series index" points="{path}" fill="none" '
                     f'stroke="{colour}" stroke-width="2.5"{dash}/>')
        for x, y in coords:
            parts.append(_marker(s_index, x, y, colour, 3.5))
        finals.append(coords[-1][1])
    for (name, _start), y, wanted in zip(series, _spread(finals, 14), finals, strict=True):
        value = phases[-1].projected.get(name, baseline[name]) if phases else baseline[name]
        parts.append(_text(words, right + 8, y + 4, words.percent(value), size=11,
                           weight="700"))
        if abs(y - wanted) > 1:
            parts.append(f'<line x1="{_num(right + 2)}" y1="{_num(wanted)}" '
                         f'x2="{_num(right + 7)}" y2="{_num(y)}" stroke="{MUTED}" '
                         f'aria-hidden="true"/>')
    for s_index, (name, start) in enumerate(series):
        colour = SERIES[(s_index + _FRAMEWORK_COLOURS) % len(SERIES)]
        y = legend_top + 20 * s_index
        end = phases[-1].projected.get(name, start) if phases else start
        parts.append(_marker(s_index, label_w + 8, y - 4, colour, 5))
        dash = ' stroke-dasharray="7 4"' if s_index % 2 else ""
        parts.append(f'<line x1="{_num(label_w - 6)}" y1="{_num(y - 4)}" '
                     f'x2="{_num(label_w + 22)}" y2="{_num(y - 4)}" stroke="{colour}" '
                     f'stroke-width="2.5"{dash}/>')
        parts.append(_text(words, label_w + 30, y, words.gettext(
            "%(name)s: %(now)s now, %(after)s after the roadmap")
            % {"name": name, "now": words.percent(start), "after": words.percent(end)},
            size=12))
    biggest = max((e for p in phases for e, _c in p.lanes.values()), default=1.0) or 1.0
    parts.append(_text(words, 8, lane_top - 10, words.gettext("Effort per dimension"),
                       size=12.5, weight="700"))
    parts.append(_text(words, label_w + 6, lane_top - 10,
                       words.gettext("actions \u00b7 person-months"), size=11, colour=MUTED))
    y = lane_top
    for lane, lane_h in zip(lanes, lane_heights, strict=True):
        parts.append(_text(words, label_w - 12, y + lane_h / 2 + 4, lane, anchor="end", size=12,
                           width=40))
        parts.append(f'<line x1="{_num(label_w)}" y1="{_num(y + lane_h)}" x2="{_num(right)}" '
                     f'y2="{_num(y + lane_h)}" stroke="{GRID}" stroke-width="0.75" '
                     f'aria-hidden="true"/>')
        for k, phase in enumerate(phases):
            effort, count = phase.lanes.get(lane, (0.0, 0))
            if count == 0:
                continue
            x = label_w + col_w * k + 8
            length = max(4.0, (col_w - 16) * effort / biggest)
            tip = words.gettext("%(lane)s, %(phase)s: %(count)s action(s), %(effort)s "
                                "person-months") % {"lane": lane, "phase": phase.label,
                                                    "count": count,
                                                    "effort": words.number(effort)}
            parts.append(f'<rect class="effort" x="{_num(x)}" y="{_num(y + lane_h / 2 - 13)}" '
                         f'width="{_num(length)}" height="10" rx="2" fill="{CURRENT}">'
                         f'<title>{escape(tip)}</title></rect>')
            parts.append(_text(words, x, y + lane_h / 2 + 10,
                               f"{count} \u00b7 {words.number(effort)}", size=10.5))
        y += lane_h
    parts.append(_text(words, 8, crit_y + 4, words.gettext("Critical path"), size=12.5,
                       weight="700"))
    marks = [(k, p.critical) for k, p in enumerate(phases) if p.critical]
    if len(marks) > 1:
        x1 = label_w + col_w * (marks[0][0] + 0.5)
        x2 = label_w + col_w * (marks[-1][0] + 0.5)
        parts.append(f'<line class="critical" x1="{_num(x1)}" y1="{_num(crit_y)}" '
                     f'x2="{_num(x2)}" y2="{_num(crit_y)}" stroke="{PROJECTED}" '
                     f'stroke-width="2"/>')
    for k, action in marks:
        x = label_w + col_w * (k + 0.5)
        parts.append(f'<path class="critical-step" d="M{_num(x)} {_num(crit_y - 7)} '
                     f'l7 7 -7 7 -7 -7z" fill="{PROJECTED}"/>')
        lines = len(_wrap(action or "", int(col_w / 6.5)))
        parts.append(_text(words, x, crit_y + 24 + (lines - 1) * 6.3, action or "", anchor="middle",
                           size=10.5, colour=PROJECTED_TEXT, width=int(col_w / 6.5)))
    desc = " ".join(
        words.gettext("%(phase)s (%(months)s): %(effort)s person-months in %(count)s "
                      "action(s); projected ")
        % {"phase": p.label, "months": p.months,
           "effort": words.number(sum(e for e, _ in p.lanes.values())),
           "count": sum(c for _, c in p.lanes.values())}
        + ", ".join(f"{s} {words.percent(v)}" for s, v in sorted(p.projected.items()))
        + (words.gettext("; critical path: %(action)s") % {"action": p.critical}
           if p.critical else "") + "."
        for p in phases
    )
    return _svg(uid, width, height, title, desc, "".join(parts), "timeline")


#: The roadmap chart's frameworks start at the palette's third colour: its first two mean
#: "now" and "after the roadmap" in the radar above it on the same page.
_FRAMEWORK_COLOURS = 2


def _marker(series: int, x: float, y: float, colour: str, size: float) -> str:
    """Circles for even series, squares for odd ones: shape tells them apart, not colour."""
    if series % 2 == 0:
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(size)}" fill="{colour}"/>'
    return (f'<rect x="{_num(x - size)}" y="{_num(y - size)}" width="{_num(2 * size)}" '
            f'height="{_num(2 * size)}" fill="{colour}"/>')
