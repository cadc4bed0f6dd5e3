"""The bundled example ministries, and the two extreme bundles every pack must handle."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from maturity.api import Session, assess, assess_bundle, provenance_for
from maturity.model import DocumentInfo, EvidenceBundle, Organisation, OutcomeStatus
from maturity.ruleset import RuleSet
from tests.conftest import EXAMPLES

ORDER = ("ministry-of-culture", "ministry-of-health", "ministry-of-finance")


def test_examples_score_in_the_expected_order_on_every_dimension(
    session: Session, builtin_rules: RuleSet
) -> None:
    results = [assess(EXAMPLES / name, rules=builtin_rules, session=session) for name in ORDER]
    for pack in builtin_rules.packs:
        for dimension in pack.header.dimensions:
            scores = [r.scores[pack.id].dimensions[dimension.id].score for r in results]
            assert scores[0] < scores[1] < scores[2], (pack.id, dimension.id, scores)
        indexes = [r.scores[pack.id].index for r in results]
        assert indexes == sorted(indexes)


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("document"), str)


def _merge(into: dict[str, Any], tree: dict[str, Any]) -> None:
    for key, value in tree.items():
        if isinstance(value, dict) and not _is_reference(value) and isinstance(
                into.get(key), dict):
            _merge(into[key], value)
        else:
            into.setdefault(key, copy.deepcopy(value))


def _documents(tree: Any, found: dict[str, DocumentInfo]) -> dict[str, DocumentInfo]:
    """The files a perfect bundle holds: every referenced document, with its declared hash."""
    if _is_reference(tree):
        collected = tree.get("collected")
        found[tree["document"]] = DocumentInfo(
            tree["document"], tree.get("sha256", "0" * 64), 1, tree.get("sha256"),
            dt.date.fromisoformat(collected) if isinstance(collected, str) else collected)
    elif isinstance(tree, dict):
        for value in tree.values():
            _documents(value, found)
    return found


def _bundle(data: dict[str, Any], documents: dict[str, DocumentInfo]) -> EvidenceBundle:
    organisation = Organisation(id="full", name="Full marks", kind="ministry",
                                delivers_services=True)
    tree = {**data, "organisation": {**data.get("organisation", {}),
                                     **organisation.model_dump(exclude_none=True)}}
    return EvidenceBundle("full", organisation, dt.date(2026, 6, 30), None, None, tree,
                          documents=documents)


def test_a_bundle_that_satisfies_every_rule_scores_one_and_reaches_level_five(
    session: Session, builtin_rules: RuleSet
) -> None:
    data: dict[str, Any] = {}
    for compiled in builtin_rules.rules:
        case = next(t for t in compiled.rule.tests if t.expect is OutcomeStatus.PASS)
        _merge(data, {k: v for k, v in case.evidence.items() if k != "organisation"})
    documents = _documents(data, {})
    result = assess_bundle(_bundle(data, documents), builtin_rules,
                           model=session.scoring_model("oecd-dgi"),
                           provenance=provenance_for(session, []))
    not_passed = [o.rule for o in result.outcomes if o.status is not OutcomeStatus.PASS]
    assert not_passed == []
    for score in result.scores.values():
        assert score.index == pytest.approx(1.0)
        for dim in score.dimensions.values():
            assert dim.score == pytest.approx(1.0)
            assert dim.level == 5


def test_an_empty_bundle_scores_zero_and_nothing_is_assessed(
    session: Session, builtin_rules: RuleSet
) -> None:
    result = assess_bundle(_bundle({}, {}), builtin_rules,
                           model=session.scoring_model("oecd-dgi"),
                           provenance=provenance_for(session, []))
    assert {o.status for o in result.outcomes} == {OutcomeStatus.NOT_ASSESSED}
    for score in result.scores.values():
        assert score.index == 0.0
        assert all(d.score == 0.0 and d.level == 0 for d in score.dimensions.values())
