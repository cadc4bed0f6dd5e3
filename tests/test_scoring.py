"""Scoring edge cases: levels a dimension cannot evidence, dimensions with nothing counted,
missing evidence under combinators, and the level threshold."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.api import Session, assess_bundle, provenance_for
from maturity.checks import BUILTIN_CHECK_TYPES, CheckCompiler, EvalContext
from maturity.errors import UsageError
from maturity.model import EvidenceBundle, Organisation
from maturity.ruleset import RuleSet
from maturity.scoring import LEVEL_TOLERANCE, ScoredRule, maturity_level, reaches_level

COMPILER = CheckCompiler(BUILTIN_CHECK_TYPES)
CTX = EvalContext(dt.date(2026, 6, 30), {})


def _rule(level: int, credit: float | None) -> ScoredRule:
    return ScoredRule(f"R{level}", "d", None, level, 1.0, credit)


def test_a_dimension_reaches_no_level_its_rules_do_not_evidence() -> None:
    assert maturity_level([_rule(1, 1.0), _rule(2, 1.0)], 0.75) == 2
    assert maturity_level([_rule(1, 1.0), _rule(3, 1.0)], 0.75) == 3
    assert maturity_level([_rule(1, 0.5), _rule(2, 1.0)], 0.75) == 0
    assert maturity_level([_rule(1, None)], 0.75) == 0


@pytest.mark.parametrize("weight", [1.0, 0.7, 1.4, 0.3, 2.8])
def test_a_level_met_exactly_is_reached_however_the_weights_are_written(weight: float) -> None:
    """Three of four equal weights meet 0.75 exactly; in floats, 0.7 x 3 over 0.7 x 4 is
    0.7499999999999999, which compared as it is would deny the level."""
    rules = [ScoredRule(f"R{i}", "d", None, 1, weight, 1.0 if i < 3 else 0.0) for i in range(4)]
    assert maturity_level(rules, 0.75) == 1
    short = [ScoredRule(f"R{i}", "d", None, 1, weight, 1.0 if i < 3 else 0.0) for i in range(5)]
    assert maturity_level(short, 0.75) == 0  # 0.6: far below, the tolerance is not a slack
    assert reaches_level(0.75 - LEVEL_TOLERANCE, 0.75)
    assert not reaches_level(0.75 - 2 * LEVEL_TOLERANCE, 0.75)


def test_a_dimension_with_every_rule_not_applicable_leaves_the_index_alone(
    session: Session, mini_rules: RuleSet
) -> None:
    organisation = Organisation(id="x", name="X", kind="ministry", delivers_services=True)
    data: dict[str, Any] = {
        "organisation": {"id": "x", "name": "X", "kind": "ministry", "delivers_services": True},
        "strategy": {"adopted": True, "reviewed": dt.date(2026, 1, 1)},
        "services": {"online_pct": 90},
    }
    bundle = EvidenceBundle("x", organisation, dt.date(2026, 6, 30), None, None, data,
                            not_applicable={"mini": {"B-1": "no users of our own",
                                                     "B-2": "no users either"}})
    result = assess_bundle(bundle, mini_rules, model=session.scoring_model("oecd-dgi"),
                           provenance=provenance_for(session, []))
    score = result.scores["mini"]
    assert score.dimensions["beta"].counted == 0
    assert score.dimensions["alpha"].score == 1.0
    assert score.index == 1.0


@pytest.mark.parametrize("threshold", [0, -3, 1.5, float("nan")])
def test_the_level_threshold_must_lie_in_zero_one(
    session: Session, mini_rules: RuleSet, threshold: float
) -> None:
    organisation = Organisation(id="x", name="X", kind="ministry")
    bundle = EvidenceBundle("x", organisation, dt.date(2026, 6, 30), None, None, {})
    with pytest.raises(UsageError, match="level threshold"):
        assess_bundle(bundle, mini_rules, model=session.scoring_model("oecd-dgi"),
                      level_threshold=threshold, provenance=provenance_for(session, []))


LEAVES = [{"path": f"e.k{i}", "is": True} for i in range(3)]
SHAPES = st.sampled_from([
    lambda parts: {"at_least": {"n": 2, "of": parts}},
    lambda parts: {"not": {"at_least": {"n": 2, "of": parts}}},
    lambda parts: {"all": parts},
    lambda parts: {"not": {"all": parts}},
    lambda parts: {"any": parts},
    lambda parts: {"not": {"any": parts}},
])


@settings(max_examples=200, deadline=None)
@given(SHAPES, st.lists(st.booleans(), min_size=3, max_size=3), st.integers(0, 2))
def test_missing_evidence_never_scores_better_than_some_evidence(
    shape: Any, values: list[bool], hole: int
) -> None:
    """Whatever a missing part stands for, the rule is not assessed unless every possible
    value of the part gives the same credit."""
    check = COMPILER.compile(shape(LEAVES))
    known = {f"k{i}": v for i, v in enumerate(values) if i != hole}
    missing = check.evaluate({"e": known}, CTX)
    filled = {check.evaluate({"e": {**known, f"k{hole}": v}}, CTX) for v in (True, False)}
    if isinstance(missing, float):
        assert filled == {missing}
    else:
        assert len(filled) >= 1
