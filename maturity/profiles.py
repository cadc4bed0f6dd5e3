"""Profiles: tailoring packs to a country or an organisation before evaluation (pure).

A profile selects packs and rules, changes a rule's weight, level or check (e.g. a threshold),
disables a rule, or adds rules to existing dimensions. Every change carries a reason and the
profile's author, and the record lists each one, so a tailored score can always be told from
the stock one.

```toml
[profile]
id = "meridia-2026"
title = "Meridia's national tailoring"
author = "Meridia Digital Agency"
packs = ["oecd-dgpf"]            # optional: only these packs

[[profile.changes]]
rule = "DBD-SA-01"
weight = 1.5
reason = "The national strategy law makes this a priority"

[[profile.add]]
pack = "oecd-dgpf"
reason = "National once-only law"
override = false                 # true to replace a rule with the same id
[profile.add.rule]
id = "MER-PRO-01"
...
```
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from maturity.errors import PackError
from maturity.model import Rule, RulePack

__all__ = ["AddedRule", "Profile", "RuleChange", "apply_profiles"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RuleChange(_Strict):
    rule: str
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    weight: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] | None = None
    level: Annotated[int, Field(ge=1, le=5)] | None = None
    check: dict[str, Any] | None = None
    disable: bool = False


class AddedRule(_Strict):
    pack: str
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    override: bool = False
    rule: Rule


class Profile(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: str = ""
    author: Annotated[str, Field(min_length=1, max_length=200)]
    packs: list[str] | None = None
    rules: list[str] | None = None
    changes: list[RuleChange] = []
    add: list[AddedRule] = []


def _fail(profile: Profile, message: str, location: str, found: str, fix: str) -> PackError:
    return PackError(
        message,
        code="profile.invalid",
        file=f"profile {profile.id}",
        location=location,
        found=found,
        fix=fix,
    )


def apply_profiles(
    packs: Sequence[RulePack], profiles: Sequence[Profile]
) -> tuple[list[RulePack], list[dict[str, Any]]]:
    """The tailored packs and the change log the record keeps (one entry per change)."""
    current = {p.id: p for p in packs}
    log: list[dict[str, Any]] = []
    for profile in profiles:
        who = {"profile": profile.id, "author": profile.author}
        if profile.packs is not None:
            missing = [p for p in profile.packs if p not in current]
            if missing:
                raise _fail(profile, f"selects a pack that is not loaded: {missing[0]!r}",
                            "profile.packs", repr(missing[0]), "install or load the pack")
            current = {k: v for k, v in current.items() if k in profile.packs}
            log.append({**who, "change": "select-packs", "packs": list(profile.packs),
                        "reason": profile.title or "pack selection"})
        for index, change in enumerate(profile.changes):
            owner = next((p for p in current.values()
                          if any(r.id == change.rule for r in p.rules)), None)
            if owner is None:
                raise _fail(profile, f"changes a rule that is not loaded: {change.rule!r}",
                            f"profile.changes[{index}].rule", repr(change.rule),
                            "check the rule id (maturity rules list)")
            rules = []
            for rule in owner.rules:
                if rule.id != change.rule:
                    rules.append(rule)
                    continue
                if change.disable:
                    log.append({**who, "change": "disable", "rule": rule.id,
                                "reason": change.reason})
                    continue
                updates: dict[str, Any] = {}
                for field in ("weight", "level", "check"):
                    new = getattr(change, field)
                    if new is not None:
                        updates[field] = new
                        log.append({**who, "change": field, "rule": rule.id,
                                    "from": getattr(rule, field), "to": new,
                                    "reason": change.reason})
                rules.append(Rule.model_validate({**rule.model_dump(), **updates}))
            current[owner.id] = owner.model_copy(update={"rules": tuple(rules)})
        for index, added in enumerate(profile.add):
            pack = current.get(added.pack)
            if pack is None:
                raise _fail(profile, f"adds a rule to a pack that is not loaded: {added.pack!r}",
                            f"profile.add[{index}].pack", repr(added.pack), "load the pack")
            existing = [r for r in pack.rules if r.id == added.rule.id]
            if existing and not added.override:
                raise _fail(profile, f"adds rule {added.rule.id!r}, which already exists",
                            f"profile.add[{index}].rule.id", repr(added.rule.id),
                            "choose a new id, or set override = true to replace it")
            kept = tuple(r for r in pack.rules if r.id != added.rule.id)
            files = {**pack.rule_files, added.rule.id: f"profile {profile.id}"}
            current[pack.id] = pack.model_copy(
                update={"rules": (*kept, added.rule), "rule_files": files})
            log.append({**who, "change": "override" if existing else "add",
                        "rule": added.rule.id, "pack": pack.id, "reason": added.reason})
        if profile.rules is not None:
            keep = set(profile.rules)
            for pack_id, pack in list(current.items()):
                current[pack_id] = pack.model_copy(
                    update={"rules": tuple(r for r in pack.rules if r.id in keep)})
            log.append({**who, "change": "select-rules", "rules": sorted(keep),
                        "reason": profile.title or "rule selection"})
    return [current[k] for k in sorted(current)], log
