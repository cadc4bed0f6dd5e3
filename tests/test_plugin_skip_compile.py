"""A plugin whose rule pack loads but does not compile: the run stops, or with
`--skip-broken-plugins` the plugin is left out whole, listed like any other broken plugin, and
the other packs are assessed.

Every plugin is a real module on disk (registered in-process, or installed as a distribution
with an entry point and run through the command line in a new process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from maturity.api import Session
from maturity.checks import BUILTIN_CHECK_TYPES, CheckCompiler
from maturity.errors import PackError
from maturity.limits import Limits
from maturity.packs import load_pack_dir
from maturity.plugins import AUTOLOAD_ENV, create_host
from maturity.profiles import Profile
from maturity.ruleset import compile_rules
from tests.plugin_kit import PluginSite

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "packs" / "mini"
FINANCE = ROOT / "examples" / "ministry-of-finance"
MATURITY = Path(sys.executable).with_name("maturity")

RULE = """
[[rules]]
id = "{rule}"
title = "A plugin's rule"
rationale = "A country's own requirement."
dimension = "alpha"
facet = "strategy"
level = 1
evidence = ["registry.code"]
check = {check}
[rules.remediation]
action = "Register"
effort = 1
owner = "cio"
"""

STARTS_WITH = """
from pydantic import StrictStr
from maturity.checks import CheckType

def build(prefix):
    if not prefix:
        raise ValueError("an empty prefix matches every value")
    return lambda value, ctx, path: float(str(value).startswith(prefix))

@hookimpl
def maturity_check_types():
    return [CheckType("starts_with", StrictStr, build, lambda p: f"starts with {p}")]
"""


def pack_dir(root: Path, pack_id: str, rule: str, check: str) -> Path:
    """A pack directory: the mini pack's header under another id, and one rule."""
    directory = root / pack_id
    directory.mkdir(parents=True)
    header = (MINI / "pack.toml").read_text(encoding="utf-8")
    (directory / "pack.toml").write_text(header.replace('id = "mini"', f'id = "{pack_id}"', 1),
                                         encoding="utf-8")
    (directory / "rules.toml").write_text(RULE.format(rule=rule, check=check),
                                          encoding="utf-8")
    return directory


def shipping(directory: Path, source: str = "") -> str:
    """A plugin module's source contributing the pack in `directory` (run by default)."""
    return source + f"""
from pathlib import Path
from maturity.hookspecs import PackLocation

@hookimpl
def maturity_rule_packs():
    return [PackLocation(Path({str(directory)!r}), "{directory.name}:rules")]
"""


def session(site: PluginSite, *plugins: tuple[str, str], skip: bool) -> Session:
    extra = [(name, site.module(source)) for name, source in plugins]
    return Session(host=create_host(autoload=False, skip_broken=skip, extra=extra))


def test_an_unknown_operator_stops_the_run_or_leaves_the_plugin_out(site: PluginSite,
                                                                    tmp_path: Path) -> None:
    broken = pack_dir(tmp_path, "careless-pack", "CAR-1", '{ path = "registry.code", gee = 1 }')
    good = pack_dir(tmp_path, "careful-pack", "CFL-1", '{ path = "registry.code", present = true }')
    plugins = (("careless", shipping(broken)), ("careful", shipping(good)))
    with pytest.raises(PackError) as caught:
        session(site, *plugins, skip=False).load_rules()
    assert (caught.value.code, caught.value.pack) == ("pack.check", "careless-pack")
    assert caught.value.file == "careless-pack:rules/rules.toml"

    run = session(site, *plugins, skip=True)
    rules, _ = run.load_rules()
    assert {p.id for p in rules.packs} == {"careful-pack", "oecd-dgpf", "oecd-digital-talent"}
    (skipped,) = run.host.skipped_records()
    assert (skipped["name"], skipped["hook"]) == ("careless", "maturity_rule_packs")
    assert skipped["error"].startswith("error[pack.check]: careless-pack:rules/rules.toml: "
                                       "rule CAR-1: check.gee (line 10): unknown check "
                                       "operator 'gee'")
    assert [p.name for p in run.host.plugins] == ["builtin", "careful"]


