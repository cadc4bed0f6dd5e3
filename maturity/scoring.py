"""Scores from outcomes: rule → facet → dimension → framework index, and maturity levels.

Pure functions over data. A scoring model decides how credits roll up; every model here keeps
scores in [0, 1]. Which outcomes count is fixed and stated in the record:

- pass, partial, fail: their credit;
- not_assessed, error, stale: 0 (missing evidence scores 0, as in the OECD index);
- not_applicable: left out;
- waived: left out "with waivers", its underlying credit "without waivers".

A dimension reaches maturity level L when, at every level up to L, the weighted credit of its
counted rules reaches `level_threshold` (default 0.75) and at least one rule up to L counts.
"Reaches" allows `LEVEL_TOLERANCE` below the threshold: see `reaches_level`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import add
from typing import TYPE_CHECKING, Any

from maturity.model import Outcome, OutcomeStatus, Rule, RulePack

if TYPE_CHECKING:
    from maturity.aggregation import Hierarchy, HierarchyScores

__all__ = [
    "BUILTIN_SCORING_MODELS",
    "LEVEL_TOLERANCE",
    "DimensionScore",
    "PackScore",
    "ScoredRule",
    "ScoringModel",
    "counted_credit",
    "maturity_level",
    "reaches_level",
    "score_packs",
    "scored_rules",
    "sequential_sum",
    "weighted_credit",
    "weighted_score",
]


@dataclass(frozen=True, slots=True)
class ScoredRule:
    """What scoring needs of one rule: where it sits, its weight and its counted credit."""

    rule: str
    dimension: str
    facet: str | None
    level: int
    weight: float
    credit: float | None  # None: left out of the score


@dataclass(frozen=True, slots=True)
class DimensionScore:
    id: str
    score: float
    level: int
    facets: dict[str, float | None]
    counted: int


@dataclass(frozen=True, slots=True)
class PackScore:
    pack: str
    index: float
    dimensions: dict[str, DimensionScore] = field(default_factory=dict)
    #: Every node of a hierarchical model, per scope (None for the other models).
    hierarchy: HierarchyScores | None = None


Aggregate = Callable[[Sequence[ScoredRule]], float]


@dataclass(frozen=True, slots=True)
class ScoringModel:
    """How rule credits roll up. `rule_score` aggregates a set of rules (a facet, a dimension);
    `index` combines the dimension scores and their rules into the framework index."""

    name: str
    description: str
    rule_score: Aggregate
    index: Callable[[Sequence[float], Sequence[Sequence[ScoredRule]]], float]
    #: Packs this model always scores, whatever model the run uses: their published method.
    packs: tuple[str, ...] = ()
    #: How it scores those packs: node by node (maturity.aggregation); None: as above.
    hierarchy: Hierarchy | None = None
    #: The models that score particular packs in this run (pack id -> model).
    pack_models: Mapping[str, ScoringModel] = field(default_factory=dict)

    def for_pack(self, pack_id: str) -> ScoringModel:
        """The model that scores `pack_id` in a run using this model."""
        return self.pack_models.get(pack_id, self)


def counted_credit(outcome: Outcome, *, with_waivers: bool = True) -> float | None:
    status = outcome.status
    if status is OutcomeStatus.NOT_APPLICABLE:
        return None
    if status is OutcomeStatus.WAIVED:
        if with_waivers:
            return None
        return outcome.underlying_credit or 0.0
    return outcome.credit


def weighted_credit(rules: Iterable[ScoredRule]) -> float | None:
    """The weighted mean credit of the counted rules, None when none counts (summed in the
    order given: callers pass rules in id order so sums never depend on file order)."""
    total = 0.0
    credit = 0.0
    for r in rules:
        counted = r.credit
        if counted is not None:
            weight = r.weight
            total += weight
            credit += weight * counted
    return credit / total if total > 0 else None


# `weighted_credit` adds weights and products one after the other. So does `sum` over floats
# up to Python 3.11; from 3.12 it compensates rounding (1e16 + 1 - 1e16 is then 1, not 0),
# which could differ in the last bit, so there the sums are folded one by one. Faster paths
# (the batch scorer, the roadmap's what-if) sum with this to give the reference's floats.
def _folded(values: Iterable[float]) -> float:
    """Floats added one after the other from 0.0, as `weighted_credit` adds them."""
    return functools.reduce(add, values, 0.0)


sequential_sum: Callable[[Iterable[float]], float] = (
    sum if sum([1e16, 1.0, -1e16]) == 0.0 else _folded)


def weighted_score(rules: Sequence[ScoredRule]) -> float:
    """The weighted mean credit clamped to [0, 1], 0.0 when no rule counts: the `rule_score`
    of the weighted models (faster paths recognise it by identity)."""
    return _clamp(weighted_credit(rules) or 0.0)



def _unweighted(rules: Sequence[ScoredRule]) -> float:
    counted = [r.credit for r in rules if r.credit is not None and r.weight > 0]
    return _clamp(sum(counted) / len(counted)) if counted else 0.0


def _absolute(rules: Sequence[ScoredRule]) -> float:
    counted = [r.credit for r in rules if r.credit is not None]
    return 1.0 if counted and all(c >= 1.0 for c in counted) else 0.0


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _mean(values: Sequence[float]) -> float:
    return _clamp(sum(values) / len(values)) if values else 0.0


def _xccdf_default_dimension(rules: Sequence[ScoredRule]) -> float:
    """XCCDF default model: a group's score is the mean of its sub-groups (here facets)."""
    facets: dict[str | None, list[ScoredRule]] = {}
    for r in rules:
        facets.setdefault(r.facet, []).append(r)
    scores = [weighted_score(group) for group in facets.values() if any(
        x.credit is not None for x in group)]
    return _mean(scores)


