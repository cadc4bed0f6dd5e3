"""A synthetic national cohort: a rule pack of N rules and evidence bundles of ~250 values.

The rules use the check kinds of the built-in packs in roughly their proportions (share of
options selected, equality, graded choices, documents, linear and graded thresholds, date
freshness, list counts, and `all` / `at_least` / `any` / `not` over them); some apply only to
organisations that deliver services, some have a maximum evidence age. Bundles vary every value
(some missing, a few of the wrong type, lists with stray items), so every path of the engine is
exercised. Everything is derived from a seed: the same arguments give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from maturity.model import DocumentInfo

__all__ = [
    "AS_OF",
    "DOCUMENTS",
    "Value",
    "bundle",
    "bundle_json",
    "pack_files",
    "schema",
    "write_bundle_dirs",
    "write_pack",
]

AS_OF = dt.date(2026, 10, 31)
NAMESPACES = ("strategy", "governance", "data", "services", "users", "platforms", "security",
              "talent", "openness", "procurement", "proactive", "finance")
DIMENSIONS = ("digital-by-design", "data-driven", "government-as-a-platform",
              "open-by-default", "user-driven", "proactiveness")
OPTIONS = ("targets", "timeframes", "budget", "owners", "action-plan", "indicators",
           "citizens", "businesses", "civil-society", "academia", "frontline-staff")
STATUSES = ("none", "in-preparation", "draft", "adopted", "implemented")
KINDS = ("flag", "flag", "flag", "status", "status", "options", "options", "options",
         "options", "percent", "percent", "count", "date", "date", "document")
DOCUMENT_COUNT = 20


def _document_text(k: int) -> bytes:
    return f"# Document {k}\n\nA shared national template, version {k}.\n".encode()


#: The documents every synthetic bundle may reference, as the loader would describe them.
DOCUMENTS: dict[str, DocumentInfo] = {
    f"documents/doc-{k:02d}.md": DocumentInfo(
        f"documents/doc-{k:02d}.md",
        hashlib.sha256(_document_text(k)).hexdigest(),
        len(_document_text(k)),
        None,
        AS_OF - dt.timedelta(days=60 * k),
    )
    for k in range(DOCUMENT_COUNT)
}


@dataclass(frozen=True, slots=True)
class Value:
    """One evidence value of the schema: where it lives and what it holds."""

    path: str
    kind: str
    options: tuple[str, ...] = ()


def schema(size: int = 250, seed: int = 7) -> list[Value]:
    """`size` evidence values spread over namespaces and sub-tables, as real bundles are."""
    rng = random.Random(seed)
    values: list[Value] = []
    table = 0
    while len(values) < size:
        namespace = NAMESPACES[table % len(NAMESPACES)]
        sub = f"area{table // len(NAMESPACES):02d}"
        for j in range(rng.randint(3, 7)):
            if len(values) == size:
                break
            kind = rng.choice(KINDS)
            options: tuple[str, ...] = ()
            if kind == "options":
                options = tuple(rng.sample(OPTIONS, rng.randint(3, 7)))
            elif kind == "status":
                options = STATUSES[: rng.randint(3, 5)]
            values.append(Value(f"{namespace}.{sub}.{kind}_{j}", kind, options))
        table += 1
    return values


def _leaf(value: Value, rng: random.Random) -> dict[str, Any]:
    path = value.path
    roll = rng.random()
    if value.kind == "flag":
        return {"path": path, "is": True}
    if value.kind == "status":
        if roll < 0.7:
            steps = len(value.options) - 1
            return {"path": path, "choice": {o: round(i / steps, 2)
                                             for i, o in enumerate(value.options)}}
        if roll < 0.85:
            return {"path": path, "in": list(value.options[-2:])}
        return {"path": path, "is": value.options[-1]}
    if value.kind == "options":
        if roll < 0.75:
            return {"path": path, "share_of": list(value.options)}
        if roll < 0.85:
            return {"path": path, "share_of": list(value.options[:3])}
        if roll < 0.95:
            return {"path": path, "min_items": rng.randint(1, 3)}
        return {"path": path, "non_empty": True}
    if value.kind == "percent":
        if roll < 0.5:
            low = rng.choice((0, 10, 20, 30))
            return {"path": path, "linear": [low, rng.choice((75, 90, 100))]}
        if roll < 0.7:
            return {"path": path, "graded": [[0, 0.0], [25, 0.25], [50, 0.5], [90, 1.0]]}
        if roll < 0.85:
            return {"path": path, "ge": rng.choice((50, 60, 80))}
        if roll < 0.95:
            return {"path": path, "between": [20, 80]}
        return {"path": path, "le": 95}
    if value.kind == "count":
        if roll < 0.6:
            return {"path": path, "graded": [[0, 0.0], [1, 0.5], [3, 1.0]]}
        return {"path": path, "ge": rng.choice((1, 2, 4))}
    if value.kind == "date":
        return {"path": path, "within_days": rng.choice((365, 730, 1095))}
    return {"path": path, "document": True}


def _check(values: list[Value], rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < 0.78:
        return _leaf(rng.choice(values), rng)
    if roll < 0.86:
        flags = [v for v in values if v.kind == "flag"]
        dates = [v for v in values if v.kind == "date"]
        return {"all": [_leaf(rng.choice(flags), rng), _leaf(rng.choice(dates), rng)]}
    if roll < 0.94:
        return {"at_least": {"n": 2, "of": [_leaf(rng.choice(values), rng) for _ in range(3)]}}
    if roll < 0.98:
        return {"any": [_leaf(rng.choice(values), rng) for _ in range(2)]}
    flags = [v for v in values if v.kind == "flag"]
    return {"not": _leaf(rng.choice(flags), rng)}


def _paths(check: dict[str, Any]) -> list[str]:
    if "path" in check:
        return [check["path"]]
    if "at_least" in check:
        return [p for c in check["at_least"]["of"] for p in _paths(c)]
    if "not" in check:
        return _paths(check["not"])
    return [p for c in next(iter(check.values())) for p in _paths(c)]


def pack_files(rules: int, seed: int = 11, values: list[Value] | None = None
               ) -> dict[str, str]:
    """The pack's files (`pack.toml`, `rules.toml`) as TOML text."""
    rng = random.Random(seed * 1000 + rules)
    values = values or schema()
    header = {"pack": {
        "id": "synthetic",
        "version": "1.0.0",
        "title": f"Synthetic benchmark pack ({rules} rules)",
        "source": "benchmarks/synthetic.py",
        "dimensions": [{"id": d, "name": d.replace("-", " ").capitalize()} for d in DIMENSIONS],
        "facets": [{"id": f"{d}-{k}", "name": f"{d} {k}", "dimension": d}
                   for d in DIMENSIONS for k in ("a", "b", "c")],
    }}
    out: list[dict[str, Any]] = []
    for i in range(rules):
        dimension = DIMENSIONS[i % len(DIMENSIONS)]
        check = _check(values, rng)
        rule: dict[str, Any] = {
            "id": f"SYN-{i:04d}",
            "title": f"Synthetic rule {i}",
            "rationale": "Generated for the benchmark.",
            "dimension": dimension,
            "facet": f"{dimension}-{'abc'[i % 3]}",
            "level": rng.choice((1, 1, 2, 2, 2, 3, 3, 4, 5)),
            "weight": round(rng.uniform(0.2, 1.5), 2),
            "evidence": sorted(set(_paths(check))),
            "check": check,
            "remediation": {"action": "Act on it.", "effort": rng.randint(1, 12),
                            "owner": "chief-digital-officer"},
        }
        if rng.random() < 0.08:
            rule["applies"] = {"when": {"path": "organisation.delivers_services", "is": True},
                               "reason": "only for organisations that deliver services"}
        if "document" in json.dumps(check) and rng.random() < 0.5:
            rule["max_evidence_age_days"] = 730
        out.append(rule)
    return {"pack.toml": tomli_w.dumps(header), "rules.toml": tomli_w.dumps({"rules": out})}


