"""Verifying and comparing assessment records (pure: records in, findings out).

`verify` re-runs an assessment from what its record pins and compares the two records' canonical
bytes. When they differ, `compare_records` says why, section by section: the inputs and versions
that differ (evidence files, documents, packs, plugins, engine, waivers, profiles, the
assessment's settings) are the *causes*; the outcomes and scores that differ are their
*consequences*. When no input differs but the results do, the record itself was edited.

`diff_records` compares two assessments of the same (or another) organisation: new, resolved
and persisting gaps, score and level changes per dimension and facet, and whether the two are
comparable at all (two pack versions score different questions, like the OECD's 2019 and 2023
indexes).

Reading records, packs and evidence from disk is the CLI's job; nothing here touches a file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from maturity.errors import RecordError
from maturity.record import canonical_bytes

__all__ = [
    "GAP_STATUSES",
    "Finding",
    "GapChange",
    "PinnedPack",
    "RecordDiff",
    "Replay",
    "ScoreChange",
    "Verification",
    "compare_records",
    "diff_records",
    "render_diff",
    "render_verification",
    "replay_plan",
    "unavailable_packs",
]

#: Outcomes that leave something to do: a waived rule is an accepted gap, still a gap.
GAP_STATUSES = frozenset({"fail", "partial", "not_assessed", "error", "stale", "waived"})

FindingKind = Literal[
    "engine", "plugin", "pack", "evidence", "document", "waiver", "profile", "assessment",
    "scoring", "rule", "outcome", "score", "roadmap", "record",
]

_SHOWN = 80


# --- what a record pins -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PinnedPack:
    id: str
    version: str
    sha256: str
    origin: str

    @property
    def local(self) -> bool:
        return self.origin.startswith("local:")


@dataclass(frozen=True, slots=True)
class Replay:
    """Everything a record pins for its re-run, read and checked once."""

    source: str
    as_of: dt.date
    language: str
    scoring: str
    level_threshold: float
    packs: tuple[PinnedPack, ...]
    waivers: tuple[Mapping[str, Any], ...]
    waiver_file: Mapping[str, str] | None
    profiles: tuple[Mapping[str, Any], ...]
    roadmap_settings: Mapping[str, Any] | None


def _pinned(record: Mapping[str, Any], path: str, kind: type | tuple[type, ...]) -> Any:
    node: Any = record
    for part in path.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if not isinstance(node, kind):
        raise RecordError(
            "the record does not pin what a re-run needs",
            code="record.incomplete",
            location=path,
            expected=f"a {getattr(kind, '__name__', 'value')} written by `maturity assess`",
            found=repr(node)[:_SHOWN],
            fix="verify a record written by maturity assess, unedited",
        )
    return node


def replay_plan(record: Mapping[str, Any]) -> Replay:
    """Read what a record pins; a record that lacks a pin cannot be re-run (RecordError)."""
    as_of_text = _pinned(record, "assessment.as_of", str)
    try:
        as_of = dt.date.fromisoformat(as_of_text)
    except ValueError:
        raise RecordError(
            "the record's assessment date is not a date",
            code="record.incomplete",
            location="assessment.as_of",
            expected="YYYY-MM-DD",
            found=repr(as_of_text),
            fix="verify a record written by maturity assess, unedited",
        ) from None
    packs = tuple(
        PinnedPack(str(p.get("id")), str(p.get("version")), str(p.get("sha256")),
                   str(p.get("origin")))
        for p in _pinned(record, "packs", list)
    )
    threshold = _pinned(record, "scoring.settings.level_threshold", (int, float))
    profile = record.get("profile") or {}
    roadmap = record.get("roadmap")
    return Replay(
        source=_pinned(record, "evidence.source", str),
        as_of=as_of,
        language=str(record.get("assessment", {}).get("language") or "en"),
        scoring=_pinned(record, "scoring.model", str),
        level_threshold=float(threshold),
        packs=packs,
        waivers=tuple(record.get("waivers") or ()),
        waiver_file=record.get("waiver_file"),
        profiles=tuple(profile.get("profiles") or ()),
        roadmap_settings=roadmap.get("settings") if isinstance(roadmap, Mapping) else None,
    )


def unavailable_packs(plan: Replay, available: Mapping[str, str]) -> list[str]:
    """Why the pinned packs cannot be loaded as they were (`available`: pack id → version)."""
    problems: list[str] = []
    for pack in plan.packs:
        found = available.get(pack.id)
        where = "as a local pack (--pack-dir)" if pack.local else "installed"
        if found is None:
            problems.append(f"pack {pack.id} {pack.version} is not {where}")
        elif found != pack.version:
            problems.append(f"pack {pack.id} {pack.version} is not {where} "
                            f"(version {found} is)")
    return problems


# --- verify: why two records differ ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One named difference: what kind of thing, which one, and how it differs."""

    kind: FindingKind
    subject: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind:<10} {self.subject}: {self.message}"


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of comparing a record with its re-run."""

    identical: bool
    causes: tuple[Finding, ...] = ()
    consequences: tuple[Finding, ...] = ()
    notes: tuple[str, ...] = ()
    #: Whether the record's file holds the re-run's bytes, not only its content (False for a
    #: record re-saved with another layout: its content may still be identical).
    same_bytes: bool = True

    @property
    def record_edited(self) -> bool:
        """Nothing the assessment read differs, yet its results do."""
        return not self.identical and not self.causes

    def as_data(self) -> dict[str, Any]:
        return {
            "identical": self.identical,
            "same_bytes": self.same_bytes,
            "record_edited": self.record_edited,
            "causes": [asdict(f) for f in self.causes],
            "consequences": [asdict(f) for f in self.consequences],
            "notes": list(self.notes),
        }


def _show(value: Any) -> str:
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value[:12] + "…"
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(
        value, str) else repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


_MISSING = object()
_KEYS = ("rule", "id", "path", "name")


def _keyed(items: Sequence[Any]) -> dict[str, Any] | None:
    """A list of tables as a mapping by its natural key (rule, id, path or name), when unique."""
    if not items or not all(isinstance(i, Mapping) for i in items):
        return None
    for key in _KEYS:
        if all(key in i for i in items):
            labels = [
                str(i[key]) + (f"@{i['organisation']}" if i.get("organisation") else "")
                for i in items
            ]
            if len(set(labels)) == len(labels):
                return dict(zip(labels, items, strict=True))
    return None


def _changes(old: Any, new: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Leaf differences between two JSON values as (key path, old, new), lists keyed when
    their items have a natural key, so a path reads `outcomes[DBD-SA-01].status`."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        found: list[tuple[str, Any, Any]] = []
        for key in sorted(set(old) | set(new)):
            sub = f"{path}.{key}" if path else str(key)
            found += _changes(old.get(key, _MISSING), new.get(key, _MISSING), sub)
        return found
    if isinstance(old, list) and isinstance(new, list):
        old_keyed, new_keyed = _keyed(old), _keyed(new)
        if old_keyed is not None and new_keyed is not None:
            found = []
            for key in sorted(set(old_keyed) | set(new_keyed)):
                found += _changes(old_keyed.get(key, _MISSING), new_keyed.get(key, _MISSING),
                                  f"{path}[{key}]")
            return found
        if len(old) == len(new):
            return [c for i, (a, b) in enumerate(zip(old, new, strict=True))
                    for c in _changes(a, b, f"{path}[{i}]")]
    return [] if old == new else [(path, old, new)]


def _around_difference(old: str, new: str) -> tuple[str, str]:
    """Two long texts cut to where they differ, so the difference is what a reader sees."""
    start = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                 min(len(old), len(new)))
    start = max(0, start - 20)
    width = _SHOWN - 10

    def cut(text: str) -> str:
        piece = text[start:start + width]
        return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")

    return repr(cut(old)), repr(cut(new))


def _describe(old: Any, new: Any, before: str, after: str) -> str:
    if old is _MISSING:
        return f"absent {before}, {_show(new)} {after}"
    if new is _MISSING:
        return f"{_show(old)} {before}, absent {after}"
    if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > _SHOWN:
        shown_old, shown_new = _around_difference(old, new)
        return f"{shown_old} {before}, {shown_new} {after}"
    return f"{_show(old)} {before}, {_show(new)} {after}"


def _split(path: str) -> tuple[str, str, str]:
    """`evidence.files[dgpf.toml].sha256` → ("evidence.files", "dgpf.toml", "sha256")."""
    head, bracket, rest = path.partition("[")
    if not bracket:
        section, _, leaf = path.partition(".")
        return section, "", leaf
    key, _, tail = rest.partition("]")
    return head, key, tail.lstrip(".")


#: Outcome fields that come from the rule's definition rather than from the evidence.
_RULE_FIELDS = frozenset({"title", "dimension", "facet", "level", "weight", "condition"})


def _finding(path: str, old: Any, new: Any) -> Finding:
    section, key, leaf = _split(path)
    root = section.split(".")[0]
    here = "on re-run"
    if section == "engine":
        return Finding("engine", f"engine {leaf}",
                       _describe(old, new, "in the record", "installed"))
    if section in ("plugins", "skipped_plugins"):
        what = "skipped plugin" if section == "skipped_plugins" else "plugin"
        return Finding("plugin", f"{what} {key or leaf}".strip(),
                       _describe(old, new, "in the record", "installed"))
    if section == "packs":
        return Finding("pack", f"pack {key or leaf}".strip() + (f" {leaf}" if key else ""),
                       _describe(old, new, "in the record", "loaded now"))
    if section == "evidence.files":
        return Finding("evidence", f"evidence file {key}" + (f" {leaf}" if leaf else ""),
                       _describe(old, new, "in the record", "on disk"))
    if section == "evidence.documents":
        return Finding("document", f"document {key}" + (f" {leaf}" if leaf else ""),
                       _describe(old, new, "in the record", "on disk"))
    if section in ("waivers", "waiver_file"):
        subject = f"waiver {key}" if key else "waiver file"
        return Finding("waiver", subject + (f" {leaf}" if leaf else ""),
                       _describe(old, new, "in the record", "in the waivers now"))
    if section == "not_applicable":
        return Finding("evidence", f"not-applicable declaration {key}",
                       _describe(old, new, "in the record", "in the bundle"))
    if root == "profile":
        return Finding("profile", path, _describe(old, new, "in the record", "now"))
    if root == "scoring":
        return Finding("scoring", path, _describe(old, new, "in the record", here))
    if section == "outcomes":
        kind: FindingKind = "rule" if leaf.split(".")[0] in _RULE_FIELDS else "outcome"
        return Finding(kind, f"{key} {leaf}".strip(), _describe(old, new, "in the record", here))
    if root in ("scores", "scores_without_waivers"):
        return Finding("score", path, _describe(old, new, "in the record", here))
    if root == "roadmap":
        return Finding("roadmap", path, _describe(old, new, "in the record", here))
    if root in ("organisation", "assessment", "evidence"):
        return Finding("assessment", path, _describe(old, new, "in the record", here))
    return Finding("record", path, _describe(old, new, "in the record", here))


#: Consequences in the order a reader needs them: changed rules, then outcomes, then scores.
_CONSEQUENCES: dict[str, int] = {"rule": 0, "outcome": 1, "score": 2, "roadmap": 3, "record": 4}


def _by_rule(findings: Sequence[Finding], kind: FindingKind) -> list[Finding]:
    """One finding per rule: `DBD-SA-01: status 'pass' → 'fail'; credit 1.0 → 0.0`."""
    grouped: dict[str, list[str]] = {}
    for finding in findings:
        rule, _, leaf = finding.subject.partition(" ")
        text = finding.message.replace(" in the record, ", " → ").removesuffix(" on re-run")
        grouped.setdefault(rule, []).append(f"{leaf} {text}" if leaf else text)
    return [Finding(kind, rule, "; ".join(parts) + " (record → re-run)")
            for rule, parts in grouped.items()]


def compare_records(
    record: Mapping[str, Any], rerun: Mapping[str, Any], notes: Iterable[str] = (),
    record_bytes: bytes | None = None,
) -> Verification:
    """Compare a record with the record its pinned inputs give now; given the bytes of the
    record's file, also whether they are the re-run's bytes."""
    expected = canonical_bytes(rerun)
    if canonical_bytes(record) == expected:
        return Verification(True, notes=tuple(notes),
                            same_bytes=record_bytes is None or record_bytes == expected)
    old = json.loads(canonical_bytes(record))
    new = json.loads(canonical_bytes(rerun))
    findings = [_finding(path, a, b) for path, a, b in _changes(old, new)]
    causes = tuple(f for f in findings if f.kind not in _CONSEQUENCES)
    consequences = [f for f in findings if f.kind in _CONSEQUENCES and f.kind not in (
        "rule", "outcome", "roadmap")]
    consequences += _by_rule([f for f in findings if f.kind == "rule"], "rule")
    consequences += _by_rule([f for f in findings if f.kind == "outcome"], "outcome")
    roadmap = [f for f in findings if f.kind == "roadmap"]
    if roadmap:
        consequences.append(Finding("roadmap", "roadmap", f"{len(roadmap)} values differ, "
                                    f"first {roadmap[0].subject}: {roadmap[0].message}"))
    consequences.sort(key=lambda f: _CONSEQUENCES[f.kind])
    return Verification(False, causes, tuple(consequences), tuple(notes))


def render_verification(result: Verification, name: str, limit: int = 40) -> str:
    """A person's report: the verdict, then why, then what it changed."""
    if result.identical and result.same_bytes:
        lines = [f"IDENTICAL: {name} is reproduced byte for byte from its inputs"]
    elif result.identical:
        lines = [f"IDENTICAL: {name} is reproduced from its inputs, every value the same",
                 "Note: its bytes are not the record's canonical bytes (it was saved again "
                 "with another layout); `maturity report RECORD --format json -o FILE` "
                 "writes them"]
    elif result.record_edited:
        lines = [f"DIFFERS: {name} does not match a re-run of its inputs",
                 "Why: nothing the assessment read has changed, so the record itself was "
                 "edited after the assessment. Edited fields (record vs re-run):"]
    else:
        lines = [f"DIFFERS: {name} does not match a re-run of its inputs", "Why:"]
        lines += [f"  {f}" for f in result.causes]
        if result.consequences:
            lines.append(f"What it changed ({len(result.consequences)}):")
    shown = result.consequences[:limit]
    lines += [f"  {f}" for f in shown]
    if len(result.consequences) > limit:
        lines.append(f"  … and {len(result.consequences) - limit} more (--format json lists all)")
    lines += [f"Note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


# --- diff: what changed between two assessments ---------------------------------------------


@dataclass(frozen=True, slots=True)
class GapChange:
    rule: str
    pack: str
    title: str
    dimension: str
    old_status: str | None
    new_status: str | None
    old_credit: float | None
    new_credit: float | None


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """A score of one scope (the pack index, a dimension or a dimension's facet)."""

    pack: str
    scope: str
    old: float | None
    new: float | None
    old_level: int | None = None
    new_level: int | None = None

    @property
    def delta(self) -> float | None:
        return None if self.old is None or self.new is None else self.new - self.old


@dataclass(frozen=True, slots=True)
class RecordDiff:
    old: Mapping[str, Any]
    new: Mapping[str, Any]
    comparable: bool
    warnings: tuple[str, ...]
    new_gaps: tuple[GapChange, ...]
    resolved_gaps: tuple[GapChange, ...]
    persisting_gaps: tuple[GapChange, ...]
    dropped_gaps: tuple[GapChange, ...]
    scores: tuple[ScoreChange, ...]
    changes: tuple[str, ...] = field(default=())

    def as_data(self) -> dict[str, Any]:
        def gaps(items: Sequence[GapChange]) -> list[dict[str, Any]]:
            return [asdict(g) for g in items]

        return {
            "old": dict(self.old),
            "new": dict(self.new),
            "comparable": self.comparable,
            "warnings": list(self.warnings),
            "changes": list(self.changes),
            "gaps": {
                "new": gaps(self.new_gaps),
                "resolved": gaps(self.resolved_gaps),
                "persisting": gaps(self.persisting_gaps),
                "no_longer_assessed": gaps(self.dropped_gaps),
            },
            "scores": [{**asdict(s), "delta": s.delta} for s in self.scores],
        }


def _summary(record: Mapping[str, Any]) -> dict[str, Any]:
    assessment = record.get("assessment") or {}
    organisation = record.get("organisation") or {}
    return {
        "organisation": organisation.get("id"),
        "name": organisation.get("name"),
        "as_of": assessment.get("as_of"),
        "period": assessment.get("period"),
        "packs": {p.get("id"): p.get("version") for p in record.get("packs") or ()},
        "scoring": (record.get("scoring") or {}).get("model"),
    }


def _comparability(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[
        list[str], list[str]]:
    """(warnings that make the two not comparable, other changes worth saying)."""
    blocking: list[str] = []
    changes: list[str] = []
    old_packs = {p["id"]: p for p in old.get("packs") or ()}
    new_packs = {p["id"]: p for p in new.get("packs") or ()}
    for pack_id in sorted(set(old_packs) | set(new_packs)):
        a, b = old_packs.get(pack_id), new_packs.get(pack_id)
        if a is None or b is None:
            present = "new" if a is None else "old"
            changes.append(f"pack {pack_id} is only in the {present} assessment")
        elif a.get("version") != b.get("version"):
            blocking.append(f"pack {pack_id} changed version {a.get('version')} → "
                            f"{b.get('version')}: its rules, weights or thresholds differ")
        elif a.get("sha256") != b.get("sha256"):
            blocking.append(f"pack {pack_id} {a.get('version')} has other contents "
                            f"(sha256 {_show(a.get('sha256'))} → {_show(b.get('sha256'))})")
    old_scoring, new_scoring = old.get("scoring") or {}, new.get("scoring") or {}
    for key in ("model", "settings"):
        if old_scoring.get(key) != new_scoring.get(key):
            blocking.append(f"scoring {key} changed: {_show(old_scoring.get(key))} → "
                            f"{_show(new_scoring.get(key))}")

    def profile_pins(record: Mapping[str, Any]) -> list[tuple[Any, Any]]:
        profile = record.get("profile") or {}
        return sorted((p.get("id"), p.get("sha256")) for p in profile.get("profiles") or ())

    if profile_pins(old) != profile_pins(new):
        blocking.append(f"tailoring profiles changed: {_show(profile_pins(old))} → "
                        f"{_show(profile_pins(new))}")
    old_org = (old.get("organisation") or {}).get("id")
    new_org = (new.get("organisation") or {}).get("id")
    if old_org != new_org:
        changes.append(f"two organisations are compared: {old_org} and {new_org}")
    old_engine = (old.get("engine") or {}).get("version")
    new_engine = (new.get("engine") or {}).get("version")
    if old_engine != new_engine:
        changes.append(f"engine {old_engine} → {new_engine}")
    return blocking, changes


def _gap(rule: str, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> GapChange:
    either: Mapping[str, Any] = b or a or {}
    return GapChange(
        rule=rule,
        pack=str(either.get("pack")),
        title=str(either.get("title") or ""),
        dimension=str(either.get("dimension")),
        old_status=a.get("status") if a else None,
        new_status=b.get("status") if b else None,
        old_credit=a.get("credit") if a else None,
        new_credit=b.get("credit") if b else None,
    )


def _score_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[ScoreChange]:
    old_scores, new_scores = old.get("scores") or {}, new.get("scores") or {}
    changes: list[ScoreChange] = []
    for pack in sorted(set(old_scores) | set(new_scores)):
        a, b = old_scores.get(pack) or {}, new_scores.get(pack) or {}
        changes.append(ScoreChange(pack, "index", a.get("index"), b.get("index")))
        old_dims, new_dims = a.get("dimensions") or {}, b.get("dimensions") or {}
        for dim in sorted(set(old_dims) | set(new_dims)):
            da, db = old_dims.get(dim) or {}, new_dims.get(dim) or {}
            changes.append(ScoreChange(pack, dim, da.get("score"), db.get("score"),
                                       da.get("level"), db.get("level")))
            old_facets, new_facets = da.get("facets") or {}, db.get("facets") or {}
            for facet in sorted(set(old_facets) | set(new_facets)):
                changes.append(ScoreChange(pack, f"{dim}/{facet}", old_facets.get(facet),
                                           new_facets.get(facet)))
    return changes


def diff_records(old: Mapping[str, Any], new: Mapping[str, Any]) -> RecordDiff:
    """What changed from one assessment to another."""
    blocking, changes = _comparability(old, new)
    old_outcomes = {o["rule"]: o for o in old.get("outcomes") or ()}
    new_outcomes = {o["rule"]: o for o in new.get("outcomes") or ()}
    new_gaps: list[GapChange] = []
    resolved: list[GapChange] = []
    persisting: list[GapChange] = []
    dropped: list[GapChange] = []
    for rule in sorted(set(old_outcomes) | set(new_outcomes)):
        a, b = old_outcomes.get(rule), new_outcomes.get(rule)
        was = a is not None and a.get("status") in GAP_STATUSES
        now = b is not None and b.get("status") in GAP_STATUSES
        if was and now:
            persisting.append(_gap(rule, a, b))
        elif now:
            new_gaps.append(_gap(rule, a, b))
        elif was and b is not None:
            resolved.append(_gap(rule, a, b))
        elif was:
            dropped.append(_gap(rule, a, b))
    return RecordDiff(
        old=_summary(old),
        new=_summary(new),
        comparable=not blocking,
        warnings=tuple(blocking),
        new_gaps=tuple(new_gaps),
        resolved_gaps=tuple(resolved),
        persisting_gaps=tuple(persisting),
        dropped_gaps=tuple(dropped),
        scores=tuple(_score_changes(old, new)),
        changes=tuple(changes),
    )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def _delta(change: ScoreChange) -> str:
    delta = change.delta
    return "" if delta is None else f"{100 * delta:+.1f}"


def _level(change: ScoreChange) -> str:
    if change.old_level is None and change.new_level is None:
        return ""
    if change.old_level == change.new_level:
        return f"L{change.old_level}"
    return f"L{change.old_level} → L{change.new_level}"


def _status(gap: GapChange) -> str:
    if gap.old_status and gap.new_status and gap.old_status != gap.new_status:
        return f"{gap.old_status} → {gap.new_status}"
    return str(gap.new_status or gap.old_status)


def _label(summary: Mapping[str, Any]) -> str:
    period = f", period {summary['period']}" if summary.get("period") else ""
    return f"{summary.get('organisation')} as of {summary.get('as_of')}{period}"


def _render_text(diff: RecordDiff) -> str:
    lines = [f"OLD: {_label(diff.old)}", f"NEW: {_label(diff.new)}"]
    if not diff.comparable:
        lines.append("WARNING: NOT COMPARABLE: the two assessments do not score the same "
                     "questions the same way; score changes below are not progress:")
        lines += [f"  - {w}" for w in diff.warnings]
    lines += [f"Note: {c}" for c in diff.changes]
    for title, gaps in (("New gaps", diff.new_gaps), ("Resolved gaps", diff.resolved_gaps),
                        ("Persisting gaps", diff.persisting_gaps),
                        ("Gaps no longer assessed", diff.dropped_gaps)):
        if not gaps and title == "Gaps no longer assessed":
            continue
        lines.append(f"{title} ({len(gaps)}):")
        lines += [f"  {g.rule:<18} {_status(g):<24} {g.title}" for g in gaps]
    lines.append("Scores (%):")
    for change in diff.scores:
        if change.scope != "index" and "/" in change.scope and change.delta in (None, 0.0):
            continue
        lines.append(f"  {change.pack:<22} {change.scope:<46} {_pct(change.old):>6} → "
                     f"{_pct(change.new):>6} {_delta(change):>7} {_level(change)}".rstrip())
    return "\n".join(lines) + "\n"


def _md(text: Any) -> str:
    from maturity.report import md_escape

    return md_escape(text)


def _render_markdown(diff: RecordDiff) -> str:
    lines = [f"# Assessment diff: {_md(diff.new.get('name') or diff.new.get('organisation'))}",
             "", f"- Old: {_md(_label(diff.old))}", f"- New: {_md(_label(diff.new))}", ""]
    if not diff.comparable:
        lines += ["> **WARNING: NOT COMPARABLE.** The two assessments do not score the same "
                  "questions the same way; score changes are not progress.", ">"]
        lines += [f"> - {_md(w)}" for w in diff.warnings]
        lines.append("")
    lines += [f"- Note: {_md(c)}" for c in diff.changes]
    lines.append("")
    for title, gaps in (("New gaps", diff.new_gaps), ("Resolved gaps", diff.resolved_gaps),
                        ("Persisting gaps", diff.persisting_gaps),
                        ("Gaps no longer assessed", diff.dropped_gaps)):
        lines += [f"## {title} ({len(gaps)})", ""]
        if gaps:
            lines += ["| Rule | Status | Title |", "|---|---|---|"]
            lines += [f"| {_md(g.rule)} | {_md(_status(g))} | {_md(g.title)} |" for g in gaps]
            lines.append("")
    lines += ["## Scores (%)", "", "| Pack | Scope | Old | New | Change | Level |",
              "|---|---|---:|---:|---:|---|"]
    lines += [f"| {_md(c.pack)} | {_md(c.scope)} | {_pct(c.old)} | {_pct(c.new)} | "
              f"{_delta(c)} | {_md(_level(c))} |" for c in diff.scores]
    return "\n".join(lines) + "\n"


_RENDERERS: dict[str, Callable[[RecordDiff], str]] = {
    "text": _render_text,
    "md": _render_markdown,
    "json": lambda d: canonical_bytes(d.as_data()).decode("utf-8"),
}


def render_diff(diff: RecordDiff, fmt: str) -> str:
    return _RENDERERS[fmt](diff)
