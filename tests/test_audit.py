"""`maturity verify`: a fresh record is reproduced byte for byte, and every kind of tampering is
caught and named (evidence, documents, pack rules, weights, waivers, profiles, record fields)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.audit import compare_records, render_verification
from maturity.cli import main
from maturity.record import canonical_bytes
from tests.conftest import EXAMPLES, ROOT

BUNDLE = "ministry-of-health"
WAIVER = """\
[[waivers]]
rule = "DBD-SA-06"
justification = "The channel strategy waits for the 2027 service reorganisation"
approver = "Secretary-General, Ministry of Health"
granted = 2026-06-01
expires = 2027-03-31
risk = "medium"
"""
PROFILE = """\
[profile]
id = "meridia-health"
title = "Meridia's health sector tailoring"
author = "Meridia Digital Agency"

[[profile.changes]]
rule = "DBD-SA-06"
weight = 1.5
reason = "Channel strategy is a national priority in 2026"
"""


@pytest.fixture(autouse=True)
def _core_plugins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Records name their plugins: keep the installed third-party ones out of these tests."""
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def copy_bundle(tmp_path: Path, name: str = BUNDLE) -> Path:
    return Path(shutil.copytree(EXAMPLES / name, tmp_path / name))


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def edit_record(path: Path, change: Any) -> None:
    record = json.loads(path.read_bytes())
    change(record)
    path.write_bytes(canonical_bytes(record))


