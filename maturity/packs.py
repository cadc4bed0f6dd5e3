"""Loading rule packs from TOML and compiling them into a `RuleSet`.

A pack is a directory: `pack.toml` (the header) and any number of rule files. Loading reads
the bytes once, hashes them, validates every table strictly and reports the first problem with
the file, the rule id and the key path. Compiling lives in the pure `maturity.ruleset`; its
names are re-exported here for convenience.
"""

from __future__ import annotations

import functools
import hashlib
import re
import typing
from collections.abc import Callable, Mapping, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from maturity.errors import InputError, PackError, did_you_mean, format_location
from maturity.formats import check_tree, parse_toml, read_input
from maturity.keylines import located
from maturity.limits import Limits
from maturity.model import SLUG_PATTERN, PackHeader, Refusal, Rule, RulePack
from maturity.ruleset import CompiledRule, RuleSet, compile_rules

__all__ = [
    "CompiledRule",
    "RuleSet",
    "compile_rules",
    "load_pack_dir",
    "pack_from_documents",
    "pydantic_error",
    "read_pack_id",
]


def pydantic_error(
    exc: ValidationError,
    model: type[BaseModel],
    *,
    file: str,
    prefix: Sequence[str | int] = (),
    subject: str = "",
    error: type[InputError] = PackError,
    locate: Callable[[Sequence[str | int]], str] = format_location,
) -> InputError:
    """Turn the most telling pydantic error into one actionable message.

    An unknown key comes first: a misspelt key is also reported as the missing key it was
    meant to be, and "unknown key 'titel' (did you mean 'title'?)" is the message that helps.
    `locate` renders the key path (with its line, when the caller has the file's text).
    """
    errors = exc.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = [*prefix, *first["loc"]]
    where = locate(loc)
    if subject:
        where = f"{subject}: {where}"
    kind = first["type"]
    found = first.get("input")
    if kind == "extra_forbidden":
        key = str(first["loc"][-1])
        allowed = _allowed_keys(model, first["loc"][:-1])
        suggestion = did_you_mean(key, allowed) if allowed else None
        return error(
            f"unknown key {key!r}",
            code=f"{error.default_code}.unknown-key",
            file=file,
            location=where,
            expected="one of " + ", ".join(sorted(allowed)) if allowed else "no such key",
            found=repr(key),
            fix=f"did you mean {suggestion!r}?" if suggestion else "remove the key",
        )
    if kind == "missing":
        key = str(first["loc"][-1])
        stamped = key == "source" and "translations" not in first["loc"] and any(
            field in model.model_fields for field in ("locale", "messages"))
        return error(
            f"missing key {key!r}",
            code=f"{error.default_code}.missing-key",
            file=file,
            location=where,
            expected=f"a value for {key!r}",
            found="nothing",
            # A catalogue's `source` is the hash of the English it translates: a tool writes it.
            fix="stamp the translation: .venv/bin/python scripts/i18n.py stamp FILE (a source "
                "is never typed by hand)" if stamped else "add the key",
        )
    message = first["msg"].removeprefix("Value error, ")
    expected = message.removeprefix("Input should be ")
    fix = _fix_for(kind, found, first.get("ctx") or {})
    if kind == "string_pattern_mismatch" and first.get("ctx", {}).get("pattern") == SLUG_PATTERN:
        expected = "lowercase letters, digits and hyphens, from a letter or digit"
    refusal = (first.get("ctx") or {}).get("error")
    shown = _short(found)
    if isinstance(refusal, Refusal):
        # One of our validators: it says what it wanted and how to fix it, and may point
        # into the value it refused (the second of two tables, say).
        expected, fix = refusal.expected, refusal.fix
        if refusal.at:
            where = locate([*loc, *refusal.at])
            if subject:
                where = f"{subject}: {where}"
        if refusal.found is not None:
            shown = refusal.found
    return error(
        message,
        code=f"{error.default_code}.invalid-value",
        file=file,
        location=where,
        expected=expected,
        found=shown,
        fix=fix,
    )


