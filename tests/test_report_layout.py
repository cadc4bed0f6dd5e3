"""The HTML reports' layout on a phone and on paper, in Debian's Chromium (Playwright).

On a 390 px screen nothing but a table or a chart's own box scrolls sideways; in print
nothing is cut by a scroll box, the comparison is on A4 landscape, headings and captions stay
with what follows them. Plus the words the templates join (a space after an `{% endif %}`)
and the landmarks and captions a screen reader relies on. The reports are made by the
command line from the example ministries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maturity.cli import main
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
