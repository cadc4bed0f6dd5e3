"""Owners by name: packs declare the roles their remediations name, catalogues translate them,
and reports show them in the reader's language (the record keeps the ids)."""

from __future__ import annotations

import html
import itertools
import json
import re
import shutil
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import markupsafe
import pytest
import tomli_w

import maturity
from maturity.api import Session
from maturity.catalogues import TranslationCatalogue, load_catalogue, source_for
from maturity.cli import main
from maturity.errors import PackError, PluginError
from maturity.hookspecs import hookimpl
from maturity.i18n import load_language, translation_problems
from maturity.limits import Limits
from maturity.model import RulePack
from maturity.packs import load_pack_dir
from maturity.plugins import AUTOLOAD_ENV, create_host
from maturity.report import md_escape, report_context
from maturity.ruleset import RuleSet
from tests.conftest import EXAMPLES, MINI_PACK, ROOT, run_stamp

#: The owners the mini pack's rules name, as a pack would declare them.
MINI_OWNERS = [{"id": "chief-digital-officer", "name": "Chief digital officer"},
               {"id": "head-of-service-design", "name": "Head of service design"}]


def _mini_with_owners(tmp_path: Path, owners: list[dict[str, str]] = MINI_OWNERS) -> Path:
    """A copy of the mini pack whose header declares `owners`."""
    target = tmp_path / "mini"
    shutil.copytree(MINI_PACK, target)
    header = tomllib.loads((target / "pack.toml").read_text(encoding="utf-8"))
    header["pack"]["owners"] = owners
    (target / "pack.toml").write_text(tomli_w.dumps(header), encoding="utf-8")
    return target


def _load(directory: Path) -> RulePack:
    return load_pack_dir(directory, origin=f"local:{directory.name}", display=directory.name,
                         limits=Limits())


def _session(*plugins: tuple[str, object]) -> Session:
    return Session(host=create_host(autoload=False, extra=plugins))


def _rules(session: Session, directory: Path) -> RuleSet:
    rules, _ = session.load_rules(pack_dirs=[directory])
    return rules


def _line_of(error: PackError, directory: Path, file: str) -> str:
    """The line of `file` the error's location points at."""
    match = re.search(r"\(line (\d+)\)$", error.location or "")
    assert match, error.location
    return (directory / file).read_text(encoding="utf-8").splitlines()[int(match.group(1)) - 1]


def _french_owner_catalogue(directory: Path, names: dict[str, str]) -> None:
    """The pack's i18n/fr.toml translating owners, stamped as scripts/i18n.py stamp does."""
    pack = _load(directory)
    owners = {o.id: o for o in pack.header.owners}
    table = {"locale": "fr", "pack": pack.id, "owners": {
        owner_id: {"name": name, "source": source_for(owners[owner_id], ["name"])}
        for owner_id, name in names.items()}}
    (directory / "i18n").mkdir(exist_ok=True)
    (directory / "i18n" / "fr.toml").write_text(tomli_w.dumps({"catalogue": table}),
                                                 encoding="utf-8")


# --- the pack header --------------------------------------------------------------------------


def test_a_pack_declaring_its_owners_loads_and_its_header_names_them(tmp_path: Path) -> None:
    pack = _load(_mini_with_owners(tmp_path))
    assert [(o.id, o.name) for o in pack.header.owners] == [
        ("chief-digital-officer", "Chief digital officer"),
        ("head-of-service-design", "Head of service design")]


def test_a_pack_without_owners_may_name_any_owner() -> None:
    pack = _load(MINI_PACK)
    assert pack.header.owners == []
    assert {r.remediation.owner for r in pack.rules} == {"chief-digital-officer",
                                                         "head-of-service-design"}


def test_a_rule_naming_an_undeclared_owner_is_refused_where_it_is_written(
        tmp_path: Path) -> None:
    pack_dir = _mini_with_owners(tmp_path)
    rules = (pack_dir / "rules.toml").read_text(encoding="utf-8")
    (pack_dir / "rules.toml").write_text(rules.replace(
        'owner = "head-of-service-design"', 'owner = "head-of-service-desing"', 1),
        encoding="utf-8")
    with pytest.raises(PackError) as caught:
        _session().load_rules(pack_dirs=[pack_dir])
    error = caught.value
    assert error.code == "pack.unknown-owner"
    assert error.message == "unknown owner 'head-of-service-desing'"
    assert error.file == "mini/rules.toml"
    assert re.fullmatch(r"rule A-3: remediation\.owner \(line \d+\)", error.location or "")
    assert 'owner = "head-of-service-desing"' in _line_of(error, pack_dir, "rules.toml")
    assert error.expected == "one of chief-digital-officer, head-of-service-design"
    assert error.found == "'head-of-service-desing'"
    assert error.fix == "did you mean 'head-of-service-design'?"
    assert error.pack == "mini"


