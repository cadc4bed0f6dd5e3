"""The shape of an assessment record, as `maturity.record.build_record` writes it (pure).

Records are read back by `report`, `verify`, `diff`, `roadmap`, `compare`, `trend` and the
OSCAL export, which all trust the kinds of the values they read. A record edited by hand, or
cut and pasted together, is checked against this shape when it is loaded
(`maturity.loaders.load_record`), so that a wrong value is reported with its key path, what
was expected and what was found, instead of failing deep inside a report.

The models check kinds only, never values against the packs: whether a record is *true* is
what `maturity verify` answers by re-running it. Keys a record does not have here are allowed
(and ignored), so a record with additions still reads.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

__all__ = ["CohortShape", "RecordShape"]

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def _is_date(text: str) -> str:
    if not _DATE.match(text):
        raise ValueError("expected a date written YYYY-MM-DD")
    dt.date.fromisoformat(text)  # a ValueError names a day that does not exist
    return text


#: A date as records write it: exactly YYYY-MM-DD.
DateText = Annotated[str, AfterValidator(_is_date)]
#: A credit or a score: every scoring model gives shares of the whole (`ScoringModel`).
Share = Annotated[float, Field(ge=0.0, le=1.0)]
#: A maturity level (0: not even the first) or a count.
Whole = Annotated[int, Field(ge=0)]
#: A weight, an effort or a capacity (far below where a report's decimals would overflow).
Amount = Annotated[float, Field(ge=0.0, le=1e12)]
Status = Literal["pass", "partial", "fail", "not_applicable", "not_assessed", "error", "stale",
                 "waived"]


class _Part(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow", frozen=True)


class _Engine(_Part):
    name: str
    version: str
    plugin_api: str


class _Organisation(_Part):
    id: str
    name: str
    kind: str
    parent: str | None = None


class _Submission(_Part):
    by: str
    on: DateText


class _Assessment(_Part):
    as_of: DateText
    period: str | None
    language: str
    submission: _Submission | None


class _Pack(_Part):
    id: str
    version: str
    sha256: str
    origin: str
    title: str
    rules: int
    source: str | None
    license: str | None


class _Plugin(_Part):
    name: str
    version: str


class _SkippedPlugin(_Part):
    name: str
    version: str
    hook: str
    error: str


class _ProfilePin(_Part):
    id: str
    origin: str
    sha256: str
    definition: dict[str, Any]


class _Profile(_Part):
    changes: list[Any]
    profiles: list[_ProfilePin]


class _File(_Part):
    path: str
    sha256: str
    size: int


class _Document(_Part):
    path: str
    sha256: str | None
    size: int | None
    declared_sha256: str | None
    collected: DateText | None


class _Evidence(_Part):
    source: str
    files: list[_File]
    documents: list[_Document]


class _Waiver(_Part):
    rule: str
    organisation: str | None
    justification: str
    approver: str
    granted: DateText
    expires: DateText
    risk: str
    state: Literal["active", "expired", "not_yet_valid"]


class _WaiverFile(_Part):
    name: str
    sha256: str


class _Declared(_Part):
    pack: str
    rule: str
    justification: str


class _OwnModel(_Part):
    model: str
    description: str


class _Scoring(_Part):
    model: str
    description: str
    settings: dict[str, Any]
    counting: dict[str, Any]
    packs: dict[str, _OwnModel] = {}


class _Remediation(_Part):
    action: str
    action_id: str | None
    effort: Amount
    owner: str
    depends_on: list[str]


class _Underlying(_Part):
    status: Status
    credit: Share


class _Outcome(_Part):
    rule: str
    pack: str
    title: str
    dimension: str
    facet: str | None
    level: Whole
    weight: Amount
    status: Status
    credit: Share
    condition: str
    values: dict[str, Any]
    detail: str
    reason: str | None = None
    underlying: _Underlying | None = None
    remediation: _Remediation | None = None


class _DimensionScore(_Part):
    score: Share
    level: Whole
    facets: dict[str, Share | None]
    counted: Whole


class _PackScore(_Part):
    index: Share
    dimensions: dict[str, _DimensionScore]
    hierarchy: dict[str, Any] | None = None  # written for a hierarchical model only


class _ProjectedDimension(_Part):
    score: Share
    level: Whole


class _Projected(_Part):
    index: Share
    dimensions: dict[str, _ProjectedDimension]


class _Target(_Part):
    pack: str
    dimension: str
    kind: Literal["score", "level"]
    value: Amount
    source: str


class _Phase(_Part):
    phase: int
    months: Annotated[list[int], Field(min_length=2, max_length=2)]
    actions: list[str]
    effort: Amount
    capacity: Amount
    owners: dict[str, Amount]
    projected: dict[str, _Projected]


class _ActionDimension(_Part):
    pack: str
    dimension: str
    level: Whole


class _Action(_Part):
    id: str
    title: str
    steps: list[str]
    rules: list[str]
    dimensions: list[_ActionDimension]
    owners: list[str]
    effort: Amount
    depends_on: list[str]
    phase: int | None
    order: int | None
    critical: bool
    gain: float | None = None
    gain_per_effort: float | None = None
    enables: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _scheduled_or_why_not(self) -> _Action:
        """A scheduled action has its gain; another, the reason it is not scheduled."""
        if self.phase is None and self.reason is None:
            raise ValueError("an action without a phase says why (reason)")
        if self.phase is not None and (self.gain is None or self.gain_per_effort is None):
            raise ValueError("a scheduled action has its gain and gain_per_effort")
        return self


class _CriticalPath(_Part):
    actions: list[str]
    effort: Amount


class _Remaining(_Part):
    pack: str
    dimension: str
    kind: Literal["score", "level"]
    target: Amount
    source: str
    current: Amount
    projected: Amount
    gap: Amount


class _RoadmapSummary(_Part):
    actions: int
    scheduled: int
    effort: Amount
    effort_all: Amount
    phases_used: int
    targets_met: bool


class _RoadmapSettings(_Part):
    capacity: Amount
    phases: Annotated[int, Field(ge=1)]
    phase_months: Annotated[int, Field(ge=1)]
    targets: list[dict[str, Any]]


class _Roadmap(_Part):
    settings: _RoadmapSettings
    method: str
    targets: list[_Target]
    baseline: dict[str, _Projected]
    projected: dict[str, _Projected]
    phases: list[_Phase]
    actions: list[_Action]
    critical_path: _CriticalPath
    remaining_gap: list[_Remaining]
    summary: _RoadmapSummary

    @model_validator(mode="after")
    def _actions_named_exist(self) -> _Roadmap:
        """Phases, the critical path and the actions name actions of the roadmap."""
        known = {action.id for action in self.actions}
        named = [*(a for phase in self.phases for a in phase.actions),
                 *self.critical_path.actions,
                 *(d for action in self.actions for d in action.depends_on),
                 *(action.enables for action in self.actions if action.enables is not None)]
        unknown = sorted({a for a in named if a not in known})
        if unknown:
            raise ValueError(f"the roadmap names actions it does not list: {unknown[0]!r}")
        return self


class RecordShape(_Part):
    """Every part of a record that a command reads, of the kind `build_record` writes."""

    record_version: Literal[1]
    engine: _Engine
    organisation: _Organisation
    assessment: _Assessment
    packs: list[_Pack]
    plugins: list[_Plugin]
    skipped_plugins: list[_SkippedPlugin]
    profile: _Profile | None
    evidence: _Evidence
    waivers: list[_Waiver]
    waiver_file: _WaiverFile | None
    not_applicable: list[_Declared]
    scoring: _Scoring
    outcomes: list[_Outcome]
    scores: dict[str, _PackScore]
    scores_without_waivers: dict[str, _PackScore]
    roadmap: _Roadmap | None


class CohortShape(RecordShape):
    """What `compare` and `trend` read, which is all but the roadmap: a national comparison
    reads tens of thousands of records, and the roadmap is half of checking one."""

    roadmap: Any
