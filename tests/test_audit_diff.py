"""`maturity diff` across two periods of the example ministries, waivers on their boundary dates,
and rules a ministry declares not applicable."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.api import Session, assess
from maturity.audit import GAP_STATUSES, diff_records, render_diff
from maturity.checks import EvalContext
from maturity.engine import evaluate_rule
from maturity.errors import EvidenceError
from maturity.model import EvidenceBundle, OutcomeStatus, Waiver
from maturity.ruleset import RuleSet
from tests.conftest import EXAMPLES, ROOT
from tests.test_audit import copy_bundle, edit, run

MINISTRIES = ("ministry-of-culture", "ministry-of-health", "ministry-of-finance")
AS_OF = dt.date(2026, 10, 31)


@pytest.fixture(autouse=True)
def _core_plugins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")


def next_period(tmp_path: Path, name: str) -> Path:
    """The same ministry a year on: a copy of its bundle with the next period's date."""
    bundle = copy_bundle(tmp_path / "2027", name)
    edit(bundle / "bundle.toml", "as_of = 2026-10-31", "as_of = 2027-10-31")
    edit(bundle / "bundle.toml", 'period = "2026"', 'period = "2027"')
    return bundle


def assess_to(capsys: pytest.CaptureFixture[str], bundle: Path, record: Path,
              *extra: str | Path) -> dict[str, Any]:
    code, _, err = run(capsys, "assess", bundle, "-o", record, *extra)
    assert code == 0, err
    loaded: dict[str, Any] = json.loads(record.read_bytes())
    return loaded


