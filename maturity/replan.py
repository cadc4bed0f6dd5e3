"""Planning a roadmap outside `assess`: from a record or from an evidence bundle.

From a record, the rules are the packs the record pins (same ids, and the same sha256: other
rules would plan for other gaps), tailored by the profiles the record holds, and the outcomes
are the record's own; nothing is re-evaluated. From evidence, the bundle is assessed first.
Both end in `maturity.roadmap.plan_roadmap`; rendering a plan is `render_plan`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from maturity.api import Session, assess_bundle, provenance_for
from maturity.errors import RecordError, UsageError
from maturity.model import Explanation, Outcome, OutcomeStatus, RulePack
from maturity.record import canonical_bytes, canonicalize
from maturity.roadmap import plan_roadmap
from maturity.roadmap_options import settings_from_args
from maturity.ruleset import RuleSet

__all__ = ["outcomes_from_record", "plan_from_evidence", "plan_from_record", "render_plan"]


def outcomes_from_record(record: Mapping[str, Any]) -> list[Outcome]:
    """The outcomes a record holds, as the engine gave them."""
    outcomes: list[Outcome] = []
    for index, raw in enumerate(record.get("outcomes") or ()):
        try:
            underlying = raw.get("underlying")
            outcomes.append(Outcome(
                rule=str(raw["rule"]),
                pack=str(raw["pack"]),
                status=OutcomeStatus(raw["status"]),
                credit=float(raw["credit"]),
                explanation=Explanation(str(raw.get("condition", "")),
                                        dict(raw.get("values") or {}),
                                        str(raw.get("detail", ""))),
                reason=str(raw.get("reason", "")),
                underlying=OutcomeStatus(underlying["status"]) if underlying else None,
                underlying_credit=float(underlying["credit"]) if underlying else None,
            ))
        except (KeyError, TypeError, ValueError) as exc:
            raise RecordError(
                "an outcome of the record cannot be read",
                code="record.invalid",
                location=f"outcomes[{index}]",
                expected="rule, pack, status and credit as `maturity assess` writes them",
                found=f"{type(exc).__name__}: {exc}",
                fix="plan from an unedited record, or from the evidence",
            ) from None
    return outcomes


def _pinned_rules(session: Session, record: Mapping[str, Any], record_name: str,
                  pack_dirs: Sequence[Path]) -> tuple[RuleSet, Any]:
    from maturity.audit import replay_plan
    from maturity.packs import load_pack_dir
    from maturity.profiles import Profile

    plan = replay_plan(record)
    local = {}
    for directory in pack_dirs:
        pack = load_pack_dir(directory, origin=f"local:{directory.name}",
                             display=directory.name, limits=session.limits)
        local[pack.id] = (directory, pack)
    installed = {pid: pack for pid, (pack, _loc) in session.available_packs().items()}
    for pinned in plan.packs:
        found = local[pinned.id][1] if pinned.id in local else installed.get(pinned.id)
        if found is None:
            raise RecordError(
                f"the record's pack {pinned.id!r} is not installed",
                code="record.pack-missing",
                file=record_name,
                location=f"packs[{pinned.id}]",
                expected=f"pack {pinned.id} {pinned.version} installed, or given with "
                         "--pack-dir",
                found="no such pack",
                fix="install the plugin that provides it, or pass its directory with --pack-dir",
            )
        if found.sha256 != pinned.sha256 or found.version != pinned.version:
            raise RecordError(
                f"the installed pack {pinned.id!r} is not the one the record was assessed with",
                code="record.pack-mismatch",
                file=record_name,
                location=f"packs[{pinned.id}]."
                         + ("sha256" if found.sha256 != pinned.sha256 else "version"),
                expected=f"{pinned.id} {pinned.version} with sha256 {pinned.sha256}",
                found=f"{found.id} {found.version} with sha256 {found.sha256}",
                fix="install the pack version the record pins, or plan from the evidence "
                    "(maturity roadmap BUNDLE) to assess it again with the installed packs",
            )
    # Errors found in the record's copy of a profile name where it lies in the record.
    profiles = [Profile.model_validate_json(json.dumps(pin["definition"])).read_from(
                    f"{record_name}: profile.profiles[{pin.get('id')}].definition")
                for pin in plan.profiles
                if isinstance(pin.get("definition"), Mapping)]
    pinned_ids = [p.id for p in plan.packs]
    rules, _changes = session.load_rules(
        [pid for pid in pinned_ids if pid not in local] or None,
        pack_dirs=[local[pid][0] for pid in pinned_ids if pid in local],
        profiles=profiles,
    )
    return rules, plan


def _refuse_no_roadmap(args: argparse.Namespace) -> None:
    if getattr(args, "no_roadmap", False):
        raise UsageError(
            "--no-roadmap asks the roadmap command for nothing",
            code="usage.no-roadmap",
            location="--no-roadmap",
            expected="roadmap options (--capacity, --phases, --target …) or none",
            found="--no-roadmap",
            fix="drop --no-roadmap",
        )


def plan_from_record(session: Session, record: dict[str, Any], record_name: str,
                     args: argparse.Namespace) -> tuple[dict[str, Any], Sequence[RulePack]]:
    """The record with its roadmap planned again (flags override the record's settings), and
    the packs it was planned with (a `--pack-dir` pack's names and translations included)."""
    _refuse_no_roadmap(args)
    rules, plan = _pinned_rules(session, record, record_name,
                                [Path(p) for p in getattr(args, "pack_dir", [])])
    settings = settings_from_args(args, base=plan.roadmap_settings) or {}
    outcomes = outcomes_from_record(record)
    _check_every_rule_has_an_outcome(rules, outcomes, record_name)
    roadmap = plan_roadmap(rules, outcomes, session.scoring_model(plan.scoring),
                           plan.level_threshold, settings)
    return {**record, "roadmap": canonicalize(roadmap)}, rules.packs


def _check_every_rule_has_an_outcome(rules: RuleSet, outcomes: Sequence[Outcome],
                                     record_name: str) -> None:
    """A record holds one outcome per rule of its packs; one removed by hand would leave a
    gap the plan cannot score."""
    held = {(o.pack, o.rule) for o in outcomes}
    for pack in rules.packs:
        for rule in sorted(pack.rules, key=lambda r: r.id):
            if (pack.id, rule.id) not in held:
                raise RecordError(
                    f"the record has no outcome for rule {rule.id!r} of pack {pack.id!r}",
                    code="record.invalid",
                    file=record_name,
                    location="outcomes",
                    expected=f"one outcome per rule of the packs it pins ({len(pack.rules)} "
                             f"in {pack.id})",
                    found=f"none for {rule.id}",
                    fix="plan from an unedited record, or from the evidence",
                )


def plan_from_evidence(session: Session, path: Path, args: argparse.Namespace
                       ) -> tuple[dict[str, Any], Sequence[RulePack]]:
    """Assess the bundle with the installed (or chosen) packs, then plan its roadmap; and the
    packs it used."""
    _refuse_no_roadmap(args)
    rules, changes = session.load_rules(getattr(args, "pack", None) or None,
                                        pack_dirs=[Path(p) for p in args.pack_dir])
    settings = settings_from_args(args) or {}
    result = assess_bundle(
        session.load_evidence(path), rules, model=session.scoring_model(args.scoring),
        as_of=args.as_of, level_threshold=args.level_threshold,
        provenance=provenance_for(session, changes, getattr(args, "lang", None) or "en"),
        roadmap_settings=settings,
    )
    return result.record, rules.packs


def render_plan(record: Mapping[str, Any], fmt: str,
                options: Mapping[str, Any] | None = None) -> bytes:
    """The record's roadmap as text (for a terminal), Markdown or canonical JSON; `options`
    are the report options (the language)."""
    if fmt == "json":
        return canonical_bytes(record["roadmap"])
    from maturity.report import render_records

    name = "roadmap.md.j2" if fmt == "md" else "roadmap.txt.j2"
    return render_records(name, [record], options or {}, standalone=True).encode("utf-8")
