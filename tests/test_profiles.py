"""Profiles: strict files, every kind of change, duplicates and overrides, the record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.api import Session, assess_bundle, provenance_for
from maturity.checks import BUILTIN_CHECK_TYPES, CheckCompiler
from maturity.cli import main
from maturity.errors import PackError
from maturity.limits import Limits
from maturity.loaders import load_profile
from maturity.model import RulePack
from maturity.packs import load_pack_dir
from maturity.plugins import create_host
from maturity.profiles import Profile, apply_profiles
from maturity.ruleset import compile_rules

ROOT = Path(__file__).resolve().parents[1]
MINI_PACK = ROOT / "tests" / "packs" / "mini"
FINANCE = ROOT / "examples" / "ministry-of-finance"
COMPILER = CheckCompiler(BUILTIN_CHECK_TYPES)


def mini() -> RulePack:
    return load_pack_dir(MINI_PACK, origin="local:mini", display="mini", limits=Limits())


def other(*, rule_id: str = "O-1", depends_on: tuple[str, ...] = ("mini:A-1",)) -> RulePack:
    """A second pack whose rule depends on a rule of `mini`."""
    pack = mini()
    rule = pack.rules[0].model_copy(update={
        "id": rule_id,
        "remediation": pack.rules[0].remediation.model_copy(
            update={"depends_on": list(depends_on)}),
    })
    header = pack.header.model_copy(update={"id": "other"})
    return pack.model_copy(update={"header": header, "rules": (rule,), "rule_files": {}})


def profile(**fields: Any) -> Profile:
    return Profile.model_validate({"id": "tailoring", "title": "Test tailoring",
                                   "author": "Strategy Unit", **fields})


def rule(packs: list[RulePack], rule_id: str) -> Any:
    return next(r for p in packs for r in p.rules if r.id == rule_id)


# -- every kind of change ------------------------------------------------------------------------


def test_weight_level_and_check_changes_are_applied_and_logged() -> None:
    packs, log = apply_profiles([mini()], [profile(changes=[
        {"rule": "A-1", "weight": 4.0, "reason": "national priority"},
        {"rule": "A-3", "level": 2, "check": {"path": "services.online_pct",
                                              "linear": [10, 60]},
         "reason": "lower threshold for small ministries"},
    ])])
    assert (rule(packs, "A-1").weight, rule(packs, "A-3").level) == (4.0, 2)
    assert rule(packs, "A-3").check == {"path": "services.online_pct", "linear": [10, 60]}
    assert [(e["change"], e["rule"], e["from"], e["to"]) for e in log] == [
        ("weight", "A-1", 2.0, 4.0), ("level", "A-3", 3, 2),
        ("check", "A-3", {"path": "services.online_pct", "linear": [20, 80]},
         {"path": "services.online_pct", "linear": [10, 60]})]
    assert all(e["profile"] == "tailoring" and e["author"] == "Strategy Unit" and e["reason"]
               for e in log)
    compile_rules(packs, COMPILER)


def test_a_changed_check_that_does_not_compile_names_the_profile() -> None:
    packs, _log = apply_profiles([mini()], [profile(changes=[
        {"rule": "A-1", "check": {"path": "strategy.adopted", "iss": True}, "reason": "typo"}])])
    with pytest.raises(PackError) as caught:
        compile_rules(packs, COMPILER)
    assert caught.value.file == "profile tailoring"
    assert caught.value.fix == "did you mean 'is'?"


def test_disabling_a_rule_drops_the_dependencies_on_it() -> None:
    packs, log = apply_profiles([mini(), other()], [profile(changes=[
        {"rule": "A-1", "disable": True, "reason": "no strategy cycle this year"}])])
    assert "A-1" not in {r.id for p in packs for r in p.rules}
    assert rule(packs, "A-2").remediation.depends_on == []
    assert rule(packs, "O-1").remediation.depends_on == []
    assert [(e["change"], e["rule"], e.get("dependency")) for e in log] == [
        ("disable", "A-1", None), ("drop-dependency", "A-2", "A-1"),
        ("drop-dependency", "O-1", "mini:A-1")]
    compile_rules(packs, COMPILER)         # without the drop: "depends_on names a rule…"


def test_selecting_packs_and_rules() -> None:
    packs, log = apply_profiles([mini(), other()], [profile(select={
        "packs": ["mini"], "rules": ["A-2", "A-3", "B-1"], "reason": "pilot scope"})])
    assert [p.id for p in packs] == ["mini"]
    assert [r.id for r in packs[0].rules] == ["A-2", "A-3", "B-1"]
    assert rule(packs, "A-2").remediation.depends_on == []
    assert [e["change"] for e in log] == ["select-packs", "select-rules", "drop-dependency"]
    assert log[0]["reason"] == "pilot scope"
    compile_rules(packs, COMPILER)


def test_adding_a_rule_to_an_existing_dimension() -> None:
    new = rule([mini()], "B-1").model_dump() | {"id": "MER-B-9", "title": "A national rule"}
    packs, log = apply_profiles([mini()], [profile(add=[
        {"pack": "mini", "reason": "national law", "rule": new}])])
    rules = compile_rules(packs, COMPILER)
    assert rules.rule("MER-B-9").pack == "mini"
    assert log == [{"profile": "tailoring", "author": "Strategy Unit", "change": "add",
                    "rule": "MER-B-9", "pack": "mini", "dimension": "beta",
                    "reason": "national law"}]
    wrong = new | {"dimension": "gamma"}
    packs, _ = apply_profiles([mini()], [profile(add=[
        {"pack": "mini", "reason": "national law", "rule": wrong}])])
    with pytest.raises(PackError, match="unknown dimension 'gamma'") as caught:
        compile_rules(packs, COMPILER)
    assert caught.value.file == "profile tailoring"


# -- duplicate rule ids across packs -------------------------------------------------------------


def test_duplicate_rule_ids_across_packs_are_an_error() -> None:
    with pytest.raises(PackError) as caught:
        compile_rules([mini(), other(rule_id="A-1", depends_on=())], COMPILER)
    assert caught.value.code == "pack.duplicate-rule"
    assert "'A-1' also in pack" in (caught.value.found or "")
    assert caught.value.fix == "rename the rule, or override it explicitly in a profile"


def test_an_explicit_override_resolves_a_duplicate() -> None:
    replacement = rule([mini()], "A-1").model_dump() | {"title": "The national version"}
    packs, log = apply_profiles([mini(), other(rule_id="A-1", depends_on=())], [profile(add=[
        {"pack": "other", "override": True, "reason": "the national rule replaces the OECD one",
         "rule": replacement}])])
    rules = compile_rules(packs, COMPILER)
    assert rules.rule("A-1").pack == "other"
    assert rules.rule("A-1").rule.title == "The national version"
    assert rule(packs, "A-2").remediation.depends_on == []       # A-1 left pack mini
    assert (log[0]["change"], log[0]["replaces"]) == ("override", ["mini:A-1", "other:A-1"])


def test_adding_an_existing_id_without_override_and_overriding_nothing_are_errors() -> None:
    existing = rule([mini()], "A-1").model_dump()
    with pytest.raises(PackError, match="adds rule 'A-1', which already exists") as caught:
        apply_profiles([mini()], [profile(add=[{"pack": "mini", "reason": "x",
                                                "rule": existing}])])
    assert caught.value.location == "profile.add[0].rule.id"
    with pytest.raises(PackError, match="overrides rule 'Z-9', which is not loaded"):
        apply_profiles([mini()], [profile(add=[{"pack": "mini", "reason": "x", "override": True,
                                                "rule": existing | {"id": "Z-9"}}])])


def test_changing_a_rule_that_is_in_two_packs_is_ambiguous() -> None:
    with pytest.raises(PackError, match="rule 'A-1' is in several packs"):
        apply_profiles([mini(), other(rule_id="A-1", depends_on=())], [profile(changes=[
            {"rule": "A-1", "weight": 3.0, "reason": "x"}])])


@pytest.mark.parametrize(("fields", "location", "message"), [
    ({"changes": [{"rule": "A-9", "weight": 2.0, "reason": "x"}]}, "profile.changes[0].rule",
     "changes a rule that is not loaded: 'A-9'"),
    ({"select": {"packs": ["mino"], "reason": "x"}}, "profile.select.packs[0]",
     "selects a pack that is not loaded: 'mino'"),
    ({"select": {"rules": ["A-1", "A-7"], "reason": "x"}}, "profile.select.rules[1]",
     "selects a rule that is not loaded: 'A-7'"),
    ({"add": [{"pack": "mino", "reason": "x", "rule": {}}]}, "profile.add[0].pack", None),
])
def test_references_to_what_is_not_loaded_are_errors(fields: dict[str, Any], location: str,
                                                     message: str | None) -> None:
    if fields.get("add"):
        fields["add"][0]["rule"] = rule([mini()], "A-1").model_dump() | {"id": "N-1"}
        message = "adds a rule to a pack that is not loaded: 'mino'"
    with pytest.raises(PackError) as caught:
        apply_profiles([mini()], [profile(**fields)])
    assert (caught.value.location, caught.value.message) == (location, message)
    assert caught.value.file == "profile tailoring"


@pytest.mark.parametrize("name", ["weight", "level", "check"])
def test_a_change_to_the_value_the_rule_has_is_an_error(name: str) -> None:
    own = getattr(rule([mini()], "A-1"), name)
    with pytest.raises(PackError) as caught:
        apply_profiles([mini()], [profile(changes=[{"rule": "A-1", name: own, "reason": "x"}])])
    assert (caught.value.location, caught.value.message) == (
        f"profile.changes[0].{name}", f"the change leaves {name} as it is")


def test_changing_a_rule_an_earlier_profile_disabled_names_that_profile() -> None:
    disabling = Profile.model_validate({
        "id": "first", "title": "First", "author": "Strategy Unit",
        "changes": [{"rule": "A-1", "disable": True, "reason": "x"}]})
    with pytest.raises(PackError) as caught:
        apply_profiles([mini()], [disabling, profile(changes=[
            {"rule": "A-1", "weight": 3.0, "reason": "y"}])])
    assert caught.value.message == "changes a rule that profile 'first' removed: 'A-1'"
    assert caught.value.fix == "drop this change, or the removal in profile 'first'"


def test_a_profile_applied_twice_is_an_error() -> None:
    once = profile(changes=[{"rule": "A-1", "weight": 3.0, "reason": "x"}])
    with pytest.raises(PackError, match="applied twice"):
        apply_profiles([mini()], [once, once])


# -- strict profile files ------------------------------------------------------------------------

BASE = '[profile]\nid = "meridia-2026"\ntitle = "Meridia"\nauthor = "Meridia Digital Agency"\n'


@pytest.mark.parametrize(("text", "code", "location", "detail"), [
    (BASE + '[[profile.changes]]\nrule = "A-1"\nwieght = 2.0\nreason = "x"\n',
     "pack.unknown-key", "profile.changes[0].wieght (line 7)", "did you mean 'weight'?"),
    (BASE + '[[profile.changes]]\nrule = "A-1"\nreason = "x"\n',
     "pack.invalid-value", "profile.changes[0] (line 5)", "the change changes nothing"),
    (BASE + '[[profile.changes]]\nrule = "A-1"\ndisable = true\nweight = 2.0\nreason = "x"\n',
     "pack.invalid-value", "profile.changes[0] (line 5)", "a disabled rule has no weight"),
    (BASE + '[[profile.changes]]\nrule = "A-1"\nweight = 2.0\nreason = "   "\n',
     "pack.invalid-value", "profile.changes[0].reason (line 8)", "String should match pattern"),
    (BASE + '[[profile.changes]]\nrule = "A-1"\nweight = 0\nreason = "x"\n',
     "pack.invalid-value", "profile.changes[0].weight (line 7)", "greater than 0"),
    (BASE + '[[profile.changes]]\nrule = "A-1"\nweight = 2.0\n',
     "pack.missing-key", "profile.changes[0].reason (line 5)", "missing key 'reason'"),
    (BASE + '[profile.select]\nreason = "x"\n',
     "pack.invalid-value", "profile.select (line 5)", "a selection names packs, rules or both"),
    (BASE + ('[[profile.changes]]\nrule = "A-1"\nweight = 2.0\nreason = "x"\n' * 2),
     "pack.invalid-value", "profile (line 1)", "rule 'A-1' appears twice in changes"),
    (BASE, "pack.invalid-value", "profile (line 1)", "the profile changes nothing"),
    ('[profil]\nid = "x"\n', "profile.invalid", "profil (line 1)", "did you mean 'profile'?"),
    (BASE.replace('"meridia-2026"', '"Meridia 2026"') + '[profile.select]\npacks = ["a"]\n'
     'reason = "x"\n', "pack.invalid-value", "profile.id (line 2)", "String should match pattern"),
])
def test_profile_files_are_validated_strictly(tmp_path: Path, text: str, code: str, location: str,
                                              detail: str) -> None:
    path = tmp_path / "national.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_profile(path)
    error = caught.value
    rendered = error.render()
    assert (error.code, error.file, error.location) == (code, "national.toml", location)
    assert detail in rendered
    assert error.fix


# -- the record ----------------------------------------------------------------------------------


def test_a_profile_override_is_recorded_in_the_record(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    path = tmp_path / "meridia.toml"
    path.write_text(BASE + (
        '[[profile.changes]]\nrule = "DBD-SA-01"\nweight = 1.5\n'
        'reason = "The strategy law makes this a priority"\n'
        '[[profile.changes]]\nrule = "PRO-PL-03"\nlevel = 2\n'
        'reason = "Once-only is a legal duty"\n'), encoding="utf-8")
    out = tmp_path / "record.json"
    assert main(["assess", str(FINANCE), "--profile", str(path), "-o", str(out)]) == 0
    record = json.loads(out.read_bytes())
    changes = record["profile"]["changes"]
    assert [(c["rule"], c["change"], c["from"], c["to"]) for c in changes] == [
        ("DBD-SA-01", "weight", 0.44, 1.5), ("PRO-PL-03", "level", 3, 2)]
    assert changes[0]["reason"] == "The strategy law makes this a priority"
    assert {c["author"] for c in changes} == {"Meridia Digital Agency"}
    (pin,) = record["profile"]["profiles"]
    assert (pin["id"], pin["origin"]) == ("meridia-2026", "file:meridia.toml")
    outcome = next(o for o in record["outcomes"] if o["rule"] == "DBD-SA-01")
    assert outcome["weight"] == 1.5
    plain = tmp_path / "plain.json"
    assert main(["assess", str(FINANCE), "-o", str(plain)]) == 0
    assert json.loads(plain.read_bytes())["profile"] is None


def test_the_api_records_the_same_profile_section() -> None:
    session = Session(host=create_host(autoload=False))
    tailoring = profile(changes=[{"rule": "DBD-SA-01", "weight": 1.5, "reason": "priority"}])
    rules, changes = session.load_rules(["oecd-dgpf"], profiles=[tailoring])
    result = assess_bundle(session.load_evidence(FINANCE), rules,
                           model=session.scoring_model("oecd-dgi"),
                           provenance=provenance_for(session, changes,
                                                     profiles=[("api", tailoring)]))
    assert result.record["profile"]["changes"][0]["to"] == 1.5
    assert result.record["profile"]["profiles"][0]["origin"] == "api"


# -- properties ----------------------------------------------------------------------------------

RULE_IDS = [r.id for r in mini().rules]


@settings(max_examples=60, deadline=None)
@given(disabled=st.sets(st.sampled_from(RULE_IDS), max_size=len(RULE_IDS) - 1),
       weights=st.dictionaries(st.sampled_from(RULE_IDS),
                               st.floats(0.01, 100, allow_nan=False), max_size=3))
def test_any_mix_of_changes_compiles_and_every_change_is_logged(disabled: set[str],
                                                                weights: dict[str, float]) -> None:
    # A weight the rule already has is not a change (refused, see above).
    own = {r.id: r.weight for r in mini().rules}
    weights = {k: v for k, v in weights.items() if k not in disabled and v != own[k]}
    changes = [{"rule": r, "disable": True, "reason": f"disable {r}"} for r in sorted(disabled)]
    changes += [{"rule": r, "weight": w, "reason": f"weigh {r}"} for r, w in weights.items()]
    if not changes:
        return
    packs, log = apply_profiles([mini(), other()], [profile(changes=changes)])
    rules = compile_rules(packs, COMPILER)      # never a dangling dependency
    remaining = {r.id for r in rules.rules}
    assert remaining == (set(RULE_IDS) | {"O-1"}) - disabled
    for rule_id, weight in weights.items():
        assert rules.rule(rule_id).rule.weight == weight
    assert {(e["rule"], e["change"]) for e in log if e["change"] != "drop-dependency"} == (
        {(r, "disable") for r in disabled} | {(r, "weight") for r in weights})
    for entry in log:
        assert entry["reason"] and entry["author"] == "Strategy Unit"
        if entry["change"] == "drop-dependency":
            assert entry["dependency"].rpartition(":")[2] in disabled
