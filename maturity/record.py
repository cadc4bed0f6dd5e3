"""The assessment record: one canonical JSON document per assessment (pure).

Canonical means: keys sorted, no insignificant whitespace, UTF-8, floats rounded to 12
decimals and written in their shortest round-trip form, `-0.0` written as `0.0`, no absolute
paths, no clock. Two runs on the same inputs give the same bytes, whatever the working
directory, time zone or day.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from maturity.engine import jsonable
from maturity.model import EvidenceBundle, Outcome, RulePack, Waiver
from maturity.scoring import PackScore, ScoringModel, scores_as_data

__all__ = [
    "RECORD_VERSION",
    "Provenance",
    "build_record",
    "canonical_bytes",
    "canonicalize",
    "parse_record",
]

RECORD_VERSION = 1


def canonicalize(value: Any) -> Any:
    """The canonical form of a JSON-able value (floats rounded, keys as text)."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return _canonical_dict(value)
    if kind is list or kind is tuple:
        return _canonical_list(value)
    if kind is float:
        return _canonical_float(value)
    return _canonical_other(value)


# A record holds some 10^5 values: the plain JSON types are told apart by their exact type,
# one set lookup each, and containers walk their items without a call per plain item. Anything
# else (subclasses included) takes `_canonical_other`, the general rule, so results are the same.
_PLAIN = frozenset({str, int, bool, type(None)})


def _canonical_float(value: float) -> float:
    rounded = _ROUNDED.get(value)
    if rounded is None:
        if not math.isfinite(value):
            raise ValueError("records hold finite numbers only")
        rounded = round(value, 12)
        if rounded == 0:
            rounded = 0.0
        if len(_ROUNDED) < _ROUNDED_KEPT:
            _ROUNDED[value] = rounded
    return rounded


# Rounding to 12 decimals costs ten dictionary lookups, and records repeat their numbers
# (weights, efforts, the same credits): each number is rounded once. 0.0 and -0.0 share an
# entry, and both round to 0.0.
_ROUNDED: dict[float, float] = {}
_ROUNDED_KEPT = 1 << 16


