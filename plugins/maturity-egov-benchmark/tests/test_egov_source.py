"""Reading the publisher's CSV layout: one bundle per country, answers kept as published."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from egov_fixtures import DATA, copy_countries, needs_data, plugin_session
from hypothesis import given
from hypothesis import strategies as st
from maturity_egov_benchmark.keys import answer_key, life_event_key, service_key
from maturity_egov_benchmark.source import LAYOUT, read_countries

from maturity.cli import main
from maturity.errors import EvidenceError


def test_keys_follow_the_publishers_identifiers() -> None:
    assert life_event_key("Business Start-up") == "business-start-up"
    assert service_key("2.2 Register in higher education ") == "s2-2"
    assert service_key("10.1 Something") == "s10-1"
    assert answer_key("A4: Descriptive title? ") == "A4"
    assert answer_key("F7_1: possible to submit eDoc?") == "F7_1"
    assert answer_key("G3_5 Translation unclear") == "G3_5"
    assert answer_key("Mobile Friendliness") == "mobile_friendliness"


@given(st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2})? [A-Za-z ()/-]{1,40}", fullmatch=True))
def test_a_services_key_is_its_number_whatever_its_wording(label: str) -> None:
    number = label.split(" ", 1)[0]
    assert service_key(label) == "s" + number.replace(".", "-")
    assert service_key("  " + label + "  ") == service_key(label)


@needs_data
def test_one_bundle_per_country_with_the_answers_as_published() -> None:
    bundles = {b.organisation.country: b for b in read_countries(DATA)}
    assert sorted(bundles) == ["AT", "BE", "CY", "IS", "LT", "ME", "MT", "SI"]
    at = bundles["AT"]
    assert at.organisation.id == "at" and at.organisation.name == "Austria"
    assert at.as_of == dt.date(2022, 12, 31) and at.period == "2022"
    assert at.source == "egov-benchmark-2023/AT"
    assert [(f.path, f.sha256) for f in at.files] == [
        (name, hashlib.sha256((DATA / name).read_bytes()).hexdigest()) for name in sorted(LAYOUT)]
    egov = at.data["egov"]
    service = egov["services"]["business-start-up"]["s3-1"]
    assert service["label"] == "3.1 Register company for the first time"
    assert (service["type"], service["applicable"], service["proactive"], service["level"]) == (
        "Transactional", True, False, "Central")
    row = service["urls"][0]
    assert {"id", "url", "provider", "A1", "C1", "F7_1", "mobile_friendliness"} <= set(row)
    not_offered = egov["services"]["business-start-up"]["s2-1"]
    assert not_offered["applicable"] is False and "proactive" not in not_offered
    assert "level" not in not_offered
    assert len(egov["portals"]["business-start-up"]["urls"]) >= 1
    assert set(egov["cross-border-portals"]) == {"business-start-up", "family", "career",
                                                 "studying"}
    # Spelling and blanks as published: "nr " stays "nr ".
    answers = {v for event in bundles["BE"].data["egov"]["services"].values()
               for s in event.values() for r in s["urls"] for k, v in r.items() if k[0] == "C"}
    assert {"NR", "Yes", "No", "."} <= answers


@needs_data
def test_the_plugin_recognises_only_its_layout(tmp_path: Path) -> None:
    session = plugin_session()
    assert session.host.bundle_source(DATA) is not None
    partial = copy_countries(tmp_path / "partial", ["AT"])
    (partial / "cb_portals_answers.csv").unlink()
    assert session.host.bundle_source(partial) is None
    assert session.host.bundle_source(tmp_path / "nothing-here") is None


def _edit(directory: Path, name: str, line: int, column: str, value: str) -> None:
    path = directory / name
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[line - 1][rows[0].index(column)] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


@needs_data
@pytest.mark.parametrize(("name", "column", "value", "words"), [
    ("services.csv", "Applicable", "Maybe", "not a yes/no value"),
    ("nat_services_answers.csv", "Service", "9.9 Unknown service", "does not list"),
    ("services.csv", "Country", "A1", "not a country code"),
    ("nat_portals_answers.csv", "Country", "ZZ", "which services.csv does not list"),
    ("services.csv", "Label service", "9.9 Invented service", "catalogue does not list"),
    ("services.csv", "Service type", "Transactional", "catalogue lists as Informational"),
    ("cb_services.csv", "Life event", "Holidays", "catalogue does not list"),
])
def test_bad_cells_are_reported_with_file_line_and_column(
    tmp_path: Path, name: str, column: str, value: str, words: str
) -> None:
    directory = copy_countries(tmp_path / "egov", ["CY"])
    _edit(directory, name, 3, column, value)
    with pytest.raises(EvidenceError) as caught:
        list(read_countries(directory))
    error = caught.value
    assert words in error.message
    assert error.file == f"egov/{name}"
    assert error.location is not None and error.location.startswith("line 3")


@needs_data
def test_a_broken_file_stops_the_run_with_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = copy_countries(tmp_path / "egov", ["CY"])
    with (directory / "services.csv").open("a", encoding="utf-8") as handle:
        handle.write('CY,Family,"unclosed\n')
    code = main(["assess", str(directory), "--pack", "egov-benchmark-2023", "--format",
                 "egbr-csv", "-o", str(tmp_path / "out.csv")])
    assert code == 2
    assert "egov/services.csv" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()
