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
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

__all__ = [
    "BACKGROUND",
    "CURRENT",
    "CURRENT_FILL",
    "HALO",
    "INK",
    "PROJECTED",
    "PROJECTED_FILL",
    "PROJECTED_TEXT",
    "RAMP",
    "RINGS",
    "SERIES",
    "STATUS_COLOURS",
    "TARGET",
    "Axis",
    "Band",
    "Page",
    "Row",
    "TimelinePhase",
    "Words",
    "contrast_ratio",
    "element_bars",
    "heatmap",
    "heatmap_colour",
    "label",
    "line_count",
    "plural_count",
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
#: Width of the background-coloured stroke drawn under text that lines may cross.
HALO = 3.0
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


#: First strong isolate and pop directional isolate: the <bdi> of SVG text, which has no
#: dir="auto".
_FSI, _PDI = "\u2068", "\u2069"


def _width(label: str, size: float, bold: bool = False) -> float:
    """A generous estimate of a label's drawn width, so a chart makes room for labels that
    another language writes longer (isolates, which are not drawn, do not count)."""
    shown = len(label) - label.count(_FSI) - label.count(_PDI)
    return shown * size * (0.6 if bold else 0.55)


def _plural(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def plural_count(value: float) -> int:
    """The count that picks a plural form for a quantity: the number when whole, else one
    every language puts in its general plural ("1.5 person-months", not "person-month")."""
    return int(value) if float(value).is_integer() else 100


def _same(text: str) -> str:
    return text


@dataclass(frozen=True, slots=True)
class Words:
    """The language of a chart's own words and numbers, and the direction it reads in.

    Right to left, the charts drawn through `Page` (those of this module, the comparison's
    box plot, the trend charts) are mirrored (x becomes width - x), so time, columns and
    bars run from the right as the page's reader reads; their text runs right to left, its
    anchor turning with the geometry. `label`, for a chart drawn without mirroring, instead
    mirrors the anchor (start and end swap), so that its text keeps its side of the
    unmirrored geometry.
    """

    gettext: Callable[[str], str] = _same
    ngettext: Callable[[str, str, int], str] = _plural
    percent: Callable[[float | None], str] = _pct
    number: Callable[[float], str] = _num
    rtl: bool = False
    #: How the language separates the items of a list and the clauses of a sentence (Arabic
    #: "، " and "؛ "), for the descriptions screen readers read out.
    comma: str = ", "
    semicolon: str = "; "
    #: Between a label and its value (French puts a no-break space before the colon).
    colon: str = ": "


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


def _isolated(words: Words, text: str) -> str:
    """Right to left, `text` as one unit laid out in the direction of its own first letter,
    so that a name written left to right keeps its punctuation where it wrote it (the
    trailing hyphen of a wrapped id, a closing parenthesis) instead of having it flipped."""
    return f"{_FSI}{text}{_PDI}" if words.rtl else text


def _left_to_right(text: str) -> bool:
    """Letters written left to right and none right to left: an id, an English name."""
    kinds = {unicodedata.bidirectional(c) for c in text}
    return "L" in kinds and not kinds & {"R", "AL"}


def _text(words: Words, x: float, y: float, label: str, *, anchor: str = "start",
          size: float = 12, colour: str = INK, weight: str = "normal", width: int = 0,
          css: str = "", mirrored: bool = False, halo: bool = False) -> str:
    """`mirrored`: x is already mirrored for right to left, so the anchor, which SVG reads
    in the text's direction, turns with it as it is; otherwise a right-to-left anchor is
    swapped to keep the text on its side of x. `halo`: a stroke of the background under the
    glyphs, so lines crossing the text do not hide it."""
    lines = _wrap(label, width) if width else [label]
    if words.rtl:
        lines = [_isolated(words, line) if _left_to_right(line) else line for line in lines]
    first = y - (len(lines) - 1) * size * 0.6
    spans = "".join(
        f'<tspan x="{_num(x)}" y="{_num(first + i * size * 1.2)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    extra = f' class="{css}"' if css else ""
    if words.rtl:
        extra += ' direction="rtl" unicode-bidi="embed"'
        if not mirrored:
            anchor = _MIRRORED[anchor]
    if halo:
        extra += (f' stroke="{BACKGROUND}" stroke-width="{_num(HALO)}" '
                  'stroke-linejoin="round" paint-order="stroke"')
    return (f'<text{extra} text-anchor="{anchor}" font-size="{_num(size)}" fill="{colour}" '
            f'font-weight="{weight}">{spans}</text>')


@dataclass(frozen=True, slots=True)
class Page:
    """Where a chart draws: code places things left to right, and right to left this turns
    every x into width - x (geometry only: text is not mirrored, it runs right to left).
    Public so that charts drawn in other modules (compare, trend) mirror the same way."""

    words: Words
    width: float

    def x(self, x: float) -> float:
        """Where a point placed at `x` left to right is drawn."""
        return self.width - x if self.words.rtl else x

    def left(self, x: float, length: float) -> float:
        """The left edge of a box placed from `x` over `length` left to right (its start
        is on its right, right to left)."""
        return self.width - x - length if self.words.rtl else x

    def text(self, x: float, y: float, label: str, *, anchor: str = "start",
             size: float = 12, colour: str = INK, weight: str = "normal", width: int = 0,
             halo: bool = False) -> str:
        """`_text` at a left-to-right `x`, mirrored with the chart."""
        return _text(self.words, self.x(x), y, label, anchor=anchor, size=size, colour=colour,
                     weight=weight, width=width, mirrored=True, halo=halo)


def label(words: Words, x: float, y: float, text: str, *, anchor: str = "start",
          size: float = 12, colour: str = INK, weight: str = "normal", width: int = 0) -> str:
    """A chart's text at (x, y), for a chart drawn elsewhere without `Page`, wrapped at about
    `width` characters when given (lines centred on y): right to left, it runs right to left
    and keeps its side of `x` (see `Words`)."""
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
    """Current scores against projected ones (and targets, when every axis has one).

    The axes start at the top and go clockwise, counter-clockwise right to left: the order
    of the table beside the chart, as its reader reads it."""
    count = len(axes)
    width = size + 240
    page = Page(words, width)
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
        """Left to right (clockwise); mirror the x drawn."""
        angle = -math.pi / 2 + 2 * math.pi * index / count
        r = radius * min(1.0, max(0.0, value))
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    def points(values: Sequence[float]) -> str:
        return " ".join(f"{_num(page.x(x))},{_num(y)}" for x, y in
                        (point(i, v) for i, v in enumerate(values)))

    parts = ['<g class="grid" aria-hidden="true">']
    for ring in RINGS:
        parts.append(f'<polygon class="ring" points="{points([ring] * count)}" fill="none" '
                     f'stroke="{GRID}" stroke-width="1"/>')
    for i in range(count):
        x, y = point(i, 1.0)
        parts.append(f'<line x1="{_num(page.x(cx))}" y1="{_num(cy)}" x2="{_num(page.x(x))}" '
                     f'y2="{_num(y)}" stroke="{GRID}" stroke-width="1"/>')
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
        f'fill="{CURRENT}" fill-opacity="{CURRENT_FILL:.2f}" stroke="{CURRENT}" '
        f'stroke-width="2.5"/>')
    if has_projection:
        parts.append(
            f'<polygon class="series projected" '
            f'points="{points([a.projected or 0 for a in axes])}" fill="{PROJECTED}" '
            f'fill-opacity="{PROJECTED_FILL:.2f}" stroke="{PROJECTED}" stroke-width="2.5" '
            f'stroke-dasharray="8 4"/>')
    for i, axis in enumerate(axes):
        x, y = point(i, axis.current)
        parts.append(f'<circle class="marker current" cx="{_num(page.x(x))}" cy="{_num(y)}" '
                     f'r="4" fill="{CURRENT}"/>')
        if axis.projected is not None:
            x, y = point(i, axis.projected)
            parts.append(f'<rect class="marker projected" x="{_num(page.left(x - 4, 8))}" '
                         f'y="{_num(y - 4)}" width="8" height="8" fill="{PROJECTED}"/>')
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
            parts.append(page.text(tx, top + 12 + 15 * n, line, anchor=anchor, size=12.5,
                                   weight="600"))
        value = words.percent(axis.current)
        if axis.projected is not None:
            arrow = "\u2190" if words.rtl else "\u2192"
            value += f" {arrow} {words.percent(axis.projected)}"
        parts.append(page.text(tx, top + 12 + 15 * len(lines), value, anchor=anchor, size=12,
                               colour=MUTED))
    parts.append(_ring_values(page, cx, cy, radius, count))
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
        parts.append(f'<line class="legend {key}" x1="{_num(page.x(lx))}" y1="{_num(ly)}" '
                     f'x2="{_num(page.x(lx + 26))}" y2="{_num(ly)}" stroke="{colour}" '
                     f'stroke-width="3"{dash_attr}/>')
        parts.append(page.text(lx + 32, ly + 4, label, size=12))
        lx += 220
    desc = words.semicolon.join(
        words.gettext("%(label)s: %(current)s now")
        % {"label": a.label, "current": words.percent(a.current)}
        + (words.gettext(", %(projected)s projected") % {"projected": words.percent(a.projected)}
           if a.projected is not None else "")
        + (words.gettext(", target %(target)s") % {"target": words.percent(a.target)}
           if a.target is not None else "")
        for a in axes
    ) + "."
    return _svg(uid, width, height, title, desc, "".join(parts), "radar")


#: The radar's rings, as scores.
RINGS = (0.2, 0.4, 0.6, 0.8, 1.0)
#: Opacity of the radar's current and projected areas (their fills under a ring's value).
CURRENT_FILL = 0.18
PROJECTED_FILL = 0.10
#: A ring value's size (px); its gap from the first axis, which clears a marker on the axis
#: (4 px wide each side) and the value's halo; its estimated width per character, in em
#: (generous: digits and "%" are wide in DejaVu Sans, Chromium's usual font on Linux).
_RING_SIZE = 10.0
_RING_GAP = 7.0
_RING_EM = 0.75


def _ring_values(page: Page, cx: float, cy: float, radius: float, count: int) -> str:
    """The rings' values beside the first axis, in the wedge it opens with the second (on
    its right, on its left right to left), each level with its ring where it crosses the
    axis, over the areas with a halo so that no area's edge hides it. A ring too near the
    centre for its value to fit in the wedge goes unlabelled: the others give the scale."""
    second = 2 * math.pi / max(count, 1)           # the second axis's angle from the first
    parts = ['<g class="scale" aria-hidden="true">']
    for ring in RINGS:
        text = page.words.percent(ring)
        baseline = cy - radius * ring + 0.35 * _RING_SIZE
        lowest = cy - (baseline + 0.3 * _RING_SIZE)   # above the centre: the box's bottom
        reach = _RING_GAP + _RING_EM * _RING_SIZE * len(text) + 1
        if lowest <= 0 or (math.cos(second) > 0 and reach > lowest * math.tan(second)):
            continue
        parts.append(page.text(cx + _RING_GAP, baseline, text, size=_RING_SIZE, colour=MUTED,
                               halo=True))
    parts.append("</g>")
    return "".join(parts)


# --- heatmap -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    """A heatmap row: a dimension and its score in each column (None: nothing counted)."""

    label: str
    values: tuple[float | None, ...]


def heatmap(uid: str, title: str, columns: Sequence[str], rows: Sequence[Row], *,
            words: Words = ENGLISH) -> str:
    """Scores of every (row, column) cell, with the value printed in each cell; right to
    left, the row names are on the right and the columns read from the right."""
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
    page = Page(words, width)
    parts: list[str] = []
    for j, column in enumerate(columns):
        parts.append(page.text(label_width + cell_w * (j + 0.5),
                               top - 12 - 7.5 * (len(heads[j]) - 1), column,
                               anchor="middle", size=12.5, weight="600", width=16))
    for i, row in enumerate(rows):
        y = top + cell_h * i
        parts.append(page.text(label_width - 10, y + cell_h / 2 + 4, row.label, anchor="end",
                               size=12.5, weight="600", width=26))
        for j, value in enumerate(row.values):
            x = label_width + cell_w * j
            fill = NO_DATA if value is None else heatmap_colour(value)
            parts.append(
                f'<rect class="cell" data-row="{i}" data-column="{j}" '
                f'x="{_num(page.left(x + 1, cell_w - 2))}" '
                f'y="{_num(y + 1)}" width="{_num(cell_w - 2)}" height="{_num(cell_h - 2)}" '
                f'fill="{fill}"><title>'
                f'{escape(f"{row.label}{words.comma}{columns[j]}{words.colon}{words.percent(value)}")}'
                f'</title></rect>')
            parts.append(page.text(x + cell_w / 2, y + cell_h / 2 + 5, words.percent(value),
                                   anchor="middle", size=14, colour=text_colour_on(fill),
                                   weight="600"))
    # The scale: the ramp with its ends labelled.
    ly = top + cell_h * len(rows) + 22
    for k in range(steps + 1):
        parts.append(f'<rect x="{_num(page.left(label_width + k * step_w, step_w))}" '
                     f'y="{_num(ly)}" width="{_num(step_w)}" height="12" '
                     f'fill="{heatmap_colour(k / steps)}" aria-hidden="true"/>')
    parts.append(page.text(label_width - 8, ly + 10, words.percent(0.0), anchor="end",
                           size=11, colour=MUTED))
    parts.append(page.text(label_width + (steps + 1) * step_w + 8, ly + 10,
                           words.percent(1.0), size=11, colour=MUTED))
    parts.append(page.text(note_x, ly + 10, no_data, size=11, colour=MUTED))
    desc = " ".join(
        f"{row.label}{words.colon}" + words.comma.join(f"{c} {words.percent(v)}"
                                            for c, v in zip(columns, row.values, strict=True))
        + "."
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
    """Horizontal bars, one per element, grouped under their pillar; right to left, the
    names are on the right and the bars grow from the right."""
    bar_w, row_h, head_h = 420.0, 26.0, 34.0
    label_w = max([340.0, *(_width(name, 12) + 16 for b in bands for name, _v in b.bars)])
    heads = [words.gettext("%(name)s: %(score)s, %(level)s") % {
        "name": _isolated(words, band.label), "score": words.percent(band.score),
        "level": _isolated(words, band.level)} for band in bands]
    width = max([label_w + bar_w + 70, *(_width(head, 13, bold=True) + 10 for head in heads)])
    height = sum(head_h + row_h * len(b.bars) for b in bands) + 30
    page = Page(words, width)
    parts: list[str] = []
    y = 6.0
    for band, head in zip(bands, heads, strict=True):
        parts.append(page.text(0, y + 20, head, size=13, weight="700"))
        y += head_h
        for name, value in band.bars:
            parts.append(page.text(label_w - 10, y + 17, name, anchor="end", size=12))
            parts.append(f'<rect x="{_num(page.left(label_w, bar_w))}" y="{_num(y + 5)}" '
                         f'width="{_num(bar_w)}" height="16" fill="{NO_DATA}" '
                         f'aria-hidden="true"/>')
            if value is not None:
                length = bar_w * min(1.0, max(0.0, value))
                parts.append(f'<rect class="bar" x="{_num(page.left(label_w, length))}" '
                             f'y="{_num(y + 5)}" width="{_num(length)}" height="16" '
                             f'fill="{CURRENT}"/>')
            for tick in (0.25, 0.5, 0.75):
                x = page.x(label_w + bar_w * tick)
                parts.append(f'<line x1="{_num(x)}" y1="{_num(y + 5)}" x2="{_num(x)}" '
                             f'y2="{_num(y + 21)}" stroke="{BACKGROUND}" stroke-width="1.5" '
                             f'aria-hidden="true"/>')
            parts.append(page.text(label_w + bar_w + 8, y + 17, words.percent(value),
                                   size=12))
            y += row_h
    parts.append(page.text(label_w, y + 18, words.percent(0.0), size=11, colour=MUTED))
    parts.append(page.text(label_w + bar_w, y + 18, words.percent(1.0), anchor="end",
                           size=11, colour=MUTED))
    desc = " ".join(
        f"{b.label}{words.colon}{words.percent(b.score)} ({b.level}){words.semicolon}"
        + words.comma.join(f"{n} {words.percent(v)}" for n, v in b.bars) + "."
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


def _actions(words: Words, count: int) -> str:
    return words.ngettext("%(count)s action", "%(count)s actions", count) % {"count": count}


def _person_months(words: Words, effort: float) -> str:
    return words.ngettext("%(effort)s person-month", "%(effort)s person-months",
                          plural_count(effort)) % {"effort": words.number(effort)}


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
    each dimension in each phase (bars, to scale), and the critical path (bottom). Time runs
    from the left, from the right right to left (names on the right, bars growing leftwards).
    """
    label_w = 270.0
    col_w = max(100.0, 690.0 / max(1, len(phases)))
    right = label_w + col_w * len(phases)
    width = right + 60
    page = Page(words, width)
    chart_top, chart_h = 62.0, 130.0
    series = sorted(baseline.items())
    legend_top = chart_top + chart_h + 22
    lane_lines = [len(_wrap(lane, 40)) for lane in lanes]
    lane_heights = [max(34.0, 14.0 * n + 14) for n in lane_lines]
    lane_top = legend_top + 20 * len(series) + 34
    crit_y = lane_top + sum(lane_heights) + 28
    height = crit_y + 64

    def line(x1: float, y1: float, x2: float, y2: float, rest: str) -> str:
        return (f'<line x1="{_num(page.x(x1))}" y1="{_num(y1)}" x2="{_num(page.x(x2))}" '
                f'y2="{_num(y2)}" {rest}/>')

    parts: list[str] = []
    for k, phase in enumerate(phases):
        x = label_w + col_w * k
        shade = "#f2f5f9" if k % 2 == 0 else BACKGROUND
        parts.append(f'<rect x="{_num(page.left(x, col_w))}" y="4" width="{_num(col_w)}" '
                     f'height="{_num(height - 8)}" fill="{shade}" aria-hidden="true"/>')
        parts.append(page.text(x + col_w / 2, 22, phase.label, anchor="middle", size=12.5,
                               weight="700"))
        parts.append(page.text(x + col_w / 2, 38, phase.months, anchor="middle", size=11,
                               colour=MUTED))
    parts.append(page.text(8, chart_top + 4, words.gettext("Projected index"), size=12.5,
                           weight="700"))
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = chart_top + chart_h * (1 - tick)
        parts.append(line(label_w, y, right, y,
                          f'stroke="{GRID}" stroke-width="1" aria-hidden="true"'))
        parts.append(page.text(label_w - 6, y + 4, words.percent(tick), anchor="end",
                               size=10.5, colour=MUTED))
    finals: list[float] = []
    for s_index, (name, start) in enumerate(series):
        colour = SERIES[(s_index + _FRAMEWORK_COLOURS) % len(SERIES)]
        values = [start] + [p.projected.get(name, start) for p in phases]
        coords = [(label_w + col_w * k, chart_top + chart_h * (1 - v))
                  for k, v in enumerate(values)]
        dash = ' stroke-dasharray="7 4"' if s_index % 2 else ""
        path = " ".join(f"{_num(page.x(x))},{_num(y)}" for x, y in coords)
        parts.append(f'<polyline class="series index" points="{path}" fill="none" '
                     f'stroke="{colour}" stroke-width="2.5"{dash}/>')
        for x, y in coords:
            parts.append(_marker(s_index, page.x(x), y, colour, 3.5))
        finals.append(coords[-1][1])
    for (name, _start), y, wanted in zip(series, _spread(finals, 14), finals, strict=True):
        value = phases[-1].projected.get(name, baseline[name]) if phases else baseline[name]
        parts.append(page.text(right + 8, y + 4, words.percent(value), size=11,
                               weight="700"))
        if abs(y - wanted) > 1:
            parts.append(line(right + 2, wanted, right + 7, y, f'stroke="{MUTED}" '
                              'aria-hidden="true"'))
    for s_index, (name, start) in enumerate(series):
        colour = SERIES[(s_index + _FRAMEWORK_COLOURS) % len(SERIES)]
        y = legend_top + 20 * s_index
        end = phases[-1].projected.get(name, start) if phases else start
        parts.append(_marker(s_index, page.x(label_w + 8), y - 4, colour, 5))
        dash = ' stroke-dasharray="7 4"' if s_index % 2 else ""
        parts.append(line(label_w - 6, y - 4, label_w + 22, y - 4,
                          f'stroke="{colour}" stroke-width="2.5"{dash}'))
        parts.append(page.text(label_w + 30, y, words.gettext(
            "%(name)s: %(now)s now, %(after)s after the roadmap")
            % {"name": _isolated(words, name), "now": words.percent(start),
               "after": words.percent(end)},
            size=12))
    biggest = max((e for p in phases for e, _c in p.lanes.values()), default=1.0) or 1.0
    parts.append(page.text(8, lane_top - 10, words.gettext("Effort per dimension"),
                           size=12.5, weight="700"))
    parts.append(page.text(label_w + 6, lane_top - 10,
                           words.gettext("actions \u00b7 person-months"), size=11,
                           colour=MUTED))
    y = lane_top
    for lane, lane_h in zip(lanes, lane_heights, strict=True):
        parts.append(page.text(label_w - 12, y + lane_h / 2 + 4, lane, anchor="end", size=12,
                               width=40))
        parts.append(line(label_w, y + lane_h, right, y + lane_h,
                          f'stroke="{GRID}" stroke-width="0.75" aria-hidden="true"'))
        for k, phase in enumerate(phases):
            effort, count = phase.lanes.get(lane, (0.0, 0))
            if count == 0:
                continue
            x = label_w + col_w * k + 8
            length = max(4.0, (col_w - 16) * effort / biggest)
            tip = words.gettext("%(lane)s, %(phase)s: %(actions)s, %(effort)s") % {
                "lane": lane, "phase": phase.label,
                "actions": _actions(words, count), "effort": _person_months(words, effort)}
            parts.append(f'<rect class="effort" x="{_num(page.left(x, length))}" '
                         f'y="{_num(y + lane_h / 2 - 13)}" '
                         f'width="{_num(length)}" height="10" rx="2" fill="{CURRENT}">'
                         f'<title>{escape(tip)}</title></rect>')
            parts.append(page.text(x, y + lane_h / 2 + 10,
                                   f"{count} \u00b7 {words.number(effort)}", size=10.5))
        y += lane_h
    parts.append(page.text(8, crit_y + 4, words.gettext("Critical path"), size=12.5,
                           weight="700"))
    marks = [(k, p.critical) for k, p in enumerate(phases) if p.critical]
    if len(marks) > 1:
        x1 = label_w + col_w * (marks[0][0] + 0.5)
        x2 = label_w + col_w * (marks[-1][0] + 0.5)
        parts.append(f'<line class="critical" x1="{_num(page.x(x1))}" y1="{_num(crit_y)}" '
                     f'x2="{_num(page.x(x2))}" y2="{_num(crit_y)}" stroke="{PROJECTED}" '
                     f'stroke-width="2"/>')
    for k, action in marks:
        x = label_w + col_w * (k + 0.5)
        # A diamond, symmetric about x: mirroring its centre mirrors it.
        parts.append(f'<path class="critical-step" d="M{_num(page.x(x))} {_num(crit_y - 7)} '
                     f'l7 7 -7 7 -7 -7z" fill="{PROJECTED}"/>')
        lines = len(_wrap(action or "", int(col_w / 6.5)))
        parts.append(page.text(x, crit_y + 24 + (lines - 1) * 6.3, action or "",
                               anchor="middle", size=10.5, colour=PROJECTED_TEXT,
                               width=int(col_w / 6.5)))
    desc = " ".join(
        words.gettext("%(phase)s (%(months)s): %(effort)s in %(actions)s; projected ")
        % {"phase": p.label, "months": p.months,
           "effort": _person_months(words, sum(e for e, _ in p.lanes.values())),
           "actions": _actions(words, sum(c for _, c in p.lanes.values()))}
        + words.comma.join(f"{s} {words.percent(v)}" for s, v in sorted(p.projected.items()))
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
