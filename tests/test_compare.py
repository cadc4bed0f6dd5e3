"""Comparing organisations: ranks with ties, distributions, groups, weakest rules, anonymity."""

from __future__ import annotations

import csv
import io
import itertools
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.cohort import write_cohort
from maturity.cli import main
from maturity.compare import Cohort, compare, comparison, quantile, render_comparison
from maturity.plugins import AUTOLOAD_ENV

DIMS = ("d-one", "d-two")


def record(org: str, index: float, dims: tuple[float, float] = (0.5, 0.5), *,
           kind: str = "ministry", parent: str = "gov", version: str = "1.0.0",
           outcomes: list[dict[str, Any]] | None = None, name: str | None = None,
           period: str = "2026") -> dict[str, Any]:
    return {
        "organisation": {"id": org, "name": name or org.title(), "kind": kind,
                         "parent": parent},
        "assessment": {"as_of": f"{period}-10-31", "period": period},
        "packs": [{"id": "p", "version": version, "sha256": version * 8}],
        "scoring": {"model": "oecd-dgi", "settings": {"level_threshold": 0.75}},
        "scores": {"p": {"index": index, "dimensions": {
            d: {"score": s, "level": 1, "facets": {}, "counted": 1}
            for d, s in zip(DIMS, dims, strict=True)}}},
        "outcomes": outcomes or [],
    }


def outcome(rule: str, dimension: str, weight: float, credit: float, status: str
            ) -> dict[str, Any]:
    return {"rule": rule, "pack": "p", "dimension": dimension, "weight": weight,
            "credit": credit, "status": status, "title": f"Rule {rule}",
            "remediation": {"action": f"Do {rule}"}}


def test_ties_share_a_rank_and_the_next_rank_skips() -> None:
    result = compare([record("a", 0.5), record("b", 0.8), record("c", 0.5), record("d", 0.2)])
    ranking = [(r.id, r.rank) for r in result.packs[0].ranking]
    assert ranking == [("b", 1), ("a", 2), ("c", 2), ("d", 4)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=30))
def test_a_rank_is_one_more_than_the_organisations_above(indexes: list[float]) -> None:
    result = compare([record(f"o{i:02d}", x) for i, x in enumerate(indexes)])
    for ranked in result.packs[0].ranking:
        assert ranked.rank == 1 + sum(x > ranked.index for x in indexes)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.floats(0, 1))
def test_quantiles_lie_between_the_extremes_and_grow(values: list[float], p: float) -> None:
    ordered = sorted(values)
    assert ordered[0] <= quantile(ordered, p) <= ordered[-1]
    assert quantile(ordered, 0.25) <= quantile(ordered, 0.5) <= quantile(ordered, 0.75)
    assert quantile(ordered, 0.0) == ordered[0] and quantile(ordered, 1.0) == ordered[-1]


def test_distribution_and_group_averages() -> None:
    records = [record("a", 0.1, (0.0, 0.2), kind="agency"),
               record("b", 0.5, (0.4, 0.6), kind="agency"),
               record("c", 0.9, (1.0, 0.8), kind="ministry")]
    pack = compare(records).packs[0]
    first = pack.distributions[0]
    assert (first.minimum, first.q1, first.median, first.q3, first.maximum) == (
        0.0, 0.2, 0.4, 0.7, 1.0)
    assert first.mean == pytest.approx(1.4 / 3)
    groups = {g.name: g for g in pack.groups}
    assert groups["agency"].count == 2 and groups["agency"].index == pytest.approx(0.3)
    assert groups["agency"].dimensions == pytest.approx((0.2, 0.4))
    by_parent = compare([record("a", 0.2, parent="x"), record("b", 0.4, parent="y"),
                         record("c", 0.6, parent="y")], group_by="parent").packs[0]
    assert [(g.name, g.count) for g in by_parent.groups] == [("x", 1), ("y", 2)]


