"""Les cas de test de chaque règle, avec le harnais que le moteur fournit (maturity.testing)."""

from __future__ import annotations

import pytest
from maturity_fictivie import PACK_ID

from maturity.lint import lint_rules
from maturity.testing import check_case, rule_cases


@pytest.mark.parametrize("case", rule_cases(packs=[PACK_ID]), ids=str)
def test_rule_case(case):
    check_case(case)


def test_every_rule_is_tested_and_cited():
    from maturity.api import load_packs

    rules = load_packs([PACK_ID])
    assert len(rules.rules) >= 6
    assert lint_rules(rules) == []
    assert {r.rule.dimension for r in rules.rules} == {
        d.id for d in rules.pack(PACK_ID).header.dimensions}
