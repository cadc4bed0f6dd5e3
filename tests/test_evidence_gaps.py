"""Evidence that used to be read wrongly without a word: office lock files, links that lead
nowhere, a directory's header given alone, empty streams, line 0, documents collected after
the assessment date, a period given twice to `trend`, and documents missing from the bundle."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity.api import Session, assess_bundle, provenance_for
from maturity.checks import EvalContext
from maturity.cli import main
from maturity.engine import evaluate
from maturity.errors import EvidenceError, RecordError
from maturity.evidence import line_ref, stream_lines
from maturity.fastpath import FastRuleSet
from maturity.limits import Limits
from maturity.model import DocumentInfo
from maturity.plugins import AUTOLOAD_ENV
from maturity.ruleset import RuleSet
from maturity.scoring import BUILTIN_SCORING_MODELS
from maturity.trend import trend
from tests.conftest import EXAMPLES
from tests.test_compare import record

HEALTH = "ministry-of-health"
STRATEGY = "documents/dgpf-digital-strategy.md"


@pytest.fixture(autouse=True)
def _no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV, "1")


def _example(root: Path, name: str = HEALTH) -> Path:
    """A copy of an example bundle under `root`, with the example's directory name."""
    target = root / name
    shutil.copytree(EXAMPLES / name, target)
    return target


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str]:
    """The exit code and stderr of the real command line (never a traceback)."""
    code = main([str(a) for a in args])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    return code, err


def _first_line(err: str) -> str:
    return err.splitlines()[0] if err else ""


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- 1. office lock files ---------------------------------------------------------------------


def test_office_lock_files_beside_the_evidence_are_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clean = _example(tmp_path / "clean")
    locked = _example(tmp_path / "locked")
    (locked / "~$talent.xlsx").write_bytes(b"\x00lock owner\x00")  # Excel, while it is open
    (locked / ".~lock.talent.xlsx#").write_text(",owner,host,2026-10-31;")  # LibreOffice
    outputs = []
    for bundle in (clean, locked):
        out = bundle.parent / "record.json"
        code, err = _run(capsys, "assess", bundle, "-o", out, "--no-roadmap")
        assert code == 0, err
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]  # the lock files are not in the record either


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stem=st.text(st.characters(categories=["L", "N"]), max_size=12),
       suffix=st.sampled_from([".xlsx", ".XLSX", ".toml", ".json", ".yaml", ".yml"]),
       data=st.binary(max_size=64))
