"""A plugin failing on one bundle's evidence names the plugin, the evidence file and the place.

Real plugins, installed as distributions with an entry point (or registered in-process), read
real bundles; the corpus (`tests/corpus/plugins/check-raises`, `loader-raises*`) shows each
message through the command line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from maturity.api import Session, assess_bundle, provenance_for
from maturity.errors import PluginError
from maturity.plugins import AUTOLOAD_ENV, create_host
from tests.plugin_kit import PluginSite

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests" / "corpus" / "_base"
MATURITY = Path(sys.executable).with_name("maturity")

STARTS_WITH = """
from pydantic import StrictStr
from maturity.checks import CheckType

def build(prefix):
    def test(value, ctx, path):
        return 1.0 if value.startswith(prefix) else 0.0   # raises on a number
    return test

@hookimpl
def maturity_check_types():
    return [CheckType("starts_with", StrictStr, build, lambda p: f"starts with {p}")]
"""

RULE = """
[[rules]]
id = "REG-01"
title = "The ministry is in the national register"
rationale = "A plugin's check."
dimension = "data"
facet = "sharing"
level = 1
evidence = ["registry.code"]
check = { path = "registry.code", starts_with = "MER" }

[rules.remediation]
action = "Register the ministry"
effort = 1
owner = "chief-data-officer"
"""


def workspace(tmp_path: Path, code: str = "12") -> Path:
    """The corpus' base pack with a rule using the plugin's check, and a bundle whose
    `registry.code` sits in a second evidence file."""
    work = tmp_path / "work"
    shutil.copytree(BASE, work)
    (work / "pack" / "registry.toml").write_text(RULE, encoding="utf-8")
    (work / "bundle" / "registry.toml").write_text(f"[registry]\ncode = {code}\n",
                                                    encoding="utf-8")
    return work


def _run(site: PluginSite, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != AUTOLOAD_ENV}
    env["PYTHONPATH"] = str(site.root)
    return subprocess.run([str(MATURITY), *args], capture_output=True, text=True, env=env,
                          cwd=work, check=False, timeout=120)


def test_a_check_raising_names_the_plugin_the_file_the_key_and_the_rule(site: PluginSite,
                                                                        tmp_path: Path) -> None:
    work = workspace(tmp_path)
    session = Session(host=create_host(autoload=False,
                                       extra=[("registry", site.module(STARTS_WITH))]))
    rules, _ = session.load_rules(pack_dirs=[work / "pack"])
    bundle = session.load_evidence(work / "bundle", display="bundle")
    assert bundle.origins["registry"] == "bundle/registry.toml"
    with pytest.raises(PluginError) as caught:
        assess_bundle(bundle, rules, model=session.scoring_model("oecd-dgi"),
                      provenance=provenance_for(session, []))
    error = caught.value
    assert (error.code, error.file, error.location) == (
        "plugin.raised", "bundle/registry.toml", "registry.code (read by rule REG-01)")
    assert error.message.startswith("plugin 'registry' raised in its check 'starts_with'")
    assert error.found == "AttributeError: 'int' object has no attribute 'startswith', on 12"
    assert isinstance(error.__cause__, AttributeError)
    # The same plugin on a value it handles: no error.
    (work / "bundle" / "registry.toml").write_text('[registry]\ncode = "MER-1"\n',
                                                    encoding="utf-8")
    bundle = session.load_evidence(work / "bundle", display="bundle")
    result = assess_bundle(bundle, rules, model=session.scoring_model("oecd-dgi"),
                           provenance=provenance_for(session, []))
    assert {o.rule: o.status.value for o in result.outcomes}["REG-01"] == "pass"


def test_a_single_file_bundle_is_named_itself(site: PluginSite, tmp_path: Path) -> None:
    work = workspace(tmp_path)
    single = work / "single.toml"
    single.write_text((work / "bundle" / "bundle.toml").read_text(encoding="utf-8")
                      + "\n[registry]\ncode = 12\n", encoding="utf-8")
    session = Session(host=create_host(autoload=False,
                                       extra=[("registry", site.module(STARTS_WITH))]))
    rules, _ = session.load_rules(pack_dirs=[work / "pack"])
    with pytest.raises(PluginError) as caught:
        assess_bundle(session.load_evidence(single, display="single.toml"), rules,
                      model=session.scoring_model("oecd-dgi"),
                      provenance=provenance_for(session, []))
    assert (caught.value.file, caught.value.location) == (
        "single.toml", "registry.code (read by rule REG-01)")


def test_the_command_line_exits_2_without_a_traceback_unless_debug(site: PluginSite,
                                                                   tmp_path: Path) -> None:
    site.install("registry", STARTS_WITH, version="2.1.0")
    work = workspace(tmp_path)
    done = _run(site, work, "assess", "bundle", "--pack-dir", "pack", "-o", "record.json")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(
        "error[plugin.raised]: bundle/registry.toml: registry.code (read by rule REG-01): "
        "plugin 'registry' raised in its check 'starts_with' on this value: AttributeError")
    assert "Traceback" not in done.stderr
    assert not (work / "record.json").exists()
    debug = _run(site, work, "assess", "bundle", "--pack-dir", "pack", "-o", "record.json",
                 "--debug")
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr
    assert "value.startswith(prefix)" in debug.stderr        # the plugin's own line
    assert "maturity.errors.PluginError" in debug.stderr


def test_a_batch_reports_the_failing_bundle_with_its_file_and_assesses_the_others(
        site: PluginSite, tmp_path: Path) -> None:
    site.install("registry", STARTS_WITH)
    work = workspace(tmp_path)
    many = work / "many"
    shutil.copytree(work / "bundle", many / "broken")
    shutil.copytree(work / "bundle", many / "fine")
    header = many / "fine" / "bundle.toml"
    header.write_text(header.read_text(encoding="utf-8").replace(
        "ministry-of-corpus", "ministry-of-fine"), encoding="utf-8")
    (many / "fine" / "registry.toml").write_text('[registry]\ncode = "MER-7"\n',
                                                  encoding="utf-8")
    done = _run(site, work, "assess", "many", "--pack-dir", "pack", "-o", "out")
    assert done.returncode == 1, done.stderr
    failures = (work / "out" / "failures.txt").read_text(encoding="utf-8")
    assert ("error[plugin.raised]: broken/registry.toml: registry.code (read by rule REG-01): "
            "plugin 'registry' raised") in failures
    assert (work / "out" / "ministry-of-fine.json").is_file()
    # The summary-only path (the generated evaluator) reports it the same way.
    done = _run(site, work, "assess", "many", "--pack-dir", "pack", "-o", "quick",
                "--summary-only")
    assert done.returncode == 1, done.stderr
    failures = (work / "quick" / "failures.txt").read_text(encoding="utf-8")
    assert ("error[plugin.raised]: broken/registry.toml: registry.code (read by rule REG-01): "
            "plugin 'registry' raised") in failures


def test_a_loader_raising_names_the_file_it_was_reading(site: PluginSite, tmp_path: Path) -> None:
    work = workspace(tmp_path, code='"MER-1"')
    (work / "bundle" / "people.csvish").write_text("staff;12\n", encoding="utf-8")
    plugin = site.module("""
    from maturity.evidence import EvidenceLoader

    def parse(data, display, limits):
        rows = dict(line.split(",") for line in data.decode().splitlines())  # ValueError on ;
        return {"people": rows}

    @hookimpl
    def maturity_evidence_loaders():
        return [EvidenceLoader("csvish", (".csvish",), parse)]
    """)
    session = Session(host=create_host(autoload=False, extra=[("people", plugin)]))
    with pytest.raises(PluginError) as caught:
        session.load_evidence(work / "bundle", display="bundle")
    error = caught.value
    assert (error.file, error.location) == ("bundle/people.csvish", None)
    assert error.message.startswith(
        "plugin 'people' raised in its evidence loader 'csvish' reading this file: ValueError")


def test_a_bundle_source_failing_names_the_directory_it_was_reading(site: PluginSite,
                                                                    tmp_path: Path) -> None:
    plugin = site.module("""
    from maturity.hookspecs import BundleSource

    def rows():
        yield from ()
        raise KeyError("country")

    @hookimpl
    def maturity_bundle_source(path):
        return BundleSource("register", rows)
    """)
    source = create_host(autoload=False, extra=[("register", plugin)]).bundle_source(
        tmp_path / "registers")
    assert source is not None
    with pytest.raises(PluginError) as caught:
        list(source.bundles())
    assert caught.value.file == str(tmp_path / "registers")
    assert caught.value.location == "bundle source 'register' (maturity_bundle_source)"


LENGTH = """
from pydantic import StrictInt
from maturity.checks import CheckType

