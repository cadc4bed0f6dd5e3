"""A record is the same bytes whichever way it was made.

A batch builds its records through faster paths than a single assessment: outcomes from the
generated evaluator (`maturity.fastpath`) once a process has assessed `FAST_AFTER` bundles,
scores without waivers taken from the scores when nothing is waived, and the record's JSON
without a second canonical walk. Each must give the bytes of the reference path: the
reference closures, both scorings, `canonical_bytes`.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import math
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.cohort import write_cohort
from maturity.api import Session, assess_bundle, provenance_for
from maturity.batch import FAST_AFTER, BatchPlan, bundle_tasks, execute
from maturity.engine import jsonable
from maturity.fastpath import FastRuleSet
from maturity.loaders import load_waivers
from maturity.model import Waiver
from maturity.record import canonical_bytes, canonical_record_bytes, canonicalize
from maturity.ruleset import RuleSet
from tests.conftest import EXAMPLES

WAIVERS = """\
[[waivers]]
rule = "DBD-SA-01"
justification = "A new strategy is in consultation"
approver = "Chief Digital Officer"
granted = 2026-01-01
expires = 2027-01-01
risk = "low"

[[waivers]]
rule = "DBD-SA-01"
organisation = "ministry-of-health"
justification = "Merged into the national plan"
approver = "Minister"
granted = 2025-01-01
expires = 2026-01-01
risk = "medium"

[[waivers]]
rule = "DDP-PL-01"
organisation = "ministry-of-culture"
justification = "Data governance board being set up"
approver = "Chief Data Officer"
granted = 2026-02-01
expires = 2026-12-31
risk = "high"

[[waivers]]
rule = "TAL-ENV-LEAD-01"
justification = "Talent review in progress"
approver = "Head of HR"
granted = 2026-03-01
expires = 2026-11-30
risk = "medium"
"""

DECLARATIONS = """
[not_applicable.oecd-dgpf]
DDP-PL-03 = "The ministry holds no personal data registers of its own"
DBD-IM-02 = "Procurement is run by the central purchasing body"

[not_applicable.oecd-digital-talent]
TAL-ENV-LEAD-02 = "Leadership programmes are run government-wide"
"""


@pytest.fixture(scope="module")
def ministries(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example ministries, two of them declaring rules not applicable."""
    root = tmp_path_factory.mktemp("ministries")
    for example in sorted(EXAMPLES.iterdir()):
        shutil.copytree(example, root / example.name)
    for name in ("ministry-of-health", "ministry-of-culture"):
        with (root / name / "bundle.toml").open("a", encoding="utf-8") as header:
            header.write(DECLARATIONS)
    return root


@pytest.fixture(scope="module")
def waivers(tmp_path_factory: pytest.TempPathFactory) -> list[Waiver]:
    path = tmp_path_factory.mktemp("waivers") / "waivers.toml"
    path.write_text(WAIVERS, encoding="utf-8")
    return load_waivers(path)


@pytest.mark.parametrize("roadmap", [None, {}], ids=["no-roadmap", "roadmap"])
# Another date than the bundles' own, after their documents were collected (an earlier one
# refuses them: evidence.document-late).
@pytest.mark.parametrize("as_of", [None, dt.date(2026, 10, 15)], ids=["own-date", "as-of"])
def test_the_generated_evaluator_gives_the_reference_record(
    session: Session, builtin_rules: RuleSet, ministries: Path, waivers: list[Waiver],
    roadmap: dict[str, Any] | None, as_of: dt.date | None,
) -> None:
    fast = FastRuleSet(builtin_rules, session.compiler)
    provenance = provenance_for(session, [])
    model = session.scoring_model("oecd-dgi")
    seen: set[str] = set()
    for directory in sorted(p for p in ministries.iterdir() if p.is_dir()):
        bundle = session.load_evidence(directory)
        records = [
            assess_bundle(bundle, builtin_rules, model=model, as_of=as_of, waivers=chosen,
                          provenance=provenance, roadmap_settings=roadmap, fast=evaluator)
            for chosen in ((), waivers) for evaluator in (None, fast)
        ]
        reference, generated = records[0::2], records[1::2]
        for ref, gen in zip(reference, generated, strict=True):
            assert gen.outcomes == ref.outcomes
            assert canonical_bytes(gen.record) == canonical_bytes(ref.record)
            assert canonical_record_bytes(gen.record) == canonical_bytes(ref.record)
        seen |= {o.status.value for r in records for o in r.outcomes}
        seen |= {"declared" for o in records[0].outcomes if o.reason and o.underlying}
    # Declarations and waivers reached the records: those paths were compared too.
    assert {"waived", "declared"} <= seen


