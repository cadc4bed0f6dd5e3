"""The HTML report as a person sees it: Debian's Chromium, driven by Playwright.

The browser is the distribution's (`apt-get install chromium`, as scripts/test.sh does), never
one downloaded by `playwright install`; the launch flags keep it off the network
(../shared/RECIPES.md). Screenshots go to the test's temporary directory; the ones in
docs/screenshots/ are made by scripts/screenshots.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import maturity
from maturity.api import Session
from maturity.report import render_html
from maturity.ruleset import RuleSet
from tests.browser_kit import MINISTRIES, WatchedPage, launched_browser, needs_chromium
from tests.conftest import EXAMPLES

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, session: Session,
            builtin_rules: RuleSet) -> dict[str, tuple[Path, dict[str, Any]]]:
    folder = tmp_path_factory.mktemp("reports")
    out: dict[str, tuple[Path, dict[str, Any]]] = {}
    for ministry in MINISTRIES:
        record = maturity.assess(EXAMPLES / ministry, rules=builtin_rules, session=session,
                                 roadmap={}).record
        path = folder / f"{ministry}.html"
        path.write_bytes(render_html([record], {"packs": list(builtin_rules.packs)}))
        out[ministry] = (path, record)
    return out


@pytest.mark.parametrize("ministry", MINISTRIES)
def test_report_loads_alone_with_no_errors_and_no_requests(
        browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]], ministry: str) -> None:
    path, _record = reports[ministry]
    watched = WatchedPage(browser)
    page = watched.open(path)
    assert watched.console == []
    # The page itself and nothing else: no font, style, script or image from anywhere.
    assert watched.requests == [path.as_uri()]
    assert page.evaluate("document.documentElement.lang") == "en"
    # Readable on a laptop screen: nothing sticks out sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    watched.page.close()


def test_charts_hold_the_expected_elements(
        browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    path, record = reports["ministry-of-health"]
    watched = WatchedPage(browser)
    page = watched.open(path)
    radar = page.locator("svg.radar").first
    for series in ("current", "projected"):
        points = radar.locator(f"polygon.series.{series}").get_attribute("points") or ""
        assert len(points.split()) == 6
    assert radar.locator("circle.marker.current").count() == 6
    assert page.locator("svg.heatmap rect.cell").count() == 6 * 4
    talent = record["scores"]["oecd-digital-talent"]["dimensions"]
    elements = sum(len(d["facets"]) for d in talent.values())
    assert page.locator("svg.bars rect.bar").count() == elements
    timeline = page.locator("svg.timeline")
    assert timeline.locator("polyline.series.index").count() == len(record["packs"])
    critical = record["roadmap"]["critical_path"]["actions"]
    assert timeline.locator("path.critical-step").count() == len(critical)
    # Every chart is an image with a name and a description a screen reader can read.
    for svg in page.locator("svg").all():
        assert svg.get_attribute("role") == "img"
        title_id, desc_id = (svg.get_attribute("aria-labelledby") or "").split()
        assert (page.locator(f"#{title_id}").text_content() or "").strip()
        assert (page.locator(f"#{desc_id}").text_content() or "").strip()
        assert svg.bounding_box()["width"] > 200
    watched.page.close()


def test_headings_and_landmarks_are_in_order(
        browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]]) -> None:
    path, _record = reports["ministry-of-culture"]
    watched = WatchedPage(browser)
    page = watched.open(path)
    levels = page.evaluate(
        "[...document.querySelectorAll('h1,h2,h3,h4')].map(h => Number(h.tagName[1]))")
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert page.locator("nav[aria-label]").count() == 1
    # Every table has a caption, every column header a scope.
    assert page.evaluate("[...document.querySelectorAll('table')].every(t => t.caption)")
    assert page.evaluate(
        "[...document.querySelectorAll('thead th')].every(th => th.getAttribute('scope'))")
    watched.page.close()


def test_print_to_pdf_on_a4_and_screenshot(
        browser: Any, reports: dict[str, tuple[Path, dict[str, Any]]], tmp_path: Path) -> None:
    path, _record = reports["ministry-of-finance"]
    watched = WatchedPage(browser)
    page = watched.open(path)
    shot = tmp_path / "finance.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000
    page.emulate_media(media="print")
    assert page.locator("nav.contents").is_hidden()
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf[:5] == b"%PDF-"
    pages = pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page/") + pdf.count(b"/Type /Page ")
    assert pages >= 3
    # A4 in points: 595 x 842.
    assert b"/MediaBox [0 0 594.95996 841.91998]" in pdf or b"/MediaBox [0 0 595" in pdf
    assert watched.console == []
    watched.page.close()
