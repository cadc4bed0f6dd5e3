"""End to end through the command line, as a user runs it with the plugin installed."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from egov_fixtures import (
    DATA,
    PUBLISHED,
    SCORE_DEVIATIONS,
    TOLERANCE,
    copy_countries,
    copy_layout,
    needs_data,
)

from maturity.cli import main

pytestmark = needs_data


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def batch_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("egbr") / "scores.csv"
    assert main(["assess", str(DATA), "--pack", "egov-benchmark-2023", "--format", "egbr-csv",
                 "-o", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("records")
    assert main(["assess", str(DATA), "--pack", "egov-benchmark-2023", "-o", str(out)]) == 0
    return out


def test_one_csv_for_all_countries_laid_out_as_the_publishers(batch_csv: Path) -> None:
    ours = _rows(batch_csv)
    published = _rows(PUBLISHED / "scores_2022.csv")
    assert ours[0] == published[0] == ["country", "life_event_or_scope", "node", "value"]
    # Same cells, same labels, same order: the files compare line by line.
    assert [r[:3] for r in ours] == [r[:3] for r in published]
    for mine, theirs in zip(ours[1:], published[1:], strict=True):
        key = (mine[0], mine[1], mine[2])
        close = abs(float(mine[3]) - float(theirs[3])) <= TOLERANCE
        assert close != (key in SCORE_DEVIATIONS), key
        if mine[3] != theirs[3] and close:
            # Within 1e-9 but another double: never a different spelling of the same one.
            assert float(mine[3]) != float(theirs[3])


def test_values_read_back_as_the_records_exact_doubles(batch_csv: Path, records: Path) -> None:
    at = json.loads((records / "at.json").read_text(encoding="utf-8"))
    hierarchy = at["scores"]["egov-benchmark-2023"]["hierarchy"]
    overall = next(n for n in hierarchy["nodes"] if n["id"] == "0")["values"]["average"]
    line = next(r for r in _rows(batch_csv) if r[:3] == ["AT", "Average (2022)",
                                                          "0. OVERALL SCORE"])
    assert float(line[3]) == float(overall) == 82.26838243785168
    assert all(not r[3].endswith(".0") for r in _rows(batch_csv)[1:])


def test_report_re_renders_the_records_to_the_same_bytes(batch_csv: Path, records: Path,
                                                         tmp_path: Path) -> None:
    names = sorted(str(p) for p in records.glob("*.json"))
    assert len(names) == 8
    again = tmp_path / "again.csv"
    assert main(["report", *names, "--format", "egbr-csv", "-o", str(again)]) == 0
    assert again.read_bytes() == batch_csv.read_bytes()


def test_a_countrys_record_renders_in_the_ordinary_formats(records: Path,
                                                           tmp_path: Path) -> None:
    at = json.loads((records / "at.json").read_text(encoding="utf-8"))
    pack = next(p for p in at["packs"] if p["id"] == "egov-benchmark-2023")
    assert pack["license"] == "CC-BY-4.0" and "European Commission" in pack["source"]
    assert at["scoring"]["packs"]["egov-benchmark-2023"]["model"] == "egov-benchmark-2023"
    assert [f["path"] for f in at["evidence"]["files"]] == sorted(
        f["path"] for f in at["evidence"]["files"])
    assert at["evidence"]["source"] == "egov-benchmark-2023/AT"
    for fmt in ("md", "html"):
        out = tmp_path / f"at.{fmt}"
        assert main(["report", str(records / "at.json"), "--format", fmt, "-o", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        # The pack and its index (the average overall score, 82.27 %), with or without the
        # pack installed where the report is rendered.
        assert "egov-benchmark-2023" in text and "82.3" in text
    again = tmp_path / "at.json"
    assert main(["report", str(records / "at.json"), "--format", "json", "-o", str(again)]) == 0
    assert again.read_bytes() == (records / "at.json").read_bytes()


def test_records_are_the_same_bytes_whatever_directory_holds_the_data(
    records: Path, tmp_path: Path
) -> None:
    copy = copy_layout(tmp_path / "egov-benchmark-2023")
    out = tmp_path / "again"
    assert main(["assess", str(copy), "--pack", "egov-benchmark-2023", "-o", str(out)]) == 0
    for name in ("at.json", "si.json"):
        assert (out / name).read_bytes() == (records / name).read_bytes()


def test_a_single_country_goes_through_the_single_bundle_path(tmp_path: Path) -> None:
    one = copy_countries(tmp_path / "malta", ["MT"])
    out = tmp_path / "mt.csv"
    assert main(["assess", str(one), "--pack", "egov-benchmark-2023", "--format", "egbr-csv",
                 "-o", str(out)]) == 0
    published = [r for r in _rows(PUBLISHED / "scores_2022.csv") if r[0] == "MT"]
    ours = _rows(out)[1:]
    assert [r[:3] for r in ours] == [r[:3] for r in published]


def test_egbr_csv_refuses_records_of_other_packs(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    ministry = Path(__file__).resolve().parents[3] / "examples" / "ministry-of-finance"
    record = tmp_path / "ministry.json"
    assert main(["assess", str(ministry), "-o", str(record)]) == 0
    code = main(["report", str(record), "--format", "egbr-csv", "-o", str(tmp_path / "x.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "no eGovernment Benchmark scores" in err and "--pack egov-benchmark-2023" in err
    assert not (tmp_path / "x.csv").exists()


def test_an_auditor_re_runs_a_countrys_record_to_the_same_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_layout(tmp_path / "egov-benchmark-2023")
    out = tmp_path / "records"
    assert main(["assess", str(tmp_path / "egov-benchmark-2023"), "--pack",
                 "egov-benchmark-2023", "-o", str(out)]) == 0
    capsys.readouterr()
    # The data beside the record, under the name the record pins, or named explicitly.
    (out / "egov-benchmark-2023").symlink_to(tmp_path / "egov-benchmark-2023")
    assert main(["verify", str(out / "cy.json")]) == 0
    assert main(["verify", str(out / "lt.json"), "--evidence",
                 str(tmp_path / "egov-benchmark-2023")]) == 0
    assert "IDENTICAL" in capsys.readouterr().out
    # An answer changed after the assessment (Austria's first one) is caught.
    services = tmp_path / "egov-benchmark-2023" / "nat_services_answers.csv"
    text = services.read_text(encoding="utf-8")
    services.write_text(text.replace(",Yes,", ",No,", 1),
                        encoding="utf-8")
    assert main(["verify", str(out / "at.json")]) == 1
