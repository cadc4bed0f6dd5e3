"""The reform roadmap: gaps → actions → dependency graph → phases → projected scores (pure).

- Every rule that is not met (partial, fail, not assessed, error, stale) is a gap; gaps whose
  remediations share an `action_id` are one action. Waived and not-applicable rules are not gaps.
- An action waits for the actions holding the rules its rules `depends_on` (hard: a cycle is an
  error naming the chain), and for the actions holding the gaps of the next lower level of each
  dimension it works on (soft: such an edge is left out where a `depends_on` chain already
  requires the opposite order).
- Targets: a score or a level per dimension; without targets every dimension aims at full marks.
  The gap to a score target is `target - score`; to a level target, the shortfall of each level's
  weighted credit below the level threshold, summed over the levels up to the target.
- Greedy planning: the next step is the action whose gain per person-month is highest, where the
  gain is how much it (with whatever it still waits for) closes the gap to the targets, measured
  by re-scoring with its rules assumed met under the assessment's own scoring model. Ties go to
  the larger share of targeted rule weight closed, then to foundational dimensions, then to the
  smallest rule id. Each action goes in the earliest phase after every action it waits for
  that still has the capacity; planning stops when the targets are met or nothing else fits.
- Per phase the projected scores are a full re-scoring (`maturity.scoring.score_packs`).

The CLI calls `add_arguments` on its parser and passes `settings_from_args(args)` to
`plan_roadmap`, whose result is plain data for the record's "roadmap" key.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Literal, TypeVar, cast

from maturity.errors import PackError, UsageError, did_you_mean
from maturity.model import Outcome, OutcomeStatus, RulePack
from maturity.ruleset import CompiledRule, RuleSet
from maturity.scoring import (
    PackScore,
    ScoredRule,
    ScoringModel,
    reaches_level,
    score_pack,
    scored_rules,
    sequential_sum,
    weighted_score,
)

__all__ = [
    "DEFAULT_CAPACITY",
    "DEFAULT_PHASES",
    "DEFAULT_PHASE_MONTHS",
    "GAP_STATUSES",
    "Action",
    "RoadmapSettings",
    "Target",
    "check_settings",
    "default_settings",
    "dependency_graph",
    "gap_actions",
    "parse_settings",
    "plan_roadmap",
]

from maturity.roadmap_options import DEFAULT_CAPACITY, DEFAULT_PHASE_MONTHS, DEFAULT_PHASES

GAP_STATUSES = frozenset({
    OutcomeStatus.PARTIAL,
    OutcomeStatus.FAIL,
    OutcomeStatus.NOT_ASSESSED,
    OutcomeStatus.ERROR,
    OutcomeStatus.STALE,
})

_KIND_RANK = {"foundational": 0, None: 1, "transformational": 2}
_EPS = 1e-12
_OPTIONS = {"capacity": "--capacity", "phases": "--phases", "phase_months": "--phase-months",
            "targets": "--target"}
_SETTING_KEYS = frozenset(_OPTIONS)

Cell = tuple[str, str]  # (pack id, dimension id)
_T = TypeVar("_T")


# --- settings ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """A target as written in the settings: `dimension` may be "all"; `pack` may be open."""

    dimension: str
    pack: str | None
    kind: Literal["score", "level"]
    value: float
    source: str

    def as_data(self) -> dict[str, Any]:
        value = self.value if self.kind == "score" else int(self.value)
        data: dict[str, Any] = {"dimension": self.dimension, self.kind: value,
                                "source": self.source}
        if self.pack is not None:
            data["pack"] = self.pack
        return data


@dataclass(frozen=True, slots=True)
class RoadmapSettings:
    capacity: float = DEFAULT_CAPACITY
    phases: int = DEFAULT_PHASES
    phase_months: int = DEFAULT_PHASE_MONTHS
    targets: tuple[TargetSpec, ...] = ()

    def as_data(self) -> dict[str, Any]:
        return {
            "capacity": self.capacity,
            "phases": self.phases,
            "phase_months": self.phase_months,
            "targets": [t.as_data() for t in self.targets],
        }


def default_settings() -> dict[str, Any]:
    return RoadmapSettings().as_data()


#: Person-months a phase can hold: a million, beyond any ministry (and far from where sums of
#: efforts in exact decimals overflow).
_MAX_CAPACITY = 1e6


def _setting_error(key: str, expected: str, found: Any) -> UsageError:
    return UsageError(
        f"invalid roadmap setting {key!r}",
        code="usage.roadmap-setting",
        location=f"roadmap.{key} ({_OPTIONS[key.split('[')[0]]})",
        expected=expected,
        found=repr(found),
        fix="correct the value (see `maturity assess --help`, roadmap options)",
    )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(
        value)


def _parse_target(index: int, raw: Any) -> TargetSpec:
    key = f"targets[{index}]"
    if not isinstance(raw, Mapping):
        raise _setting_error(key, "a table with dimension and score or level", raw)
    unknown = sorted(set(raw) - {"dimension", "pack", "score", "level", "source"})
    if unknown:
        raise _setting_error(f"{key}.{unknown[0]}", "dimension, pack, score, level, source",
                             unknown[0])
    dimension = raw.get("dimension")
    if not isinstance(dimension, str) or not dimension:
        raise _setting_error(f"{key}.dimension", "a dimension id or 'all'", dimension)
    pack = raw.get("pack")
    if pack is not None and not isinstance(pack, str):
        raise _setting_error(f"{key}.pack", "a pack id", pack)
    source = raw.get("source", "setting")
    if not isinstance(source, str):
        raise _setting_error(f"{key}.source", "text", source)
    if ("score" in raw) == ("level" in raw):
        raise _setting_error(key, "exactly one of score or level", dict(raw))
    if "score" in raw:
        score = raw["score"]
        if not _number(score) or not 0 < score <= 1:
            raise _setting_error(f"{key}.score", "a score in (0, 1]", score)
        return TargetSpec(dimension, pack, "score", float(score), source)
    level = raw["level"]
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise _setting_error(f"{key}.level", "a level from 1 to 5", level)
    return TargetSpec(dimension, pack, "level", float(level), source)


def parse_settings(settings: Mapping[str, Any]) -> RoadmapSettings:
    """Validate a settings mapping (from the CLI, the API or a record); missing keys default."""
    unknown = sorted(set(settings) - _SETTING_KEYS)
    if unknown:
        hint = did_you_mean(unknown[0], _SETTING_KEYS)
        raise UsageError(
            f"unknown roadmap setting {unknown[0]!r}",
            code="usage.roadmap-setting",
            location=f"roadmap.{unknown[0]}",
            expected="one of " + ", ".join(sorted(_SETTING_KEYS)),
            found=repr(unknown[0]),
            fix=f"did you mean {hint!r}?" if hint else "remove it",
        )
    capacity = settings.get("capacity", DEFAULT_CAPACITY)
    if not _number(capacity) or not 0 < capacity <= _MAX_CAPACITY:
        raise _setting_error("capacity", f"person-months per phase, > 0 and at most "
                             f"{_MAX_CAPACITY:g}", capacity)
    phases = settings.get("phases", DEFAULT_PHASES)
    if isinstance(phases, bool) or not isinstance(phases, int) or not 1 <= phases <= 100:
        raise _setting_error("phases", "a number of phases from 1 to 100", phases)
    months = settings.get("phase_months", DEFAULT_PHASE_MONTHS)
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 120:
        raise _setting_error("phase_months", "months per phase from 1 to 120", months)
    raw_targets = settings.get("targets", [])
    if not isinstance(raw_targets, Sequence) or isinstance(raw_targets, str):
        raise _setting_error("targets", "a list of targets", raw_targets)
    targets = tuple(_parse_target(i, t) for i, t in enumerate(raw_targets))
    return RoadmapSettings(float(capacity), phases, months, targets)


# --- gaps and actions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Action:
    """One piece of reform work: the gap rules it closes, who does it, and what it costs.

    `levels` gives, per (pack, dimension) it works on, the lowest level of its gaps there.
    """

    id: str
    rules: tuple[str, ...]
    steps: tuple[str, ...]
    owners: tuple[str, ...]
    effort: float
    levels: tuple[tuple[Cell, int], ...]
    kind_rank: int

    @property
    def cells(self) -> tuple[Cell, ...]:
        return tuple(cell for cell, _ in self.levels)


def _dimension_kinds(packs: Iterable[RulePack]) -> dict[Cell, str | None]:
    return {(p.id, d.id): d.kind for p in packs for d in p.header.dimensions}


def gap_actions(rules: RuleSet, outcomes: Sequence[Outcome]) -> list[Action]:
    """The actions that close the gaps, sorted by id. Rules sharing an action id merge: the
    effort counts each distinct action text once (at its largest declared effort)."""
    by_rule = {o.rule: o for o in outcomes}
    groups: dict[str, list[CompiledRule]] = {}
    named: dict[str, bool] = {}
    for compiled in rules.rules:
        outcome = by_rule.get(compiled.id)
        if outcome is None or outcome.status not in GAP_STATUSES:
            continue
        action_id = compiled.rule.remediation.action_id
        key = action_id or compiled.id
        if named.setdefault(key, action_id is not None) != (action_id is not None):
            file, location = rules.pack(compiled.pack).place(
                compiled.id, "remediation", "action_id")
            raise PackError(
                f"the action id {key!r} is also a rule id",
                code="pack.action-id-clash",
                file=file,
                location=location,
                expected="action ids that differ from rule ids",
                found=repr(key),
                fix="rename the action id",
            )
        groups.setdefault(key, []).append(compiled)
    kinds = _dimension_kinds(rules.packs)
    actions: list[Action] = []
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda c: c.id)
        efforts: dict[str, float] = {}
        for c in members:
            text = c.rule.remediation.action
            efforts[text] = max(efforts.get(text, 0.0), c.rule.remediation.effort)
        levels: dict[Cell, int] = {}
        for c in members:
            cell = (c.pack, c.rule.dimension)
            levels[cell] = min(levels.get(cell, 6), c.rule.level)
        actions.append(Action(
            id=key,
            rules=tuple(c.id for c in members),
            steps=tuple(efforts),
            owners=tuple(sorted({c.rule.remediation.owner for c in members})),
            effort=sum(efforts.values()),
            levels=tuple(sorted(levels.items())),
            kind_rank=min(_KIND_RANK[kinds.get(cell)] for cell in levels),
        ))
    return actions


def _reaching(waited_by: Mapping[str, Iterable[str]], goal: str) -> set[str]:
    """`goal` and every action that waits for it, directly or not (`waited_by`: the reverse
    of the waits graph)."""
    found = {goal}
    stack = [goal]
    while stack:
        for node in waited_by[stack.pop()]:
            if node not in found:
                found.add(node)
                stack.append(node)
    return found


def _cycle_error(chain: list[str], because: Mapping[tuple[str, str], tuple[str, str]],
                 rules: RuleSet) -> PackError:
    steps = [
        f"{a} ({because[(a, b)][0]} depends on {because[(a, b)][1]})"
        for a, b in itertools.pairwise(chain)
    ]
    first_rule = because[(chain[0], chain[1])][0]
    compiled = rules.rule(first_rule)
    file, location = rules.pack(compiled.pack).place(first_rule, "remediation")
    return PackError(
        "the roadmap's actions depend on each other in a cycle",
        code="pack.roadmap-cycle",
        file=file,
        location=location,
        expected="action dependencies without cycles (rules sharing an action_id act as one)",
        found=" -> ".join([*steps, chain[-1]]),
        fix="split the action id, or remove one depends_on in the chain",
    )


def dependency_graph(rules: RuleSet, actions: Sequence[Action]) -> dict[str, tuple[str, ...]]:
    """For each action, the actions it waits for (direct edges, sorted)."""
    action_of = {rule_id: a.id for a in actions for rule_id in a.rules}
    compiled = {c.id: c for c in rules.rules}
    waits: dict[str, set[str]] = {a.id: set() for a in actions}
    because: dict[tuple[str, str], tuple[str, str]] = {}
    for action in actions:
        for rule_id in action.rules:
            for needed in compiled[rule_id].depends_on:
                other = action_of.get(needed)
                if other is not None and other != action.id:
                    waits[action.id].add(other)
                    because.setdefault((action.id, other), (rule_id, needed))
    _reject_cycles(waits, because, rules)
    by_cell: dict[Cell, dict[int, list[str]]] = {}
    for action in actions:
        for cell, level in action.levels:
            by_cell.setdefault(cell, {}).setdefault(level, []).append(action.id)
    waited_by: dict[str, set[str]] = {a.id: set() for a in actions}
    for node, needs in waits.items():
        for needed in needs:
            waited_by[needed].add(node)
    for cell in sorted(by_cell):
        levels = sorted(by_cell[cell])
        for lower, upper in itertools.pairwise(levels):
            for waiting in sorted(by_cell[cell][upper]):
                # An edge to an action that already waits for `waiting` would close a cycle.
                # The edges added here leave `waiting`, so they never change this set.
                after = _reaching(waited_by, waiting)
                for first in sorted(by_cell[cell][lower]):
                    if first not in after:
                        waits[waiting].add(first)
                        waited_by[first].add(waiting)
    return {key: tuple(sorted(value)) for key, value in sorted(waits.items())}


def _reject_cycles(waits: Mapping[str, set[str]],
                   because: Mapping[tuple[str, str], tuple[str, str]], rules: RuleSet) -> None:
    state: dict[str, int] = {}
    for start in sorted(waits):
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, list[str]]] = [(start, sorted(waits[start]))]
        state[start] = 1
        path.append(start)
        while stack:
            node, pending = stack[-1]
            if not pending:
                state[node] = 2
                path.pop()
                stack.pop()
                continue
            nxt = pending.pop(0)
            if state.get(nxt) == 1:
                raise _cycle_error([*path[path.index(nxt):], nxt], because, rules)
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(waits[nxt])))


def _ancestors(graph: Mapping[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
    memo: dict[str, frozenset[str]] = {}
    for start in sorted(graph):
        stack = [(start, False)]
        while stack:
            node, ready = stack.pop()
            if node in memo:
                continue
            if ready:
                found: set[str] = set()
                for dep in graph[node]:
                    found.add(dep)
                    found |= memo[dep]
                memo[node] = frozenset(found)
                continue
            stack.append((node, True))
            stack.extend((dep, False) for dep in graph[node] if dep not in memo)
    return memo


def _reduced(graph: Mapping[str, tuple[str, ...]],
             ancestors: Mapping[str, frozenset[str]]) -> dict[str, tuple[str, ...]]:
    """Direct dependencies without those already implied through another one."""
    out: dict[str, tuple[str, ...]] = {}
    for node, deps in graph.items():
        implied: set[str] = set()
        for dep in deps:
            implied |= ancestors[dep]
        out[node] = tuple(d for d in deps if d not in implied)
    return out


# --- targets and what-if scoring -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    pack: str
    dimension: str
    kind: Literal["score", "level"]
    value: float
    source: str


def _target_location(spec: TargetSpec) -> str:
    if spec.source == "setting":
        return "--target"
    return spec.source if spec.source.startswith("--target") else f"--target {spec.source}"


def check_settings(settings: Mapping[str, Any], packs: Sequence[RulePack]) -> None:
    """Refuse settings that no bundle could be planned with (a target naming a dimension no
    loaded pack has), once, before a batch reads any bundle."""
    resolve_targets(parse_settings(settings).targets, packs)


def resolve_targets(specs: Sequence[TargetSpec], packs: Sequence[RulePack]) -> dict[Cell, Target]:
    """Targets per (pack, dimension); later specs win. No specs: full marks everywhere."""
    cells = [(p.id, d.id) for p in packs for d in p.header.dimensions]
    if not specs:
        return {cell: Target(cell[0], cell[1], "score", 1.0, "full marks") for cell in cells}
    pack_ids = {p.id for p in packs}
    resolved: dict[Cell, Target] = {}
    for spec in specs:
        if spec.pack is not None and spec.pack not in pack_ids:
            raise UsageError(
                f"a target names the pack {spec.pack!r}, which is not loaded",
                code="usage.target-pack",
                location=_target_location(spec),
                expected="one of " + ", ".join(sorted(pack_ids)),
                found=repr(spec.pack),
                fix="load the pack, or drop the target",
            )
        matched = [
            cell for cell in cells
            if (spec.pack in (None, cell[0])) and spec.dimension in ("all", cell[1])
        ]
        if not matched:
            known = sorted({d for _, d in cells})
            hint = did_you_mean(spec.dimension, known)
            raise UsageError(
                f"a target names the dimension {spec.dimension!r}, which no loaded pack has",
                code="usage.target-dimension",
                location=_target_location(spec),
                expected="all, or one of " + ", ".join(known),
                found=repr(spec.dimension),
                fix=f"did you mean {hint!r}?" if hint else "name a dimension of a loaded pack",
            )
        for cell in matched:
            resolved[cell] = Target(cell[0], cell[1], spec.kind, spec.value, spec.source)
    return dict(sorted(resolved.items()))


def _counted_weight(scored: Sequence[ScoredRule]) -> float | None:
    """The weights of the counted rules added in order (as `weighted_credit` adds them), None
    when their total is not positive (the mean is then None)."""
    total = 0.0
    for r in scored:
        if r.credit is not None:
            total += r.weight
    return total if total > 0 else None


#: Takes some items of a list of floats.
_Pick = Callable[[Sequence[float]], tuple[float, ...]]


def _getter(places: Sequence[int]) -> _Pick:
    """Takes the items at `places` as a tuple (a place: a tuple of one)."""
    if len(places) == 1:
        only = places[0]
        return lambda values: (values[only],)
    return cast(_Pick, itemgetter(*places))


class _Cell:
    """One dimension's rules in id order, as flat lists the what-if re-scores quickly.

    `products` holds each rule's weight x credit in the current state (0.0 for a rule left
    out, which leaves a float sum exactly as it is), `met` the same with the rule met. Sums
    are `sequential_sum`s in this order with fixed weight totals, so every mean equals
    `weighted_credit`'s to the last bit.
    """

    __slots__ = ("levels", "met", "met_rules", "products", "scored", "total")

    def __init__(self, scored: list[ScoredRule], weighted: bool) -> None:
        self.scored = scored
        self.met_rules = [r if r.credit is None else
                          ScoredRule(r.rule, r.dimension, r.facet, r.level, r.weight, 1.0)
                          for r in scored]
        self.products = [r.weight * r.credit if r.credit is not None else 0.0 for r in scored]
        self.met = [r.weight if r.credit is not None else 0.0 for r in scored]
        #: The weighted mean's weight total, when the model's `rule_score` is the weighted
        #: mean (None otherwise: the model itself scores `scored`).
        self.total = _counted_weight(scored) if weighted else None
        #: Per level with a counted rule: its places and their weight total.
        self.levels: dict[int, tuple[_Pick, float]] = {}
        for level in sorted({r.level for r in scored}):
            at = [place for place, r in enumerate(scored) if r.level == level]
            total = _counted_weight([scored[place] for place in at])
            if total is not None:
                self.levels[level] = (_getter(at), total)

    def products_met(self, places: Iterable[int]) -> list[float]:
        """The products with the rules at `places` met."""
        return _with_met(self.products, self.met, places)

    def scored_met(self, places: Iterable[int]) -> list[ScoredRule]:
        """The rules with those at `places` met."""
        return _with_met(self.scored, self.met_rules, places)


def _with_met(now: Sequence[_T], met: Sequence[_T], places: Iterable[int]) -> list[_T]:
    """`now` with its items at `places` taken from `met`."""
    out = list(now)
    for place in places:
        out[place] = met[place]
    return out


class _WhatIf:
    """Shortfall to the targets of each dimension, re-scored with chosen rules assumed met.

    A dimension's score is the model's own `rule_score` over the dimension's rules, exactly as
    `maturity.scoring.score_pack` computes it, so only the dimensions an action touches are
    re-scored while candidates are compared. With the weighted mean (`oecd-dgi`,
    `xccdf-flat`), and for level targets, which use weighted credits whatever the model, a
    re-score is two sums over a cell's flat lists (`_Cell`); another model scores the rule
    list. A rule keeps its place in its cell, so rules assumed met are put in at their places.
    Sets of rules are passed as `slots`, one number per rule that orders them by dimension,
    then place: the planner unites them for every action it weighs.
    """

    def __init__(self, rules: RuleSet, outcomes: Sequence[Outcome], model: ScoringModel,
                 threshold: float, targets: Mapping[Cell, Target]) -> None:
        by_rule = {o.rule: o for o in outcomes}
        self.threshold = threshold
        self.targets = targets
        self.cells: dict[Cell, _Cell] = {}
        self.scorers: dict[Cell, Callable[[Sequence[ScoredRule]], float]] = {}
        for pack in rules.packs:
            rule_score = model.for_pack(pack.id).rule_score
            # In id order, as `score_packs` sums them: float sums must not depend on file order.
            in_pack: dict[Cell, list[ScoredRule]] = {}
            for scored in scored_rules(sorted(pack.rules, key=lambda r: r.id), by_rule):
                in_pack.setdefault((pack.id, scored.dimension), []).append(scored)
            for cell, scored_list in in_pack.items():
                self.cells[cell] = _Cell(scored_list, rule_score is weighted_score)
                self.scorers[cell] = rule_score
        self.order = sorted(self.cells)
        self.stride = max((len(c.scored) for c in self.cells.values()), default=0) + 1
        self.slot = {
            r.rule: rank * self.stride + place
            for rank, cell in enumerate(self.order)
            for place, r in enumerate(self.cells[cell].scored)
        }
        # Meeting a rule changes its credit, never whether it counts: each dimension's counted
        # weight is fixed (summed in the cell's order, as before any rule was met).
        self.counted_weight = {
            cell: sum(r.weight for r in c.scored if r.credit is not None)
            for cell, c in self.cells.items()
        }
        self.current = {cell: self._shortfall(cell) for cell in self.cells}
        #: Whether meeting rules only ever shrinks what meeting others closes: so with a
        #: weighted mean (or a level target, which uses weighted credits) in every targeted
        #: dimension (see `_Planner`).
        self.diminishing = all(
            self.cells[cell].total is not None or target.kind != "score"
            for cell, target in targets.items() if cell in self.cells)
        # What meeting each rule not met yet adds to its dimension's targeted weight (None: it
        # adds nothing), summed for `gains` in the cell's order.
        self.closes: dict[Cell, list[float | None]] = {}
        for cell, c in self.cells.items():
            target = targets.get(cell)
            self.closes[cell] = [
                r.weight * (1.0 - (r.credit or 0.0))
                if r.credit is not None and target is not None
                and (target.kind == "score" or r.level <= target.value) else None
                for r in c.scored
            ]

    def _shortfall(self, cell: Cell, at: Sequence[int] = ()) -> float:
        """The gap to the cell's target, with the rules at places `at` met too."""
        target = self.targets.get(cell)
        if target is None:
            return 0.0
        state = self.cells[cell]
        if target.kind == "score":
            if state.total is None:
                score = self.scorers[cell](state.scored_met(at))
            else:
                mean = sequential_sum(state.products_met(at) if at else state.products) / (
                    state.total)
                score = (mean if mean < 1.0 else 1.0) if mean > 0.0 else 0.0
            return max(0.0, target.value - score)
        products = state.products_met(at) if at else state.products
        gap = 0.0
        levels = state.levels
        for level in range(1, int(target.value) + 1):
            found = levels.get(level)
            if found is not None:
                pick, total = found
                share = sequential_sum(pick(products)) / total
                if not reaches_level(share, self.threshold):
                    gap += self.threshold - share
        return gap

    def slots(self, rule_ids: Iterable[str]) -> frozenset[int]:
        return frozenset(self.slot[rule] for rule in rule_ids)

    def by_cell(self, slots: Iterable[int]) -> tuple[tuple[Cell, tuple[int, ...]], ...]:
        """Each dimension `slots` touch, in order, with the places of their rules in it."""
        ordered = sorted(slots)
        out: list[tuple[Cell, tuple[int, ...]]] = []
        start = 0
        while start < len(ordered):
            rank = ordered[start] // self.stride
            base = rank * self.stride
            end = bisect.bisect_left(ordered, base + self.stride, start)
            out.append((self.order[rank], tuple(slot - base for slot in ordered[start:end])))
            start = end
        return tuple(out)

    def gains(self, touched: Iterable[tuple[Cell, tuple[int, ...]]]) -> tuple[float, float]:
        """(shortfall closed, share of targeted weight closed) if the rules at these places
        (from `by_cell`) were met."""
        closed = 0.0
        share = 0.0
        current = self.current
        for cell, at in touched:
            if current[cell] <= _EPS:
                continue
            closed += current[cell] - self._shortfall(cell, at)
            total = self.counted_weight[cell]
            if total > 0:
                closes = self.closes[cell]
                share += sum(c for c in (closes[place] for place in at) if c is not None) / total
        return closed, share

    def commit(self, touched: Iterable[tuple[Cell, tuple[int, ...]]]) -> set[Cell]:
        cells: set[Cell] = set()
        for cell, at in touched:
            state = self.cells[cell]
            state.scored = state.scored_met(at)
            state.products = state.products_met(at)
            self.current[cell] = self._shortfall(cell)
            cells.add(cell)
        return cells

    def remaining(self) -> float:
        return sum(self.current.values())