@pytest.fixture
def assessed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A fresh record of the health ministry, with a waiver file, beside its bundle."""
    copy_bundle(tmp_path)
    (tmp_path / "waivers.toml").write_text(WAIVER, encoding="utf-8")
    record = tmp_path / "health.json"
    code, _, err = run(capsys, "assess", tmp_path / BUNDLE, "--waivers",
                       tmp_path / "waivers.toml", "-o", record)
    assert code == 0, err
    return record


def test_a_fresh_record_verifies(assessed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "verify", assessed)
    assert code == 0
    assert out.startswith("IDENTICAL: health.json is reproduced byte for byte")
    assert "waivers read from waivers.toml beside the record" in out


def test_verify_works_from_another_directory_with_evidence_given(
    assessed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "audit"
    elsewhere.mkdir()
    moved = Path(shutil.copy(assessed, elsewhere / "health.json"))
    code, out, _ = run(capsys, "verify", moved, "--evidence", tmp_path / BUNDLE,
                       "--waivers", tmp_path / "waivers.toml", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["replay"]["identical"]


def test_an_evidence_byte_is_caught_and_named(
    assessed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(tmp_path / BUNDLE / "dgpf.toml", "last_reviewed = 2026-02-20",
         "last_reviewed = 2023-02-20")
    code, out, _ = run(capsys, "verify", assessed)
    assert code == 1
    why = out.split("What it changed")[0]
    assert re.search(r"evidence +evidence file dgpf\.toml sha256: \w+… in the record, \w+… on disk",
                     why)
    assert "talent.toml" not in why and "bundle.toml" not in why
    assert re.search(r"outcome +DBD-SA-01: .*status 'pass' → 'fail'", out)
    assert "scores.oecd-dgpf.index" in out


def test_a_document_byte_is_caught_and_named(
    assessed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = tmp_path / BUNDLE / "documents" / "dgpf-digital-strategy.md"
    document.write_bytes(document.read_bytes() + b" ")
    code, out, _ = run(capsys, "verify", assessed)
    assert code == 1
    assert "document documents/dgpf-digital-strategy.md sha256" in out
    assert "document documents/dgpf-digital-strategy.md size: 658 in the record, 659" in out


def _local_pack_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, Path]:
    copy_bundle(tmp_path)
    pack = Path(shutil.copytree(ROOT / "rules" / "dgpf", tmp_path / "dgpf"))
    record = tmp_path / "health.json"
    code, _, err = run(capsys, "assess", tmp_path / BUNDLE, "--pack-dir", pack, "-o", record)
    assert code == 0, err
    assert run(capsys, "verify", record, "--pack-dir", pack)[0] == 0
    return record, pack


def test_a_changed_pack_rule_is_caught_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record, pack = _local_pack_record(tmp_path, capsys)
    edit(pack / "digital-by-design.toml",
         '{ path = "strategy.digital.last_reviewed", within_days = 730 }',
         '{ path = "strategy.digital.last_reviewed", within_days = 200 }')
    code, out, _ = run(capsys, "verify", record, "--pack-dir", pack)
    assert code == 1
    assert re.search(r"pack +pack oecd-dgpf sha256: \w+… in the record, \w+… loaded now", out)
    assert re.search(r"rule +DBD-SA-01: condition .*730 days.* → .*200 days", out)
    assert re.search(r"outcome +DBD-SA-01: .*status 'pass' → 'fail'", out)


def test_a_changed_weight_is_caught_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record, pack = _local_pack_record(tmp_path, capsys)
    edit(pack / "digital-by-design.toml", "weight = 0.44", "weight = 0.9")
    code, out, _ = run(capsys, "verify", record, "--pack-dir", pack)
    assert code == 1
    assert "pack oecd-dgpf sha256" in out
    assert re.search(r"rule +DBD-SA-01: weight 0\.44 → 0\.9 \(record → re-run\)", out)
    assert "scores.oecd-dgpf.dimensions.digital-by-design.score" in out


def test_a_changed_profile_weight_is_caught_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_bundle(tmp_path)
    profile = tmp_path / "meridia.toml"
    profile.write_text(PROFILE, encoding="utf-8")
    record = tmp_path / "health.json"
    assert run(capsys, "assess", tmp_path / BUNDLE, "--profile", profile, "-o", record)[0] == 0
    assert run(capsys, "verify", record)[0] == 0
    edit(profile, "weight = 1.5", "weight = 3.0")
    code, out, _ = run(capsys, "verify", record)
    assert code == 1
    assert re.search(r"profile +profile\.profiles\[meridia-health\]\.sha256", out)
    assert "profile.profiles[meridia-health].definition.changes[DBD-SA-06].weight: 1.5 in the " \
           "record, 3.0 now" in out
    assert re.search(r"rule +DBD-SA-06: weight 1\.5 → 3\.0", out)
    # Without the file the pinned copy is replayed, and the note says so.
    profile.unlink()
    code, out, _ = run(capsys, "verify", record)
    assert code == 0 and "replayed from the record's copy" in out
    # A copy that no longer applies is named where it lies in the record.
    edit_record(record, lambda r: r["profile"]["profiles"][0]["definition"]["changes"][0]
                .update(rule="DBD-SA-99"))
    code, _, err = run(capsys, "verify", record)
    assert code == 2
    assert ("error[profile.invalid]: health.json: profile.profiles[meridia-health].definition: "
            "profile.changes[0].rule: ") in err
    assert "Traceback" not in err


def test_a_changed_waiver_date_is_caught_and_named(
    assessed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(tmp_path / "waivers.toml", "expires = 2027-03-31", "expires = 2026-09-30")
    code, out, _ = run(capsys, "verify", assessed)
    assert code == 1
    assert "waiver DBD-SA-06 expires: '2027-03-31' in the record, '2026-09-30' in the waivers now" \
        in out
    assert "waiver DBD-SA-06 state: 'active' in the record, 'expired' in the waivers now" in out
    assert "waiver file sha256" in out
    assert re.search(r"outcome +DBD-SA-06: .*status 'waived' → 'fail'", out)


def test_a_waiver_date_edited_in_the_record_is_caught_and_named(
    assessed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def extend(record: dict[str, Any]) -> None:
        record["waivers"][0]["expires"] = "2028-12-31"

    edit_record(assessed, extend)
    code, out, _ = run(capsys, "verify", assessed)
    assert code == 1
    assert "waiver DBD-SA-06 expires: '2028-12-31' in the record, '2027-03-31' in the waivers " \
           "now" in out


def test_a_waiver_edited_in_the_record_without_its_file_shows_as_a_record_edit(
    assessed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "waivers.toml").unlink()

    def extend(record: dict[str, Any]) -> None:
        record["waivers"][0]["expires"] = "2028-12-31"

    edit_record(assessed, extend)
    code, out, _ = run(capsys, "verify", assessed)
    assert code == 1
    assert "the record itself was edited" in out
    assert "until 2027-03-31" in out and "until 2028-12-31" in out
    assert "waivers replayed from the record's copy" in out


@pytest.mark.parametrize(("field", "change", "expected"), [
    ("score", lambda r: r["scores"]["oecd-dgpf"].update(index=0.99),
     r"score +scores\.oecd-dgpf\.index: 0\.99 in the record, 0\.\d+ on re-run"),
    ("outcome", lambda r: next(o for o in r["outcomes"] if o["rule"] == "DBD-SA-06").update(
        status="pass"), r"outcome +DBD-SA-06: status 'pass' → 'waived'"),
    ("organisation", lambda r: r["organisation"].update(name="Ministry of Wealth"),
     r"assessment +organisation\.name: 'Ministry of Wealth' in the record, 'Ministry of Health'"),
])
def test_an_edited_record_field_is_caught_and_named(
    assessed: Path, capsys: pytest.CaptureFixture[str], field: str, change: Any, expected: str
) -> None:
    edit_record(assessed, change)
    code, out, _ = run(capsys, "verify", assessed)
    assert code == 1
    assert re.search(expected, out), out
    if field != "organisation":
        assert "the record itself was edited" in out


def test_another_engine_or_plugin_version_is_named(
    assessed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def older(record: dict[str, Any]) -> None:
        record["engine"]["version"] = "0.0.9"
        record["plugins"].append({"name": "meridia", "version": "2.0.0"})

    edit_record(assessed, older)
    code, out, _ = run(capsys, "verify", assessed, "--format", "json")
    causes = {(c["kind"], c["subject"]) for c in json.loads(out)["replay"]["causes"]}
    assert code == 1
    assert ("engine", "engine version") in causes
    assert ("plugin", "plugin meridia") in causes


def test_a_pack_version_that_is_not_installed_cannot_run(
    assessed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def future(record: dict[str, Any]) -> None:
        record["packs"][0]["version"] = "2.0.0"

    edit_record(assessed, future)
    code, _, err = run(capsys, "verify", assessed)
    assert code == 2
    assert "error[verify.cannot-run]" in err
    assert "pack oecd-dgpf 2.0.0 is not installed (version 1.0.0 is)" in err


def test_missing_evidence_cannot_run(
    assessed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(tmp_path / BUNDLE)
    code, _, err = run(capsys, "verify", assessed)
    assert code == 2
    assert "evidence bundle is not found" in err and "--evidence" in err


def test_a_file_that_is_not_a_record_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "x.json").write_text('{"hello": 1}', encoding="utf-8")
    code, _, err = run(capsys, "verify", tmp_path / "x.json")
    assert code == 2 and "error[record.invalid]" in err


# --- the comparison itself, as a property ------------------------------------------------------

_RECORD: dict[str, Any] = json.loads(canonical_bytes({
    "record_version": 1,
    "engine": {"name": "maturity", "version": "1.0"},
    "evidence": {"files": [{"path": "a.toml", "sha256": "0" * 64},
                           {"path": "b.toml", "sha256": "1" * 64}]},
    "outcomes": [{"rule": f"R-{i}", "status": "pass", "credit": 1.0, "weight": 1.0}
                 for i in range(5)],
    "scores": {"p": {"index": 0.5}},
}))
_LEAVES = [
    ("engine", "version", lambda r: r["engine"]),
    ("evidence", "evidence file b.toml sha256", lambda r: r["evidence"]["files"][1]),
    ("outcome", "R-3", lambda r: r["outcomes"][3]),
    ("score", "scores.p.index", lambda r: r["scores"]["p"]),
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_LEAVES), st.text(min_size=1, max_size=10))
def test_every_edit_is_found_and_named_where_it_was_made(leaf: Any, value: str) -> None:
    kind, subject, parent = leaf
    edited = json.loads(json.dumps(_RECORD))
    target = parent(edited)
    key = next(k for k in ("sha256", "status", "version", "index") if k in target)
    if target[key] == value:
        return
    target[key] = value
    result = compare_records(edited, _RECORD)
    findings = [*result.causes, *result.consequences]
    assert not result.identical and len(findings) == 1
    assert findings[0].kind == kind and subject in f"{findings[0].subject} {findings[0].message}"
    assert compare_records(_RECORD, json.loads(json.dumps(_RECORD))).identical
    assert "DIFFERS" in render_verification(result, "r.json")
