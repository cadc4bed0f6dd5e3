"""Reports: HTML, Markdown and CSV from real records; escaping; charts; the report commands."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox
import pytest

import maturity
from maturity import charts
from maturity.api import Session, assess_bundle, provenance_for
from maturity.builtin import maturity_report_formats
from maturity.cli import main
from maturity.model import EvidenceBundle, Organisation, PackHeader, Rule, RulePack
from maturity.report import report_context, sandboxed_environment
from maturity.ruleset import RuleSet, compile_rules
from maturity.scoring import BUILTIN_SCORING_MODELS
from tests.conftest import EXAMPLES

FORMATS = {f.name: f for f in maturity_report_formats()}
MINISTRIES = ("ministry-of-culture", "ministry-of-finance", "ministry-of-health")
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)> | [a](javascript:alert(1)) `"


@pytest.fixture(scope="module")
def records(session: Session, builtin_rules: RuleSet) -> dict[str, dict[str, Any]]:
    return {
        m: maturity.assess(EXAMPLES / m, rules=builtin_rules, session=session,
                           roadmap={}).record
        for m in MINISTRIES
    }


@pytest.fixture(scope="module")
def packs(builtin_rules: RuleSet) -> dict[str, Any]:
    return {"packs": list(builtin_rules.packs)}


def _render(name: str, records: list[dict[str, Any]], options: dict[str, Any]) -> str:
    return FORMATS[name].render(records, options).decode("utf-8")


# --- a pack and a bundle that try to inject markup -------------------------------------------


def _hostile(session: Session) -> tuple[dict[str, Any], RulePack]:
    header = PackHeader.model_validate({
        "id": "hostile", "version": "1.0.0", "title": f"Pack {HOSTILE}", "source": HOSTILE,
        "dimensions": [{"id": d, "name": f"{d} {HOSTILE}"} for d in ("d-one", "d-two", "d-three")],
        "facets": [{"id": "f-one", "name": f"Facet {HOSTILE}"}],
        "levels": [{"level": 1, "name": f"Start {HOSTILE}"}],
        "owners": [{"id": "owner", "name": f"Owner {HOSTILE}"}],
    })
    rule = Rule.model_validate({
        "id": "H-01", "title": f"Title {HOSTILE}", "rationale": f"Why {HOSTILE}",
        "dimension": "d-one", "facet": "f-one", "level": 1,
        "check": {"path": "e.text", "is": "expected"},
        "remediation": {"action": f"Do {HOSTILE}", "effort": 2, "owner": "owner"},
        "references": [{"source": f"Source {HOSTILE}"}],
    })
    pack = RulePack(header=header, rules=(rule,), sha256="1" * 64, origin="local:hostile")
    rules = compile_rules([pack], session.compiler)
    bundle = EvidenceBundle(
        source="hostile",
        organisation=Organisation(id="hostile-ministry", name=f"Ministry {HOSTILE}",
                                  kind="ministry"),
        as_of=dt.date(2026, 10, 31), period=HOSTILE, submission=None,
        data={"e": {"text": HOSTILE}},
    )
    result = assess_bundle(bundle, rules, model=BUILTIN_SCORING_MODELS[0],
                           provenance=provenance_for(session, []), roadmap_settings={})
    return result.record, pack


class _Tags(HTMLParser):
    """The elements and attributes of a page, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.handlers: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.handlers += [name for name, _value in attrs if name.startswith("on")]
        self.links += [value or "" for name, value in attrs if name in ("href", "src")]


def test_html_escapes_markup_from_rules_and_evidence(session: Session) -> None:
    record, pack = _hostile(session)
    html = _render("html", [record], {"packs": [pack]})
    parser = _Tags()
    parser.feed(html)
    assert not {"script", "img", "iframe", "object", "embed", "link"} & parser.tags
    assert parser.handlers == []
    assert all(link.startswith("#") for link in parser.links), parser.links
    # The text is there, shown as text.
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Title &lt;script&gt;" in html and "Ministry &lt;script&gt;" in html
    assert "<bdi>Owner &lt;script&gt;" in html


def test_markdown_escapes_markup_and_keeps_tables_whole(session: Session) -> None:
    record, pack = _hostile(session)
    text = _render("md", [record], {"packs": [pack]})
    # The template writes no HTML, so no "<" may reach the Markdown unescaped.
    assert re.search(r"(?<!\\)<", text) is None
    assert "](javascript" not in text
    assert r"\<script\>" in text
    assert r"Owner \<script\>" in text
    _check_tables(text)


def _check_tables(text: str) -> None:
    """Every row of every Markdown table has as many cells as its header."""
    unescaped = re.compile(r"(?<!\\)\|")
    header: int | None = None
    for line in text.splitlines():
        if line.startswith("|"):
            cells = len(unescaped.findall(line))
            if header is None:
                header = cells
            assert cells == header, line
        else:
            header = None


