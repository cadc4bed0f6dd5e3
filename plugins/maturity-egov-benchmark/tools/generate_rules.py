"""Write the rules of the egov-benchmark-2023 pack from the service catalogue.

The benchmark scores every service of its catalogue the same way, so its ~300 rules are a
handful of score definitions (below) applied to the service catalogue (the package's
catalogue.toml, which the evidence reader also checks countries against). This script
writes them as ordinary rule files, one per life event; the rule files are what the engine
reads and what reviewers read. Run it after editing the catalogue or a definition:

    python tools/generate_rules.py          # rewrite the rule files
    python tools/generate_rules.py --check  # exit 1 if they are out of date (CI)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from maturity_egov_benchmark.keys import life_event_key, service_key

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent / "src" / "maturity_egov_benchmark"
CATALOGUE = PACKAGE / "catalogue.toml"
PACK_DIR = PACKAGE / "rules" / "egov-benchmark-2023"

SOURCE = "European Commission (2023), eGovernment Benchmark 2023, CC BY 4.0"
LEVEL = {"key": "level", "best": ["Central"], "mean": ["Regional", "Local"]}
NR = ["NR"]


@dataclass(frozen=True)
class Score:
    """One score the benchmark gives every service (or portal) of a kind."""

    code: str
    name: str
    facet: str
    dimension: str
    published: str  # the publisher's name of the cell
    questions: tuple[Any, ...]
    rationale: str
    action: str
    owner: str
    weights: tuple[int, ...] | None = None
    screen: str | None = None
    proactive_scores_full: bool = False
    transactional_only: bool = False


NATIONAL = (
    Score("OA", "online availability", "online-availability", "user-centricity",
          "Online availability", ("A1", "A2", "A3"),
          "Information about the service online (A1, weight 25), the service itself online "
          "(A2, 50) and reachable through a portal (A3, 25). A service delivered proactively, "
          "without a request, scores 100.",
          "Publish the information and the service online and link them from the life event's "
          "portal", "service-owner", weights=(25, 50, 25), proactive_scores_full=True),
    Score("MF", "mobile friendliness", "mobile-friendliness", "user-centricity",
          "Mobile Friendliness", ({"number": "mobile_friendliness", "max": 100},),
          "The mystery shopper's mobile-friendliness test of the service's pages (0 or 100); "
          "pages not tested are left aside. A proactive service scores 100.",
          "Make the service's pages work on phones (responsive layout, tested on small "
          "screens)", "service-owner", proactive_scores_full=True),
    Score("SD", "transparency of service delivery", "transparency-of-service-delivery",
          "transparency", "Service delivery", ("C1", "C2", "C3", "C4", "C5", "C6", "C7"),
          "Whether users are told what happens: a delivery notice (C1), progress tracking (C2), "
          "saving a draft (C3), the expected duration (C4), delivery timelines (C5), a maximum "
          "time limit (C6) and service performance (C7); a question not relevant on every URL "
          "is left out.",
          "Send a delivery notice, show progress, allow drafts and publish durations, time "
          "limits and service performance", "service-owner", transactional_only=True),
    Score("EID", "eID", "eid", "key-enablers", "eID", ("F2", "F3", "F4"),
          "Over the URLs that require authentication (F1): online authentication (F2), with "
          "the national eID (F3), reused for another service without logging in again (F4). "
          "The published score is rounded half up to a whole number (in the scoring model). "
          "A service that requires no authentication has no eID score.",
          "Accept the national eID online and let one login serve related services",
          "eid-programme", screen="F1", transactional_only=True),
    Score("EDOC", "eDocuments", "edocuments", "key-enablers", "eDocuments",
          ({"any": ["F7_1", "F7_2"]},),
          "Over the URLs that require documents (F6): documents can be submitted or obtained "
          "electronically (F7_1 or F7_2). A service that requires no document has no score.",
          "Let users submit and obtain the service's documents electronically", "service-owner",
          screen="F6", transactional_only=True),
    Score("PFF", "pre-filled forms", "pre-filled-forms", "key-enablers", "Pre-filed forms",
          ("F9",),
          "Over the URLs that ask for personal data (F8): the data are pre-filled from what "
          "government already holds (F9). A service that asks for none has no score; a "
          "proactive service scores 100.",
          "Pre-fill forms with the data government already holds (once only)", "service-owner",
          screen="F8", proactive_scores_full=True, transactional_only=True),
)

CROSS_BORDER = (
    Score("OA", "cross-border online availability", "cross-border-online-availability",
          "cross-border-services", "Online availability score", ("G1", "G2"),
          "For a user from another country: information available (G1, weight 50) and the "
          "service available (G2, 50). A proactive service scores 100.",
          "Offer the information and the service to users from other countries, in a language "
          "they read", "service-owner", weights=(50, 50), proactive_scores_full=True),
    Score("EID", "cross-border eID", "cross-border-eid", "cross-border-services", "eID score",
          ("I2",),
          "Over the URLs that require identification (I1): a user from another country can "
          "authenticate with their national eID (I2). A proactive service scores 100.",
          "Accept the eIDs of other countries (eIDAS)", "eid-programme", screen="I1",
          proactive_scores_full=True, transactional_only=True),
    Score("EDOC", "cross-border eDocuments", "cross-border-edocuments", "cross-border-services",
          "eDocuments score", ({"any": ["I4_1", "I4_2"]},),
          "Over the URLs that require documents (I3): a user from another country can submit "
          "or obtain them electronically (I4_1 or I4_2). A proactive service scores 100.",
          "Accept and deliver documents electronically for users from other countries",
          "service-owner", screen="I3", proactive_scores_full=True, transactional_only=True),
)

PORTAL = (
    Score("US", "user support", "user-support", "user-centricity", "1.3 User support",
          ("B1", {"any": ["B2_1", "B2_2"]}, "B3", "B4", "B5", "B6", "B7"),
          "Share of support features on the life event's portals (best portal per question): "
          "FAQ (B1), demo or live support (B2), the responsible department (B3), other channels "
          "(B4), feedback (B5), discussion fora or social media (B6), complaints (B7).",
          "Offer FAQ, demo or live help, contacts, other channels, feedback and complaint "
          "procedures on the portals", "portal-owner"),
    Score("PD", "transparency of personal data", "transparency-of-personal-data",
          "transparency", "2.2 Transparency of personal data",
          ({"number": "D1", "max": 3}, "D2", "D3", "D4", {"number": "D5", "max": 5}),
          "On the life event's portals (best portal per question): the degree of online access "
          "to one's data (D1, 0-3), notifying incorrect data (D2), modifying data online (D3), "
          "a complaint procedure (D4) and monitoring who consulted one's data (D5, 0-5).",
          "Let people see, correct and follow the use of their personal data online",
          "data-protection-officer"),
    Score("SDN", "transparency of service design", "transparency-of-service-design",
          "transparency", "2.3 Transparency of service design", ("E1", "E2", "E3", "E4"),
          "On the life event's portals (best portal per question): information on key policy "
          "processes (E1), taking part in policy (E2), information on service design (E3) and "
          "taking part in it (E4).",
          "Publish policy and service design processes and invite users into them",
          "portal-owner"),
    Score("DP", "digital post", "digital-post", "key-enablers", "3.4 Digital Post",
          ("F10", "F11"),
          "Whether people can receive communication from central (F10) and local (F11) "
          "government digitally only (best portal per question; not relevant on every portal: "
          "left out).",
          "Offer a digital-only mailbox for central and local government communication",
          "chief-digital-officer"),
)

CROSS_BORDER_PORTAL = (
    Score("US", "cross-border user support", "cross-border-user-support",
          "cross-border-services", "4.2 Cross-border user support", ("H1", "H2", "H3"),
          "For users from other countries, on the life event's portals (best portal per "
          "question): help (H1), feedback (H2) and complaint procedures (H3).",
          "Offer help, feedback and complaint procedures to users from other countries",
          "portal-owner"),
)


def _keys(question: Any) -> list[str]:
    if isinstance(question, str):
        return [question]
    if "any" in question:
        return list(question["any"])
    return [question["number"]]


def _answers(score: Score, yes: bool) -> dict[str, str]:
    """A row answering every question of `score` yes (or no), its screen yes."""
    row: dict[str, str] = {}
    for question in score.questions:
        if isinstance(question, dict) and "number" in question:
            row[question["number"]] = _fmt(question["max"]) if yes else "0"
        else:
            for key in _keys(question):
                row[key] = "Yes" if yes else "No"
    if score.screen:
        row[score.screen] = "Yes"
    return row


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _survey(score: Score, portal: bool) -> dict[str, Any]:
    survey: dict[str, Any] = {"rows": "urls", "questions": list(score.questions)}
    if score.weights:
        survey["weights"] = list(score.weights)
    survey["across"] = "best" if portal else LEVEL
    if score.screen:
        survey["screen"] = score.screen
    survey["left_out"] = NR
    if portal:
        survey["skip_blank_rows"] = True
    return survey


def _nest(path: str, value: Any) -> dict[str, Any]:
    tree: Any = value
    for part in reversed(path.split(".")):
        tree = {part: tree}
    return tree  # type: ignore[no-any-return]


def _service_rule(life_event: Mapping[str, Any], service: Mapping[str, Any], score: Score,
                  cross_border: bool) -> dict[str, Any]:
    le = life_event_key(life_event["name"])
    kind = "T" if service["type"] == "Transactional" else "I"
    major, _, minor = service["number"].partition(".")
    number = f"{int(major):02d}.{minor}" if minor else f"{int(major):02d}"
    prefix = f"{life_event['code']}-CB-" if cross_border else f"{life_event['code']}-"
    path = (f"egov.{'cross-border-services' if cross_border else 'services'}.{le}."
            f"{service_key(service['label'])}")
    survey = {"path": path, "survey": _survey(score, portal=False)}
    scorable = {"path": path, "survey": {**_survey(score, portal=False), "scorable": True}}
    proactive = {"path": f"{path}.proactive", "is": True}
    check = {"any": [proactive, survey]} if score.proactive_scores_full else survey
    condition = {"any": [proactive, scorable]} if score.proactive_scores_full else scorable
    reason = ("the service is not offered in this country, or has nothing to score"
              + (f" (no URL where {score.screen} is yes)" if score.screen else ""))
    where = "used from another country" if cross_border else "national"
    label = service["label"].strip()
    rule: dict[str, Any] = {
        # Number before type: rule ids sort in the catalogue's order, the order the publisher
        # sums services in (float sums depend on it).
        "id": f"{prefix}{number}{kind}-{score.code}",
        "title": f"{life_event['name']}, {label}: {score.name}",
        "rationale": f"{service['type']} service ({where}). {score.rationale}",
        "dimension": score.dimension,
        "facet": score.facet,
        "level": 1,
        "weight": 1,
        "evidence": [path, f"{path}.applicable"]
        + ([f"{path}.proactive"] if score.proactive_scores_full else []),
        "check": check,
        "applies": {"when": {"all": [{"path": f"{path}.applicable", "is": True}, condition]},
                    "reason": reason},
        "remediation": {"action": score.action, "effort": 1, "owner": score.owner},
        "references": [{"source": SOURCE, "item": f"{service['label']}::{score.published}",
                        "section": life_event["name"]}],
    }

    def case(name: str, expect: str, credit: float | None = None, **fields: Any) -> dict[str, Any]:
        table: dict[str, Any] = {"applicable": True, "proactive": False, "level": "Central"}
        table.update(fields)
        test: dict[str, Any] = {"name": name, "expect": expect}
        if credit is not None:
            test["credit"] = credit
        test["evidence"] = _nest(path, table)
        return test

    # The survey operator's own tests and the reproduction of the published scores (services
    # not offered included) cover the arithmetic; these cases pin what each rule reads.
    yes, no = _answers(score, True), _answers(score, False)
    tests = [
        case("answered-yes", "pass", urls=[yes]),
        case("answered-no", "fail", urls=[no]),
        case("no-urls-recorded", "not_assessed"),
    ]
    if score.screen:
        screened_out = {**yes, score.screen: "No"}
        tests.append(case(f"no-{score.screen.lower()}", "not_applicable", urls=[screened_out]))
    if score.proactive_scores_full:
        tests.append(case("proactive", "pass", proactive=True, urls=[no]))
    rule["tests"] = tests
    return rule


def _portal_rule(life_event: Mapping[str, Any], score: Score,
                 cross_border: bool) -> dict[str, Any]:
    le = life_event_key(life_event["name"])
    path = f"egov.{'cross-border-portals' if cross_border else 'portals'}.{le}"
    survey = {"path": path, "survey": _survey(score, portal=True)}
    scorable = {"path": path, "survey": {**_survey(score, portal=True), "scorable": True}}
    rule_id = f"{life_event['code']}-{'CB-' if cross_border else ''}PORTAL-{score.code}"

    def case(name: str, expect: str, rows: list[dict[str, str]] | None,
             credit: float | None = None) -> dict[str, Any]:
        test: dict[str, Any] = {"name": name, "expect": expect}
        if credit is not None:
            test["credit"] = credit
        test["evidence"] = _nest(path, {"urls": rows}) if rows is not None else {}
        return test

    yes = {"url": "https://portal.example", **_answers(score, True)}
    no = {"url": "https://other.example", **_answers(score, False)}
    blank = {"url": "", **{k: "" for k in _answers(score, False)}}
    first = _keys(score.questions[0])[0]
    one_yes = {**no, first: yes[first]}
    return {
        "id": rule_id,
        "title": f"{life_event['name']}: {score.name} on the life event's "
                 f"{'cross-border ' if cross_border else ''}portals",
        "rationale": score.rationale,
        "dimension": score.dimension,
        "facet": score.facet,
        "level": 1,
        "weight": 1,
        "evidence": [path],
        "check": survey,
        "applies": {"when": scorable,
                    "reason": "no portal answer recorded for the life event, or every "
                              "question is not relevant"},
        "remediation": {"action": score.action, "effort": 1, "owner": score.owner},
        "references": [{"source": SOURCE, "item": score.published,
                        "section": f"{life_event['name']} (2022)"}],
        "tests": [
            case("best-portal-per-question", "pass", [no, yes]),
            case("answered-no", "fail", [no]),
            case("one-question-yes", "partial", [one_yes],
                 round(1 / len(score.questions), 12) if not isinstance(score.questions[0], dict)
                 else None),
            case("no-portal-recorded", "not_assessed", None),
            case("blank-portal-rows-only", "not_applicable", [blank]),
        ],
    }


def rules_of(life_event: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for service in life_event["services"]:
        for score in NATIONAL:
            if service["type"] == "Transactional" or not score.transactional_only:
                yield _service_rule(life_event, service, score, cross_border=False)
    for service in life_event["cross_border_services"]:
        for score in CROSS_BORDER:
            if service["type"] == "Transactional" or not score.transactional_only:
                yield _service_rule(life_event, service, score, cross_border=True)
    for score in PORTAL:
        yield _portal_rule(life_event, score, cross_border=False)
    for score in CROSS_BORDER_PORTAL:
        yield _portal_rule(life_event, score, cross_border=True)


# -- TOML writing: inline tables for checks and evidence, one line per item of a long list ------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Any, indent: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _fmt(value) if isinstance(value, float) else str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        if any(isinstance(v, dict) for v in value) and len(value) > 1:
            inner = indent + "  "
            items = "".join(f"{inner}{_value(v, inner)},\n" for v in value)
            return f"[\n{items}{indent}]"
        return "[" + ", ".join(_value(v, indent) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {_value(v, indent)}"
                                for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r}")


def _table(prefix: str, table: Mapping[str, Any]) -> list[str]:
    return [f"[{prefix}]", *(f"{_key(k)} = {_value(v, '')}" for k, v in table.items())]


def render_rule_file(life_event: Mapping[str, Any]) -> str:
    lines = [
        f"# {life_event['name']}: the benchmark's service and portal scores for this life event.",
        "# Generated by tools/generate_rules.py from catalogue.toml: edit those, not this.",
    ]
    for rule in rules_of(life_event):
        lines += ["", "[[rules]]"]
        for key in ("id", "title", "rationale", "dimension", "facet", "level", "weight",
                    "evidence", "check", "applies"):
            lines.append(f"{key} = {_value(rule[key], '')}")
        lines += _table("rules.remediation", rule["remediation"])
        for reference in rule["references"]:
            lines += ["[[rules.references]]",
                      *(f"{k} = {_value(v, '')}" for k, v in reference.items())]
        for test in rule["tests"]:
            lines.append("[[rules.tests]]")
            for key, value in test.items():
                text = value if key == "as_of" else _value(value, "")
                lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


def rule_files(catalogue: Mapping[str, Any]) -> dict[str, str]:
    """File name → text of every generated rule file."""
    return {f"{life_event_key(le['name'])}.toml": render_rule_file(le)
            for le in catalogue["life_events"]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    args = parser.parse_args(argv)
    catalogue = tomllib.loads(CATALOGUE.read_text(encoding="utf-8"))
    stale = []
    for name, text in rule_files(catalogue).items():
        target = PACK_DIR / name
        for check in (tomllib.loads(text),):
            assert isinstance(check, dict)
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            target.write_text(text, encoding="utf-8")
    for name in stale:
        print(f"out of date: {name} (run python tools/generate_rules.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
