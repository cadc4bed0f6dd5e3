"""National batches: same bytes whatever --jobs and listing order, failures reported, resume.

The cohort is made from the example ministries with varied evidence (benchmarks/cohort.py),
large enough that a batch runs in worker processes.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.cohort import write_cohort
from maturity.api import Session, provenance_for
from maturity.batch import (
    IN_PROCESS_BELOW,
    SUMMARY_COLUMNS,
    BatchPlan,
    bundle_tasks,
    csv_text,
    execute,
)
from maturity.cli import main
from maturity.errors import UsageError
from maturity.hookspecs import ReportFormat, hookimpl
from maturity.plugins import AUTOLOAD_ENV, create_host
from maturity.record import canonical_bytes

COHORT = IN_PROCESS_BELOW + 6


@pytest.fixture(autouse=True)
def _core_plugins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers rebuild their plugins from the environment: the built-in ones only here."""
    monkeypatch.setenv(AUTOLOAD_ENV, "1")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cohort") / "bundles"
    write_cohort(root, COHORT)
    # Two broken bundles and one organisation given twice.
    broken = root / "municipality" / "zz-broken-toml"
    shutil.copytree(root / "ministry" / "ministry-000", broken)
    (broken / "dgpf.toml").write_text("[strategy\n", encoding="utf-8")
    headless = root / "agency" / "aa-no-organisation"
    shutil.copytree(root / "ministry" / "ministry-001", headless)
    (headless / "bundle.toml").write_text('[assessment]\nas_of = 2026-10-31\n',
                                          encoding="utf-8")
    shutil.copytree(root / "ministry" / "ministry-002", root / "ministry" / "zz-copy")
    return root