def test_an_owner_nothing_like_the_declared_ones_is_to_be_declared(tmp_path: Path) -> None:
    pack_dir = _mini_with_owners(tmp_path, MINI_OWNERS[:1])
    with pytest.raises(PackError) as caught:
        _rules(_session(), pack_dir)
    assert caught.value.code == "pack.unknown-owner"
    assert caught.value.found == "'head-of-service-design'"
    assert caught.value.expected == "one of chief-digital-officer"
    assert caught.value.fix == "declare it in [[pack.owners]]"


def test_a_rule_a_profile_adds_names_a_declared_owner_or_the_profile_is_blamed(
        tmp_path: Path) -> None:
    from maturity.profiles import Profile, apply_profiles
    from maturity.ruleset import compile_rules

    pack = _load(_mini_with_owners(tmp_path))
    new = pack.rules[0].model_dump() | {"id": "MER-A-9", "title": "A national rule"}
    new["remediation"] = new["remediation"] | {"owner": "head-of-hr"}
    profile = Profile.model_validate({"id": "tailoring", "title": "Tailoring",
                                      "author": "Strategy Unit", "add": [
                                          {"pack": "mini", "reason": "law", "rule": new}]})
    packs, _ = apply_profiles([pack], [profile])
    with pytest.raises(PackError) as caught:
        compile_rules(packs, _session().compiler)
    assert caught.value.code == "pack.unknown-owner"
    assert caught.value.found == "'head-of-hr'"
    assert caught.value.file == "profile tailoring"
    assert caught.value.pack is None  # the profile wrote it, not the pack's authors


@pytest.mark.parametrize(("table", "key", "entry"), [
    ("owners", "id", {"id": "chief-digital-officer", "name": "Digital director"}),
    ("dimensions", "id", {"id": "alpha", "name": "Alpha again"}),
    ("facets", "id", None),
    ("levels", "level", {"level": 1, "name": "Again"}),
])
def test_an_id_declared_twice_in_the_header_is_refused(
        tmp_path: Path, table: str, key: str, entry: dict[str, Any] | None) -> None:
    pack_dir = _mini_with_owners(tmp_path)
    header = tomllib.loads((pack_dir / "pack.toml").read_text(encoding="utf-8"))
    items = header["pack"].setdefault(table, [])
    if entry is None:
        if not items:
            pytest.skip("the mini pack declares no facets")
        entry = dict(items[0])
    if table == "levels" and not items:
        items.append({"level": 1, "name": "First"})
    items.append(entry)
    (pack_dir / "pack.toml").write_text(tomli_w.dumps(header), encoding="utf-8")
    with pytest.raises(PackError) as caught:
        _load(pack_dir)
    second = len(items)
    first = next(i for i, item in enumerate(items) if item[key] == entry[key]) + 1
    assert caught.value.code == "pack.invalid-value"
    assert caught.value.message == f"two {table} with {key} {entry[key]!r} (the {first}" + (
        "st" if first == 1 else "nd") + f" and the {second}" + (
        "nd" if second == 2 else "rd" if second == 3 else "th") + ")"
    assert caught.value.file == "mini/pack.toml"
    # The second table, at its key, with its line.
    assert re.fullmatch(rf"pack\.{table}\[{second - 1}\]\.{key} \(line \d+\)",
                        caught.value.location or ""), caught.value.location
    assert caught.value.found == repr(entry[key])
    assert caught.value.expected == f"each of the pack's {table} declared once"
    assert caught.value.fix == (f"remove or rename one of the two [[pack.{table}]] tables "
                                f"with {key} = {entry[key]!r}")


