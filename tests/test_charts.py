"""The charts' SVG text: right to left they are drawn mirrored, left to right as they were.

Right to left (Arabic), time, columns and bars run from the right and the radar turns
counter-clockwise; text is not mirrored but runs right to left. The radar's ring values sit
beside its first axis with a halo. The comparison's box plot and the trend charts, drawn in
compare.py and trend.py through the same `charts.Page`, are mirrored alike. The browser's view
of the same is in tests/test_report_layout.py.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from maturity import charts
from maturity.charts import Axis, Band, Row, TimelinePhase, Words
from maturity.compare import Distribution, _boxplot
from maturity.i18n import Language
from maturity.trend import DimensionTrend
from maturity.trend import _chart as trend_chart

NS = "{http://www.w3.org/2000/svg}"
FSI, PDI = "\u2068", "\u2069"
LTR, RTL = Words(), Words(rtl=True)

AXES = [Axis("Digital public infrastructure", 0.42, 0.61, 0.7), Axis("Data", 0.8, 0.85, 0.9),
        Axis("Skills", 0.15, 0.4, 0.5), Axis("Services", 0.55, None, None),
        Axis("Governance and leadership", 0.3, 0.5, 0.6)]
AXES8 = [Axis(f"Axis {i}", i / 8, (i + 2) / 10) for i in range(8)]
COLUMNS = ["Policy", "Practice", "Outcomes"]
ROWS = [Row("Governance", (0.1, 0.5, None)),
        Row("Digital public infrastructure", (1.0, 0.72, 0.33))]
BANDS = [Band("Pillar one", 0.5, "Defined", (("Element a", 0.25), ("Element b", None))),
         Band("Pillar two", 0.9, "Optimised", (("A rather long element name", 0.9),))]
PHASES = [
    TimelinePhase("Phase 1", "months 1-6", {"Data": (3.0, 2), "Skills": (1.5, 1)},
                  {"DGPF": 0.5, "Skills": 0.4}, "Open the data catalogue"),
    TimelinePhase("Phase 2", "months 7-12", {"Data": (1.0, 1)}, {"DGPF": 0.6, "Skills": 0.55}),
    TimelinePhase("Phase 3", "months 13-18", {"Skills": (6.0, 3)},
                  {"DGPF": 0.7, "Skills": 0.8}, "Train every civil servant"),
]
LANES = ["Data", "Skills"]
BASELINE = {"DGPF": 0.3, "Skills": 0.2}


def _charts(words: Words) -> dict[str, str]:
    return {
        "radar5": charts.radar("r", "Radar", AXES, words=words),
        "radar8": charts.radar("r8", "Radar", AXES8, words=words),
        "radar3": charts.radar("r3", "Radar", AXES[:3], words=words),
        "heatmap": charts.heatmap("h", "Heat", COLUMNS, ROWS, words=words),
        "bars": charts.element_bars("b", "Bars", BANDS, words=words),
        "timeline": charts.timeline("t", "Timeline", PHASES, LANES, BASELINE, words=words),
    }


def _root(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _f(element: ET.Element, name: str) -> float:
    return float(element.get(name) or "nan")


def _points(element: ET.Element) -> list[tuple[float, float]]:
    pairs = (p.split(",") for p in (element.get("points") or "").split())
    return [(float(x), float(y)) for x, y in pairs]


def _texts(root: ET.Element) -> Iterator[tuple[ET.Element, ET.Element]]:
    """Each drawn text with its first line (the <tspan> that holds x and y), the invisible
    isolates around a left-to-right line in right-to-left text taken out."""
    for text in root.iter(f"{NS}text"):
        span = text.find(f"{NS}tspan")
        if span is not None:
            span.text = (span.text or "").replace(FSI, "").replace(PDI, "")
            yield text, span


# --- left to right: as before --------------------------------------------------------------

#: sha256 of the SVG the code drew before right-to-left mirroring (commit cc17b78) for the
#: calls of `_charts(LTR)`: left to right, nothing moved.
BEFORE = {
    "heatmap": "4d4bd2a279b5b4f7d0fc878b16fc320327126bacc9bdb3221f1d588adedc1035",
    "bars": "a11799d5afb2b6038595447e3482ccc5d96a04128bd25307e46c5dce25ac6552",
    "timeline": "30f9f63ad90b58574c6a7554cc725ffa075adf8ebf47a0f92849c3225c0049a6",
}
#: The same for the radars without their ring values (the one thing moved left to right):
#: the <text>s of the grid before, the "scale" group now.
BEFORE_WITHOUT_RING_VALUES = {
    "radar5": "4c48a968af794cceab464c94cd3cd802f3d930543c2a8d37ef11a4bc8754d438",
    "radar8": "ffc3f8fb1c03e0b453d4d136c7c8b544c4e1e6c958ff7a5a64074a02f40d8004",
    "radar3": "3c6627f389fda99ef038c0ec0fcc8abe62f630b80be86e5a79aaa90178386051",
}


def _without_ring_values(svg: str) -> str:
    svg = re.sub(r'<g class="scale" aria-hidden="true">.*?</g>', "", svg)
    grid = re.search(r'<g class="grid" aria-hidden="true">.*?</g>', svg)
    assert grid is not None
    return svg.replace(grid.group(0), re.sub(r"<text .*?</text>", "", grid.group(0)))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _old_plurals(svg: str) -> str:
    """The timeline's words as they were before counts took their plural ("1 action(s),
    1 person-months"): the one thing changed in its text since."""
    svg = re.sub(r"([0-9]+) actions?\b", r"\1 action(s)", svg)
    return re.sub(r"person-month\b", "person-months", svg)


