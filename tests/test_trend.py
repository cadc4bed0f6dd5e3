"""One organisation over periods: ordered by date, broken where the scores stop comparing."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from benchmarks.cohort import write_periods
from maturity.cli import main
from maturity.errors import RecordError
from maturity.trend import render_trend, trend
from tests.conftest import ROOT
from tests.test_compare import record


def test_points_are_ordered_by_date_and_a_new_version_breaks_the_series() -> None:
    records = [record("mof", 0.6, period="2026", version="2.0.0"),
               record("mof", 0.2, period="2024"),
               record("mof", 0.4, period="2025")]
    result = trend(records)
    (pack,) = result.packs
    assert [p.period for p in pack.points] == ["2024", "2025", "2026"]
    assert [bool(p.breaks) for p in pack.points] == [False, False, True]
    assert "changed version 1.0.0 → 2.0.0" in pack.points[2].breaks[0]
    index = pack.series()[0]
    assert [(v[0], v[1], v[3]) for v in index.values] == [
        ("2024", 0.2, False), ("2025", 0.4, False), ("2026", 0.6, True)]


def test_the_chart_does_not_join_points_that_are_not_comparable() -> None:
    records = [record("mof", 0.2, period="2024"), record("mof", 0.4, period="2025"),
               record("mof", 0.6, period="2026", version="2.0.0"),
               record("mof", 0.7, period="2027", version="2.0.0")]
    html = render_trend(trend(records), "html").decode()
    first_chart = html.split("<svg")[1]
    lines = re.findall(r'<polyline points="([^"]+)"', first_chart)
    assert [len(points.split()) for points in lines] == [2, 2]
    assert first_chart.count("<rect x=") == 1  # the hollow marker of 2026
    assert "2026: 60.0% (not comparable with the period before)" in first_chart
    assert "not comparable:" in html


def test_one_organisation_only() -> None:
    with pytest.raises(RecordError) as raised:
        trend([record("mof", 0.2), record("moh", 0.3)], ["a.json", "b.json"])
    assert raised.value.code == "record.trend-organisations"


def test_csv_and_markdown() -> None:
    records = [record("mof", 0.2, (0.1, 0.3), period="2024"),
               record("mof", 0.4, (0.5, 0.3), period="2025", version="1.1.0")]
    rows = list(csv.DictReader(io.StringIO(render_trend(trend(records), "csv").decode())))
    assert [(r["period"], r["scope"], r["score"], r["comparable_with_previous"]) for r in rows] \
        == [("2024", "index", "0.2", ""), ("2024", "d-one", "0.1", ""),
            ("2024", "d-two", "0.3", ""), ("2025", "index", "0.4", "no"),
            ("2025", "d-one", "0.5", "no"), ("2025", "d-two", "0.3", "no")]
    assert "changed version 1.0.0 → 1.1.0" in rows[-1]["why_not"]
    md = render_trend(trend(records), "md").decode()
    assert "| 2025 | Oct 31, 2025 | 1.1.0 | 40.0 |" in md and "**not comparable:**" in md


def test_trend_of_real_assessments_with_a_new_pack_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    bundles = write_periods(tmp_path / "bundles", "ministry-of-transport", [2024, 2025, 2026])
    newer = tmp_path / "dgpf-1.1"
    shutil.copytree(ROOT / "rules" / "dgpf", newer)
    header = newer / "pack.toml"
    header.write_text(header.read_text(encoding="utf-8").replace(
        'version = "1.0.0"', 'version = "1.1.0"', 1), encoding="utf-8")
    records = []
    for bundle in bundles:
        out = tmp_path / f"{bundle.parent.name}.json"
        extra = ["--pack-dir", str(newer)] if bundle.parent.name == "2026" else [
            "--pack", "oecd-dgpf"]
        assert main(["assess", str(bundle), "-o", str(out), "--no-roadmap", *extra]) == 0
        records.append(str(out))
    page = tmp_path / "trend.html"
    assert main(["trend", *reversed(records), "-o", str(page)]) == 0
    html = page.read_text(encoding="utf-8")
    assert html.index("<th scope=\"row\">2024") < html.index("<th scope=\"row\">2026")
    assert html.count("not comparable:</span>") == 1
    assert "Digital by design" in html
    assert main(["trend", records[0], str(tmp_path / "x.json"), "-o",
                 str(tmp_path / "t.md")]) == 2
