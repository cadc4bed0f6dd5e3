"""Reading profiles, waiver files and records from disk into validated models."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from maturity.errors import PackError, RecordError, WaiverError
from maturity.formats import check_tree, parse_toml
from maturity.limits import Limits
from maturity.model import Waiver
from maturity.packs import pydantic_error
from maturity.profiles import Profile

__all__ = ["load_profile", "load_record", "load_waivers"]


def _read(path: Path | Traversable, error: type[PackError] | type[WaiverError] | type[RecordError],
          limits: Limits) -> bytes:
    if not path.is_file():
        raise error(
            "no such file",
            code=f"{error.default_code}.not-found",
            file=path.name,
            expected="an existing file",
            found="nothing at that path",
            fix="check the path",
        )
    data = path.read_bytes()
    if len(data) > limits.max_file_bytes:
        raise error(
            "file too large",
            code="file.too-large",
            file=path.name,
            expected=f"at most {limits.max_file_bytes} bytes (limit max_file_bytes)",
            found=f"{len(data)} bytes",
            fix="raise the limit if this is intended",
        )
    return data


def load_profile(path: Path | Traversable, limits: Limits | None = None) -> Profile:
    """A profile file (a path, or a resource a plugin ships), validated strictly."""
    limits = limits or Limits()
    doc = parse_toml(_read(path, PackError, limits), path.name, PackError)
    check_tree(doc, path.name, limits, PackError)
    if set(doc) != {"profile"}:
        raise PackError(
            "a profile file holds one [profile] table",
            code="profile.invalid",
            file=path.name,
            expected="[profile]",
            found=", ".join(sorted(doc)) or "an empty file",
            fix="start the file with [profile]",
        )
    try:
        return Profile.model_validate(doc["profile"])
    except ValidationError as exc:
        raise pydantic_error(exc, Profile, file=path.name, prefix=["profile"]) from None


def load_waivers(path: Path, limits: Limits | None = None) -> list[Waiver]:
    limits = limits or Limits()
    doc = parse_toml(_read(path, WaiverError, limits), path.name, WaiverError)
    check_tree(doc, path.name, limits, WaiverError)
    extra = sorted(set(doc) - {"waivers"})
    if extra or not isinstance(doc.get("waivers"), list):
        raise WaiverError(
            "a waiver file holds [[waivers]] tables",
            code="waiver.invalid",
            file=path.name,
            location=extra[0] if extra else "waivers",
            expected="[[waivers]] with rule, justification, approver, granted, expires, risk "
                     "(and optionally organisation)",
            found=", ".join(sorted(doc)) or "an empty file",
            fix="write each waiver as [[waivers]]",
        )
    waivers: list[Waiver] = []
    seen: set[tuple[str, str | None]] = set()
    for index, raw in enumerate(doc["waivers"]):
        try:
            waiver = Waiver.model_validate(raw)
        except ValidationError as exc:
            raise pydantic_error(exc, Waiver, file=path.name, prefix=["waivers", index],
                                 error=WaiverError) from None
        if waiver.expires < waiver.granted:
            raise WaiverError(
                "a waiver expires before it is granted",
                code="waiver.dates",
                file=path.name,
                location=f"waivers[{index}].expires",
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
                file=path.name,
                location=f"waivers[{index}].rule",
                expected="one waiver per rule and organisation",
                found=repr(waiver.rule),
                fix="merge them into one",
            )
        seen.add(key)
        waivers.append(waiver)
    return waivers


def load_record(path: Path, limits: Limits | None = None) -> dict[str, Any]:
    from maturity.formats import parse_json

    limits = limits or Limits()
    data = _read(path, RecordError, Limits(max_file_bytes=max(limits.max_file_bytes, 1 << 28)))
    record = parse_json(data, path.name, RecordError)
    if not isinstance(record, dict) or record.get("record_version") != 1:
        raise RecordError(
            "not an assessment record",
            code="record.invalid",
            file=path.name,
            location="record_version",
            expected="a JSON record written by `maturity assess` (record_version 1)",
            found=repr(record.get("record_version")) if isinstance(record, dict)
            else type(record).__name__,
            fix="pass a record produced by maturity assess --format json",
        )
    return record
