"""Languages: pack catalogues per locale, fallbacks counted, staleness, the lint, Babel formats."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.api import Session
from maturity.catalogues import TranslationCatalogue, stale_translations
from maturity.cli import main
from maturity.errors import PackError, UsageError
from maturity.hookspecs import hookimpl
from maturity.i18n import (
    Language,
    SourceText,
    available_languages,
    check_language,
    load_language,
    localised_packs,
    source_for,
    translation_problems,
)
from maturity.limits import Limits
from maturity.model import RulePack, Translation
from maturity.packs import load_pack_dir
from maturity.plugins import create_host
from maturity.ruleset import RuleSet
from tests.conftest import MINI_PACK


def _mini(tmp_path: Path) -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI_PACK, target)
    return target


def _load(directory: Path) -> RulePack:
    return load_pack_dir(directory, origin=f"local:{directory.name}", display=directory.name,
                         limits=Limits())


def _element(pack: RulePack, label: str) -> Any:
    kind, _, key = label.partition(".")
    if kind == "header":
        return pack.header
    tables: dict[str, Sequence[Any]] = {
        "dimensions": pack.header.dimensions, "facets": pack.header.facets,
        "levels": pack.header.levels, "rules": pack.rules}
    table = tables[kind]
    return next(e for e in table if str(e.level if kind == "levels" else e.id) == key)


def write_catalogue(directory: Path, lang: str, entries: dict[str, dict[str, str]],
                    *, pack_id: str = "mini") -> None:
    """A catalogue file in the pack's i18n folder, each entry stamped with the hash of the
    pack's current English (as scripts/i18n.py stamp does)."""
    pack = _load(directory)
    table: dict[str, Any] = {"locale": lang, "pack": pack_id}
    for label, fields in entries.items():
        stamped = {**fields, "source": source_for(_element(pack, label), fields)}
        if label == "header":
            table["header"] = stamped
        else:
            kind, _, key = label.partition(".")
            table.setdefault(kind, {})[key] = stamped
    (directory / "i18n").mkdir(exist_ok=True)
    (directory / "i18n" / f"{lang}.toml").write_text(tomli_w.dumps({"catalogue": table}),
                                                      encoding="utf-8")


def _rules(session: Session, directory: Path) -> RuleSet:
    rules, _ = session.load_rules(pack_dirs=[directory])
    return rules


def _session(*plugins: tuple[str, object]) -> Session:
    return Session(host=create_host(autoload=False, extra=plugins))


def _edit_english(directory: Path, old: str, new: str) -> None:
    path = directory / "rules.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


FRENCH_A1 = {"title": "Une stratégie est adoptée",
             "rationale": "Sans stratégie, rien d'autre n'est coordonné.",
             "action": "Adopter une stratégie"}


# --- the lint ---------------------------------------------------------------------------------


