"""OSCAL exports, validated with an independent implementation of the OSCAL models
(compliance-trestle's pydantic models, a test dependency)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from maturity.api import Session, assess
from maturity.model import Waiver
from maturity.oscal import assessment_results, plan_of_action, render_assessment_results
from maturity.record import canonical_bytes
from maturity.ruleset import RuleSet
from tests.conftest import EXAMPLES

trestle_ar = pytest.importorskip("trestle.oscal.assessment_results")
trestle_poam = pytest.importorskip("trestle.oscal.poam")

WAIVER = Waiver(rule="DBD-SA-01", justification="Strategy rewritten after the 2026 election",
                approver="Chief Digital Officer", granted=dt.date(2026, 1, 1),
                expires=dt.date(2027, 1, 31), risk="high")
EXAMPLE_NAMES = ("ministry-of-culture", "ministry-of-health", "ministry-of-finance")


@pytest.fixture(scope="module")
def records(session: Session, builtin_rules: RuleSet) -> dict[str, dict[str, Any]]:
    """Each example ministry assessed with a waiver and a roadmap (the culture one without)."""
    found: dict[str, dict[str, Any]] = {}
    for name in EXAMPLE_NAMES:
        roadmap: dict[str, Any] | None = None if name == "ministry-of-culture" else {}
        result = assess(EXAMPLES / name, rules=builtin_rules, session=session,
                        waivers=[WAIVER], roadmap=roadmap)
        found[name] = json.loads(result.canonical_json())
    return found


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_assessment_results_validate(records: dict[str, dict[str, Any]], name: str) -> None:
    record = records[name]
    document = assessment_results(record)
    model = trestle_ar.AssessmentResults.model_validate(document["assessment-results"])
    assert len(model.results) == len(record["packs"])
    outcomes = record["outcomes"]
    findings = [f for r in model.results for f in r.findings or ()]
    assessed = [o for o in outcomes if o["status"] != "not_applicable"]
    assert len(findings) == len(assessed)
    satisfied = sum(f.target.status.state.value == "satisfied" for f in findings)
    assert satisfied == sum(o["status"] == "pass" for o in outcomes)
    risks = [r for res in model.results for r in res.risks or ()]
    assert len(risks) == sum(o["status"] not in ("pass", "not_applicable") for o in outcomes)
    # Every evidence file and document is in the back matter with its sha256.
    hashes = {r.title: r.rlinks[0].hashes[0].value for r in model.back_matter.resources
              if r.rlinks}
    for item in record["evidence"]["files"]:
        assert hashes[item["path"]] == item["sha256"]


def test_a_waiver_is_an_approved_deviation(records: dict[str, dict[str, Any]]) -> None:
    record = records["ministry-of-culture"]
    assert next(o for o in record["outcomes"] if o["rule"] == "DBD-SA-01")["status"] == "waived"
    results = assessment_results(record)["assessment-results"]["results"]
    risk = next(r for res in results for r in res.get("risks", ()) if "DBD-SA-01" in r["title"])
    assert risk["status"] == "deviation-approved"
    assert risk["deadline"] == "2027-01-31T00:00:00Z"
    assert {"name": "waiver-risk", "ns": "urn:maturity:oscal", "value": "high"} in risk["props"]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_poam_validates(records: dict[str, dict[str, Any]], name: str) -> None:
    record = records[name]
    document = plan_of_action(record)
    model = trestle_poam.PlanOfActionAndMilestones.model_validate(
        document["plan-of-action-and-milestones"])
    gaps = [o for o in record["outcomes"] if o["status"] not in ("pass", "not_applicable")]
    risk_ids = {r.uuid for r in model.risks or ()}
    assert len(risk_ids) == len(gaps)
    for item in model.poam_items:
        assert {r.risk_uuid for r in item.related_risks or ()} <= risk_ids
    if record["roadmap"] is None:
        assert len(model.poam_items) == len(gaps)
    else:
        assert len(model.poam_items) == len(record["roadmap"]["actions"])


def test_poam_milestones_follow_the_roadmap_phases(records: dict[str, dict[str, Any]]) -> None:
    record = records["ministry-of-health"]
    roadmap = record["roadmap"]
    first = next(a for a in roadmap["actions"] if a["phase"] == 1)
    document = plan_of_action(record)["plan-of-action-and-milestones"]
    item = next(i for i in document["poam-items"]
                if {"name": "action-id", "ns": "urn:maturity:oscal", "value": first["id"]}
                in i["props"])
    assert item["title"] == first["title"][:250]
    rule = first["rules"][0]
    risk = next(r for r in document["risks"] if f"Gap in {rule}:" in r["title"])
    task = risk["remediations"][0]["tasks"][0]
    assert task["type"] == "milestone" and task["title"] == "Roadmap phase 1"
    # Phase 1 is months 1 to 6 after the assessment date (2026-10-31; April has 30 days).
    assert roadmap["phases"][0]["months"] == [1, 6]
    assert task["timing"]["within-date-range"] == {
        "start": "2026-10-31T00:00:00Z", "end": "2027-04-30T00:00:00Z"}


def test_exports_are_deterministic_and_follow_the_record(
    records: dict[str, dict[str, Any]],
) -> None:
    record = records["ministry-of-finance"]
    first = render_assessment_results([record], {})
    assert first == render_assessment_results([json.loads(canonical_bytes(record))], {})
    changed = json.loads(canonical_bytes(record))
    changed["outcomes"][0]["detail"] = "edited"
    second = json.loads(render_assessment_results([changed], {}))
    assert second["assessment-results"]["uuid"] != json.loads(first)["assessment-results"]["uuid"]


def test_oscal_formats_are_registered(session: Session) -> None:
    names = {f.name for _plugin, f in session.host.report_formats()}
    assert {"oscal-ar", "oscal-poam"} <= names