def test_an_owner_id_is_a_slug(tmp_path: Path) -> None:
    pack_dir = _mini_with_owners(tmp_path, [*MINI_OWNERS, {"id": "Head of HR",
                                                           "name": "Head of HR"}])
    with pytest.raises(PackError) as caught:
        _load(pack_dir)
    assert caught.value.code == "pack.invalid-value"
    assert (caught.value.location or "").startswith("pack.owners[2].id")
    assert caught.value.fix == "e.g. 'head-of-hr'"


# --- catalogues -------------------------------------------------------------------------------


class _Catalogues:
    """A real plugin object contributing catalogues through the hook."""

    MATURITY_PLUGIN_API = ">=1,<2"

    def __init__(self, *catalogues: TranslationCatalogue) -> None:
        self.catalogues = list(catalogues)

    @hookimpl
    def maturity_translations(self) -> list[TranslationCatalogue]:
        return self.catalogues


def test_a_plugin_catalogue_translating_an_unknown_owner_is_refused(tmp_path: Path) -> None:
    pack_dir = _mini_with_owners(tmp_path)
    catalogue = TranslationCatalogue.model_validate({
        "locale": "fr", "pack": "mini",
        "owners": {"head-of-servise-design": {"name": "Responsable", "source": "0" * 12}}})
    with pytest.raises(PluginError) as caught:
        _session(("country", _Catalogues(catalogue))).load_rules(pack_dirs=[pack_dir])
    error = caught.value
    assert error.code == "plugin.catalogue-unknown"
    assert error.message == ("plugin 'country' translates owner 'head-of-servise-design', "
                             "which pack 'mini' 1.0.0 does not have")
    assert error.file == "country"  # built in Python: no file to name, the plugin is
    assert error.location == ("catalogue.owners.head-of-servise-design (fr, from the plugin's "
                              "maturity_translations)")
    assert error.expected == "one of chief-digital-officer, head-of-service-design"
    assert error.found == "'head-of-servise-design'"
    assert error.fix == "did you mean 'head-of-service-design'?"


def test_a_plugin_catalogue_of_another_pack_version_names_its_file_and_can_be_skipped(
        tmp_path: Path) -> None:
    pack_dir = _mini_with_owners(tmp_path)
    (tmp_path / "mini.fr.toml").write_text(
        '[catalogue]\nlocale = "fr"\npack = "mini"\n\n[catalogue.owners.head-of-legal]\n'
        'name = "Direction juridique"\nsource = "000000000000"\n', encoding="utf-8")
    catalogue = load_catalogue(tmp_path / "mini.fr.toml", display="country:mini.fr.toml")
    plugin = ("country", _Catalogues(catalogue))
    with pytest.raises(PluginError) as caught:
        _session(plugin).load_rules(pack_dirs=[pack_dir])
    assert caught.value.file == "country:mini.fr.toml"
    assert (caught.value.location or "").startswith("catalogue.owners.head-of-legal")
    # With --skip-broken-plugins the run goes on without the plugin, and says so.
    session = Session(host=create_host(autoload=False, extra=[plugin], skip_broken=True))
    rules, _ = session.load_rules(pack_dirs=[pack_dir])
    assert [r.id for r in rules.rules]
    assert [s.name for s in session.host.skipped] == ["country"]
    assert "head-of-legal" in session.host.skipped[0].error


def test_a_catalogue_file_translating_an_unknown_owner_is_listed_by_the_lint(
        tmp_path: Path) -> None:
    pack_dir = _mini_with_owners(tmp_path)
    _french_owner_catalogue(pack_dir, {"chief-digital-officer": "Directeur du numérique"})
    catalogue = pack_dir / "i18n" / "fr.toml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + (
        '\n[catalogue.owners.chief-data-officer]\nname = "Administrateur des données"\n'
        'source = "0123456789ab"\n'), encoding="utf-8")
    session = _session()
    problems = translation_problems(_rules(session, pack_dir), session, "fr")
    assert ("mini: fr: owners.chief-data-officer: translated in i18n/fr.toml but not in the "
            "pack") in problems


def test_an_owner_translation_carries_only_an_owners_fields() -> None:
    with pytest.raises(ValueError, match=r"owners\.cdo: 'title' cannot be translated here "
                                         r"\(an owner has name, description\)"):
        TranslationCatalogue.model_validate({
            "locale": "fr", "pack": "mini",
            "owners": {"cdo": {"title": "Directeur", "source": "0" * 12}}})