def _canonical_dict(value: dict[Any, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if type(key) is not str:
            key = str(key)
        kind = type(item)
        if kind in _PLAIN:
            out[key] = item
        elif kind is float:
            out[key] = _canonical_float(item)
        elif kind is dict:
            out[key] = _canonical_dict(item)
        elif kind is list or kind is tuple:
            out[key] = _canonical_list(item)
        else:
            out[key] = _canonical_other(item)
    return out


def _canonical_list(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        kind = type(item)
        if kind in _PLAIN:
            out.append(item)
        elif kind is float:
            out.append(_canonical_float(item))
        elif kind is dict:
            out.append(_canonical_dict(item))
        elif kind is list or kind is tuple:
            out.append(_canonical_list(item))
        else:
            out.append(_canonical_other(item))
    return out


def _canonical_other(value: Any) -> Any:
    """Subclasses of the JSON types (enums of text, mappings other than dict), dates."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        return _canonical_float(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Mapping):
        return {str(k): canonicalize(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonicalize(v) for v in value]
    return canonicalize(jsonable(value)) if not isinstance(value, type) else str(value)


def canonical_bytes(record: Mapping[str, Any]) -> bytes:
    return canonical_record_bytes(canonicalize(record))


def canonical_record_bytes(record: Mapping[str, Any]) -> bytes:
    """`canonical_bytes` of a record already in canonical form, as `build_record` returns it:
    the walk that would give the same record again is skipped."""
    encoded = _orjson_bytes(record)
    if encoded is None:
        encoded = json.dumps(
            record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False,
        ).encode("utf-8")
    return encoded + b"\n"


def _orjson_bytes(record: Mapping[str, Any]) -> bytes | None:
    """The bytes `json.dumps` gives canonical data, from orjson (ten times faster) when it is
    installed and can tell they are the same; else None.

    For canonical data (plain types, text keys, finite numbers) the two write the same text,
    escapes, key order and integers; numbers differ only in layout (Python writes 1e-05 and
    1.5e-07, orjson 0.00001 and 1.5e-7), so any number orjson writes with an exponent or
    below 0.0001 sends the record to `json.dumps` (as does text that looks like one). Types
    orjson would write and `json.dumps` refuses or writes otherwise (dates, subclasses of the
    JSON types, integers beyond 64 bits, nesting beyond 255) raise here and go there too.
    """
    try:
        import orjson
    except ImportError:
        return None
    options = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
               | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS)
    try:
        out = orjson.dumps(record, option=options)
    except TypeError:  # orjson.JSONEncodeError included
        return None
    if b"0.0000" in out:
        return None
    for exponent in (b"e-", b"e+"):
        at = out.find(exponent)
        while at > 0:
            if out[at - 1] in _DIGITS:
                return None
            at = out.find(exponent, at + 2)
    return out


_DIGITS = frozenset(b"0123456789")


def parse_record(data: bytes) -> dict[str, Any]:
    loaded = json.loads(data.decode("utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError("a record is a JSON object")
    return loaded


@dataclass(frozen=True, slots=True)
class Provenance:
    """What produced the record besides the evidence: engine, plugins, profile, language.

    `profile` holds the change log and every applied profile in full (so a verifier can replay
    it); `waiver_file` names the waiver file and its sha256 (so a verifier can find and check it).
    """

    engine_version: str
    plugin_api: str
    plugins: Sequence[Mapping[str, str]] = ()
    skipped_plugins: Sequence[Mapping[str, str]] = ()
    profile: Mapping[str, Any] | None = None
    language: str = "en"
    waiver_file: Mapping[str, str] | None = None

#: Outcomes that need no remediation: the rule is met or does not concern the organisation.
_SETTLED = frozenset({"pass", "not_applicable"})


def _outcome(outcome: Outcome, pack_rules: Mapping[str, Any]) -> dict[str, Any]:
    """One outcome in canonical form, made so as it is built: a record holds hundreds, and
    a second walk over them cost more than building them."""
    rule = pack_rules[outcome.rule]
    explanation = outcome.explanation
    status = outcome.status.value
    c = canonicalize
    data: dict[str, Any] = {
        "rule": c(outcome.rule),
        "pack": c(outcome.pack),
        "title": c(rule.title),
        "dimension": c(rule.dimension),
        "facet": c(rule.facet),
        "level": c(rule.level),
        "weight": c(rule.weight),
        "status": c(status),
        "credit": c(outcome.credit),
        "condition": c(explanation.condition),
        "values": c(explanation.values),
        "detail": c(explanation.detail),
    }
    if outcome.reason:
        data["reason"] = c(outcome.reason)
    if outcome.underlying is not None:
        data["underlying"] = {
            "status": c(outcome.underlying.value),
            "credit": c(outcome.underlying_credit),
        }
    if status not in _SETTLED:
        data["remediation"] = c(rule.remediation.model_dump())
    return data


def build_record(
    *,
    bundle: EvidenceBundle,
    as_of: dt.date,
    packs: Sequence[RulePack],
    outcomes: Sequence[Outcome],
    scores: Mapping[str, PackScore],
    scores_without_waivers: Mapping[str, PackScore],
    model: ScoringModel,
    settings: Mapping[str, Any],
    provenance: Provenance,
    waivers: Sequence[Waiver] = (),
    not_applicable: Mapping[str, Mapping[str, str]] | None = None,
    roadmap: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything an auditor needs to re-run and check the assessment, as plain data.

    `waivers` are the waivers that concern this organisation (those of rules the packs do not
    hold are left out: listed as active, they would read as waiving a rule never assessed);
    `not_applicable` the rules it declared not applicable (pack id → rule id → justification).
    """
    rules = {r.id: r for p in packs for r in p.rules}
    declared = not_applicable or {}
    # Packs scored by their own published method rather than the run's model.
    own_models = {
        p.id: {"model": m.name, "description": m.description}
        for p in packs if (m := model.for_pack(p.id)).name != model.name
    }
    record: dict[str, Any] = {
        "record_version": RECORD_VERSION,
        "engine": {
            "name": "maturity",
            "version": provenance.engine_version,
            "plugin_api": provenance.plugin_api,
        },
        "organisation": bundle.organisation.model_dump(exclude_none=True),
        "assessment": {
            "as_of": as_of,
            "period": bundle.period,
            "language": provenance.language,
            "submission": (
                bundle.submission.model_dump() if bundle.submission is not None else None
            ),
        },
        "packs": [
            {"id": p.id, "version": p.version, "sha256": p.sha256, "origin": p.origin,
             "title": p.header.title, "rules": len(p.rules),
             # Attribution travels with the record: reports show it without the pack.
             "source": p.header.source, "license": p.header.license}
            for p in packs
        ],
        "plugins": [dict(p) for p in provenance.plugins],
        "skipped_plugins": [dict(p) for p in provenance.skipped_plugins],
        "profile": dict(provenance.profile) if provenance.profile else None,
        "evidence": {
            "source": bundle.source,
            "files": [
                {"path": f.path, "sha256": f.sha256, "size": f.size} for f in bundle.files
            ],
            "documents": [
                {
                    "path": d.path,
                    "sha256": d.sha256,
                    "size": d.size,
                    "declared_sha256": d.declared_sha256,
                    "collected": d.collected,
                }
                for d in sorted(bundle.documents.values(), key=lambda d: d.path)
            ],
        },
        "waivers": [
            {**w.model_dump(), "state": w.state_on(as_of)}
            for w in sorted(waivers, key=lambda w: (w.rule, w.organisation or ""))
            if w.rule in rules
        ],
        "waiver_file": dict(provenance.waiver_file) if provenance.waiver_file else None,
        "not_applicable": [
            {"pack": pack, "rule": rule, "justification": declared[pack][rule]}
            for pack in sorted(declared) for rule in sorted(declared[pack])
        ],
        "scoring": {
            "model": model.name,
            "description": model.description,
            "settings": dict(settings),
            "counting": {
                "pass/partial/fail": "credit",
                "not_assessed/error/stale": 0,
                "not_applicable": "left out",
                "waived": "left out with waivers; underlying credit without",
            },
            **({"packs": own_models} if own_models else {}),
        },
        "outcomes": None,  # below: canonical as they are built
        "scores": scores_as_data(scores),
        "scores_without_waivers": scores_as_data(scores_without_waivers),
        "roadmap": dict(roadmap) if roadmap is not None else None,
    }
    canonical: dict[str, Any] = canonicalize(record)
    canonical["outcomes"] = [
        _outcome(o, rules) for o in sorted(outcomes, key=lambda o: (o.pack, o.rule))]
    return canonical
