"""The HTML reports' layout on a phone and on paper, in Debian's Chromium (Playwright).

On a 390 px screen nothing but a table or a chart's own box scrolls sideways; in print
nothing is cut by a scroll box, the comparison is on A4 landscape, headings and captions stay
with what follows them. Plus the words the templates join (a space after an `{% endif %}`)
and the landmarks and captions a screen reader relies on. The reports are made by the
command line from the example ministries. And the charts as drawn: in Arabic they read from
the right; the radar's ring values clear its axes and labels.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maturity import charts
from maturity.cli import main
from maturity.i18n import Language
from maturity.report import words
from tests.browser_kit import WatchedPage, launched_browser, needs_chromium
from tests.conftest import EXAMPLES

PHONE = 390
#: Where a box cuts off part of an element: every ancestor that clips (overflow other than
#: visible) and does not hold the element's whole box.
CLIPPED = """el => {
  const box = el.getBoundingClientRect();
  const cut = [];
  for (let a = el.parentElement; a; a = a.parentElement) {
    const style = getComputedStyle(a);
    if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
    if (a === document.body || a === document.documentElement) continue;
    const r = a.getBoundingClientRect();
    if (box.left < r.left - 0.5 || box.right > r.left + a.clientWidth + 0.5)
      cut.push(a.tagName + '.' + a.className);
  }
  return cut;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("layout")
    records, html = folder / "records", folder / "html"
    assert main(["assess", str(EXAMPLES), "-o", str(records)]) == 0
    assert main(["assess", str(EXAMPLES / "ministry-of-health"), "--format", "html",
                 "-o", str(html / "ministry-of-health.html")]) == 0
    out = {"assessment": html / "ministry-of-health.html",
           "compare": folder / "compare.html", "anonymised": folder / "anonymised.html",
           "trend": folder / "trend.html"}
    assert main(["compare", str(records), "-o", str(out["compare"])]) == 0
    assert main(["compare", str(records), "--anonymise-below", "5",
                 "-o", str(out["anonymised"])]) == 0
    latest = json.loads((records / "ministry-of-finance.json").read_bytes())
    earlier = {**latest, "assessment": {**latest["assessment"], "as_of": "2025-10-31",
                                        "period": "2025"}}
    (folder / "2025.json").write_text(json.dumps(earlier), encoding="utf-8")
    assert main(["trend", str(folder / "2025.json"), str(records / "ministry-of-finance.json"),
                 "-o", str(out["trend"])]) == 0
    return out


def _text(path: Path) -> str:
    """The page's text as read: tags dropped, runs of white space made one space."""
    html = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_words_joined_across_template_tags_keep_their_space(pages: dict[str, Path]) -> None:
    assert "in every dimension. Greedy by gain" in _text(pages["assessment"])
    assert "not shown; group averages" in _text(pages["anonymised"])


@needs_chromium
@pytest.mark.parametrize("name", ["assessment", "compare", "trend"])
def test_a_phone_scrolls_tables_and_charts_in_their_own_box(
        browser: Any, pages: dict[str, Path], name: str) -> None:
    watched = WatchedPage(browser, width=PHONE)
    page = watched.open(pages[name])
    # The page itself never scrolls sideways: a wide table scrolls inside its container.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    assert page.evaluate("""[...document.querySelectorAll('table')]
        .filter(t => t.getBoundingClientRect().width > innerWidth)
        .every(t => t.parentElement.scrollWidth > t.parentElement.clientWidth
                    && getComputedStyle(t.parentElement).overflowX === 'auto')""")
    if name == "assessment":
        # Charts keep a width at which their labels can be read, and scroll instead.
        widths = [svg.bounding_box()["width"] for svg in page.locator("figure svg").all()]
        assert widths and min(widths) >= 600
    assert watched.console == []
    watched.page.close()


@needs_chromium
def test_the_comparison_prints_whole_on_a4_landscape(
        browser: Any, pages: dict[str, Path]) -> None:
    # A window about as wide as A4 portrait: the ranking is wider at screen size.
    watched = WatchedPage(browser, width=800)
    page = watched.open(pages["compare"])
    page.emulate_media(media="print")
    headers = page.locator("table.ranking thead th").all()
    assert len(headers) > 2 * 6  # six columns per pack, and each pack's dimensions
    for th in headers:
        assert th.is_visible()
        assert th.evaluate(CLIPPED) == [], th.text_content()
    width = page.evaluate("document.documentElement.clientWidth")
    assert max(th.bounding_box()["x"] + th.bounding_box()["width"] for th in headers) <= width
    # The first pack starts on the first page, under the title; later packs on a new page.
    assert page.evaluate("""[...document.querySelectorAll('main > section > h2')]
        .map(h => getComputedStyle(h).breakBefore)""") == ["auto", "page"]
    assert page.evaluate("""[...document.querySelectorAll('h2, h3')]
        .every(h => getComputedStyle(h).breakAfter === 'avoid')""")
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    # A4 landscape in points: 842 x 595.
    assert re.search(rb"/MediaBox \[0 0 841\.9\d* 594\.9\d*\]", pdf)
    assert watched.console == []
    watched.page.close()


@needs_chromium
def test_the_assessment_keeps_headings_and_table_headers_with_their_rows_in_print(
        browser: Any, pages: dict[str, Path]) -> None:
    watched = WatchedPage(browser)
    page = watched.open(pages["assessment"])
    page.emulate_media(media="print")
    assert page.evaluate("""[...document.querySelectorAll('caption, h2, h3, .phase-head')]
        .every(e => getComputedStyle(e).breakAfter === 'avoid')""")
    assert page.evaluate("""[...document.querySelectorAll('thead')]
        .every(e => getComputedStyle(e).display === 'table-header-group')""")
    assert page.evaluate("""[...document.querySelectorAll('.scroll')]
        .every(e => getComputedStyle(e).overflowX === 'visible')""")
    watched.page.close()


@needs_chromium
def test_landmarks_captions_and_contents(browser: Any, pages: dict[str, Path]) -> None:
    for name in ("assessment", "compare", "trend"):
        watched = WatchedPage(browser)
        page = watched.open(pages[name])
        assert page.locator("main").count() == 1, name
        assert page.evaluate("[...document.querySelectorAll('table')].every(t => t.caption)")
        assert page.evaluate("""[...document.querySelectorAll('caption')]
            .every(c => c.textContent.trim())""")
        if name == "assessment":
            # Each entry of the contents reads as the heading of the section it leads to.
            links = page.locator("nav.contents a").all()
            assert links
            for link in links:
                target = (link.get_attribute("href") or "#")[1:]
                heading = page.locator(f"[id='{target}'] > h2")
                assert (link.text_content() or "").lower() in (
                    heading.text_content() or "").lower(), target
        watched.page.close()


# --- charts right to left, and the radar's ring values -------------------------------------

#: Each radar's axis lines and ring values, in the SVG's own units (getBBox: the text's
#: glyph cells, as drawn), and every other text's box.
RADARS = """() => [...document.querySelectorAll('svg.radar')].map(svg => {
  const box = e => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
  const rings = [...svg.querySelectorAll('g.grid text, g.scale text')];
  return {
    axes: [...svg.querySelectorAll('g.grid line')].map(l =>
      ['x1', 'y1', 'x2', 'y2'].map(k => l[k].baseVal.value)),
    rings: rings.map(t => ({text: t.textContent, box: box(t),
                            paint: getComputedStyle(t).paintOrder,
                            halo: getComputedStyle(t).stroke})),
    others: [...svg.querySelectorAll('text')].filter(t => !rings.includes(t)
      && t.textContent.trim()).map(t => ({text: t.textContent, box: box(t)})),
  };
})"""


@pytest.fixture(scope="module")
def charted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The health ministry's assessment with its roadmap, in English and in Arabic."""
    folder = tmp_path_factory.mktemp("charted")
    out = {}
    for lang in ("en", "ar"):
        out[lang] = folder / f"ministry-of-health-{lang}.html"
        assert main(["assess", str(EXAMPLES / "ministry-of-health"), "--format", "html",
                     "--lang", lang, "-o", str(out[lang])]) == 0
    return out


def _crosses(segment: list[float], box: list[float]) -> bool:
    """Whether a line segment meets a box (Liang-Barsky clipping)."""
    x1, y1, x2, y2 = segment
    left, top, right, bottom = box
    low, high = 0.0, 1.0
    for p, q in ((x1 - x2, x1 - left), (x2 - x1, right - x1), (y1 - y2, y1 - top),
                 (y2 - y1, bottom - y1)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            low = max(low, t)
        else:
            high = min(high, t)
        if low > high:
            return False
    return True


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_roadmap_timeline_runs_in_the_reading_direction(
        browser: Any, charted: dict[str, Path], lang: str) -> None:
    """Right to left, the first phase is drawn right of the last, and so is the start of each
    framework's projected index; left to right, the other way round."""
    watched = WatchedPage(browser)
    page = watched.open(charted[lang])
    found = page.evaluate("""() => {
      const svg = document.querySelector('svg.timeline');
      const heads = [...svg.querySelectorAll('text')]
        .filter(t => t.querySelector('tspan').getAttribute('y') === '22')
        .map(t => { const r = t.getBoundingClientRect(); return (r.left + r.right) / 2; });
      const index = [...svg.querySelectorAll('polyline.series.index')].map(line =>
        [...line.points].map(p => p.x));
      return {heads, index};
    }""")
    assert watched.console == []
    watched.page.close()
    heads, index = found["heads"], found["index"]
    assert len(heads) >= 3 and index
    if lang == "ar":
        assert heads == sorted(heads, reverse=True)
        assert all(xs[0] > xs[-1] for xs in index)
    else:
        assert heads == sorted(heads)
        assert all(xs[0] < xs[-1] for xs in index)


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_radar_ring_values_clear_the_axis_lines_and_have_a_halo(
        browser: Any, charted: dict[str, Path], lang: str) -> None:
    """In the report, no ring value crosses an axis line or another label, and each has a
    stroke of the background painted under its glyphs, so that an area's edge crossing it
    does not hide it."""
    watched = WatchedPage(browser)
    radars = watched.open(charted[lang]).evaluate(RADARS)
    watched.page.close()
    assert len(radars) == 2
    for radar in radars:
        assert len(radar["rings"]) >= 3
        for ring in radar["rings"]:
            crossed = [axis for axis in radar["axes"] if _crosses(axis, ring["box"])]
            assert crossed == [], (ring, crossed)
            touched = [o["text"] for o in radar["others"] if _overlap(o["box"], ring["box"])]
            assert touched == [], (ring, touched)
            assert ring["paint"].startswith("stroke"), ring
            assert ring["halo"] == "rgb(255, 255, 255)", ring


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_radar_ring_values_clear_the_axis_lines_with_any_number_of_axes(
        browser: Any, tmp_path: Path, lang: str) -> None:
    """Radars of 3 to 12 axes in the report's language, as Chromium draws their text: no ring
    value crosses an axis line or a label, and the outer rings always have theirs."""
    language = Language.build(lang)
    radars = "".join(
        charts.radar(f"r{count}", "Radar",
                     [charts.Axis(f"Dimension {i}", 0.5, 0.7) for i in range(count)],
                     words=words(language))
        for count in range(3, 13))
    path = tmp_path / "radars.html"
    path.write_text(f'<!doctype html><html lang="{lang}" dir="{language.direction}">'
                    f'<meta charset="utf-8"><title>radars</title><body>{radars}</body></html>',
                    encoding="utf-8")
    watched = WatchedPage(browser)
    found = watched.open(path).evaluate(RADARS)
    watched.page.close()
    assert len(found) == 10
    for count, radar in enumerate(found, start=3):
        assert len(radar["rings"]) >= 2, count
        for ring in radar["rings"]:
            crossed = [axis for axis in radar["axes"] if _crosses(axis, ring["box"])]
            assert crossed == [], (count, ring, crossed)
            touched = [o["text"] for o in radar["others"] if _overlap(o["box"], ring["box"])]
            assert touched == [], (count, ring, touched)


@needs_chromium
def test_arabic_heatmap_and_bars_read_from_the_right(
        browser: Any, charted: dict[str, Path]) -> None:
    """As Chromium draws them: the heatmap's row names right of its cells, its first column
    rightmost; element names right of their bars, every bar starting at its track's right
    end."""
    watched = WatchedPage(browser)
    page = watched.open(charted["ar"])
    found = page.evaluate("""() => {
      const box = e => e.getBoundingClientRect();
      const heat = document.querySelector('svg.heatmap');
      const cells = [...heat.querySelectorAll('rect.cell')];
      const bars = document.querySelector('svg.bars');
      const tracks = [...bars.querySelectorAll('rect[aria-hidden]')]
        .filter(r => r.getAttribute('fill') === '#f0f0f0');
      return {
        cells_right: Math.max(...cells.map(c => box(c).right)),
        first_column: Math.min(...cells.filter(c => c.dataset.column === '0')
          .map(c => box(c).left)),
        other_columns: Math.max(...cells.filter(c => c.dataset.column !== '0')
          .map(c => box(c).right)),
        names_left: [...heat.querySelectorAll('text[text-anchor="end"][font-weight="600"]')]
          .map(t => box(t).left),
        tracks_right: Math.max(...tracks.map(t => box(t).right)),
        bar_ends: [...bars.querySelectorAll('rect.bar')].map(b => box(b).right),
        bar_starts: [...bars.querySelectorAll('rect.bar')].map(b => box(b).left),
        tracks_left: Math.min(...tracks.map(t => box(t).left)),
      };
    }""")
    watched.page.close()
    assert len(found["names_left"]) >= 3
    assert min(found["names_left"]) >= found["cells_right"]
    assert found["first_column"] >= found["other_columns"] - 0.5
    assert found["bar_ends"] and all(abs(end - found["tracks_right"]) < 0.5
                                     for end in found["bar_ends"])
    assert min(found["bar_starts"]) > found["tracks_left"]


# --- the comparison's box plot and the trend charts, right to left -------------------------

#: Each trend chart's periods (the bottom row of text) and markers, by their centres on the
#: screen, in the order drawn (the first period first); its scale's and grid lines' extents.
TRENDS = """() => [...document.querySelectorAll('svg.trend')].map(svg => {
  const extent = e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; };
  const centre = e => { const [l, r] = extent(e); return (l + r) / 2; };
  const y = t => Number(t.querySelector('tspan').getAttribute('y'));
  const texts = [...svg.querySelectorAll('text')];
  const bottom = Math.max(...texts.map(y));
  return {periods: texts.filter(t => y(t) === bottom).map(centre),
          markers: [...svg.querySelectorAll('circle, rect')].map(centre),
          scale: texts.filter(t => t.getAttribute('fill') === '#595959').map(extent),
          grid: [...svg.querySelectorAll('line')].map(extent)};
})"""
#: Each box plot's rows (the name, the median and the shapes of a box, by their extents on
#: the screen) and its scale's labels from 0 % to 100 %.
BOXPLOTS = """() => [...document.querySelectorAll('svg.boxplot')].map(svg => {
  const extent = e => { const r = e.getBoundingClientRect(); return [r.left, r.right]; };
  return {rows: [...svg.querySelectorAll('g.box')].map(g => {
            const texts = [...g.querySelectorAll('text')];
            return {name: extent(texts[0]), median: extent(texts[texts.length - 1]),
                    shapes: [...g.querySelectorAll('rect, line, path')].map(extent)};
          }),
          scale: [...svg.querySelectorAll(':scope > text')].map(extent)};
})"""


@pytest.fixture(scope="module")
def cohort(pages: dict[str, Path]) -> dict[tuple[str, str], Path]:
    """The comparison and the trend of `pages`, in English (made there) and in Arabic."""
    folder = pages["compare"].parent
    out = {("compare", "en"): pages["compare"], ("trend", "en"): pages["trend"],
           ("compare", "ar"): folder / "compare-ar.html", ("trend", "ar"): folder / "trend-ar.html"}
    assert main(["compare", str(folder / "records"), "--lang", "ar",
                 "-o", str(out[("compare", "ar")])]) == 0
    assert main(["trend", str(folder / "2025.json"),
                 str(folder / "records" / "ministry-of-finance.json"), "--lang", "ar",
                 "-o", str(out[("trend", "ar")])]) == 0
    return out


def _evaluated(browser: Any, path: Path, script: str) -> list[dict[str, Any]]:
    watched = WatchedPage(browser)
    found: list[dict[str, Any]] = watched.open(path).evaluate(script)
    assert watched.console == []
    watched.page.close()
    return found


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_trend_charts_run_in_the_reading_direction(
        browser: Any, cohort: dict[tuple[str, str], Path], lang: str) -> None:
    """Right to left, a trend's first period and its marker are drawn right of the last and
    its scale right of the plot; left to right, the other way round."""
    trends = _evaluated(browser, cohort[("trend", lang)], TRENDS)
    assert len(trends) >= 3
    for chart in trends:
        periods, markers = chart["periods"], chart["markers"]
        assert len(periods) == len(markers) == 2           # 2025 and 2026
        plot_left = min(left for left, _right in chart["grid"])
        plot_right = max(right for _left, right in chart["grid"])
        assert len(chart["scale"]) == 3
        if lang == "ar":
            assert periods[0] > periods[-1] and markers[0] > markers[-1]
            assert all(left >= plot_right - 0.5 for left, _right in chart["scale"])
        else:
            assert periods[0] < periods[-1] and markers[0] < markers[-1]
            assert all(right <= plot_left + 0.5 for _left, right in chart["scale"])


@needs_chromium
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_box_plot_names_sit_on_the_reading_side_of_the_boxes(
        browser: Any, cohort: dict[tuple[str, str], Path], lang: str) -> None:
    """Right to left, every dimension's name is right of every box, its median left of them,
    and the scale runs from 0 % on the right; left to right, the other way round."""
    boxplots = _evaluated(browser, cohort[("compare", lang)], BOXPLOTS)
    assert len(boxplots) >= 2                                   # one per pack
    for boxplot in boxplots:
        rows = boxplot["rows"]
        assert len(rows) >= 3
        left = min(s[0] for row in rows for s in row["shapes"])
        right = max(s[1] for row in rows for s in row["shapes"])
        scale = [(a + b) / 2 for a, b in boxplot["scale"]]
        assert len(scale) == 6                                   # 0 %, 20 %, … 100 %
        if lang == "ar":
            assert all(row["name"][0] >= right for row in rows), rows
            assert all(row["median"][1] <= left for row in rows), rows
            assert scale == sorted(scale, reverse=True)
        else:
            assert all(row["name"][1] <= left for row in rows), rows
            assert all(row["median"][0] >= right for row in rows), rows
            assert scale == sorted(scale)