def test_a_record_renders_with_ids_when_its_packs_are_not_installed(
        records: dict[str, dict[str, Any]]) -> None:
    record = records["ministry-of-health"]
    html = _render("html", [record], {"packs": []})
    assert "not installed here" in html
    assert "digital-by-design" in html and "DBD-SA-06" in html
    # The record's own copy of rule titles still reads.
    assert "omni-channel strategy" in html
    _check_tables(_render("md", [record], {"packs": []}))


def test_html_sections_and_charts(records: dict[str, dict[str, Any]],
                                  packs: dict[str, Any]) -> None:
    html = _render("html", [records["ministry-of-health"]], packs)
    for section in ("summary", "profile", "roadmap", "findings", "provenance"):
        assert f'id="{section}"' in html
    assert "<link" not in html and "http://" not in html.replace(
        "http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    assert len(svgs) == 5  # two radars, a heatmap, the element bars, the timeline
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.get("role") == "img"
        title, desc = root.get("aria-labelledby", "").split()
        ns = "{http://www.w3.org/2000/svg}"
        assert root.find(f"{ns}title").get("id") == title  # type: ignore[union-attr]
        assert root.find(f"{ns}desc").get("id") == desc  # type: ignore[union-attr]
        assert (root.find(f"{ns}desc").text or "").strip()  # type: ignore[union-attr]
    # Every document read by a finding is shown with its hash.
    record = records["ministry-of-health"]
    for document in record["evidence"]["documents"]:
        assert document["sha256"] in html


def test_report_context_names_strongest_and_weakest(records: dict[str, dict[str, Any]],
                                                     packs: dict[str, Any]) -> None:
    context = report_context(records["ministry-of-health"], packs)
    dgpf = next(p for p in context["packs"] if p["id"] == "oecd-dgpf")
    scores = {d["id"]: d["score"] for d in dgpf["dimensions"]}
    assert dgpf["strongest"]["id"] == max(scores, key=lambda k: scores[k])
    assert dgpf["weakest"]["id"] == min(scores, key=lambda k: scores[k])
    assert dgpf["strongest"]["name"] == "Digital by design"
    assert context["roadmap"]["first_steps"]


def test_reports_are_deterministic(records: dict[str, dict[str, Any]],
                                   packs: dict[str, Any]) -> None:
    for name in ("html", "md", "csv"):
        first = _render(name, [records["ministry-of-culture"]], packs)
        assert first == _render(name, [records["ministry-of-culture"]], packs)


def test_several_records_in_one_html_page_keep_ids_unique(
        records: dict[str, dict[str, Any]], packs: dict[str, Any]) -> None:
    html = _render("html", list(records.values()), packs)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert html.count('<article class="report"') == 3


# --- CSV -----------------------------------------------------------------------------------


def test_csv_is_long_form_with_one_entity_per_record(records: dict[str, dict[str, Any]],
                                                      packs: dict[str, Any]) -> None:
    text = _render("csv", [records["ministry-of-health"], records["ministry-of-finance"]],
                   packs)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["entity", "node", "value"]
    assert {len(r) for r in rows} == {3}
    values = {(e, n): v for e, n, v in rows[1:]}
    health = records["ministry-of-health"]
    assert float(values[("ministry-of-health", "oecd-dgpf/index")]) == \
        health["scores"]["oecd-dgpf"]["index"]
    assert values[("ministry-of-finance", "oecd-dgpf/digital-by-design/level")] == str(
        records["ministry-of-finance"]["scores"]["oecd-dgpf"]["dimensions"]
        ["digital-by-design"]["level"])
    last = health["roadmap"]["phases"][-1]
    assert float(values[("ministry-of-health", f"roadmap/phase-{last['phase']}/oecd-dgpf/"
                                               "index")]) == last["projected"]["oecd-dgpf"]["index"]
    assert len({n for _e, n in values}) == len([r for r in rows[1:] if r[0] ==
                                                "ministry-of-health"])


def test_csv_never_starts_a_cell_with_a_formula(records: dict[str, dict[str, Any]]) -> None:
    record = json.loads(json.dumps(records["ministry-of-finance"]))
    record["organisation"]["id"] = "=HYPERLINK(\"http://x\")"
    text = _render("csv", [record], {})
    assert "\n=" not in text and ",=" not in text
    assert "'=HYPERLINK" in text


# --- charts --------------------------------------------------------------------------------


def test_radar_has_one_vertex_per_dimension() -> None:
    axes = [charts.Axis(f"D{i}", i / 10, 0.5 + i / 20, 0.6) for i in range(6)]
    root = ET.fromstring(charts.radar("r", "Radar", axes))
    ns = "{http://www.w3.org/2000/svg}"
    series = [p for p in root.iter(f"{ns}polygon") if "series" in (p.get("class") or "")]
    assert [p.get("class") for p in series] == ["series target", "series current",
                                                 "series projected"]
    for polygon in series:
        assert len((polygon.get("points") or "").split()) == 6


def test_heatmap_cells_and_text_contrast() -> None:
    rows = [charts.Row(f"Dimension {i}", (0.0, 0.33, None, 1.0)) for i in range(6)]
    root = ET.fromstring(charts.heatmap("h", "Heatmap", ["a", "b", "c", "d"], rows))
    cells = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "cell"]
    assert len(cells) == 24
    for step in range(101):
        fill = charts.heatmap_colour(step / 100)
        assert charts.contrast_ratio(charts.text_colour_on(fill), fill) >= 4.5


