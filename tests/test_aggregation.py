"""Hierarchical aggregation: node trees per scope, weights and missing-value policies as data."""

from __future__ import annotations

import ast
import copy
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import maturity
from maturity.aggregation import Hierarchy, hierarchy_from_document, hierarchy_model
from maturity.api import Session
from maturity.errors import PackError, PluginError
from maturity.hookspecs import hookimpl
from maturity.model import (
    EvidenceBundle,
    Explanation,
    Organisation,
    Outcome,
    OutcomeStatus,
    RulePack,
)
from maturity.packs import pack_from_documents
from maturity.plugins import create_host
from maturity.record import Provenance, build_record, canonical_bytes, parse_record
from maturity.scoring import BUILTIN_SCORING_MODELS, ScoredRule, ScoringModel, score_packs

OECD_DGI = BUILTIN_SCORING_MODELS[0]


def _rule(rule_id: str, dimension: str, facet: str, weight: float = 1.0) -> dict[str, Any]:
    return {
        "id": rule_id, "title": f"Rule {rule_id}", "rationale": "For a test.",
        "dimension": dimension, "facet": facet, "level": 1, "weight": weight,
        "check": {"path": f"e.{rule_id.lower()}", "ge": 0},
        "remediation": {"action": "Fix it", "effort": 1, "owner": "someone"},
    }


RULES = [
    _rule("N-T1-ON", "access", "online"), _rule("N-T2-ON", "access", "online"),
    _rule("N-I1-ON", "access", "online"), _rule("N-P-HELP", "access", "help"),
    _rule("S-T1-ON", "access", "online"), _rule("S-P-HELP", "access", "help"),
    _rule("N-T1-ID", "enablers", "identity"), _rule("S-T1-ID", "enablers", "identity"),
]


def _pack(rules: list[dict[str, Any]] | None = None) -> RulePack:
    header = {"pack": {
        "id": "regions", "version": "1.0.0", "title": "Regions", "source": "A test",
        "license": "CC-BY-4.0",
        "dimensions": [{"id": "access", "name": "Access"}, {"id": "enablers", "name": "Enablers"}],
        "facets": [{"id": "online", "name": "Online", "dimension": "access"},
                   {"id": "help", "name": "Help", "dimension": "access"},
                   {"id": "identity", "name": "Identity", "dimension": "enablers"}],
    }}
    return pack_from_documents("pack.toml", header, [("rules.toml", {"rules": rules or RULES})],
                               origin="test", sha256="0" * 64)


SPEC: dict[str, Any] = {"hierarchy": {
    "name": "regions-method",
    "description": "Online 80/20 transactional/informational, help, identity; mean of regions.",
    "packs": ["regions"],
    "scale": 100,
    "summary": "average",
    "scopes": [
        {"id": "average", "label": "Average", "rollup": {"of": ["north", "south"]}},
        {"id": "north", "label": "North", "vars": {"r": "N"}},
        {"id": "south", "label": "South", "vars": {"r": "S"}},
    ],
    "nodes": [
        {"id": "0", "label": "0. Overall", "index": True, "missing": "zero",
         "children": [{"node": "1"}, {"node": "2"}]},
        {"id": "1", "label": "1. Access", "dimension": "access",
         "children": [{"node": "1.1", "weight": "2/3"}, {"node": "1.2", "weight": "1/3"}]},
        {"id": "1.1", "label": "1.1 Online", "facet": "online",
         "children": [{"node": "1.1-t", "weight": 0.8}, {"node": "1.1-i", "weight": 0.2}]},
        {"id": "1.1-t", "rules": {"facet": "online", "id": "{r}-T*"}},
        {"id": "1.1-i", "rules": {"facet": "online", "id": "{r}-I*"}},
        {"id": "1.2", "label": "1.2 Help", "facet": "help", "rules": {"facet": "help"
                                                                      , "id": "{r}-*"}},
        {"id": "2", "label": "2. Enablers", "dimension": "enablers", "facet": "identity",
         "rules": {"facet": "identity", "id": "{r}-*", "round": 1}},
    ],
}}


def _hierarchy(spec: dict[str, Any] | None = None) -> Hierarchy:
    return hierarchy_from_document(spec or SPEC, file="regions.toml", sha256="a" * 64)


def _scored(credits: dict[str, float | None]) -> list[ScoredRule]:
    rules = {r["id"]: r for r in RULES}
    return [ScoredRule(rid, rules[rid]["dimension"], rules[rid]["facet"], 1,
                       float(rules[rid]["weight"]), credit)
            for rid, credit in credits.items()]


CREDITS: dict[str, float | None] = {
    "N-T1-ON": 1.0, "N-T2-ON": 0.5, "N-I1-ON": 0.25, "N-P-HELP": 1.0,
    "S-T1-ON": 0.75, "S-P-HELP": None, "N-T1-ID": 2 / 3, "S-T1-ID": None,
}


