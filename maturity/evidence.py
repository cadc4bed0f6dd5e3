"""Reading evidence bundles from disk: header, merged evidence tree, hashes of every file.

A bundle is a directory holding a `bundle.*` header and evidence files, or a single file with
the header inside, or one line of a bundle stream (JSON Lines: a `.jsonl` file holding one
bundle per line, as a JSON object with its header tables; named `FILE.jsonl:LINE`). Every file,
line and referenced document is hashed; a document reference that escapes the bundle (`..`,
an absolute path, a symlink pointing outside) is refused. A stream's documents lie beside it.
Office lock files in a bundle directory are not evidence; a link there with an evidence suffix
that leads to no file is refused, as is a directory's header given without its directory.
"""

from __future__ import annotations

import datetime as dt
import difflib
import errno
import functools
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from maturity.checks import document_refs
from maturity.errors import EvidenceError, did_you_mean, format_location
from maturity.formats import check_tree, kind_of, read_input
from maturity.limits import Limits
from maturity.model import DocumentInfo, EvidenceBundle, EvidenceFile, Organisation, Submission
from maturity.packs import pydantic_error

__all__ = [
    "HEADER_KEYS",
    "EvidenceLoader",
    "bundle_from_tree",
    "has_bundle_header",
    "is_stream",
    "line_ref",
    "load_bundle",
    "load_stream_bundle",
    "read_evidence_file",
    "stream_line",
    "stream_lines",
    "walk_bundles",
]

HEADER_KEYS = ("organisation", "assessment", "submission", "not_applicable")
Parser = Callable[[bytes, str, Limits], Any]


@dataclass(frozen=True, slots=True)
class EvidenceLoader:
    """Parses one kind of evidence file into a tree (registered through a hook)."""

    name: str
    suffixes: tuple[str, ...]
    parse: Parser
    #: Whether a table `parse` returns has already passed `check_tree` with the limits it was
    #: given, so it is not walked again (maturity's fast JSON parser clears the tree in the
    #: walk that proves it is the reference parser's).
    checks_limits: bool = False


class _Assessment(BaseModel):
    # Strict: a number is not a date (lax mode would read 20261031 as a Unix timestamp).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
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
    # A factory, not `{}`: pydantic would deep-copy a mutable default for every bundle.
    not_applicable: dict[_PackId, dict[_RuleRef, _Justification]] = Field(default_factory=dict)


# Document hashes are cached by (path, size, mtime in ns): a national batch re-reads the same
# shared documents many times. Bounded, oldest entries first out.
_HASH_CACHE: dict[tuple[str, int, int], str] = {}
_HASH_CACHE_SIZE = 4096


def _sha256_file(path: str | Path, info: os.stat_result | None = None) -> tuple[str, int]:
    """The file's hash and size, cached by path, size and modification time (`info`: the
    file's status, when the caller has it)."""
    found = info or os.stat(path)
    key = (os.fspath(path), found.st_size, found.st_mtime_ns)
    cached = _HASH_CACHE.get(key)
    if cached is not None:
        return cached, found.st_size
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if len(_HASH_CACHE) >= _HASH_CACHE_SIZE:
        del _HASH_CACHE[next(iter(_HASH_CACHE))]
    _HASH_CACHE[key] = digest.hexdigest()
    return _HASH_CACHE[key], found.st_size


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
    data = read_input(path, display, limits, EvidenceError)
    return parse_evidence(data, display, loader, limits)


