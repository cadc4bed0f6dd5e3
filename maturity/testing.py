"""The test harness for rule packs, shipped so plugin authors test packs as the core does.

In a plugin's tests:

```python
from maturity.testing import rule_cases, check_case

@pytest.mark.parametrize("case", rule_cases("src/my_plugin/rules"), ids=str)
def test_rule(case):
    check_case(case)
```
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maturity.checks import EvalContext
from maturity.engine import evaluate_rule
from maturity.errors import MaturityError
from maturity.model import DocumentInfo, Outcome, RuleTest
from maturity.ruleset import CompiledRule, RuleSet

__all__ = ["CaseResult", "RuleCase", "check_case", "rule_cases", "run_case", "run_rule_tests"]


@dataclass(frozen=True, slots=True)
class RuleCase:
    rule: CompiledRule
    test: RuleTest

    def __str__(self) -> str:
        return f"{self.rule.id}::{self.test.name}"


@dataclass(frozen=True, slots=True)
class CaseResult:
    case: RuleCase
    #: None when evaluating the case raised (a plugin's check, a late document).
    outcome: Outcome | None
    ok: bool
    message: str


def _collected_dates(tree: Any) -> dict[str, dt.date]:
    """Collection dates of the document references in a test's evidence, as a bundle reads them."""
    found: dict[str, dt.date] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            name, collected = node.get("document"), node.get("collected")
            if isinstance(name, str) and isinstance(collected, dt.date):
                found[name] = collected
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def run_case(case: RuleCase) -> CaseResult:
    test = case.test
    collected = _collected_dates(test.evidence)
    documents = {
        path: DocumentInfo(path, sha, None, collected=collected.get(path))
        for path, sha in test.documents.items()
    }
    try:
        outcome = evaluate_rule(case.rule, test.evidence, EvalContext(test.as_of, documents))
    except MaturityError as exc:
        # One case that raises fails alone; the run goes on to the other cases.
        return CaseResult(case, None, False, f"raised {exc.code}: {exc.message}")
    problems: list[str] = []
    if outcome.status is not test.expect:
        problems.append(f"expected {test.expect.value}, got {outcome.status.value}")
    if test.credit is not None and abs(outcome.credit - test.credit) > 1e-9:
        problems.append(f"expected credit {test.credit}, got {outcome.credit}")
    detail = outcome.explanation.detail
    message = "; ".join(problems) + (f" ({detail})" if problems and detail else "")
    return CaseResult(case, outcome, not problems, message)


def cases_of(rules: RuleSet) -> list[RuleCase]:
    return [RuleCase(rule, test) for rule in rules.rules for test in rule.rule.tests]


def run_rule_tests(rules: RuleSet) -> list[CaseResult]:
    return [run_case(case) for case in cases_of(rules)]


def rule_cases(*pack_dirs: str | Path, packs: Sequence[str] = ()) -> list[RuleCase]:
    """The inline test cases of local pack directories and/or installed packs, compiled once."""
    from maturity.api import load_packs

    rules = load_packs(list(packs) or None, pack_dirs=list(pack_dirs)) if (
        pack_dirs or packs) else load_packs()
    return cases_of(rules)


def check_case(case: RuleCase) -> None:
    """Assert that a rule's test case gives its expected outcome (for pytest)."""
    result = run_case(case)
    assert result.ok, f"{case}: {result.message}"
