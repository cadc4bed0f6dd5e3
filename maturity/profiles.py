"""Profiles: tailoring packs to a country or an organisation before evaluation (pure).

A profile selects packs and rules, changes a rule's weight, level or check (e.g. a threshold),
disables a rule, or adds rules to existing dimensions (or replaces a rule, `override = true`).
Every change carries a reason and the profile's author, and the record lists each one, so a
tailored score can always be told from the stock one and re-run.

```toml
[profile]
id = "meridia-2026"
title = "Meridia's national tailoring"
author = "Meridia Digital Agency"

[profile.select]                 # optional
packs = ["oecd-dgpf"]            # only these packs
rules = ["DBD-SA-01", "..."]     # only these rules (of the selected packs)
reason = "The 2026 cycle assesses the DGPF only"

[[profile.changes]]
rule = "DBD-SA-01"
weight = 1.5                     # and/or level = 2, check = { ... }; or disable = true
reason = "The national strategy law makes this a priority"

[[profile.add]]
pack = "oecd-dgpf"
reason = "National once-only law"
override = false                 # true: replace the rule with the same id, in whichever pack
[profile.add.rule]
id = "MER-PRO-01"
dimension = "proactiveness"      # an existing dimension of the pack
...
```

Within one profile: selection, then changes, then additions. A rule whose `depends_on` names a
rule the profile removed (disabled, deselected, or replaced from another pack) loses that
dependency, and the log says so. Profiles apply in the order given; the record pins each one
in full with its origin and sha256 (`maturity.api.profile_pin`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from maturity.errors import PackError, did_you_mean
from maturity.keylines import located
from maturity.model import Rule, RulePack

__all__ = [
    "AddedRule",
    "Profile",
    "RuleChange",
    "Selection",
    "apply_profiles",
]

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=100)]
RuleId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]
Reason = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"\S")]
ShortText = Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Selection(_Strict):
    """Only these packs and/or rules are assessed."""

    packs: Annotated[list[Slug], Field(min_length=1)] | None = None
    rules: Annotated[list[RuleId], Field(min_length=1)] | None = None
    reason: Reason

    @model_validator(mode="after")
    def _selects(self) -> Selection:
        if self.packs is None and self.rules is None:
            raise ValueError("a selection names packs, rules or both")
        return self


class RuleChange(_Strict):
    """A change to one loaded rule: new weight, level or check, or disabling it."""

    rule: RuleId
    reason: Reason
    weight: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] | None = None
    level: Annotated[int, Field(ge=1, le=5)] | None = None
    check: dict[str, Any] | None = None
    disable: bool = False

    @model_validator(mode="after")
    def _changes_something(self) -> RuleChange:
        changed = [f for f in ("weight", "level", "check") if getattr(self, f) is not None]
        if self.disable and changed:
            raise ValueError(
                f"disable = true with {changed[0]} = ...: a disabled rule has no {changed[0]}")
        if not self.disable and not changed:
            raise ValueError("the change changes nothing: give weight, level, check "
                             "or disable = true")
        return self


class AddedRule(_Strict):
    """A new rule for an existing dimension of a loaded pack, or (override) a replacement."""

    pack: Slug
    reason: Reason
    override: bool = False
    rule: Rule


class Profile(_Strict):
    id: Slug
    title: ShortText
    author: ShortText
    select: Selection | None = None
    changes: list[RuleChange] = []
    add: list[AddedRule] = []
    # Where the profile was read from, for error messages only: neither is part of the
    # definition the record pins (a profile moved to another file is the same profile).
    _file: str | None = PrivateAttr(default=None)
    _text: str | None = PrivateAttr(default=None)

    def read_from(self, file: str, text: str | None = None) -> Profile:
        """This profile, remembering the file it was read from (as the user named it) and its
        TOML text, so errors found later name the file, the key path and the line."""
        copy = self.model_copy()
        copy._file, copy._text = file, text if text is not None else self._text
        return copy

    @property
    def file(self) -> str:
        """The file errors name: the profile's own, or (built in code, replayed from a
        record) the profile's id."""
        return self._file or f"profile {self.id}"

    @property
    def text(self) -> str | None:
        """The TOML text the profile was read from, when it was read from one."""
        return self._text

    def where(self, *path: str | int) -> str:
        """A key path of this profile as an error's location, with its line when known."""
        return located(self._text, path)

    @model_validator(mode="after")
    def _one_entry_per_rule(self) -> Profile:
        for kind, ids in (("changes", [c.rule for c in self.changes]),
                          ("add", [a.rule.id for a in self.add])):
            seen: set[str] = set()
            for rule_id in ids:
                if rule_id in seen:
                    raise ValueError(f"rule {rule_id!r} appears twice in {kind}: merge the "
                                     "entries into one")
                seen.add(rule_id)
        if not (self.select or self.changes or self.add):
            raise ValueError("the profile changes nothing: give select, changes or add")
        return self