def test_a_check_its_own_check_type_rejects_leaves_out_its_check_types_too(site: PluginSite,
                                                                           tmp_path: Path) -> None:
    rejected = pack_dir(tmp_path, "register-pack", "REG-1",
                        '{ path = "registry.code", starts_with = "" }')
    plugins = (("register", shipping(rejected, STARTS_WITH)),)
    with pytest.raises(PackError, match="an empty prefix matches every value"):
        session(site, *plugins, skip=False).load_rules()
    run = session(site, *plugins, skip=True)
    rules, _ = run.load_rules()
    assert "register-pack" not in {p.id for p in rules.packs}
    assert "starts_with" not in run.compiler.operators
    assert run.host.skipped_records()[0]["name"] == "register"


def test_a_pack_needing_a_skipped_plugins_check_type_is_left_out_in_turn(site: PluginSite,
                                                                         tmp_path: Path) -> None:
    rejected = pack_dir(tmp_path, "register-pack", "REG-1",
                        '{ path = "registry.code", starts_with = "" }')
    user = pack_dir(tmp_path, "user-pack", "USR-1",
                    '{ path = "registry.code", starts_with = "MER" }')
    run = session(site, ("register", shipping(rejected, STARTS_WITH)),
                  ("user", shipping(user)), skip=True)
    rules, _ = run.load_rules()
    assert {p.id for p in rules.packs} == {"oecd-dgpf", "oecd-digital-talent"}
    assert [s["name"] for s in run.host.skipped_records()] == ["register", "user"]
    assert "unknown check operator 'starts_with'" in run.host.skipped_records()[1]["error"]


def test_what_is_not_the_plugins_fault_is_never_skipped(site: PluginSite, tmp_path: Path) -> None:
    good = pack_dir(tmp_path, "careful-pack", "CFL-1", '{ path = "registry.code", ge = 1 }')
    plugins = (("careful", shipping(good)),)
    # A profile's broken check in the plugin's pack: the profile is at fault.
    tailoring = Profile.model_validate({
        "id": "t", "title": "T", "author": "A",
        "changes": [{"rule": "CFL-1", "check": {"path": "registry.code", "gee": 1},
                     "reason": "x"}]})
    run = session(site, *plugins, skip=True)
    with pytest.raises(PackError) as caught:
        run.load_rules(profiles=[tailoring])
    assert caught.value.pack is None
    assert run.host.skipped == []
    # A local pack's error is the user's to fix, skipping or not.
    local = pack_dir(tmp_path / "local", "local-pack", "LOC-1", '{ path = "a", gee = 1 }')
    run = session(site, *plugins, skip=True)
    with pytest.raises(PackError) as caught:
        run.load_rules(pack_dirs=[local])
    assert caught.value.pack == "local-pack"
    assert run.host.skipped == []


def test_a_plugin_whose_profile_the_run_applies_is_not_skipped(site: PluginSite,
                                                               tmp_path: Path) -> None:
    broken = pack_dir(tmp_path, "careless-pack", "CAR-1", '{ path = "registry.code", gee = 1 }')
    offering = shipping(broken, """
from maturity.profiles import Profile

@hookimpl
def maturity_profiles():
    return [Profile.model_validate({"id": "national", "title": "N", "author": "A",
                                    "changes": [{"rule": "A-1", "weight": 3.0,
                                                 "reason": "x"}]})]
""")
    run = session(site, ("careless", offering), skip=True)
    profiles = [p for _origin, p in run.resolve_profiles(["national"])]
    with pytest.raises(PackError, match="unknown check operator 'gee'"):
        run.load_rules(pack_dirs=[MINI], pack_ids=["careless-pack"], profiles=profiles)
    assert run.host.skipped == []


def test_which_errors_blame_one_pack() -> None:
    compiler = CheckCompiler(BUILTIN_CHECK_TYPES)
    mini = load_pack_dir(MINI, origin="local:mini", display="mini", limits=Limits())
    twin = mini.model_copy(update={"header": mini.header.model_copy(update={"id": "twin"})})
    with pytest.raises(PackError) as caught:                 # a conflict between two packs
        compile_rules([mini, twin], compiler)
    assert (caught.value.code, caught.value.pack) == ("pack.duplicate-rule", None)
    a1, a2 = mini.rules[0], mini.rules[1]
    looped = a1.model_copy(update={"remediation": a1.remediation.model_copy(
        update={"depends_on": ["A-2"]})})
    with pytest.raises(PackError) as caught:                 # a cycle within one pack
        compile_rules([mini.model_copy(update={"rules": (looped, *mini.rules[1:])})], compiler)
    assert (caught.value.code, caught.value.pack) == ("pack.dependency-cycle", "mini")
    across = twin.model_copy(update={"rules": (a2.model_copy(update={
        "id": "T-1", "remediation": a2.remediation.model_copy(
            update={"depends_on": ["mini:A-1"]})}),)})
    back = a1.model_copy(update={"remediation": a1.remediation.model_copy(
        update={"depends_on": ["twin:T-1"]})})
    with pytest.raises(PackError) as caught:                 # a cycle across two packs
        compile_rules([mini.model_copy(update={"rules": (back, *mini.rules[1:])}), across],
                      compiler)
    assert (caught.value.code, caught.value.pack) == ("pack.dependency-cycle", None)


