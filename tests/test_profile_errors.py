"""Profile errors name the profile's file as the user wrote it, the key path and its line.

The corpus (`tests/corpus/profiles/`) shows each message through the command line; here: the
line finder against TOML written by another program, the file a profile remembers (and that
the record does not pin), and every tailoring error through the API.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity import keylines
from maturity.api import Session, profile_pin
from maturity.checks import BUILTIN_CHECK_TYPES, CheckCompiler
from maturity.errors import PackError
from maturity.keylines import key_line, located
from maturity.limits import Limits
from maturity.loaders import load_profile
from maturity.packs import load_pack_dir
from maturity.plugins import create_host
from maturity.profiles import apply_profiles
from maturity.ruleset import compile_rules
from tests.plugin_kit import PluginSite

ROOT = Path(__file__).resolve().parents[1]
MINI_PACK = ROOT / "tests" / "packs" / "mini"
COMPILER = CheckCompiler(BUILTIN_CHECK_TYPES)
HEAD = '[profile]\nid = "meridia-2026"\ntitle = "Meridia"\nauthor = "Meridia Digital Agency"\n'


def mini() -> Any:
    return load_pack_dir(MINI_PACK, origin="local:mini", display="mini", limits=Limits())


def write(tmp_path: Path, text: str, name: str = "profiles/meridia.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# -- the line a key path is written on -----------------------------------------------------------

DOC = """\
# A comment before anything
[profile]
id = "x"
note = '''
several
lines'''

[profile.select]
rules = [
    "A-1",
    "A-2",
]

[[profile.changes]]
rule = "A-1"
check = { all = [
    { path = "a", is = true },
] }

