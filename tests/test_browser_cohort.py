"""Comparison and trend reports as a reader sees them, in Debian's Chromium (Playwright), in
every language: each chart label is drawn inside its chart and on its side of the plot, right
to left included (the charts are mirrored, their text runs in the page's direction).

The reports are made by the command line from real records of the example ministries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from maturity.cli import main
from tests.browser_kit import MINISTRIES, WatchedPage, launched_browser, needs_chromium
from tests.conftest import EXAMPLES

pytestmark = needs_chromium
LANGUAGES = ("en", "fr", "ar")

#: Every text of the page's charts: its box, the chart's box and the chart's own width (the
#: SVG's coordinates, to place the plot's edges on the screen).
LABELS = """() => [...document.querySelectorAll('svg')].map(svg => {
  const box = svg.getBoundingClientRect();
  const scale = box.width / svg.width.baseVal.value;
  return {cls: svg.getAttribute('class') || '', left: box.left, right: box.right,
          top: box.top, bottom: box.bottom, scale,
          texts: [...svg.querySelectorAll('text')].filter(t => t.textContent.trim()).map(t => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, left: r.left, right: r.right, top: r.top,
                    bottom: r.bottom, x: t.querySelector('tspan') ?
                      Number(t.querySelector('tspan').getAttribute('x')) :
                      Number(t.getAttribute('x')),
                    direction: getComputedStyle(t).direction};
          })};
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("cohort")
    records = folder / "records"
    records.mkdir()
    for ministry in MINISTRIES:
        assert main(["assess", str(EXAMPLES / ministry), "--no-roadmap",
                     "-o", str(records / f"{ministry}.json")]) == 0
    # The finance ministry a year before: the same record, one period earlier.
    latest = json.loads((records / "ministry-of-finance.json").read_bytes())
    earlier = {**latest, "assessment": {**latest["assessment"], "as_of": "2025-10-31",
                                        "period": "2025"}}
    history = folder / "history"
    history.mkdir()
    (history / "2025.json").write_text(json.dumps(earlier), encoding="utf-8")
    (history / "2026.json").write_bytes((records / "ministry-of-finance.json").read_bytes())
    out: dict[tuple[str, str], Path] = {}
    for lang in LANGUAGES:
        out[("compare", lang)] = folder / f"compare-{lang}.html"
        assert main(["compare", str(records), "--lang", lang,
                     "-o", str(out[("compare", lang)])]) == 0
        out[("trend", lang)] = folder / f"trend-{lang}.html"
        assert main(["trend", str(history / "2025.json"), str(history / "2026.json"),
                     "--lang", lang, "-o", str(out[("trend", lang)])]) == 0
    return out


def _charts(browser: Any, path: Path) -> list[dict[str, Any]]:
    watched = WatchedPage(browser)
    page = watched.open(path)
    charts: list[dict[str, Any]] = page.evaluate(LABELS)
    assert watched.console == []
    watched.page.close()
    return charts


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["compare", "trend"])
def test_chart_labels_stay_inside_their_chart_in_the_page_direction(
        browser: Any, pages: dict[tuple[str, str], Path], kind: str, lang: str) -> None:
    charts = _charts(browser, pages[(kind, lang)])
    labels = [(chart, t) for chart in charts for t in chart["texts"]]
    assert len(labels) > 20
    outside = [(t["text"], t, {k: chart[k] for k in ("left", "right", "top", "bottom")})
               for chart, t in labels
               if t["left"] < chart["left"] - 1 or t["right"] > chart["right"] + 1
               or t["top"] < chart["top"] - 1 or t["bottom"] > chart["bottom"] + 1]
    assert outside == []
    assert {t["direction"] for _chart, t in labels} == {"rtl" if lang == "ar" else "ltr"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_labels_keep_their_side_of_the_plot(
        browser: Any, pages: dict[tuple[str, str], Path], lang: str) -> None:
    """A dimension's name ends before its box plot begins, and the median printed after the
    plot starts after it; a trend's scale ends before its plot. Right to left the charts are
    mirrored (x becomes width - x): the names and a trend's scale are right of the plot."""
    rtl = lang == "ar"
    boxplots = [c for c in _charts(browser, pages[("compare", lang)]) if "boxplot" in c["cls"]]
    assert len(boxplots) == 2                                   # one per pack
    for boxplot in boxplots:
        def at(x: float, chart: dict[str, Any] = boxplot) -> float:
            """Where x, placed left to right in the 710 px chart, is on the screen."""
            return float(chart["left"] + (710 - x if rtl else x) * chart["scale"])

        names = [t for t in boxplot["texts"] if t["x"] == (500 if rtl else 210)]
        medians = [t for t in boxplot["texts"] if t["x"] == (62 if rtl else 648)]
        assert len(names) == len(medians) >= 3
        if rtl:
            assert all(t["left"] >= at(220) - 1 for t in names), names
            assert all(t["right"] <= at(640) + 1 for t in medians), medians
        else:
            assert all(t["right"] <= at(220) + 1 for t in names), names
            assert all(t["left"] >= at(640) - 1 for t in medians), medians
    for chart in _charts(browser, pages[("trend", lang)]):
        scale = [t for t in chart["texts"] if t["x"] == (302 if rtl else 38)]
        assert len(scale) == 3
        if rtl:
            assert all(t["left"] >= chart["left"] + 296 * chart["scale"] - 1 for t in scale)
        else:
            assert all(t["right"] <= chart["left"] + 44 * chart["scale"] + 1 for t in scale)