def _fail(profile: Profile, message: str, path: tuple[str | int, ...], *, expected: str,
          found: str, fix: str) -> PackError:
    return PackError(
        message,
        code="profile.invalid",
        file=profile.file,
        location=profile.where(*path),
        expected=expected,
        found=found,
        fix=fix,
    )


class _Tailor:
    """Applies one profile to the current packs, keeping the change log."""

    def __init__(self, packs: dict[str, RulePack], profile: Profile,
                 gone: dict[str, str] | None = None) -> None:
        self.packs = packs
        self.profile = profile
        #: Rules earlier profiles removed, by id: the profile that removed each.
        self.gone = gone or {}
        self.who = {"profile": profile.id, "author": profile.author}
        self.log: list[dict[str, Any]] = []
        self.removed: set[tuple[str, str]] = set()

    def note(self, change: str, reason: str, **details: Any) -> None:
        self.log.append({**self.who, "change": change, **details, "reason": reason})

    def owners(self, rule_id: str) -> list[RulePack]:
        return [p for _k, p in sorted(self.packs.items()) if any(r.id == rule_id for r in p.rules)]

    def select(self, selection: Selection) -> None:
        if selection.packs is not None:
            for index, pack_id in enumerate(selection.packs):
                if pack_id not in self.packs:
                    hint = did_you_mean(pack_id, self.packs)
                    raise _fail(self.profile, f"selects a pack that is not loaded: {pack_id!r}",
                                ("profile", "select", "packs", index),
                                expected="one of " + ", ".join(sorted(self.packs)),
                                found=repr(pack_id),
                                fix=f"did you mean {hint!r}?" if hint else
                                "install the pack's plugin, or load it with --pack-dir")
            for pack_id in sorted(set(self.packs) - set(selection.packs)):
                self.removed.update((pack_id, r.id) for r in self.packs.pop(pack_id).rules)
            self.note("select-packs", selection.reason, packs=sorted(selection.packs))
        if selection.rules is not None:
            loaded = {r.id for p in self.packs.values() for r in p.rules}
            for index, rule_id in enumerate(selection.rules):
                if rule_id not in loaded:
                    hint = did_you_mean(rule_id, loaded)
                    raise _fail(self.profile, f"selects a rule that is not loaded: {rule_id!r}",
                                ("profile", "select", "rules", index),
                                expected="the id of a rule of the selected packs",
                                found=repr(rule_id),
                                fix=f"did you mean {hint!r}?" if hint else
                                "check the rule id (maturity rules list -v)")
            keep = set(selection.rules)
            for pack_id, pack in list(self.packs.items()):
                self.removed.update((pack_id, r.id) for r in pack.rules if r.id not in keep)
                self.packs[pack_id] = pack.model_copy(
                    update={"rules": tuple(r for r in pack.rules if r.id in keep)})
            self.note("select-rules", selection.reason, rules=sorted(keep))

    def change(self, index: int, change: RuleChange) -> None:
        where = ("profile", "changes", index, "rule")
        owners = self.owners(change.rule)
        if not owners and (change.rule in self.gone
                           or any(r == change.rule for _p, r in self.removed)):
            remover = self.gone.get(change.rule)
            by = f"profile {remover!r}" if remover else "this profile's select"
            raise _fail(self.profile, f"changes a rule that {by} removed: {change.rule!r}",
                        where, expected="a rule still loaded when this change applies",
                        found=f"{change.rule!r}, removed by {by}",
                        fix=f"drop this change, or the removal in profile {remover!r}"
                        if remover else "select the rule, or drop the change")
        if not owners:
            loaded = [r.id for p in self.packs.values() for r in p.rules]
            hint = did_you_mean(change.rule, loaded)
            raise _fail(self.profile, f"changes a rule that is not loaded: {change.rule!r}",
                        where, expected="the id of a loaded rule", found=repr(change.rule),
                        fix=f"did you mean {hint!r}?" if hint else
                        "check the rule id (maturity rules list -v)")
        if len(owners) > 1:
            raise _fail(self.profile, f"rule {change.rule!r} is in several packs",
                        where, expected="a rule id that one loaded pack holds",
                        found="in packs " + ", ".join(p.id for p in owners),
                        fix="resolve the duplicate first with an [[profile.add]] "
                        "override = true")
        pack = owners[0]
        rules: list[Rule] = []
        for rule in pack.rules:
            if rule.id != change.rule:
                rules.append(rule)
                continue
            if change.disable:
                self.removed.add((pack.id, rule.id))
                self.note("disable", change.reason, rule=rule.id, pack=pack.id)
                continue
            updates: dict[str, Any] = {}
            for name in ("weight", "level", "check"):
                new = getattr(change, name)
                if new is not None and getattr(rule, name) == new:
                    # A change to the value the rule already has changes nothing, and would
                    # be recorded as a tailoring that is not one.
                    raise _fail(self.profile, f"the change leaves {name} as it is",
                                ("profile", "changes", index, name),
                                expected=f"a {name} other than the rule's own",
                                found=repr(new) if name != "check" else "the rule's own check",
                                fix=f"remove {name} from the change (or the change)")
                if new is not None:
                    updates[name] = new
                    self.note(name, change.reason, rule=rule.id, pack=pack.id,
                              **{"from": getattr(rule, name), "to": new})
            rules.append(Rule.model_validate({**rule.model_dump(), **updates}))
        tailored = dict(pack.tailored)
        if change.check is not None:
            path = ("profile", "changes", index, "check")
            tailored[change.rule] = {**tailored.get(change.rule, {}), "check": self.written(path)}
        self.packs[pack.id] = pack.model_copy(update={"rules": tuple(rules),
                                                      "tailored": tailored})

    def written(self, path: tuple[str | int, ...]
                ) -> tuple[str, tuple[str | int, ...], str | None]:
        """Where this profile wrote a part of a rule, for the errors compiling it may raise."""
        return self.profile.file, path, self.profile.text

    def add(self, index: int, added: AddedRule) -> None:
        pack = self.packs.get(added.pack)
        if pack is None:
            hint = did_you_mean(added.pack, self.packs)
            raise _fail(self.profile, f"adds a rule to a pack that is not loaded: {added.pack!r}",
                        ("profile", "add", index, "pack"),
                        expected="one of " + ", ".join(sorted(self.packs)),
                        found=repr(added.pack),
                        fix=f"did you mean {hint!r}?" if hint else
                        "install the pack's plugin, or load it with --pack-dir")
        rule_id = added.rule.id
        owners = self.owners(rule_id)
        if owners and not added.override:
            raise _fail(self.profile, f"adds rule {rule_id!r}, which already exists in pack "
                        f"{owners[0].id!r}", ("profile", "add", index, "rule", "id"),
                        expected="a rule id no loaded pack holds (or override = true)",
                        found=repr(rule_id),
                        fix="choose a new id, or set override = true to replace it")
        if added.override and not owners:
            raise _fail(self.profile, f"overrides rule {rule_id!r}, which is not loaded",
                        ("profile", "add", index, "override"),
                        expected="override = true only to replace a loaded rule",
                        found=f"override = true for {rule_id!r}",
                        fix="set override = false to add a new rule, or check the id")
        for owner in owners:
            current = self.packs[owner.id]
            self.packs[owner.id] = current.model_copy(update={
                "rules": tuple(r for r in current.rules if r.id != rule_id),
                "tailored": {k: v for k, v in current.tailored.items() if k != rule_id}})
            if owner.id != pack.id:
                self.removed.add((owner.id, rule_id))
        pack = self.packs[pack.id]
        self.packs[pack.id] = pack.model_copy(update={
            "rules": (*pack.rules, added.rule),
            "rule_files": {**pack.rule_files, rule_id: self.profile.file},
            "tailored": {**pack.tailored,
                         rule_id: {"": self.written(("profile", "add", index, "rule"))}}})
        if owners:
            self.note("override", added.reason, rule=rule_id, pack=pack.id,
                      replaces=[f"{o.id}:{rule_id}" for o in owners])
        else:
            self.note("add", added.reason, rule=rule_id, pack=pack.id,
                      dimension=added.rule.dimension)
        self.removed.discard((pack.id, rule_id))

    def drop_dangling_dependencies(self) -> None:
        """Dependencies on rules this profile removed would otherwise fail to compile."""
        for pack_id, pack in sorted(self.packs.items()):
            rules: list[Rule] = []
            changed = False
            for rule in pack.rules:
                kept: list[str] = []
                for dep in rule.remediation.depends_on:
                    target_pack, _, target = dep.rpartition(":")
                    if (target_pack or pack_id, target) in self.removed:
                        changed = True
                        self.note("drop-dependency",
                                  f"{dep} is not assessed under this profile", rule=rule.id,
                                  pack=pack_id, dependency=dep)
                    else:
                        kept.append(dep)
                if len(kept) != len(rule.remediation.depends_on):
                    remediation = rule.remediation.model_copy(update={"depends_on": kept})
                    rule = rule.model_copy(update={"remediation": remediation})
                rules.append(rule)
            if changed:
                self.packs[pack_id] = pack.model_copy(update={"rules": tuple(rules)})