def test_the_lint_lists_missing_and_stale_owner_translations(tmp_path: Path) -> None:
    pack_dir = _mini_with_owners(tmp_path)
    _french_owner_catalogue(pack_dir, {"chief-digital-officer": "Directeur du numérique"})
    session = _session()
    problems = translation_problems(_rules(session, pack_dir), session, "fr")
    assert "mini: fr: owners.head-of-service-design: missing name" in problems
    assert not [p for p in problems if "owners.chief-digital-officer" in p]
    header = (pack_dir / "pack.toml").read_text(encoding="utf-8")
    (pack_dir / "pack.toml").write_text(header.replace(
        '"Chief digital officer"', '"Chief digital and data officer"'), encoding="utf-8")
    session = _session()
    problems = translation_problems(_rules(session, pack_dir), session, "fr")
    (stale,) = [p for p in problems if "stale" in p]
    assert stale.startswith("mini: fr: owners.chief-digital-officer: stale (the source text "
                            "changed")
    # A stale name is shown in English, and counted.
    language = load_language(session, "fr", _rules(session, pack_dir).packs)
    assert language.owner("mini", "chief-digital-officer") == "Chief digital and data officer"
    assert language.fallback_count == 1


def _unstamped_catalogue(pack_dir: Path, table: str, name: str) -> Path:
    """The pack's i18n/fr.toml naming one owner under `table`, without its source yet."""
    (pack_dir / "i18n").mkdir()
    catalogue = pack_dir / "i18n" / "fr.toml"
    catalogue.write_text(f'[catalogue]\nlocale = "fr"\npack = "mini"\n\n{table}\n'
                         f'name = "{name}"\n', encoding="utf-8")
    return catalogue


def test_the_stamp_tool_stamps_and_restamps_owner_names(tmp_path: Path) -> None:
    pack_dir = _mini_with_owners(tmp_path)
    catalogue = _unstamped_catalogue(pack_dir, "[catalogue.owners.chief-digital-officer]",
                                     "Directeur ou directrice du numérique")

    def stamp(*args: str) -> None:
        assert run_stamp(*args, catalogue).returncode == 0

    def stale() -> list[str]:
        session = _session()
        return [p for p in translation_problems(_rules(session, pack_dir), session, "fr")
                if "stale" in p]

    stamp()
    assert 'source = "' in catalogue.read_text(encoding="utf-8") and stale() == []
    header = (pack_dir / "pack.toml").read_text(encoding="utf-8")
    (pack_dir / "pack.toml").write_text(header.replace('"Chief digital officer"',
                                                       '"Digital director"'), encoding="utf-8")
    assert len(stale()) == 1
    stamp("--restamp", "owners.chief-digital-officer")
    assert stale() == []


# --- reports ----------------------------------------------------------------------------------

MINISTRY = "ministry-of-health"


def _french_names() -> dict[str, str]:
    """Every owner id of the built-in packs with its French name (the first pack's wins)."""
    names: dict[str, str] = {}
    for pack in ("dgpf", "skills"):
        table = tomllib.loads((ROOT / "rules" / pack / "i18n" / "fr.toml").read_text(
            encoding="utf-8"))["catalogue"]["owners"]
        for owner_id, entry in table.items():
            names.setdefault(owner_id, entry["name"])
    return names


def _slug(owner: str) -> re.Pattern[str]:
    """An owner id standing alone, not as part of a longer id or word."""
    return re.compile(rf"(?<![\w-]){re.escape(owner)}(?![\w-])")


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One example ministry's record, and its roadmap in French as text, Markdown and HTML."""
    folder = tmp_path_factory.mktemp("owners")
    record_path = folder / "record.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(AUTOLOAD_ENV, "1")
        assert main(["assess", str(EXAMPLES / MINISTRY), "-o", str(record_path)]) == 0
        for fmt, name in (("text", "roadmap.txt"), ("md", "roadmap.md")):
            assert main(["roadmap", str(record_path), "--lang", "fr", "--format", fmt,
                         "-o", str(folder / name)]) == 0
        assert main(["report", str(record_path), "--lang", "fr", "--format", "html",
                     "-o", str(folder / "report.html")]) == 0
    yield {"record": json.loads(record_path.read_bytes()),
           **{name: (folder / name).read_text(encoding="utf-8")
              for name in ("roadmap.txt", "roadmap.md", "report.html")}}


