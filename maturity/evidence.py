"""Reading evidence bundles from disk: header, merged evidence tree, hashes of every file.

A bundle is a directory holding a `bundle.*` header and evidence files, or a single file with
the header inside. Every file and every referenced document is hashed; a document reference
that escapes the bundle (`..`, an absolute path, a symlink pointing outside) is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from maturity.errors import EvidenceError, format_location
from maturity.formats import check_tree
from maturity.limits import Limits
from maturity.model import DocumentInfo, EvidenceBundle, EvidenceFile, Organisation, Submission
from maturity.packs import pydantic_error

__all__ = [
    "HEADER_KEYS",
    "EvidenceLoader",
    "bundle_from_tree",
    "discover_bundles",
    "load_bundle",
    "read_evidence_file",
]

HEADER_KEYS = ("organisation", "assessment", "submission", "not_applicable")
Parser = Callable[[bytes, str, Limits], Any]


@dataclass(frozen=True, slots=True)
class EvidenceLoader:
    """Parses one kind of evidence file into a tree (registered through a hook)."""

    name: str
    suffixes: tuple[str, ...]
    parse: Parser


class _Assessment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    as_of: dt.date | None = None
    period: str | None = None


_Justification = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=2000)]
_PackId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=100)]
_RuleRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
                                           max_length=100)]


class _Header(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    organisation: Organisation
    assessment: _Assessment = _Assessment()
    submission: Submission | None = None
    #: `[not_applicable.<pack id>]`: rule id = "why this rule does not apply to us".
    not_applicable: dict[_PackId, dict[_RuleRef, _Justification]] = {}


# Document hashes are cached by (path, size, mtime): a national batch re-reads the same shared
# documents many times.
_HASH_CACHE: dict[tuple[str, int, int], str] = {}


def _sha256_file(path: Path) -> tuple[str, int]:
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    cached = _HASH_CACHE.get(key)
    if cached is not None:
        return cached, stat.st_size
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    _HASH_CACHE[key] = digest.hexdigest()
    return _HASH_CACHE[key], stat.st_size


def read_evidence_file(
    path: Path, display: str, loaders: Mapping[str, EvidenceLoader], limits: Limits
) -> tuple[Any, EvidenceFile]:
    loader = loaders.get(path.suffix.lower())
    if loader is None:
        raise EvidenceError(
            f"no evidence loader for {path.suffix or 'files without a suffix'}",
            code="evidence.unknown-format",
            file=display,
            expected="one of " + ", ".join(sorted(loaders)),
            found=path.suffix or "no suffix",
            fix="convert the file or install a plugin that reads it",
        )
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise EvidenceError(
            "file too large",
            code="file.too-large",
            file=display,
            expected=f"at most {limits.max_file_bytes} bytes (limit max_file_bytes)",
            found=f"{size} bytes",
            fix="split the evidence, move long texts into documents, or raise the limit",
        )
    data = path.read_bytes()
    if not data.strip():
        raise EvidenceError(
            "the file is empty",
            code="evidence.empty",
            file=display,
            expected="evidence data",
            found="an empty file",
            fix="fill it in or remove it from the bundle",
        )
    tree = loader.parse(data, display, limits)
    if not isinstance(tree, dict):
        raise EvidenceError(
            "evidence must be a table at the top level",
            code="evidence.not-a-table",
            file=display,
            expected="a table (key = value pairs)",
            found=type(tree).__name__,
            fix="wrap the values in a table",
        )
    check_tree(tree, display, limits, EvidenceError)
    info = EvidenceFile(display, hashlib.sha256(data).hexdigest(), len(data))
    return tree, info


def _merge(
    into: dict[str, Any], tree: Mapping[str, Any], origins: dict[str, str], file: str,
    prefix: tuple[str, ...] = (),
) -> None:
    for key, value in tree.items():
        path = (*prefix, key)
        dotted = ".".join(path)
        if key in into:
            if isinstance(into[key], dict) and isinstance(value, dict):
                _merge(into[key], value, origins, file, path)
                continue
            raise EvidenceError(
                f"the key {dotted!r} is given twice",
                code="evidence.duplicate-key",
                file=file,
                location=dotted,
                expected="each evidence key in one file only",
                found=f"also in {origins.get(dotted, 'another file')}",
                fix="keep one of the two values",
            )
        into[key] = value
        origins[dotted] = file


def _is_bundle_header(name: str, loaders: Mapping[str, EvidenceLoader]) -> bool:
    stem, _, suffix = name.rpartition(".")
    return stem == "bundle" and f".{suffix.lower()}" in loaders


def load_bundle(
    path: Path,
    *,
    loaders: Mapping[str, EvidenceLoader],
    limits: Limits,
    display: str | None = None,
) -> EvidenceBundle:
    """Read one bundle (directory or single file) into an `EvidenceBundle`."""
    shown = display or path.name
    if not path.exists():
        raise EvidenceError(
            "no such file or directory",
            code="evidence.not-found",
            file=shown,
            expected="an evidence bundle directory or file",
            found="nothing at that path",
            fix="check the path",
        )
    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    files: list[EvidenceFile] = []
    if path.is_dir():
        root = path
        names = sorted(
            entry.name for entry in path.iterdir()
            if entry.is_file() and entry.suffix.lower() in loaders
        )
        if not any(_is_bundle_header(n, loaders) for n in names):
            raise EvidenceError(
                "not an evidence bundle: no bundle header",
                code="evidence.no-header",
                file=shown,
                expected="a bundle.toml (or .json/.yaml) with [organisation]",
                found=", ".join(names) or "no evidence files",
                fix="add bundle.toml (see `maturity evidence template`)",
            )
        header_file = next(n for n in names if _is_bundle_header(n, loaders))
        for name in names:
            entry = path / name
            tree, info = read_evidence_file(entry, f"{shown}/{name}", loaders, limits)
            if name != header_file:
                stray = sorted(set(tree) & set(HEADER_KEYS))
                if stray:
                    raise EvidenceError(
                        f"[{stray[0]}] belongs in the bundle header",
                        code="evidence.header-elsewhere",
                        file=info.path,
                        location=stray[0],
                        expected=f"[{stray[0]}] only in {header_file}",
                        found=f"[{stray[0]}] in {name}",
                        fix=f"move it to {header_file}",
                    )
            _merge(merged, tree, origins, info.path)
            files.append(EvidenceFile(name, info.sha256, info.size))
        header_display = f"{shown}/{header_file}"
    else:
        root = path.parent
        tree, info = read_evidence_file(path, shown, loaders, limits)
        merged = tree
        files.append(EvidenceFile(path.name, info.sha256, info.size))
        header_display = shown
    documents = _collect_documents(merged, root, header_display, limits)
    return bundle_from_tree(merged, source=shown, header_file=header_display,
                            files=tuple(files), documents=documents)


def bundle_from_tree(
    tree: dict[str, Any],
    *,
    source: str,
    header_file: str,
    files: tuple[EvidenceFile, ...] = (),
    documents: Mapping[str, DocumentInfo] | None = None,
) -> EvidenceBundle:
    """Validate the header of a merged evidence tree (pure: used by loaders from plugins too)."""
    header_doc = {k: tree[k] for k in HEADER_KEYS if k in tree}
    if "organisation" not in header_doc:
        raise EvidenceError(
            "missing [organisation] header",
            code="evidence.no-header",
            file=header_file,
            location="organisation",
            expected="[organisation] with id, name and kind",
            found="no organisation table",
            fix="add the header (see docs/rules.md, Evidence bundles)",
        )
    try:
        header = _Header.model_validate(header_doc)
    except ValidationError as exc:
        raise pydantic_error(exc, _Header, file=header_file, error=EvidenceError) from None
    data = {k: v for k, v in tree.items()
            if k not in ("assessment", "submission", "not_applicable")}
    return EvidenceBundle(
        source=source,
        organisation=header.organisation,
        as_of=header.assessment.as_of,
        period=header.assessment.period,
        submission=header.submission,
        data=data,
        files=files,
        documents=dict(documents or {}),
        not_applicable={pack: dict(rules) for pack, rules in header.not_applicable.items()},
    )


def _document_refs(
    tree: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(tree, dict):
        if isinstance(tree.get("document"), str):
            yield format_location(path), tree
            return
        for key, value in tree.items():
            yield from _document_refs(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _document_refs(value, (*path, index))


def _collect_documents(
    tree: dict[str, Any], root: Path, file: str, limits: Limits
) -> dict[str, DocumentInfo]:
    documents: dict[str, DocumentInfo] = {}
    real_root = root.resolve()
    for location, ref in _document_refs(tree):
        name = ref["document"]

        def refuse(reason: str, found: str, location: str = location, name: str = name) -> None:
            raise EvidenceError(
                f"document reference {reason}",
                code="evidence.document-outside",
                file=file,
                location=location,
                expected="a relative path inside the bundle directory, e.g. documents/plan.pdf",
                found=found,
                fix="copy the document into the bundle and reference it relatively",
            )

        pure = PurePosixPath(name)
        if not name or "\\" in name or "\0" in name:
            refuse("is not a plain relative path", repr(name))
        if pure.is_absolute() or (len(name) > 1 and name[1] == ":"):
            refuse("is an absolute path", repr(name))
        if ".." in pure.parts:
            refuse("leaves the bundle with '..'", repr(name))
        declared = ref.get("sha256")
        collected = ref.get("collected")
        if declared is not None and (
            not isinstance(declared, str) or len(declared) != 64
            or any(c not in "0123456789abcdef" for c in declared)
        ):
            raise EvidenceError(
                "invalid sha256 in a document reference",
                code="evidence.document-hash",
                file=file,
                location=f"{location}.sha256",
                expected="64 lowercase hex digits",
                found=repr(declared)[:80],
                fix="recompute it with `sha256sum` or remove it",
            )
        if collected is not None:
            if isinstance(collected, str):
                try:
                    collected = dt.date.fromisoformat(collected)
                except ValueError:
                    collected = None
            if not isinstance(collected, dt.date):
                raise EvidenceError(
                    "invalid collection date in a document reference",
                    code="evidence.document-date",
                    file=file,
                    location=f"{location}.collected",
                    expected="a date YYYY-MM-DD",
                    found=repr(ref.get("collected"))[:80],
                    fix="write the date the document was collected",
                )
        extra = sorted(set(ref) - {"document", "sha256", "collected", "title"})
        if extra:
            raise EvidenceError(
                f"unknown key {extra[0]!r} in a document reference",
                code="evidence.unknown-key",
                file=file,
                location=f"{location}.{extra[0]}",
                expected="document, sha256, collected, title",
                found=repr(extra[0]),
                fix="remove the key",
            )
        target = root / name
        sha: str | None = None
        size: int | None = None
        if target.is_symlink() or target.exists():
            resolved = target.resolve()
            if not resolved.is_relative_to(real_root):
                refuse("points outside the bundle (through a symbolic link)", repr(name))
            if resolved.is_file():
                sha, size = _sha256_file(resolved)
        if name not in documents:
            if len(documents) >= limits.max_documents:
                raise EvidenceError(
                    "too many documents",
                    code="evidence.too-many-documents",
                    file=file,
                    location=location,
                    expected=f"at most {limits.max_documents} (limit max_documents)",
                    found=f"more than {limits.max_documents}",
                    fix="raise the limit if this is intended",
                )
            documents[name] = DocumentInfo(name, sha, size, declared, collected)
    return documents


def discover_bundles(
    root: Path, loaders: Mapping[str, EvidenceLoader]
) -> list[Path]:
    """Bundle directories below `root` (a directory with a bundle header), in sorted order.

    Sorting makes a batch's output independent of the order the file system lists entries.
    """
    found: list[Path] = []
    for directory, subdirs, names in os.walk(root, followlinks=False):
        subdirs.sort()
        if any(_is_bundle_header(n, loaders) for n in names):
            found.append(Path(directory))
            subdirs[:] = []
    return sorted(found)