def test_lint_lists_missing_translations(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    write_catalogue(pack_dir, "fr", {"rules.A-1": FRENCH_A1,
                                     "rules.A-2": {"title": "La stratégie a été revue"},
                                     "dimensions.alpha": {"name": "Alpha"}})
    session = _session()
    problems = translation_problems(_rules(session, pack_dir), session, "fr")
    assert "mini: fr: rules.A-2: missing rationale, action" in problems
    assert "mini: fr: rules.B-1: missing title, rationale, action" in problems
    assert "mini: fr: dimensions.beta: missing name" in problems
    assert "mini: fr: header: missing title" in problems
    assert not [p for p in problems if "rules.A-1" in p or "dimensions.alpha" in p]


def test_lint_finds_a_stale_translation_after_the_english_text_changes(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    write_catalogue(pack_dir, "fr", {"rules.A-1": FRENCH_A1})
    session = _session()
    assert not [p for p in translation_problems(_rules(session, pack_dir), session, "fr")
                if "stale" in p]
    _edit_english(pack_dir, 'action = "Adopt a strategy"',
                  'action = "Adopt a strategy with targets"')
    session = _session()
    problems = translation_problems(_rules(session, pack_dir), session, "fr")
    (stale,) = [p for p in problems if "stale" in p]
    assert stale.startswith("mini: fr: rules.A-1: stale (the source text changed")
    # The catalogue module's own check agrees with the lint.
    pack = localised_packs(session, _rules(session, pack_dir).packs, "fr")[0]
    assert stale_translations(pack, "fr") == ["rules.A-1"]


def test_lint_lists_catalogue_entries_for_texts_the_pack_no_longer_has(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    write_catalogue(pack_dir, "fr", {"rules.A-1": FRENCH_A1})
    catalogue = pack_dir / "i18n" / "fr.toml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + (
        '\n[catalogue.rules.Z-9]\ntitle = "Disparue"\nsource = "0123456789ab"\n'),
        encoding="utf-8")
    session = _session()
    rules = _rules(session, pack_dir)
    problems = translation_problems(rules, session, "fr")
    assert "mini: fr: rules.Z-9: translated in i18n/fr.toml but not in the pack" in problems
    # Localising ignores the orphan instead of failing the report.
    assert localised_packs(session, rules.packs, "fr")[0].rules[0].translations["fr"].title \
        == FRENCH_A1["title"]


def test_cli_lint_exits_1_and_prints_missing_and_stale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    pack_dir = _mini(tmp_path)
    write_catalogue(pack_dir, "fr", {"rules.A-1": FRENCH_A1})
    _edit_english(pack_dir, 'title = "A strategy is adopted"',
                  'title = "A digital strategy is adopted"')
    code = main(["rules", "lint", "--pack-dir", str(pack_dir), "--lang", "fr"])
    out = capsys.readouterr().out
    assert code == 1
    assert "mini: fr: rules.A-1: stale" in out
    assert "mini: fr: rules.A-2: missing title, rationale, action" in out


def test_cli_lint_refuses_an_unknown_language(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    assert main(["rules", "lint", "--lang", "xx"]) == 2
    err = capsys.readouterr().err
    assert "usage.unknown-language" in err and "ar, en, fr" in err


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_builtin_packs_are_fully_translated(session: Session, builtin_rules: RuleSet,
                                            lang: str) -> None:
    assert translation_problems(builtin_rules, session, lang) == []


# --- fallbacks --------------------------------------------------------------------------------


def test_a_missing_translation_falls_back_to_english_and_is_counted(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    write_catalogue(pack_dir, "fr", {"rules.A-1": FRENCH_A1,
                                     "rules.A-2": {"title": "La stratégie a été revue"}})
    session = _session()
    language = load_language(session, "fr", _rules(session, pack_dir).packs)
    assert language.rule("mini", "A-1", "title") == "Une stratégie est adoptée"
    assert language.rule("mini", "A-2", "title") == "La stratégie a été revue"
    assert language.fallback_count == 0
    assert language.rule("mini", "A-2", "action") == "Review the strategy"
    assert language.rule("mini", "A-2", "action") == "Review the strategy"  # counted once
    assert language.dimension("mini", "beta") == "Beta"
    assert language.fallback_count == 2
    assert {(f.key, f.field, f.reason) for f in language.fallbacks.values()} == {
        ("A-2", "action", "missing"), ("beta", "name", "missing")}


def test_stale_and_changed_texts_fall_back_and_say_why(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    write_catalogue(pack_dir, "fr", {"rules.A-1": FRENCH_A1,
                                     "rules.A-2": {"title": "La stratégie a été revue"}})
    _edit_english(pack_dir, 'rationale = "Without a strategy nothing else is coordinated."',
                  'rationale = "Without a strategy, nothing is coordinated."')
    session = _session()
    language = load_language(session, "fr", _rules(session, pack_dir).packs)
    assert language.rule("mini", "A-1", "title") == "A strategy is adopted"
    # A record made with another English title than the installed pack's: its own text wins.
    assert language.rule("mini", "A-2", "title", "The strategy was reviewed") == \
        "The strategy was reviewed"
    assert language.rule("ghost", "X-1", "title", "Gone") == "Gone"
    reasons = {f.key: f.reason for f in language.fallbacks.values()}
    assert reasons == {"A-1": "stale", "A-2": "changed", "X-1": "unknown"}


def test_english_never_counts_a_fallback(session: Session, builtin_rules: RuleSet) -> None:
    language = load_language(session, "en", builtin_rules.packs)
    assert language.dimension("oecd-dgpf", "proactiveness") == "Proactiveness"
    assert language.gettext("Never translated anywhere") == "Never translated anywhere"
    assert language.fallback_count == 0 and language.direction == "ltr"


def test_template_messages_missing_from_the_catalogue_are_counted(
        session: Session, builtin_rules: RuleSet) -> None:
    language = load_language(session, "fr", builtin_rules.packs)
    assert language.gettext("A message no template has") == "A message no template has"
    assert language.ngettext("%(num)s new thing", "%(num)s new things", 2) == \
        "%(num)s new things"
    assert language.missing_messages == {"A message no template has", "%(num)s new thing"}
    assert language.fallback_count == 2


# --- where translations come from -------------------------------------------------------------


class _Catalogues:
    """A real plugin object contributing catalogues through the hook."""

    MATURITY_PLUGIN_API = ">=1,<2"

    def __init__(self, *catalogues: TranslationCatalogue) -> None:
        self.catalogues = list(catalogues)

    @hookimpl
    def maturity_translations(self) -> list[TranslationCatalogue]:
        return self.catalogues


def _plugin_catalogue(pack: RulePack, lang: str, rules: dict[str, dict[str, str]],
                      messages: dict[str, str] | None = None) -> TranslationCatalogue:
    by_id = {r.id: r for r in pack.rules}
    return TranslationCatalogue.model_validate({
        "locale": lang, "pack": pack.id, "messages": messages or {},
        "rules": {rid: {**f, "source": source_for(by_id[rid], f)} for rid, f in rules.items()},
    })


def test_a_plugin_catalogue_wins_over_the_pack_catalogue_file(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    write_catalogue(pack_dir, "fr", {"rules.A-1": FRENCH_A1,
                                     "rules.A-2": {"title": "La stratégie a été revue"}})
    plugin = _Catalogues(_plugin_catalogue(
        _load(pack_dir), "fr", {"A-1": {"title": "Une stratégie est officiellement adoptée"}},
        {"Summary": "Synthèse officielle"}))
    session = _session(("country", plugin))
    language = load_language(session, "fr", _rules(session, pack_dir).packs)
    assert language.rule("mini", "A-1", "title") == "Une stratégie est officiellement adoptée"
    assert language.rule("mini", "A-2", "title") == "La stratégie a été revue"
    assert language.gettext("Summary") == "Synthèse officielle"


def test_a_plugin_adds_a_language(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    plugin = _Catalogues(_plugin_catalogue(
        _load(pack_dir), "es", {"A-1": {"title": "Se adopta una estrategia"}}))
    session = _session(("spain", plugin))
    assert "es" in available_languages(session)
    language = load_language(session, "es", _rules(session, pack_dir).packs)
    assert language.rule("mini", "A-1", "title") == "Se adopta una estrategia"
    assert language.percent(0.5) == "50,0\u00a0%"
    # Report strings have no Spanish catalogue: shown in English, and counted.
    assert language.gettext("Summary") == "Summary"
    assert language.fallback_count == 1


def test_a_catalogue_file_must_name_its_pack_and_locale(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    write_catalogue(pack_dir, "fr", {"rules.A-1": FRENCH_A1})
    (pack_dir / "i18n" / "fr.toml").rename(pack_dir / "i18n" / "ar.toml")
    session = _session()
    with pytest.raises(PackError) as caught:
        load_language(session, "ar", _rules(session, pack_dir).packs)
    assert caught.value.code == "catalogue.mismatch"
    assert caught.value.file == "mini/i18n/ar.toml"
    assert caught.value.location == "catalogue.locale"
    assert caught.value.expected == "'ar'" and caught.value.found == "'fr'"


def test_unknown_languages_are_refused_with_the_available_ones(session: Session) -> None:
    assert check_language(session, "ar") == "ar"
    with pytest.raises(UsageError) as caught:
        check_language(session, "fre")
    assert caught.value.code == "usage.unknown-language"
    assert caught.value.fix == "did you mean 'fr'?"
    assert caught.value.expected == "one of ar, en, fr"


def test_catalogue_files_are_read_only_for_the_language_asked(
        session: Session, builtin_rules: RuleSet) -> None:
    assert localised_packs(session, builtin_rules.packs, "en") == list(builtin_rules.packs)
    # Loading packs never reads the i18n folders: the packs carry no built-in translations.
    assert all(not r.rule.translations for r in builtin_rules.rules)
    french = localised_packs(session, builtin_rules.packs, "fr")
    assert all("fr" in r.translations and "ar" not in r.translations
               for p in french for r in p.rules)


# --- the locale's formats ---------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "percent", "number", "date", "direction"), [
    ("en", "87.5%", "1,234.57", "October 31, 2026", "ltr"),
    ("fr", "87,5\u00a0%", "1\u202f234,57", "31 octobre 2026", "ltr"),
    ("ar", "87.5%", "1,234.57", "31 أكتوبر 2026", "rtl"),
])
def test_numbers_percentages_and_dates_follow_the_locale(
        lang: str, percent: str, number: str, date: str,
        direction: str) -> None:
    language = Language.build(lang)
    assert language.percent(0.875) == percent
    assert language.number(1234.5678, 2) == number
    assert language.date(dt.date(2026, 10, 31)) == date
    assert language.date("2026-10-31") == date
    assert language.direction == direction


def test_language_names_are_written_in_the_language() -> None:
    assert Language.build("fr").name == "français"
    assert Language.build("ar").name == "العربية"


@settings(max_examples=60, deadline=None)
@given(translated=st.text(min_size=1, max_size=60).filter(str.strip),
       now=st.text(min_size=1, max_size=60).filter(str.strip))
def test_a_translation_is_used_exactly_while_its_english_is_unchanged(
        translated: str, now: str) -> None:
    """Stamped against one English title, a translation is shown for that title and for no
    other; any other title falls back, counted as stale."""
    pack = _load(MINI_PACK)
    rule = next(r for r in pack.rules if r.id == "A-1")
    translation = Translation(title="Une stratégie est adoptée", source=source_for(
        rule.model_copy(update={"title": translated}), ["title"]))
    edited = rule.model_copy(update={"title": now, "translations": {"fr": translation}})
    language = Language.build("fr", [pack.model_copy(update={"rules": (edited,)})])
    shown, ok = language.lookup("mini", "rules", "A-1", "title")
    assert ok == (translated == now)
    assert shown == ("Une stratégie est adoptée" if ok else now)
    assert language.fallback_count == (0 if ok else 1)


def test_each_report_counts_its_own_fallbacks(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    session = _session()
    language = load_language(session, "fr", _rules(session, pack_dir).packs)
    language.rule("mini", "B-1", "title")
    language.gettext("Not a message")
    assert language.fallback_count == 2
    fresh = language.fresh()
    assert fresh.fallback_count == 0
    fresh.gettext("Not a message")
    assert (fresh.fallback_count, language.fallback_count) == (1, 2)


def test_a_plugin_translating_part_of_a_text_keeps_the_rest_of_the_packs(
        tmp_path: Path) -> None:
    """A country's official title for a rule does not cost the reader the pack's French
    rationale and action."""
    pack_dir = _mini(tmp_path)
    write_catalogue(pack_dir, "fr", {"rules.A-1": FRENCH_A1})
    plugin = _Catalogues(_plugin_catalogue(
        _load(pack_dir), "fr", {"A-1": {"title": "Une stratégie nationale est adoptée"}}))
    session = _session(("country", plugin))
    rules = _rules(session, pack_dir)
    language = load_language(session, "fr", rules.packs)
    assert language.rule("mini", "A-1", "title") == "Une stratégie nationale est adoptée"
    assert language.rule("mini", "A-1", "action") == "Adopter une stratégie"
    assert language.fallback_count == 0
    assert not [p for p in translation_problems(rules, session, "fr") if "A-1" in p]


def test_a_pack_written_in_french_needs_no_french_translation(tmp_path: Path) -> None:
    pack_dir = _mini(tmp_path)
    header = pack_dir / "pack.toml"
    header.write_text(header.read_text(encoding="utf-8").replace(
        'source = "maturity test suite"', 'source = "maturity test suite"\nlanguage = "fr"'),
        encoding="utf-8")
    session = _session()
    rules = _rules(session, pack_dir)
    assert rules.packs[0].header.language == "fr"
    french = load_language(session, "fr", rules.packs)
    assert french.rule("mini", "A-1", "title") == "A strategy is adopted"
    assert french.fallback_count == 0
    assert not [p for p in translation_problems(rules, session, "fr") if p.startswith("mini")]
    # In an English report its texts are shown as written, marked French and counted.
    english = load_language(session, "en", rules.packs)
    shown = english.rule("mini", "A-1", "title")
    assert isinstance(shown, SourceText) and shown.lang == "fr"
    assert english.fallback_count == 1
    assert "mini: en: rules.A-1: missing title, rationale, action" in translation_problems(
        rules, session, "en")


def test_the_api_refuses_to_record_a_language_it_cannot_write(session: Session) -> None:
    from maturity.api import assess
    from tests.conftest import EXAMPLES

    with pytest.raises(UsageError) as caught:
        assess(EXAMPLES / "ministry-of-finance", session=session, language="xx")
    assert caught.value.code == "usage.unknown-language"
    record = assess(EXAMPLES / "ministry-of-finance", session=session, language="ar").record
    assert record["assessment"]["language"] == "ar"


def test_the_stamp_tool_fills_in_sources_and_restamps_a_reviewed_translation(
        tmp_path: Path) -> None:
    from tests.conftest import run_stamp

    pack_dir = _mini(tmp_path)
    (pack_dir / "i18n").mkdir()
    catalogue = pack_dir / "i18n" / "fr.toml"
    catalogue.write_text(
        '# traduction de relecture\n[catalogue]\nlocale = "fr"\npack = "mini"\n\n'
        '[catalogue.rules.A-1]\ntitle = "Une stratégie est adoptée"\n', encoding="utf-8")

    def stamp(*args: str) -> None:
        assert run_stamp(*args, catalogue).returncode == 0

    def stale() -> list[str]:
        session = _session()
        return [p for p in translation_problems(_rules(session, pack_dir), session, "fr")
                if "stale" in p]

    stamp()
    text = catalogue.read_text(encoding="utf-8")
    assert text.startswith("# traduction de relecture\n") and 'source = "' in text
    assert stale() == []
    _edit_english(pack_dir, 'title = "A strategy is adopted"', 'title = "A strategy is agreed"')
    assert len(stale()) == 1
    stamp()  # an existing source is never replaced without review
    assert len(stale()) == 1
    stamp("--restamp", "rules.A-1")
    assert stale() == []