def test_left_to_right_charts_are_drawn_byte_for_byte_as_before() -> None:
    drawn = _charts(LTR)
    drawn["timeline"] = _old_plurals(drawn["timeline"])
    assert {name: _sha(drawn[name]) for name in BEFORE} == BEFORE
    assert {name: _sha(_without_ring_values(drawn[name]))
            for name in BEFORE_WITHOUT_RING_VALUES} == BEFORE_WITHOUT_RING_VALUES


def test_label_for_charts_drawn_elsewhere_keeps_its_side_right_to_left() -> None:
    """`label`, for a plugin's chart that places its own geometry without mirroring it,
    still swaps the anchor so its text keeps its side (the built-in charts use `Page`)."""
    assert charts.label(LTR, 10, 20, "A label", anchor="end") == (
        '<text text-anchor="end" font-size="12" fill="#1b1b1b" font-weight="normal">'
        '<tspan x="10" y="20">A label</tspan></text>')
    assert 'text-anchor="start"' in charts.label(RTL, 10, 20, "A label", anchor="end")


# --- right to left: mirrored ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["radar5", "radar8", "radar3", "heatmap", "bars", "timeline"])
def test_right_to_left_is_the_mirror_image_with_text_running_right_to_left(name: str) -> None:
    """Element by element, every x is width - x (a box's left edge: width - x - its width),
    y unchanged; every text runs right to left with the same anchor, which SVG reads in the
    text's direction: the text lands on the mirrored side."""
    ltr, rtl = _root(_charts(LTR)[name]), _root(_charts(RTL)[name])
    width = _f(ltr, "width")
    assert _f(rtl, "width") == width
    pairs = list(zip(ltr.iter(), rtl.iter(), strict=True))
    assert [a.tag for a, _b in pairs] == [b.tag for _a, b in pairs]

    def mirrored(a: float, b: float) -> bool:
        return abs(b - (width - a)) <= 0.11      # both were rounded to 0.1

    for a, b in pairs:
        tag = a.tag.removeprefix(NS)
        assert a.get("y") == b.get("y") and a.get("y1") == b.get("y1"), (tag, a.attrib)
        if tag == "text":
            assert b.get("direction") == "rtl" and a.get("direction") is None
            assert a.get("text-anchor") == b.get("text-anchor"), a.attrib
        elif tag == "tspan":
            assert mirrored(_f(a, "x"), _f(b, "x")), (a.text, a.attrib, b.attrib)
        elif tag == "rect" and a.get("x") is not None:
            assert mirrored(_f(a, "x") + _f(a, "width"), _f(b, "x")), (a.attrib, b.attrib)
        elif tag == "line":
            assert mirrored(_f(a, "x1"), _f(b, "x1")) and mirrored(_f(a, "x2"), _f(b, "x2"))
        elif tag == "circle":
            assert mirrored(_f(a, "cx"), _f(b, "cx"))
        elif tag in ("polygon", "polyline"):
            assert all(mirrored(p[0], q[0]) and p[1] == q[1]
                       for p, q in zip(_points(a), _points(b), strict=True))
        elif tag == "path":
            assert mirrored(float((a.get("d") or "")[1:].split()[0]),
                            float((b.get("d") or "")[1:].split()[0]))


