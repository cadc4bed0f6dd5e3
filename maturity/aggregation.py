"""Hierarchical weighted aggregation: rule credits → named nodes, per scope, with roll-ups.

Published indices rarely stop at "weighted mean per dimension". The EU eGovernment Benchmark,
for one, averages service scores into indicators (transactional and informational services
weighted 80/20), indicators into dimensions with their own weights and their own treatment of
a missing value, dimensions into an overall score, and all of it per life event before
averaging the life events. A `Hierarchy` states such a method as data (TOML):

```toml
[hierarchy]
name = "my-index"                 # the scoring model's name
description = "..."
packs = ["my-pack"]               # the packs it scores, whatever --scoring says
scale = 100                       # node values are on 0..scale; a rule's value is scale * credit
summary = "average"               # the scope whose values give the pack's index and dimensions

[[hierarchy.scopes]]              # the node tree is evaluated once per scope...
id = "region-north"
label = "North"
vars = { r = "N" }                # ...with {r} replaced in rule selectors

[[hierarchy.scopes]]              # a roll-up scope combines the same node across scopes
id = "average"
label = "Average"
rollup = { of = ["region-north", "region-south"], missing = "skip" }

[[hierarchy.nodes]]               # nodes in display order
id = "1"
label = "1. Access"
dimension = "access"              # optional: this node's summary value is the dimension's score
missing = "zero"                  # a missing child counts 0 (default "skip": left out)
children = [ { node = "1.1", weight = "2/3" }, { node = "1.2", weight = "1/3" } ]

[[hierarchy.nodes]]
id = "1.1"
facet = "online"                  # optional: the facet's score
rules = { facet = "online", id = "{r}-*", round = 1 }   # leaves: the pack's matching rules
```

A node's value is the weighted mean Σ w·v / Σ w of its children (a rule's weight is its weight
in the pack); with `missing = "skip"` missing children are left out and a node without any is
missing, with `missing = "zero"` they count 0. The weighted mean of a single value is that
value. A rule's value is `scale * credit` as the engine counts it (not applicable and waived
rules are missing, rules without evidence 0), rounded half up to a multiple of `round` when the
selector says so. Sums run left to right in declared order (rules in id order), never through
`sum`, so values are the same doubles on every platform and match spreadsheets computing the
same method; records keep them exactly (as text).

Pure: specs are validated from parsed documents; reading files is the caller's business.
"""

from __future__ import annotations

import fnmatch
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from maturity.errors import PackError, did_you_mean, format_location
from maturity.model import RuleId, RulePack, Slug
from maturity.scoring import BUILTIN_SCORING_MODELS, ScoredRule, ScoringModel
from maturity.survey import weighted_mean

__all__ = [
    "Hierarchy",
    "HierarchyScores",
    "NodeValues",
    "exact_text",
    "hierarchy_from_document",
    "hierarchy_model",
]

#: Node ids follow rule ids' spelling.
NodeId = RuleId
Label = Annotated[str, Field(min_length=1, max_length=500)]
MissingPolicy = Literal["skip", "zero"]
_FRACTION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+(?:\.\d+)?)\s*$")
_VAR = re.compile(r"\{([a-z0-9_]+)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _weight(value: Any) -> float:
    """A positive weight: a number or an exact fraction written "a/b" (2/3 is not 0.67)."""
    if isinstance(value, str):
        match = _FRACTION.match(value)
        if not match or float(match.group(2)) == 0:
            raise ValueError(f"write a number or a fraction such as \"2/3\", not {value!r}")
        number = float(match.group(1)) / float(match.group(2))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:
        raise ValueError(f"a weight is a number or a fraction such as \"2/3\", not {value!r}")
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"a weight must be a positive number, not {value!r}")
    return number


class Child(_Strict):
    node: NodeId
    weight: float = 1.0

    @field_validator("weight", mode="before")
    @classmethod
    def _parse_weight(cls, value: Any) -> float:
        return _weight(value)


class RuleSelector(_Strict):
    """The pack's rules that are a node's leaves: every given attribute must match."""

    id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    dimension: str | None = None
    facet: str | None = None
    round: Annotated[float, Field(gt=0, allow_inf_nan=False, strict=False)] | None = None


class Node(_Strict):
    id: NodeId
    label: Label | None = None
    children: Annotated[list[Child], Field(min_length=1)] | None = None
    rules: RuleSelector | None = None
    missing: MissingPolicy = "skip"
    index: bool = False
    dimension: Slug | None = None
    facet: Slug | None = None


class Rollup(_Strict):
    of: Annotated[list[Slug], Field(min_length=1)]
    missing: MissingPolicy = "skip"