def test_weakest_rules_by_index_points_to_gain() -> None:
    # Two dimensions; in d-one rule A (weight 1) fails and B (weight 3) passes: meeting A
    # raises d-one by 1/4 and the index (mean of two dimensions) by 1/8.
    outcomes = [outcome("A", "d-one", 1, 0.0, "fail"), outcome("B", "d-one", 3, 1.0, "pass"),
                outcome("C", "d-two", 1, 0.5, "partial"),
                outcome("D", "d-two", 1, 0.0, "not_applicable")]
    other = [outcome("A", "d-one", 1, 1.0, "pass"), outcome("B", "d-one", 3, 1.0, "pass"),
             outcome("C", "d-two", 1, 0.0, "not_assessed"),
             outcome("D", "d-two", 1, 0.0, "fail")]
    pack = compare([record("a", 0.5, outcomes=outcomes),
                    record("b", 0.5, outcomes=other)], weakest=3).packs[0]
    weakest = {w.rule: w for w in pack.weakest}
    # C and D would both add a quarter point; D has the lower mean credit, so it comes first.
    assert list(weakest) == ["D", "C", "A"]
    assert weakest["D"].gain == pytest.approx(1 / 2 / 2)
    assert weakest["A"].gain == pytest.approx((1 / 8 + 0) / 2)
    assert weakest["A"].gap_share == 0.5 and weakest["A"].mean_credit == 0.5
    # C: half of d-two for a (D does not apply there), half of a half for b.
    assert weakest["C"].gain == pytest.approx(((1 - 0.5) / 1 / 2 + 1 / 2 / 2) / 2)
    assert weakest["D"].assessed == 1 and weakest["D"].gap_share == 1.0
    assert weakest["C"].title == "Rule C" and weakest["C"].action == "Do C"
    # B, met by both, is no reform: a longer list still leaves it out.
    longer = compare([record("a", 0.5, outcomes=outcomes),
                      record("b", 0.5, outcomes=other)], weakest=15).packs[0]
    assert [w.rule for w in longer.weakest] == ["D", "C", "A"]


def test_anonymous_numbers_follow_the_scores_not_the_public_ids() -> None:
    # In id order, "aaa" would be Organisation 1 whatever its score: anyone holding the
    # list of ids could undo the anonymisation.
    records = [record("aaa", 0.2), record("mmm", 0.9), record("zzz", 0.5)]
    ranking = compare(records, anonymise_below=5).packs[0].ranking
    assert [(r.label, r.index) for r in ranking] == [
        ("Organisation 1", 0.9), ("Organisation 2", 0.5), ("Organisation 3", 0.2)]


def test_small_cohorts_are_anonymised_and_small_groups_withheld() -> None:
    records = [record("zeta", 0.4, kind="agency"), record("alpha", 0.6),
               record("beta", 0.5)]
    result = compare(records, anonymise_below=5)
    assert result.anonymised
    assert [(r.label, r.id, r.parent) for r in result.packs[0].ranking] == [
        ("Organisation 1", "", ""), ("Organisation 2", "", ""), ("Organisation 3", "", "")]
    assert all(g.index is None for g in result.packs[0].groups)
    for fmt in ("html", "md", "csv"):
        text = render_comparison(result, fmt).decode()
        assert "alpha" not in text.lower() and "zeta" not in text.lower()
        assert "gov" not in text
    named = compare(records, anonymise_below=2)
    assert not named.anonymised
    groups = {g.name: g.index for g in named.packs[0].groups}
    assert groups == {"agency": None, "ministry": pytest.approx(0.55)}


def test_other_pack_versions_are_flagged_as_not_comparable() -> None:
    result = compare([record("a", 0.5), record("b", 0.6, version="2.0.0")])
    assert len(result.warnings) == 1 and "not comparable" in result.warnings[0]
    assert "Not comparable" in render_comparison(result, "html").decode()


def test_record_text_is_escaped_in_html_and_markdown() -> None:
    hostile = "<script>alert(1)</script> | *x*"
    result = compare([record("a", 0.5, name=hostile), record("b", 0.2)])
    html = render_comparison(result, "html").decode()
    assert "<script>" not in html and "&lt;script&gt;" in html
    md = render_comparison(result, "md").decode()
    assert "<script>" not in md and "\\<script\\>" in md and "\\|" in md


def test_the_csv_holds_every_number_in_long_form() -> None:
    result = compare([record("a", 0.25, (0.5, 0.0)), record("b", 0.75, (1.0, 0.5))])
    rows = list(csv.DictReader(io.StringIO(render_comparison(result, "csv").decode())))
    scores = {(r["organisation"], r["dimension"] or "index"): float(r["value"])
              for r in rows if r["section"] == "score" and r["statistic"] in ("score", "index")}
    assert scores == {("a", "index"): 0.25, ("a", "d-one"): 0.5, ("a", "d-two"): 0.0,
                      ("b", "index"): 0.75, ("b", "d-one"): 1.0, ("b", "d-two"): 0.5}
    ranks = {r["organisation"]: r["value"] for r in rows if r["section"] == "rank"}
    assert ranks == {"b": "1", "a": "2"}


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    root = tmp_path_factory.mktemp("cmp")
    write_cohort(root / "bundles", 12, seed=5)
    os.environ[AUTOLOAD_ENV] = "1"
    try:
        assert main(["assess", str(root / "bundles"), "-o", str(root / "out"), "--jobs", "1",
                     "--no-roadmap"]) == 0
    finally:
        del os.environ[AUTOLOAD_ENV]
    return root / "out"