def apply_profiles(
    packs: Sequence[RulePack], profiles: Sequence[Profile]
) -> tuple[list[RulePack], list[dict[str, Any]]]:
    """The tailored packs, and the change log the record keeps (one entry per change, each
    with the profile, its author and the reason)."""
    current = {p.id: p for p in packs}
    changes: list[dict[str, Any]] = []
    seen: set[str] = set()
    gone: dict[str, str] = {}
    for profile in profiles:
        if profile.id in seen:
            raise _fail(profile, f"profile {profile.id!r} is applied twice", ("profile", "id"),
                        expected="each profile once", found=f"{profile.id!r} again",
                        fix="give --profile once per profile")
        seen.add(profile.id)
        tailor = _Tailor(current, profile, gone)
        if profile.select is not None:
            tailor.select(profile.select)
        for index, change in enumerate(profile.changes):
            tailor.change(index, change)
        for index, added in enumerate(profile.add):
            tailor.add(index, added)
        tailor.drop_dangling_dependencies()
        changes.extend(tailor.log)
        loaded = {r.id for p in current.values() for r in p.rules}
        for _pack, rule_id in sorted(tailor.removed):
            if rule_id not in loaded:
                gone.setdefault(rule_id, profile.id)
    return [current[k] for k in sorted(current)], changes
