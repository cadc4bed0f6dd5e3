"""One test of its own for every hook: a real tiny plugin contributes, the engine uses it.

`tests/test_plugins_docs.py` checks that each hook in `maturity.hookspecs` has a test here named
`test_hook_<hook name>_…`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maturity.api import Session, assess_bundle, provenance_for
from maturity.catalogues import merged_messages
from maturity.cli import main
from maturity.errors import PackError, PluginError, UsageError
from maturity.plugins import create_host
from tests.plugin_kit import PluginSite

ROOT = Path(__file__).resolve().parents[1]
FINANCE = ROOT / "examples" / "ministry-of-finance"
MINI_PACK = ROOT / "tests" / "packs" / "mini"


def session_with(**plugins: object) -> Session:
    return Session(host=create_host(autoload=False, extra=list(plugins.items())))


def write_bundle(directory: Path, evidence: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "bundle.toml").write_text(
        '[organisation]\nid = "agency-of-tests"\nname = "Agency of Tests"\nkind = "agency"\n'
        '[assessment]\nas_of = 2026-06-30\n', encoding="utf-8")
    if evidence:
        (directory / "evidence.toml").write_text(evidence, encoding="utf-8")
    return directory


MINI_PLUGIN = f"""
from pathlib import Path
from maturity.hookspecs import PackLocation

@hookimpl
def maturity_rule_packs():
    return [PackLocation(Path({str(MINI_PACK)!r}), "neighbour:mini", default=False)]
"""


def test_hook_maturity_rule_packs_contributes_a_pack(site: PluginSite) -> None:
    session = session_with(neighbour=site.module(MINI_PLUGIN))
    pack, location = session.available_packs()["mini"]
    assert pack.origin == "plugin:neighbour"
    assert location.display == "neighbour:mini"
    assert "mini" not in [p.id for p in session.select_packs()]     # default=False
    rules, _ = session.load_rules(["mini"])
    assert [p.id for p in rules.packs] == ["mini"]
    twice = session_with(one=site.module(MINI_PLUGIN), two=site.module(MINI_PLUGIN))
    with pytest.raises(PackError, match="pack 'mini' is provided twice"):
        twice.available_packs()


EVEN_PLUGIN = """
from pydantic import StrictBool
from maturity.checks import BadShape, CheckType

def build(flag):
    if not flag:
        raise ValueError("write even = true")
    def test(value, ctx, path):
        if not isinstance(value, int) or isinstance(value, bool):
            return BadShape(path, "a whole number", repr(value))
        return 1.0 if value % 2 == 0 else 0.0
    return test

@hookimpl
def maturity_check_types():
    return [CheckType("even", StrictBool, build, lambda flag: "is even")]
"""


def even_pack(directory: Path) -> Path:
    directory.mkdir()
    (directory / "pack.toml").write_text(
        '[pack]\nid = "parity"\nversion = "1.0.0"\ntitle = "Parity"\nsource = "tests"\n'
        '[[pack.dimensions]]\nid = "numbers"\nname = "Numbers"\n', encoding="utf-8")
    (directory / "rules.toml").write_text(
        '[[rules]]\nid = "P-1"\ntitle = "Teams come in pairs"\nrationale = "Pairs."\n'
        'dimension = "numbers"\nlevel = 1\nevidence = ["teams.count"]\n'
        'check = { path = "teams.count", even = true }\n'
        '[rules.remediation]\naction = "Pair up"\neffort = 1\nowner = "lead"\n',
        encoding="utf-8")
    return directory


def test_hook_maturity_check_types_adds_an_operator(site: PluginSite, tmp_path: Path) -> None:
    session = session_with(parity=site.module(EVEN_PLUGIN))
    rules, _ = session.load_rules(pack_dirs=[even_pack(tmp_path / "parity")])
    assert rules.rule("P-1").check.condition == "teams.count is even"
    model = session.scoring_model("oecd-dgi")
    for count, status in ((4, "pass"), (3, "fail"), ("four", "error")):
        bundle = session.load_evidence(write_bundle(
            tmp_path / f"b{count}", f"teams.count = {json.dumps(count)}\n"))
        result = assess_bundle(bundle, rules, model=model, provenance=provenance_for(session, []))
        assert result.outcomes[0].status.value == status
    with pytest.raises(PackError, match="unknown check operator 'even'"):
        session_with().load_rules(pack_dirs=[tmp_path / "parity"])


INI_PLUGIN = """
import configparser
from maturity.evidence import EvidenceLoader

