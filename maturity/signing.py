"""Detached Ed25519 signatures over a record's canonical bytes.

A signature file sits beside its record (`record.json.assessor.sig`) and is a small JSON
document: who signed (the fingerprint of the signer's public key), in which role (assessor,
ministry, approver), the record's sha256, and the signature. Several can sit beside one record.

The signature covers the canonical bytes of the record, so re-indenting the JSON does not break
it and changing any value does. The role is a label the signer chose: what a signature proves is
that the holder of a key signed these bytes, so a verifier names the public keys it trusts and a
signature by any other key is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from maturity.errors import RecordError
from maturity.record import canonical_bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

__all__ = [
    "ALGORITHM",
    "ROLES",
    "SIGNATURE_FORMAT",
    "SignatureCheck",
    "fingerprint",
    "generate_key_pair",
    "load_private_key",
    "load_public_key",
    "parse_signature",
    "sign_record",
    "signature_file_name",
    "verify_signature",
]

ALGORITHM = "ed25519"
SIGNATURE_FORMAT = "maturity-signature/1"
ROLES = ("assessor", "ministry", "approver")
Role = Literal["assessor", "ministry", "approver"]


def generate_key_pair() -> tuple[bytes, bytes]:
    """A new key pair as PEM: (private key in PKCS #8, public key in SubjectPublicKeyInfo)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def _key_error(file: str, what: str, found: str) -> RecordError:
    return RecordError(
        f"not an Ed25519 {what}",
        code="signature.key",
        file=file,
        expected=f"an Ed25519 {what} in PEM, as written by `maturity keygen`",
        found=found,
        fix="make a key pair with `maturity keygen -o KEY` and pass KEY to sign, KEY.pub to "
            "verify",
    )


def load_private_key(data: bytes, file: str) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise _key_error(file, "private key", str(exc).split("\n")[0][:120]) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise _key_error(file, "private key", f"a {type(key).__name__}")
    return key


def load_public_key(data: bytes, file: str) -> Ed25519PublicKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        raise _key_error(file, "public key", str(exc).split("\n")[0][:120]) from None
    if not isinstance(key, Ed25519PublicKey):
        raise _key_error(file, "public key", f"a {type(key).__name__}")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    """`sha256:` and the hex sha256 of the raw 32-byte public key: short enough to read out."""
    from cryptography.hazmat.primitives import serialization

    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def signature_file_name(record_name: str, role: str) -> str:
    return f"{record_name}.{role}.sig"


def sign_record(record: Mapping[str, Any], key: Ed25519PrivateKey, role: Role) -> bytes:
    """The signature file for `record`, signed by `key` in `role`."""
    message = canonical_bytes(record)
    document = {
        "format": SIGNATURE_FORMAT,
        "algorithm": ALGORITHM,
        "role": role,
        "signer": fingerprint(key.public_key()),
        "record_sha256": hashlib.sha256(message).hexdigest(),
        "signature": base64.b64encode(key.sign(message)).decode("ascii"),
    }
    return json.dumps(document, sort_keys=True, indent=2).encode("utf-8") + b"\n"


@dataclass(frozen=True, slots=True)
class Signature:
    file: str
    role: str
    signer: str
    record_sha256: str
    signature: bytes


def _bad_signature(file: str, location: str, expected: str, found: Any) -> RecordError:
    return RecordError(
        "not a signature file",
        code="signature.invalid",
        file=file,
        location=location,
        expected=expected,
        found=repr(found)[:80],
        fix="pass a .sig file written by `maturity sign`",
    )


def parse_signature(data: bytes, file: str) -> Signature:
    """Read a signature file; anything malformed is a RecordError naming the field."""
    from maturity.formats import parse_json

    document = parse_json(data, file, RecordError)
    if not isinstance(document, dict):
        raise _bad_signature(file, "(top level)", "a JSON object", type(document).__name__)
    expected = {"format": SIGNATURE_FORMAT, "algorithm": ALGORITHM}
    for key, value in expected.items():
        if document.get(key) != value:
            raise _bad_signature(file, key, repr(value), document.get(key))
    if document.get("role") not in ROLES:
        raise _bad_signature(file, "role", "one of " + ", ".join(ROLES), document.get("role"))
    for key in ("signer", "record_sha256", "signature"):
        if not isinstance(document.get(key), str):
            raise _bad_signature(file, key, "text", document.get(key))
    try:
        raw = base64.b64decode(document["signature"], validate=True)
    except (binascii.Error, ValueError):
        raise _bad_signature(file, "signature", "base64", document["signature"]) from None
    if len(raw) != 64:
        raise _bad_signature(file, "signature", "64 bytes of Ed25519 signature",
                             f"{len(raw)} bytes")
    return Signature(file, document["role"], document["signer"], document["record_sha256"], raw)


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    file: str
    role: str
    signer: str
    ok: bool
    message: str

    def __str__(self) -> str:
        verdict = "GOOD" if self.ok else "BAD"
        return f"{verdict} signature {self.file} ({self.role}, {self.signer}): {self.message}"


def verify_signature(
    record: Mapping[str, Any], signature: Signature, trusted: Sequence[Ed25519PublicKey]
) -> SignatureCheck:
    """Check one signature against the record and the public keys the verifier trusts."""
    from cryptography.exceptions import InvalidSignature

    def check(ok: bool, message: str) -> SignatureCheck:
        return SignatureCheck(signature.file, signature.role, signature.signer, ok, message)

    keys = {fingerprint(k): k for k in trusted}
    key = keys.get(signature.signer)
    if key is None:
        return check(False, "signed by a key that is not among the trusted public keys ("
                     + (", ".join(sorted(keys)) or "none given") + ")")
    message = canonical_bytes(record)
    digest = hashlib.sha256(message).hexdigest()
    try:
        key.verify(signature.signature, message)
    except InvalidSignature:
        if signature.record_sha256 != digest:
            return check(False, f"the record changed after it was signed: signed sha256 "
                                f"{signature.record_sha256[:12]}…, now {digest[:12]}…")
        return check(False, "the signature does not match this record and key (forged or "
                            "corrupted)")
    return check(True, f"signs this record (sha256 {digest[:12]}…)")