def _fix_for(kind: str, found: Any, ctx: Mapping[str, Any]) -> str:
    """How to correct a value pydantic refused, in the words of the file's author."""
    if kind in ("bool_type", "bool_parsing"):
        return "write true or false, without quotes"
    if kind == "string_type" and isinstance(found, int | float) and not isinstance(found, bool):
        return f'write it as text, in quotes: "{found}"'
    if kind in ("int_type", "int_parsing", "float_type", "float_parsing", "int_from_float"):
        return "write a number, without quotes"
    if kind.startswith("date_"):
        return "write the date as YYYY-MM-DD"
    if kind == "string_too_short":
        return "write the text (it may not be empty)"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == SLUG_PATTERN and isinstance(
            found, str):
        slug = re.sub(r"[^a-z0-9]+", "-", found.lower()).strip("-")
        return f"e.g. {slug!r}" if slug else "use lowercase letters, digits and hyphens"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return "write a number in that range"
    return "correct the value"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The field names of the (nested) model that a location points into."""
    current: Any = model
    keyed = False  # the previous part was a table of entries by key (`owners.<id>`)
    for part in loc:
        if isinstance(part, int) or keyed:
            keyed = False
            continue
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return []
        annotation = fields[part].annotation
        keyed = typing.get_origin(annotation) is dict
        current = _inner_model(annotation)
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def pack_from_documents(
    header_file: str,
    header_doc: dict[str, Any],
    rule_docs: Sequence[tuple[str, dict[str, Any]]],
    *,
    origin: str,
    sha256: str,
    texts: Mapping[str, bytes] | None = None,
) -> RulePack:
    """Validate parsed pack files into a `RulePack` (pure: no file access)."""
    unknown = sorted(set(header_doc) - {"pack"})
    if unknown or "pack" not in header_doc:
        raise PackError(
            "a pack header file holds one [pack] table" if "pack" in header_doc or not unknown
            else f"unknown top-level key {unknown[0]!r} in the pack header",
            code="pack.header",
            file=header_file,
            location=unknown[0] if unknown else None,
            expected="[pack] with id, version, title, source, dimensions",
            found=", ".join(sorted(header_doc)) or "an empty file",
            fix="put rules in other files of the pack directory" if "rules" in unknown
            else "start the file with [pack]",
        )
    try:
        header = PackHeader.model_validate(header_doc["pack"])
    except ValidationError as exc:
        raise pydantic_error(
            exc, PackHeader, file=header_file, prefix=["pack"],
            locate=functools.partial(located, _text(texts, header_file)),
        ) from None
    rules: list[Rule] = []
    rule_files: dict[str, str] = {}
    rule_places: dict[str, str] = {}
    rule_indices: dict[str, int] = {}
    for file, doc in rule_docs:
        extra = sorted(set(doc) - {"rules"})
        if extra:
            raise PackError(
                f"unknown top-level key {extra[0]!r}",
                code="pack.unknown-key",
                file=file,
                location=extra[0],
                expected="only [[rules]] tables in a rule file",
                found=repr(extra[0]),
                fix="did you mean 'rules'?" if did_you_mean(extra[0], ["rules"]) else
                "move the header to pack.toml",
            )
        raw_rules = doc.get("rules", [])
        if not isinstance(raw_rules, list):
            raise PackError(
                "`rules` must be an array of tables",
                code="pack.invalid-value",
                file=file,
                location="rules",
                expected="[[rules]] tables",
                found=type(raw_rules).__name__,
                fix="write each rule as [[rules]]",
            )
        if not raw_rules:
            # An emptied rule file would silently drop its rules from every score.
            raise PackError(
                "the rule file holds no rules",
                code="pack.empty",
                file=file,
                expected="[[rules]] tables",
                found="no [[rules]]",
                fix="add rules, or remove the file from the pack directory",
            )
        for index, raw in enumerate(raw_rules):
            rule_id = raw.get("id") if isinstance(raw, dict) else None
            subject = f"rule {rule_id}" if isinstance(rule_id, str) else ""
            try:
                rule = Rule.model_validate(raw)
            except ValidationError as exc:
                raise pydantic_error(
                    exc, Rule, file=file, prefix=["rules", index], subject=subject,
                    locate=functools.partial(located, _text(texts, file)),
                ) from None
            place = f"{file}, rules[{index}]"
            if rule.id in rule_places:
                raise PackError(
                    f"duplicate rule id {rule.id!r}",
                    code="pack.duplicate-rule",
                    file=file,
                    location=f"rule {rule.id}: rules[{index}].id",
                    expected="rule ids unique across all loaded packs",
                    found=f"{rule.id!r} also in {rule_places[rule.id]}",
                    fix="rename one of the two rules",
                )
            rule_places[rule.id] = place
            rule_indices[rule.id] = index
            rules.append(rule)
            rule_files[rule.id] = file
    pack = RulePack(
        header=header, rules=tuple(rules), sha256=sha256, origin=origin, rule_files=rule_files
    )
    if texts is None:
        return pack
    return pack.read_from({f: t for f in rule_files.values() if (t := _text(texts, f))},
                          rule_indices)


def _text(texts: Mapping[str, bytes] | None, file: str) -> str | None:
    """A pack file's text, for the line of an error (None when unknown or not UTF-8)."""
    data = (texts or {}).get(file)
    try:
        return data.decode("utf-8") if data is not None else None
    except UnicodeDecodeError:
        return None