def test_nodes_follow_the_declared_weights_and_policies() -> None:
    result = _hierarchy().evaluate(_pack(), _scored(CREDITS))
    north_online = 0.8 * 75.0 + 0.2 * 25.0
    assert result.value("north", "1.1-t") == 75.0
    assert result.value("north", "1.1") == north_online
    # South has no informational service: the transactional mean counts alone, exactly.
    assert result.value("south", "1.1") == 75.0
    assert result.value("north", "1") == (2 / 3) * north_online + (1 / 3) * 100.0
    # South has no help: "skip" leaves it out, the single value left is itself.
    assert result.value("south", "1") == 75.0
    # Leaves rounded half up to whole numbers on the scale: 66.67 -> 67.
    assert result.leaves["N-T1-ID"] == 67.0
    assert result.value("north", "2") == 67.0
    assert result.value("south", "2") is None
    # Overall counts a missing dimension as 0 ("zero").
    assert result.value("south", "0") == (75.0 + 0.0) / 2
    # The roll-up is the mean over the regions that have a value.
    assert result.value("average", "2") == 67.0
    assert result.value("average", "1.1") == (north_online + 75.0) / 2


def test_the_pack_scores_are_the_summary_nodes_as_shares() -> None:
    model = hierarchy_model(_hierarchy())
    outcomes = [Outcome(rule, "regions", OutcomeStatus.PASS if c == 1 else (
        OutcomeStatus.NOT_APPLICABLE if c is None else OutcomeStatus.PARTIAL),
        c or 0.0, Explanation("", {})) for rule, c in CREDITS.items()]
    scores = score_packs([_pack()], outcomes,
                         dataclasses.replace(OECD_DGI, pack_models={"regions": model}))
    score = scores["regions"]
    assert score.hierarchy is not None
    assert score.index == score.hierarchy.value("average", "0") / 100  # type: ignore[operator]
    access = score.dimensions["access"]
    assert access.score == score.hierarchy.value("average", "1") / 100  # type: ignore[operator]
    assert access.facets["online"] == score.hierarchy.value("average", "1.1") / 100  # type: ignore[operator]
    assert score.dimensions["enablers"].facets == {"identity": 0.67}
    # Another pack in the same run keeps the run's model.
    plain = score_packs([_pack()], outcomes, OECD_DGI)["regions"]
    assert plain.hierarchy is None and plain.index != score.index


def test_the_record_keeps_every_value_exactly_and_names_the_model() -> None:
    model = hierarchy_model(_hierarchy())
    outcomes = [Outcome(rule, "regions", OutcomeStatus.PARTIAL if c else
                        OutcomeStatus.NOT_APPLICABLE, c or 0.0, Explanation("", {}))
                for rule, c in CREDITS.items()]
    run_model = dataclasses.replace(OECD_DGI, pack_models={"regions": model})
    scores = score_packs([_pack()], outcomes, run_model)
    bundle = EvidenceBundle("north", Organisation(id="north", name="North", kind="other"),
                            dt.date(2022, 12, 31), "2022", None, {})
    record = build_record(
        bundle=bundle, as_of=dt.date(2022, 12, 31), packs=[_pack()], outcomes=outcomes,
        scores=scores, scores_without_waivers=scores, model=run_model,
        settings={"level_threshold": 0.75},
        provenance=Provenance(engine_version="0", plugin_api="1.0"))
    loaded = parse_record(canonical_bytes(record))
    assert loaded["scoring"]["model"] == "oecd-dgi"
    assert loaded["scoring"]["packs"] == {"regions": {
        "model": "regions-method", "description": model.description}}
    assert loaded["packs"][0]["source"] == "A test"
    assert loaded["packs"][0]["license"] == "CC-BY-4.0"
    data = loaded["scores"]["regions"]["hierarchy"]
    assert [s["id"] for s in data["scopes"]] == ["average", "north", "south"]
    assert [n["id"] for n in data["nodes"]][:3] == ["0", "1", "1.1"]
    exact = scores["regions"].hierarchy
    assert exact is not None
    for node in data["nodes"]:
        for scope, text in node["values"].items():
            value = exact.value(scope, node["id"])
            assert (text is None and value is None) or float(text) == value
    assert data["leaves"]["S-P-HELP"] is None
    # Canonical bytes are stable: parsing and re-canonicalising changes nothing.
    assert canonical_bytes(loaded) == canonical_bytes(record)
    assert json.loads(canonical_bytes(record))["scores"]["regions"]["hierarchy"]["model"] \
        == "regions-method"


def test_a_run_without_such_packs_records_no_per_pack_models() -> None:
    outcomes = [Outcome(rule, "regions", OutcomeStatus.PASS, 1.0, Explanation("", {}))
                for rule in CREDITS]
    scores = score_packs([_pack()], outcomes, OECD_DGI)
    bundle = EvidenceBundle("x", Organisation(id="x", name="X", kind="other"), None, None,
                            None, {})
    record = build_record(
        bundle=bundle, as_of=dt.date(2022, 1, 1), packs=[_pack()], outcomes=outcomes,
        scores=scores, scores_without_waivers=scores, model=OECD_DGI,
        settings={"level_threshold": 0.75},
        provenance=Provenance(engine_version="0", plugin_api="1.0"))
    assert "packs" not in record["scoring"]
    assert "hierarchy" not in record["scores"]["regions"]


