"""OSCAL 1.1 exports of a record: assessment results, and a plan of action and milestones.

Pure functions from a record to JSON documents. Everything is derived from the record, so the
export is as reproducible as the record: UUIDs are name-based (UUID 5 over the record's sha256
and the element's name) and every timestamp is the assessment date at midnight UTC, never the
clock.

Mapping: each pack is one OSCAL result and its rules are the reviewed controls; each evaluated
rule is an observation (what was read, with the evidence files and documents as relevant
evidence) and a finding (satisfied only on `pass`); each gap is a risk, open or, when waived,
`deviation-approved` with the waiver's expiry as deadline, and the rule's remediation as its
planned response. Rules declared or found not applicable are excluded from the reviewed
controls. The POA&M has one item per roadmap action (its phase as a milestone with dates) when
the record holds a roadmap, otherwise one per gap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from maturity.record import canonical_bytes

if TYPE_CHECKING:
    pass

__all__ = [
    "NAMESPACE",
    "OSCAL_VERSION",
    "assessment_results",
    "plan_of_action",
    "render_assessment_results",
    "render_poam",
]

OSCAL_VERSION = "1.1.2"
#: The namespace of this tool's OSCAL properties (a URN: it names, it does not locate).
NAMESPACE = "urn:maturity:oscal"
_UUID_ROOT = uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE)
_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")
_GAPS = frozenset({"fail", "partial", "not_assessed", "error", "stale", "waived"})


class _Ids:
    """Name-based UUIDs: the same record always gives the same identifiers."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        self.seed = hashlib.sha256(canonical_bytes(record)).hexdigest()

    def __call__(self, *parts: str) -> str:
        return str(uuid.uuid5(_UUID_ROOT, ":".join((self.seed, *parts))))


def _token(rule: str) -> str:
    """A rule id as an OSCAL token (which must not start with a digit)."""
    return rule if _TOKEN.match(rule) else f"_{rule}"


def _when(day: str | dt.date) -> str:
    text = day.isoformat() if isinstance(day, dt.date) else day
    return f"{text}T00:00:00Z"


def _prop(name: str, value: Any, cls: str | None = None) -> dict[str, Any] | None:
    text = " ".join(str(value).split()) if value is not None else ""
    if not text:
        return None
    prop = {"name": name, "ns": NAMESPACE, "value": text}
    if cls:
        prop["class"] = cls
    return prop


