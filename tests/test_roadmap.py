"""The roadmap planner: actions, dependencies, capacity, what-if projections and targets."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maturity
from maturity import roadmap
from maturity.api import Session
from maturity.errors import PackError, UsageError
from maturity.model import Explanation, Outcome, OutcomeStatus, PackHeader, Rule, RulePack
from maturity.roadmap import GAP_STATUSES, default_settings, gap_actions, plan_roadmap
from maturity.roadmap_options import add_arguments, settings_from_args
from maturity.ruleset import RuleSet, compile_rules
from maturity.scoring import BUILTIN_SCORING_MODELS, ScoringModel, score_packs, weighted_score
from maturity.targets import load_presets
from tests.conftest import EXAMPLES, ROOT

DGI = BUILTIN_SCORING_MODELS[0]
SHARED_SCORES = ROOT.parent / "shared" / "reference" / "dgi_scores_2023.csv"


# --- helpers -------------------------------------------------------------------------------


def _outcome(rule: str, pack: str, status: OutcomeStatus, credit: float) -> Outcome:
    return Outcome(rule, pack, status, credit, Explanation("generated", {}, ""))


def _assess(session: Session, rules: RuleSet, ministry: str) -> list[Outcome]:
    return maturity.assess(EXAMPLES / ministry, rules=rules, session=session).outcomes


def _plan(rules: RuleSet, outcomes: Sequence[Outcome], model: ScoringModel = DGI,
          **overrides: Any) -> dict[str, Any]:
    return plan_roadmap(rules, outcomes, model, 0.75, {**default_settings(), **overrides})


def _pack(session: Session, rules: list[dict[str, Any]],
          dimensions: Sequence[tuple[str, str | None]] = (("base", "foundational"),
                                                           ("reach", "transformational"))
          ) -> RuleSet:
    """A small pack built in memory (every rule a level, a weight and a remediation)."""
    header = PackHeader.model_validate({
        "id": "test", "version": "1", "title": "Test pack", "source": "tests",
        "dimensions": [{"id": d, "name": d.title(), **({"kind": k} if k else {})}
                       for d, k in dimensions],
    })
    built = []
    for raw in rules:
        remediation = {"action": f"Fix {raw['id']}", "effort": 1, "owner": "owner",
                       **raw.get("remediation", {})}
        built.append(Rule.model_validate({
            "title": f"Rule {raw['id']}", "rationale": "Test.", "level": 1, "weight": 1.0,
            "check": {"path": "x", "is": True}, "dimension": "base",
            **{k: v for k, v in raw.items() if k != "remediation"},
            "remediation": remediation,
        }))
    pack = RulePack(header=header, rules=tuple(built), sha256="0" * 64, origin="test")
    return compile_rules([pack], session.compiler)


def _all_failing(rules: RuleSet) -> list[Outcome]:
    return [_outcome(c.id, c.pack, OutcomeStatus.FAIL, 0.0) for c in rules.rules]


def _phase_of(plan: Mapping[str, Any]) -> dict[str, int]:
    """Scheduled rule id → phase."""
    return {rule: a["phase"] for a in plan["actions"] if a["phase"] for rule in a["rules"]}


def check_plan(rules: RuleSet, outcomes: Sequence[Outcome], plan: Mapping[str, Any],
               model: ScoringModel, threshold: float = 0.75) -> None:
    """Every invariant of a plan, checked against the rules directly (not the planner's graph)."""
    by_rule = {o.rule: o for o in outcomes}
    gaps = {c.id for c in rules.rules if by_rule[c.id].status in GAP_STATUSES}
    action_of = {rule: a["id"] for a in plan["actions"] for rule in a["rules"]}
    assert set(action_of) == gaps
    phase = _phase_of(plan)
    # Dependencies: a rule's depends_on gaps are met in an earlier phase (or by the same action).
    for rule_id, p in phase.items():
        for needed in rules.rule(rule_id).depends_on:
            if needed in gaps and action_of[needed] != action_of[rule_id]:
                assert needed in phase, f"{rule_id} scheduled before {needed}"
                assert phase[needed] < p, f"{rule_id} (phase {p}) not after {needed}"
    # Capacity, per phase and in total.
    capacity = plan["settings"]["capacity"]
    efforts = {a["id"]: a["effort"] for a in plan["actions"]}
    for item in plan["phases"]:
        assert item["effort"] == pytest.approx(sum(efforts[a] for a in item["actions"]))
        assert item["effort"] <= capacity + 1e-9
    assert len(plan["phases"]) == plan["settings"]["phases"]
    # Projected scores are a real re-scoring with the scheduled rules met.
    met: set[str] = set()
    for item in plan["phases"]:
        for action_id in item["actions"]:
            met.update(next(a["rules"] for a in plan["actions"] if a["id"] == action_id))
        assumed = [
            _outcome(o.rule, o.pack, OutcomeStatus.PASS, 1.0) if o.rule in met else o
            for o in outcomes
        ]
        real = score_packs(rules.packs, assumed, model, level_threshold=threshold)
        for pack_id, projected in item["projected"].items():
            assert projected["index"] == real[pack_id].index
            for dim_id, dim in projected["dimensions"].items():
                assert dim["score"] == real[pack_id].dimensions[dim_id].score
                assert dim["level"] == real[pack_id].dimensions[dim_id].level
    # The projected composite never decreases from one phase to the next.
    previous = plan["baseline"]
    for item in plan["phases"]:
        for pack_id, projected in item["projected"].items():
            assert projected["index"] >= previous[pack_id]["index"] - 1e-12
            for dim_id, dim in projected["dimensions"].items():
                assert dim["level"] >= previous[pack_id]["dimensions"][dim_id]["level"]
        previous = item["projected"]


# --- the example ministries ----------------------------------------------------------------


@pytest.mark.parametrize("ministry", ["ministry-of-culture", "ministry-of-health",
                                      "ministry-of-finance"])
def test_example_plans_hold_every_invariant(session: Session, builtin_rules: RuleSet,
                                            ministry: str) -> None:
    outcomes = _assess(session, builtin_rules, ministry)
    plan = _plan(builtin_rules, outcomes)
    check_plan(builtin_rules, outcomes, plan, DGI)
    assert plan["summary"]["scheduled"] > 0
    assert plan["projected"] == plan["phases"][-1]["projected"]


def test_the_plan_is_deterministic_whatever_the_outcome_order(
        session: Session, builtin_rules: RuleSet) -> None:
    outcomes = _assess(session, builtin_rules, "ministry-of-culture")
    shuffled = list(outcomes)
    random.Random(7).shuffle(shuffled)
    assert _plan(builtin_rules, outcomes) == _plan(builtin_rules, shuffled)


def test_rules_sharing_an_action_id_merge_into_one_action(
        session: Session, builtin_rules: RuleSet) -> None:
    outcomes = _assess(session, builtin_rules, "ministry-of-culture")
    actions = {a.id: a for a in gap_actions(builtin_rules, outcomes)}
    board = actions["digital-board"]
    assert board.rules == ("DBD-PL-04", "DBD-PL-05")
    # Both rules name the same work (same text): it is done, and counted, once.
    assert len(board.steps) == 1
    assert board.effort == 2
    talent = actions["digital-talent-strategy"]
    # Three distinct steps of one action: their efforts add up.
    assert len(talent.steps) == 3
    assert talent.effort == 4 + 2 + 1
    assert not any(rule in actions for a in actions.values() for rule in a.rules
                   if rule != a.id)


def test_an_upward_depends_on_wins_over_the_level_order(
        session: Session, builtin_rules: RuleSet) -> None:
    # DDP-IM-05 (level 2) depends on DDP-PL-06 (level 3): the explicit dependency holds and the
    # level order (level 3 after level 2) gives way instead of making a cycle.
    outcomes = [
        _outcome(c.id, c.pack, OutcomeStatus.FAIL, 0.0) for c in builtin_rules.rules
    ]
    plan = _plan(builtin_rules, outcomes, capacity=200.0, phases=12)
    check_plan(builtin_rules, outcomes, plan, DGI)
    phase = _phase_of(plan)
    assert phase["DDP-PL-06"] < phase["DDP-IM-05"]


def test_a_level_waits_for_the_gaps_of_the_level_below(session: Session) -> None:
    rules = _pack(session, [
        {"id": "B-1", "level": 1}, {"id": "B-2", "level": 2}, {"id": "B-3", "level": 3},
    ])
    plan = _plan(rules, _all_failing(rules), capacity=10.0)
    assert _phase_of(plan) == {"B-1": 1, "B-2": 2, "B-3": 3}
    assert plan["critical_path"] == {"actions": ["B-1", "B-2", "B-3"], "effort": 3.0}
    assert [a["depends_on"] for a in plan["actions"]] == [[], ["B-1"], ["B-2"]]


def test_actions_are_ordered_by_gain_per_effort(session: Session) -> None:
    rules = _pack(session, [
        {"id": "A-CHEAP", "weight": 1.0, "remediation": {"effort": 1}},
        {"id": "A-COSTLY", "weight": 1.0, "remediation": {"effort": 4}},
        {"id": "A-HEAVY", "weight": 3.0, "remediation": {"effort": 2}},
    ])
    plan = _plan(rules, _all_failing(rules), capacity=2.0, phases=5)
    assert _phase_of(plan) == {"A-HEAVY": 1, "A-CHEAP": 2}
    by_id = {a["id"]: a for a in plan["actions"]}
    assert by_id["A-COSTLY"]["reason"] == "exceeds-capacity"
    assert by_id["A-HEAVY"]["gain_per_effort"] > by_id["A-CHEAP"]["gain_per_effort"]


def test_foundational_before_transformational_then_rule_id_on_ties(session: Session) -> None:
    # Equal gains per effort: each rule is its dimension's only rule, same weight, same effort.
    rules = _pack(session, [
        {"id": "A-REACH", "dimension": "reach"}, {"id": "B-BASE", "dimension": "base"},
    ])
    plan = _plan(rules, _all_failing(rules), capacity=1.0, phases=2)
    assert _phase_of(plan) == {"B-BASE": 1, "A-REACH": 2}
    same_kind = _pack(session, [
        {"id": "R-2", "dimension": "base"}, {"id": "R-1", "dimension": "reach"},
    ], dimensions=(("base", None), ("reach", None)))
    plan = _plan(same_kind, _all_failing(same_kind), capacity=1.0, phases=2)
    assert _phase_of(plan) == {"R-1": 1, "R-2": 2}


def test_a_prerequisite_is_pulled_in_by_what_it_enables(session: Session) -> None:
    rules = _pack(session, [
        {"id": "P-GATE", "weight": 0.01, "remediation": {"effort": 1}},
        {"id": "P-PRIZE", "weight": 5.0, "remediation": {"effort": 1, "depends_on": ["P-GATE"]}},
        {"id": "P-OTHER", "weight": 1.0, "remediation": {"effort": 1}},
    ])
    plan = _plan(rules, _all_failing(rules), capacity=1.0, phases=3)
    assert _phase_of(plan) == {"P-GATE": 1, "P-PRIZE": 2, "P-OTHER": 3}
    gate = next(a for a in plan["actions"] if a["id"] == "P-GATE")
    assert gate["enables"] == "P-PRIZE"


def test_merged_actions_that_need_each_other_are_a_cycle_naming_the_chain(
        session: Session) -> None:
    rules = _pack(session, [
        {"id": "C-1", "remediation": {"action_id": "first", "depends_on": ["C-3"]}},
        {"id": "C-2", "remediation": {"action_id": "first"}},
        {"id": "C-3", "remediation": {"action_id": "second", "depends_on": ["C-2"]}},
    ])
    with pytest.raises(PackError) as info:
        _plan(rules, _all_failing(rules))
    assert info.value.code == "pack.roadmap-cycle"
    assert info.value.found == (
        "first (C-1 depends on C-3) -> second (C-3 depends on C-2) -> first")


def test_only_unmet_rules_are_gaps(session: Session) -> None:
    rules = _pack(session, [{"id": f"G-{s.value}"} for s in OutcomeStatus])
    outcomes = [
        _outcome(f"G-{s.value}", "test", s,
                 1.0 if s is OutcomeStatus.PASS else 0.5 if s is OutcomeStatus.PARTIAL else 0.0)
        for s in OutcomeStatus
    ]
    ids = {a.id for a in gap_actions(rules, outcomes)}
    assert ids == {"G-partial", "G-fail", "G-not_assessed", "G-error", "G-stale"}


# --- targets -------------------------------------------------------------------------------


def test_a_met_target_needs_no_action(session: Session, builtin_rules: RuleSet) -> None:
    outcomes = _assess(session, builtin_rules, "ministry-of-finance")
    plan = _plan(builtin_rules, outcomes, targets=_preset_targets("oecd-2023-average"))
    assert plan["summary"]["scheduled"] == 0
    assert plan["summary"]["targets_met"] is True
    assert {a["reason"] for a in plan["actions"]} == {"targets-met"}


def test_planning_stops_once_the_targets_are_met(session: Session,
                                                 builtin_rules: RuleSet) -> None:
    outcomes = _assess(session, builtin_rules, "ministry-of-culture")
    plan = _plan(builtin_rules, outcomes, capacity=60.0, phases=8,
                 targets=_preset_targets("oecd-2023-average"))
    check_plan(builtin_rules, outcomes, plan, DGI)
    assert plan["summary"]["targets_met"] is True
    assert all(r["gap"] == 0.0 for r in plan["remaining_gap"])
    assert all(r["projected"] >= r["target"] for r in plan["remaining_gap"])
    # Only the framework with targets moves, and the plan does not run to the end.
    scheduled = [a for a in plan["actions"] if a["phase"]]
    assert {d["pack"] for a in scheduled for d in a["dimensions"]} == {"oecd-dgpf"}
    assert plan["summary"]["effort"] < 8 * 60.0


def test_a_level_target_met_exactly_is_met_in_the_plan_and_the_scores(session: Session
                                                                     ) -> None:
    """Weights of 0.7: three of four rules met give 0.7499999999999999 of the level's weight.
    The planner and the scorer decide the level alike, so three actions reach level 1 and the
    plan says the target is met."""
    rules = _pack(session, [{"id": f"R{i}", "weight": 0.7} for i in range(4)],
                  dimensions=(("base", None),))
    outcomes = _all_failing(rules)
    plan = _plan(rules, outcomes, targets=[{"pack": "test", "dimension": "base", "level": 1}])
    check_plan(rules, outcomes, plan, DGI)
    assert len([a for a in plan["actions"] if a["phase"]]) == 3
    assert plan["summary"]["targets_met"] is True
    assert plan["phases"][-1]["projected"]["test"]["dimensions"]["base"]["level"] == 1


def test_the_remaining_gap_is_reported_when_capacity_ends(session: Session,
                                                          builtin_rules: RuleSet) -> None:
    outcomes = _assess(session, builtin_rules, "ministry-of-culture")
    plan = _plan(builtin_rules, outcomes, capacity=12.0, phases=2,
                 targets=[{"dimension": "all", "pack": "oecd-dgpf", "level": 3}])
    check_plan(builtin_rules, outcomes, plan, DGI)
    assert plan["summary"]["targets_met"] is False
    gaps = {r["dimension"]: r for r in plan["remaining_gap"]}
    assert set(gaps) == {"digital-by-design", "data-driven", "government-as-a-platform",
                         "open-by-default", "user-driven", "proactiveness"}
    for row in gaps.values():
        assert row["kind"] == "level"
        assert row["gap"] == 3 - row["projected"]
    assert any(a.get("reason") == "no-capacity" for a in plan["actions"])


def test_later_targets_win_and_unknown_dimensions_are_usage_errors(
        session: Session, builtin_rules: RuleSet) -> None:
    outcomes = _assess(session, builtin_rules, "ministry-of-health")
    plan = _plan(builtin_rules, outcomes, targets=[
        {"dimension": "all", "level": 2}, {"dimension": "skills", "score": 0.9}])
    kinds = {t["dimension"]: (t["kind"], t["value"]) for t in plan["targets"]}
    assert kinds["skills"] == ("score", 0.9)
    assert kinds["user-driven"] == ("level", 2)
    with pytest.raises(UsageError) as info:
        _plan(builtin_rules, outcomes, targets=[{"dimension": "user-drivn", "score": 0.5}])
    assert info.value.fix == "did you mean 'user-driven'?"
    with pytest.raises(UsageError):
        _plan(builtin_rules, outcomes, targets=[{"dimension": "all", "pack": "nope",
                                                 "level": 2}])


@pytest.mark.parametrize("settings_", [
    {"capacity": 0}, {"capacity": float("nan")}, {"capacity": 1e308}, {"phases": 0},
    {"phases": 1.5},
    {"phase_months": True}, {"capacity": "12"}, {"targets": "all"},
    {"targets": [{"dimension": "all"}]}, {"targets": [{"dimension": "all", "level": 6}]},
    {"targets": [{"dimension": "all", "score": 1.5}]},
    {"targets": [{"dimension": "all", "score": 0.5, "level": 2}]},
    {"targets": [{"dimension": "all", "score": 0.5, "colour": "red"}]},
    {"capacty": 12},
])
def test_bad_settings_are_usage_errors(session: Session, settings_: dict[str, Any]) -> None:
    rules = _pack(session, [{"id": "S-1"}])
    with pytest.raises(UsageError) as info:
        plan_roadmap(rules, _all_failing(rules), DGI, 0.75, settings_)
    assert info.value.code == "usage.roadmap-setting"
    assert info.value.location and info.value.location.startswith("roadmap.")


def _preset_targets(name: str) -> list[dict[str, Any]]:
    preset = load_presets()[name]
    return [{"pack": preset.pack, "dimension": d, "score": s, "source": name}
            for d, s in preset.scores.items()]


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_command_line_settings() -> None:
    assert settings_from_args(_parse([])) == default_settings()
    assert settings_from_args(_parse(["--no-roadmap"])) is None
    got = settings_from_args(_parse([
        "--capacity", "30", "--phases", "4", "--target", "oecd-2023-top10",
        "--target", "oecd-digital-talent:skills=L3", "--target", "user-driven=0.9"]))
    assert got is not None
    assert (got["capacity"], got["phases"], got["phase_months"]) == (30.0, 4, 6)
    targets = got["targets"]
    assert targets[0] == {"pack": "oecd-dgpf", "dimension": "data-driven", "score": 0.746,
                          "source": "oecd-2023-top10"}
    assert targets[-2:] == [
        {"pack": "oecd-digital-talent", "dimension": "skills", "level": 3,
         "source": "--target oecd-digital-talent:skills=L3"},
        {"dimension": "user-driven", "score": 0.9, "source": "--target user-driven=0.9"},
    ]
    # Re-planning from a record: its settings are the base, flags given override them.
    again = settings_from_args(_parse(["--phases", "2"]), base=got)
    assert again == {**got, "phases": 2}
    for bad in (["--target", "nope"], ["--target", "user-driven=high"],
                ["--target", "user-driven=L9"], ["--capacity", "-1"]):
        with pytest.raises(UsageError):
            settings_from_args(_parse(bad))


def test_the_presets_are_the_published_2023_figures() -> None:
    presets = load_presets()
    assert set(presets) == {"oecd-2023-average", "oecd-2023-top10"}
    if not SHARED_SCORES.is_file():
        pytest.skip("../shared/reference/dgi_scores_2023.csv is not present")
    columns = {
        "digital_by_design": "digital-by-design",
        "data_driven_public_sector": "data-driven",
        "government_as_a_platform": "government-as-a-platform",
        "open_by_default": "open-by-default",
        "user_driven": "user-driven",
        "proactiveness": "proactiveness",
    }
    with SHARED_SCORES.open(newline="") as handle:
        members = [row for row in csv.DictReader(handle) if row["rank"]]
    assert len(members) == 33
    for column, dimension in [*columns.items(), ("composite", None)]:
        values = sorted((float(row[column]) for row in members), reverse=True)
        average = round(math.fsum(values) / len(values), 3)
        top10 = values[9]
        for name, expected in (("oecd-2023-average", average), ("oecd-2023-top10", top10)):
            preset = presets[name]
            stored = preset.composite if dimension is None else preset.scores[dimension]
            assert stored == expected, (name, column)


# --- properties ----------------------------------------------------------------------------

_STATUSES = [OutcomeStatus.PASS, OutcomeStatus.PARTIAL, OutcomeStatus.FAIL,
             OutcomeStatus.NOT_ASSESSED, OutcomeStatus.NOT_APPLICABLE, OutcomeStatus.WAIVED,
             OutcomeStatus.STALE, OutcomeStatus.ERROR]


@st.composite
def _outcomes(draw: st.DrawFn, rules: RuleSet) -> list[Outcome]:
    bias = draw(st.lists(st.integers(0, 5), min_size=len(_STATUSES),
                         max_size=len(_STATUSES)))
    weighted = [s for s, b in zip(_STATUSES, bias, strict=True) for _ in range(b)] or [
        OutcomeStatus.FAIL]
    out = []
    for compiled in rules.rules:
        status = draw(st.sampled_from(weighted))
        credit = {OutcomeStatus.PASS: 1.0,
                  OutcomeStatus.PARTIAL: draw(st.floats(0.01, 0.99))}.get(status, 0.0)
        out.append(_outcome(compiled.id, compiled.pack, status, credit))
    return out


_targets: st.SearchStrategy[list[dict[str, Any]]] = st.one_of(
    st.just([]),
    st.lists(st.fixed_dictionaries({
        "dimension": st.sampled_from(["all", "user-driven", "skills", "data-driven"]),
        "level": st.integers(1, 5)}), min_size=1, max_size=3),
    st.lists(st.fixed_dictionaries({
        "dimension": st.sampled_from(["all", "proactiveness", "workforce"]),
        "score": st.floats(0.05, 1.0)}), min_size=1, max_size=3),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_plans_respect_dependencies_capacity_and_never_lose_ground(
        builtin_rules: RuleSet, data: st.DataObject) -> None:
    outcomes = data.draw(_outcomes(builtin_rules))
    model = data.draw(st.sampled_from(BUILTIN_SCORING_MODELS))
    threshold = data.draw(st.sampled_from([0.5, 0.75, 1.0]))
    settings_ = {
        "capacity": data.draw(st.floats(3.0, 60.0)),
        "phases": data.draw(st.integers(1, 8)),
        "phase_months": 6,
        "targets": data.draw(_targets),
    }
    plan = plan_roadmap(builtin_rules, outcomes, model, threshold, settings_)
    check_plan(builtin_rules, outcomes, plan, model, threshold)


@settings(max_examples=60, deadline=None)
@given(efforts=st.lists(st.integers(1, 9), min_size=2, max_size=9),
       links=st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8)), max_size=12),
       capacity=st.integers(1, 12), phases=st.integers(1, 6))
