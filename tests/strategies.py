"""Hypothesis strategies shared by the property tests: packs, rules, evidence, outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from maturity.model import PackHeader, Rule, RulePack

DIMENSIONS = ("d-one", "d-two", "d-three")
FACETS = ("f-one", "f-two")
KEYS = tuple(f"k{i}" for i in range(8))

weights = st.floats(min_value=0.01, max_value=50, allow_nan=False, allow_infinity=False)


@st.composite
def leaf_checks(draw: st.DrawFn) -> dict[str, Any]:
    key = "e." + draw(st.sampled_from(KEYS))
    kind = draw(st.sampled_from(["is", "ge", "linear", "share_of", "within_days", "graded"]))
    if kind == "is":
        return {"path": key, "is": True}
    if kind == "ge":
        return {"path": key, "ge": draw(st.integers(0, 100))}
    if kind == "linear":
        low = draw(st.integers(0, 50))
        return {"path": key, "linear": [low, low + draw(st.integers(1, 50))]}
    if kind == "share_of":
        return {"path": key, "share_of": ["a", "b", "c", "d"]}
    if kind == "within_days":
        return {"path": key, "within_days": draw(st.integers(1, 1000))}
    return {"path": key, "graded": [[0, 0.0], [25, 0.25], [50, 0.5], [90, 1.0]]}


checks = st.recursive(
    leaf_checks(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda cs: {"all": cs}),
        st.lists(children, min_size=1, max_size=3).map(lambda cs: {"any": cs}),
        children.map(lambda c: {"not": c}),
    ),
    max_leaves=4,
)


@st.composite
def rules(draw: st.DrawFn, index: int) -> Rule:
    return Rule.model_validate({
        "id": f"R-{index:03d}",
        "title": f"Rule {index}",
        "rationale": "Generated for a property test.",
        "dimension": draw(st.sampled_from(DIMENSIONS)),
        "facet": draw(st.sampled_from(FACETS)),
        "level": draw(st.integers(1, 5)),
        "weight": draw(weights),
        "check": draw(checks),
        "remediation": {"action": "Fix it", "effort": draw(st.integers(1, 12)),
                        "owner": "someone"},
    })


@st.composite
def packs(draw: st.DrawFn, max_rules: int = 12) -> RulePack:
    count = draw(st.integers(1, max_rules))
    header = PackHeader.model_validate({
        "id": "generated",
        "version": "1.0.0",
        "title": "Generated pack",
        "source": "hypothesis",
        "dimensions": [{"id": d, "name": d} for d in DIMENSIONS],
        "facets": [{"id": f, "name": f} for f in FACETS],
    })
    generated = tuple(draw(rules(i)) for i in range(count))
    return RulePack(header=header, rules=generated, sha256="0" * 64, origin="hypothesis")


def _value(kind: int, draw: st.DrawFn) -> Any:
    choices = [
        st.booleans(),
        st.integers(0, 120),
        st.lists(st.sampled_from(["a", "b", "c", "d", "x"]), max_size=4, unique=True),
        st.dates(dt.date(2020, 1, 1), dt.date(2026, 6, 30)),
        st.text(max_size=5),
    ]
    return draw(choices[kind])


@st.composite
def evidence(draw: st.DrawFn) -> dict[str, Any]:
    """Evidence for generated packs: any key may be missing or of any type."""
    values: dict[str, Any] = {}
    for key in KEYS:
        kind = draw(st.integers(-1, 4))
        if kind >= 0:
            values[key] = _value(kind, draw)
    return {"e": values}