def _scores_data(scores: Mapping[str, PackScore]) -> dict[str, Any]:
    return {
        pack: {
            "index": score.index,
            "dimensions": {
                dim: {"score": d.score, "level": d.level}
                for dim, d in score.dimensions.items()
            },
        }
        for pack, score in scores.items()
    }


# --- planning ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Closure:
    """An action and every unscheduled action it waits for: as a set, their effort, and, once
    built, in the order they would be done (dependencies first), their dimensions, their
    rules' slots, and these as places by dimension for the what-if (`touched`, found when
    first weighed). A closure that lost actions is rebuilt only when weighed again; until
    then its effort is the built one less theirs (equal but for float error)."""

    members: frozenset[str]
    effort: float
    actions: tuple[str, ...] | None = None
    cells: frozenset[Cell] = frozenset()
    slots: frozenset[int] = frozenset()
    touched: tuple[tuple[Cell, tuple[int, ...]], ...] | None = None


@dataclass
class _Candidate:
    """An action as the next step: with what it still waits for, its ordering key and its
    gain (`closed` + `share`); `failed` once the closure no longer fits. A `stale` candidate's
    key is only a bound: a commit changed it."""

    need: _Closure
    key: tuple[float, float, int, str]
    closed: float
    share: float
    failed: bool = False
    stale: bool = False

    @property
    def gain(self) -> float:
        return self.closed + self.share

    @property
    def closure(self) -> tuple[str, ...]:
        """The actions to do, in order (the closure of a weighed candidate is built)."""
        assert self.need.actions is not None
        return self.need.actions


