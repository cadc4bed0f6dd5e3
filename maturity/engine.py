"""Evaluating a compiled rule set against one bundle's evidence (pure: no files, no clock).

Each rule gives one `Outcome` with its explanation. Missing evidence is `not_assessed`, never a
pass; evidence of the wrong type is `error`; documents older than a rule's maximum evidence age
make it `stale`; an active waiver makes a non-passing rule `waived` (its underlying outcome kept).
A rule the organisation declares not applicable, with a justification, is `not_applicable`; what
its evidence would have given is kept beside it, so the declaration can be audited. A document
collected after the assessment date refuses the whole bundle (`EvidenceError`), whichever
evaluator runs; a document missing from the bundle, or not matching its sha256, is named in the
explanation of a rule that reads it and gets less than full credit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from maturity.checks import (
    BadShape,
    EvalContext,
    Missing,
    Result,
    document_refs,
    late_document_error,
    late_documents,
    lookup,
    origin_of,
)
from maturity.errors import MaturityError, format_location
from maturity.model import (
    DocumentInfo,
    Explanation,
    Outcome,
    OutcomeStatus,
    Waiver,
)
from maturity.ruleset import CompiledRule, RuleSet

__all__ = [
    "evaluate",
    "evaluate_rule",
    "jsonable",
    "not_applicable_outcome",
    "outcome_from_result",
    "stale_documents",
]

_ABSENT = object()


def jsonable(value: Any) -> Any:
    """Evidence values as JSON values: dates as ISO text, everything else unchanged."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _SCALARS else jsonable(v) for v in value]
    return value


#: Values `jsonable` leaves as they are, told apart by their exact type (most evidence is).
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _values(data: Mapping[str, Any], paths: Sequence[str]) -> dict[str, Any]:
    """The evidence each path names, None where `lookup` finds nothing or a part that is not
    a table (one walk per path, without `lookup`'s description of the bad part)."""
    found: dict[str, Any] = {}
    for path in paths:
        value: Any = data
        for key in path.split("."):
            if not isinstance(value, dict):
                value = None
                break
            value = value.get(key)
            if value is None:
                break
        found[path] = None if value is None else jsonable(value)
    return found


def _status(credit: float) -> OutcomeStatus:
    if credit >= 1.0:
        return OutcomeStatus.PASS
    if credit <= 0.0:
        return OutcomeStatus.FAIL
    return OutcomeStatus.PARTIAL


def stale_documents(
    compiled: CompiledRule, data: Mapping[str, Any], ctx: EvalContext
) -> list[str]:
    limit = compiled.rule.max_evidence_age_days
    if limit is None:
        return []
    oldest = ctx.as_of - dt.timedelta(days=limit)
    stale: list[str] = []
    for path in compiled.check.paths:
        value = lookup(data, tuple(path.split(".")))
        if isinstance(value, dict) and isinstance(value.get("document"), str):
            info: DocumentInfo | None = ctx.documents.get(value["document"])
            if info is None:
                continue
            # A document whose age cannot be told is not fresh evidence: its age is the point.
            if info.collected is None:
                stale.append(f"{info.path} has no collection date")
            elif info.collected < oldest:
                stale.append(f"{info.path} collected {info.collected.isoformat()}")
    return stale


def _document_notes(values: Mapping[str, Any], ctx: EvalContext) -> list[str]:
    """Why the document references a rule read give no credit (a document that is not in
    the bundle, or not the file its sha256 names): "credit 0" alone leaves the reader to
    guess. Read from the values the explanation shows, so that it costs nothing when a
    rule reads no document."""
    notes: list[str] = []
    for value in values.values():
        if type(value) is not dict or type(name := value.get("document")) is not str:
            continue
        info = ctx.documents.get(name)
        if info is None or info.sha256 is None:
            note = f"document {name!r} is not in the bundle"
            near = sorted(path for path, other in ctx.documents.items()
                          if other.sha256 is not None and path.casefold() == name.casefold())
            if near:
                note += f" (did you mean {near[0]!r}?)"
        elif value.get("sha256") is not None and value.get("sha256") != info.sha256:
            note = f"document {name!r} does not match its declared sha256"
        else:
            continue
        if note not in notes:
            notes.append(note)
    return notes


def evaluate_rule(
    compiled: CompiledRule,
    data: Mapping[str, Any],
    ctx: EvalContext,
    waiver: Waiver | None = None,
    declared_not_applicable: str | None = None,
) -> Outcome:
    """One rule's outcome. `declared_not_applicable` is the organisation's justification for
    declaring the rule not applicable to it."""
    rule = compiled.rule
    condition = compiled.check.condition
    if declared_not_applicable is not None:
        evidence_alone = evaluate_rule(compiled, data, ctx)
        return Outcome(
            rule.id, compiled.pack, OutcomeStatus.NOT_APPLICABLE, 0.0,
            Explanation(condition, evidence_alone.explanation.values,
                        "declared not applicable by the organisation"),
            reason=declared_not_applicable,
            underlying=evidence_alone.status, underlying_credit=evidence_alone.credit,
        )
    if compiled.applies is not None:
        applies = compiled.applies.evaluate(data, ctx)
        if isinstance(applies, float) and applies < 1.0:
            return not_applicable_outcome(compiled, data)
        if isinstance(applies, BadShape):
            # Whether the rule applies cannot be told: an error, never a silent evaluation.
            return outcome_from_result(compiled, data, ctx, applies, waiver)
    return outcome_from_result(compiled, data, ctx, compiled.check.evaluate(data, ctx), waiver)


