"""The domain's data: rule packs, evidence bundles and outcomes.

Packs and bundle headers are strict pydantic models (`extra="forbid"`): a typo in a rule or a
header key is an error naming the key, never a silently ignored field. Evidence trees stay plain
nested dicts: their shape is whatever the packs read, checked by the checks themselves.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator

from maturity.errors import format_location
from maturity.keylines import key_line, located

__all__ = [
    "DEFAULT_TEST_DATE",
    "Applicability",
    "Dimension",
    "DocumentInfo",
    "EvidenceBundle",
    "EvidenceFile",
    "Explanation",
    "Facet",
    "LevelName",
    "Organisation",
    "Outcome",
    "OutcomeStatus",
    "Owner",
    "PackHeader",
    "Reference",
    "Remediation",
    "Rule",
    "RulePack",
    "RuleTest",
    "Submission",
    "Translation",
    "Waiver",
]

class Refusal(ValueError):
    """A validator's refusal that says what it expected and how to fix it (pydantic keeps the
    exception, so the error shown to the file's author can say both)."""

    def __init__(self, message: str, *, expected: str, fix: str,
                 at: tuple[str | int, ...] = (), found: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected
        self.fix = fix
        #: Where in the refused value the fault is (a list item's key, say), and what is there.
        self.at = at
        self.found = found


#: Ids of organisations, packs, dimensions, facets and owners.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=100)]
RuleId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)]
Text = Annotated[str, Field(min_length=1, max_length=10_000)]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]
Level = Annotated[int, Field(ge=1, le=5)]

#: The assessment date of a rule's inline test case when it gives none.
DEFAULT_TEST_DATE = dt.date(2026, 6, 30)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Translation(_Strict):
    """One locale's text for a rule or a named pack element.

    `source` is the first 12 hex digits of the sha256 of the English text it translates, so an
    edited English text marks the translation stale.
    """

    title: ShortText | None = None
    name: ShortText | None = None
    rationale: Text | None = None
    action: Text | None = None
    description: Text | None = None
    source: Annotated[str, Field(pattern=r"^[0-9a-f]{12}$")]


class Dimension(_Strict):
    id: Slug
    name: ShortText
    kind: Literal["foundational", "transformational"] | None = None
    description: str = ""
    translations: dict[str, Translation] = {}


class Facet(_Strict):
    id: Slug
    name: ShortText
    dimension: Slug | None = None
    description: str = ""
    translations: dict[str, Translation] = {}


class LevelName(_Strict):
    level: Level
    name: ShortText
    description: str = ""
    translations: dict[str, Translation] = {}


class Owner(_Strict):
    """Who carries out remediations: a role the pack's rules name by `remediation.owner`, so
    that reports show its name (translated like a dimension's) rather than its id."""

    id: Slug
    name: ShortText
    description: str = ""
    translations: dict[str, Translation] = {}


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


class PackHeader(_Strict):
    id: Slug
    version: Annotated[str, Field(pattern=r"^[0-9]+(\.[0-9]+)*([a-z0-9.+-]*)$", max_length=50)]
    title: ShortText
    source: Text
    license: str | None = None
    #: The language the pack's texts are written in; a report in another language shows them
    #: through translations (`maturity.i18n`).
    language: Annotated[
        str, Field(pattern=r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?$")] = "en"
    dimensions: Annotated[list[Dimension], Field(min_length=1)]
    facets: list[Facet] = []
    levels: list[LevelName] = []
    #: The roles the rules' remediations name; when given, every rule's owner is one of them.
    owners: list[Owner] = []
    translations: dict[str, Translation] = {}

    @field_validator("dimensions", "facets", "levels", "owners")
    @classmethod
    def _declared_once(cls, items: list[Any], info: ValidationInfo) -> list[Any]:
        # An id is the key of its name, its translations and the rules that cite it: two
        # entries would be two names for one thing, and the second silently wins.
        table = info.field_name or ""
        key = "level" if table == "levels" else "id"
        first: dict[Any, int] = {}
        for index, item in enumerate(items):
            value = getattr(item, key)
            if value in first:
                raise Refusal(
                    f"two {table} with {key} {value!r} (the {_ordinal(first[value] + 1)} "
                    f"and the {_ordinal(index + 1)})",
                    expected=f"each of the pack's {table} declared once",
                    fix=f"remove or rename one of the two [[pack.{table}]] tables with "
                        f"{key} = {value!r}",
                    at=(index, key), found=repr(value))
            first[value] = index
        return items


class Reference(_Strict):
    source: ShortText
    item: str | None = None
    section: str | None = None
    url: str | None = None


class Remediation(_Strict):
    action: Text
    action_id: Slug | None = None
    effort: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)]
    owner: Slug
    depends_on: list[str] = []