def parse(data, display, limits):
    parser = configparser.ConfigParser()
    parser.read_string(data.decode("utf-8"), source=display)
    return {section: dict(parser[section]) for section in parser.sections()}

@hookimpl
def maturity_evidence_loaders():
    return [EvidenceLoader("ini", (".ini",), parse)]
"""


def test_hook_maturity_evidence_loaders_reads_a_new_file_type(site: PluginSite,
                                                              tmp_path: Path) -> None:
    bundle_dir = write_bundle(tmp_path / "bundle")
    (bundle_dir / "legacy.ini").write_text("[strategy]\nowner = cdo\n", encoding="utf-8")
    bundle = session_with(ini=site.module(INI_PLUGIN)).load_evidence(bundle_dir)
    assert bundle.data["strategy"] == {"owner": "cdo"}
    assert [f.path for f in bundle.files] == ["bundle.toml", "legacy.ini"]
    # Without the plugin, the .ini file is not evidence: the engine leaves it aside.
    assert "strategy" not in session_with().load_evidence(bundle_dir).data


SOURCE_PLUGIN = """
import json
from maturity.evidence import bundle_from_tree
from maturity.hookspecs import BundleSource

@hookimpl
def maturity_bundle_source(path):
    table = path / "organisations.json"
    if not table.is_file():
        return None
    def bundles():
        for row in json.loads(table.read_text()):
            tree = {"organisation": {"id": row["id"], "name": row["name"], "kind": "agency"},
                    "assessment": {"as_of": "2026-06-30"},
                    "teams": {"count": row["teams"]}}
            yield bundle_from_tree(tree, source=f"organisations.json#{row['id']}",
                                   header_file="organisations.json")
    return BundleSource("organisation table", bundles)
"""


def test_hook_maturity_bundle_source_reads_a_directory_of_its_own_layout(site: PluginSite,
                                                                         tmp_path: Path) -> None:
    site.install("table", SOURCE_PLUGIN)
    site.install("parity", EVEN_PLUGIN)
    data = tmp_path / "national"
    data.mkdir()
    (data / "organisations.json").write_text(json.dumps([
        {"id": "north", "name": "North", "teams": 2},
        {"id": "south", "name": "South", "teams": 5}]), encoding="utf-8")
    pack = even_pack(tmp_path / "parity")
    out = tmp_path / "out"
    code = main(["assess", str(data), "--pack-dir", str(pack), "-o", str(out)])
    assert code == 0
    statuses = {org: json.loads((out / f"{org}.json").read_bytes())["outcomes"][0]["status"]
                for org in ("north", "south")}
    assert statuses == {"north": "pass", "south": "fail"}
    host = create_host()
    assert host.bundle_source(tmp_path) is None          # not its layout: it declines


MINIMUM_PLUGIN = """
from maturity.scoring import ScoringModel

def lowest(rules):
    counted = [r.credit for r in rules if r.credit is not None]
    return min(counted) if counted else 0.0

@hookimpl
def maturity_scoring_models():
    return [ScoringModel("minimum", "The weakest rule decides.", lowest,
                         lambda dims, groups: min(dims) if dims else 0.0)]
"""


def test_hook_maturity_scoring_models_adds_a_model(site: PluginSite) -> None:
    session = session_with(strict=site.module(MINIMUM_PLUGIN))
    rules, _ = session.load_rules(["oecd-dgpf"])
    bundle = session.load_evidence(FINANCE)
    provenance = provenance_for(session, [])
    strict = assess_bundle(bundle, rules, model=session.scoring_model("minimum"),
                           provenance=provenance)
    usual = assess_bundle(bundle, rules, model=session.scoring_model("oecd-dgi"),
                          provenance=provenance)
    assert strict.record["scoring"]["model"] == "minimum"
    assert strict.scores["oecd-dgpf"].index < usual.scores["oecd-dgpf"].index
    with pytest.raises(UsageError, match="unknown scoring model 'minimum'"):
        session_with().scoring_model("minimum")


TEXT_PLUGIN = """
from maturity.hookspecs import ReportFormat

