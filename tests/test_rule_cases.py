"""Every inline test case of every built-in rule, collected as data (ids RULE-ID::case)."""

from __future__ import annotations

import pytest

from maturity.model import OutcomeStatus
from maturity.testing import RuleCase, cases_of, check_case
from tests.conftest import MINI_PACK, core_session

_SESSION = core_session()
_BUILTIN, _ = _SESSION.load_rules()
_MINI, _ = _SESSION.load_rules(pack_dirs=[MINI_PACK])


@pytest.mark.parametrize("case", cases_of(_BUILTIN) + cases_of(_MINI), ids=str)
def test_rule_case(case: RuleCase) -> None:
    check_case(case)


def test_every_rule_has_pass_fail_and_not_assessed_cases() -> None:
    for compiled in _BUILTIN.rules:
        expected = {t.expect.value for t in compiled.rule.tests}
        assert {"pass", "fail", "not_assessed"} <= expected, compiled.id


def test_a_wrong_expectation_is_reported() -> None:
    case = next(c for c in cases_of(_MINI) if str(c) == "A-1::adopted")
    broken = RuleCase(case.rule, case.test.model_copy(update={"expect": OutcomeStatus.FAIL}))
    with pytest.raises(AssertionError, match=r"A-1::adopted: expected fail, got pass"):
        check_case(broken)