def test_right_to_left_timeline_runs_from_the_right() -> None:
    for words, first_is_right in ((LTR, False), (RTL, True)):
        root = _root(_charts(words)["timeline"])
        heads = [float(span.get("x") or 0) for _t, span in _texts(root)
                 if span.text and span.text.startswith("Phase ")]
        assert len(heads) == 3
        assert (heads[0] > heads[-1]) is first_is_right
        for line in root.iter(f"{NS}polyline"):
            xs = [x for x, _y in _points(line)]
            assert xs == sorted(xs, reverse=first_is_right)
    # Effort bars start at their phase's start: its right edge, right to left.
    root = _root(_charts(RTL)["timeline"])
    width = _f(root, "width")
    first_phase_start = width - 270          # the lanes' names take 270 px, at the right
    effort = [r for r in root.iter(f"{NS}rect") if r.get("class") == "effort"]
    assert effort and any(
        abs(_f(r, "x") + _f(r, "width") - (first_phase_start - 8)) < 0.11 for r in effort)


def test_right_to_left_heatmap_has_its_names_on_the_right_and_columns_from_the_right() -> None:
    root = _root(_charts(RTL)["heatmap"])
    cells = [r for r in root.iter(f"{NS}rect") if r.get("class") == "cell"]
    cells_right = max(_f(r, "x") + _f(r, "width") for r in cells)
    names = [(text, span) for text, span in _texts(root)
             if span.text in ("Governance", "Digital public")]
    assert len(names) == 2
    for text, span in names:
        # "end", running right to left: the name's left end at x, right of every cell.
        assert text.get("text-anchor") == "end" and text.get("direction") == "rtl"
        assert _f(span, "x") > cells_right
    first = [_f(r, "x") for r in cells if r.get("data-column") == "0"]
    last = [_f(r, "x") for r in cells if r.get("data-column") == "2"]
    assert min(first) > max(last)


def test_right_to_left_bars_grow_from_the_right() -> None:
    root = _root(_charts(RTL)["bars"])
    tracks = [r for r in root.iter(f"{NS}rect") if r.get("fill") == charts.NO_DATA]
    bars = [r for r in root.iter(f"{NS}rect") if r.get("class") == "bar"]
    assert len(bars) == 2 and len(tracks) == 3
    track_right = _f(tracks[0], "x") + _f(tracks[0], "width")
    for bar in bars:
        assert abs(_f(bar, "x") + _f(bar, "width") - track_right) < 0.11
        assert _f(bar, "x") > _f(tracks[0], "x") + 1      # shorter than the track
    names = [span for _t, span in _texts(root) if span.text == "Element a"]
    assert _f(names[0], "x") > track_right


def test_right_to_left_radar_turns_counter_clockwise() -> None:
    for words, sign in ((LTR, 1), (RTL, -1)):
        root = _root(_charts(words)["radar5"])
        centre = _f(root, "width") / 2
        current = next(p for p in root.iter(f"{NS}polygon")
                       if p.get("class") == "series current")
        xs = [x for x, _y in _points(current)]
        assert xs[0] == pytest.approx(centre, abs=0.1)         # the first axis: up
        assert sign * (xs[1] - centre) > 0 and sign * (xs[-1] - centre) < 0
        names = [span for _t, span in _texts(root) if span.text == "Data"]
        assert sign * (_f(names[0], "x") - centre) > 0