class Scope(_Strict):
    id: Slug
    label: Label
    vars: dict[Annotated[str, Field(pattern=r"^[a-z0-9_]+$")], str] = {}
    rollup: Rollup | None = None


class HierarchySpec(_Strict):
    name: Slug
    description: Annotated[str, Field(min_length=1, max_length=10_000)]
    packs: Annotated[list[Slug], Field(min_length=1)]
    scale: Annotated[float, Field(gt=0, allow_inf_nan=False, strict=False)] = 1.0
    summary: Slug
    scopes: Annotated[list[Scope], Field(min_length=1)]
    nodes: Annotated[list[Node], Field(min_length=1)]


class _Document(_Strict):
    hierarchy: HierarchySpec


def exact_text(value: float) -> str:
    """A double as the shortest text that reads back as the same double."""
    return repr(value)


@dataclass(frozen=True, slots=True)
class NodeValues:
    """One node's value in every scope (None: missing)."""

    id: str
    label: str | None
    values: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class HierarchyScores:
    """A hierarchy evaluated for one bundle: every node in every scope, and the leaves."""

    model: str
    sha256: str
    scale: float
    summary: str
    scopes: tuple[tuple[str, str], ...]
    nodes: tuple[NodeValues, ...]
    leaves: dict[str, float | None]
    index_node: str | None
    dimension_nodes: dict[str, str]
    facet_nodes: dict[str, str]

    def value(self, scope: str, node: str) -> float | None:
        for item in self.nodes:
            if item.id == node:
                return item.values.get(scope)
        raise KeyError(node)

    def summary_share(self, node: str | None) -> float | None:
        """A node's summary value as a share of the scale (the engine's [0, 1] scores)."""
        if node is None:
            return None
        value = self.value(self.summary, node)
        return None if value is None else min(1.0, max(0.0, value / self.scale))

    def as_data(self) -> dict[str, Any]:
        """The record's form: values as exact text, so re-rendering gives the same doubles."""

        def text(value: float | None) -> str | None:
            return None if value is None else exact_text(value)

        return {
            "model": self.model,
            "sha256": self.sha256,
            "scale": self.scale,
            "summary": self.summary,
            "scopes": [{"id": sid, "label": label} for sid, label in self.scopes],
            "nodes": [
                {"id": n.id, "label": n.label,
                 "values": {scope: text(v) for scope, v in n.values.items()}}
                for n in self.nodes
            ],
            "leaves": {rule: text(v) for rule, v in sorted(self.leaves.items())},
        }


def _combine(items: Sequence[tuple[float, float | None]], missing: str) -> float | None:
    """The weighted mean of (weight, value) items under a node's missing-value policy."""
    if not items:
        return None
    if missing == "zero":
        return weighted_mean([(w, 0.0 if v is None else v) for w, v in items])
    present = [(w, v) for w, v in items if v is not None]
    return weighted_mean(present) if present else None


def _substitute(pattern: str, variables: Mapping[str, str]) -> str:
    return _VAR.sub(lambda match: variables[match.group(1)], pattern)


def _round_half_up(value: float, step: float) -> float:
    return math.floor(value / step + 0.5) * step


