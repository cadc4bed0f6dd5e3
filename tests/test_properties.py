"""Properties of evaluation and scoring that must hold for any pack and any evidence."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from maturity.checks import BUILTIN_CHECK_TYPES, CheckCompiler
from maturity.engine import evaluate
from maturity.model import Explanation, Outcome, OutcomeStatus, RulePack
from maturity.ruleset import compile_rules
from maturity.scoring import (
    BUILTIN_SCORING_MODELS,
    LEVEL_TOLERANCE,
    PackScore,
    score_packs,
    scored_rules,
    weighted_score,
)
from tests import strategies

AS_OF = dt.date(2026, 6, 30)
COMPILER = CheckCompiler(BUILTIN_CHECK_TYPES)
MODELS = st.sampled_from(BUILTIN_SCORING_MODELS)


def _run(pack: RulePack, data: dict[str, Any]) -> list[Outcome]:
    return evaluate(compile_rules([pack], COMPILER), data, AS_OF)


def _numbers(score: PackScore) -> list[float]:
    out = [score.index]
    for dim in score.dimensions.values():
        out.append(dim.score)
        out.extend(v for v in dim.facets.values() if v is not None)
    return out


@settings(max_examples=150, deadline=None)
@given(strategies.packs(), strategies.evidence(), MODELS)
def test_scores_lie_between_zero_and_one(pack: RulePack, data: dict[str, Any], model: Any) -> None:
    scores = score_packs([pack], _run(pack, data), model)
    assert all(0.0 <= value <= 1.0 for value in _numbers(scores[pack.id]))
    assert all(0 <= d.level <= 5 for d in scores[pack.id].dimensions.values())


@settings(max_examples=100, deadline=None)
@given(strategies.packs(), strategies.evidence(), st.randoms(use_true_random=False))
def test_rule_order_and_key_order_change_nothing(
    pack: RulePack, data: dict[str, Any], rnd: random.Random
) -> None:
    shuffled_rules = list(pack.rules)
    rnd.shuffle(shuffled_rules)
    other = pack.model_copy(update={"rules": tuple(shuffled_rules)})
    items = list(data["e"].items())
    rnd.shuffle(items)
    other_data = {"e": dict(items)}
    model = BUILTIN_SCORING_MODELS[0]
    first = score_packs([pack], _run(pack, data), model)
    second = score_packs([other], _run(other, other_data), model)
    assert first == second
    assert sorted(_run(pack, data), key=lambda o: o.rule) == sorted(
        _run(other, other_data), key=lambda o: o.rule)


def _with_status(outcome: Outcome, credit: float) -> Outcome:
    status = OutcomeStatus.PASS if credit == 1.0 else OutcomeStatus.FAIL
    return Outcome(outcome.rule, outcome.pack, status, credit, Explanation("", {}))


@settings(max_examples=150, deadline=None)
@given(strategies.packs(), strategies.evidence(), MODELS, st.data())
def test_a_rule_turning_from_fail_to_pass_never_lowers_a_score(
    pack: RulePack, data: dict[str, Any], model: Any, pick: st.DataObject
) -> None:
    outcomes = _run(pack, data)
    index = pick.draw(st.integers(0, len(outcomes) - 1))
    failed = [*outcomes]
    failed[index] = _with_status(outcomes[index], 0.0)
    passed = [*outcomes]
    passed[index] = _with_status(outcomes[index], 1.0)
    before = score_packs([pack], failed, model)[pack.id]
    after = score_packs([pack], passed, model)[pack.id]
    for low, high in zip(_numbers(before), _numbers(after), strict=True):
        assert high >= low - 1e-12
    for dim_id, dim in before.dimensions.items():
        assert after.dimensions[dim_id].level >= dim.level


@settings(max_examples=100, deadline=None)
@given(strategies.packs(), strategies.evidence(), MODELS,
       st.floats(min_value=0.01, max_value=100, allow_nan=False))
def test_scaling_every_weight_changes_nothing(
    pack: RulePack, data: dict[str, Any], model: Any, factor: float
) -> None:
    scaled = pack.model_copy(update={"rules": tuple(
        r.model_copy(update={"weight": r.weight * factor}) for r in pack.rules)})
    first = score_packs([pack], _run(pack, data), model)[pack.id]
    second = score_packs([scaled], _run(scaled, data), model)[pack.id]
    for a, b in zip(_numbers(first), _numbers(second), strict=True):
        assert abs(a - b) < 1e-9
    # Levels allow LEVEL_TOLERANCE under the threshold (a share met exactly in decimals
    # reaches it however it rounds); a share at that margin's own edge can still round to
    # either side once the weights are scaled.
    assume(not _at_the_margin(pack, _run(pack, data)))
    assert [d.level for d in first.dimensions.values()] == [
        d.level for d in second.dimensions.values()]


def _at_the_margin(pack: RulePack, outcomes: list[Outcome], threshold: float = 0.75) -> bool:
    """Whether a level's share of met weight, in some dimension, is the lowest share that
    reaches the threshold, to 1e-12."""
    by_id = {o.rule: o for o in outcomes}
    scored = scored_rules(pack.rules, by_id)
    groups: dict[tuple[str, int], list[Any]] = {}
    for rule, scored_rule in zip(pack.rules, scored, strict=True):
        if scored_rule.credit is not None:
            groups.setdefault((rule.dimension, rule.level), []).append(scored_rule)
    edge = threshold - LEVEL_TOLERANCE
    return any(abs(weighted_score(group) - edge) < 1e-12 for group in groups.values())


@settings(max_examples=100, deadline=None)
@given(strategies.packs())
def test_a_pack_written_with_tomli_w_reads_back_equal(pack: RulePack) -> None:
    import tomllib

    import tomli_w

    from maturity.packs import pack_from_documents

    header = {"pack": pack.header.model_dump(exclude_defaults=True)}
    rules = {"rules": [r.model_dump(exclude_defaults=True) for r in pack.rules]}
    again = pack_from_documents(
        "pack.toml", tomllib.loads(tomli_w.dumps(header)),
        [("rules.toml", tomllib.loads(tomli_w.dumps(rules)))],
        origin=pack.origin, sha256=pack.sha256,
    )
    assert again.header == pack.header
    assert again.rules == pack.rules


@settings(max_examples=100, deadline=None)
@given(strategies.packs())
def test_missing_evidence_is_never_a_pass(pack: RulePack) -> None:
    for outcome in _run(pack, {}):
        assert outcome.status is OutcomeStatus.NOT_ASSESSED, outcome.rule