@pytest.mark.parametrize("suffix", ["html", "md", "csv"])
def test_compare_a_batch_directory(batch_out: Path, tmp_path: Path, suffix: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    out = tmp_path / f"cmp.{suffix}"
    assert main(["compare", str(batch_out), "-o", str(out), "--by", "parent"]) == 0
    files = sorted(str(p) for p in batch_out.glob("*.json"))
    random.Random(3).shuffle(files)
    again = tmp_path / f"again.{suffix}"
    assert main(["compare", *files, "-o", str(again), "--by", "parent"]) == 0
    assert out.read_bytes() == again.read_bytes()
    text = out.read_text(encoding="utf-8")
    if suffix == "html":
        assert text.count('class="chart heatmap"') == 2 and text.count('class="boxplot"') == 2
        assert "Digital by design" in text and "Weakest rules across the cohort" in text
    elif suffix == "md":
        assert "| Rank | Organisation |" in text and "### Weakest rules" in text
    else:
        assert text.startswith("section,pack,organisation,")


def test_compare_refuses_an_unknown_output_format(batch_out: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", str(batch_out), "-o", str(tmp_path / "x.pdf")]) == 2
    assert "usage.unknown-format" in capsys.readouterr().err


def test_worker_processes_give_the_same_comparison(batch_out: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from maturity import cohort

    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    monkeypatch.setattr(cohort, "IN_PROCESS_BELOW", 1)
    monkeypatch.setattr(cohort, "CHUNK", 5)  # 12 records: chunks of 5, 5 and 2
    for jobs in ("1", "2"):
        assert main(["compare", str(batch_out), "-o", str(tmp_path / f"{jobs}.csv"),
                     "--jobs", jobs]) == 0
    assert (tmp_path / "1.csv").read_bytes() == (tmp_path / "2.csv").read_bytes()


def test_a_bad_record_read_by_a_worker_stops_the_comparison(
        batch_out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from maturity import cohort

    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    monkeypatch.setattr(cohort, "IN_PROCESS_BELOW", 1)
    monkeypatch.setattr(cohort, "CHUNK", 5)
    records = sorted(batch_out.glob("*.json"))
    bad = json.loads(records[-1].read_text(encoding="utf-8"))
    bad["scores"][sorted(bad["scores"])[0]]["index"] = "high"
    (tmp_path / "zz-edited.json").write_text(json.dumps(bad), encoding="utf-8")
    out = tmp_path / "out" / "comparison.html"
    code = main(["compare", *map(str, records), str(tmp_path / "zz-edited.json"), "-o",
                 str(out), "--jobs", "2"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "error[record.invalid]: zz-edited.json: scores.oecd-dgpf.index:" in err
    assert not out.exists() and not out.parent.exists()


_STATUSES = ["pass", "partial", "fail", "not_applicable", "waived", "not_assessed"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.lists(st.tuples(
    st.sampled_from(["r1", "r2", "r3", "r4"]), st.sampled_from(DIMS),
    st.sampled_from([0.5, 1.0, 2.0]), st.floats(0, 1), st.sampled_from(_STATUSES),
    st.booleans()), max_size=4)), min_size=1, max_size=12),
    st.lists(st.integers(0, 12), max_size=4))
def test_cohorts_of_runs_of_records_add_up_to_the_whole(
        made: list[tuple[float, list[tuple[str, str, float, float, str, bool]]]],
        cuts: list[int]) -> None:
    """Workers summarise runs of records into cohorts of their own; absorbed in order, they
    give the comparison of every record merged one by one, to the last bit."""
    records = []
    for i, (index, rules) in enumerate(made):
        outcomes = []
        for rule, dim, weight, credit, status, named in rules:
            item = outcome(rule, dim, weight, credit, status)
            if not named:
                item["remediation"] = {}  # settled rules name no remediation
            outcomes.append(item)
        records.append(record(f"o{i:02d}", index, outcomes=outcomes,
                              kind=["ministry", "agency"][i % 2]))
    whole = compare(records, weakest=10)
    bounds = sorted({0, len(records), *(min(c, len(records)) for c in cuts)})
    cohort = Cohort()
    for start, end in itertools.pairwise(bounds):
        part = Cohort()
        for r in records[start:end]:
            part.add(r)
        cohort.absorb(part)
    assert comparison(cohort, weakest=10) == whole