def test_palette_meets_wcag_aa() -> None:
    white = charts.BACKGROUND
    for text in (charts.INK, charts.CURRENT, charts.PROJECTED_TEXT, charts.TARGET, "#595959",
                 "#0b3d66"):
        assert charts.contrast_ratio(text, white) >= 4.5, text
    for graphic in (*charts.SERIES, charts.PROJECTED, charts.CURRENT):
        assert charts.contrast_ratio(graphic, white) >= 3.0, graphic
    for text, background in charts.STATUS_COLOURS.values():
        assert charts.contrast_ratio(text, background) >= 4.5, (text, background)
    # The ramp gets darker step by step, so it reads without colour vision too.
    lightness = [charts.contrast_ratio(c, "#000000") for c in charts.RAMP]
    assert lightness == sorted(lightness, reverse=True)


def test_chart_text_is_escaped() -> None:
    svg = charts.radar("r", HOSTILE, [charts.Axis(HOSTILE, 0.5)] * 3)
    svg += charts.heatmap("h", HOSTILE, [HOSTILE], [charts.Row(HOSTILE, (0.5,))])
    assert "<script" not in svg and "<img" not in svg


# --- templates from plugins ----------------------------------------------------------------


def test_plugin_templates_render_in_the_sandbox() -> None:
    loader = jinja2.DictLoader({
        "evil.html.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "ok.html.j2": "<p>{{ text }}</p>",
    })
    env = sandboxed_environment(loader)
    assert isinstance(env, jinja2.sandbox.SandboxedEnvironment)
    with pytest.raises(jinja2.exceptions.SecurityError):
        env.get_template("evil.html.j2").render()
    assert env.get_template("ok.html.j2").render(text="<b>") == "<p>&lt;b&gt;</p>"


# --- the commands --------------------------------------------------------------------------


def test_report_and_assess_commands_write_every_format(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    record = tmp_path / "health.json"
    assert main(["assess", str(EXAMPLES / "ministry-of-health"), "-o", str(record)]) == 0
    for fmt in ("html", "md", "csv"):
        out = tmp_path / f"health.{fmt}"
        assert main(["report", str(record), "--format", fmt, "-o", str(out)]) == 0
        assert out.stat().st_size > 1000
    direct = tmp_path / "direct.html"
    assert main(["assess", str(EXAMPLES / "ministry-of-health"), "--format", "html",
                 "-o", str(direct)]) == 0
    assert direct.read_bytes() == (tmp_path / "health.html").read_bytes()


def test_roadmap_command_replans_a_record_to_the_same_plan(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    record_path = tmp_path / "culture.json"
    assert main(["assess", str(EXAMPLES / "ministry-of-culture"), "--capacity", "30",
                 "--target", "all=L2", "-o", str(record_path)]) == 0
    record = json.loads(record_path.read_bytes())
    capsysbinary.readouterr()
    assert main(["roadmap", str(record_path), "--format", "json"]) == 0
    replanned = json.loads(capsysbinary.readouterr().out)
    # Outcomes read back from a record carry credits rounded to 12 decimals: the same plan,
    # with scores equal to the last digit or so.
    assert _rounded(replanned) == _rounded(record["roadmap"])
    assert replanned["settings"]["capacity"] == 30.0
    # Flags override the record's settings; text and Markdown read as a plan.
    assert main(["roadmap", str(record_path), "--phases", "2"]) == 0
    text = capsysbinary.readouterr().out.decode()
    assert "Phase 1, months 1-6" in text and "Phase 3" not in text
    assert main(["roadmap", str(EXAMPLES / "ministry-of-culture"), "--format", "md"]) == 0
    markdown = capsysbinary.readouterr().out.decode()
    assert markdown.startswith("# Reform roadmap: Ministry of Culture")
    _check_tables(markdown)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@pytest.mark.parametrize(("key", "value"), [("sha256", "0" * 64), ("version", "2.0.0")])
def test_roadmap_command_refuses_a_record_of_other_packs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], key: str, value: str) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    record_path = tmp_path / "finance.json"
    assert main(["assess", str(EXAMPLES / "ministry-of-finance"), "-o", str(record_path)]) == 0
    record = json.loads(record_path.read_bytes())
    record["packs"][0][key] = value
    record_path.write_text(json.dumps(record))
    capsys.readouterr()
    assert main(["roadmap", str(record_path)]) == 2
    err = capsys.readouterr().err
    assert "error[record.pack-mismatch]" in err and "Traceback" not in err
    assert f"packs[oecd-dgpf].{key}" in err


def test_roadmap_command_refuses_no_roadmap(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert main(["roadmap", str(EXAMPLES / "ministry-of-finance"), "--no-roadmap"]) == 2
    assert "error[usage.no-roadmap]" in capsys.readouterr().err
