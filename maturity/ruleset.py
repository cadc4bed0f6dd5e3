"""Compiling validated packs into a `RuleSet` (pure: no file access).

Compiling checks what spans rules and packs (unique ids, known dimensions and facets,
`depends_on` targets, dependency cycles) and builds every check's evaluator once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from maturity.checks import CheckCompiler, CheckSpecError, CompiledCheck
from maturity.errors import PackError, did_you_mean
from maturity.model import Rule, RulePack

__all__ = ["CompiledRule", "RuleSet", "compile_rules"]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule with its compiled check, ready to evaluate."""

    rule: Rule
    pack: str
    check: CompiledCheck
    applies: CompiledCheck | None
    depends_on: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The packs of one assessment, validated together and compiled once."""

    packs: tuple[RulePack, ...]
    rules: tuple[CompiledRule, ...]

    def pack(self, pack_id: str) -> RulePack:
        for pack in self.packs:
            if pack.id == pack_id:
                return pack
        raise KeyError(pack_id)

    def rule(self, rule_id: str) -> CompiledRule:
        for compiled in self.rules:
            if compiled.id == rule_id:
                return compiled
        raise KeyError(rule_id)


def _pack_file(pack: RulePack) -> str:
    return f"{pack.origin} (pack {pack.id})"


def _at_fault(pack: RulePack, rule_id: str, part: str | int) -> str | None:
    """The pack to blame for an error in a part of one of its rules: none when a profile wrote
    that part (the profile is at fault, not whoever shipped the pack)."""
    written = pack.tailored.get(rule_id, {})
    return None if part in written or "" in written else pack.id


def _local(pack: RulePack) -> bool:
    """A pack read from a directory given on the command line (`--pack-dir`)."""
    return pack.origin.startswith("local:")


def _rule_id_place(pack: RulePack, index: int, rule_id: str) -> tuple[str, str]:
    """Where the id of a pack's rule was written: its file (or profile) and key path."""
    if rule_id in pack.tailored:
        return pack.place(rule_id, "id")
    return pack.rule_files.get(rule_id, _pack_file(pack)), f"rule {rule_id}: rules[{index}].id"


