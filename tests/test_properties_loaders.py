"""Properties of the loaders and the record, for any input a person or an attacker could send.

- Loading never raises anything but the project's own error for that kind of file: whatever the
  bytes, a pack gives a `PackError`, evidence an `EvidenceError`, a waiver file a `WaiverError`
  and a record a `RecordError`, each with a file and a message (never a traceback).
- What loads is within the limits, whatever the format it came in.
- An evaluation never changes the evidence it reads.
- A record survives write → read → write byte for byte.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity.api import Session, assess_bundle, provenance_for
from maturity.errors import EvidenceError, InputError, PackError, RecordError, WaiverError
from maturity.evidence import bundle_from_tree, load_bundle, read_evidence_file
from maturity.files import atomic_write
from maturity.formats import check_tree
from maturity.limits import Limits
from maturity.loaders import load_profile, load_record, load_waivers
from maturity.model import RulePack
from maturity.packs import load_pack_dir
from maturity.record import canonical_bytes
from maturity.ruleset import compile_rules
from tests import strategies
from tests.conftest import core_session
from tests.strategies import LIMITS

SESSION: Session = core_session()
LOADERS = SESSION.loaders
MODEL = SESSION.scoring_model("oecd-dgi")
SLOW = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

VALID_PROFILE = b"""[profile]
id = "tests"
title = "Tests"
author = "Test unit"

[[profile.changes]]
rule = "R-000"
weight = 2.0
reason = "A reason"
"""
VALID_WAIVERS = b"""[[waivers]]
rule = "R-000"
justification = "Being rebuilt"
approver = "Chief Digital Officer"
granted = 2026-01-01
expires = 2026-12-31
risk = "low"
"""


def _only(error: type[InputError], load: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a loader: it returns, or raises `error` naming a file and saying what is wrong."""
    try:
        return load(*args, **kwargs)
    except error as exc:
        assert exc.file and exc.message and exc.code, exc
        assert exc.render().startswith(f"error[{exc.code}]: {exc.file}")
        return None


def _within_limits(tree: Any, limits: Limits) -> None:
    check_tree(tree, "loaded", limits, InputError)


@SLOW
@given(strategies.evidence_files())
def test_an_evidence_file_gives_a_tree_within_the_limits_or_an_evidence_error(
    file: tuple[str, bytes],
) -> None:
    fmt, data = file
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"extra.{fmt}"
        path.write_bytes(data)
        loaded = _only(EvidenceError, read_evidence_file, path, path.name, LOADERS, LIMITS)
    if loaded is not None:
        tree, info = loaded
        assert isinstance(tree, dict) and info.size == len(data)
        _within_limits(tree, LIMITS)


@SLOW
@given(st.sampled_from(strategies.EVIDENCE_FORMATS), st.binary(max_size=512))
def test_any_bytes_as_evidence_give_a_tree_or_an_evidence_error(fmt: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"extra.{fmt}"
        path.write_bytes(data)
        loaded = _only(EvidenceError, read_evidence_file, path, path.name, LOADERS, LIMITS)
    if loaded is not None:
        _within_limits(loaded[0], LIMITS)


@SLOW
@given(st.sampled_from(["toml", "json", "yaml"]), strategies.evidence_files(), st.data())
def test_a_bundle_gives_a_bundle_or_an_evidence_error(
    header_format: str, evidence: tuple[str, bytes], data: st.DataObject,
) -> None:
    header = strategies.encode_tree(strategies.HEADER, header_format)
    broken = data.draw(st.booleans(), label="break the header")
    if broken:
        header = data.draw(strategies.broken_bytes(header))
    fmt, content = evidence
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bundle"
        (root / "documents").mkdir(parents=True)
        (root / "documents" / "plan.md").write_bytes(b"# plan\n")
        (root / f"bundle.{header_format}").write_bytes(header)
        (root / f"extra.{fmt}").write_bytes(content)
        bundle = _only(EvidenceError, load_bundle, root, loaders=LOADERS, limits=LIMITS)
    if bundle is not None:
        assert broken or bundle.organisation.id == "ministry-of-tests"
        _within_limits(bundle.data, LIMITS)


@SLOW
@given(strategies.broken_pack_files())
def test_a_pack_directory_gives_compiled_rules_or_a_pack_error(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "pack"
        root.mkdir()
        for name, content in files.items():
            (root / name).write_bytes(content)

        def load() -> Any:
            pack = load_pack_dir(root, origin="local:pack", display="pack", limits=LIMITS)
            return compile_rules([pack], SESSION.compiler)

        _only(PackError, load)


@SLOW
@given(st.data())
def test_profiles_waivers_and_records_give_models_or_their_own_errors(data: st.DataObject) -> None:
    valid_record = _record_bytes(data.draw(strategies.packs(max_rules=3)),
                                 data.draw(strategies.evidence()))
    cases = (
        ("profile.toml", VALID_PROFILE, PackError, load_profile),
        ("waivers.toml", VALID_WAIVERS, WaiverError, load_waivers),
        ("record.json", valid_record, RecordError, load_record),
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, valid, error, load in cases:
            content = data.draw(st.one_of(strategies.broken_bytes(valid), st.binary(max_size=256)),
                                label=name)
            path = Path(tmp) / name
            path.write_bytes(content)
            _only(error, load, path, LIMITS)


def _typed(value: Any) -> Any:
    """A value with the type of every leaf spelt out: 1, 1.0 and True differ here."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


@settings(max_examples=200, deadline=None)
@given(strategies.packs(), strategies.evidence())
def test_an_evaluation_never_changes_the_evidence(pack: RulePack, tree: dict[str, Any]) -> None:
    bundle = bundle_from_tree({**copy.deepcopy(strategies.HEADER), **tree}, source="generated",
                              header_file="bundle.toml")
    before = _typed(copy.deepcopy(bundle.data))
    rules = compile_rules([pack], SESSION.compiler)
    assess_bundle(bundle, rules, model=MODEL, provenance=provenance_for(SESSION, []),
                  roadmap_settings={})
    assert _typed(bundle.data) == before


def _record_bytes(pack: RulePack, tree: dict[str, Any]) -> bytes:
    bundle = bundle_from_tree({**copy.deepcopy(strategies.HEADER), **tree}, source="generated",
                              header_file="bundle.toml")
    rules = compile_rules([pack], SESSION.compiler)
    return assess_bundle(bundle, rules, model=MODEL, as_of=dt.date(2026, 6, 30),
                         provenance=provenance_for(SESSION, []),
                         roadmap_settings={}).canonical_json()


@settings(max_examples=150, deadline=None)
@given(strategies.packs(), strategies.evidence())
def test_a_record_survives_write_read_write_byte_for_byte(
    pack: RulePack, tree: dict[str, Any],
) -> None:
    first = _record_bytes(pack, tree)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "record.json"
        atomic_write(path, first)
        again = canonical_bytes(load_record(path))
        atomic_write(path, again)
        assert path.read_bytes() == first
    assert json.loads(first) == json.loads(again)


def test_a_yaml_escape_beyond_unicode_is_an_evidence_error() -> None:
    # PyYAML's scanner raises ValueError here, not one of its own errors (found by the
    # property above).
    from maturity.errors import EvidenceError
    from maturity.formats import parse_yaml

    with pytest.raises(EvidenceError, match="invalid YAML"):
        parse_yaml(b'a: "\\U00110000"\n', "x.yaml", EvidenceError)
