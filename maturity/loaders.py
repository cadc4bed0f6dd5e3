"""Reading profiles, waiver files and records from disk into validated models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from maturity.errors import PackError, RecordError, WaiverError, did_you_mean
from maturity.fastparse import parse_json_checked
from maturity.formats import (
    check_tree,
    decode_text,
    kind_of,
    parse_toml,
    read_input,
)
from maturity.keylines import located
from maturity.limits import Limits
from maturity.model import Waiver
from maturity.packs import pydantic_error
from maturity.profiles import Profile

__all__ = ["check_waiver_rules", "load_profile", "load_record", "load_waivers"]


def _read(path: Path | Traversable, error: type[PackError] | type[WaiverError] | type[RecordError],
          limits: Limits, display: str | None = None) -> bytes:
    shown = display or path.name
    if not path.is_file():
        raise error(
            "no such file",
            code=f"{error.default_code}.not-found",
            file=shown,
            expected="an existing file",
            found="nothing at that path",
            fix="check the path",
        )
    return read_input(path, shown, limits, error)


def load_profile(path: Path | Traversable, limits: Limits | None = None,
                 display: str | None = None) -> Profile:
    """A profile file (a path, or a resource a plugin ships), validated strictly.

    `display` is the file as errors name it (the path as the user wrote it; by default the
    file's name); the profile keeps it and its text, so that errors found when it is applied
    name the file, the key path and the line too.
    """
    limits = limits or Limits()
    shown = display or path.name
    data = _read(path, PackError, limits, shown)
    doc = parse_toml(data, shown, PackError)
    text = decode_text(data, shown, PackError)

    def locate(parts: Sequence[str | int]) -> str:
        return located(text, parts)

    check_tree(doc, shown, limits, PackError, locate)
    if set(doc) != {"profile"}:
        stray = sorted(set(doc) - {"profile"})
        hint = did_you_mean(stray[0], ["profile"]) if stray else None
        nested = {"select": "[profile.select]", "changes": "[[profile.changes]]",
                  "add": "[[profile.add]]"}.get(stray[0] if stray else "")
        raise PackError(
            "a profile file holds one [profile] table",
            code="profile.invalid",
            file=shown,
            location=locate(stray[:1]) if stray else None,
            expected="[profile] (with [profile.select], [[profile.changes]], [[profile.add]])",
            found=", ".join(sorted(doc)) or "an empty file",
            fix=f"did you mean {hint!r}?" if hint else f"write it as {nested}" if nested else
            "start the file with [profile] and put every table under it",
        )
    try:
        profile = Profile.model_validate(doc["profile"])
    except ValidationError as exc:
        raise pydantic_error(exc, Profile, file=shown, prefix=["profile"],
                             locate=locate) from None
    return profile.read_from(shown, text)


def load_waivers(path: Path, limits: Limits | None = None) -> list[Waiver]:
    limits = limits or Limits()
    # As given on the command line (as profiles are named), with the line of each key.
    name = path.name if path.is_absolute() else str(path)
    data = _read(path, WaiverError, limits)
    doc = parse_toml(data, name, WaiverError)
    text = data.decode("utf-8", errors="replace")
    check_tree(doc, name, limits, WaiverError, locate=lambda keys: located(text, keys))

    def at(*keys: str | int) -> str:
        return located(text, keys)

    extra = sorted(set(doc) - {"waivers"})
    if extra or not isinstance(doc.get("waivers"), list):
        hint = did_you_mean(extra[0], ["waivers"]) if extra else None
        raise WaiverError(
            "a waiver file holds [[waivers]] tables",
            code="waiver.invalid",
            file=name,
            location=extra[0] if extra else "waivers",
            expected="[[waivers]] with rule, justification, approver, granted, expires, risk "
                     "(and optionally organisation)",
            found=", ".join(sorted(doc)) or "an empty file",
            fix=f"did you mean {hint!r}?" if hint else "write each waiver as [[waivers]]",
        )
    waivers: list[Waiver] = []
    seen: set[tuple[str, str | None]] = set()
    for index, raw in enumerate(doc["waivers"]):
        try:
            waiver = Waiver.model_validate(raw)
        except ValidationError as exc:
            raise pydantic_error(exc, Waiver, file=name, prefix=["waivers", index],
                                 error=WaiverError, locate=lambda keys: located(text, keys)
                                 ) from None
        if waiver.expires < waiver.granted:
            raise WaiverError(
                "a waiver expires before it is granted",
                code="waiver.dates",
                file=name,
                location=at("waivers", index, "expires"),
                expected=f"a date on or after {waiver.granted.isoformat()}",
                found=waiver.expires.isoformat(),
                fix="correct the dates",
            )
        key = (waiver.rule, waiver.organisation)
        if key in seen:
            whom = f" for {waiver.organisation}" if waiver.organisation else ""
            raise WaiverError(
                f"two waivers for rule {waiver.rule!r}{whom}",
                code="waiver.duplicate",
                file=name,
                location=at("waivers", index, "rule"),
                expected="one waiver per rule and organisation",
                found=repr(waiver.rule),
                fix="merge them into one",
            )
        seen.add(key)
        waivers.append(waiver)
    return waivers


def check_waiver_rules(waivers: Sequence[Waiver], rule_ids: Iterable[str], file: str) -> None:
    """Refuse a waiver whose rule is not loaded but is close to one that is: a typo would
    otherwise leave that rule unwaived without a word. A waiver for a rule of a pack outside
    this run (nothing close to it is loaded) is kept, so one waiver file can serve every pack."""
    loaded = set(rule_ids)
    for index, waiver in enumerate(waivers):
        if waiver.rule in loaded:
            continue
        hint = did_you_mean(waiver.rule, loaded)
        if hint:
            raise WaiverError(
                f"no loaded rule {waiver.rule!r}",
                code="waiver.unknown-rule",
                file=file,
                location=f"waivers[{index}].rule",
                expected="the id of a loaded rule",
                found=repr(waiver.rule),
                fix=f"did you mean {hint!r}?",
            )


#: What every record has, and what renderers and audits read without further checks.
_RECORD_PARTS: dict[str, type] = {
    "engine": dict, "organisation": dict, "assessment": dict, "packs": list,
    "evidence": dict, "scoring": dict, "outcomes": list, "scores": dict,
}


def load_record(path: Path, limits: Limits | None = None, *, roadmap: bool = True
                ) -> dict[str, Any]:
    """An assessment record, checked as far as the reports and audits rely on its shape
    (`roadmap=False`: all but the roadmap, for commands that do not read it)."""
    limits = limits or Limits()
    # Records are larger and a few levels deeper than the evidence they hold.
    record_limits = replace(limits, max_file_bytes=max(limits.max_file_bytes, 1 << 28),
                            max_depth=limits.max_depth + 8)
    data = _read(path, RecordError, record_limits)
    if not data.strip():
        raise RecordError(
            "not an assessment record: the file is empty",
            code="record.invalid",
            file=path.name,
            expected="a JSON record written by `maturity assess`",
            found="an empty file",
            fix="pass a record produced by maturity assess --format json",
        )
    # orjson when installed: a record is about 200 kB, and the reference parser's check for
    # repeated keys doubles its time (the fast parser checks them another way, in the walk
    # that checks the limits).
    from maturity.record import RECORD_VERSION

    record, checked = parse_json_checked(data, path.name, record_limits, RecordError)
    version = record.get("record_version") if isinstance(record, dict) else None
    if type(version) is int and version > RECORD_VERSION:
        raise RecordError(
            "a record written by a newer maturity",
            code="record.newer",
            file=path.name,
            location="record_version",
            expected=f"record_version {RECORD_VERSION}, which this maturity reads",
            found=f"record_version {version}",
            fix="upgrade maturity (pip install --upgrade maturity) to read it",
        )
    if not isinstance(record, dict) or version != RECORD_VERSION:
        raise RecordError(
            "not an assessment record",
            code="record.invalid",
            file=path.name,
            location="record_version",
            expected="a JSON record written by `maturity assess` (a record_version key)",
            found=(f"record_version {version!r}" if isinstance(record, dict)
                   and "record_version" in record else "no record_version key"
                   if isinstance(record, dict) else kind_of(record)),
            fix="pass a record produced by maturity assess --format json",
        )
    if not checked:
        check_tree(record, path.name, record_limits, RecordError)
    for key, kind in _RECORD_PARTS.items():
        if not isinstance(record.get(key), kind):
            raise RecordError(
                f"not a complete assessment record: {key!r} is missing or malformed",
                code="record.invalid",
                file=path.name,
                location=key,
                expected=f"a {'table' if kind is dict else 'list'} (as `maturity assess` "
                         "writes it)",
                found=kind_of(record[key]) if key in record else "nothing",
                fix="pass the record as maturity assess wrote it (re-run the assessment)",
            )
    for index, outcome in enumerate(record["outcomes"]):
        if not isinstance(outcome, dict) or not all(
            isinstance(outcome.get(k), str) for k in ("rule", "pack", "status")
        ):
            raise RecordError(
                "not a complete assessment record: a malformed outcome",
                code="record.invalid",
                file=path.name,
                location=f"outcomes[{index}]",
                expected="a table with rule, pack and status",
                found=kind_of(outcome),
                fix="pass the record as maturity assess wrote it (re-run the assessment)",
            )
    _check_shape(record, path.name, roadmap)
    return record


def _check_shape(record: dict[str, Any], file: str, roadmap: bool) -> None:
    """Every value the record commands read, of the kind `maturity assess` writes: a record
    edited by hand is refused here, with the key that is wrong, rather than failing inside a
    report."""
    from maturity.record_shape import CohortShape, RecordShape

    shape = RecordShape if roadmap else CohortShape
    try:
        shape.model_validate(record)
    except ValidationError as exc:
        found = pydantic_error(exc, shape, file=file, error=RecordError)
        raise RecordError(
            f"not a complete assessment record: {found.message}",
            code="record.invalid",
            file=file,
            location=found.location,
            expected=found.expected,
            found=found.found,
            fix="pass the record as maturity assess wrote it (re-run the assessment)",
        ) from None