def _shown_owners(french: dict[str, Any]) -> set[str]:
    roadmap = french["record"]["roadmap"]
    return {o for a in roadmap["actions"] if a["phase"] is not None for o in a["owners"]}


def test_the_record_keeps_owner_ids(french: dict[str, Any]) -> None:
    owners = _shown_owners(french)
    assert owners and owners <= set(_french_names())
    assert all(o["remediation"]["owner"] in _french_names()
               for o in french["record"]["outcomes"] if o.get("remediation"))


@pytest.mark.parametrize("name", ["roadmap.txt", "roadmap.md"])
def test_a_french_roadmap_names_owners_in_french(french: dict[str, Any], name: str) -> None:
    text = french[name]
    names = _french_names()
    for owner in sorted(_shown_owners(french)):
        assert names[owner] in text, owner
    assert [o for o in names if _slug(o).search(text)] == []


def test_a_french_html_report_names_owners_in_french(french: dict[str, Any]) -> None:
    page = french["report.html"]
    names = _french_names()
    shown = {html.unescape(m) for m in re.findall(r"<bdi>(.*?)</bdi>", page)}
    # First steps, phase owners, the action tables and the findings all name owners.
    assert {names[o] for o in _shown_owners(french)} <= shown
    assert shown <= set(names.values())
    assert "Directeur ou directrice du numérique" in shown


def _phase_titles(text: str) -> dict[str, str]:
    """Each scheduled action's title as the text roadmap's phases show it (the line below its
    id)."""
    titles: dict[str, str] = {}
    for row, below in itertools.pairwise(text.splitlines()):
        match = re.match(r"^  [* ] (\S+) ", row)
        if match and below.startswith("      "):
            titles[match.group(1)] = below.strip()
    return titles


def test_the_critical_path_shows_each_actions_title(french: dict[str, Any]) -> None:
    record = french["record"]
    critical = record["roadmap"]["critical_path"]["actions"]
    english = {a["id"]: a["title"] for a in record["roadmap"]["actions"]}
    titles = _phase_titles(french["roadmap.txt"])
    assert len(critical) >= 2 and set(critical) <= set(titles)
    for position, action in enumerate(critical, start=1):
        title = titles[action]
        assert title != english[action]  # in French
        assert f"  {position}. {action}: {title} (" in french["roadmap.txt"]
        assert f"\n{position}. {md_escape(action)}: {md_escape(title)} (" in french["roadmap.md"]
        assert f"<li><code>{action}</code> {markupsafe.escape(title)} " in french["report.html"]
    assert " -> ".join(critical) not in french["roadmap.txt"]


# --- which pack names an owner -----------------------------------------------------------------


@pytest.fixture(scope="module")
def english_record(session: Session, builtin_rules: RuleSet) -> dict[str, Any]:
    return maturity.assess(EXAMPLES / MINISTRY, rules=builtin_rules, session=session,
                           roadmap={}).record


def _with_owners(pack: RulePack, owners: list[dict[str, str]]) -> RulePack:
    header = pack.header.model_validate({**pack.header.model_dump(), "owners": owners})
    return pack.model_copy(update={"header": header})


def _action_owner_names(record: dict[str, Any], packs: list[RulePack]) -> set[str]:
    context = report_context(record, {"packs": packs, "lang": "en"})
    return {name for a in context["roadmap"]["actions"] for name in a["owner_names"]}


def test_the_first_pack_naming_an_owner_gives_its_name(
        english_record: dict[str, Any], builtin_rules: RuleSet) -> None:
    dgpf, talent = builtin_rules.pack("oecd-dgpf"), builtin_rules.pack("oecd-digital-talent")
    renamed = _with_owners(talent, [{**o.model_dump(include={"id", "name"}),
                                     "name": o.name.upper()} for o in talent.header.owners])
    names = _action_owner_names(english_record, [dgpf, renamed])
    assert "Chief digital officer" in names and "CHIEF DIGITAL OFFICER" not in names
    # Talent's own owner, which the DGPF pack does not name, keeps talent's name.
    assert "LEARNING AND DEVELOPMENT LEAD" in names


def test_an_owner_no_installed_pack_names_is_shown_by_its_id(
        english_record: dict[str, Any], builtin_rules: RuleSet) -> None:
    dgpf, talent = builtin_rules.pack("oecd-dgpf"), builtin_rules.pack("oecd-digital-talent")
    names = _action_owner_names(english_record, [_with_owners(dgpf, []), talent])
    # Named by the talent pack where it names them, by id where no pack does.
    assert {"Chief digital officer", "Head of human resources"} <= names
    assert "head-of-service-design" in names and "Head of service design" not in names