def test_any_lock_file_is_left_out_of_the_bundle(
    stem: str, suffix: str, data: bytes, session: Session,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    bundle = _example(tmp_path_factory.mktemp("lock"))
    expected = session.load_evidence(bundle)
    (bundle / f"~${stem}{suffix}").write_bytes(data)
    loaded = session.load_evidence(bundle)
    assert loaded.files == expected.files and loaded.data == expected.data


# --- 2. links that lead nowhere ---------------------------------------------------------------


@pytest.mark.parametrize(("links", "named", "found"), [
    ({"extra.toml": "missing.toml"}, "extra.toml", "a broken symbolic link"),
    ({"extra.toml": "documents/gone/extra.toml"}, "extra.toml", "a broken symbolic link"),
    ({"extra.toml": "extra.toml"}, "extra.toml", "a symbolic link loop"),
    ({"extra.toml": "b.json", "b.json": "extra.toml"}, "b.json", "a symbolic link loop"),
])
def test_an_evidence_link_that_leads_nowhere_is_refused(
    links: dict[str, str], named: str, found: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = _example(tmp_path)
    for name, target in links.items():
        os.symlink(target, bundle / name)
    code, err = _run(capsys, "assess", bundle, "-o", tmp_path / "record.json")
    assert code == 2
    assert _first_line(err) == (
        f"error[evidence.broken-link]: {HEALTH}/{named}: "
        "the link does not lead to an evidence file")
    assert "expected: an evidence file" in err
    assert f"found: {found}" in err
    assert "fix: remove the link or restore its target" in err
    assert not (tmp_path / "record.json").exists()


def test_a_broken_link_without_an_evidence_suffix_is_still_ignored(
    session: Session, tmp_path: Path
) -> None:
    bundle = _example(tmp_path)
    os.symlink("gone.md", bundle / "notes.md")
    assert [f.path for f in session.load_evidence(bundle).files] == [
        "bundle.toml", "dgpf.toml", "talent.toml"]


# --- 3. a directory's header given alone ------------------------------------------------------


def test_the_header_of_a_bundle_directory_alone_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = _example(tmp_path)
    code, err = _run(capsys, "assess", bundle / "bundle.toml", "-o", tmp_path / "record.json")
    assert code == 2
    assert _first_line(err).startswith("error[evidence.lone-header]: bundle.toml: ")
    assert "the bundle's other files would be ignored" in err
    assert "found: evidence files beside it: dgpf.toml, talent.toml" in err
    assert f"fix: pass the directory {HEALTH} instead of bundle.toml" in err
    assert not (tmp_path / "record.json").exists()


def test_a_single_file_bundle_named_bundle_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its documents folder, notes and office lock files beside it are not evidence files."""
    source = EXAMPLES / HEALTH
    folder = tmp_path / "single"
    shutil.copytree(source / "documents", folder / "documents")
    (folder / "bundle.toml").write_text(
        (source / "bundle.toml").read_text(encoding="utf-8") + "\n"
        + (source / "dgpf.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "README.md").write_text("notes\n")
    (folder / "~$bundle.toml").write_bytes(b"lock")
    out = tmp_path / "record.json"
    code, err = _run(capsys, "assess", folder / "bundle.toml", "-o", out, "--no-roadmap")
    assert code == 0, err
    assert json.loads(out.read_bytes())["scores"]["oecd-dgpf"]["index"] > 0


def test_a_single_file_bundle_among_others_is_not_a_header(
    session: Session, tmp_path: Path
) -> None:
    """Only a file named `bundle.*` is a directory's header: `org-a.toml` beside `org-b.toml`
    is one bundle of a folder of single-file bundles."""
    header = (EXAMPLES / HEALTH / "bundle.toml").read_text(encoding="utf-8")
    (tmp_path / "org-a.toml").write_text(header)
    (tmp_path / "org-b.toml").write_text(header.replace(HEALTH, "ministry-b"))
    assert session.load_evidence(tmp_path / "org-a.toml").organisation.id == HEALTH


# --- 4. an empty stream -----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "found"), [
    (b"", "an empty file"), (b"\n \t\n\r\n", "3 blank line(s)"),
    (b"\xef\xbb\xbf\n", "1 blank line(s)")])
def test_a_stream_without_a_bundle_is_refused_as_an_empty_directory_is(
    text: bytes, found: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = tmp_path / "s.jsonl"
    stream.write_bytes(text)
    (tmp_path / "empty").mkdir()
    code, err = _run(capsys, "assess", stream, "-o", tmp_path / "out")
    assert code == 2
    assert _first_line(err) == "error[evidence.no-bundles]: s.jsonl: no evidence bundle found"
    assert f"found: {found}" in err
    assert not (tmp_path / "out").exists()
    code, err = _run(capsys, "assess", tmp_path / "empty", "-o", tmp_path / "out")
    assert (code, _first_line(err)) == (
        2, "error[evidence.no-bundles]: empty: no evidence bundle found")


def test_naming_a_line_of_an_empty_stream_says_it_holds_no_bundle(
    session: Session, tmp_path: Path
) -> None:
    (tmp_path / "s.jsonl").write_bytes(b"\n\n")
    with pytest.raises(EvidenceError) as caught:
        session.load_evidence(tmp_path / "s.jsonl:1")
    assert caught.value.code == "evidence.no-bundles"


def test_a_stream_of_blank_lines_yields_nothing_before_it_is_refused(tmp_path: Path) -> None:
    stream = tmp_path / "s.ndjson"
    stream.write_bytes(b"  \n" * 3)
    lines = stream_lines(stream, Limits())
    with pytest.raises(EvidenceError) as caught:
        next(lines)
    assert caught.value.file == "s.ndjson"


# --- 5. line 0 --------------------------------------------------------------------------------


def test_line_zero_of_a_stream_says_lines_start_at_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "s.jsonl").write_text("{}\n")
    code, err = _run(capsys, "assess", f"{tmp_path / 's.jsonl'}:0", "-o", tmp_path / "r.json")
    assert code == 2
    assert _first_line(err) == (
        "error[evidence.line-number]: s.jsonl:0: line numbers of a stream start at 1")
    assert "expected: a line number from 1\n  found: 0\n" in err
    assert "no such file" not in err


@given(line=st.one_of(
    st.from_regex(r"0+", fullmatch=True),
    st.from_regex(r"0[1-9][0-9]{0,3}", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{12,14}", fullmatch=True),
    st.text(st.characters(codec="ascii", exclude_characters="/:\x00"), max_size=8),
))
@settings(max_examples=60, deadline=None)
def test_what_is_not_a_line_number_is_said_so(
    line: str, session: Session, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp_path = tmp_path_factory.mktemp("line")
    stream = tmp_path / "s.jsonl"
    stream.write_text("{}\n")
    name = f"s.jsonl:{line}"
    if line_ref(name) is not None or line in (".", ".."):
        return
    with pytest.raises(EvidenceError) as caught:
        session.load_evidence(tmp_path / name)
    assert caught.value.code == "evidence.line-number"
    assert caught.value.expected is not None and "a line number from 1" in caught.value.expected


def test_a_line_of_a_stream_that_does_not_exist_is_not_found(
    session: Session, tmp_path: Path
) -> None:
    with pytest.raises(EvidenceError) as caught:
        session.load_evidence(tmp_path / "absent.jsonl:0")
    assert caught.value.code == "evidence.not-found"


# --- 6. documents collected after the assessment date -----------------------------------------


def _late(bundle: Path, collected: str = "2027-09-15") -> None:
    _edit(bundle / "dgpf.toml", "collected = 2026-09-15", f"collected = {collected}")


def test_a_document_collected_after_the_assessment_date_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = _example(tmp_path)
    _late(bundle)
    code, err = _run(capsys, "assess", bundle, "-o", tmp_path / "r.json")
    assert code == 2
    assert _first_line(err).startswith(
        f"error[evidence.document-late]: {HEALTH}/dgpf.toml: strategy.digital.text.collected: "
        f"document '{STRATEGY}' was collected after the assessment date")
    assert "expected: a date on or before the assessment date 2026-10-31\n  found: 2027-09-15" \
        in err
    assert not (tmp_path / "r.json").exists()


def test_the_effective_assessment_date_decides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--as-of overrides the bundle's date after the bundle is read: a later one makes the
    document timely, an earlier one makes the bundle's own documents late."""
    late = _example(tmp_path / "late")
    _late(late)
    code, err = _run(capsys, "assess", late, "-o", tmp_path / "r1.json", "--as-of", "2027-09-15",
                     "--no-roadmap")
    assert code == 0, err
    on_time = _example(tmp_path / "on-time")
    code, err = _run(capsys, "assess", on_time, "-o", tmp_path / "r2.json", "--as-of",
                     "2026-09-14", "--no-roadmap")
    assert code == 2
    assert "found: 2026-09-15" in err and "assessment date 2026-09-14" in err
    code, err = _run(capsys, "assess", on_time, "-o", tmp_path / "r3.json", "--no-roadmap")
    assert code == 0, err


def test_a_document_collected_on_the_assessment_date_is_timely(
    session: Session, builtin_rules: RuleSet, tmp_path: Path
) -> None:
    bundle = _example(tmp_path)
    _late(bundle, "2026-10-31")
    loaded = session.load_evidence(bundle)
    outcomes = evaluate(builtin_rules, loaded.data, dt.date(2026, 10, 31), loaded.documents)
    assert {o.rule: o.status.value for o in outcomes}["DBD-SA-01"] == "pass"


def test_every_evaluator_refuses_a_late_document(
    session: Session, builtin_rules: RuleSet, tmp_path: Path
) -> None:
    """The generated evaluator and a batch's summaries refuse it as the reference does, so a
    record never depends on which of them assessed the bundle."""
    bundle = _example(tmp_path)
    _late(bundle)
    loaded = session.load_evidence(bundle)
    day = dt.date(2026, 10, 31)
    fast = FastRuleSet(builtin_rules, session.compiler)
    with pytest.raises(EvidenceError):
        fast.outcomes(loaded.data, day, loaded.documents)
    with pytest.raises(EvidenceError):
        fast.verdicts(loaded.data, EvalContext(day, loaded.documents))
    with pytest.raises(EvidenceError) as caught:
        assess_bundle(loaded, builtin_rules, model=BUILTIN_SCORING_MODELS[0], fast=fast,
                      provenance=provenance_for(session, []))
    # The generated code's refusal falls back to the reference, which names the key.
    assert (caught.value.file, caught.value.location) == (
        f"{HEALTH}/dgpf.toml", "strategy.digital.text.collected")


def test_a_batch_reports_the_bundle_with_a_late_document_even_for_summaries_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "bundles"
    _example(root)
    late = _example(root, "ministry-of-finance")
    _edit(late / "dgpf.toml", "collected = 2026-", "collected = 2027-")
    for extra in ([], ["--summary-only"]):
        out = tmp_path / f"out{len(extra)}"
        code, _err = _run(capsys, "assess", root, "-o", out, "--jobs", "1", "--no-roadmap",
                          *extra)
        assert code == 1
        rows = (out / "summary.csv").read_text(encoding="utf-8").splitlines()
        assert [r for r in rows if "failed" in r] == [
            "ministry-of-finance,,,,,,,,,,failed: evidence.document-late"]
        assert "ministry-of-finance/dgpf.toml: " in (out / "failures.txt").read_text("utf-8")


@given(as_of=st.dates(dt.date(2000, 1, 1), dt.date(2040, 1, 1)),
       collected=st.lists(st.one_of(st.none(), st.dates(dt.date(2000, 1, 1),
                                                         dt.date(2040, 1, 1))), max_size=4))
def test_a_context_is_refused_exactly_when_a_document_is_late(
    as_of: dt.date, collected: list[dt.date | None]
) -> None:
    documents = {f"d{i}.md": DocumentInfo(f"d{i}.md", "a" * 64, 1, None, day)
                 for i, day in enumerate(collected)}
    late = [d for d in collected if d is not None and d > as_of]
    if late:
        with pytest.raises(EvidenceError) as caught:
            EvalContext(as_of, documents)
        assert caught.value.found == next(iter(late)).isoformat()
    else:
        assert EvalContext(as_of, documents).as_of == as_of


# --- 7. one record per period in a trend -------------------------------------------------------


def test_a_trend_refuses_two_records_of_one_period() -> None:
    with pytest.raises(RecordError) as caught:
        trend([record("mof", 0.2, period="2025"), record("mof", 0.4, period="2026"),
               record("mof", 0.5, period="2026")], ["a.json", "b.json", "c.json"])
    error = caught.value
    assert (error.code, error.file, error.expected, error.fix) == (
        "record.trend-periods", "b.json, c.json", "one record per period", "remove one of them")
    assert error.found == "b.json and c.json, both of '2026'"


@given(periods=st.lists(st.sampled_from(["2023", "2024", "2025", "2026"]), min_size=1,
                        max_size=6))
def test_a_trend_has_one_point_per_period_or_none(periods: list[str]) -> None:
    records = [record("mof", 0.1 * (i + 1) / 2, period=p) for i, p in enumerate(periods)]
    names = [f"r{i}.json" for i in range(len(periods))]
    if len(set(periods)) == len(periods):
        (pack,) = trend(records, names).packs
        assert [p.period for p in pack.points] == sorted(periods)
        return
    with pytest.raises(RecordError) as caught:
        trend(records, names)
    # The first period given again, named by its first two files in the order given.
    second = next(i for i, p in enumerate(periods) if p in periods[:i])
    first = periods.index(periods[second])
    assert caught.value.file == f"r{first}.json, r{second}.json"


def test_the_same_record_twice_is_refused_by_the_trend_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first.json"
    code, err = _run(capsys, "assess", EXAMPLES / HEALTH, "-o", first, "--no-roadmap")
    assert code == 0, err
    second = tmp_path / "second.json"
    shutil.copyfile(first, second)
    out = tmp_path / "trend.csv"
    code, err = _run(capsys, "trend", first, second, "-o", out, "--format", "csv")
    assert code == 2
    assert _first_line(err) == (
        "error[record.trend-periods]: first.json, second.json: two records of the period '2026'")
    assert "fix: remove one of them" in err
    assert not out.exists()


# --- 8. why a document gives no credit --------------------------------------------------------


def _detail(bundle_record: dict[str, Any], rule: str) -> str:
    (outcome,) = [o for o in bundle_record["outcomes"] if o["rule"] == rule]
    return str(outcome["detail"])


def test_the_explanation_says_a_document_is_not_in_the_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = _example(tmp_path)
    _edit(bundle / "dgpf.toml", f'document = "{STRATEGY}"', 'document = "Documents/'
          'dgpf-digital-strategy.md"')
    out = tmp_path / "r.json"
    code, err = _run(capsys, "assess", bundle, "-o", out, "--no-roadmap")
    assert code == 0, err
    assert _detail(json.loads(out.read_bytes()), "DBD-SA-01") == (
        "credit 0; document 'Documents/dgpf-digital-strategy.md' is not in the bundle")


def _reference_and_fast(session: Session, rules: RuleSet, bundle: Path) -> list[Any]:
    loaded = session.load_evidence(bundle)
    day = loaded.as_of
    assert day is not None
    reference = evaluate(rules, loaded.data, day, loaded.documents)
    fast = FastRuleSet(rules, session.compiler).outcomes(loaded.data, day, loaded.documents)
    assert fast == reference
    return reference


def test_did_you_mean_names_a_document_of_the_bundle_that_differs_in_case(
    session: Session, builtin_rules: RuleSet, tmp_path: Path
) -> None:
    bundle = _example(tmp_path)
    # The data strategy rule references the strategy correctly, the digital one in capitals.
    (bundle / "extra.toml").write_text(
        f'[notes]\nstrategy = {{ document = "{STRATEGY}", collected = 2026-09-15 }}\n')
    _edit(bundle / "dgpf.toml", f'document = "{STRATEGY}"', 'document = "DOCUMENTS/'
          'DGPF-digital-strategy.md"')
    outcomes = {o.rule: o for o in _reference_and_fast(session, builtin_rules, bundle)}
    assert outcomes["DBD-SA-01"].explanation.detail == (
        "credit 0; document 'DOCUMENTS/DGPF-digital-strategy.md' is not in the bundle "
        f"(did you mean '{STRATEGY}'?)")


def test_the_explanation_says_a_document_does_not_match_its_sha256(
    session: Session, builtin_rules: RuleSet, tmp_path: Path
) -> None:
    bundle = _example(tmp_path)
    _edit(bundle / "dgpf.toml", 'sha256 = "007d2a139a0f5fbdf1fdd623656d73706c4f7201a575897ef52f9'
          '54c893af679"', f'sha256 = "{"0" * 64}"')
    outcomes = {o.rule: o for o in _reference_and_fast(session, builtin_rules, bundle)}
    assert outcomes["DBD-SA-01"].explanation.detail == (
        f"credit 0; document '{STRATEGY}' does not match its declared sha256")


def test_explanations_without_a_document_problem_are_unchanged(
    session: Session, builtin_rules: RuleSet
) -> None:
    outcomes = _reference_and_fast(session, builtin_rules, EXAMPLES / HEALTH)
    details = {o.explanation.detail for o in outcomes if o.explanation.detail.startswith("credit")}
    assert all("document" not in d for d in details)
    assert "credit 1" in details and "credit 0" in details


def test_the_did_you_mean_hint_does_not_depend_on_the_order_of_documents(
    session: Session, builtin_rules: RuleSet, tmp_path: Path
) -> None:
    """The did-you-mean hint is the first match in sorted order, whatever the bundle's order."""
    bundle = _example(tmp_path)
    _edit(bundle / "dgpf.toml", f'document = "{STRATEGY}"', 'document = "documents/X.md"')
    loaded = session.load_evidence(bundle)
    day = dt.date(2026, 10, 31)
    documents = dict(loaded.documents)
    documents["documents/x.md"] = DocumentInfo("documents/x.md", "a" * 64, 1)
    documents["documents/x.MD"] = DocumentInfo("documents/x.MD", "b" * 64, 1)
    backwards = dict(reversed(list(documents.items())))
    first = evaluate(builtin_rules, loaded.data, day, documents)
    second = evaluate(builtin_rules, loaded.data, day, backwards)
    assert first == second
    assert "(did you mean 'documents/x.MD'?)" in {o.rule: o for o in first}[
        "DBD-SA-01"].explanation.detail