def test_right_to_left_a_left_to_right_line_or_name_is_isolated() -> None:
    """Right to left, a line with no right-to-left letter (an id, an English name) and a name
    put into a sentence are first-strong isolates, the <bdi> of SVG text: a wrapped id keeps
    its trailing hyphen at its end. Numbers and Arabic are left to the text's direction."""
    phases = [TimelinePhase(f"المرحلة {k}", "1-6", {"Data": (1.0, 1)},
                            {"OECD DGPF (2024)": 0.5}, "external-advisory-panel")
              for k in range(1, 7)]                     # six phases: the id wraps
    svg = charts.timeline("t", "T", phases, ["Data"], {"OECD DGPF (2024)": 0.3}, words=RTL)
    assert f"{FSI}external-{PDI}" in svg and f"{FSI}advisory-panel{PDI}" in svg
    assert f"{FSI}OECD DGPF (2024){PDI}: 30% now" in svg
    assert f">{FSI}Data{PDI}<" in svg
    assert ">المرحلة 1<" in svg and ">1 \u00b7 1<" in svg and ">50%<" in svg
    assert FSI not in charts.timeline("t", "T", phases, ["Data"], {"OECD DGPF (2024)": 0.3})


# --- the radar's ring values ---------------------------------------------------------------


def _scale(root: ET.Element) -> list[ET.Element]:
    groups = [g for g in root.iter(f"{NS}g") if g.get("class") == "scale"]
    assert len(groups) == 1
    return list(groups[0].iter(f"{NS}text"))


@pytest.mark.parametrize("words", [LTR, RTL], ids=["ltr", "rtl"])
def test_ring_values_sit_beside_the_first_axis_over_the_areas_with_a_halo(
        words: Words) -> None:
    svg = _charts(words)["radar5"]
    root = _root(svg)
    centre = _f(root, "width") / 2
    values = _scale(root)
    assert ["".join(t.itertext()) for t in values] == ["20%", "40%", "60%", "80%", "100%"]
    for text in values:
        x = _f(text[0], "x")
        # Clear of the first axis and of a marker on it (8 px wide), on the second axis' side.
        assert (x - centre) * (-1 if words.rtl else 1) >= 6
        assert text.get("text-anchor") == "start"
        assert text.get("stroke") == charts.BACKGROUND
        assert text.get("paint-order") == "stroke"
    # Drawn after the areas and the markers, so the halo covers their edges.
    assert svg.index('class="scale"') > svg.rindex('class="marker')


@pytest.mark.parametrize("count", range(3, 13))
def test_ring_values_stay_between_the_first_two_axes(count: int) -> None:
    """Each value's box (its width estimated generously, 0.75 em a character) is right of the
    first axis and left of the second, however many axes; the outer rings always have one."""
    root = _root(charts.radar("r", "Radar", [Axis(f"A{i}", 0.5) for i in range(count)]))
    centre_x = _f(root, "width") / 2
    axis = next(line for line in root.iter(f"{NS}line") if _f(line, "x2") > centre_x + 1)
    values = _scale(root)
    assert ["".join(t.itertext()) for t in values][-2:] == ["80%", "100%"]
    for text in values:
        span = text[0]
        left, baseline = _f(span, "x"), _f(span, "y")
        right = left + 0.75 * 10 * len(span.text or "")
        bottom = baseline + 3
        assert left > centre_x + 4
        x1, y1, x2, y2 = (_f(axis, k) for k in ("x1", "y1", "x2", "y2"))
        if y2 < y1 and bottom > y2:
            # The second axis, at the box's lowest height, is right of the box.
            axis_x = x1 + (x2 - x1) * (y1 - bottom) / (y1 - y2)
            assert right < axis_x, (count, span.text)
        assert bottom < y1        # above the centre: clear of the axes below it


