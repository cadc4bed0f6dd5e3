"""A realistic synthetic cohort made from the three example ministries, for tests and demos.

Every organisation is one example ministry's bundle (TOML evidence and documents) with its
evidence varied: each value may be taken from another example (so statuses, lists and numbers
stay within what real answers look like), numbers jitter, lists lose items, dates move back,
and a few keys go missing. Kinds and parents make a government: ministries under the
government, agencies under ministries, municipalities under regions. `write_periods` writes one
organisation over several years, improving. Everything is derived from the seed.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

__all__ = ["EXAMPLES", "write_cohort", "write_periods"]

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
_SOURCES = ("ministry-of-culture", "ministry-of-finance", "ministry-of-health")
_EVIDENCE = ("dgpf.toml", "talent.toml")


def _load(example: str, name: str) -> dict[str, Any]:
    return tomllib.loads((EXAMPLES / example / name).read_text(encoding="utf-8"))


def _alternatives(name: str) -> dict[tuple[str, ...], list[Any]]:
    """For every key path, the values the three examples give it."""
    found: dict[tuple[str, ...], list[Any]] = {}

    def walk(tree: dict[str, Any], prefix: tuple[str, ...]) -> None:
        for key, value in tree.items():
            path = (*prefix, key)
            if isinstance(value, dict) and "document" not in value:
                walk(value, path)
            else:
                found.setdefault(path, []).append(value)

    for example in _SOURCES:
        walk(_load(example, name), ())
    return found


def _vary(value: Any, rng: random.Random, as_of: dt.date) -> Any:
    if isinstance(value, bool):
        return value if rng.random() < 0.85 else not value
    if isinstance(value, int):
        return max(0, min(100, round(value * rng.uniform(0.6, 1.3))))
    if isinstance(value, float):
        return round(max(0.0, min(100.0, value * rng.uniform(0.6, 1.3))), 1)
    if isinstance(value, list):
        return [item for item in value if rng.random() > 0.2]
    if isinstance(value, dt.date):
        return min(as_of, value - dt.timedelta(days=rng.randint(0, 400)))
    return value


def _collected_by(value: Any, as_of: dt.date) -> Any:
    """A document reference collected by the assessment date: an earlier period's bundle
    cannot hold a document collected after it (the assessment refuses one)."""
    if isinstance(value, dict) and isinstance(value.get("collected"), dt.date):
        return {**value, "collected": min(as_of, value["collected"])}
    return value


def _tree(name: str, base: str, rng: random.Random, as_of: dt.date, mix: float,
          towards: str | None = None, progress: float = 0.0) -> dict[str, Any]:
    """One evidence file: the base example's, each value possibly from another example (or,
    with `towards`, from that example in proportion to `progress`), then varied."""
    options = _alternatives(name)
    target = _load(towards, name) if towards else None
    out: dict[str, Any] = {}

    def lookup(tree: dict[str, Any] | None, path: tuple[str, ...]) -> Any:
        for key in path:
            if not isinstance(tree, dict) or key not in tree:
                return None
            tree = tree[key]
        return tree

    def build(tree: dict[str, Any], prefix: tuple[str, ...], into: dict[str, Any]) -> None:
        for key, value in tree.items():
            path = (*prefix, key)
            if isinstance(value, dict) and "document" not in value:
                build(value, path, into.setdefault(key, {}))
                continue
            if rng.random() < 0.04:
                continue  # not answered
            if target is not None and rng.random() < progress:
                chosen = lookup(target, path)
                value = value if chosen is None else chosen
            elif rng.random() < mix:
                value = rng.choice(options[path])
            into[key] = _collected_by(_vary(value, rng, as_of) if rng.random() < 0.5 else value,
                                      as_of)

    build(_load(base, name), (), out)
    return out


def _write_bundle(directory: Path, header: dict[str, Any], evidence: dict[str, dict[str, Any]]
                  ) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "bundle.toml").write_text(tomli_w.dumps(header), encoding="utf-8")
    for name, tree in evidence.items():
        (directory / name).write_text(tomli_w.dumps(tree), encoding="utf-8")
    documents = directory / "documents"
    documents.mkdir(exist_ok=True)
    for example in _SOURCES:
        for document in sorted((EXAMPLES / example / "documents").iterdir()):
            shutil.copyfile(document, documents / document.name)
    return directory


def _header(org: str, name: str, kind: str, parent: str, as_of: dt.date, period: str,
            services: bool) -> dict[str, Any]:
    return {
        "organisation": {"id": org, "name": name, "kind": kind, "country": "MER",
                         "parent": parent, "delivers_services": services},
        "assessment": {"as_of": as_of, "period": period},
        "submission": {"by": f"Strategy unit, {name}", "on": as_of - dt.timedelta(days=14)},
    }


def write_cohort(root: Path, count: int, *, seed: int = 1, as_of: dt.date = dt.date(2026, 10, 31),
                 period: str = "2026") -> list[Path]:
    """`count` organisations in `root/<kind>/<id>/`: about 15 % ministries, 35 % agencies
    and half municipalities."""
    rng = random.Random(seed)
    ministries = [f"ministry-{i:03d}" for i in range(max(1, count * 15 // 100))]
    made: list[Path] = []
    for index in range(count):
        if index < len(ministries):
            kind, org, parent = "ministry", ministries[index], "government-of-meridia"
        elif rng.random() < 0.4:
            kind, org, parent = "agency", f"agency-{index:04d}", rng.choice(ministries)
        else:
            kind, org = "municipality", f"municipality-{index:04d}"
            parent = f"region-{rng.randrange(8):02d}"
        base = rng.choice(_SOURCES)
        name = org.replace("-", " ").title()
        header = _header(org, name, kind, parent, as_of, period, rng.random() < 0.85)
        evidence = {file: _tree(file, base, rng, as_of, mix=0.35) for file in _EVIDENCE}
        made.append(_write_bundle(root / kind / org, header, evidence))
    return made


def write_periods(root: Path, org: str, years: list[int], *, seed: int = 2) -> list[Path]:
    """One organisation assessed each year in `years`, moving from the weakest example
    towards the strongest, in `root/<year>/<org>/`."""
    rng = random.Random(seed)
    made: list[Path] = []
    for step, year in enumerate(years):
        as_of = dt.date(year, 10, 31)
        progress = step / max(1, len(years) - 1)
        header = _header(org, org.replace("-", " ").title(), "ministry", "government-of-meridia",
                         as_of, str(year), True)
        evidence = {file: _tree(file, "ministry-of-culture", rng, as_of, mix=0.0,
                                towards="ministry-of-finance", progress=progress)
                    for file in _EVIDENCE}
        made.append(_write_bundle(root / str(year) / org, header, evidence))
    return made