[[profile.changes]]
rule = "A-2"
"""


@pytest.mark.parametrize(("path", "line"), [
    (("profile",), 2),
    (("profile", "id"), 3),
    (("profile", "note"), 4),                       # a multi-line string: where it starts
    (("profile", "select"), 8),
    (("profile", "select", "rules"), 9),
    (("profile", "select", "rules", 1), 9),         # an item of a multi-line list: the list
    (("profile", "changes", 0), 14),
    (("profile", "changes", 0, "check", "all", 0, "is"), 16),
    (("profile", "changes", 1), 20),
    (("profile", "changes", 1, "rule"), 21),
    (("profile", "changes", 1, "reason"), 20),      # missing: the table that should hold it
    (("profile", "author"), 2),
])
def test_the_line_of_a_key_path(path: tuple[str | int, ...], line: int) -> None:
    assert key_line(DOC, path) == line


def test_no_line_for_what_is_not_there_or_not_toml() -> None:
    assert key_line(DOC, ("other", "key")) is None
    assert key_line("a = [", ("a",)) is None
    assert located(None, ("profile", "id")) == "profile.id"
    assert located(DOC, ("profile", "id")) == "profile.id (line 3)"


def test_a_file_too_large_to_search_gets_no_line_rather_than_a_slow_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"k{i} = {i}\n" for i in range(2000))
    assert key_line(text, ("k1999",)) == 2000
    monkeypatch.setattr(keylines, "PARSE_BUDGET", 10_000)
    assert key_line(text, ("k1999",)) is None


names = st.text("abcdefgh-_", min_size=1, max_size=6)
scalars = st.one_of(st.integers(-5, 5), st.booleans(), st.text("xy \n", max_size=8))
tables = st.recursive(
    st.dictionaries(names, scalars, min_size=1, max_size=3),
    lambda inner: st.dictionaries(
        names, st.one_of(scalars, inner, st.lists(inner, min_size=1, max_size=3),
                         st.lists(scalars, max_size=3)),
        min_size=1, max_size=4),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found: list[tuple[str | int, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += [(*prefix, key), *_paths(value, (*prefix, key))]
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += [(*prefix, index), *_paths(value, (*prefix, index))]
    return found


def _declares(line: str, key: str) -> bool:
    """Whether a TOML line writes `key`: as `key = …`, or in a table header (which also
    makes the tables it is nested in)."""
    quoted = (re.escape(key), re.escape(f'"{key}"'))
    return any(re.match(rf"\s*{k}\s*=", line)
               or re.match(rf"\[\[?(.*\.)?{k}(\..*)?\]\]?\s*$", line) for k in quoted)


@settings(max_examples=60, deadline=None)
@given(tables, st.booleans())
def test_the_line_found_writes_the_key_or_the_value_that_holds_it(doc: dict[str, Any],
                                                                  multiline: bool) -> None:
    """Against TOML written by tomli_w (tables, inline lists and tables over several lines,
    multi-line strings): the line found writes the key, or the key of a value written over
    several lines that holds it; and a key inside a value is never found above the value."""
    text = tomli_w.dumps(doc, multiline_strings=multiline)
    lines = text.splitlines()
    for path in _paths(doc):
        line = key_line(text, path)
        assert line is not None, (path, text)
        parent = key_line(text, path[:-1]) if len(path) > 1 else 1
        assert parent is not None and line >= parent, (path, text)
        keys = [p for p in path if isinstance(p, str)]
        assert any(_declares(lines[line - 1], key) for key in keys), (path, line, text)
        if isinstance(path[-1], str) and line > parent:
            assert _declares(lines[line - 1], path[-1]), (path, line, text)


# -- the file a profile remembers ----------------------------------------------------------------


def test_a_profile_remembers_its_file_as_written_but_the_record_pins_only_its_definition(
        tmp_path: Path) -> None:
    text = HEAD + '\n[[profile.changes]]\nrule = "A-1"\nweight = 3.0\nreason = "x"\n'
    nested = load_profile(write(tmp_path, text), display="profiles/meridia.toml")
    elsewhere = load_profile(write(tmp_path, "\n\n" + text, "meridia.toml"))
    assert (nested.file, elsewhere.file) == ("profiles/meridia.toml", "meridia.toml")
    assert nested.where("profile", "changes", 0, "rule") == "profile.changes[0].rule (line 7)"
    assert elsewhere.where("profile", "changes", 0, "rule") == "profile.changes[0].rule (line 9)"
    assert profile_pin("file:meridia.toml", nested) == profile_pin("file:meridia.toml", elsewhere)


@pytest.mark.parametrize(("changes", "location", "message", "expected"), [
    ('[[profile.changes]]\nrule = "A-9"\nweight = 2.0\nreason = "x"\n',
     "profile.changes[0].rule (line 7)", "changes a rule that is not loaded: 'A-9'",
     "the id of a loaded rule"),
    ('[profile.select]\npacks = ["mino"]\nreason = "x"\n',
     "profile.select.packs[0] (line 7)", "selects a pack that is not loaded: 'mino'",
     "one of mini"),
    ('[profile.select]\nrules = ["A-1", "A-7"]\nreason = "x"\n',
     "profile.select.rules[1] (line 7)", "selects a rule that is not loaded: 'A-7'",
     "the id of a rule of the selected packs"),
])
def test_every_tailoring_error_names_file_key_line_expected_found_and_fix(
        tmp_path: Path, changes: str, location: str, message: str, expected: str) -> None:
    profile = load_profile(write(tmp_path, HEAD + "\n" + changes),
                           display="profiles/meridia.toml")
    with pytest.raises(PackError) as caught:
        apply_profiles([mini()], [profile])
    error = caught.value
    assert (error.file, error.location, error.message) == (
        "profiles/meridia.toml", location, message)
    assert error.expected == expected
    assert error.found and error.fix


ADDED = """
[[profile.add]]
pack = "mini"
reason = "national law"
[profile.add.rule]
id = "MER-1"
title = "A national rule"
rationale = "National law asks for it."
dimension = "beta"
facet = "nowhere"
level = 1
check = { path = "services.online_pct", ge = 50 }
[profile.add.rule.remediation]
action = "Put services online"
effort = 2
owner = "cio"
"""


def _line(location: str | None) -> int:
    match = re.search(r"\(line (\d+)\)$", location or "")
    assert match is not None, location
    return int(match[1])


def test_compile_errors_in_what_a_profile_wrote_point_into_the_profile(tmp_path: Path) -> None:
    text = (HEAD + '\n[[profile.changes]]\nrule = "A-1"\nreason = "x"\n'
            'check = { path = "strategy.adopted", iss = true }\n' + ADDED)
    profile = load_profile(write(tmp_path, text), display="profiles/meridia.toml")
    packs, _log = apply_profiles([mini()], [profile])
    with pytest.raises(PackError) as caught:
        compile_rules(packs, COMPILER)
    assert caught.value.file == "profiles/meridia.toml"
    assert caught.value.location == "rule A-1: profile.changes[0].check.iss (line 9)"
    assert text.splitlines()[8].startswith("check = ")
    # The check fixed, the added rule's facet is the error: in the profile too.
    fixed = text.replace("iss = true", "is = false")  # not A-1's own check
    profile = load_profile(write(tmp_path, fixed), display="profiles/meridia.toml")
    with pytest.raises(PackError) as caught:
        compile_rules(apply_profiles([mini()], [profile])[0], COMPILER)
    assert caught.value.file == "profiles/meridia.toml"
    line = _line(caught.value.location)
    assert caught.value.location == f"rule MER-1: profile.add[0].rule.facet (line {line})"
    assert fixed.splitlines()[line - 1] == 'facet = "nowhere"'
    # A rule the profile did not touch still names its pack's file.
    file, where = mini().place("A-2", "dimension")
    assert (file, where) == ("mini/rules.toml", f"rule A-2: dimension (line {_line(where)})")
    rules = (MINI_PACK / "rules.toml").read_text(encoding="utf-8")
    assert rules.splitlines()[_line(where) - 1].startswith("dimension = ")


def test_a_check_changed_by_a_later_profile_is_that_profiles(tmp_path: Path) -> None:
    first = load_profile(write(tmp_path, HEAD + ADDED.replace('"nowhere"', '"delivery"'),
                               "first.toml"))
    second = load_profile(write(tmp_path, HEAD.replace("meridia-2026", "second") +
                                '\n[[profile.changes]]\nrule = "MER-1"\nreason = "x"\n'
                                'check = { path = "a", gee = 1 }\n', "second.toml"))
    with pytest.raises(PackError) as caught:
        compile_rules(apply_profiles([mini()], [first, second])[0], COMPILER)
    assert (caught.value.file, caught.value.location) == (
        "second.toml", "rule MER-1: profile.changes[0].check.gee (line 9)")


def test_a_profile_built_in_code_is_named_by_its_id() -> None:
    from maturity.profiles import Profile

    profile = Profile.model_validate({"id": "tailoring", "title": "T", "author": "A",
                                      "changes": [{"rule": "A-9", "weight": 2.0,
                                                   "reason": "x"}]})
    with pytest.raises(PackError) as caught:
        apply_profiles([mini()], [profile])
    assert (caught.value.file, caught.value.location) == (
        "profile tailoring", "profile.changes[0].rule")


def test_a_plugins_profile_is_named_by_the_plugin_and_its_file(site: PluginSite,
                                                               tmp_path: Path) -> None:
    write(tmp_path, HEAD + '\n[[profile.changes]]\nrule = "A-9"\nweight = 2.0\n'
          'reason = "x"\n', "shipped/national.toml")
    plugin = site.module(f"""
    from pathlib import Path
    from maturity.loaders import load_profile

    @hookimpl
    def maturity_profiles():
        return [load_profile(Path({str(tmp_path / "shipped" / "national.toml")!r}))]
    """)
    session = Session(host=create_host(autoload=False, extra=[("meridia", plugin)]))
    profiles = session.resolve_profiles(["meridia-2026"])
    assert [origin for origin, _p in profiles] == ["plugin:meridia"]
    with pytest.raises(PackError) as caught:
        session.load_rules(pack_dirs=[MINI_PACK], profiles=[p for _o, p in profiles])
    assert (caught.value.file, caught.value.location) == (
        "meridia:national.toml", "profile.changes[0].rule (line 7)")
