"""Quality checks on rule packs beyond validity: what a reviewer of a pack would flag."""

from __future__ import annotations

import unicodedata
from typing import Any

from maturity.model import OutcomeStatus
from maturity.ruleset import RuleSet
from maturity.schema import evidence_schema

__all__ = ["lint_rules"]

#: Characters that make a text display otherwise than it reads ("Trojan Source"): bidi
#: embeddings, overrides and isolates, zero-width spaces, and control characters. The marks
#: right-to-left text needs (U+200E, U+200F) and the joiners of Arabic and Indic scripts
#: (U+200C, U+200D) are left alone.
_HIDDEN = frozenset([*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A)),
                     "\u200b", "\u2060", "\ufeff",
                     *(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"), "\x7f"])


def _hidden_characters(value: Any, where: str = "") -> list[tuple[str, str]]:
    """(key path, character) for each hidden character in the texts of a dumped rule."""
    if isinstance(value, str):
        return [(where, c) for c in sorted(set(value) & _HIDDEN)]
    if isinstance(value, dict):
        return [found for key in value for found in _hidden_characters(
            value[key], f"{where}.{key}" if where else str(key))]
    if isinstance(value, list):
        return [found for i, item in enumerate(value)
                for found in _hidden_characters(item, f"{where}[{i}]")]
    return []

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
        for where, char in _hidden_characters(rule.model_dump(mode="json")):
            problems.append(f"{rule.id}: {where} holds U+{ord(char):04X} "
                            f"{unicodedata.name(char, 'a control character')}, which shows "
                            "the text otherwise than it is written (remove it)")
    for key, spec in evidence_schema(rules).items():
        for conflict in spec.conflicts:
            problems.append(f"evidence key {key}: {conflict}")
    if lang is not None and session is not None:
        from maturity.i18n import translation_problems

        problems.extend(translation_problems(rules, session, lang))
    return problems