def build(scale):
    def test(value, ctx, path):
        return len(value) * scale          # a credit above 1, or an int, or NaN
    return test

@hookimpl
def maturity_check_types():
    return [CheckType("starts_with", StrictInt, build, lambda p: f"length x {p}")]
"""


@pytest.mark.parametrize(("code", "credit", "refused"), [
    ('"MER-1"', 0, False), ('"M"', 1, False), ('"MER-1"', 1, True), ('"MER-1"', 2, True)])
def test_a_check_giving_a_credit_outside_0_to_1_is_refused_not_recorded(
        site: PluginSite, tmp_path: Path, code: str, credit: int, refused: bool) -> None:
    work = workspace(tmp_path, code=code)
    rule = (work / "pack" / "registry.toml").read_text(encoding="utf-8")
    (work / "pack" / "registry.toml").write_text(
        rule.replace('starts_with = "MER"', f"starts_with = {credit}"), encoding="utf-8")
    session = Session(host=create_host(autoload=False,
                                       extra=[("registry", site.module(LENGTH))]))
    rules, _ = session.load_rules(pack_dirs=[work / "pack"])
    bundle = session.load_evidence(work / "bundle", display="bundle")
    if not refused:
        result = assess_bundle(bundle, rules, model=session.scoring_model("oecd-dgi"),
                               provenance=provenance_for(session, []))
        assert {o.rule: o.credit for o in result.outcomes}["REG-01"] == float(credit)
        return
    with pytest.raises(PluginError) as caught:
        assess_bundle(bundle, rules, model=session.scoring_model("oecd-dgi"),
                      provenance=provenance_for(session, []))
    assert caught.value.message == "plugin 'registry' gave an invalid result in its check " \
        "'starts_with'"
    assert (caught.value.file, caught.value.location) == (
        "bundle/registry.toml", "registry.code (read by rule REG-01)")


def test_rules_test_fails_the_case_a_plugin_check_raises_on_and_goes_on(
        site: PluginSite, tmp_path: Path) -> None:
    from maturity.testing import run_rule_tests

    work = workspace(tmp_path)
    rule = (work / "pack" / "registry.toml").read_text(encoding="utf-8")
    (work / "pack" / "registry.toml").write_text(rule + """
[[rules.tests]]
name = "number"
expect = "fail"
evidence = { registry = { code = 12 } }

[[rules.tests]]
name = "registered"
expect = "pass"
evidence = { registry = { code = "MER-1" } }
""", encoding="utf-8")
    session = Session(host=create_host(autoload=False,
                                       extra=[("registry", site.module(STARTS_WITH))]))
    rules, _ = session.load_rules(pack_dirs=[work / "pack"])
    results = {str(r.case): r for r in run_rule_tests(rules)}
    raised = results["REG-01::number"]
    assert not raised.ok and raised.outcome is None
    assert raised.message.startswith("raised plugin.raised: plugin 'registry' raised in its "
                                     "check 'starts_with'")
    assert results["REG-01::registered"].ok
