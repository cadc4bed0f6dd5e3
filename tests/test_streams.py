"""Bundle streams (JSON Lines): one organisation's bundle per line, assessed like directories.

A national data platform exports one JSON object per organisation; `maturity assess
bundles.jsonl` reads it line by line. Each bundle is named `bundles.jsonl:LINE` in the summary,
the failures and its record, and `maturity verify` re-reads that line.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.cohort import write_cohort
from maturity.batch import IN_PROCESS_BELOW
from maturity.cli import main
from maturity.errors import EvidenceError
from maturity.evidence import line_ref, stream_lines
from maturity.limits import Limits
from maturity.plugins import AUTOLOAD_ENV

COHORT = IN_PROCESS_BELOW + 6  # enough for worker processes


@pytest.fixture(autouse=True)
def _core_plugins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV, "1")


def _merged(directory: Path) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in sorted(directory.glob("*.toml")):
        for key, value in tomllib.loads(path.read_text(encoding="utf-8")).items():
            if isinstance(value, dict) and isinstance(tree.get(key), dict):
                tree[key].update(value)
            else:
                tree[key] = value
    return tree


def _relinked(node: Any, prefix: str) -> Any:
    """Document references moved under `documents/<prefix>/` (one folder per organisation)."""
    if isinstance(node, dict):
        if isinstance(node.get("document"), str):
            name = node["document"].removeprefix("documents/")
            return {**node, "document": f"documents/{prefix}/{name}"}
        return {k: _relinked(v, prefix) for k, v in node.items()}
    if isinstance(node, list):
        return [_relinked(v, prefix) for v in node]
    return node


def _json(tree: dict[str, Any]) -> str:
    return json.dumps(tree, default=lambda d: d.isoformat(), ensure_ascii=False)


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same cohort as a stream (with its documents beside it) and as bundle directories
    holding one `bundle.json` each, documents at the same relative paths."""
    base = tmp_path_factory.mktemp("streams")
    cohort = base / "cohort"
    write_cohort(cohort, COHORT)
    stream_dir, dirs = base / "stream", base / "dirs"
    lines = []
    for number, bundle in enumerate(sorted(p.parent for p in cohort.rglob("bundle.toml"))):
        name = f"org-{number:03d}"
        tree = _relinked(_merged(bundle), name)
        if (bundle / "documents").is_dir():
            for target in (stream_dir / "documents" / name, dirs / name / "documents" / name):
                shutil.copytree(bundle / "documents", target)
        (dirs / name).mkdir(parents=True, exist_ok=True)
        (dirs / name / "bundle.json").write_text(_json(tree), encoding="utf-8")
        lines.append(_json(tree))
    (stream_dir / "bundles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return stream_dir / "bundles.jsonl", dirs


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _without_evidence_names(record: dict[str, Any]) -> dict[str, Any]:
    evidence = {k: v for k, v in record["evidence"].items() if k not in ("source", "files")}
    return {**record, "evidence": evidence}


def test_a_stream_gives_the_records_and_scores_its_bundles_give_as_directories(
    twins: tuple[Path, Path], tmp_path: Path,
) -> None:
    stream, dirs = twins
    assert main(["assess", str(stream), "-o", str(tmp_path / "s"), "--no-roadmap"]) == 0
    assert main(["assess", str(dirs), "-o", str(tmp_path / "d"), "--no-roadmap"]) == 0
    from_stream, from_dirs = _rows(tmp_path / "s" / "summary.csv"), _rows(tmp_path / "d" /
                                                                           "summary.csv")
    assert [r[1:] for r in from_stream] == [r[1:] for r in from_dirs]
    assert {r[0] for r in from_stream[1:]} == {f"bundles.jsonl:{n}" for n in
                                                range(1, COHORT + 1)}
    records = sorted(p.name for p in (tmp_path / "s").glob("*.json"))
    assert records == sorted(p.name for p in (tmp_path / "d").glob("*.json"))
    assert len(records) == COHORT
    for name in records:
        mine = json.loads((tmp_path / "s" / name).read_text(encoding="utf-8"))
        theirs = json.loads((tmp_path / "d" / name).read_text(encoding="utf-8"))
        assert _without_evidence_names(mine) == _without_evidence_names(theirs)
        line = mine["evidence"]["source"]
        assert line_ref(line) is not None
        assert mine["evidence"]["files"][0]["path"] == line
        assert mine["evidence"]["documents"] == theirs["evidence"]["documents"]


def test_a_stream_gives_the_same_bytes_in_one_process_and_in_workers(
    twins: tuple[Path, Path], tmp_path: Path,
) -> None:
    stream, _dirs = twins
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / jobs
        assert main(["assess", str(stream), "-o", str(out), "--jobs", jobs]) == 0
        outputs.append({p.name: p.read_bytes() for p in sorted(out.iterdir())})
    assert outputs[0] == outputs[1]


def test_a_bad_line_fails_alone_named_by_its_line_and_column(
    twins: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    stream, _dirs = twins
    good = stream.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "bundles.jsonl"
    shutil.copytree(stream.parent / "documents", tmp_path / "documents")
    text = "\ufeff" + good[0] + "\r\n\r\n" + '{"organisation": {"id": "x"},}\n' + "[1, 2]\n" \
        + good[1] + "\n" + good[1].replace('"kind": "', '"kind": "', 1) + "\n"
    broken.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["assess", str(broken), "-o", str(out), "--summary-only"]) == 1
    failures = (out / "failures.txt").read_text(encoding="utf-8")
    assert "bundles.jsonl:3\nerror[file.syntax]: bundles.jsonl:3: column 30: invalid JSON" \
        in failures
    assert "bundles.jsonl:4\nerror[evidence.not-a-table]" in failures
    assert "bundles.jsonl:6\nerror[evidence.duplicate-organisation]" in failures
    statuses = {r[0]: r[-1] for r in _rows(out / "summary.csv")[1:]}
    assert statuses["bundles.jsonl:1"] == statuses["bundles.jsonl:5"] == "assessed"
    assert "bundles.jsonl:2" not in statuses  # a blank line (with its CRLF) is no bundle
    assert "Traceback" not in capsys.readouterr().err


def test_verify_re_reads_a_record_s_line_and_sees_an_edited_one(
    twins: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    stream, _dirs = twins
    here = tmp_path / "audit"
    shutil.copytree(stream.parent, here)
    out = here / "records"
    assert main(["assess", str(here / "bundles.jsonl"), "-o", str(out), "--no-roadmap"]) == 0
    record = next(p for p in sorted(out.glob("*.json"))
                  if json.loads(p.read_text(encoding="utf-8"))["evidence"]["source"]
                  == "bundles.jsonl:2")
    # Beside the stream, as the record names it; or anywhere, with the stream given.
    shutil.copy(record, here / record.name)
    assert main(["verify", str(here / record.name)]) == 0
    assert main(["verify", str(record), "--evidence", str(here / "bundles.jsonl")]) == 0
    capsys.readouterr()
    lines = (here / "bundles.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    edited = json.loads(lines[1])
    edited["organisation"]["name"] = "Another name"
    lines[1] = _json(edited) + "\n"
    (here / "bundles.jsonl").write_text("".join(lines), encoding="utf-8")
    assert main(["verify", str(here / record.name)]) == 1
    report = capsys.readouterr().out
    assert "evidence file bundles.jsonl:2 sha256" in report


def test_one_line_is_a_bundle_of_its_own_and_the_stream_is_not(
    twins: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    stream, _dirs = twins
    assert main(["assess", f"{stream}:3", "-o", str(tmp_path / "r.json")]) == 0
    record = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert record["evidence"]["source"] == "bundles.jsonl:3"
    assert main(["evidence", "check", f"{stream}:3"]) in (0, 1)
    capsys.readouterr()
    for target, message in ((str(stream), "a bundle stream holds a bundle per line"),
                            (f"{stream}:{COHORT + 5}", "no bundle on that line")):
        assert main(["evidence", "check", target]) == 2
        err = capsys.readouterr().err
        assert message in err
        assert "Traceback" not in err


def test_a_line_over_the_size_limit_fails_alone(twins: tuple[Path, Path], tmp_path: Path
                                                ) -> None:
    stream, _dirs = twins
    lines = stream.read_text(encoding="utf-8").splitlines()
    small = tmp_path / "bundles.jsonl"
    shutil.copytree(stream.parent / "documents", tmp_path / "documents")
    # The limit holds the built-in packs' files and the other lines, not the padded one.
    limit = 64 * 1024
    padded = json.loads(lines[1])
    padded["organisation"]["name"] += " " * limit
    small.write_text("\n".join([lines[0], _json(padded), lines[2]]) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["assess", str(small), "-o", str(out), "--summary-only",
                 "--limit", f"max_file_bytes={limit}"]) == 1
    failures = (out / "failures.txt").read_text(encoding="utf-8")
    assert failures.startswith("bundles.jsonl:2\nerror[file.too-large]")
    assert [r[-1] for r in _rows(out / "summary.csv")[1:] if r[0] == "bundles.jsonl:3"]


@given(
    lines=st.lists(st.tuples(
        st.text(st.characters(exclude_characters="\n\r", exclude_categories=["Cs"]),
                max_size=8),
        st.sampled_from(["\n", "\r\n"])), max_size=12),
    bom=st.booleans(), final=st.booleans(),
)
def test_a_stream_yields_each_non_blank_line_with_its_number(
    lines: list[tuple[str, str]], bom: bool, final: bool, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    text = "".join(body + end for body, end in lines)
    if lines and not final:
        text = text[: -len(lines[-1][1])]
    path = tmp_path_factory.mktemp("lines") / "s.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    # Blank: nothing but ASCII white space (what a JSON parser would skip).
    expected = [(n, body.encode()) for n, (body, _end) in enumerate(lines, 1)
                if body.encode().strip()]
    if not expected:  # a stream without a bundle is refused, as an empty directory is
        with pytest.raises(EvidenceError, match="no evidence bundle found"):
            list(stream_lines(path, Limits()))
        return
    assert list(stream_lines(path, Limits())) == expected
