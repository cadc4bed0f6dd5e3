"""Document references: one file has one hash and one collection date in a bundle."""

from __future__ import annotations

from pathlib import Path

import pytest

from maturity.api import Session
from maturity.errors import EvidenceError

HEADER = '[organisation]\nid = "x"\nname = "X"\nkind = "agency"\n[assessment]\nas_of = 2026-06-30\n'


def _bundle(tmp_path: Path, evidence: str) -> Path:
    bundle = tmp_path / "b"
    (bundle / "documents").mkdir(parents=True)
    (bundle / "documents" / "plan.md").write_text("# Plan\n")
    (bundle / "bundle.toml").write_text(HEADER)
    (bundle / "evidence.toml").write_text(evidence)
    return bundle


def test_the_same_document_with_two_collection_dates_is_refused(
    session: Session, tmp_path: Path
) -> None:
    bundle = _bundle(tmp_path, (
        'a.plan = { document = "documents/plan.md", collected = 2026-01-01 }\n'
        'b.plan = { document = "documents/plan.md", collected = 2020-01-01 }\n'))
    with pytest.raises(EvidenceError) as caught:
        session.load_evidence(bundle)
    assert caught.value.code == "evidence.document-conflict"
    assert caught.value.file == "b/evidence.toml"
    assert caught.value.location == "b.plan"


def test_the_same_document_referenced_alike_twice_is_one_document(
    session: Session, tmp_path: Path
) -> None:
    bundle = _bundle(tmp_path, (
        'a.plan = { document = "documents/plan.md", collected = 2026-01-01 }\n'
        'b.plan = { document = "documents/plan.md", collected = 2026-01-01 }\n'))
    loaded = session.load_evidence(bundle)
    assert list(loaded.documents) == ["documents/plan.md"]
    assert loaded.documents["documents/plan.md"].sha256 is not None