def _flatten(groups: Sequence[Sequence[ScoredRule]]) -> list[ScoredRule]:
    return [r for g in groups for r in g]


BUILTIN_SCORING_MODELS: tuple[ScoringModel, ...] = (
    ScoringModel(
        "oecd-dgi",
        "Weighted mean of rule credits per dimension; index = plain mean of the dimensions "
        "(OECD Digital Government Index method, missing evidence scores 0).",
        weighted_score,
        lambda dims, groups: _mean(dims),
    ),
    ScoringModel(
        "xccdf-default",
        "XCCDF 1.2 default: weighted mean per facet, mean of facets per dimension, mean of "
        "dimensions (normalised to 0-1).",
        _xccdf_default_dimension,
        lambda dims, groups: _mean(dims),
    ),
    ScoringModel(
        "xccdf-flat",
        "XCCDF 1.2 flat: sum of weight x credit over the maximum sum of weights, over all "
        "rules of the scope (normalised to 0-1).",
        weighted_score,
        lambda dims, groups: weighted_score(_flatten(groups)),
    ),
    ScoringModel(
        "xccdf-flat-unweighted",
        "XCCDF 1.2 flat-unweighted: as flat, every rule with a non-zero weight counts 1.",
        _unweighted,
        lambda dims, groups: _unweighted(_flatten(groups)),
    ),
    ScoringModel(
        "xccdf-absolute",
        "XCCDF 1.2 absolute: 1 if every counted rule of the scope passes, else 0.",
        _absolute,
        lambda dims, groups: _absolute(_flatten(groups)),
    ),
)


#: How far below the level threshold a weighted credit may fall and still reach it. The
#: credit is a float sum over a float sum of weights, so a level met exactly in decimals
#: (three of four rules weighing 0.1 each, at 0.75) can come out a unit in the last place on
#: either side depending on how the weights are written; without this margin the level would
#: follow the rounding, not the evidence.
LEVEL_TOLERANCE = 1e-9


def reaches_level(share: float, threshold: float) -> bool:
    """Whether a level's weighted credit reaches the threshold (within `LEVEL_TOLERANCE`).

    The scorer, the fast scorer and the roadmap's what-if all decide levels here, so a plan
    never promises a level the scores then deny."""
    return share >= threshold - LEVEL_TOLERANCE


def maturity_level(rules: Sequence[ScoredRule], threshold: float) -> int:
    """The highest level L whose counted rules, and those of every level below, are met.

    A level no counted rule evidences is neither a barrier nor reached: a dimension whose
    rules stop at level 2 can reach level 2 and no higher.
    """
    by_level: dict[int, list[ScoredRule]] = {}
    for r in rules:
        if r.credit is not None:
            by_level.setdefault(r.level, []).append(r)
    reached = 0
    for level in range(1, 6):
        at_level = by_level.get(level)
        if at_level:
            if not reaches_level(weighted_score(at_level), threshold):
                break
            reached = level
    return reached


def scored_rules(
    rules: Iterable[Rule], outcomes: Mapping[str, Outcome], *, with_waivers: bool = True
) -> list[ScoredRule]:
    out: list[ScoredRule] = []
    for rule in rules:
        outcome = outcomes[rule.id]
        out.append(ScoredRule(
            rule.id, rule.dimension, rule.facet, rule.level, rule.weight,
            counted_credit(outcome, with_waivers=with_waivers),
        ))
    return out