def compile_rules(packs: Iterable[RulePack], compiler: CheckCompiler) -> RuleSet:
    """Validate everything that spans rules and packs, then compile every check once."""
    ordered = tuple(sorted(packs, key=lambda p: p.id))
    seen_packs: set[str] = set()
    owner: dict[str, tuple[RulePack, int]] = {}
    compiled: list[CompiledRule] = []
    for pack in ordered:
        where = _pack_file(pack)
        if pack.id in seen_packs:
            raise PackError(
                f"pack {pack.id!r} is loaded twice",
                code="pack.duplicate-pack",
                file=where,
                expected="each pack once",
                found="two packs with the same id",
                fix="remove one of them from --pack or uninstall the duplicate plugin",
            )
        seen_packs.add(pack.id)
        dimensions = {d.id for d in pack.header.dimensions}
        facets = {f.id: f for f in pack.header.facets}
        # A pack that names its owners names every owner its rules give work to, as it
        # declares every dimension they score; without `[[pack.owners]]` any owner goes (its
        # reports show the ids).
        owners = {o.id for o in pack.header.owners}
        for index, rule in enumerate(pack.rules):
            if rule.id in owner:
                # The error points at the pack the user is writing (a local directory) when
                # the other one is installed, whichever of the two comes first by id.
                blamed, other = owner[rule.id], (pack, index)
                if not (_local(blamed[0]) and not _local(pack)):
                    blamed, other = other, blamed
                file, location = _rule_id_place(*blamed, rule.id)
                raise PackError(
                    f"duplicate rule id {rule.id!r}",
                    code="pack.duplicate-rule",
                    file=file,
                    location=location,
                    expected="rule ids unique across all loaded packs",
                    found=f"{rule.id!r} also in pack {other[0].id!r} "
                          f"({_rule_id_place(*other, rule.id)[0]})",
                    fix="rename the rule, or override it explicitly in a profile",
                )
            owner[rule.id] = (pack, index)
            if rule.dimension not in dimensions:
                hint = did_you_mean(rule.dimension, dimensions)
                file, location = pack.place(rule.id, "dimension")
                raise PackError(
                    f"unknown dimension {rule.dimension!r}",
                    pack=_at_fault(pack, rule.id, "dimension"),
                    code="pack.unknown-dimension",
                    file=file,
                    location=location,
                    expected="one of " + ", ".join(sorted(dimensions)),
                    found=repr(rule.dimension),
                    fix=f"did you mean {hint!r}?" if hint else "declare it in [[pack.dimensions]]",
                )
            if facets and rule.facet is None:
                file, location = pack.place(rule.id, "facet")
                raise PackError(
                    "missing facet",
                    pack=_at_fault(pack, rule.id, "facet"),
                    code="pack.missing-key",
                    file=file,
                    location=location,
                    expected="one of " + ", ".join(sorted(facets)),
                    found="nothing",
                    fix="add facet = ...",
                )
            if rule.facet is not None:
                facet = facets.get(rule.facet)
                if facet is None or (facet.dimension and facet.dimension != rule.dimension):
                    valid = sorted(
                        f.id for f in facets.values()
                        if f.dimension in (None, rule.dimension)
                    )
                    hint = did_you_mean(rule.facet, valid)
                    file, location = pack.place(rule.id, "facet")
                    raise PackError(
                        f"unknown facet {rule.facet!r} for dimension {rule.dimension!r}",
                        pack=_at_fault(pack, rule.id, "facet"),
                        code="pack.unknown-facet",
                        file=file,
                        location=location,
                        expected="one of " + ", ".join(valid) if valid else "no facet",
                        found=repr(rule.facet),
                        fix=f"did you mean {hint!r}?" if hint else "declare it in [[pack.facets]]",
                    )
            if owners and rule.remediation.owner not in owners:
                found = rule.remediation.owner
                hint = did_you_mean(found, owners)
                file, location = pack.place(rule.id, "remediation", "owner")
                raise PackError(
                    f"unknown owner {found!r}",
                    pack=_at_fault(pack, rule.id, "remediation"),
                    code="pack.unknown-owner",
                    file=file,
                    location=location,
                    expected="one of " + ", ".join(sorted(owners)),
                    found=repr(found),
                    fix=f"did you mean {hint!r}?" if hint else "declare it in [[pack.owners]]",
                )
            try:
                check = compiler.compile(rule.check)
                applies = (
                    compiler.compile(rule.applies.when, ("applies", "when"))
                    if rule.applies else None
                )
            except CheckSpecError as exc:
                file, location = pack.place(rule.id, *exc.location)
                raise PackError(
                    exc.message,
                    pack=_at_fault(pack, rule.id, exc.location[0]),
                    code="pack.check",
                    file=file,
                    location=location,
                    expected=exc.expected,
                    found=exc.found,
                    fix=exc.fix or "correct the check: docs/rules.md gives each operator's "
                                   "parameters with an example",
                ) from None
            compiled.append(CompiledRule(rule, pack.id, check, applies, ()))
    by_id = {c.id: c for c in compiled}
    resolved: list[CompiledRule] = []
    for item in compiled:
        targets: list[str] = []
        for dep in item.rule.remediation.depends_on:
            target = dep.split(":", 1)[1] if ":" in dep else dep
            pack_part = dep.split(":", 1)[0] if ":" in dep else item.pack
            if target not in by_id or by_id[target].pack != pack_part:
                hint = did_you_mean(target, by_id)
                owner_pack = next(p for p in ordered if p.id == item.pack)
                file, location = owner_pack.place(item.id, "remediation", "depends_on")
                raise PackError(
                    f"depends_on names a rule that does not exist: {dep!r}",
                    pack=_at_fault(owner_pack, item.id, "remediation"),
                    code="pack.unknown-dependency",
                    file=file,
                    location=location,
                    expected="ids of loaded rules (same pack, or pack-id:RULE-ID)",
                    found=repr(dep),
                    fix=f"did you mean {hint!r}?" if hint else "remove it or load that pack",
                )
            targets.append(target)
        resolved.append(
            CompiledRule(item.rule, item.pack, item.check, item.applies, tuple(sorted(targets)))
        )
    _reject_cycles(resolved, ordered)
    resolved.sort(key=lambda c: (c.pack, c.id))
    return RuleSet(packs=ordered, rules=tuple(resolved))


def _reject_cycles(rules: Sequence[CompiledRule], packs: Sequence[RulePack]) -> None:
    graph = {r.id: r.depends_on for r in rules}
    pack_of = {r.id: r.pack for r in rules}
    state: dict[str, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, int]] = [(start, 0)]
        while stack:
            node, index = stack.pop()
            if index == 0:
                state[node] = 1
                path.append(node)
            deps = graph[node]
            if index < len(deps):
                stack.append((node, index + 1))
                nxt = deps[index]
                if state.get(nxt) == 1:
                    chain = [*path[path.index(nxt):], nxt]
                    pack = next(p for p in packs if p.id == pack_of[nxt])
                    file, location = pack.place(nxt, "remediation", "depends_on")
                    # A cycle within one pack is that pack's; across packs, no one pack's.
                    alone = all(pack_of[r] == pack.id and _at_fault(pack, r, "remediation")
                                for r in chain)
                    raise PackError(
                        "dependency cycle in depends_on",
                        pack=pack.id if alone else None,
                        code="pack.dependency-cycle",
                        file=file,
                        location=location,
                        expected="dependencies without cycles",
                        found=" -> ".join(chain),
                        fix="remove one of the dependencies in the chain",
                    )
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
