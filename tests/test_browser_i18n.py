"""The French and Arabic HTML reports as a reader sees them, in Debian's Chromium (Playwright).

Like tests/test_browser.py: the distribution's browser, kept off the network; screenshots go to
the test's temporary directory (docs/screenshots/*-fr.png and *-ar.png are made by
`scripts/screenshots.py --lang fr --lang ar`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog

import maturity
from maturity.api import Session
from maturity.i18n import load_language, template_catalogue
from maturity.report import render_html
from maturity.ruleset import RuleSet
from tests.browser_kit import MINISTRIES, WatchedPage, launched_browser, needs_chromium
from tests.conftest import EXAMPLES

pytestmark = needs_chromium
LANGUAGES = ("fr", "ar")

#: The page's text without what is English on purpose: texts marked lang="en" (a pack text
#: with no translation, an engine explanation) and ids, keys and hashes in <code>.
VISIBLE_OWN_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[lang="en"], code, .hash, bdi, svg').forEach(e => e.remove());
  document.body.appendChild(copy);
  const text = copy.innerText;
  copy.remove();
  return text;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launched_browser()


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, session: Session,
            builtin_rules: RuleSet) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("reports-i18n")
    out: dict[tuple[str, str], Path] = {}
    for lang in LANGUAGES:
        options = {"packs": list(builtin_rules.packs),
                   "language": load_language(session, lang, builtin_rules.packs)}
        for ministry in MINISTRIES:
            record = maturity.assess(EXAMPLES / ministry, rules=builtin_rules,
                                     session=session, roadmap={}, language=lang).record
            path = folder / f"{ministry}-{lang}.html"
            path.write_bytes(render_html([record], options))
            out[(ministry, lang)] = path
    return out


@pytest.fixture(scope="module")
def english_phrases() -> list[str]:
    """Every run of three or more words between the placeholders of the English messages."""
    catalogue: Catalog = template_catalogue()
    phrases: set[str] = set()
    for message in catalogue:
        for text in (message.id,) if isinstance(message.id, str) else message.id:
            for piece in re.split(r"%\(\w+\)s|%%|[():;,.]", text or ""):
                words = piece.split()
                if len(words) >= 3:
                    phrases.add(" ".join(words))
    return sorted(phrases)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("ministry", MINISTRIES)
def test_report_loads_with_its_language_and_direction(
        browser: Any, reports: dict[tuple[str, str], Path], ministry: str, lang: str,
        tmp_path: Path) -> None:
    watched = WatchedPage(browser)
    page = watched.open(reports[(ministry, lang)])
    assert watched.console == []
    assert [u for u in watched.requests if not u.startswith("file://")] == []
    assert page.evaluate("document.documentElement.lang") == lang
    direction = "rtl" if lang == "ar" else "ltr"
    assert page.evaluate("document.documentElement.dir") == direction
    assert page.evaluate("getComputedStyle(document.body).direction") == direction
    assert page.locator("svg.chart").count() >= 3
    page.screenshot(path=str(tmp_path / f"{ministry}-{lang}.png"), full_page=False)
    watched.page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_template_string_is_left_in_english(
        browser: Any, reports: dict[tuple[str, str], Path], english_phrases: list[str],
        lang: str) -> None:
    for ministry in MINISTRIES:
        watched = WatchedPage(browser)
        text = " ".join(watched.open(reports[(ministry, lang)]).evaluate(
            VISIBLE_OWN_TEXT).split())
        leftovers = [phrase for phrase in english_phrases if phrase in text]
        assert leftovers == [], (ministry, leftovers[:5])
        watched.page.close()


def test_arabic_layout_is_mirrored(browser: Any,
                                   reports: dict[tuple[str, str], Path]) -> None:
    """Right to left, headings start at the right edge and findings carry their status bar on
    the right; left to right (French), the same elements sit on the left."""
    sides: dict[str, dict[str, Any]] = {}
    for lang in LANGUAGES:
        watched = WatchedPage(browser)
        page = watched.open(reports[("ministry-of-health", lang)])
        sides[lang] = page.evaluate("""() => {
          const article = document.querySelector('article.report').getBoundingClientRect();
          const h2 = document.querySelector('#summary-h');
          const range = document.createRange();
          range.selectNodeContents(h2);
          const text = range.getBoundingClientRect();
          const finding = getComputedStyle(document.querySelector('.finding'));
          return {left_gap: text.left - article.left, right_gap: article.right - text.right,
                  border_left: finding.borderLeftWidth, border_right: finding.borderRightWidth};
        }""")
        watched.page.close()
    assert sides["ar"]["right_gap"] < sides["ar"]["left_gap"]
    assert sides["fr"]["left_gap"] < sides["fr"]["right_gap"]
    assert (sides["ar"]["border_right"], sides["ar"]["border_left"]) == ("5px", "1px")
    assert (sides["fr"]["border_left"], sides["fr"]["border_right"]) == ("5px", "1px")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_chart_labels_stay_inside_their_chart(
        browser: Any, reports: dict[tuple[str, str], Path], lang: str) -> None:
    """Every label of every chart is drawn inside the chart, right to left included (its
    direction is the page's, with anchors mirrored so labels keep their side)."""
    watched = WatchedPage(browser)
    page = watched.open(reports[("ministry-of-finance", lang)])
    result = page.evaluate("""() => {
      const out = {outside: [], directions: new Set(), labels: 0};
      for (const svg of document.querySelectorAll('svg.chart')) {
        const box = svg.getBoundingClientRect();
        for (const text of svg.querySelectorAll('text')) {
          if (!text.textContent.trim()) continue;
          out.labels += 1;
          out.directions.add(getComputedStyle(text).direction);
          const r = text.getBoundingClientRect();
          if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
              || r.bottom > box.bottom + 1) out.outside.push(text.textContent);
        }
      }
      return {outside: out.outside, directions: [...out.directions], labels: out.labels};
    }""")
    watched.page.close()
    assert result["labels"] > 50
    assert result["outside"] == []
    assert result["directions"] == ["rtl" if lang == "ar" else "ltr"]


def test_arabic_text_is_drawn_with_an_arabic_font(
        browser: Any, reports: dict[tuple[str, str], Path]) -> None:
    """The fonts Chromium actually used for an Arabic heading and chart label (asked through
    the DevTools protocol) have glyphs for every letter: no empty boxes."""
    watched = WatchedPage(browser)
    page = watched.open(reports[("ministry-of-health", "ar")])
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    for selector in ("#summary-h", "svg.radar text[font-weight=\"600\"]"):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        text = page.locator(selector).first.text_content() or ""
        letters = sum(1 for c in text if "\u0600" <= c <= "\u06ff")
        assert letters > 3, (selector, text)
        assert sum(f["glyphCount"] for f in fonts) >= letters, (selector, fonts)
        assert not any("Last Resort" in f["familyName"] for f in fonts), fonts
    watched.page.close()
