"""Compare and trend write numbers as the report's language does (`54,0 %` in French), in
their tables and in their charts' labels, titles and descriptions; CSV stays machine-readable.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import parse_decimal
from hypothesis import example, given, settings
from hypothesis import strategies as st

from maturity.compare import compare, render_comparison
from maturity.i18n import Language, message_catalogue
from maturity.trend import render_trend, trend

DIMS = ("d-one", "d-two")
FR_SPACES = "\u00a0\u202f"


def record(org: str, index: float, dims: tuple[float, float], *, as_of: str = "2026-10-31",
           version: str = "1.0.0") -> dict[str, Any]:
    return {
        "organisation": {"id": org, "name": org.title(), "kind": "ministry", "parent": "gov"},
        "assessment": {"as_of": as_of, "period": as_of[:4]},
        "packs": [{"id": "p", "version": version, "sha256": version * 8}],
        "scoring": {"model": "oecd-dgi", "settings": {"level_threshold": 0.75}},
        "scores": {"p": {"index": index, "dimensions": {
            d: {"score": s, "level": 2, "facets": {}, "counted": 1}
            for d, s in zip(DIMS, dims, strict=True)}}},
        "outcomes": [],
    }


def language(code: str) -> Language:
    """A report language with its compiled messages, as `--lang` loads it."""
    return Language.build(code, mo=message_catalogue(code))


@pytest.fixture(scope="module")
def french() -> Language:
    return language("fr")


def _text_nodes(markup: str) -> list[str]:
    """What a reader sees or hears: text between tags (titles and descriptions included),
    never attribute values such as SVG coordinates."""
    return [t for t in re.findall(r">([^<>]+)<", markup) if t.strip()]


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", page, re.S)


def _french_percents(text: str) -> list[Decimal]:
    """Every French percentage in `text` (`54,0 %`), as a share."""
    found = re.findall(rf"(\d+(?:,\d+)?)[{FR_SPACES}]%", text)
    return [parse_decimal(n, locale="fr") / 100 for n in found]


COHORT = [record("a", 0.125, (0.5, 0.254)), record("b", 0.75, (0.875, 0.6)),
          record("c", 0.4, (0.3333, 0.95))]


def test_compare_in_french_writes_french_numbers_in_tables_and_charts(french: Language) -> None:
    result = compare(COHORT)
    page = render_comparison(result, "html", french).decode()
    (boxplot,) = [s for s in _svgs(page) if 'class="boxplot"' in s]
    seen = " ".join(_text_nodes(boxplot))
    # No English decimal left where people read, and every statistic in French.
    assert not re.search(r"\d\.\d", seen), seen
    first = result.packs[0].distributions[0]
    assert (f"d-one\u00a0: médiane {french.percent(first.median)}, quartiles de "
            f"{french.percent(first.q1)} à {french.percent(first.q3)}") in seen
    assert french.percent(first.median) == "50,0\u00a0%"
    assert "0\u00a0%" in seen and "100\u00a0%" in seen                  # the scale
    # The tables too (ranking, distribution, groups), and the heatmap.
    cells = [t for part in re.findall(r"<table.*?</table>|<svg.*?</svg>", page, re.S)
             for t in _text_nodes(part)]
    assert not [t for t in cells if re.search(r"\d\.\d", t)]
    assert "87,5" in cells and "25,4" in cells


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=12))
@example([(0.0, 0.0), (0.0, 0.55)])  # a quartile of 0.41250000000000003
def test_the_boxplot_says_each_statistic_in_french_to_a_tenth_of_a_point(
        scores: list[tuple[float, float]]) -> None:
    """Read back, the French numbers of the chart's description are the distribution's."""
    result = compare([record(f"o{i:02d}", a, (a, b)) for i, (a, b) in enumerate(scores)])
    page = render_comparison(result, "html", language("fr")).decode()
    (boxplot,) = [s for s in _svgs(page) if 'class="boxplot"' in s]
    desc = re.search(r"<desc[^>]*>([^<]*)</desc>", boxplot)
    assert desc is not None
    said = _french_percents(desc.group(1))
    # Rounded as the decimal the number prints as (0.41250000000000003 is 41.3 %), not as
    # its binary product with 100 (41.25, which rounds to 41.2).
    wanted = [(Decimal(repr(getattr(d, name))) * 100).quantize(Decimal("0.1")) / 100
              for d in result.packs[0].distributions
              for name in ("median", "q1", "q3", "minimum", "maximum", "mean")]
    assert [s.quantize(Decimal("0.001")) for s in said] == [
        w.quantize(Decimal("0.001")) for w in wanted]


def test_large_counts_are_grouped_as_the_language_groups_them(french: Language) -> None:
    cohort = [record(f"o{i:04d}", (i % 100) / 100, (0.5, 0.5)) for i in range(1200)]
    markdown = render_comparison(compare(cohort), "md", french).decode()
    assert markdown.startswith(f"# Comparaison de {french.number(1200)} organismes")
    assert french.number(1200) == "1\u202f200"
    assert f"| {french.number(1200)} |" in markdown               # a distribution's count


def test_csv_keeps_dot_decimals_whatever_the_language(french: Language) -> None:
    result = compare(COHORT)
    assert render_comparison(result, "csv", french) == render_comparison(result, "csv")
    rows = list(csv.DictReader(io.StringIO(render_comparison(result, "csv", french).decode())))
    assert {r["value"] for r in rows if (r["section"], r["statistic"]) == ("score", "index")
            } == {"0.125", "0.75", "0.4"}
    history = trend([record("a", 0.45, (0.5, 0.25)), record("a", 0.5, (0.5, 0.3),
                                                          as_of="2027-10-31")])
    assert render_trend(history, "csv", french) == render_trend(history, "csv")
    assert b",0.45," in render_trend(history, "csv", french)


def test_trend_in_french_writes_french_numbers_and_english_stays_english(french: Language) -> None:
    history = trend([record("a", 0.45, (0.5, 0.254)),
                     record("a", 0.5, (0.625, 0.3), as_of="2027-10-31", version="2.0.0")])
    page = render_trend(history, "html", french).decode()
    index_chart = _svgs(page)[0]
    seen = _text_nodes(index_chart)
    assert not any(re.search(r"\d\.\d", t) for t in seen), seen
    assert "45,0" in seen and "50,0" in seen                      # the points' labels
    assert "50\u00a0%" in seen                                    # the scale
    desc = re.search(r"<desc[^>]*>([^<]*)</desc>", index_chart)
    assert desc is not None
    separator = french.pgettext("clause separator", "; ")
    assert desc.group(1) == (f"2026\u00a0: 45,0\u00a0%{separator}2027\u00a0: 50,0\u00a0% (non "
                             "comparable à la période précédente)")
    assert "Indice" in re.search(r"<title[^>]*>([^<]*)</title>", index_chart).group(1)  # type: ignore[union-attr]
    dimension_chart = _svgs(page)[1]
    assert "2026\u00a0: 50,0\u00a0%, niveau 2" in dimension_chart
    table = page[page.index("<table"):page.index("</table>")]
    assert ">45,0<" in table and ">62,5 (" in table
    # Dates as the language writes them, the ISO date kept for machines.
    assert '<time datetime="2027-10-31">31 oct. 2027</time>' in table
    english = render_trend(history, "html").decode()
    assert "2026: 45.0%, level" not in english                    # the index has no level
    assert "2026: 45.0%; 2027: 50.0% (not comparable with the period before)" in english


def test_arabic_numbers_follow_the_arabic_locale() -> None:
    arabic = language("ar")
    result = compare(COHORT)
    page = render_comparison(result, "html", arabic).decode()
    (boxplot,) = [s for s in _svgs(page) if 'class="boxplot"' in s]
    first = result.packs[0].distributions[0]
    assert f"d-one: الوسيط {arabic.percent(first.median)}، الربيعان من" in boxplot
    assert f">{arabic.percent(0.4, 0)}<" in boxplot                   # the scale