def parse_evidence(data: bytes, display: str, loader: EvidenceLoader, limits: Limits
                   ) -> tuple[Any, EvidenceFile]:
    """An evidence file's tree, checked, and its hash."""
    # A bundle's header cannot be removed: it says whose evidence this is.
    stem, _, suffix = display.rpartition("/")[2].rpartition(".")
    header = stem == "bundle" and f".{suffix.lower()}" in loader.suffixes
    fix = ("fill in its [organisation] and [assessment] tables (`maturity evidence template` "
           "shows them)" if header else "fill it in or remove it from the bundle")
    if not data.strip():
        raise EvidenceError(
            "the file is empty",
            code="evidence.empty",
            file=display,
            expected="a bundle header" if header else "evidence data",
            found="an empty file",
            fix=fix,
        )
    tree = loader.parse(data, display, limits)
    if tree is None:  # a YAML file of comments, a JSON null
        raise EvidenceError(
            "the file holds no evidence",
            code="evidence.empty",
            file=display,
            expected="a bundle header" if header else "evidence data",
            found="only comments, or null",
            fix=fix,
        )
    if not isinstance(tree, dict):
        raise EvidenceError(
            "evidence must be a table at the top level",
            code="evidence.not-a-table",
            file=display,
            expected="a table (key = value pairs)",
            found=kind_of(tree),
            fix="wrap the values in a table",
        )
    if not loader.checks_limits:
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
            first = next((origins[".".join(path[:n])] for n in range(len(path), 0, -1)
                          if ".".join(path[:n]) in origins), "another file")
            raise EvidenceError(
                f"the key {dotted!r} is given twice",
                code="evidence.duplicate-key",
                file=file,
                location=dotted,
                expected="each evidence key in one file only",
                found=f"also in {first}",
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
    line = stream_line(path)
    if line is not None:
        return _load_line(line[0], line[1], shown, loaders, limits)
    if is_stream(path):
        raise EvidenceError(
            "a bundle stream holds a bundle per line",
            code="evidence.stream",
            file=shown,
            expected="one bundle: a directory, a bundle file, or one line of the stream",
            found="a JSON Lines stream",
            fix=f"name one line as {path.name}:LINE (`maturity assess` takes the whole stream)",
        )
    if not path.exists():
        _refuse_line_number(path, shown)
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
    documents: dict[str, DocumentInfo] = {}
    if path.is_dir():
        root = path
        real_root = root.resolve()
        names, dangling = _evidence_names(path, loaders)
        if dangling:
            name, what = dangling[0]
            raise EvidenceError(
                "the link does not lead to an evidence file",
                code="evidence.broken-link",
                file=f"{shown}/{name}",
                expected="an evidence file",
                found=what,
                fix="remove the link or restore its target",
            )
        for name in names:
            if not (path / name).resolve().is_relative_to(real_root):
                raise EvidenceError(
                    "the evidence file points outside the bundle (through a symbolic link)",
                    code="evidence.outside",
                    file=f"{shown}/{name}",
                    expected="evidence files inside the bundle directory",
                    found="a symbolic link to a file elsewhere",
                    fix="copy the file into the bundle",
                )
        headers = [n for n in names if _is_bundle_header(n, loaders)]
        if len(headers) > 1:
            raise EvidenceError(
                "two bundle headers",
                code="evidence.two-headers",
                file=shown,
                expected="one bundle header",
                found=", ".join(headers),
                fix="keep one of them",
            )
        if not headers:
            raise EvidenceError(
                "not an evidence bundle: no bundle header",
                code="evidence.no-header",
                file=shown,
                expected="a bundle.toml (or .json/.yaml) with [organisation]",
                found=", ".join(names) or "no evidence files",
                fix="add bundle.toml (see `maturity evidence template`)",
            )
        header_file = headers[0]
        for name in names:
            entry = path / name
            tree, info = read_evidence_file(entry, f"{shown}/{name}", loaders, limits)
            if name == header_file:
                _check_header_keys(tree, info.path)
            else:
                if not tree:
                    raise EvidenceError(
                        "the file holds no evidence",
                        code="evidence.empty",
                        file=info.path,
                        expected="evidence data",
                        found="no keys (only comments or an empty table)",
                        fix="fill it in or remove it from the bundle",
                    )
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
            _collect_documents(tree, root, info.path, limits, documents)
            _merge(merged, tree, origins, info.path)
            files.append(EvidenceFile(name, info.sha256, info.size))
        header_display = f"{shown}/{header_file}"
    else:
        root = path.parent
        _refuse_lone_header(path, shown, loaders)
        tree, info = read_evidence_file(path, shown, loaders, limits)
        _check_header_keys(tree, shown)
        _collect_documents(tree, root, shown, limits, documents)
        merged = tree
        files.append(EvidenceFile(path.name, info.sha256, info.size))
        header_display = shown
    return bundle_from_tree(merged, source=shown, header_file=header_display,
                            files=tuple(files), documents=documents, origins=origins)


def _is_lock_file(name: str) -> bool:
    """Office writes a lock file beside a document while it is open (Excel and Word
    `~$x.xlsx`, LibreOffice `.~lock.x.xlsx#`): not evidence, and not readable as such."""
    return name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#"))


def _evidence_names(directory: Path, loaders: Mapping[str, EvidenceLoader]
                    ) -> tuple[list[str], list[tuple[str, str]]]:
    """The evidence files of a bundle directory, sorted (the files a loader reads, lock files
    left out), and its links with an evidence suffix that lead nowhere, with what they are:
    skipping such a link would silently drop the evidence it stood for."""
    names: list[str] = []
    dangling: list[tuple[str, str]] = []
    for entry in directory.iterdir():
        if entry.suffix.lower() not in loaders or _is_lock_file(entry.name):
            continue
        if entry.is_file():
            names.append(entry.name)
        elif entry.is_symlink():
            try:
                entry.stat()
            except OSError as exc:
                if exc.errno not in _ABSENT:
                    raise
                dangling.append((entry.name, "a symbolic link loop" if exc.errno == errno.ELOOP
                                 else "a broken symbolic link (its target is missing)"))
    return sorted(names), sorted(dangling)


def _refuse_lone_header(path: Path, shown: str, loaders: Mapping[str, EvidenceLoader]) -> None:
    """A bundle directory's header given alone would be assessed without the evidence beside
    it: every rule not assessed, a score of 0, and nothing to say why."""
    if not _is_bundle_header(path.name, loaders):
        return
    others = [n for n in _evidence_names(path.parent, loaders)[0] if n != path.name]
    if not others:
        return
    # As the user can type it from where they are, never an absolute path.
    folder = "." if str(path.parent) == "." else path.parent.name or "."
    listed = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    raise EvidenceError(
        "the header of a bundle directory, given alone: the bundle's other files would be "
        "ignored",
        code="evidence.lone-header",
        file=shown,
        expected="the bundle directory, or a single-file bundle with no evidence files beside it",
        found=f"evidence files beside it: {listed}",
        fix=f"pass the directory {folder} instead of {path.name}",
    )


def _refuse_line_number(path: Path, shown: str) -> None:
    """`FILE.jsonl:0` (or any line that is not a number from 1) of a stream that exists is a
    wrong line number, not a missing file."""
    stream, colon, line = path.name.rpartition(":")
    if (not colon or not stream.lower().endswith(STREAM_SUFFIXES)
            or not is_stream(path.with_name(stream))):
        return
    message, expected = "not a line number of the stream", "a line number from 1"
    fix = f"name a line as {stream}:1 (its first line), {stream}:2, …"
    if line.isascii() and line.isdigit():
        if int(line) == 0:
            message = "line numbers of a stream start at 1"
        elif line.startswith("0"):
            message = "a line number is written without leading zeros"
            fix = f"name it as {stream}:{int(line)}"
        else:
            message = "line number too large"
            expected = "a line number from 1, of 12 digits at most"
    raise EvidenceError(
        message,
        code="evidence.line-number",
        file=shown,
        expected=expected,
        found=(line if line.isprintable() else repr(line))[:40] or "nothing after the colon",
        fix=fix,
    )


#: Suffixes of a bundle stream: one bundle per line, each a JSON object (JSON Lines).
STREAM_SUFFIXES = (".jsonl", ".ndjson")
#: A line of a stream, as a bundle's source names it: `FILE.jsonl:LINE`.
_LINE_REF = re.compile(r"^(?P<file>.+\.(?:jsonl|ndjson)):(?P<line>[1-9][0-9]{0,11})$",
                       re.IGNORECASE)


def is_stream(path: Path) -> bool:
    """Whether `path` is a bundle stream (a JSON Lines file)."""
    return path.suffix.lower() in STREAM_SUFFIXES and path.is_file()


def line_ref(name: str) -> tuple[str, int] | None:
    """(the stream's name, the line number) when `name` reads `FILE.jsonl:LINE`."""
    found = _LINE_REF.match(name)
    return (found["file"], int(found["line"])) if found is not None else None


def stream_line(path: Path) -> tuple[Path, int] | None:
    """(the stream, the line number) when `path` names a line of a stream that exists."""
    ref = line_ref(path.name)
    if ref is None or path.exists():
        return None
    stream = path.with_name(ref[0])
    return (stream, ref[1]) if is_stream(stream) else None


def stream_lines(path: Path, limits: Limits) -> Iterator[tuple[int, bytes]]:
    """The bundles of a stream: (line number from 1, the line without its line break), blank
    lines skipped, read one line at a time. A line longer than `max_file_bytes` comes cut one
    byte past the limit (the rest is skipped), so that `load_stream_bundle` refuses it.

    A stream without a bundle (empty, or blank lines only) is refused once read, as a directory
    without one is: a run over it would otherwise succeed with nothing assessed."""
    cap = limits.max_file_bytes + 1
    found = False
    with path.open("rb") as handle:
        number = 0
        while True:
            line = handle.readline(cap)
            if not line:
                break
            number += 1
            if len(line) == cap and not line.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
            elif line.endswith(b"\n"):
                line = line[:-2] if line.endswith(b"\r\n") else line[:-1]
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if line.strip():
                found = True
                yield number, line
    if not found:
        raise EvidenceError(
            "no evidence bundle found",
            code="evidence.no-bundles",
            file=path.name,
            expected="a bundle stream: one bundle a line, each a JSON object",
            found="an empty file" if number == 0 else f"{number} blank line(s)",
            fix="add the bundles, one JSON object a line, or leave the stream out",
        )


def load_stream_bundle(
    text: bytes,
    *,
    root: Path,
    display: str,
    loaders: Mapping[str, EvidenceLoader],
    limits: Limits,
) -> EvidenceBundle:
    """One line of a bundle stream, read as a single-file JSON bundle whose documents lie in
    `root` (the stream's directory); the line is hashed as the bundle's one file."""
    loader = loaders.get(".json")
    if loader is None:  # pragma: no cover - the built-in plugin registers it
        raise EvidenceError(
            "no evidence loader for JSON", code="evidence.unknown-format", file=display,
            expected="the built-in JSON loader", found="none registered",
            fix="install maturity with its built-in plugin")
    if len(text) > limits.max_file_bytes:
        raise EvidenceError(
            "line too large",
            code="file.too-large",
            file=display,
            expected=f"at most {limits.max_file_bytes} bytes a line (limit max_file_bytes)",
            found=f"more than {limits.max_file_bytes} bytes",
            fix="move long texts into documents, or raise the limit "
                "(--limit max_file_bytes=N)",
        )
    try:
        tree, info = parse_evidence(text, display, loader, limits)
    except EvidenceError as exc:
        # The line is the stream's, named in `file`: the position within it is its column.
        if exc.location and exc.location.startswith("line 1, column "):
            exc.location = exc.location.removeprefix("line 1, ")
        raise
    _check_header_keys(tree, display)
    documents: dict[str, DocumentInfo] = {}
    _collect_documents(tree, root, display, limits, documents)
    return bundle_from_tree(tree, source=display, header_file=display,
                            files=(EvidenceFile(display, info.sha256, info.size),),
                            documents=documents)


def _load_line(path: Path, line: int, display: str, loaders: Mapping[str, EvidenceLoader],
               limits: Limits) -> EvidenceBundle:
    number = 0
    for number, text in stream_lines(path, limits):
        if number == line:
            return load_stream_bundle(text, root=path.parent, display=display,
                                      loaders=loaders, limits=limits)
        if number > line:
            break
    raise EvidenceError(
        "no bundle on that line of the stream",
        code="evidence.not-found",
        file=display,
        expected=f"a JSON object on line {line} of {path.name}",
        found="a blank line" if number > line else "fewer lines",
        fix="check the line number, or pass the bundle's own file",
    )


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_HEADER_DATES = (("assessment", "as_of"), ("submission", "on"))


def _dates_from_text(header: dict[str, Any]) -> dict[str, Any]:
    """JSON has no date type, so its headers write dates as text: read exactly `YYYY-MM-DD`.

    Anything else (a time, a time zone, 30 February) stays text and fails validation.
    """
    out = dict(header)
    for table, key in _HEADER_DATES:
        value = out.get(table, {}).get(key) if isinstance(out.get(table), dict) else None
        if isinstance(value, str) and _ISO_DATE.match(value):
            try:
                out[table] = {**out[table], key: dt.date.fromisoformat(value)}
            except ValueError:
                continue
    return out


@functools.lru_cache(maxsize=4096)
def _near_header(key: str) -> tuple[str, ...]:
    """The header table `key` nearly spells, if any (the same keys recur in every bundle of a
    batch)."""
    return tuple(difflib.get_close_matches(key, HEADER_KEYS, n=1, cutoff=0.85))


def _check_header_keys(tree: Mapping[str, Any], file: str) -> None:
    """A near miss of a header table (`[assesment]`) would otherwise pass as evidence."""
    for key in sorted(tree):
        if key in HEADER_KEYS:
            continue
        close = _near_header(key)
        if close:
            raise EvidenceError(
                f"unknown header table {key!r}",
                code="evidence.unknown-key",
                file=file,
                location=key,
                expected="header tables " + ", ".join(HEADER_KEYS) + ", then evidence",
                found=repr(key),
                fix=f"did you mean {close[0]!r}?",
            )


def bundle_from_tree(
    tree: dict[str, Any],
    *,
    source: str,
    header_file: str,
    files: tuple[EvidenceFile, ...] = (),
    documents: Mapping[str, DocumentInfo] | None = None,
    origins: Mapping[str, str] | None = None,
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
        header = _Header.model_validate(_dates_from_text(header_doc))
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
        origins=dict(origins or {}),
    )


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_REF_KEYS = ("document", "sha256", "collected", "title")


def _collect_documents(
    tree: dict[str, Any], root: Path, file: str, limits: Limits,
    documents: dict[str, DocumentInfo],
) -> None:
    """Check the document references of one evidence file and add them to `documents`."""
    real_root = root.resolve()
    base = str(root)
    folders: dict[str, str | None] = {}
    for keys, ref in document_refs(tree):
        location = format_location(keys)
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

        if not name or "\\" in name or "\0" in name:
            refuse("is not a plain relative path", repr(name))
        if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
            refuse("is an absolute path", repr(name))
        if _URL.match(name):
            refuse("is a URL", repr(name))
        if ".." in name.split("/"):
            refuse("leaves the bundle with '..'", repr(name))
        extra = sorted(set(ref) - set(_REF_KEYS))
        if extra:
            hint = did_you_mean(extra[0], _REF_KEYS)
            raise EvidenceError(
                f"unknown key {extra[0]!r} in a document reference",
                code="evidence.unknown-key",
                file=file,
                location=f"{location}.{extra[0]}",
                expected=", ".join(_REF_KEYS),
                found=repr(extra[0]),
                fix=f"did you mean {hint!r}?" if hint else "remove the key",
            )
        declared = ref.get("sha256")
        collected = ref.get("collected")
        if declared is not None and (
            not isinstance(declared, str) or len(declared) != 64
            or declared.strip("0123456789abcdef")
        ):
            lower = isinstance(declared, str) and re.fullmatch("[0-9a-fA-F]{64}", declared)
            raise EvidenceError(
                "invalid sha256 in a document reference",
                code="evidence.document-hash",
                file=file,
                location=f"{location}.sha256",
                expected="64 lowercase hex digits",
                found=repr(declared)[:80],
                fix="write it in lowercase" if lower
                else "recompute it with `sha256sum` or remove it",
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
        target = os.path.normpath(os.path.join(base, name))
        sha, size = _document_file(target, real_root, folders, refuse, name)
        if name not in documents:
            if len(documents) >= limits.max_documents:
                raise EvidenceError(
                    "too many documents",
                    code="evidence.too-many-documents",
                    file=file,
                    location=location,
                    expected=f"at most {limits.max_documents} (limit max_documents)",
                    found=f"more than {limits.max_documents}",
                    fix="raise the limit if this is intended (--limit max_documents=N)",
                )
            documents[name] = DocumentInfo(name, sha, size, declared, collected)
        else:
            # One file, one hash and one collection date: two references that disagree would
            # judge the same document fresh for one rule and stale for another. A reference
            # that leaves a detail out takes the other's.
            first = documents[name]
            clash = [what for what, mine, theirs in (
                ("sha256", declared, first.declared_sha256),
                ("collection date", collected, first.collected),
            ) if mine is not None and theirs is not None and mine != theirs]
            if clash:
                raise EvidenceError(
                    f"document {name!r} is referenced twice with another {clash[0]}",
                    code="evidence.document-conflict",
                    file=file,
                    location=location,
                    expected=f"sha256 {first.declared_sha256} and collected "
                             f"{first.collected.isoformat() if first.collected else None}, "
                             "as in its first reference",
                    found=f"sha256 {declared} and collected "
                          f"{collected.isoformat() if collected else None}",
                    fix="give every reference to the document the same sha256 and "
                        "collection date",
                )
            documents[name] = DocumentInfo(name, sha, size, first.declared_sha256 or declared,
                                           first.collected or collected)


def _document_file(target: str, real_root: Path, folders: dict[str, str | None],
                   refuse: Callable[[str, str], None], name: str
                   ) -> tuple[str | None, int | None]:
    """The hash and size of a referenced document (None, None when it is not a file there),
    refused when it resolves outside the bundle. `folders` keeps each folder's real path for
    the bundle's other references: a bundle names a few folders for many documents, and
    resolving a path costs a system call per component."""
    try:
        found = os.lstat(target)
    except OSError as exc:
        if exc.errno in _ABSENT:
            return None, None
        raise
    if stat.S_ISLNK(found.st_mode):
        resolved = Path(target).resolve()
        if not resolved.is_relative_to(real_root):
            refuse("points outside the bundle (through a symbolic link)", repr(name))
        return _sha256_file(resolved) if resolved.is_file() else (None, None)
    parent, leaf = os.path.split(target)
    if parent not in folders:
        real = Path(parent).resolve()
        folders[parent] = str(real) if real.is_relative_to(real_root) else None
    folder = folders[parent]
    if folder is None:
        refuse("points outside the bundle (through a symbolic link)", repr(name))
        return None, None  # pragma: no cover - refuse raises
    if not stat.S_ISREG(found.st_mode):
        return None, None
    return _sha256_file(os.path.join(folder, leaf), found)


#: What `Path.exists` takes for "not there" rather than an error.
_ABSENT = frozenset({errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP})


def has_bundle_header(path: Path, loaders: Mapping[str, EvidenceLoader]) -> bool:
    """Whether a directory is a bundle (it holds a `bundle.*` header a loader reads)."""
    with os.scandir(path) as entries:
        return any(_is_bundle_header(e.name, loaders) and e.is_file() for e in entries)


def walk_bundles(root: Path, loaders: Mapping[str, EvidenceLoader]) -> Iterator[Path]:
    """Bundle directories below `root`, in sorted order, one directory listing at a time.

    Sorting makes a batch's output independent of the order the file system lists entries;
    walking lazily keeps memory flat however many bundles there are. Links are not followed.
    """
    with os.scandir(root) as entries:
        listed = [(e.name, e.is_dir(follow_symlinks=False), e.is_file()) for e in entries]
    if any(is_file and _is_bundle_header(name, loaders) for name, _is_dir, is_file in listed):
        yield root
        return
    for name in sorted(name for name, is_dir, _is_file in listed if is_dir):
        yield from walk_bundles(root / name, loaders)