def render(records, options):
    lines = []
    for record in records:
        for pack, score in sorted(record["scores"].items()):
            lines.append(f"{record['organisation']['id']} {pack} {score['index']:.3f}")
    return ("\\n".join(lines) + "\\n").encode()

@hookimpl
def maturity_report_formats():
    return [ReportFormat("txt", ".txt", "one line per pack", render)]
"""


def test_hook_maturity_report_formats_renders_through_the_cli(site: PluginSite,
                                                              tmp_path: Path) -> None:
    site.install("plain", TEXT_PLUGIN)
    out = tmp_path / "finance.txt"
    assert main(["assess", str(FINANCE), "--pack", "oecd-dgpf", "--format", "txt",
                 "-o", str(out)]) == 0
    (line,) = out.read_text().splitlines()
    assert line.startswith("ministry-of-finance oecd-dgpf 0.")


def catalogue_plugin(body: str) -> str:
    return f"""
from maturity.catalogues import TranslationCatalogue

@hookimpl
def maturity_translations():
    return [TranslationCatalogue.model_validate({body})]
"""


ALPHA_FR = ('{"locale": "fr", "pack": "mini", "dimensions": {"alpha": {"name": "Alpha (fr)", '
            '"source": "000000000000"}}, "messages": {"Summary": "Synthèse"}}')


def test_hook_maturity_translations_lands_in_the_pack(site: PluginSite) -> None:
    session = session_with(words=site.module(catalogue_plugin(ALPHA_FR)))
    (pack,) = session.select_packs(pack_dirs=[MINI_PACK])
    alpha = next(d for d in pack.header.dimensions if d.id == "alpha")
    assert alpha.translations["fr"].name == "Alpha (fr)"
    assert merged_messages("fr", session.host.translations()) == {"Summary": "Synthèse"}
    unknown = ALPHA_FR.replace('"alpha"', '"alpah"')
    with pytest.raises(PluginError, match="translates dimension 'alpah'") as caught:
        session_with(typo=site.module(catalogue_plugin(unknown))).select_packs(
            pack_dirs=[MINI_PACK])
    assert caught.value.fix == "did you mean 'alpha'?"
    both = session_with(one=site.module(catalogue_plugin(ALPHA_FR)),
                        two=site.module(catalogue_plugin(ALPHA_FR)))
    with pytest.raises(PluginError, match="plugins 'one' and 'two' both translate"):
        both.select_packs(pack_dirs=[MINI_PACK])
    invalid = ALPHA_FR.replace('"name"', '"title"')
    with pytest.raises(PluginError, match="maturity_translations") as caught:
        session_with(bad=site.module(catalogue_plugin(invalid)))
    assert "'title' cannot be translated here" in caught.value.message


PROFILE_PLUGIN = """
from maturity.profiles import Profile

@hookimpl
def maturity_profiles():
    return [Profile.model_validate({
        "id": "neighbour-2026", "title": "Neighbour weights", "author": "Neighbour agency",
        "changes": [{"rule": "A-1", "weight": 5.0, "reason": "national priority"}]})]
"""


def test_hook_maturity_profiles_offers_a_profile_applied_only_when_named(site: PluginSite) -> None:
    session = session_with(neighbour=site.module(PROFILE_PLUGIN))
    untouched, changes = session.load_rules(pack_dirs=[MINI_PACK])
    assert (untouched.rule("A-1").rule.weight, changes) == (2.0, [])
    (resolved,) = session.resolve_profiles(["neighbour-2026"])
    origin, profile = resolved
    assert origin == "plugin:neighbour"
    tailored, changes = session.load_rules(pack_dirs=[MINI_PACK], profiles=[profile])
    assert tailored.rule("A-1").rule.weight == 5.0
    assert changes[0]["reason"] == "national priority"
    with pytest.raises(UsageError, match="no profile file or installed profile") as caught:
        session.resolve_profiles(["neighbour-2025"])
    assert caught.value.fix == "did you mean 'neighbour-2026'?"