#: How far below its last ratio a stale candidate's bound is put: far more than the float
#: error of a ratio (under 1e-12 here), so a bound never ties a true ratio.
_BOUND_MARGIN = 1e-9


class _Planner:
    """The greedy loop: rank the candidates, place the best closure that fits, commit it.

    Lazily: a commit changes the ranking of the candidates whose closure it shortened or
    whose dimensions it touched, and these are only marked stale, with a bound on their new
    key, and weighed again when they reach the top of the heap. The bound holds because the
    gains diminish: meeting rules (a weighted mean's or a level's credit goes up) never makes
    meeting others close more of a gap, and a commit only takes actions out of a closure, so
    the old gain over the new effort bounds the new ratio. When a targeted dimension is scored
    by another model (an `absolute` one can reward completing a set), gains may grow, and every
    stale candidate is weighed again first: the eager greedy. Either way the steps are those of
    weighing every candidate afresh after each commit, in the same order.
    """

    def __init__(self, actions: Sequence[Action], waits: Mapping[str, tuple[str, ...]],
                 ancestors: Mapping[str, frozenset[str]], whatif: _WhatIf,
                 settings: RoadmapSettings) -> None:
        self.actions = {a.id: a for a in actions}
        self.ids = sorted(self.actions)
        self.effort = {a.id: a.effort for a in actions}
        self.cells = {a.id: frozenset(a.cells) for a in actions}
        self.slots = {a.id: whatif.slots(a.rules) for a in actions}
        self.touched = {a.id: whatif.by_cell(self.slots[a.id]) for a in actions}
        self.ancestors = ancestors
        self.waits = waits
        self.whatif = whatif
        self.settings = settings
        self.used = [0.0] * settings.phases
        self.phase: dict[str, int] = {}
        self.order: list[str] = []
        self.enables: dict[str, str] = {}
        self.gain: dict[str, float] = {}
        self.cache: dict[str, _Candidate] = {}
        #: (key, action id, stamp): a candidate's entries before its latest are skipped.
        self.heap: list[tuple[tuple[float, float, int, str], str, int]] = []
        self.stamp: dict[str, int] = {}
        self.topo = _topological_order(self.actions, waits)
        #: Every unscheduled action's closure, kept as commits shorten it.
        self.closures = {a: self._closure(ancestors[a] | {a}) for a in self.ids}
        #: The candidates whose closure holds an action; those that touch a dimension.
        self.waiting: dict[str, list[str]] = {}
        self.in_cell: dict[Cell, list[str]] = {}
        for action_id, need in self.closures.items():
            # A closure only loses actions and dimensions: these indexes, made once, hold
            # every candidate a commit can change.
            for member in need.members:
                self.waiting.setdefault(member, []).append(action_id)
            for cell in need.cells:
                self.in_cell.setdefault(cell, []).append(action_id)

    def _closure(self, members: frozenset[str]) -> _Closure:
        """The closure of these actions, built (what an action waits for that is scheduled
        was scheduled with all it waits for, so the unscheduled ones are all it needs)."""
        ordered = tuple(sorted(members, key=self.topo.__getitem__))
        return _Closure(
            members, sum([self.effort[a] for a in ordered]), ordered,
            frozenset().union(*[self.cells[a] for a in ordered]),
            frozenset().union(*[self.slots[a] for a in ordered]))

    def candidate(self, action_id: str) -> _Candidate:
        need = self.closures[action_id]
        if need.actions is None:
            need = self.closures[action_id] = self._closure(need.members)
        if need.touched is None:
            need.touched = self.whatif.by_cell(need.slots)
        closed, share = self.whatif.gains(need.touched)
        effort = need.effort
        action = self.actions[action_id]
        key = (-round(closed / effort, 12), -round(share / effort, 12), action.kind_rank,
               action.rules[0])
        return _Candidate(need, key, closed, share)

    def fresh(self, action_id: str) -> _Candidate:
        """The candidate as it stands now (weighed again if stale)."""
        cached = self.cache.get(action_id)
        if cached is None or cached.stale:
            cached = self.cache[action_id] = self.candidate(action_id)
        return cached

    def _push(self, action_id: str, candidate: _Candidate) -> None:
        self.cache[action_id] = candidate
        stamp = self.stamp[action_id] = self.stamp.get(action_id, 0) + 1
        heapq.heappush(self.heap, (candidate.key, action_id, stamp))

    def _place(self, closure: Sequence[str]) -> dict[str, int] | None:
        capacity = self.settings.capacity
        used = list(self.used)
        placed: dict[str, int] = {}
        for action_id in closure:
            effort = self.actions[action_id].effort
            deps = [placed.get(d, self.phase.get(d, -1)) for d in self.waits[action_id]]
            earliest = max(deps, default=-1) + 1
            for phase in range(earliest, self.settings.phases):
                if used[phase] + effort <= capacity + 1e-9:
                    used[phase] += effort
                    placed[action_id] = phase
                    break
            else:
                return None
        self.used = used
        return placed

    def run(self) -> None:
        for action_id in self.ids:
            candidate = self.candidate(action_id)
            self.cache[action_id] = candidate
            if candidate.gain > _EPS:
                self._push(action_id, candidate)
        while self.whatif.remaining() > _EPS:
            chosen = self._next()
            if chosen is None:
                return
            self._commit(*chosen)

    def _next(self) -> tuple[str, _Candidate, dict[str, int]] | None:
        """The best candidate whose closure fits, and where it goes: the least key of all
        candidates weighed afresh (a stale one's bound is below its key, so it is weighed
        again before any candidate it could beat is taken)."""
        heap = self.heap
        while heap:
            _key, action_id, stamp = heapq.heappop(heap)
            if self.stamp[action_id] != stamp:
                continue
            candidate = self.cache[action_id]
            if candidate.stale:
                candidate = self.candidate(action_id)
                if candidate.gain > _EPS:
                    self._push(action_id, candidate)
                else:
                    self.cache[action_id] = candidate
                continue
            placed = self._place(candidate.closure)
            if placed is None:
                candidate.failed = True
                continue
            return action_id, candidate, placed
        return None

    def _commit(self, action_id: str, candidate: _Candidate, placed: Mapping[str, int]) -> None:
        touched: set[Cell] = set()
        for member in candidate.closure:
            self.gain[member] = self.whatif.gains(self.touched[member])[0]
            touched |= self.whatif.commit(self.touched[member])
            self.phase[member] = placed[member]
            self.order.append(member)
            if member != action_id:
                self.enables[member] = action_id
        done = frozenset(candidate.closure)
        for other in done:
            del self.cache[other], self.closures[other]
            self.stamp[other] = -1
        changed = {a for d in done for a in self.waiting.get(d, ())}
        changed.update(a for c in touched for a in self.in_cell.get(c, ()))
        for other in sorted(changed):
            cached = self.cache.get(other)
            if cached is None:
                continue  # scheduled
            need = self.closures[other]
            lost = need.members & done
            if lost:
                need = self.closures[other] = _Closure(
                    need.members - lost, need.effort - sum([self.effort[a] for a in sorted(lost)]))
            elif cached.stale or need.cells.isdisjoint(touched):
                continue  # unchanged, or its bound still holds
            bound = (-cached.closed / need.effort - _BOUND_MARGIN
                     if self.whatif.diminishing and need.effort > _BOUND_MARGIN else -math.inf)
            self._push(other, _Candidate(need, (bound, -math.inf, -1, ""), cached.closed,
                                         cached.share, stale=True))