def _run(*args: Any) -> int:
    return main([str(a) for a in args])


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.fixture(scope="module")
def one_job(cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("jobs1") / "out"
    os.environ[AUTOLOAD_ENV] = "1"
    try:
        assert _run("assess", cohort, "-o", out, "--jobs", 1, "--no-roadmap") == 1
    finally:
        del os.environ[AUTOLOAD_ENV]
    return _files(out)


def test_jobs_and_listing_order_change_no_byte(
    cohort: Path, one_job: dict[str, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = os.scandir

    def reversed_listing(path: Any) -> Any:
        entries = list(listed(path))
        entries.reverse()

        class Listing:
            def __enter__(self) -> list[Any]:
                return entries

            def __exit__(self, *exc: object) -> None:
                return None

            def __iter__(self) -> Any:
                return iter(entries)

        return Listing()

    monkeypatch.setattr(os, "scandir", reversed_listing)
    out = tmp_path / "out"
    assert _run("assess", cohort, "-o", out, "--jobs", 2, "--no-roadmap") == 1
    assert _files(out) == one_job
    assert len([n for n in one_job if n.endswith(".json")]) == COHORT


def test_a_bad_bundle_is_reported_and_the_others_go_on(one_job: dict[str, bytes]) -> None:
    lines = one_job["summary.csv"].decode().splitlines()
    assert lines[0] == ",".join(SUMMARY_COLUMNS)
    failed = [line for line in lines if ",failed: " in line]
    assert [line.split(",")[0] for line in failed] == [
        "agency/aa-no-organisation", "ministry/zz-copy", "municipality/zz-broken-toml"]
    assert failed[1].endswith("failed: evidence.duplicate-organisation")
    assert failed[2].endswith("failed: file.syntax")
    text = one_job["failures.txt"].decode()
    assert "municipality/zz-broken-toml/dgpf.toml" in text and "invalid TOML" in text
    assert "'ministry-002' was already assessed in this batch from ministry/ministry-002" in text
    assessed = {line.split(",")[1] for line in lines[1:] if line.endswith(",assessed")}
    assert len(assessed) == COHORT


def test_summary_only_gives_the_summary_of_the_records(
    cohort: Path, one_job: dict[str, bytes], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert _run("assess", cohort, "-o", out, "--summary-only", "--jobs", 2) == 1
    assert _files(out) == {"summary.csv": one_job["summary.csv"],
                           "failures.txt": one_job["failures.txt"]}


def test_resume_keeps_matching_records_and_redoes_the_rest(
    cohort: Path, one_job: dict[str, bytes], tmp_path: Path
) -> None:
    bundles = tmp_path / "bundles"
    shutil.copytree(cohort, bundles)
    out = tmp_path / "out"
    assert _run("assess", bundles, "-o", out, "--jobs", 2, "--no-roadmap") == 1
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    deleted = sorted(out.glob("agency-*.json"))[0]
    deleted.unlink()
    truncated = sorted(out.glob("municipality-*.json"))[0]
    truncated.write_bytes(truncated.read_bytes()[:500])
    changed = next(bundles.glob("*/ministry-003"))
    talent = changed / "talent.toml"
    talent.write_text(talent.read_text(encoding="utf-8") + "\n[talent.extra]\nnote = 1\n",
                      encoding="utf-8")
    assert _run("assess", bundles, "-o", out, "--jobs", 2, "--no-roadmap", "--resume") == 1
    rewritten = {p.name for p in out.glob("*.json")
                 if stamps.get(p.name) != p.stat().st_mtime_ns}
    assert rewritten == {deleted.name, truncated.name, "ministry-003.json"}
    again = _files(out)
    assert {k: v for k, v in again.items() if k != "ministry-003.json"} == {
        k: v for k, v in one_job.items() if k != "ministry-003.json"}
    assert again["ministry-003.json"] != one_job["ministry-003.json"]
    # Another setting pins other records: nothing is kept.
    assert _run("assess", bundles, "-o", out, "--jobs", 2, "--no-roadmap", "--resume",
                "--level-threshold", "0.8") == 1
    assert all(stamps.get(p.name) != p.stat().st_mtime_ns for p in out.glob("*.json"))


def test_resume_needs_json_records(cohort: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert _run("assess", cohort, "-o", tmp_path, "--resume", "--format", "md") == 2
    assert "usage.resume-format" in capsys.readouterr().err


def test_a_target_no_pack_has_stops_the_batch_before_any_bundle(
        cohort: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _run("assess", cohort, "-o", out, "--target", "digital_by_design=L4") == 2
    err = capsys.readouterr().err
    # Said once, where it was given, with the near miss; nothing assessed or written.
    assert err.count("usage.target-dimension") == 1
    assert "--target digital_by_design=L4: " in err
    assert "did you mean 'digital-by-design'?" in err
    assert not out.exists()


def _plan(session: Session, out: Path, **changes: Any) -> tuple[BatchPlan, Any]:
    rules, _ = session.load_rules()
    provenance = provenance_for(session, [])
    settings: dict[str, Any] = dict(
        packs=None, pack_dirs=(), profiles=(), limits={}, autoload=False, skip_broken=False,
        scoring="oecd-dgi", as_of=None, level_threshold=0.75, lang=None, format="json",
        roadmap=None, waivers=(), provenance=provenance, summary_only=True, resume=False,
        output=str(out))
    settings.update(changes)
    return BatchPlan(**settings), rules


def test_workers_that_see_other_plugins_are_refused(cohort: Path, tmp_path: Path) -> None:
    session = Session(host=create_host(autoload=False))
    plan, rules = _plan(session, tmp_path, fingerprint=("not", "these", "packs"))
    with pytest.raises(UsageError) as raised:
        execute(plan, session, rules, bundle_tasks(session, [cohort]), 2, log=io.StringIO())
    assert raised.value.code == "usage.batch-workers"


class _AllInOne:
    """A plugin format that takes every record of a batch into one file."""

    MATURITY_PLUGIN_API = ">=1,<2"

    @hookimpl
    def maturity_report_formats(self) -> list[ReportFormat]:
        def render(records: Any, options: Any) -> bytes:
            return b"".join(canonical_bytes(r) for r in records)

        return [ReportFormat("all-in-one", ".jsonl", "every record, one per line", render,
                             batch=True)]


def test_a_batch_format_gets_every_record_in_one_file(tmp_path: Path) -> None:
    session = Session(host=create_host(autoload=False, extra=[("all-in-one", _AllInOne())]))
    root = tmp_path / "bundles"
    write_cohort(root, 5, seed=9)
    out = tmp_path / "all.jsonl"
    plan, rules = _plan(session, out, format="all-in-one", summary_only=False)
    assert execute(plan, session, rules, bundle_tasks(session, [root]), 2,
                   log=io.StringIO()) == 0
    assert len(out.read_bytes().splitlines()) == 5


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_log_lines_elsewhere(tmp_path: Path) -> None:
    session = Session(host=create_host(autoload=False))
    root = tmp_path / "bundles"
    write_cohort(root, 12, seed=4)
    plan, rules = _plan(session, tmp_path / "out")
    logged = io.StringIO()
    execute(plan, session, rules, bundle_tasks(session, [root]), 1, log=logged)
    lines = logged.getvalue().splitlines()
    assert [line.split("]")[0] for line in lines[:-1]] == [f"[{n}" for n in range(1, 11)]
    assert lines[-1].startswith("12 bundles in ") and lines[-1].endswith("12 assessed, 0 failed")
    terminal = _Terminal()
    execute(plan, session, rules, bundle_tasks(session, [root]), 1, log=terminal)
    assert "12/12" in terminal.getvalue() and "[1]" not in terminal.getvalue()


def test_resume_keeps_records_made_with_waivers(tmp_path: Path) -> None:
    bundles = tmp_path / "bundles"
    write_cohort(bundles, 6, seed=7)
    waivers = tmp_path / "waivers.toml"
    waivers.write_text(
        '[[waivers]]\nrule = "DBD-SA-01"\njustification = "A new strategy is in consultation"\n'
        'approver = "Chief Digital Officer"\ngranted = 2026-01-01\nexpires = 2027-01-01\n'
        'risk = "low"\n\n[[waivers]]\nrule = "DBD-SA-01"\norganisation = "ministry-000"\n'
        'justification = "Merged into the national plan"\napprover = "Minister"\n'
        'granted = 2025-01-01\nexpires = 2026-01-01\nrisk = "medium"\n', encoding="utf-8")
    out = tmp_path / "out"
    args = ["assess", str(bundles), "-o", str(out), "--no-roadmap", "--waivers", str(waivers)]
    assert _run(*args) == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")}
    first = _files(out)
    assert _run(*args, "--resume") == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.json")} == stamps
    assert _files(out) == first


# Text that needs quoting (commas, quotes, line breaks) and text that does not, often empty.
_FIELDS = st.one_of(st.sampled_from(["", "org-1", "a,b", 'say "hi"', "x\ny", "r\r", " ", "é"]),
                    st.text(max_size=8))


@given(st.lists(st.lists(_FIELDS, min_size=1, max_size=5), max_size=6))
def test_summary_text_is_what_the_csv_module_writes(rows: list[list[str]]) -> None:
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(rows)
    assert csv_text(rows) == expected.getvalue()