class Hierarchy:
    """A validated hierarchy spec, ready to evaluate rule credits of the packs it names."""

    def __init__(self, spec: HierarchySpec, *, sha256: str, file: str) -> None:
        self.spec = spec
        self.sha256 = sha256
        self.file = file
        self.name = spec.name
        self.nodes = {n.id: n for n in spec.nodes}
        self._order = self._evaluation_order()

    def _error(self, message: str, location: str, *, expected: str, found: str,
               fix: str) -> PackError:
        return PackError(message, code="pack.hierarchy", file=self.file,
                         location=location, expected=expected, found=found, fix=fix)

    def _evaluation_order(self) -> list[str]:
        """Children before parents; unknown children and cycles are errors."""
        order: list[str] = []
        state: dict[str, int] = {}

        def visit(node_id: str, trail: list[str]) -> None:
            if state.get(node_id) == 2:
                return
            if state.get(node_id) == 1:
                raise self._error(
                    "the node tree has a cycle", f"hierarchy.nodes ({node_id})",
                    expected="a tree: no node among its own descendants",
                    found=" -> ".join([*trail, node_id]), fix="remove one of the links")
            state[node_id] = 1
            for child in self.nodes[node_id].children or ():
                if child.node not in self.nodes:
                    hint = did_you_mean(child.node, self.nodes)
                    raise self._error(
                        f"node {node_id!r} names an unknown child {child.node!r}",
                        f"hierarchy.nodes ({node_id}).children",
                        expected="the id of a node of the hierarchy", found=repr(child.node),
                        fix=f"did you mean {hint!r}?" if hint else "declare the node")
                visit(child.node, [*trail, node_id])
            state[node_id] = 2
            order.append(node_id)

        for node in self.spec.nodes:
            visit(node.id, [])
        return order

    # -- evaluation ----------------------------------------------------------------------------

    def _leaves(self, rules: Sequence[ScoredRule]) -> dict[tuple[str, str], list[ScoredRule]]:
        """(scope, node) → the rules selected as that node's leaves, in rule id order."""
        by_id = sorted(rules, key=lambda r: r.rule)
        owner: dict[tuple[str, str], str] = {}
        leaves: dict[tuple[str, str], list[ScoredRule]] = {}
        for scope in self.spec.scopes:
            if scope.rollup is not None:
                continue
            for node in self.spec.nodes:
                if node.rules is None:
                    continue
                pattern = _substitute(node.rules.id or "*", scope.vars)
                chosen = [
                    r for r in by_id
                    if fnmatch.fnmatchcase(r.rule, pattern)
                    and node.rules.facet in (None, r.facet)
                    and node.rules.dimension in (None, r.dimension)
                ]
                for rule in chosen:
                    other = owner.get((scope.id, rule.rule))
                    if other is not None:
                        raise self._error(
                            f"rule {rule.rule} is a leaf of two nodes in scope {scope.id!r}",
                            f"hierarchy.nodes ({node.id}).rules",
                            expected="each rule under one node per scope",
                            found=f"also under {other!r}",
                            fix="narrow one of the selectors (id pattern, facet, dimension)")
                    owner[(scope.id, rule.rule)] = node.id
                leaves[(scope.id, node.id)] = chosen
        return leaves

    def _check_pack(self, pack: RulePack) -> None:
        dimensions = {d.id for d in pack.header.dimensions}
        facets = {f.id for f in pack.header.facets}
        for node in self.spec.nodes:
            for kind, value, known in (("dimension", node.dimension, dimensions),
                                       ("facet", node.facet, facets)):
                if value is not None and value not in known:
                    hint = did_you_mean(value, known)
                    raise self._error(
                        f"node {node.id!r} gives the score of an unknown {kind} {value!r}",
                        f"hierarchy.nodes ({node.id}).{kind}",
                        expected=f"a {kind} of pack {pack.id}: " + ", ".join(sorted(known)),
                        found=repr(value), fix=f"did you mean {hint!r}?" if hint
                        else f"use a {kind} id of the pack")

    def evaluate(self, pack: RulePack, rules: Sequence[ScoredRule]) -> HierarchyScores:
        """Every node's value in every scope, from the counted credits of the pack's rules."""
        self._check_pack(pack)
        scale = float(self.spec.scale)
        selected = self._leaves(rules)
        values: dict[str, dict[str, float | None]] = {n.id: {} for n in self.spec.nodes}
        leaf_values: dict[str, float | None] = {}
        plain = [s for s in self.spec.scopes if s.rollup is None]
        for scope in plain:
            for node_id in self._order:
                node = self.nodes[node_id]
                items: list[tuple[float, float | None]] = []
                if node.rules is not None:
                    for rule in selected[(scope.id, node_id)]:
                        leaf = None if rule.credit is None else scale * rule.credit
                        if leaf is not None and node.rules.round is not None:
                            leaf = _round_half_up(leaf, float(node.rules.round))
                        leaf_values[rule.rule] = leaf
                        items.append((rule.weight, leaf))
                for child in node.children or ():
                    items.append((child.weight, values[child.node][scope.id]))
                values[node_id][scope.id] = _combine(items, node.missing)
        for scope in self.spec.scopes:
            if scope.rollup is None:
                continue
            for node in self.spec.nodes:
                values[node.id][scope.id] = _combine(
                    [(1.0, values[node.id][source]) for source in scope.rollup.of],
                    scope.rollup.missing)
        index = next((n.id for n in self.spec.nodes if n.index), None)
        return HierarchyScores(
            model=self.name,
            sha256=self.sha256,
            scale=scale,
            summary=self.spec.summary,
            scopes=tuple((s.id, s.label) for s in self.spec.scopes),
            nodes=tuple(
                NodeValues(n.id, n.label, {s.id: values[n.id][s.id] for s in self.spec.scopes})
                for n in self.spec.nodes
            ),
            leaves=leaf_values,
            index_node=index,
            dimension_nodes={n.dimension: n.id for n in self.spec.nodes if n.dimension},
            facet_nodes={n.facet: n.id for n in self.spec.nodes if n.facet},
        )