def _topological_order(actions: Mapping[str, Action],
                       waits: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """A position for every action: dependencies first, then by smallest first rule id."""
    pending = {a: len(waits[a]) for a in actions}
    waiting: dict[str, list[str]] = {}
    for node in actions:
        for dep in waits[node]:
            waiting.setdefault(dep, []).append(node)
    ready = [(actions[n].rules[0], n) for n, count in pending.items() if count == 0]
    heapq.heapify(ready)
    order: dict[str, int] = {}
    while ready:
        _first, node = heapq.heappop(ready)
        order[node] = len(order)
        for after in waiting.get(node, ()):
            pending[after] -= 1
            if pending[after] == 0:
                heapq.heappush(ready, (actions[after].rules[0], after))
    return order


def _critical_path(actions: Mapping[str, Action], waits: Mapping[str, tuple[str, ...]],
                   phase: Mapping[str, int]) -> list[str]:
    """The longest chain of scheduled actions by effort (ties: smaller action id)."""
    length: dict[str, float] = {}
    previous: dict[str, str | None] = {}
    for action_id in sorted(phase, key=lambda a: (phase[a], a)):
        best: str | None = None
        for dep in sorted(waits[action_id]):
            if dep in length and (best is None or length[dep] > length[best] + 1e-9):
                best = dep
        length[action_id] = actions[action_id].effort + (length[best] if best else 0.0)
        previous[action_id] = best
    if not length:
        return []
    end = min(length, key=lambda a: (-round(length[a], 9), a))
    chain = [end]
    while (step := previous[chain[-1]]) is not None:
        chain.append(step)
    return chain[::-1]


def plan_roadmap(
    rules: RuleSet,
    outcomes: Sequence[Outcome],
    model: ScoringModel,
    level_threshold: float,
    settings: Mapping[str, Any],
) -> dict[str, Any]:
    """Plan the roadmap for one assessment's outcomes; the result is plain JSON-able data."""
    parsed = parse_settings(settings)
    targets = resolve_targets(parsed.targets, rules.packs)
    actions = gap_actions(rules, outcomes)
    waits = dependency_graph(rules, actions)
    whatif = _WhatIf(rules, outcomes, model, level_threshold, targets)
    ancestors = _ancestors(waits)
    planner = _Planner(actions, waits, ancestors, whatif, parsed)
    planner.run()

    by_id = {a.id: a for a in actions}
    direct = _reduced(waits, ancestors)
    critical = _critical_path(by_id, waits, planner.phase)

    # `score_packs` of the outcomes with the rules of `met` passed, from the rules scored once.
    by_rule = {o.rule: o for o in outcomes}
    scored = {p.id: scored_rules(sorted(p.rules, key=lambda r: r.id), by_rule) for p in rules.packs}

    def rescore(met: frozenset[str]) -> dict[str, PackScore]:
        return {
            p.id: score_pack(
                p, [ScoredRule(r.rule, r.dimension, r.facet, r.level, r.weight, 1.0)
                    if r.rule in met else r for r in scored[p.id]],
                model.for_pack(p.id), level_threshold)
            for p in rules.packs
        }

    baseline = rescore(frozenset())
    phases: list[dict[str, Any]] = []
    met: set[str] = set()
    final = baseline
    for number in range(parsed.phases):
        in_phase = [a for a in planner.order if planner.phase[a] == number]
        for action_id in in_phase:
            met.update(by_id[action_id].rules)
        if in_phase:
            final = rescore(frozenset(met))
        owners: dict[str, float] = {}
        for action_id in in_phase:
            action = by_id[action_id]
            for owner in action.owners:
                owners[owner] = owners.get(owner, 0.0) + action.effort / len(action.owners)
        phases.append({
            "phase": number + 1,
            "months": [number * parsed.phase_months + 1, (number + 1) * parsed.phase_months],
            "actions": in_phase,
            "effort": sum(by_id[a].effort for a in in_phase),
            "capacity": parsed.capacity,
            "owners": dict(sorted(owners.items())),
            "projected": _scores_data(final),
        })

    remaining: list[dict[str, Any]] = []
    for (pack_id, dim_id), target in targets.items():
        projected = final[pack_id].dimensions[dim_id]
        reached = projected.score if target.kind == "score" else float(projected.level)
        gap = max(0.0, target.value - reached)
        remaining.append({
            "pack": pack_id, "dimension": dim_id, "kind": target.kind,
            "target": target.value if target.kind == "score" else int(target.value),
            "source": target.source,
            "current": (baseline[pack_id].dimensions[dim_id].score if target.kind == "score"
                        else baseline[pack_id].dimensions[dim_id].level),
            "projected": projected.score if target.kind == "score" else projected.level,
            "gap": gap if gap > 1e-9 else 0.0,
        })
    targets_met = all(r["gap"] == 0.0 for r in remaining)

    final_whatif_gains = {
        a.id: planner.fresh(a.id).gain for a in actions if a.id not in planner.phase
    }
    blocked = _blocked(actions, ancestors, planner.phase, parsed.capacity)
    action_data: list[dict[str, Any]] = []
    position = {a: i + 1 for i, a in enumerate(planner.order)}
    for action in actions:
        scheduled = action.id in planner.phase
        item: dict[str, Any] = {
            "id": action.id,
            "title": action.steps[0],
            "steps": list(action.steps),
            "rules": list(action.rules),
            "dimensions": [{"pack": p, "dimension": d, "level": lvl}
                           for (p, d), lvl in action.levels],
            "owners": list(action.owners),
            "effort": action.effort,
            "depends_on": list(direct[action.id]),
            "phase": planner.phase[action.id] + 1 if scheduled else None,
            "order": position.get(action.id),
            "critical": action.id in critical,
        }
        if scheduled:
            item["gain"] = planner.gain[action.id]
            item["gain_per_effort"] = planner.gain[action.id] / action.effort
            if action.id in planner.enables:
                item["enables"] = planner.enables[action.id]
        else:
            item["reason"] = _unscheduled_reason(
                action, parsed.capacity, targets_met, blocked,
                final_whatif_gains.get(action.id, 0.0))
        action_data.append(item)

    return {
        "settings": parsed.as_data(),
        "method": (
            "Greedy by gain per person-month: each step closes the most of the gap to the "
            "targets per unit of effort, re-scored with the scoring model of the assessment; "
            "an action waits for its depends_on rules and for the lower-level gaps of its "
            "dimensions; ties go to foundational dimensions, then to the smallest rule id."
        ),
        "targets": [
            {"pack": t.pack, "dimension": t.dimension, "kind": t.kind,
             "value": t.value if t.kind == "score" else int(t.value), "source": t.source}
            for t in targets.values()
        ],
        "baseline": _scores_data(baseline),
        "projected": _scores_data(final),
        "phases": phases,
        "actions": action_data,
        "critical_path": {
            "actions": critical,
            "effort": sum(by_id[a].effort for a in critical),
        },
        "remaining_gap": remaining,
        "summary": {
            "actions": len(actions),
            "scheduled": len(planner.phase),
            "effort": sum(by_id[a].effort for a in planner.phase),
            "effort_all": sum(a.effort for a in actions),
            "phases_used": max((p + 1 for p in planner.phase.values()), default=0),
            "targets_met": targets_met,
        },
    }


def _blocked(actions: Sequence[Action], ancestors: Mapping[str, frozenset[str]],
             phase: Mapping[str, int], capacity: float) -> set[str]:
    """Unscheduled actions that wait, directly or not, for one larger than a phase."""
    too_big = {a.id for a in actions if a.effort > capacity + 1e-9}
    return {a.id for a in actions
            if a.id not in phase and a.id not in too_big and ancestors[a.id] & too_big}


def _unscheduled_reason(action: Action, capacity: float, targets_met: bool,
                        blocked: set[str], gain: float) -> str:
    if action.effort > capacity + 1e-9:
        return "exceeds-capacity"
    if action.id in blocked:
        return "blocked"
    if targets_met:
        return "targets-met"
    if gain <= _EPS:
        return "no-target-gain"
    return "no-capacity"