def score_pack(
    pack: RulePack,
    rules: Sequence[ScoredRule],
    model: ScoringModel,
    level_threshold: float,
) -> PackScore:
    if model.hierarchy is not None and pack.id in model.packs:
        return _score_hierarchy(pack, rules, model.hierarchy, level_threshold)
    dimensions: dict[str, DimensionScore] = {}
    groups: list[list[ScoredRule]] = []
    # Each group keeps the order of `rules` (float sums follow it), built in one pass.
    by_dimension: dict[str, list[ScoredRule]] = {d.id: [] for d in pack.header.dimensions}
    for r in rules:
        if r.dimension in by_dimension:
            by_dimension[r.dimension].append(r)
    for dimension in pack.header.dimensions:
        in_dim = by_dimension[dimension.id]
        groups.append(in_dim)
        facet_ids = [
            f.id for f in pack.header.facets if f.dimension in (None, dimension.id)
        ]
        by_facet: dict[str | None, list[ScoredRule]] = {}
        for r in in_dim:
            by_facet.setdefault(r.facet, []).append(r)
        facets: dict[str, float | None] = {}
        for facet in facet_ids:
            cell = by_facet.get(facet, [])
            facets[facet] = (
                model.rule_score(cell) if any(r.credit is not None for r in cell) else None
            )
        dimensions[dimension.id] = DimensionScore(
            dimension.id,
            model.rule_score(in_dim),
            maturity_level(in_dim, level_threshold),
            facets,
            sum(1 for r in in_dim if r.credit is not None),
        )
    # A dimension with no counted rule (all not applicable or waived) is left out of the index,
    # as not-applicable rules are left out of a dimension: it would otherwise count as 0.
    counted = [(d.score, g) for d, g in zip(dimensions.values(), groups, strict=True)
               if d.counted]
    index = model.index([c[0] for c in counted], [c[1] for c in counted])
    return PackScore(pack.id, index, dimensions)


def _score_hierarchy(
    pack: RulePack, rules: Sequence[ScoredRule], hierarchy: Hierarchy, level_threshold: float
) -> PackScore:
    """A pack scored node by node: its index, dimensions and facets are summary nodes."""
    nodes = hierarchy.evaluate(pack, rules)
    # Published indices rarely have maturity levels: never claim one the pack does not name.
    top = max((named.level for named in pack.header.levels), default=5)
    dimensions: dict[str, DimensionScore] = {}
    for dimension in pack.header.dimensions:
        in_dim = [r for r in rules if r.dimension == dimension.id]
        facets = {
            f.id: nodes.summary_share(nodes.facet_nodes.get(f.id))
            for f in pack.header.facets if f.dimension in (None, dimension.id)
        }
        dimensions[dimension.id] = DimensionScore(
            dimension.id,
            nodes.summary_share(nodes.dimension_nodes.get(dimension.id)) or 0.0,
            min(maturity_level(in_dim, level_threshold), top),
            facets,
            sum(1 for r in in_dim if r.credit is not None),
        )
    return PackScore(pack.id, nodes.summary_share(nodes.index_node) or 0.0, dimensions, nodes)


def score_packs(
    packs: Sequence[RulePack],
    outcomes: Sequence[Outcome],
    model: ScoringModel,
    *,
    level_threshold: float = 0.75,
    with_waivers: bool = True,
    rules_by_pack: Mapping[str, Sequence[Rule]] | None = None,
) -> dict[str, PackScore]:
    by_rule = {o.rule: o for o in outcomes}
    result: dict[str, PackScore] = {}
    for pack in packs:
        # Sorted by id: float sums then never depend on the order rules were written in.
        rules = sorted(rules_by_pack[pack.id] if rules_by_pack else pack.rules,
                       key=lambda r: r.id)
        scored = scored_rules(rules, by_rule, with_waivers=with_waivers)
        result[pack.id] = score_pack(pack, scored, model.for_pack(pack.id), level_threshold)
    return result


def scores_as_data(scores: Mapping[str, PackScore]) -> dict[str, Any]:
    return {
        pack_id: {
            **({"hierarchy": score.hierarchy.as_data()} if score.hierarchy else {}),
            "index": score.index,
            "dimensions": {
                dim_id: {
                    "score": dim.score,
                    "level": dim.level,
                    "facets": dict(dim.facets),
                    "counted": dim.counted,
                }
                for dim_id, dim in score.dimensions.items()
            },
        }
        for pack_id, score in scores.items()
    }