class Applicability(_Strict):
    """Where a rule applies: elsewhere its outcome is `not_applicable` with `reason`."""

    when: dict[str, Any]
    reason: ShortText


class OutcomeStatus(StrEnum):
    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    NOT_ASSESSED = "not_assessed"
    STALE = "stale"
    WAIVED = "waived"
    ERROR = "error"


class RuleTest(_Strict):
    """A rule's inline test case: an evidence tree and the outcome it must give."""

    name: Slug
    expect: Annotated[OutcomeStatus, Field(strict=False)]
    as_of: dt.date = DEFAULT_TEST_DATE
    evidence: dict[str, Any] = {}
    credit: Annotated[float, Field(ge=0, le=1)] | None = None
    documents: dict[str, Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = {}

    @field_validator("expect")
    @classmethod
    def _reachable(cls, value: OutcomeStatus) -> OutcomeStatus:
        # A test case has no waivers: expecting `waived` is a case that can never pass.
        if value is OutcomeStatus.WAIVED:
            raise Refusal("a test case cannot be waived (it has no waivers)",
                          expected="an outcome the case's evidence can give",
                          fix="expect the outcome the evidence gives without a waiver")
        return value


class Rule(_Strict):
    id: RuleId
    title: ShortText
    rationale: Text
    dimension: Slug
    facet: Slug | None = None
    level: Level
    weight: Annotated[float, Field(gt=0, le=1000, allow_inf_nan=False)] = 1.0
    evidence: list[str] = []
    check: dict[str, Any]
    applies: Applicability | None = None
    max_evidence_age_days: Annotated[int, Field(gt=0)] | None = None
    remediation: Remediation
    references: list[Reference] = []
    tests: list[RuleTest] = []

    @field_validator("tests")
    @classmethod
    def _named_once(cls, tests: list[RuleTest]) -> list[RuleTest]:
        # RULE::name identifies a case in every report of `rules test` and in pytest.
        names = [t.name for t in tests]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise Refusal(f"two test cases named {twice[0]!r}",
                          expected="each test case of a rule named once",
                          fix="give each case its own name")
        return tests
    translations: dict[str, Translation] = {}

    @field_validator("weight")
    @classmethod
    def _finite(cls, value: float) -> float:
        if not math.isfinite(value):
            raise ValueError("weight must be a finite number")
        return value


class RulePack(_Strict):
    """A validated pack: its header, its rules, and where it came from.

    `sha256` pins the pack's exact source files so a record can prove which rules it used.
    """

    header: PackHeader
    rules: tuple[Rule, ...]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    origin: str
    #: The file each rule was read from, for error messages.
    rule_files: dict[str, str] = {}
    #: What tailoring profiles wrote into rules, for error messages: rule id → the rule key
    #: written ("" for a whole added rule, "check" for a changed check) → (the profile's file,
    #: the key path there, the profile's text, to find the line when an error needs it).
    tailored: dict[str, dict[str, tuple[str, tuple[str | int, ...], str | None]]] = {}
    # The TOML text of each rule file and each rule's index in its file's `rules`, for the
    # line of an error only: not part of the pack the record pins (its sha256 is).
    _texts: dict[str, str] = PrivateAttr(default_factory=dict)
    _indices: dict[str, int] = PrivateAttr(default_factory=dict)

    def read_from(self, texts: dict[str, str], indices: dict[str, int]) -> RulePack:
        """This pack, remembering its rule files' text and where each rule is in its file, so
        that errors found later (when the pack is compiled) give the line."""
        copy = self.model_copy()
        copy._texts, copy._indices = texts, indices
        return copy

    @property
    def id(self) -> str:
        return self.header.id

    @property
    def version(self) -> str:
        return self.header.version

    def place(self, rule_id: str, *path: str | int) -> tuple[str, str]:
        """Where a key path of one of this pack's rules was written, as an error's file and
        location: the rule's file, or the profile that wrote that part of the rule."""
        written = self.tailored.get(rule_id, {})
        # A later profile's change of a check outranks an earlier profile's added rule.
        part = path[0] if path and path[0] in written else "" if "" in written else None
        if not isinstance(part, str):
            file = self.rule_files.get(rule_id, f"{self.origin} (pack {self.id})")
            where = f"rule {rule_id}: {format_location(path)}"
            line = (key_line(self._texts[file], ("rules", self._indices[rule_id], *path))
                    if file in self._texts and rule_id in self._indices else None)
            return file, where if line is None else f"{where} (line {line})"
        file, base, text = written[part]
        return file, f"rule {rule_id}: {located(text, (*base, *(path[1:] if part else path)))}"


class Organisation(_Strict):
    id: Slug
    name: ShortText
    kind: Literal["ministry", "agency", "municipality", "other"]
    country: str | None = None
    parent: Slug | None = None
    delivers_services: bool | None = None


class Submission(_Strict):
    by: ShortText
    on: dt.date


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    """One file of a bundle, by its path relative to the bundle."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document referenced from evidence: what was declared and what is on disk."""

    path: str
    sha256: str | None
    size: int | None
    declared_sha256: str | None = None
    collected: dt.date | None = None


@dataclass(frozen=True, slots=True)
class EvidenceBundle:
    """One organisation's evidence: header, merged evidence tree, and the files behind it.

    `data` includes the `organisation` table, so rules may read `organisation.kind`.
    """

    source: str
    organisation: Organisation
    as_of: dt.date | None
    period: str | None
    submission: Submission | None
    data: dict[str, Any]
    files: tuple[EvidenceFile, ...] = ()
    documents: dict[str, DocumentInfo] = field(default_factory=dict)
    #: Rules the organisation declares not applicable to it: pack id → rule id → justification.
    not_applicable: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The file each part of `data` was read from (dotted key → file as displayed), so that an
    #: error found while evaluating a value can name its file. Empty for a single-file bundle.
    origins: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a rule got its outcome: what it read, what it found, and what it asked."""

    condition: str
    values: dict[str, Any]
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Outcome:
    rule: str
    pack: str
    status: OutcomeStatus
    credit: float
    explanation: Explanation
    reason: str = ""
    #: For waived, stale and declared not-applicable outcomes: what the evidence alone gave.
    underlying: OutcomeStatus | None = None
    underlying_credit: float | None = None


class Waiver(_Strict):
    """An accepted exception to a rule, valid from `granted` to `expires` (inclusive).

    Validity is judged against the assessment date, never the clock. A waiver without an
    `organisation` covers every organisation a waiver file is used for.
    """

    rule: RuleId
    organisation: Slug | None = None
    justification: Text
    approver: ShortText
    granted: dt.date
    expires: dt.date
    risk: Literal["low", "medium", "high"]

    @field_validator("justification", "approver")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        # A waiver waives a finding on someone's word: spaces are nobody's.
        if not value.strip():
            raise Refusal("the text is blank", expected="a text, not only spaces",
                          fix="write who and why: a waiver rests on someone's word")
        return value

    def active_on(self, day: dt.date) -> bool:
        return self.granted <= day <= self.expires

    def state_on(self, day: dt.date) -> Literal["active", "expired", "not_yet_valid"]:
        if day > self.expires:
            return "expired"
        return "not_yet_valid" if day < self.granted else "active"

    def covers(self, organisation: str) -> bool:
        return self.organisation is None or self.organisation == organisation