def not_applicable_outcome(compiled: CompiledRule, data: Mapping[str, Any]) -> Outcome:
    """The outcome of a rule whose `applies` condition does not hold for this bundle."""
    rule, applies = compiled.rule, compiled.applies
    if applies is None:
        raise ValueError(f"rule {rule.id} has no applies condition")
    return Outcome(
        rule.id,
        compiled.pack,
        OutcomeStatus.NOT_APPLICABLE,
        0.0,
        Explanation(applies.condition, _values(data, applies.paths), "the rule does not apply"),
        reason=rule.applies.reason if rule.applies else "",
    )


def outcome_from_result(
    compiled: CompiledRule,
    data: Mapping[str, Any],
    ctx: EvalContext,
    result: Result,
    waiver: Waiver | None = None,
) -> Outcome:
    """The explained outcome of an applicable rule whose check gave `result`.

    Shared with `maturity.fastpath`, which computes `result` in generated code: both paths
    build outcomes here, so their explanations cannot drift apart.
    """
    rule = compiled.rule
    condition = compiled.check.condition
    values = _values(data, compiled.check.paths)
    detail = ""
    if isinstance(result, Missing):
        status, credit = OutcomeStatus.NOT_ASSESSED, 0.0
        detail = f"missing evidence: {result.path}"
    elif isinstance(result, BadShape):
        status, credit = OutcomeStatus.ERROR, 0.0
        detail = f"{result.path}: expected {result.expected}, found {result.found}"
    else:
        credit = result
        status = _status(credit)
        detail = f"credit {credit:.4g}"
        if credit < 1.0:
            detail = "; ".join((detail, *_document_notes(values, ctx)))
    explanation = Explanation(condition, values, detail)
    stale = stale_documents(compiled, data, ctx) if status in (
        OutcomeStatus.PASS, OutcomeStatus.PARTIAL) else []
    if stale:
        return Outcome(
            rule.id, compiled.pack, OutcomeStatus.STALE, 0.0,
            Explanation(condition, values,
                        f"evidence older than {rule.max_evidence_age_days} days: "
                        + "; ".join(stale)),
            underlying=status, underlying_credit=credit,
        )
    if waiver is not None and status is not OutcomeStatus.PASS:
        if waiver.active_on(ctx.as_of):
            return Outcome(
                rule.id, compiled.pack, OutcomeStatus.WAIVED, 0.0, explanation,
                reason=f"waived by {waiver.approver} until {waiver.expires.isoformat()} "
                       f"({waiver.risk} risk): {waiver.justification}",
                underlying=status, underlying_credit=credit,
            )
        state = waiver.state_on(ctx.as_of).replace("_", " ")
        return Outcome(
            rule.id, compiled.pack, status, credit, explanation,
            reason=f"waiver {state} (granted {waiver.granted.isoformat()}, "
                   f"expires {waiver.expires.isoformat()}): finding stands",
        )
    return Outcome(rule.id, compiled.pack, status, credit, explanation)


def evaluate(
    rules: RuleSet,
    data: Mapping[str, Any],
    as_of: dt.date,
    documents: Mapping[str, DocumentInfo] | None = None,
    waivers: Mapping[str, Waiver] | None = None,
    not_applicable: Mapping[str, str] | None = None,
    *,
    origins: Mapping[str, str] | None = None,
    source: str = "",
) -> list[Outcome]:
    """One outcome per rule, in the rule set's order (pack id, then rule id).

    `waivers` and `not_applicable` (justifications) are keyed by rule id; `origins` (the file
    each part of `data` came from) and `source` (the bundle) only serve error messages.
    """
    _refuse_late_documents(data, as_of, documents or {}, origins or {}, source)
    ctx = EvalContext(as_of, documents or {}, origins or {}, source)
    waived = waivers or {}
    declared = not_applicable or {}
    outcomes: list[Outcome] = []
    for c in rules.rules:
        try:
            outcomes.append(evaluate_rule(c, data, ctx, waived.get(c.id), declared.get(c.id)))
        except MaturityError as exc:
            # Only a plugin's check raises: say which rule was reading the value.
            exc.location = f"{exc.location} (read by rule {c.id})" if exc.location \
                else f"rule {c.id}"
            raise
    return outcomes


def _refuse_late_documents(data: Mapping[str, Any], as_of: dt.date,
                           documents: Mapping[str, DocumentInfo], origins: Mapping[str, str],
                           source: str) -> None:
    """Refuse a document collected after the assessment date at the reference's `collected`
    key, in the file it was read from (`EvalContext` refuses it too, without the key: the
    generated evaluator builds one, and falls back here)."""
    late = {info.path: info for info in late_documents(documents, as_of)}
    if not late:
        return
    for keys, ref in document_refs(data):
        if ref["document"] in late and ref.get("collected") is not None:
            raise late_document_error(late[ref["document"]], as_of,
                                      file=origin_of(origins, keys) or source or None,
                                      location=f"{format_location(keys)}.collected")
    first = next(iter(late.values()))
    raise late_document_error(first, as_of, file=source or None,
                              location=f"document {first.path}")
