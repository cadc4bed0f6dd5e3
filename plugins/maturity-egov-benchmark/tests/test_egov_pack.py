"""The pack and its scoring model as data: generated rules in sync, inline cases, coverage."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from collections import Counter
from types import ModuleType

import maturity_egov_benchmark
import pytest
from egov_fixtures import PLUGIN_ROOT, plugin_session

from maturity.cli import main
from maturity.scoring import ScoredRule
from maturity.testing import run_rule_tests

PACK = maturity_egov_benchmark.PACK_ID


def _generator() -> ModuleType:
    path = PLUGIN_ROOT / "tools" / "generate_rules.py"
    spec = importlib.util.spec_from_file_location("egov_generate_rules", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_rule_files_are_what_the_catalogue_generates() -> None:
    generator = _generator()
    catalogue = tomllib.loads(generator.CATALOGUE.read_text(encoding="utf-8"))
    generated = generator.rule_files(catalogue)
    pack_dir = PLUGIN_ROOT / "src" / "maturity_egov_benchmark" / "rules" / PACK
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in pack_dir.glob("*.toml")
               if p.name != "pack.toml"}
    assert generated == on_disk, "run: python tools/generate_rules.py"


def test_every_inline_case_holds_and_every_rule_has_the_three_kinds() -> None:
    rules, _ = plugin_session().load_rules([PACK])
    results = run_rule_tests(rules)
    failed = [f"{r.case}: {r.message}" for r in results if not r.ok]
    assert not failed, failed[:10]
    for compiled in rules.rules:
        kinds = {t.expect.value for t in compiled.rule.tests}
        assert {"pass", "fail", "not_assessed"} <= kinds, compiled.id


def test_the_pack_scores_the_whole_catalogue() -> None:
    rules, _ = plugin_session().load_rules([PACK])
    pack = rules.pack(PACK)
    per_facet = Counter(r.facet for r in pack.rules)
    # 54 national services (28 transactional), 25 cross-border (22 transactional), 4 life events.
    assert per_facet["online-availability"] == per_facet["mobile-friendliness"] == 54
    assert per_facet["transparency-of-service-delivery"] == per_facet["eid"] == 28
    assert per_facet["cross-border-online-availability"] == 25
    assert per_facet["cross-border-eid"] == per_facet["cross-border-edocuments"] == 22
    assert per_facet["user-support"] == per_facet["digital-post"] == 4
    assert len(pack.rules) == 309
    assert pack.header.license == "CC-BY-4.0"


def test_every_rule_is_a_leaf_of_the_hierarchy_in_its_life_event() -> None:
    rules, _ = plugin_session().load_rules([PACK])
    pack = rules.pack(PACK)
    hierarchy = maturity_egov_benchmark.hierarchy()
    full_marks = hierarchy.evaluate(pack, [
        ScoredRule(r.id, r.dimension, r.facet, r.level, r.weight, 1.0) for r in pack.rules])
    assert set(full_marks.leaves) == {r.id for r in pack.rules}
    for node in full_marks.nodes:
        for value in node.values.values():
            # Every published cell; intermediate nodes are missing where a life event has no
            # service of their kind (no informational cross-border service in Family).
            assert (value is None and not node.label) or abs(value - 100.0) <= 1e-9, node.id
    nothing = hierarchy.evaluate(pack, [])
    # With no score at all only the nodes that count a missing part as 0 have a value.
    assert {n.id for n in nothing.nodes if any(v is not None for v in n.values.values())} \
        == {"0", "2"}


def test_the_scoring_model_is_offered_and_claims_the_pack() -> None:
    session = plugin_session()
    run_model = session.scoring_model("oecd-dgi")
    own = run_model.for_pack(PACK)
    assert own.name == PACK and own.hierarchy is not None
    assert run_model.for_pack("oecd-dgpf").name == "oecd-dgi"
    locations = [loc for _p, loc in session.host.rule_packs() if "egov" in loc.display]
    assert [loc.default for loc in locations] == [False]


def test_the_pack_passes_the_engines_lint_and_rule_tests(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", "lint", "--pack", PACK]) == 0
    assert main(["rules", "test", "--pack", PACK]) == 0
    assert "0 failed (309 rules, 0 without tests)" in capsys.readouterr().out
