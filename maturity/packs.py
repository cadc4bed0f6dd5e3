"""Loading rule packs from TOML and compiling them into a `RuleSet`.

A pack is a directory: `pack.toml` (the header) and any number of rule files. Loading reads
the bytes once, hashes them, validates every table strictly and reports the first problem with
the file, the rule id and the key path. Compiling checks what spans rules and packs (unique ids,
known dimensions and facets, `depends_on` targets, dependency cycles) and builds evaluators.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from maturity.checks import CheckCompiler, CheckSpecError, CompiledCheck
from maturity.errors import InputError, PackError, did_you_mean, format_location
from maturity.formats import check_tree, parse_toml
from maturity.limits import Limits
from maturity.model import PackHeader, Rule, RulePack

__all__ = [
    "CompiledRule",
    "RuleSet",
    "compile_rules",
    "load_pack_dir",
    "pack_from_documents",
    "pydantic_error",
]


def pydantic_error(
    exc: ValidationError,
    model: type[BaseModel],
    *,
    file: str,
    prefix: Sequence[str | int] = (),
    subject: str = "",
    error: type[InputError] = PackError,
) -> InputError:
    """Turn the first pydantic error into one actionable message."""
    first = exc.errors()[0]
    loc = [*prefix, *first["loc"]]
    where = format_location(loc)
    if subject:
        where = f"{subject}: {where}"
    kind = first["type"]
    found = first.get("input")
    if kind == "extra_forbidden":
        key = str(first["loc"][-1])
        allowed = _allowed_keys(model, first["loc"][:-1])
        suggestion = did_you_mean(key, allowed) if allowed else None
        return error(
            f"unknown key {key!r}",
            code=f"{error.default_code}.unknown-key",
            file=file,
            location=where,
            expected="one of " + ", ".join(sorted(allowed)) if allowed else "no such key",
            found=repr(key),
            fix=f"did you mean {suggestion!r}?" if suggestion else "remove the key",
        )
    if kind == "missing":
        return error(
            f"missing key {str(first['loc'][-1])!r}",
            code=f"{error.default_code}.missing-key",
            file=file,
            location=where,
            expected=f"a value for {str(first['loc'][-1])!r}",
            found="nothing",
            fix="add the key",
        )
    return error(
        first["msg"],
        code=f"{error.default_code}.invalid-value",
        file=file,
        location=where,
        expected=first["msg"].removeprefix("Input should be ").removeprefix("Value error, "),
        found=_short(found),
        fix="correct the value",
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names of the (nested) model that a location points into."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return []
        current = _inner_model(fields[part].annotation)
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def pack_from_documents(
    header_file: str,
    header_doc: dict[str, Any],
    rule_docs: Sequence[tuple[str, dict[str, Any]]],
    *,
    origin: str,
    sha256: str,
) -> RulePack:
    """Validate parsed pack files into a `RulePack` (pure: no file access)."""
    unknown = sorted(set(header_doc) - {"pack"})
    if unknown or "pack" not in header_doc:
        raise PackError(
            "a pack header file holds one [pack] table" if "pack" in header_doc or not unknown
            else f"unknown top-level key {unknown[0]!r} in the pack header",
            code="pack.header",
            file=header_file,
            location=unknown[0] if unknown else None,
            expected="[pack] with id, version, title, source, dimensions",
            found=", ".join(sorted(header_doc)) or "an empty file",
            fix="put rules in other files of the pack directory" if "rules" in unknown
            else "start the file with [pack]",
        )
    try:
        header = PackHeader.model_validate(header_doc["pack"])
    except ValidationError as exc:
        raise pydantic_error(exc, PackHeader, file=header_file, prefix=["pack"]) from None
    rules: list[Rule] = []
    rule_files: dict[str, str] = {}
    for file, doc in rule_docs:
        extra = sorted(set(doc) - {"rules"})
        if extra:
            raise PackError(
                f"unknown top-level key {extra[0]!r}",
                code="pack.unknown-key",
                file=file,
                location=extra[0],
                expected="only [[rules]] tables in a rule file",
                found=repr(extra[0]),
                fix="did you mean 'rules'?" if did_you_mean(extra[0], ["rules"]) else
                "move the header to pack.toml",
            )
        raw_rules = doc.get("rules", [])
        if not isinstance(raw_rules, list):
            raise PackError(
                "`rules` must be an array of tables",
                code="pack.invalid-value",
                file=file,
                location="rules",
                expected="[[rules]] tables",
                found=type(raw_rules).__name__,
                fix="write each rule as [[rules]]",
            )
        for index, raw in enumerate(raw_rules):
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            subject = f"rule {rule_id}" if isinstance(rule_id, str) else ""
            try:
                rules.append(Rule.model_validate(raw))
                rule_files.setdefault(rules[-1].id, file)
            except ValidationError as exc:
                raise pydantic_error(
                    exc, Rule, file=file, prefix=["rules", index], subject=subject
                ) from None
    return RulePack(
        header=header, rules=tuple(rules), sha256=sha256, origin=origin, rule_files=rule_files
    )


def load_pack_dir(
    directory: Path | Traversable, *, origin: str, display: str, limits: Limits
) -> RulePack:
    """Read a pack directory (a real path, or a resource inside an installed package)."""
    header_path = directory / "pack.toml"
    if not header_path.is_file():
        raise PackError(
            "not a rule pack: pack.toml is missing",
            code="pack.not-found",
            file=display,
            expected="a directory with pack.toml and rule files",
            found="no pack.toml",
            fix="point at the pack's directory",
        )
    names = sorted(
        entry.name for entry in directory.iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )
    digest = hashlib.sha256()
    docs: list[tuple[str, dict[str, Any]]] = []
    rule_count = 0
    for name in names:
        data = (directory / name).read_bytes()
        shown = f"{display}/{name}"
        if len(data) > limits.max_file_bytes:
            raise PackError(
                "file too large",
                code="file.too-large",
                file=shown,
                expected=f"at most {limits.max_file_bytes} bytes (limit max_file_bytes)",
                found=f"{len(data)} bytes",
                fix="split the pack into several files or raise the limit",
            )
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        doc = parse_toml(data, shown, PackError)
        check_tree(doc, shown, limits, PackError)
        rule_count += len(doc.get("rules", ())) if isinstance(doc.get("rules"), list) else 0
        if rule_count > limits.max_rules:
            raise PackError(
                "too many rules",
                code="pack.too-many-rules",
                file=shown,
                expected=f"at most {limits.max_rules} rules (limit max_rules)",
                found=f"{rule_count} so far",
                fix="raise the limit if this is intended",
            )
        docs.append((shown, doc))
    header = next(doc for shown, doc in docs if shown.endswith("/pack.toml"))
    rule_docs = [(shown, doc) for shown, doc in docs if not shown.endswith("/pack.toml")]
    return pack_from_documents(
        f"{display}/pack.toml", header, rule_docs, origin=origin, sha256=digest.hexdigest()
    )


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


def compile_rules(packs: Iterable[RulePack], compiler: CheckCompiler) -> RuleSet:
    """Validate everything that spans rules and packs, then compile every check once."""
    ordered = tuple(sorted(packs, key=lambda p: p.id))
    seen_packs: set[str] = set()
    owner: dict[str, str] = {}
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
        for index, rule in enumerate(pack.rules):
            loc = f"rule {rule.id}"
            where = pack.rule_files.get(rule.id, _pack_file(pack))
            if rule.id in owner:
                raise PackError(
                    f"duplicate rule id {rule.id!r}",
                    code="pack.duplicate-rule",
                    file=where,
                    location=f"{loc}: rules[{index}].id",
                    expected="rule ids unique across all loaded packs",
                    found=f"{rule.id!r} also in pack {owner[rule.id]!r}",
                    fix="rename the rule, or override it explicitly in a profile",
                )
            owner[rule.id] = pack.id
            if rule.dimension not in dimensions:
                hint = did_you_mean(rule.dimension, dimensions)
                raise PackError(
                    f"unknown dimension {rule.dimension!r}",
                    code="pack.unknown-dimension",
                    file=where,
                    location=f"{loc}: dimension",
                    expected="one of " + ", ".join(sorted(dimensions)),
                    found=repr(rule.dimension),
                    fix=f"did you mean {hint!r}?" if hint else "declare it in [[pack.dimensions]]",
                )
            if facets and rule.facet is None:
                raise PackError(
                    "missing facet",
                    code="pack.missing-key",
                    file=where,
                    location=f"{loc}: facet",
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
                    raise PackError(
                        f"unknown facet {rule.facet!r} for dimension {rule.dimension!r}",
                        code="pack.unknown-facet",
                        file=where,
                        location=f"{loc}: facet",
                        expected="one of " + ", ".join(valid) if valid else "no facet",
                        found=repr(rule.facet),
                        fix=f"did you mean {hint!r}?" if hint else "declare it in [[pack.facets]]",
                    )
            try:
                check = compiler.compile(rule.check)
                applies = (
                    compiler.compile(rule.applies.when, ("applies", "when"))
                    if rule.applies else None
                )
            except CheckSpecError as exc:
                raise PackError(
                    exc.message,
                    code="pack.check",
                    file=where,
                    location=f"{loc}: {format_location(exc.location)}",
                    expected=exc.expected,
                    found=exc.found,
                    fix=exc.fix,
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
                raise PackError(
                    f"depends_on names a rule that does not exist: {dep!r}",
                    code="pack.unknown-dependency",
                    file=next(p for p in ordered if p.id == item.pack).rule_files.get(
                        item.id, item.pack
                    ),
                    location=f"rule {item.id}: remediation.depends_on",
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
                    raise PackError(
                        "dependency cycle in depends_on",
                        code="pack.dependency-cycle",
                        file=pack.rule_files.get(nxt, _pack_file(pack)),
                        location=f"rule {nxt}: remediation.depends_on",
                        expected="dependencies without cycles",
                        found=" -> ".join(chain),
                        fix="remove one of the dependencies in the chain",
                    )
                if not state.get(nxt):
                    stack.append((nxt, 0))
            else:
                state[node] = 2
                path.pop()
