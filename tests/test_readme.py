"""The README's example summary is what the engine gives today."""

from __future__ import annotations

import re

from maturity.api import Session, assess
from maturity.ruleset import RuleSet
from tests.conftest import EXAMPLES, ROOT


def test_the_readme_example_summary_matches_an_assessment(
    session: Session, builtin_rules: RuleSet
) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- example-summary: ministry-of-health")[1].split(
        "<!-- end example-summary -->")[0]
    rows = re.findall(r"^\| (.+?) \| \**([0-9.]+)\** \|(.*?)\|$", block, flags=re.M)
    result = assess(EXAMPLES / "ministry-of-health", rules=builtin_rules, session=session)
    expected: list[tuple[str, str, str]] = []
    for pack in builtin_rules.packs:
        score = result.scores[pack.id]
        levels = {n.level: n.name for n in pack.header.levels}
        expected.append(("index", f"{100 * score.index:.1f}", ""))
        for dimension in pack.header.dimensions:
            dim = score.dimensions[dimension.id]
            expected.append((dimension.name, f"{100 * dim.score:.1f}",
                             f"{dim.level} {levels[dim.level]}"))
    found = [("index" if "(index)" in name else name, value, level.strip())
             for name, value, level in rows]
    assert found == expected
