"""The plugin host: loading, the API gate, loud failures, skipping, conflicts, autoload.

Every plugin here is a real module on disk, registered through `create_host(extra=...)` or
installed as a distribution with an entry point; nothing stands in for pluggy or importlib.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from maturity import hookspecs
from maturity.builtin import BUILTIN_PACK_DIRS
from maturity.checks import BUILTIN_CHECK_TYPES
from maturity.errors import PluginError
from maturity.plugins import AUTOLOAD_ENV, create_host, describe_plugins, plugin_records
from maturity.scoring import BUILTIN_SCORING_MODELS
from tests.plugin_kit import PluginSite

ROOT = Path(__file__).resolve().parents[1]
FINANCE = ROOT / "examples" / "ministry-of-finance"
MATURITY = Path(sys.executable).with_name("maturity")

LIST_HOOKS = [h for h in hookspecs.HOOK_NAMES if h != "maturity_bundle_source"]


def raising_in(hook: str) -> str:
    args = "path" if hook == "maturity_bundle_source" else ""
    return f"""
    @hookimpl
    def {hook}({args}):
        raise RuntimeError("broken on purpose")
    """


# -- the built-in plugin goes through the same hooks -------------------------------------------


def test_builtin_contributions_arrive_through_the_hooks() -> None:
    host = create_host(autoload=False)
    assert [p.name for p in host.plugins] == ["builtin"]
    assert [loc.display for _n, loc in host.rule_packs()] == [
        f"rules/{d}" for d in BUILTIN_PACK_DIRS]
    assert {t.operator for t in BUILTIN_CHECK_TYPES} <= {
        t.operator for _n, t in host.check_types()}
    assert {m.name for _n, m in host.scoring_models()} == {
        m.name for m in BUILTIN_SCORING_MODELS}
    assert {"json", "md"} <= {f.name for _n, f in host.report_formats()}
    assert {s for _n, e in host.evidence_loaders() for s in e.suffixes} >= {
        ".toml", ".json", ".yaml", ".yml", ".xlsx"}
    assert {n for hook in host.contributions().values() for n, _i in hook} == {"builtin"}


def test_hook_names_are_the_hookspecs_and_share_one_prefix() -> None:
    host = create_host(autoload=False)
    specs = sorted(n for n in vars(host.manager.hook) if not n.startswith("_"))
    assert list(hookspecs.HOOK_NAMES) == specs
    assert all(n.startswith("maturity_") for n in specs)


# -- the API gate --------------------------------------------------------------------------------


def test_api_mismatch_names_the_plugin_its_version_and_the_range(site: PluginSite) -> None:
    site.install("future-country", 'from maturity.hookspecs import hookimpl\n'
                 'MATURITY_PLUGIN_API = ">=2,<3"\n', version="3.1.0", header=False)
    with pytest.raises(PluginError) as caught:
        create_host()
    error = caught.value
    assert error.code == "plugin.api-mismatch"
    assert error.file == "future-country"
    assert "'future-country' 3.1.0 supports plugin API '>=2,<3'" in error.message
    assert f"this engine provides plugin API {hookspecs.PLUGIN_API}" in error.message
    assert "exit" not in error.render() and "Traceback" not in error.render()


def test_api_gate_for_extra_plugins_missing_and_unreadable_ranges(site: PluginSite) -> None:
    none = site.module("x = 1\n", header=False)
    with pytest.raises(PluginError, match="does not declare the plugin API") as caught:
        create_host(autoload=False, extra=[("no-api", none)])
    assert caught.value.code == "plugin.no-api"
    garbled = site.module('MATURITY_PLUGIN_API = "one or two"\n', header=False)
    with pytest.raises(PluginError, match="unreadable plugin API range") as caught:
        create_host(autoload=False, extra=[("garbled", garbled)])
    assert caught.value.code == "plugin.api-range"
    old = site.module('MATURITY_PLUGIN_API = "<1"\n__version__ = "0.3"\n', header=False)
    host = create_host(autoload=False, skip_broken=True, extra=[("old", old)])
    assert [s.as_record() for s in host.skipped] == [{
        "name": "old", "version": "0.3", "hook": "api",
        "error": "plugin 'old' 0.3 supports plugin API '<1', but this engine provides plugin "
                 f"API {hookspecs.PLUGIN_API}"}]
    assert [p.name for p in host.plugins] == ["builtin"]


# -- loud failures: import, each hook, registration ----------------------------------------------


def test_a_plugin_failing_to_import_is_named(site: PluginSite) -> None:
    site.install("half-installed", "import maturity_no_such_module\n", version="1.2.0")
    with pytest.raises(PluginError) as caught:
        create_host()
    error = caught.value
    assert error.code == "plugin.import-failed"
    assert error.file == "half-installed"
    assert "'half-installed' 1.2.0 failed to import" in error.message
    assert "ModuleNotFoundError" in error.message
    host = create_host(skip_broken=True)
    (skipped,) = [s for s in host.skipped if s.name == "half-installed"]
    assert (skipped.version, skipped.stage) == ("1.2.0", "import")
    assert "half-installed" not in [p.name for p in host.plugins]


@pytest.mark.parametrize("hook", hookspecs.HOOK_NAMES)
def test_a_plugin_raising_in_any_hook_is_named_with_the_hook(site: PluginSite, tmp_path: Path,
                                                             hook: str) -> None:
    broken = site.module(raising_in(hook))
    if hook == "maturity_bundle_source":
        host = create_host(autoload=False, extra=[("clumsy", broken)])
        with pytest.raises(PluginError) as caught:
            host.bundle_source(tmp_path)
    else:
        with pytest.raises(PluginError) as caught:
            create_host(autoload=False, extra=[("clumsy", broken)])
    error = caught.value
    assert error.code == "plugin.hook-failed"
    assert (error.file, error.location) == ("clumsy", hook)
    assert f"plugin 'clumsy' raised in hook {hook}: RuntimeError: broken on purpose" == (
        error.message)


@pytest.mark.parametrize("hook", hookspecs.HOOK_NAMES)
def test_skip_broken_leaves_out_the_whole_plugin_and_lists_it(site: PluginSite, tmp_path: Path,
                                                              hook: str) -> None:
    broken = site.module(raising_in(hook) + """
    @hookimpl
    def maturity_report_formats():
        from maturity.hookspecs import ReportFormat
        return [ReportFormat("never", ".txt", "from a broken plugin", lambda r, o: b"")]
    """ if hook != "maturity_report_formats" else raising_in(hook))
    host = create_host(autoload=False, skip_broken=True, extra=[("clumsy", broken)])
    if hook == "maturity_bundle_source":
        assert host.bundle_source(tmp_path) is None
    assert [s.as_record() for s in host.skipped] == [{
        "name": "clumsy", "version": "unknown", "hook": hook,
        "error": "RuntimeError: broken on purpose"}]
    assert [p.name for p in host.plugins] == ["builtin"]
    assert "never" not in {f.name for _n, f in host.report_formats()}
    assert "SKIPPED clumsy unknown at " + hook in describe_plugins(host)


def test_wrong_return_types_are_named(site: PluginSite) -> None:
    cases = {
        "maturity_check_types": "return 'is'",
        "maturity_rule_packs": "return ['rules/x']",
        "maturity_report_formats": "return None",
    }
    for hook, body in cases.items():
        plugin = site.module(f"""
        @hookimpl
        def {hook}():
            {body}
        """)
        with pytest.raises(PluginError, match=f"returned .* from hook {hook}") as caught:
            create_host(autoload=False, extra=[("sloppy", plugin)])
        assert (caught.value.code, caught.value.location) == ("plugin.bad-return", hook)


def test_misspelled_hook_and_wrong_argument_names(site: PluginSite) -> None:
    typo = site.module("""
    @hookimpl
    def maturity_check_type():
        return []
    """)
    with pytest.raises(PluginError, match="unknown hook maturity_check_type") as caught:
        create_host(autoload=False, extra=[("typo", typo)])
    assert caught.value.fix == "did you mean 'maturity_check_types'?"
    wrong_arg = site.module("""
    @hookimpl
    def maturity_bundle_source(directory):
        return None
    """)
    with pytest.raises(PluginError, match="could not be registered") as caught:
        create_host(autoload=False, extra=[("args", wrong_arg)])
    assert caught.value.file == "args"


def test_hook_wrappers_are_refused(site: PluginSite) -> None:
    wrapper = site.module("""
    @hookimpl(wrapper=True)
    def maturity_rule_packs():
        packs = yield
        return packs[:1]
    """)
    with pytest.raises(PluginError, match="as a wrapper") as caught:
        create_host(autoload=False, extra=[("filter", wrapper)])
    assert caught.value.code == "plugin.wrapper"


def test_contributed_code_that_raises_later_still_names_the_plugin(site: PluginSite,
                                                                   tmp_path: Path) -> None:
    plugin = site.module("""
    from maturity.evidence import EvidenceLoader

    def parse(data, display, limits):
        return {"n": 1 / 0}

    @hookimpl
    def maturity_evidence_loaders():
        return [EvidenceLoader("fragile", (".frag",), parse)]
    """)
    from maturity.api import Session

    session = Session(host=create_host(autoload=False, extra=[("fragile", plugin)]))
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "bundle.toml").write_text(
        '[organisation]\nid = "o"\nname = "O"\nkind = "agency"\n', encoding="utf-8")
    (bundle / "numbers.frag").write_text("n=1\n", encoding="utf-8")
    with pytest.raises(PluginError) as caught:
        session.load_evidence(bundle)
    assert caught.value.code == "plugin.raised"
    assert "plugin 'fragile' raised in its evidence loader 'fragile'" in caught.value.message
    assert "ZeroDivisionError" in caught.value.message
    assert caught.value.file == "bundle/numbers.frag"


# -- conflicts -----------------------------------------------------------------------------------


def test_two_plugins_adding_the_same_operator_is_an_error_not_a_shadow(site: PluginSite) -> None:
    source = """
    from pydantic import StrictBool
    from maturity.checks import CheckType

    @hookimpl
    def maturity_check_types():
        return [CheckType("even", StrictBool, lambda f: (lambda v, c, p: float(v % 2 == 0)),
                          lambda f: "is even")]
    """
    host = create_host(autoload=False, extra=[("first", site.module(source)),
                                              ("second", site.module(source))])
    with pytest.raises(PluginError) as caught:
        host.check_types()
    assert caught.value.code == "plugin.conflict"
    assert "'even' is contributed twice, by plugins 'first' and 'second'" in caught.value.message
    # `maturity plugins` still works, and shows the conflict.
    assert "CONFLICT check operator 'even'" in describe_plugins(host)


def test_a_plugin_cannot_take_over_a_builtin_suffix(site: PluginSite) -> None:
    plugin = site.module("""
    from maturity.evidence import EvidenceLoader

    @hookimpl
    def maturity_evidence_loaders():
        return [EvidenceLoader("toml-2", (".TOML",), lambda d, n, l: {})]
    """)
    host = create_host(autoload=False, extra=[("usurper", plugin)])
    with pytest.raises(PluginError, match=r"evidence file suffix '\.toml'"):
        host.evidence_loaders()


# -- autoload and entry points -------------------------------------------------------------------


def test_autoload_finds_entry_points_and_the_env_var_switches_it_off(
        site: PluginSite, monkeypatch: pytest.MonkeyPatch) -> None:
    site.install("neighbour", "", version="2.0.1")
    assert ("neighbour", "2.0.1") in [(p.name, p.version) for p in create_host().plugins]
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    assert "neighbour" not in [p.name for p in create_host().plugins]
    monkeypatch.setenv(AUTOLOAD_ENV, "0")
    assert "neighbour" in [p.name for p in create_host().plugins]
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    assert "neighbour" in [p.name for p in create_host(autoload=True).plugins]


def test_plugins_are_listed_in_a_stable_order_for_the_record(site: PluginSite) -> None:
    late = site.module("")
    early = site.module("")
    host = create_host(autoload=False, extra=[("zeta", late), ("alpha", early)])
    assert plugin_records(host) == [
        {"name": "alpha", "version": "unknown"}, {"name": "builtin", "version": "0.1.0"},
        {"name": "zeta", "version": "unknown"}]


# -- through the command line, with a real installed entry point ---------------------------------


def _run(site: PluginSite, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != AUTOLOAD_ENV}
    env["PYTHONPATH"] = str(site.root)
    return subprocess.run([str(MATURITY), *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False, timeout=120)


def test_cli_stops_on_a_broken_plugin_and_skip_broken_records_it(site: PluginSite,
                                                                 tmp_path: Path) -> None:
    site.install("brittle", "import maturity_no_such_module\n", version="0.9.0")
    site.install("clumsy", raising_in("maturity_scoring_models"), version="1.0.0")
    stopped = _run(site, "assess", str(FINANCE))
    assert stopped.returncode == 2
    assert stopped.stderr.startswith("error[plugin.import-failed]: brittle: import of entry "
                                     "point")
    assert "Traceback" not in stopped.stderr
    out = tmp_path / "record.json"
    done = _run(site, "assess", str(FINANCE), "--skip-broken-plugins", "-o", str(out))
    assert done.returncode == 0, done.stderr
    record = json.loads(out.read_bytes())
    skipped = {s["name"]: s for s in record["skipped_plugins"]}
    assert skipped["brittle"]["hook"] == "import"
    assert skipped["brittle"]["version"] == "0.9.0"
    assert "ModuleNotFoundError" in skipped["brittle"]["error"]
    assert skipped["clumsy"] == {"name": "clumsy", "version": "1.0.0",
                                 "hook": "maturity_scoring_models",
                                 "error": "RuntimeError: broken on purpose"}
    assert {"brittle", "clumsy"}.isdisjoint(p["name"] for p in record["plugins"])
    listing = _run(site, "plugins", "--skip-broken-plugins").stdout
    assert "SKIPPED brittle 0.9.0 at import" in listing


def test_cli_api_mismatch_message(site: PluginSite) -> None:
    site.install("future-country", 'MATURITY_PLUGIN_API = "~=2.0"\n', version="3.0.0",
                 header=False)
    done = _run(site, "rules", "list")
    assert done.returncode == 2
    assert ("error[plugin.api-mismatch]: future-country: MATURITY_PLUGIN_API: plugin "
            "'future-country' 3.0.0 supports plugin API '~=2.0', but this engine provides "
            f"plugin API {hookspecs.PLUGIN_API}") in done.stderr
    # The listing shows it as skipped, with the reason, rather than stopping.
    listed = _run(site, "plugins")
    assert listed.returncode == 0, listed.stderr
    assert "SKIPPED future-country 3.0.0" in listed.stdout
    assert "supports plugin API '~=2.0'" in listed.stdout


def test_a_bundle_source_failing_while_it_is_read_names_the_plugin(site: PluginSite,
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
    source = create_host(autoload=False, extra=[("register", plugin)]).bundle_source(tmp_path)
    assert source is not None
    with pytest.raises(PluginError) as caught:
        list(source.bundles())
    assert caught.value.code == "plugin.raised"
    assert caught.value.message == ("plugin 'register' raised in bundle source 'register' "
                                    "(maturity_bundle_source): KeyError: 'country'")


def test_a_plugin_pack_that_does_not_load_stops_the_run_or_is_skipped(site: PluginSite,
                                                                      tmp_path: Path) -> None:
    from maturity.api import Session
    from maturity.errors import PackError

    good = tmp_path / "good"
    good.mkdir()
    for name in ("pack.toml", "rules.toml"):
        (good / name).write_bytes((ROOT / "tests" / "packs" / "mini" / name).read_bytes())
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "pack.toml").write_text('[pack]\nid = "broken"\n', encoding="utf-8")
    plugin = site.module(f"""
    from pathlib import Path
    from maturity.hookspecs import PackLocation

    @hookimpl
    def maturity_rule_packs():
        return [PackLocation(Path({str(good)!r}), "careless:good"),
                PackLocation(Path({str(broken)!r}), "careless:broken")]
    """)
    with pytest.raises(PackError) as caught:
        Session(host=create_host(autoload=False, extra=[("careless", plugin)])).load_rules()
    assert caught.value.file == "careless:broken/pack.toml"
    session = Session(host=create_host(autoload=False, skip_broken=True,
                                       extra=[("careless", plugin)]))
    rules, _ = session.load_rules()
    assert "mini" not in [p.id for p in rules.packs]          # the whole plugin is left out
    (skipped,) = session.host.skipped_records()
    assert (skipped["name"], skipped["hook"]) == ("careless", "maturity_rule_packs")
    assert skipped["error"].startswith("error[pack.missing-key]: careless:broken/pack.toml")


BROKEN_TEMPLATE = '''
from maturity.report import template_format

@hookimpl
def maturity_report_formats():
    return [template_format("brief", ".html", "a brief",
                            "{% for o in record.outcomes %}\\n{{ o.rule }}\\n{% endfor %}\\n"
                            "{% endfor %}\\n")]
'''


def test_a_report_template_that_does_not_parse_fails_its_plugin_at_once(
        site: PluginSite, tmp_path: Path) -> None:
    # Before, the error came at the first report, with no line, and could not be skipped.
    site.install("briefing", BROKEN_TEMPLATE, version="1.0.0")
    listed = _run(site, "plugins", "--check")
    assert listed.returncode == 1, listed.stderr
    assert ("SKIPPED briefing 1.0.0 at maturity_report_formats: ValueError: the template of "
            "report format 'brief', line 4: Encountered unknown tag 'endfor'.") in listed.stdout
    done = _run(site, "assess", str(FINANCE), "--skip-broken-plugins", "-o",
                str(tmp_path / "record.json"))
    assert done.returncode == 0, done.stderr
