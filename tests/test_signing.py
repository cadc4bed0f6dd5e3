"""Detached Ed25519 signatures: round trip, several roles beside one record, forged and
tampered signatures rejected, and keys from someone else refused."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.errors import RecordError
from maturity.record import canonical_bytes
from maturity.signing import (
    generate_key_pair,
    load_private_key,
    load_public_key,
    parse_signature,
    sign_record,
    verify_signature,
)
from tests.conftest import EXAMPLES
from tests.test_audit import edit_record, run


@pytest.fixture(autouse=True)
def _core_plugins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def signed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A record of the finance ministry, signed by its assessor."""
    shutil.copytree(EXAMPLES / "ministry-of-finance", tmp_path / "ministry-of-finance")
    record = tmp_path / "finance.json"
    assert run(capsys, "assess", tmp_path / "ministry-of-finance", "-o", record)[0] == 0
    for who in ("assessor", "ministry", "approver", "stranger"):
        code, out, _ = run(capsys, "keygen", "-o", tmp_path / f"{who}.key")
        assert code == 0 and "fingerprint: sha256:" in out
    assert run(capsys, "sign", record, "--key", tmp_path / "assessor.key")[0] == 0
    return record


def test_round_trip(signed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sig = signed.with_name("finance.json.assessor.sig")
    document = json.loads(sig.read_text())
    assert document["role"] == "assessor" and document["algorithm"] == "ed25519"
    code, out, _ = run(capsys, "verify", signed, "--signature", sig, "--public-key",
                       signed.with_name("assessor.key.pub"))
    assert code == 0
    assert out.startswith("GOOD signature finance.json.assessor.sig (assessor, sha256:")
    assert "IDENTICAL" in out


def test_several_signatures_sit_beside_one_record(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    here = signed.parent
    for role in ("ministry", "approver"):
        assert run(capsys, "sign", signed, "--key", here / f"{role}.key", "--role", role)[0] == 0
    sigs = sorted(here.glob("finance.json.*.sig"))
    assert [s.name for s in sigs] == ["finance.json.approver.sig", "finance.json.assessor.sig",
                                      "finance.json.ministry.sig"]
    argv: list[str | Path] = ["verify", signed, "--signatures-only"]
    for sig in sigs:
        argv += ["--signature", sig]
    for role in ("assessor", "ministry", "approver"):
        argv += ["--public-key", here / f"{role}.key.pub"]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and out.count("GOOD signature") == 3 and "IDENTICAL" not in out


def test_a_forged_signature_is_rejected(signed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sig = signed.with_name("finance.json.assessor.sig")
    document = json.loads(sig.read_text())
    raw = bytearray(base64.b64decode(document["signature"]))
    raw[0] ^= 1
    document["signature"] = base64.b64encode(bytes(raw)).decode()
    sig.write_text(json.dumps(document))
    code, out, _ = run(capsys, "verify", signed, "--signatures-only", "--signature", sig,
                       "--public-key", signed.with_name("assessor.key.pub"))
    assert code == 1
    assert "BAD signature" in out and "forged or corrupted" in out


def test_a_signature_by_an_untrusted_key_is_rejected(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    here = signed.parent
    # The stranger signs and labels the signature as the assessor's.
    assert run(capsys, "sign", signed, "--key", here / "stranger.key", "-o",
               here / "forged.sig")[0] == 0
    code, out, _ = run(capsys, "verify", signed, "--signatures-only", "--signature",
                       here / "forged.sig", "--public-key", here / "assessor.key.pub")
    assert code == 1
    assert "not among the trusted public keys" in out


def test_a_signature_over_a_tampered_record_is_rejected(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def flatter(record: dict[str, Any]) -> None:
        record["scores"]["oecd-dgpf"]["index"] = 0.95

    edit_record(signed, flatter)
    code, out, _ = run(capsys, "verify", signed, "--signature",
                       signed.with_name("finance.json.assessor.sig"), "--public-key",
                       signed.with_name("assessor.key.pub"))
    assert code == 1
    assert "BAD signature" in out and "the record changed after it was signed" in out
    assert "the record itself was edited" in out


def test_reformatting_the_json_keeps_the_signature(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    signed.write_text(json.dumps(json.loads(signed.read_bytes()), indent=4))
    code, out, _ = run(capsys, "verify", signed, "--signatures-only", "--signature",
                       signed.with_name("finance.json.assessor.sig"), "--public-key",
                       signed.with_name("assessor.key.pub"))
    assert code == 0 and "GOOD" in out


def test_keygen_refuses_to_overwrite_and_keeps_the_private_key_private(
    signed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = signed.with_name("assessor.key")
    assert key.stat().st_mode & 0o077 == 0
    code, _, err = run(capsys, "keygen", "-o", key)
    assert code == 2 and "error[usage.key-exists]" in err


def test_a_signature_needs_a_public_key(signed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "verify", signed, "--signature",
                       signed.with_name("finance.json.assessor.sig"))
    assert code == 2 and "error[usage.public-key]" in err


@pytest.mark.parametrize(("content", "location"), [
    (b"not json", "line 1"),
    (b'{"format": "other"}', "format"),
    (b'{"format": "maturity-signature/1", "algorithm": "ed25519", "role": "king"}', "role"),
    (b'{"format": "maturity-signature/1", "algorithm": "ed25519", "role": "assessor", '
     b'"signer": "x", "record_sha256": "y", "signature": "%%%"}', "signature"),
])
def test_malformed_signature_files_are_named(content: bytes, location: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_signature(content, "x.sig")
    assert caught.value.file == "x.sig" and location in (caught.value.location or "")


def test_a_wrong_kind_of_key_is_refused(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    with pytest.raises(RecordError, match="not an Ed25519 private key"):
        load_private_key(pem, "ec.key")
    with pytest.raises(RecordError, match="not an Ed25519 public key"):
        load_public_key(b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "x.pub")


_PRIVATE, _PUBLIC = generate_key_pair()
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                max_size=3),
    max_leaves=10,
)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), _json, min_size=1, max_size=5),
       st.text(min_size=1, max_size=6), _json)
def test_a_signature_holds_for_its_record_and_for_no_other(
    record: dict[str, Any], key: str, value: Any
) -> None:
    private = load_private_key(_PRIVATE, "k")
    public = load_public_key(_PUBLIC, "k.pub")
    signature = parse_signature(sign_record(record, private, "approver"), "r.sig")
    assert verify_signature(record, signature, [public]).ok
    other = {**record, key: value}
    assert verify_signature(other, signature, [public]).ok == (
        canonical_bytes(other) == canonical_bytes(record))
