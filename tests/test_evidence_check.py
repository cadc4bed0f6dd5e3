"""`maturity evidence check` tells what would silently cost credit: list items no rule counts,
items given twice, choices spelt otherwise, documents collected after the assessment date."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from maturity.api import Session
from maturity.model import DocumentInfo, EvidenceBundle
from maturity.ruleset import RuleSet
from maturity.schema import check_evidence, evidence_schema
from tests.conftest import EXAMPLES

TOPICS = "capability.training.topics"


def _bundle(session: Session, **evidence: object) -> EvidenceBundle:
    bundle = session.load_evidence(EXAMPLES / "ministry-of-health")
    data = {k: v for k, v in bundle.data.items()}
    for dotted, value in evidence.items():
        *tables, leaf = dotted.replace("__", ".").split(".")
        node = data
        for table in tables:
            node = node.setdefault(table, {})
        node[leaf] = value
    return dataclasses.replace(bundle, data=data)


def test_a_misspelt_item_of_a_list_is_named_with_the_allowed_spelling(
        session: Session, builtin_rules: RuleSet) -> None:
    bundle = _bundle(session, **{TOPICS: ["Digital Security", "data_literacy"]})
    findings = check_evidence(bundle, builtin_rules)
    said = [f for f in findings if f.startswith(f"value at {TOPICS}")]
    assert said == [f"value at {TOPICS} holds 'Digital Security', which no rule counts "
                    f"(allowed: {', '.join(evidence_schema(builtin_rules)[TOPICS].allowed)}); "
                    "did you mean 'digital_security'?"]


def test_an_item_given_twice_is_named(session: Session, builtin_rules: RuleSet) -> None:
    bundle = _bundle(session, **{TOPICS: ["data_literacy", "data_literacy"]})
    assert (f"value at {TOPICS} lists 'data_literacy' twice (it counts once)"
            in check_evidence(bundle, builtin_rules))


@given(st.lists(st.sampled_from(["data_literacy", "digital_security", "agile_delivery"]),
                unique=True))
def test_a_list_of_allowed_items_draws_no_finding(items: list[str]) -> None:
    session = Session()
    rules, _ = session.load_rules()
    bundle = _bundle(session, **{TOPICS: items})
    assert not [f for f in check_evidence(bundle, rules) if f.startswith(f"value at {TOPICS}")]


def test_a_document_collected_after_the_assessment_date_is_named(
        session: Session, builtin_rules: RuleSet) -> None:
    bundle = _bundle(session)
    path, info = sorted(bundle.documents.items())[0]
    assert bundle.as_of is not None
    late = dataclasses.replace(info, collected=bundle.as_of + dt.timedelta(days=1))
    documents: dict[str, DocumentInfo] = {**bundle.documents, path: late}
    findings = check_evidence(dataclasses.replace(bundle, documents=documents), builtin_rules)
    assert any(f.startswith(f"document {path} was collected ") and "after the assessment "
               "date" in f for f in findings)
    assert not any("after the assessment date" in f
                   for f in check_evidence(bundle, builtin_rules))
