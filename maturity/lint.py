"""Quality checks on rule packs beyond validity: what a reviewer of a pack would flag."""

from __future__ import annotations

from typing import Any

from maturity.model import OutcomeStatus
from maturity.ruleset import RuleSet
from maturity.schema import evidence_schema

__all__ = ["lint_rules"]

_REQUIRED_CASES = (OutcomeStatus.PASS, OutcomeStatus.FAIL, OutcomeStatus.NOT_ASSESSED)


def lint_rules(rules: RuleSet, session: Any = None, *, lang: str | None = None) -> list[str]:
    """Problems, one line each, sorted by rule id; an empty list means a clean pack."""
    problems: list[str] = []
    for compiled in rules.rules:
        rule = compiled.rule
        expected = {t.expect for t in rule.tests}
        for status in _REQUIRED_CASES:
            if status not in expected:
                problems.append(f"{rule.id}: no test case expecting {status.value}")
        read = set(compiled.check.paths)
        declared = set(rule.evidence)
        for path in sorted(read - declared):
            problems.append(f"{rule.id}: reads {path} but does not list it in `evidence`")
        for path in sorted(declared - read - set(compiled.applies.paths if compiled.applies
                                                  else ())):
            problems.append(f"{rule.id}: lists {path} in `evidence` but never reads it")
        if not rule.references:
            problems.append(f"{rule.id}: no references (cite the source of the rule)")
    for key, spec in evidence_schema(rules).items():
        for conflict in spec.conflicts:
            problems.append(f"evidence key {key}: {conflict}")
    if lang is not None and session is not None:
        from maturity.i18n import translation_problems

        problems.extend(translation_problems(rules, session, lang))
    return problems