def test_a_batch_past_the_generated_evaluator_threshold_writes_the_reference_records(
    session: Session, builtin_rules: RuleSet, tmp_path: Path, waivers: list[Waiver],
) -> None:
    """Every record of a batch (the first `FAST_AFTER` bundles through the reference closures,
    the others through the generated evaluator) equals a single assessment's."""
    bundles = tmp_path / "bundles"
    write_cohort(bundles, FAST_AFTER + 8, seed=3)
    declared = sorted(bundles.glob("*/*"))[-3:]
    for directory in declared:
        with (directory / "bundle.toml").open("a", encoding="utf-8") as header:
            header.write(DECLARATIONS)
    out = tmp_path / "out"
    provenance = provenance_for(session, [])
    plan = BatchPlan(
        packs=None, pack_dirs=(), profiles=(), limits={}, autoload=False, skip_broken=False,
        scoring="oecd-dgi", as_of=None, level_threshold=0.75, lang=None, format="json",
        roadmap={}, waivers=tuple(waivers), provenance=provenance, summary_only=False,
        resume=False, output=str(out),
    )
    tasks = list(bundle_tasks(session, [bundles]))
    assert execute(plan, session, builtin_rules, tasks, 1) == 0
    model = session.scoring_model("oecd-dgi")
    for task in tasks:
        assert task.path is not None
        bundle = session.load_evidence(Path(task.path), display=task.source)
        single = assess_bundle(bundle, builtin_rules, model=model, waivers=waivers,
                               provenance=provenance, roadmap_settings={})
        written = out / f"{bundle.organisation.id}.json"
        assert written.read_bytes() == single.canonical_json(), task.source


# --- the canonical form ----------------------------------------------------------------------


def _reference_canonical(value: Any) -> Any:
    """The canonical form as the record format defines it, written plainly."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("records hold finite numbers only")
        rounded = round(value, 12)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, int):
        return value
    if isinstance(value, Mapping):
        return {str(k): _reference_canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_reference_canonical(v) for v in value]
    return _reference_canonical(jsonable(value)) if not isinstance(value, type) else str(value)


class _Colour(enum.StrEnum):
    RED = "red"


class _Rank(enum.IntEnum):
    FIRST = 1


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=2**62, max_value=2**66),
    st.text(max_size=5), st.sampled_from(["2e-05", "10.00001", "\x00\x1f\x7f\u2028", "e-gov"]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=1e-9, max_value=1e-3), st.floats(min_value=1e15, max_value=1e17),
    st.sampled_from([0.1 + 0.2, 1e-13, -1e-13, -0.0, 1e-5, -5e-5, 1.5e-7, 2.5e16, 1 / 3]),
    st.dates(), st.just(_Colour.RED), st.just(_Rank.FIRST),
)
_KEYS = st.one_of(st.text(max_size=4), st.integers(), st.just(_Colour.RED))
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=4).map(tuple),
        st.dictionaries(_KEYS, inner, max_size=4),
    ),
    max_leaves=25,
)


def _reference_bytes(record: Any) -> bytes:
    return json.dumps(_reference_canonical(record), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"


@settings(max_examples=400, deadline=None)
@given(_VALUES)
def test_canonical_form_and_bytes_are_the_defined_ones(value: Any) -> None:
    canonical = canonicalize(value)
    assert canonical == _reference_canonical(value)
    assert repr(canonical) == repr(_reference_canonical(value))  # 0.0 and -0.0, 1 and 1.0
    # Canonical data is its own canonical form: its bytes need no second walk.
    assert canonicalize(canonical) == canonical
    record = {"value": value, "wrapped": [value, {"x": value}]}
    assert canonical_bytes(record) == _reference_bytes(record)
    assert canonical_record_bytes(canonicalize(record)) == _reference_bytes(record)


def test_without_orjson_the_bytes_are_the_same(
    ministries: Path, session: Session, builtin_rules: RuleSet, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bundle = session.load_evidence(ministries / "ministry-of-health")
    record = assess_bundle(bundle, builtin_rules, model=session.scoring_model("oecd-dgi"),
                           provenance=provenance_for(session, []), roadmap_settings={}).record
    with_orjson = canonical_record_bytes(record)
    monkeypatch.setitem(sys.modules, "orjson", None)  # importing it now fails
    assert canonical_record_bytes(record) == with_orjson == _reference_bytes(record)


def test_non_finite_numbers_are_refused() -> None:
    for value in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError, match="finite"):
            canonicalize({"score": [value]})