def test_property_synthetic_chains(session: Session, efforts: list[int],
                                   links: list[tuple[int, int]], capacity: int,
                                   phases: int) -> None:
    count = len(efforts)
    depends: dict[int, set[int]] = {i: set() for i in range(count)}
    for later, earlier in links:
        # Only backward links, so depends_on stays acyclic as packs require.
        if earlier < later < count:
            depends[later].add(earlier)
    rules = _pack(session, [
        {"id": f"R-{i}", "level": 1 + i % 3, "weight": 1.0 + i,
         "remediation": {"effort": e, "depends_on": [f"R-{d}" for d in sorted(depends[i])]}}
        for i, e in enumerate(efforts)
    ])
    outcomes = _all_failing(rules)
    plan = _plan(rules, outcomes, capacity=float(capacity), phases=phases)
    check_plan(rules, outcomes, plan, DGI)
    chain = plan["critical_path"]["actions"]
    by_id = {a["id"]: a for a in plan["actions"]}
    for earlier, later in itertools.pairwise(chain):
        assert by_id[earlier]["phase"] < by_id[later]["phase"]
    for action in plan["actions"]:
        if action["phase"] is None and action["effort"] > capacity:
            assert action["reason"] == "exceeds-capacity"


@settings(max_examples=30, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # patched within each example
@given(data=st.data())
def test_property_lazy_planning_takes_the_steps_of_weighing_every_candidate_afresh(
        builtin_rules: RuleSet, data: st.DataObject, monkeypatch: pytest.MonkeyPatch) -> None:
    """The planner weighs a changed candidate again only when its bound reaches the top; the
    plan must be the one of weighing every changed candidate again after each commit."""
    outcomes = data.draw(_outcomes(builtin_rules))
    threshold = data.draw(st.sampled_from([0.5, 0.75, 1.0]))
    settings_ = {"capacity": data.draw(st.floats(3.0, 60.0)),
                 "phases": data.draw(st.integers(1, 8)), "phase_months": 6,
                 "targets": data.draw(_targets)}
    lazy = plan_roadmap(builtin_rules, outcomes, DGI, threshold, settings_)
    init = roadmap._WhatIf.__init__

    def eager(self: Any, *args: Any) -> None:
        init(self, *args)
        self.diminishing = False  # every stale candidate is weighed again first

    with monkeypatch.context() as patch:
        patch.setattr(roadmap._WhatIf, "__init__", eager)
        assert plan_roadmap(builtin_rules, outcomes, DGI, threshold, settings_) == lazy


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_the_weighted_mean_fast_path_equals_the_model_scoring_rules(
        builtin_rules: RuleSet, data: st.DataObject) -> None:
    """The what-if re-scores a weighted-mean dimension from flat sums; a model whose
    `rule_score` computes the same mean another way goes through the rules, and the plans
    must be equal to the last bit."""
    outcomes = data.draw(_outcomes(builtin_rules))
    settings_ = {**default_settings(), "targets": data.draw(_targets)}
    same = ScoringModel("weighted-copy", "The weighted mean, not recognised as such.",
                        lambda scored: weighted_score(scored), DGI.index)
    assert plan_roadmap(builtin_rules, outcomes, same, 0.75, settings_) == plan_roadmap(
        builtin_rules, outcomes, DGI, 0.75, settings_)


def test_a_pack_scored_by_its_own_model_is_planned_with_that_model(session: Session) -> None:
    # Scored `absolute` (1 only when every rule passes), meeting one of two rules closes none of
    # the gap and meeting both closes all of it; the run's weighted mean would say half each.
    rules = _pack(session, [{"id": "A-1"}, {"id": "A-2"}])
    absolute = next(m for m in BUILTIN_SCORING_MODELS if m.name == "xccdf-absolute")
    pinned = dataclasses.replace(DGI, pack_models={"test": absolute})
    plan = _plan(rules, _all_failing(rules), model=pinned)
    gains = sorted(a["gain"] for a in plan["actions"] if a["phase"] is not None)
    assert gains == [0.0, 1.0]
    assert sorted(a["gain"] for a in _plan(rules, _all_failing(rules))["actions"]) == [0.5, 0.5]


def test_roadmap_module_stays_pure() -> None:
    source = (Path(maturity.__file__).parent / "roadmap.py").read_text()
    for forbidden in ("open(", "Path(", "os.environ", "datetime.now", "date.today",
                      "time.time", "maturity.plugins", "maturity.api", "importlib"):
        assert forbidden not in source, forbidden