def _props(*props: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [p for p in props if p is not None]


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "untitled"


def _metadata(record: Mapping[str, Any], ids: _Ids, title: str) -> dict[str, Any]:
    organisation = record.get("organisation") or {}
    assessment = record.get("assessment") or {}
    submission = assessment.get("submission") or {}
    parties = [{"uuid": ids("party", "organisation"), "type": "organization",
                "name": organisation.get("name") or organisation.get("id") or "organisation",
                "short-name": organisation.get("id") or "organisation"}]
    responsible = [{"role-id": "assessed-organisation",
                    "party-uuids": [ids("party", "organisation")]}]
    roles = [{"id": "assessed-organisation", "title": "Assessed organisation"}]
    if submission.get("by"):
        parties.append({"uuid": ids("party", "submitter"), "type": "organization",
                        "name": submission["by"]})
        roles.append({"id": "evidence-submitter", "title": "Evidence submitter"})
        responsible.append({"role-id": "evidence-submitter",
                            "party-uuids": [ids("party", "submitter")]})
    engine = record.get("engine") or {}
    return {
        "title": _one_line(title),
        "last-modified": _when(assessment["as_of"]),
        "version": ids.seed,
        "oscal-version": OSCAL_VERSION,
        "props": _props(
            _prop("record-sha256", ids.seed),
            _prop("engine", f"{engine.get('name', 'maturity')} {engine.get('version', '')}"),
            _prop("scoring-model", (record.get("scoring") or {}).get("model")),
            _prop("assessment-period", assessment.get("period")),
            _prop("evidence-submitted", submission.get("on")),
        ),
        "roles": roles,
        "parties": parties,
        "responsible-parties": responsible,
    }


def _evidence(record: Mapping[str, Any], outcome: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the rule read: each value, and each document it referenced with its hash."""
    documents = {d["path"]: d for d in (record.get("evidence") or {}).get("documents") or ()}
    found: list[dict[str, Any]] = []
    for key, value in sorted((outcome.get("values") or {}).items()):
        reference = value.get("document") if isinstance(value, dict) else None
        if isinstance(reference, str):
            info = documents.get(reference) or {}
            found.append({
                "href": reference,
                "description": f"{key}: document {reference}",
                "props": _props(_prop("sha256", info.get("sha256") or "missing"),
                                _prop("collected", info.get("collected"))),
            })
        else:
            shown = "not given" if value is None else json.dumps(value, ensure_ascii=False,
                                                                 sort_keys=True)
            found.append({"description": f"{key} = {shown}"})
    return found


def _observation(record: Mapping[str, Any], ids: _Ids, o: Mapping[str, Any]) -> dict[str, Any]:
    underlying = o.get("underlying") or {}
    return {
        "uuid": ids("observation", o["rule"]),
        "title": _one_line(f"{o['rule']}: {o.get('title', '')}"),
        "description": f"Checked: {o.get('condition', '')}. Result: {o.get('detail', '')}.",
        "props": _props(
            _prop("outcome", o["status"]),
            _prop("credit", o.get("credit")),
            _prop("underlying-outcome", underlying.get("status")),
            _prop("dimension", o.get("dimension")),
            _prop("facet", o.get("facet")),
            _prop("level", o.get("level")),
            _prop("weight", o.get("weight")),
        ),
        "methods": ["TEST"],
        "types": ["finding"] if o["status"] in _GAPS else ["control-objective"],
        "subjects": [{"subject-uuid": ids("party", "organisation"), "type": "party"}],
        "relevant-evidence": _evidence(record, o) or [{"description": "no evidence read"}],
        "collected": _when(record["assessment"]["as_of"]),
        **({"remarks": o["reason"]} if o.get("reason") else {}),
    }


def _waiver(record: Mapping[str, Any], rule: str) -> Mapping[str, Any] | None:
    return next((w for w in record.get("waivers") or () if w.get("rule") == rule), None)


def _risk(record: Mapping[str, Any], ids: _Ids, o: Mapping[str, Any]) -> dict[str, Any]:
    waived = o["status"] == "waived"
    waiver = _waiver(record, o["rule"]) if waived else None
    risk: dict[str, Any] = {
        "uuid": ids("risk", o["rule"]),
        "title": _one_line(f"Gap in {o['rule']}: {o.get('title', '')}"),
        "description": f"The rule is not met ({o['status']}): {o.get('title', '')}",
        "statement": o.get("reason") or o.get("detail") or o["status"],
        "props": _props(_prop("outcome", o["status"]), _prop("dimension", o.get("dimension")),
                        _prop("level", o.get("level")),
                        _prop("waiver-risk", waiver.get("risk") if waiver else None),
                        _prop("waiver-approver", waiver.get("approver") if waiver else None)),
        "status": "deviation-approved" if waived else "open",
        "related-observations": [{"observation-uuid": ids("observation", o["rule"])}],
    }
    if waiver is not None:
        risk["deadline"] = _when(waiver["expires"])
    remediation = o.get("remediation")
    if remediation:
        risk["remediations"] = [{
            "uuid": ids("response", o["rule"]),
            "lifecycle": "planned",
            "title": _one_line(remediation["action"])[:250],
            "description": remediation["action"],
            "props": _props(_prop("owner", remediation.get("owner")),
                            _prop("effort-person-months", remediation.get("effort")),
                            _prop("action-id", remediation.get("action_id"))),
        }]
    return risk


def _finding(ids: _Ids, o: Mapping[str, Any]) -> dict[str, Any]:
    passed = o["status"] == "pass"
    finding: dict[str, Any] = {
        "uuid": ids("finding", o["rule"]),
        "title": _one_line(f"{o['rule']}: {o.get('title', '')}"),
        "description": f"Outcome {o['status']} (credit {o.get('credit')}).",
        "props": _props(_prop("outcome", o["status"])),
        "target": {
            "type": "objective-id",
            "target-id": _token(o["rule"]),
            "status": {"state": "satisfied" if passed else "not-satisfied",
                       "reason": "pass" if passed else "fail"},
        },
        "related-observations": [{"observation-uuid": ids("observation", o["rule"])}],
    }
    if o["status"] in _GAPS:
        finding["related-risks"] = [{"risk-uuid": ids("risk", o["rule"])}]
    return finding


def _scores(record: Mapping[str, Any], pack: str) -> list[dict[str, Any] | None]:
    score = (record.get("scores") or {}).get(pack) or {}
    without = (record.get("scores_without_waivers") or {}).get(pack) or {}
    props: list[dict[str, Any] | None] = [
        _prop("index", score.get("index")),
        _prop("index-without-waivers", without.get("index")),
    ]
    for dim, data in sorted((score.get("dimensions") or {}).items()):
        props += [_prop("dimension-score", data.get("score"), _token(dim)),
                  _prop("dimension-level", data.get("level"), _token(dim))]
    return props


def _result(record: Mapping[str, Any], ids: _Ids, pack: Mapping[str, Any]) -> dict[str, Any]:
    outcomes = [o for o in record.get("outcomes") or () if o.get("pack") == pack["id"]]
    assessed = [o for o in outcomes if o["status"] != "not_applicable"]
    excluded = [o for o in outcomes if o["status"] == "not_applicable"]
    selection: dict[str, Any] = {
        "include-controls": [{"control-id": _token(o["rule"])} for o in assessed],
    }
    if excluded:
        selection["exclude-controls"] = [{"control-id": _token(o["rule"])} for o in excluded]
    gaps = [o for o in assessed if o["status"] in _GAPS]
    result: dict[str, Any] = {
        "uuid": ids("result", pack["id"]),
        "title": _one_line(f"{pack.get('title', pack['id'])} ({pack['id']} {pack['version']})"),
        "description": f"Rules of the pack {pack['id']} {pack['version']} evaluated against the "
                       f"evidence of {(record.get('organisation') or {}).get('name')}.",
        "start": _when(record["assessment"]["as_of"]),
        "end": _when(record["assessment"]["as_of"]),
        "props": _props(*_scores(record, pack["id"])),
        "reviewed-controls": {"control-selections": [selection]},
        "observations": [_observation(record, ids, o) for o in outcomes],
        "findings": [_finding(ids, o) for o in assessed],
    }
    if not assessed:
        result["reviewed-controls"]["control-selections"] = [{"include-all": {}}]
        result.pop("findings")
    if gaps:
        result["risks"] = [_risk(record, ids, o) for o in gaps]
    if excluded:
        result["remarks"] = "Not applicable: " + "; ".join(
            f"{o['rule']} ({o.get('reason') or 'no reason given'})" for o in excluded)
    return result


def _back_matter(record: Mapping[str, Any], ids: _Ids) -> dict[str, Any]:
    resources: list[dict[str, Any]] = [{
        "uuid": ids("resource", "packs"),
        "title": "Rule packs (the assessment plan)",
        "description": "The rule packs whose rules this assessment evaluated.",
        "props": _props(*(_prop("pack", f"{p['id']} {p['version']} sha256:{p['sha256']}")
                          for p in record.get("packs") or ())),
    }]
    evidence = record.get("evidence") or {}
    files = [*(evidence.get("files") or ()), *(evidence.get("documents") or ())]
    for item in files:
        resource: dict[str, Any] = {"uuid": ids("resource", item["path"]), "title": item["path"]}
        if item.get("sha256"):
            resource["rlinks"] = [{"href": item["path"], "hashes": [
                {"algorithm": "SHA-256", "value": item["sha256"]}]}]
        else:
            resource["description"] = "referenced but missing from the bundle"
        resources.append(resource)
    return {"resources": resources}


def assessment_results(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as an OSCAL 1.1 assessment-results document."""
    ids = _Ids(record)
    organisation = record.get("organisation") or {}
    period = (record.get("assessment") or {}).get("period")
    title = (f"Digital government maturity assessment: {organisation.get('name')}"
             + (f" ({period})" if period else ""))
    return {"assessment-results": {
        "uuid": ids("assessment-results"),
        "metadata": _metadata(record, ids, title),
        "import-ap": {"href": f"#{ids('resource', 'packs')}",
                      "remarks": "No separate assessment plan: the rule packs are the plan."},
        "results": [_result(record, ids, pack) for pack in record.get("packs") or ()],
        "back-matter": _back_matter(record, ids),
    }}


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"no such month: {year}-{month}")


def _milestone(ids: _Ids, as_of: dt.date, action: Mapping[str, Any],
               phases: Mapping[int, Mapping[str, Any]]) -> dict[str, Any] | None:
    phase = phases.get(action.get("phase") or 0)
    if phase is None:
        return None
    first, last = phase.get("months") or (1, 1)
    return {
        "uuid": ids("milestone", str(action["id"])),
        "type": "milestone",
        "title": f"Roadmap phase {phase['phase']}",
        "timing": {"within-date-range": {
            "start": _when(_add_months(as_of, int(first) - 1)),
            "end": _when(_add_months(as_of, int(last))),
        }},
    }


def _roadmap_items(record: Mapping[str, Any], ids: _Ids, risks: dict[str, dict[str, Any]],
                   findings: set[str]) -> list[dict[str, Any]]:
    roadmap = record["roadmap"]
    as_of = dt.date.fromisoformat(record["assessment"]["as_of"])
    phases = {int(p["phase"]): p for p in roadmap.get("phases") or ()}
    items: list[dict[str, Any]] = []
    actions = sorted(roadmap.get("actions") or (), key=lambda a: (
        a.get("order") is None, a.get("order") or 0, str(a["id"])))
    for action in actions:
        rules = [r for r in action.get("rules") or () if r in risks]
        milestone = _milestone(ids, as_of, action, phases)
        for rule in rules:
            for response in risks[rule].get("remediations") or ():
                if milestone is not None:
                    response.setdefault("tasks", []).append(
                        {**milestone, "uuid": ids("milestone", str(action["id"]), rule)})
        scheduled = action.get("phase") is not None
        item: dict[str, Any] = {
            "uuid": ids("poam-item", str(action["id"])),
            "title": _one_line(str(action.get("title") or action["id"]))[:250],
            "description": "\n".join(action.get("steps") or [str(action.get("title"))]),
            "props": _props(
                _prop("action-id", action["id"]),
                _prop("phase", action.get("phase")),
                _prop("order", action.get("order")),
                _prop("effort-person-months", action.get("effort")),
                _prop("critical-path", "true" if action.get("critical") else None),
                *(_prop("owner", owner) for owner in action.get("owners") or ()),
            ),
            "related-findings": [{"finding-uuid": ids("finding", r)} for r in rules
                                 if r in findings],
            "related-risks": [{"risk-uuid": ids("risk", r)} for r in rules],
        }
        if not scheduled:
            item["remarks"] = f"Not scheduled: {action.get('reason') or 'beyond the plan'}"
        items.append({k: v for k, v in item.items() if v != []})
    return items


def _gap_items(ids: _Ids, gaps: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for o in gaps:
        remediation = o.get("remediation") or {}
        items.append({
            "uuid": ids("poam-item", o["rule"]),
            "title": _one_line(remediation.get("action") or f"Close the gap in {o['rule']}")[:250],
            "description": remediation.get("action") or o.get("title") or o["rule"],
            "props": _props(_prop("rule", o["rule"]),
                            _prop("owner", remediation.get("owner")),
                            _prop("effort-person-months", remediation.get("effort")),
                            _prop("action-id", remediation.get("action_id"))),
            "related-findings": [{"finding-uuid": ids("finding", o["rule"])}],
            "related-risks": [{"risk-uuid": ids("risk", o["rule"])}],
        })
    return items


def plan_of_action(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record's roadmap (or, without one, its gaps) as an OSCAL 1.1 POA&M."""
    ids = _Ids(record)
    organisation = record.get("organisation") or {}
    outcomes = list(record.get("outcomes") or ())
    gaps = [o for o in outcomes if o["status"] in _GAPS]
    risks = {o["rule"]: _risk(record, ids, o) for o in gaps}
    findings = {o["rule"] for o in gaps}
    if isinstance(record.get("roadmap"), Mapping) and record["roadmap"].get("actions"):
        items = _roadmap_items(record, ids, risks, findings)
    else:
        items = _gap_items(ids, gaps)
    document: dict[str, Any] = {
        "uuid": ids("poam"),
        "metadata": _metadata(record, ids,
                              f"Plan of action and milestones: {organisation.get('name')}"),
        "system-id": {"id": organisation.get("id") or "organisation"},
        "poam-items": items or [{
            "uuid": ids("poam-item", "none"),
            "title": "No open gaps",
            "description": "Every applicable rule passes: nothing to plan.",
        }],
    }
    if gaps:
        document["observations"] = [_observation(record, ids, o) for o in gaps]
        document["risks"] = list(risks.values())
        document["findings"] = [_finding(ids, o) for o in gaps]
    return {"plan-of-action-and-milestones": document}


def _render(records: Sequence[Mapping[str, Any]],
            build: Callable[[Mapping[str, Any]], dict[str, Any]], name: str) -> bytes:
    from maturity.errors import UsageError

    if len(records) != 1:
        raise UsageError(
            f"an OSCAL {name} describes one assessment",
            code="usage.oscal-one-record",
            location="RECORD",
            expected="one record",
            found=f"{len(records)} records",
            fix="render each record on its own",
        )
    return json.dumps(build(records[0]), sort_keys=True, indent=2,
                      ensure_ascii=False).encode("utf-8") + b"\n"


def render_assessment_results(records: Sequence[Mapping[str, Any]],
                              options: Mapping[str, Any]) -> bytes:
    return _render(records, assessment_results, "assessment-results document")


def render_poam(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
    return _render(records, plan_of_action, "plan of action and milestones")