def _variant(**changes: Any) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC)
    for path, value in changes.items():
        node: Any = spec["hierarchy"]
        keys = path.split("__")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        node[keys[-1]] = value
    return spec


@pytest.mark.parametrize(("spec", "words"), [
    (_variant(nodes__0__children=[{"node": "9"}]), "unknown child '9'"),
    (_variant(nodes__2__children=[{"node": "1"}]), "cycle"),
    (_variant(nodes__3__children=[{"node": "1.2"}]), "either children or rules"),
    (_variant(nodes__1__children=[{"node": "1.1", "weight": "2/0"}]), "fraction"),
    (_variant(nodes__1__children=[{"node": "1.1", "weight": -1}]), "positive"),
    (_variant(scopes__2__vars={}), "does not define"),
    (_variant(scopes__0__rollup={"of": ["average"]}), "not a scope of the tree"),
    (_variant(summary="west"), "unknown summary scope"),
    (_variant(nodes__4__facet="online"), "two nodes give the facet score"),
    (_variant(nodes__0__missing="ignore"), "skip"),
    (_variant(colour="blue"), "unknown key 'colour'"),
])
def test_spec_mistakes_are_pack_errors_naming_the_place(spec: dict[str, Any],
                                                        words: str) -> None:
    with pytest.raises(PackError) as caught:
        _hierarchy(spec)
    assert caught.value.file == "regions.toml"
    assert words in caught.value.render()


def test_pack_mismatches_are_found_when_scoring() -> None:
    overlapping = _variant(nodes__4__rules={"facet": "online", "id": "{r}-*"})
    with pytest.raises(PackError, match="leaf of two nodes"):
        _hierarchy(overlapping).evaluate(_pack(), _scored(CREDITS))
    unknown = _variant(nodes__1__dimension="acess")
    with pytest.raises(PackError, match="did you mean 'access'"):
        _hierarchy(unknown).evaluate(_pack(), _scored(CREDITS))


credits = st.one_of(st.none(), st.floats(0, 1, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({rule: credits for rule in CREDITS}))
def test_every_node_lies_within_the_scale(values: dict[str, float | None]) -> None:
    result = _hierarchy().evaluate(_pack(), _scored(values))
    for node in result.nodes:
        for value in node.values.values():
            assert value is None or 0.0 <= value <= 100.0 + 1e-9


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=6),
       st.randoms(use_true_random=False))
def test_equal_weights_give_the_mean_whatever_order_the_rules_come_in(
    values: list[float], rnd: Any
) -> None:
    rules = [_rule(f"N-T{i}-ON", "access", "online") for i in range(len(values))]
    scored = [ScoredRule(r["id"], "access", "online", 1, 1.0, v) for r, v in zip(rules, values,
                                                                              strict=True)]
    shuffled = list(scored)
    rnd.shuffle(shuffled)
    hierarchy = _hierarchy()
    pack = _pack(rules + RULES[3:4])
    first = hierarchy.evaluate(pack, scored).value("north", "1.1-t")
    assert first == hierarchy.evaluate(pack, shuffled).value("north", "1.1-t")
    assert first == pytest.approx(100 * sum(values) / len(values))


class _MethodPlugin:
    """A real plugin object contributing the hierarchy's model (registered through the host)."""

    MATURITY_PLUGIN_API = ">=1,<2"

    def __init__(self, name: str) -> None:
        self.name = name

    @hookimpl
    def maturity_scoring_models(self) -> list[ScoringModel]:
        return [dataclasses.replace(hierarchy_model(_hierarchy()), name=self.name)]


def test_the_session_attaches_a_packs_own_model_to_any_run_model() -> None:
    session = Session(host=create_host(autoload=False,
                                       extra=[("method", _MethodPlugin("regions-method"))]))
    for name in ("oecd-dgi", "xccdf-flat", "regions-method"):
        model = session.scoring_model(name)
        assert model.name == name
        assert model.for_pack("regions").name == "regions-method"
        assert model.for_pack("oecd-dgpf").name == name


def test_two_models_claiming_one_pack_is_a_plugin_error() -> None:
    session = Session(host=create_host(autoload=False, extra=[
        ("one", _MethodPlugin("method-one")), ("two", _MethodPlugin("method-two"))]))
    with pytest.raises(PluginError, match="two scoring models claim pack 'regions'"):
        session.scoring_model("oecd-dgi")


@pytest.mark.parametrize("module", ["aggregation", "survey"])
def test_the_new_core_modules_are_pure(module: str) -> None:
    """As the pure core: no files, clock, environment, plugins, CLI or rendering."""
    path = Path(maturity.__file__).parent / f"{module}.py"
    imported: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    impure = {"os", "sys", "pathlib", "time", "io", "importlib", "pluggy", "maturity.plugins",
              "maturity.cli", "maturity.report", "maturity.files", "maturity.evidence",
              "maturity.loaders", "maturity.api", "maturity.packs", "maturity.formats"}
    assert not imported & impure