# -- through the command line, with a real installed distribution --------------------------------


def _run(site: PluginSite, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != AUTOLOAD_ENV}
    env["PYTHONPATH"] = str(site.root)
    return subprocess.run([str(MATURITY), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False, timeout=120)


def test_cli_stops_with_exit_2_or_skips_and_records_the_plugin(site: PluginSite,
                                                               tmp_path: Path) -> None:
    broken = pack_dir(tmp_path, "careless-pack", "CAR-1", '{ path = "registry.code", gee = 1 }')
    site.install("careless", shipping(broken), version="0.3.0")
    out = tmp_path / "record.json"
    stopped = _run(site, "assess", str(FINANCE), "-o", str(out))
    assert stopped.returncode == 2
    assert stopped.stderr.startswith("error[pack.check]: careless-pack:rules/rules.toml: rule "
                                     "CAR-1: check.gee (line 10): unknown check operator 'gee'")
    assert "Traceback" not in stopped.stderr
    assert not out.exists()

    done = _run(site, "assess", str(FINANCE), "--skip-broken-plugins", "-o", str(out))
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_bytes())
    (skipped,) = record["skipped_plugins"]
    assert (skipped["name"], skipped["version"], skipped["hook"]) == (
        "careless", "0.3.0", "maturity_rule_packs")
    assert "unknown check operator 'gee'" in skipped["error"]
    assert "careless" not in {p["name"] for p in record["plugins"]}
    assert {p["id"] for p in record["packs"]} == {"oecd-dgpf", "oecd-digital-talent"}
    assert record["scores"]["oecd-dgpf"]["index"] > 0

    asked = _run(site, "assess", str(FINANCE), "--skip-broken-plugins", "--pack",
                 "careless-pack", "-o", str(tmp_path / "other.json"))
    assert asked.returncode == 2
    assert asked.stderr.startswith("error[usage.skipped-pack]: --pack: rule pack "
                                   "'careless-pack' is from plugin 'careless', which was left "
                                   "out as broken")
    assert "unknown check operator 'gee'" in asked.stderr


def test_plugins_check_compiles_every_pack_and_names_the_broken_one(site: PluginSite,
                                                                    tmp_path: Path) -> None:
    broken = pack_dir(tmp_path, "careless-pack", "CAR-1", '{ path = "registry.code", gee = 1 }')
    site.install("careless", shipping(broken), version="0.3.0")
    listed = _run(site, "plugins")
    assert listed.returncode == 0, listed.stderr
    assert "careless 0.3.0" in listed.stdout and "BROKEN" not in listed.stdout

    checked = _run(site, "plugins", "--check")
    assert checked.returncode == 1, checked.stderr
    lines = checked.stdout.splitlines()
    assert "ok pack oecd-dgpf (builtin)" in lines
    assert "ok pack oecd-digital-talent (builtin)" in lines
    at = lines.index("BROKEN pack careless-pack (careless):")
    assert lines[at + 1] == ("    error[pack.check]: careless-pack:rules/rules.toml: rule CAR-1: "
                             "check.gee (line 10): unknown check operator 'gee'")
    assert "Traceback" not in checked.stderr


RAISES = """
@hookimpl
def maturity_check_types():
    raise KeyError("siret")
"""


def test_plugins_lists_a_plugin_whose_hook_raises_and_check_exits_one(site: PluginSite) -> None:
    # The listing is where a broken plugin is diagnosed, so it never stops at one.
    site.install("raising", RAISES, version="0.1.0")
    listed = _run(site, "plugins")
    assert listed.returncode == 0, listed.stderr
    assert "ok pack" not in listed.stdout
    assert "SKIPPED raising 0.1.0 at maturity_check_types: KeyError: 'siret'" in listed.stdout
    assert "builtin" in listed.stdout
    checked = _run(site, "plugins", "--check")
    assert checked.returncode == 1, checked.stderr
    assert "ok pack oecd-dgpf (builtin)" in checked.stdout.splitlines()