def load_pack_dir(
    directory: Path | Traversable, *, origin: str, display: str, limits: Limits
) -> RulePack:
    """Read a pack directory (a real path, or a resource inside an installed package)."""
    header_path = directory / "pack.toml"
    if not header_path.is_file():
        raise PackError(
            "not a rule pack: pack.toml is missing",
            code="pack.not-found",
            file=display,
            expected="a directory with pack.toml and rule files",
            found="no pack.toml",
            fix="point at the pack's directory",
        )
    names = sorted(
        entry.name for entry in directory.iterdir()
        if entry.name.endswith(".toml") and entry.is_file()
    )
    # Imported here: the fast parsers' module reads evidence, which imports this one.
    from maturity.fastparse import toml_parser

    parse = toml_parser()
    digest = hashlib.sha256()
    docs: list[tuple[str, dict[str, Any]]] = []
    texts: dict[str, bytes] = {}
    rule_count = 0
    for name in names:
        shown = f"{display}/{name}"
        data = read_input(directory / name, shown, limits, PackError)
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
        doc = parse(data, shown, PackError)
        check_tree(doc, shown, limits, PackError)
        rule_count += len(doc.get("rules", ())) if isinstance(doc.get("rules"), list) else 0
        if rule_count > limits.max_rules:
            raise PackError(
                "too many rules",
                code="pack.too-many-rules",
                file=shown,
                expected=f"at most {limits.max_rules} rules (limit max_rules)",
                found=f"{rule_count} so far",
                fix="raise the limit if this is intended",
            )
        docs.append((shown, doc))
        texts[shown] = data
    header = next(doc for shown, doc in docs if shown.endswith("/pack.toml"))
    rule_docs = [(shown, doc) for shown, doc in docs if not shown.endswith("/pack.toml")]
    return pack_from_documents(
        f"{display}/pack.toml", header, rule_docs, origin=origin, sha256=digest.hexdigest(),
        texts=texts,
    )


def read_pack_id(directory: Path | Traversable, *, display: str, limits: Limits) -> str:
    """A pack's id from its header alone (cheap), so runs read only the packs they use.

    A header that does not give a valid id is loaded in full, for the full error message.
    """
    header = directory / "pack.toml"
    if header.is_file():
        data = header.read_bytes()
        if len(data) <= limits.max_file_bytes:
            try:
                doc = parse_toml(data, f"{display}/pack.toml", PackError)
            except PackError:
                doc = {}
            pack = doc.get("pack")
            if isinstance(pack, dict) and isinstance(pack.get("id"), str):
                try:
                    return PackHeader.model_validate(pack).id
                except ValidationError:
                    pass
    return load_pack_dir(directory, origin="", display=display, limits=limits).id