def _over(colour: str, under: str, opacity: float) -> str:
    mixed = [round(int(colour[i:i + 2], 16) * opacity + int(under[i:i + 2], 16) * (1 - opacity))
             for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def test_ring_values_meet_the_contrast_rules_on_the_halo_and_on_the_areas() -> None:
    """On their halo (the background) and, where a glyph's inside shows an area, on both
    areas over each other: at least 4.5:1."""
    colour = _scale(_root(_charts(LTR)["radar5"]))[0].get("fill") or ""
    assert charts.contrast_ratio(colour, charts.BACKGROUND) >= 4.5
    areas = _over(charts.PROJECTED, _over(charts.CURRENT, charts.BACKGROUND,
                                          charts.CURRENT_FILL), charts.PROJECTED_FILL)
    assert charts.contrast_ratio(colour, areas) >= 4.5


# --- the comparison's box plot and the trend charts (compare.py, trend.py) -----------------

#: Report languages without their catalogues: the charts' words stay the English msgids, so
#: these tests follow the drawing, not the translations. French writes `42,0 %`.
ENGLISH, FRENCH, ARABIC = (Language.build(code) for code in ("en", "fr", "ar"))
DISTRIBUTIONS = (
    Distribution("dpi", "dpi", 12, 0.05, 0.2, 0.42, 0.61, 0.93, 0.44),
    Distribution("skills", "skills", 3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5),      # a 1.5 px box
    Distribution("gov", "gov", 7, 0.0, 0.1, 0.3, 0.9, 1.0, 0.35),
)
DIMENSION_NAMES = {"dpi": "Digital public infrastructure", "skills": "Skills",
                   "gov": "Governance, leadership and the digital-skills-framework"}
#: A break (2026, hollow), a period without a score (2025), a period named in letters.
HISTORY = DimensionTrend("index", (("2023", 0.2, None, False), ("2024", 0.45, 2, False),
                                   ("2025", None, None, False), ("2026", 0.6, 3, True),
                                   ("FY2027", 0.725, 3, False)))
SINGLE = DimensionTrend("Data", (("2026", 0.5, 1, False),))


def _cohort_charts(language: Language) -> dict[str, str]:
    return {
        "boxplot": _boxplot("box0", "Boxes", DISTRIBUTIONS, DIMENSION_NAMES, language),
        "trend": trend_chart("t0-0", "Trend", HISTORY, language),
        "trend1": trend_chart("t0-1", "Trend", SINGLE, language),
    }


#: sha256 of the SVG the code drew before these charts were mirrored (commit 2e4f866) for
#: `_cohort_charts` in English and in French: left to right, nothing moved.
COHORT_BEFORE = {
    "en": {"boxplot": "aa5398bf04803d66f85400686593147c59e9575316307f97eebdf8b8af40308a",
           "trend": "1d18b691add7b172577794a6fabce1876eec481c592a1d5bd05ea8266e83f68e",
           "trend1": "1ea1e5ae36a5c1dfc13049f8c286fcee25115329e6b84368b7811c2dcd1fcbfe"},
    "fr": {"boxplot": "d9c5b75de1fbdf54beac154891861347539ad0275b75c66bb36cf765cd7d3ab5",
           "trend": "ed7c3834398e9cadf9e3451a8589338a5f2e5793e91a8b378556e048868ed2df",
           "trend1": "73de1240643dbd11fcf603c35e500b28d8ccd3cf4010d0048e558d5ac064a043"},
}


def test_left_to_right_box_plot_and_trend_charts_are_drawn_byte_for_byte_as_before() -> None:
    for code, language in (("en", ENGLISH), ("fr", FRENCH)):
        drawn = _cohort_charts(language)
        assert {name: _sha(svg) for name, svg in drawn.items()} == COHORT_BEFORE[code], code


def _xy(path: str) -> list[tuple[float, float]]:
    """The points of a path of absolute moves and lines (M x y L x y … Z)."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path)]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def _assert_mirror_image(ltr_svg: str, rtl_svg: str) -> Counter[str]:
    """Element by element: every x drawn right to left is width - the x drawn left to right
    (a box's left edge: width - its right edge; every point of a line, polyline and path),
    every y and size the same; every text runs right to left with the same anchor, which SVG
    reads in the text's direction. Returns how many elements of each kind were compared."""
    ltr, rtl = _root(ltr_svg), _root(rtl_svg)
    width = _f(ltr, "width")
    pairs = list(zip(ltr.iter(), rtl.iter(), strict=True))
    assert [a.tag for a, _b in pairs] == [b.tag for _a, b in pairs]

    def mirrored(a: float, b: float, roundings: int = 2) -> bool:
        return abs(b - (width - a)) <= 0.05 * roundings + 1e-6     # each rounded to 0.1

    seen: Counter[str] = Counter()
    for a, b in pairs:
        tag = a.tag.removeprefix(NS)
        for name in ("y", "y1", "y2", "cy", "r", "width", "height", "viewBox"):
            assert a.get(name) == b.get(name), (tag, name, a.attrib, b.attrib)
        if tag == "text":
            assert b.get("direction") == "rtl" and a.get("direction") is None
            assert a.get("text-anchor") == b.get("text-anchor"), (a.attrib, b.attrib)
        elif tag == "tspan":
            assert mirrored(_f(a, "x"), _f(b, "x")), (a.text, a.attrib, b.attrib)
        elif tag == "rect":
            assert mirrored(_f(a, "x") + _f(a, "width"), _f(b, "x"), 3), (a.attrib, b.attrib)
        elif tag == "line":
            assert mirrored(_f(a, "x1"), _f(b, "x1")) and mirrored(_f(a, "x2"), _f(b, "x2"))
        elif tag == "circle":
            assert mirrored(_f(a, "cx"), _f(b, "cx"))
        elif tag in ("polyline", "path"):
            ps = _points(a) if tag == "polyline" else _xy(a.get("d") or "")
            qs = _points(b) if tag == "polyline" else _xy(b.get("d") or "")
            assert ps and all(mirrored(p[0], q[0]) and p[1] == q[1]
                              for p, q in zip(ps, qs, strict=True)), (a.attrib, b.attrib)
        seen[tag] += 1
    return seen


@pytest.mark.parametrize("name", ["boxplot", "trend", "trend1"])
def test_right_to_left_box_plot_and_trend_charts_are_the_mirror_image(name: str) -> None:
    seen = _assert_mirror_image(_cohort_charts(ENGLISH)[name], _cohort_charts(ARABIC)[name])
    wanted = {"boxplot": {"text", "tspan", "rect", "line", "path"},
              "trend": {"text", "tspan", "rect", "line", "circle", "polyline"},
              "trend1": {"text", "tspan", "line", "circle"}}[name]
    assert wanted <= set(seen), seen


def _drawn_texts(root: ET.Element) -> list[tuple[ET.Element, ET.Element, str]]:
    """Each text, its first line and its whole text without isolates."""
    return [(text, span, "".join(text.itertext()).replace(FSI, "").replace(PDI, ""))
            for text, span in _texts(root)]


def _extent(root: ET.Element) -> tuple[float, float]:
    """The plot's left and right ends: those of its lines and boxes."""
    xs = [_f(line, k) for line in root.iter(f"{NS}line") for k in ("x1", "x2")]
    xs += [_f(r, "x") + d for r in root.iter(f"{NS}rect") for d in (0, _f(r, "width"))]
    return min(xs), max(xs)


def test_right_to_left_box_plot_has_its_names_on_the_right_and_its_scale_from_the_right(
        ) -> None:
    for language, rtl in ((ENGLISH, False), (ARABIC, True)):
        root = _root(_cohort_charts(language)["boxplot"])
        plot_left, plot_right = _extent(root)
        texts = _drawn_texts(root)
        names = [(t, s) for t, s, _w in texts if t.get("font-weight") == "600"]
        medians = [(t, s) for t, s, _w in texts if t.get("font-size") == "11.5"]
        scale = [_f(s, "x") for t, s, _w in texts if t.get("font-size") == "11"]
        assert len(names) == len(medians) == 3 and len(scale) == 6
        # The names' anchor is "end" and the medians' "start" either way: SVG reads them in
        # the text's direction, so right to left a name's left end is at x, right of every
        # box, and a median's right end at x, left of every box.
        assert all(t.get("text-anchor") == "end" for t, _s in names)
        assert all(t.get("text-anchor") == "start" for t, _s in medians)
        if rtl:
            assert all(_f(s, "x") > plot_right for _t, s in names)
            assert all(_f(s, "x") < plot_left for _t, s in medians)
        else:
            assert all(_f(s, "x") < plot_left for _t, s in names)
            assert all(_f(s, "x") > plot_right for _t, s in medians)
        # 0 %, 20 %, … 100 %: from the right, right to left.
        assert scale == sorted(scale, reverse=rtl) and len(set(scale)) == 6
        # A box spans its quartiles: its first quartile (20 %) at its right edge right to left.
        box = next(root.iter(f"{NS}rect"))
        q1_edge = _f(box, "x") + (_f(box, "width") if rtl else 0)
        assert q1_edge == pytest.approx(710 - 304 if rtl else 304, abs=0.11)


def test_right_to_left_trend_runs_from_the_right_with_its_scale_on_the_right() -> None:
    for language, rtl in ((ENGLISH, False), (ARABIC, True)):
        root = _root(_cohort_charts(language)["trend"])
        plot_left, plot_right = _extent(root)
        texts = _drawn_texts(root)
        periods = [_f(s, "x") for _t, s, whole in texts
                   if whole in ("2023", "2024", "2025", "2026", "FY2027")]
        assert len(periods) == 5
        assert periods == sorted(periods, reverse=rtl)          # the first on the right
        lines = list(root.iter(f"{NS}polyline"))
        assert len(lines) == 2
        for line in lines:
            xs = [x for x, _y in _points(line)]
            assert xs == sorted(xs, reverse=rtl)
        scale = [(t, s) for t, s, _w in texts if t.get("fill") == charts.MUTED]
        assert len(scale) == 3
        # Anchored "end" in the text's direction: right of the plot, right to left.
        assert all(t.get("text-anchor") == "end" for t, _s in scale)
        assert all((_f(s, "x") > plot_right) if rtl else (_f(s, "x") < plot_left)
                   for _t, s in scale)
        # The hollow marker of 2026 is centred on its period.
        (hollow,) = root.iter(f"{NS}rect")
        assert _f(hollow, "x") + 5 == pytest.approx(periods[3], abs=0.11)


def test_right_to_left_box_plot_and_trend_isolate_left_to_right_lines() -> None:
    """Right to left, a line with no right-to-left letter (an English name, a period such as
    FY2027) is a first-strong isolate, laid out left to right as written, each wrapped line
    on its own; numbers are left to the text's direction. Left to right, nothing is
    isolated."""
    box, line = _cohort_charts(ARABIC)["boxplot"], _cohort_charts(ARABIC)["trend"]
    assert f">{FSI}Digital public{PDI}<" in box and f">{FSI}infrastructure{PDI}<" in box
    assert f"{FSI}the digital-skills-framework{PDI}" in box
    assert f">{FSI}FY2027{PDI}<" in line and ">2026<" in line and ">60.0<" in line
    assert not any(FSI in svg for svg in _cohort_charts(ENGLISH).values())


def test_a_bar_groups_heading_is_punctuated_in_the_reports_language(
        session: Any, builtin_rules: Any) -> None:
    """Arabic writes its comma "،" (and French a no-break space before its colon): the
    heading is one translated message, not English punctuation around translated words."""
    from maturity.i18n import load_language
    from maturity.report import words

    band = Band("الركيزة الأولى", 0.7, "المستوى 2", (("القيادة", 0.8),))
    arabic = charts.element_bars("b", "t", [band], words=words(
        load_language(session, "ar", builtin_rules.packs)))
    heading = re.search(r'font-weight="700"><tspan[^>]*>([^<]*)</tspan>', arabic)
    assert heading is not None
    assert heading.group(1) == f"\u2068{band.label}\u2069: 70%\u060c \u2068{band.level}\u2069"
    # The description screen readers read out, with the language's separators too.
    assert "<desc id=\"b-desc\">الركيزة الأولى: 70% (المستوى 2)؛ القيادة 80%.</desc>" in arabic
    band = Band("Pilier", 0.7, "Niveau 2", (("Pilotage", 0.8),))
    french = charts.element_bars("b", "t", [band], words=words(
        load_language(session, "fr", builtin_rules.packs)))
    assert "Pilier\u00a0: " in french
