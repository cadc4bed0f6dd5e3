"""The evidence schema, derived from the packs: every key, its type, what it means, who reads it.

People filling in evidence need to know which keys exist and what they take; the packs already
say it through their checks. The schema feeds the fill-in templates (TOML, XLSX) and
`maturity evidence check`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from maturity.errors import did_you_mean
from maturity.evidence import HEADER_KEYS
from maturity.model import EvidenceBundle
from maturity.ruleset import RuleSet

__all__ = ["KeySpec", "check_evidence", "evidence_schema", "template_toml"]

#: Value types a key can take, named for people filling in templates.
TYPE_BY_OPERATOR = {
    "gt": "number", "ge": "number", "lt": "number", "le": "number", "between": "number",
    "graded": "number", "linear": "number", "min_items": "list", "share_of": "list",
    "choice": "choice", "within_days": "date", "document": "document",
}


@dataclass
class KeySpec:
    key: str
    type: str
    allowed: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    max_age_days: int | None = None

    @property
    def meaning(self) -> str:
        if not self.titles:
            return ""
        head = self.titles[0]
        return head if len(self.titles) == 1 else f"{head} (and {len(self.titles) - 1} more)"


def _scalar_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "text"


def _leaves(check: Any) -> Iterator[tuple[str, str, Any]]:
    """(path, operator, parameter) for every leaf of a raw check table."""
    if not isinstance(check, dict):
        return
    for key, value in check.items():
        if key in ("all", "any") and isinstance(value, list):
            for item in value:
                yield from _leaves(item)
        elif key == "not":
            yield from _leaves(value)
        elif key == "at_least" and isinstance(value, dict):
            for item in value.get("of", []):
                yield from _leaves(item)
        elif key != "path" and isinstance(check.get("path"), str):
            yield check["path"], key, value


def _type_of(operator: str, parameter: Any) -> tuple[str, list[str]]:
    if operator == "is":
        return _scalar_type(parameter), []
    if operator == "in":
        return _scalar_type(parameter[0]), [str(p) for p in parameter]
    if operator == "share_of":
        return "list", [str(p) for p in parameter]
    if operator == "choice":
        return "choice", [str(p) for p in parameter]
    return TYPE_BY_OPERATOR.get(operator, "any"), []


def evidence_schema(rules: RuleSet) -> dict[str, KeySpec]:
    """Every evidence key the loaded rules read, sorted by key."""
    specs: dict[str, KeySpec] = {}
    for compiled in rules.rules:
        rule = compiled.rule
        checks = [rule.check] + ([rule.applies.when] if rule.applies else [])
        for check in checks:
            for path, operator, parameter in _leaves(check):
                if path.split(".")[0] in HEADER_KEYS:
                    continue
                kind, allowed = _type_of(operator, parameter)
                spec = specs.get(path)
                if spec is None:
                    spec = specs[path] = KeySpec(path, kind)
                elif kind != "any" and spec.type != kind:
                    if spec.type == "any":
                        spec.type = kind
                    else:
                        spec.conflicts.append(f"{rule.id} reads it as {kind}, not {spec.type}")
                for option in allowed:
                    if option not in spec.allowed:
                        spec.allowed.append(option)
                if rule.id not in spec.rules:
                    spec.rules.append(rule.id)
                    spec.titles.append(rule.title)
                if kind == "document" and rule.max_evidence_age_days is not None:
                    spec.max_age_days = min(spec.max_age_days or rule.max_evidence_age_days,
                                            rule.max_evidence_age_days)
    return dict(sorted(specs.items()))


_EXAMPLES = {
    "boolean": "true",
    "number": "0",
    "date": "2026-01-31",
    "list": "[]",
    "document": '{ document = "documents/NAME.pdf", sha256 = "", collected = 2026-01-31 }',
    "text": '""',
    "any": '""',
}


def _example(spec: KeySpec) -> str:
    if spec.type == "choice" and spec.allowed:
        return f'"{spec.allowed[0]}"'
    if spec.type == "list" and spec.allowed:
        return "[" + ", ".join(f'"{a}"' for a in spec.allowed[:2]) + "]"
    if spec.type == "text" and spec.allowed:
        return f'"{spec.allowed[0]}"'
    return _EXAMPLES.get(spec.type, '""')


def template_toml(schema: dict[str, KeySpec]) -> str:
    """A fill-in TOML template: every key commented out with its meaning, type and readers.

    Keys stay commented until someone fills them in, so an untouched template never passes a
    rule by accident.
    """
    lines = [
        "# Evidence template generated by `maturity evidence template`.",
        "# Uncomment each line you can evidence and fill in the value; leave unknowns commented",
        "# (they are reported as not assessed, never as passed).",
        "",
        "[organisation]",
        'id = "organisation-id"',
        'name = "Organisation name"',
        'kind = "ministry"            # ministry | agency | municipality | other',
        'country = ""',
        "delivers_services = true",
        "",
        "[assessment]",
        "as_of = 2026-12-31",
        'period = "2026"',
        "",
        "[submission]",
        'by = "Name, unit"',
        "on = 2026-12-01",
    ]
    table = None
    for key, spec in schema.items():
        parent, _, leaf = key.rpartition(".")
        if parent != table:
            lines += ["", f"[{parent}]" if parent else "# top level"]
            table = parent
        kind = spec.type + (": " + ", ".join(spec.allowed) if spec.allowed else "")
        lines.append(f"# {spec.meaning}")
        lines.append(f"# type: {kind}; read by {', '.join(spec.rules)}")
        lines.append(f"# {leaf} = {_example(spec)}")
    return "\n".join(lines) + "\n"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "document" if _is_reference(value) else "table"
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
            return "date" if len(value) == 10 else "text"
        except ValueError:
            return "text"
    return type(value).__name__


def _is_reference(value: Any) -> bool:
    """A document reference is a table whose `document` key holds a path (as the loader reads)."""
    return isinstance(value, dict) and isinstance(value.get("document"), str)


def _flatten(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not _is_reference(value):
            yield from _flatten(value, path + ".")
        else:
            yield path, value


def check_evidence(bundle: EvidenceBundle, rules: RuleSet) -> list[str]:
    """Findings for the people who fill in evidence; an empty list means nothing to fix."""
    schema = evidence_schema(rules)
    findings: list[str] = []
    data = {k: v for k, v in bundle.data.items() if k not in HEADER_KEYS}
    present = dict(_flatten(data))
    for key, value in present.items():
        spec = schema.get(key)
        if spec is None:
            hint = did_you_mean(key, schema)
            findings.append(f"unknown key {key}" + (f" (did you mean {hint}?)" if hint else
                                                    " (no loaded rule reads it)"))
            continue
        found = _kind(value)
        expected = {"choice": "text"}.get(spec.type, spec.type)
        if expected not in ("any", found) and not (expected == "text" and found == "date"):
            findings.append(f"wrong type at {key}: expected {spec.type}, found {found}")
        elif spec.allowed and spec.type in ("choice", "text") and value not in spec.allowed:
            hint = did_you_mean(str(value), spec.allowed)
            findings.append(f"value at {key} is not one of {', '.join(spec.allowed)}: "
                            f"found {value!r}" + (f" (did you mean {hint!r}?)" if hint else ""))
        elif spec.allowed and spec.type == "list" and isinstance(value, list):
            findings += _list_findings(key, value, spec.allowed)
    missing: dict[str, list[str]] = {}
    for key, spec in schema.items():
        if key not in present:
            missing.setdefault(", ".join(spec.rules), []).append(key)
    for readers, keys in sorted(missing.items(), key=lambda kv: kv[1][0]):
        findings.append(f"missing {', '.join(keys)}: would unlock {readers}")
    for doc in sorted(bundle.documents.values(), key=lambda d: d.path):
        if doc.sha256 is None:
            findings.append(f"document {doc.path} is referenced but not in the bundle")
        elif doc.declared_sha256 is None:
            findings.append(f"document {doc.path} has no sha256 in its reference "
                            f"(its sha256 is {doc.sha256})")
        elif doc.declared_sha256 != doc.sha256:
            findings.append(f"document {doc.path}: declared sha256 {doc.declared_sha256} "
                            f"does not match the file ({doc.sha256})")
        if doc.collected is None:
            findings.append(f"document {doc.path} has no collection date")
        elif bundle.as_of is not None and doc.collected > bundle.as_of:
            findings.append(f"document {doc.path} was collected {doc.collected.isoformat()}, "
                            f"after the assessment date {bundle.as_of.isoformat()}: the "
                            "assessment refuses it")
        elif bundle.as_of is not None:
            for key, value in present.items():
                spec = schema.get(key)
                if (spec and spec.max_age_days and isinstance(value, dict)
                        and value.get("document") == doc.path
                        and (bundle.as_of - doc.collected).days > spec.max_age_days):
                    findings.append(f"document {doc.path} is stale: collected "
                                    f"{doc.collected.isoformat()}, older than "
                                    f"{spec.max_age_days} days for {key}")
    return findings


def _list_findings(key: str, items: list[Any], allowed: Sequence[str]) -> list[str]:
    """A "choose all that apply" list counts only the allowed values it holds: an item spelt
    otherwise lowers the credit in silence, and an item given twice counts once."""
    findings: list[str] = []
    seen: set[Any] = set()
    for item in items:
        if isinstance(item, str) and item not in allowed:
            hint = did_you_mean(item, allowed)
            findings.append(f"value at {key} holds {item!r}, which no rule counts (allowed: "
                            f"{', '.join(allowed)})"
                            + (f"; did you mean {hint!r}?" if hint else ""))
        elif isinstance(item, Hashable) and item in seen:
            findings.append(f"value at {key} lists {item!r} twice (it counts once)")
        if isinstance(item, Hashable):
            seen.add(item)
    return findings


def schema_markdown(schema: dict[str, KeySpec], packs: list[str]) -> str:
    """The evidence schema as a Markdown page for the people who fill in evidence."""
    lines = [
        "# Evidence schema",
        "",
        "Generated from the packs " + ", ".join(f"`{p}`" for p in packs)
        + " by `maturity evidence schema`; do not edit by hand.",
        "",
        "Types: `boolean`, `number`, `date` (YYYY-MM-DD), `choice` (one of the allowed values),"
        " `list` (of the allowed values), `document` (a reference"
        ' `{ document = "documents/x.pdf", sha256 = "…", collected = 2026-01-31 }`), `text`.',
        "",
        "A bundle directory's evidence files are the files a loader reads beside its header;"
        " the lock files office software leaves beside an open file (`~$x.xlsx`,"
        " `.~lock.x.xlsx#`) are not read.",
        "",
        "| key | type | allowed values | meaning | read by |",
        "|---|---|---|---|---|",
    ]
    for key, spec in schema.items():
        allowed = ", ".join(f"`{a}`" for a in spec.allowed)
        meaning = spec.meaning.replace("|", "\\|")
        lines.append(f"| `{key}` | {spec.type} | {allowed} | {meaning} | "
                     f"{', '.join(spec.rules)} |")
    return "\n".join(lines) + "\n"