@pytest.mark.parametrize("name", MINISTRIES)
def test_diff_across_two_periods_partitions_the_gaps(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    old = assess_to(capsys, EXAMPLES / name, tmp_path / "2026.json")
    new = assess_to(capsys, next_period(tmp_path, name), tmp_path / "2027.json")
    code, out, _ = run(capsys, "diff", tmp_path / "2026.json", tmp_path / "2027.json",
                       "--format", "json")
    assert code == 0
    diff = json.loads(out)
    assert diff["comparable"] and diff["warnings"] == []
    assert diff["old"]["period"] == "2026" and diff["new"]["period"] == "2027"

    def gaps(record: dict[str, Any]) -> set[str]:
        return {o["rule"] for o in record["outcomes"] if o["status"] in GAP_STATUSES}

    listed = {kind: {g["rule"] for g in items} for kind, items in diff["gaps"].items()}
    assert listed["new"] | listed["persisting"] == gaps(new)
    assert listed["resolved"] | listed["persisting"] == gaps(old)
    assert not listed["new"] & listed["resolved"]
    index = next(s for s in diff["scores"] if s["pack"] == "oecd-dgpf" and s["scope"] == "index")
    assert index["old"] == old["scores"]["oecd-dgpf"]["index"]
    assert index["new"] == new["scores"]["oecd-dgpf"]["index"]


def test_diff_names_what_the_health_ministry_fixed_and_broke(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = next_period(tmp_path, "ministry-of-health")
    edit(bundle / "dgpf.toml", "[services.channel_strategy]\nadopted = false",
         "[services.channel_strategy]\nadopted = true")
    edit(bundle / "dgpf.toml", "[security.policy]\nadopted = true",
         "[security.policy]\nadopted = false")
    assess_to(capsys, EXAMPLES / "ministry-of-health", tmp_path / "2026.json")
    assess_to(capsys, bundle, tmp_path / "2027.json")
    code, out, _ = run(capsys, "diff", tmp_path / "2026.json", tmp_path / "2027.json")
    assert code == 0
    resolved = out.split("Resolved gaps")[1].split("Persisting gaps")[0]
    new = out.split("New gaps")[1].split("Resolved gaps")[0]
    assert "DBD-SA-06" in resolved and "fail → pass" in resolved
    assert "DBD-SA-05" in new and "pass → fail" in new
    assert "NOT COMPARABLE" not in out
    assert "oecd-dgpf              digital-by-design" in out
    code, md, _ = run(capsys, "diff", tmp_path / "2026.json", tmp_path / "2027.json",
                      "--format", "md")
    assert "## Resolved gaps (1)" in md and "| DBD-SA-06 | fail → pass |" in md


def test_diff_warns_when_pack_versions_differ(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = Path(shutil.copytree(ROOT / "rules" / "dgpf", tmp_path / "dgpf"))
    edit(pack / "pack.toml", 'version = "1.0.0"', 'version = "2.0.0"')
    assess_to(capsys, EXAMPLES / "ministry-of-health", tmp_path / "old.json")
    assess_to(capsys, next_period(tmp_path, "ministry-of-health"), tmp_path / "new.json",
              "--pack-dir", pack, "--pack", "oecd-digital-talent")
    code, out, _ = run(capsys, "diff", tmp_path / "old.json", tmp_path / "new.json")
    assert code == 0
    assert "WARNING: NOT COMPARABLE" in out
    assert "pack oecd-dgpf changed version 1.0.0 → 2.0.0" in out
    code, md, _ = run(capsys, "diff", tmp_path / "old.json", tmp_path / "new.json",
                      "--format", "md")
    assert "**WARNING: NOT COMPARABLE.**" in md


def test_a_record_compared_with_itself_changes_nothing(
    session: Session, builtin_rules: RuleSet
) -> None:
    record = json.loads(assess(EXAMPLES / "ministry-of-finance", rules=builtin_rules,
                               session=session).canonical_json())
    diff = diff_records(record, record)
    assert diff.comparable and not diff.new_gaps and not diff.resolved_gaps
    assert all(s.delta in (0.0, None) for s in diff.scores)
    assert "WARNING" not in render_diff(diff, "text")


# --- waivers on their boundary dates -----------------------------------------------------------


@pytest.fixture(scope="module")
def health(session: Session) -> EvidenceBundle:
    return session.load_evidence(EXAMPLES / "ministry-of-health")


def waiver(granted: dt.date, expires: dt.date, organisation: str | None = None) -> Waiver:
    return Waiver(rule="DBD-SA-06", organisation=organisation, risk="low",
                  justification="The channel strategy waits for the service reorganisation",
                  approver="Secretary-General", granted=granted, expires=expires)


def outcome_of(session: Session, rules: RuleSet, bundle: EvidenceBundle,
               waivers: list[Waiver], rule: str = "DBD-SA-06") -> tuple[Any, Any]:
    result = assess(bundle, rules=rules, session=session, waivers=waivers)
    record = json.loads(result.canonical_json())
    return next(o for o in record["outcomes"] if o["rule"] == rule), record


@pytest.mark.parametrize(("granted", "expires", "status", "state"), [
    (dt.date(2026, 1, 1), AS_OF, "waived", "active"),                       # expires == as_of
    (dt.date(2026, 1, 1), AS_OF - dt.timedelta(days=1), "fail", "expired"),  # as_of = expires + 1
    (AS_OF, dt.date(2027, 6, 30), "waived", "active"),                       # granted == as_of
    (AS_OF + dt.timedelta(days=1), dt.date(2027, 6, 30), "fail", "not_yet_valid"),
])
def test_waiver_validity_on_the_boundary_dates(
    session: Session, builtin_rules: RuleSet, health: EvidenceBundle,
    granted: dt.date, expires: dt.date, status: str, state: str,
) -> None:
    outcome, record = outcome_of(session, builtin_rules, health, [waiver(granted, expires)])
    assert record["assessment"]["as_of"] == AS_OF.isoformat()
    assert outcome["status"] == status
    assert record["waivers"][0]["state"] == state
    if status == "waived":
        assert outcome["underlying"] == {"status": "fail", "credit": 0.0}
        assert f"until {expires.isoformat()}" in outcome["reason"]
    else:
        assert outcome["reason"].startswith(f"waiver {state.replace('_', ' ')}")
        assert outcome["reason"].endswith("finding stands")


def test_scores_with_and_without_waivers(
    session: Session, builtin_rules: RuleSet, health: EvidenceBundle
) -> None:
    _, plain = outcome_of(session, builtin_rules, health, [])
    _, waived = outcome_of(session, builtin_rules, health,
                           [waiver(dt.date(2026, 1, 1), dt.date(2027, 1, 1))])
    dim = "digital-by-design"

    def score(record: dict[str, Any], key: str) -> float:
        value: float = record[key]["oecd-dgpf"]["dimensions"][dim]["score"]
        return value

    assert score(waived, "scores_without_waivers") == score(plain, "scores")
    assert score(waived, "scores") > score(plain, "scores")


def test_a_waiver_of_a_rule_not_assessed_is_not_listed_as_active(
    session: Session, health: EvidenceBundle
) -> None:
    # A national waiver file covers both packs; this run loads one of them.
    talent_only, _ = session.load_rules(["oecd-digital-talent"])
    result = assess(health, rules=talent_only, session=session,
                    waivers=[waiver(dt.date(2026, 1, 1), dt.date(2027, 1, 1))])
    assert json.loads(result.canonical_json())["waivers"] == []


def test_a_waiver_for_another_organisation_does_not_apply(
    session: Session, builtin_rules: RuleSet, health: EvidenceBundle
) -> None:
    elsewhere = waiver(dt.date(2026, 1, 1), dt.date(2027, 1, 1), "ministry-of-finance")
    outcome, record = outcome_of(session, builtin_rules, health, [elsewhere])
    assert outcome["status"] == "fail" and record["waivers"] == []
    general = waiver(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    specific = waiver(dt.date(2026, 1, 1), dt.date(2027, 1, 1), "ministry-of-health")
    outcome, record = outcome_of(session, builtin_rules, health, [specific, general])
    assert outcome["status"] == "waived"
    assert "until 2027-01-01" in outcome["reason"]          # the active, specific one applies
    # Every waiver that concerns the organisation is listed, with its state on the date.
    assert [(w["organisation"], w["state"]) for w in record["waivers"]] == [
        (None, "expired"), ("ministry-of-health", "active")]
    # An active general waiver outranks an expired one naming the organisation.
    lapsed = waiver(dt.date(2025, 1, 1), dt.date(2025, 12, 31), "ministry-of-health")
    current = waiver(dt.date(2026, 1, 1), dt.date(2027, 6, 30))
    outcome, record = outcome_of(session, builtin_rules, health, [lapsed, current])
    assert outcome["status"] == "waived" and "until 2027-06-30" in outcome["reason"]


@settings(max_examples=80, deadline=None)
@given(st.integers(-400, 400), st.integers(0, 800))
def test_a_waiver_covers_a_finding_exactly_from_granted_to_expires(
    builtin_rules: RuleSet, health: EvidenceBundle, start: int, length: int
) -> None:
    granted = AS_OF + dt.timedelta(days=start)
    expires = granted + dt.timedelta(days=length)
    compiled = builtin_rules.rule("DBD-SA-06")
    outcome = evaluate_rule(compiled, health.data, EvalContext(AS_OF, health.documents),
                            waiver(granted, expires))
    active = granted <= AS_OF <= expires
    assert (outcome.status is OutcomeStatus.WAIVED) == active
    assert outcome.status in (OutcomeStatus.WAIVED, OutcomeStatus.FAIL)
    assert outcome.credit == 0.0


# --- rules declared not applicable -------------------------------------------------------------

DECLARATION = """
[not_applicable.oecd-dgpf]
DBD-SA-06 = "Front-line health services are run by the hospital boards (Health Act 2019, s. 12)"

[not_applicable.some-other-pack]
X-01 = "Concerns a pack this assessment does not load"
"""


def test_a_rule_declared_not_applicable_is_left_out_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = assess_to(capsys, EXAMPLES / "ministry-of-health", tmp_path / "plain.json")
    bundle = copy_bundle(tmp_path)
    with (bundle / "bundle.toml").open("a", encoding="utf-8") as header:
        header.write(DECLARATION)
    record = assess_to(capsys, bundle, tmp_path / "declared.json")
    outcome = next(o for o in record["outcomes"] if o["rule"] == "DBD-SA-06")
    assert outcome["status"] == "not_applicable"
    assert outcome["detail"] == "declared not applicable by the organisation"
    assert outcome["reason"].startswith("Front-line health services are run by")
    assert outcome["underlying"] == {"status": "fail", "credit": 0.0}
    assert record["not_applicable"] == [{
        "pack": "oecd-dgpf", "rule": "DBD-SA-06",
        "justification": outcome["reason"]}]
    dims = "digital-by-design"
    assert record["scores"]["oecd-dgpf"]["dimensions"][dims]["counted"] == \
        plain["scores"]["oecd-dgpf"]["dimensions"][dims]["counted"] - 1
    # verify replays it, and a changed justification is caught.
    assert run(capsys, "verify", tmp_path / "declared.json")[0] == 0
    edit(bundle / "bundle.toml", "(Health Act 2019, s. 12)", "(Health Act 2019)")
    code, out, _ = run(capsys, "verify", tmp_path / "declared.json")
    assert code == 1 and "evidence file bundle.toml sha256" in out
    assert "not-applicable declaration DBD-SA-06" in out


@pytest.mark.parametrize(("declaration", "code", "where"), [
    ('[not_applicable.oecd-dgpf]\nDBD-SA-66 = "A typo in the rule id"\n',
     "evidence.unknown-rule", "not_applicable.oecd-dgpf.DBD-SA-66"),
    ('[not_applicable.oecd-dgpf]\nDBD-SA-06 = "   "\n', "evidence.invalid-value",
     "not_applicable.oecd-dgpf.DBD-SA-06"),
])
def test_a_declaration_needs_a_known_rule_and_a_justification(
    session: Session, builtin_rules: RuleSet, tmp_path: Path, declaration: str, code: str,
    where: str,
) -> None:
    bundle = copy_bundle(tmp_path)
    with (bundle / "bundle.toml").open("a", encoding="utf-8") as header:
        header.write("\n" + declaration)
    with pytest.raises(EvidenceError) as caught:
        assess(bundle, rules=builtin_rules, session=session)
    assert caught.value.code == code
    assert where in (caught.value.location or "")
    if code == "evidence.unknown-rule":
        assert "DBD-SA-06" in (caught.value.fix or "")
        assert caught.value.file == f"{bundle.name}/bundle.toml"


def test_a_declaration_under_the_wrong_pack_says_which_pack_has_the_rule(
        session: Session, builtin_rules: RuleSet, tmp_path: Path) -> None:
    bundle = copy_bundle(tmp_path)
    rule = next(r.id for p in builtin_rules.packs if p.id == "oecd-digital-talent"
                for r in sorted(p.rules, key=lambda r: r.id))
    with (bundle / "bundle.toml").open("a", encoding="utf-8") as header:
        header.write(f'\n[not_applicable.oecd-dgpf]\n{rule} = "Not ours"\n')
    with pytest.raises(EvidenceError) as caught:
        assess(bundle, rules=builtin_rules, session=session)
    assert caught.value.fix == ("it is a rule of oecd-digital-talent: declare it under "
                                "[not_applicable.oecd-digital-talent]")