def _port_bundle(tmp_path: Path) -> Path:
    """A municipality's bundle whose strategy is not adopted: rule A-1 fails, owned by the
    chief digital officer."""
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "bundle.toml").write_text(
        '[organisation]\nid = "city-of-port"\nname = "City of Port"\nkind = "municipality"\n'
        '\n[assessment]\nas_of = 2026-10-31\n', encoding="utf-8")
    (bundle / "evidence.toml").write_text("[strategy]\nadopted = false\n", encoding="utf-8")
    return bundle


def test_a_local_packs_owner_names_reach_every_report_and_roadmap(tmp_path: Path) -> None:
    """A country's own pack, given with --pack-dir, is not installed: its names and
    translations still reach reports and roadmaps, from `assess`, `roadmap` and `report`."""
    pack_dir = _mini_with_owners(tmp_path)
    _french_owner_catalogue(pack_dir, {"chief-digital-officer": "Directrice du numérique"})
    bundle = _port_bundle(tmp_path)
    local = ["--pack-dir", str(pack_dir), "--pack", "mini"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(AUTOLOAD_ENV, "1")
        assert main(["assess", str(bundle), *local, "--lang", "fr", "--format", "md",
                     "-o", str(tmp_path / "assess.md")]) == 0
        assert main(["roadmap", str(bundle), *local, "--lang", "fr", "--format", "text",
                     "-o", str(tmp_path / "roadmap.txt")]) == 0
        assert main(["assess", str(bundle), *local, "-o", str(tmp_path / "record.json")]) == 0
        assert main(["report", str(tmp_path / "record.json"), "--pack-dir", str(pack_dir),
                     "--lang", "fr", "--format", "md", "-o", str(tmp_path / "report.md")]) == 0
        assert main(["roadmap", str(tmp_path / "record.json"), "--pack-dir", str(pack_dir),
                     "--format", "md", "-o", str(tmp_path / "roadmap.md")]) == 0
    for name in ("assess.md", "roadmap.txt", "report.md"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "Directrice du numérique" in text, name
        assert not _slug("chief-digital-officer").search(text), name
        assert "not installed" not in text and "non installé" not in text, name
    english = (tmp_path / "roadmap.md").read_text(encoding="utf-8")
    assert "Chief digital officer" in english
    # The catalogue names the owner only: the roadmap says its other texts stay English.
    roadmap = (tmp_path / "roadmap.txt").read_text(encoding="utf-8")
    assert re.search(r"[0-9]+ textes? (sont|est) affichés? dans (leur|sa) langue d'origine",
                     roadmap), roadmap


def test_a_name_in_the_reports_language_wins_over_an_earlier_packs_english(
        session: Session, english_record: dict[str, Any], builtin_rules: RuleSet) -> None:
    """The first pack naming an owner has no current French name for it (its English name
    changed since it was translated); a later pack has one: the French name is shown, not
    the first pack's English."""
    dgpf, talent = builtin_rules.pack("oecd-dgpf"), builtin_rules.pack("oecd-digital-talent")
    changed = _with_owners(dgpf, [
        {**o.model_dump(include={"id", "name"}),
         "name": "Digital director" if o.id == "chief-digital-officer" else o.name}
        for o in dgpf.header.owners])
    packs = [changed, talent]
    context = report_context(english_record, {
        "packs": packs, "lang": "fr", "language": load_language(session, "fr", packs)})
    names = {name for a in context["roadmap"]["actions"] for name in a["owner_names"]}
    assert "Directeur ou directrice du numérique" in names
    assert "Digital director" not in names


def test_the_stamp_tool_reads_any_table_spelling_and_refuses_what_it_cannot_do(
        tmp_path: Path) -> None:
    """Spaces inside a table's brackets are TOML; a restamp naming nothing is a typo, and a
    catalogue outside a pack's i18n/ folder needs --pack: each said in one line, no trace."""
    pack_dir = _mini_with_owners(tmp_path)
    catalogue = _unstamped_catalogue(pack_dir, '[ catalogue . owners . "chief-digital-officer" ]',
                                     "Directrice du numérique")
    stamp = run_stamp

    assert stamp(str(catalogue)).returncode == 0
    assert 'source = "' in catalogue.read_text(encoding="utf-8")
    typo = stamp("--restamp", "owners.chief-digital-oficer", str(catalogue))
    assert typo.returncode != 0 and "names nothing in pack mini" in typo.stderr
    elsewhere = tmp_path / "plugin" / "mini.fr.toml"
    elsewhere.parent.mkdir()
    elsewhere.write_text('[catalogue]\nlocale = "fr"\npack = "mini"\n\n'
                         '[catalogue.owners.head-of-service-design]\nname = "Design"\n',
                         encoding="utf-8")
    lost = stamp(str(elsewhere))
    assert lost.returncode != 0 and "--pack DIR" in lost.stderr
    assert stamp("--pack", str(pack_dir), str(elsewhere)).returncode == 0
    for result in (typo, lost):
        assert "Traceback" not in result.stderr


def test_a_catalogue_entrys_keys_and_missing_source_are_explained(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack_dir = _mini_with_owners(tmp_path)
    (pack_dir / "i18n").mkdir()
    catalogue = pack_dir / "i18n" / "fr.toml"
    lint = ["rules", "lint", "--pack-dir", str(pack_dir), "--pack", "mini", "--lang", "fr"]
    catalogue.write_text('[catalogue]\nlocale = "fr"\npack = "mini"\n\n'
                         '[catalogue.owners.chief-digital-officer]\nsource = "0123456789ab"\n'
                         'nom = "Directrice du numérique"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(AUTOLOAD_ENV, "1")
        assert main(lint) == 2
        said = capsys.readouterr().err
        assert "unknown key 'nom'" in said
        assert "expected: one of action, description, name, rationale, source, title" in said
        catalogue.write_text('[catalogue]\nlocale = "fr"\npack = "mini"\n\n'
                             '[catalogue.owners.chief-digital-officer]\n'
                             'name = "Directrice du numérique"\n', encoding="utf-8")
        assert main(lint) == 2
        said = capsys.readouterr().err
        assert "missing key 'source'" in said
        assert "fix: stamp the translation: " in said


def test_a_local_packs_catalogue_adds_its_language(tmp_path: Path) -> None:
    """A country's own pack with i18n/es.toml offers Spanish, as an installed one would."""
    pack_dir = _mini_with_owners(tmp_path)
    owner = next(o for o in _load(pack_dir).header.owners if o.id == "chief-digital-officer")
    (pack_dir / "i18n").mkdir()
    (pack_dir / "i18n" / "es.toml").write_text(tomli_w.dumps({"catalogue": {
        "locale": "es", "pack": "mini", "owners": {"chief-digital-officer": {
            "name": "Director digital", "source": source_for(owner, ["name"])}}}}),
        encoding="utf-8")
    bundle = _port_bundle(tmp_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(AUTOLOAD_ENV, "1")
        assert main(["assess", str(bundle), "--pack-dir", str(pack_dir), "--pack", "mini",
                     "--lang", "es", "--format", "md", "-o", str(tmp_path / "es.md")]) == 0
    assert "Director digital" in (tmp_path / "es.md").read_text(encoding="utf-8")


def test_a_plugins_stale_translation_gives_way_to_the_packs_current_one() -> None:
    """Readers get the built-in pack's current French name; the lint still lists the
    plugin's stale one, for its author to review. (One pack only: the talent pack's own
    name for the same owner would hide the difference.)"""
    stale = TranslationCatalogue.model_validate({
        "locale": "fr", "pack": "oecd-dgpf",
        "owners": {"chief-digital-officer": {"name": "Délégué au numérique",
                                             "source": "111111111111"}}})
    session = _session(("country", _Catalogues(stale)))
    rules, _ = session.load_rules(["oecd-dgpf"])
    record = maturity.assess(EXAMPLES / MINISTRY, rules=rules, session=session,
                             roadmap={}).record
    context = report_context(record, {
        "packs": rules.packs, "lang": "fr", "language": load_language(session, "fr")})
    names = {name for a in context["roadmap"]["actions"] for name in a["owner_names"]}
    assert "Directeur ou directrice du numérique" in names
    assert "Délégué au numérique" not in names and "Chief digital officer" not in names
    problems = translation_problems(rules, session, "fr")
    assert any("owners.chief-digital-officer: stale" in p for p in problems), problems