def _validate(spec: HierarchySpec, file: str) -> None:
    def fail(message: str, location: str, expected: str, found: str, fix: str) -> None:
        raise PackError(message, code="pack.hierarchy", file=file, location=location,
                        expected=expected, found=found, fix=fix)

    scope_ids = [s.id for s in spec.scopes]
    plain = {s.id for s in spec.scopes if s.rollup is None}
    for index, scope in enumerate(spec.scopes):
        if scope_ids.count(scope.id) > 1:
            fail(f"scope {scope.id!r} is declared twice", f"hierarchy.scopes[{index}].id",
                 "unique scope ids", repr(scope.id), "rename one of them")
        if scope.rollup is not None:
            for source in scope.rollup.of:
                if source not in plain:
                    fail(f"roll-up {scope.id!r} combines {source!r}, not a scope of the tree",
                         f"hierarchy.scopes[{index}].rollup.of",
                         "ids of scopes without a roll-up: " + ", ".join(sorted(plain)),
                         repr(source), "name scopes the node tree is evaluated in")
    if not plain:
        fail("no scope evaluates the node tree", "hierarchy.scopes",
             "at least one scope without a roll-up", "only roll-ups", "add a scope")
    if spec.summary not in scope_ids:
        fail(f"unknown summary scope {spec.summary!r}", "hierarchy.summary",
             "one of " + ", ".join(scope_ids), repr(spec.summary), "name a declared scope")
    node_ids = [n.id for n in spec.nodes]
    seen: dict[str, str] = {}
    for index, node in enumerate(spec.nodes):
        where = f"hierarchy.nodes[{index}]"
        if node_ids.count(node.id) > 1:
            fail(f"node {node.id!r} is declared twice", f"{where}.id", "unique node ids",
                 repr(node.id), "rename one of them")
        if (node.children is None) == (node.rules is None):
            fail(f"node {node.id!r} needs either children or rules", where,
                 "exactly one of `children` (nodes) and `rules` (a rule selector)",
                 "both" if node.children else "neither", "keep one of them")
        for kind, value in (("index", "index" if node.index else None),
                            ("dimension", node.dimension), ("facet", node.facet)):
            if value is None:
                continue
            key = f"{kind}:{value}"
            if key in seen:
                fail(f"two nodes give the {kind} score {value if kind != 'index' else ''}"
                     .rstrip(), f"{where}.{kind}", f"one node per {kind}",
                     f"{seen[key]!r} and {node.id!r}", f"keep `{kind}` on one node")
            seen[key] = node.id
        if node.rules is not None:
            for name in _VAR.findall(node.rules.id or ""):
                lacking = [s.id for s in spec.scopes if s.rollup is None and name not in s.vars]
                if lacking:
                    fail(f"the selector of node {node.id!r} uses {{{name}}}, "
                         f"which scope {lacking[0]!r} does not define",
                         f"{where}.rules.id", f"`{name}` in every scope's vars",
                         f"no {name} in {lacking[0]}", f"add {name} = \"...\" to its vars")


def hierarchy_from_document(doc: Mapping[str, Any], *, file: str, sha256: str) -> Hierarchy:
    """Validate a parsed hierarchy document (a [hierarchy] table) into a `Hierarchy`."""
    try:
        spec = _Document.model_validate(doc).hierarchy
    except ValidationError as exc:
        first = exc.errors()[0]
        unknown = first["type"] == "extra_forbidden"
        raise PackError(
            f"unknown key {str(first['loc'][-1])!r}" if unknown else first["msg"],
            code="pack.hierarchy",
            file=file,
            location=format_location(first["loc"]),
            expected="the keys of docs/rules.md, Hierarchies" if unknown
            else first["msg"].removeprefix("Value error, "),
            found=repr(first.get("input"))[:80],
            fix="remove or correct the key" if unknown else "correct the value",
        ) from None
    _validate(spec, file)
    return Hierarchy(spec, sha256=sha256, file=file)


def hierarchy_model(hierarchy: Hierarchy) -> ScoringModel:
    """The scoring model of a hierarchy: its own packs are scored node by node; any other pack
    it is asked to score gets the default (oecd-dgi) aggregation."""
    default = BUILTIN_SCORING_MODELS[0]
    return ScoringModel(
        hierarchy.name,
        hierarchy.spec.description,
        default.rule_score,
        default.index,
        packs=tuple(hierarchy.spec.packs),
        hierarchy=hierarchy,
    )