def write_pack(directory: Path, rules: int, seed: int = 11) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in pack_files(rules, seed).items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


def _set(tree: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[last] = value


def _value(value: Value, rng: random.Random, tampered: set[str]) -> Any:
    if rng.random() < 0.005:  # the wrong type, as a hurried form-filler writes it
        return "n/a" if value.kind != "options" else 3
    if value.kind == "flag":
        return rng.random() < 0.6
    if value.kind == "status":
        return rng.choice(value.options)
    if value.kind == "options":
        chosen = [o for o in value.options if rng.random() < 0.55]
        rng.shuffle(chosen)
        if rng.random() < 0.08:
            chosen.append("other")
        return chosen
    if value.kind == "percent":
        return rng.randint(0, 100) if rng.random() < 0.7 else round(rng.uniform(0, 100), 1)
    if value.kind == "count":
        return rng.randint(0, 6)
    if value.kind == "date":
        return (AS_OF - dt.timedelta(days=rng.randint(0, 1500))).isoformat()
    name = f"documents/doc-{rng.randrange(DOCUMENT_COUNT):02d}.md"
    info = DOCUMENTS[name]
    # A document that does not match its declared hash does so wherever it is referenced.
    ref: dict[str, Any] = {"document": name,
                           "sha256": "0" * 64 if name in tampered else info.sha256}
    if info.collected is not None:
        ref["collected"] = info.collected.isoformat()
    return ref


def bundle(index: int, values: list[Value] | None = None, seed: int = 3) -> dict[str, Any]:
    """One organisation's evidence tree, header included (JSON-able: dates as ISO text)."""
    rng = random.Random(seed * 1_000_003 + index)
    values = values or schema()
    kind = rng.choices(("ministry", "agency", "municipality"), (1, 3, 6))[0]
    tree: dict[str, Any] = {
        "organisation": {
            "id": f"org-{index:06d}",
            "name": f"Organisation {index}",
            "kind": kind,
            "country": "MER",
            "parent": "government-of-meridia" if kind != "municipality"
            else f"region-{index % 12:02d}",
            "delivers_services": rng.random() < 0.8,
        },
        "assessment": {"as_of": AS_OF.isoformat(), "period": "2026"},
        "submission": {"by": "Strategy unit", "on": (AS_OF - dt.timedelta(days=10)).isoformat()},
    }
    tampered = {name for name in sorted(DOCUMENTS) if rng.random() < 0.1}
    for value in values:
        if rng.random() >= 0.05:
            _set(tree, value.path, _value(value, rng, tampered))
    return tree


def bundle_json(index: int, values: list[Value] | None = None) -> bytes:
    return json.dumps(bundle(index, values), separators=(",", ":")).encode()


def write_bundle_dirs(root: Path, count: int, *, per_directory: int = 1000,
                      values: list[Value] | None = None) -> Iterator[Path]:
    """`count` bundles as directories holding one `bundle.json`, grouped `per_directory` to a
    folder (as a national export would be, by region)."""
    values = values or schema()
    for index in range(count):
        directory = root / f"group-{index // per_directory:03d}" / f"org-{index:06d}"
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "bundle.json").write_bytes(bundle_json(index, values))
        yield directory
