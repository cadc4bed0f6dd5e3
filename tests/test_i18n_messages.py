"""The report templates' messages: every one extracted by Babel is translated into French and
Arabic, the compiled catalogues match their sources, and rendering leaves no string behind."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import maturity
from maturity.api import Session
from maturity.cli import main
from maturity.i18n import (
    SOURCE_LANGUAGE,
    compile_messages,
    load_language,
    message_catalogue,
    template_catalogue,
)
from maturity.report import environment, report_context
from maturity.ruleset import RuleSet
from tests.conftest import EXAMPLES, ROOT

LOCALE = ROOT / "reports" / "locale"
LANGUAGES = ("fr", "ar")
MINISTRIES = ("ministry-of-culture", "ministry-of-finance", "ministry-of-health")


def _po(lang: str) -> Catalog:
    with (LOCALE / lang / "LC_MESSAGES" / "maturity.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _ids(catalogue: Catalog) -> set[Any]:
    return {(m.context, m.id) for m in catalogue if m.id}


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return template_catalogue()


def test_extraction_finds_the_templates_and_the_report_modules(extracted: Catalog) -> None:
    files_seen = {location for m in extracted for location, _line in m.locations}
    assert {"assessment.html.j2", "assessment.md.j2", "roadmap.md.j2", "roadmap.txt.j2",
            "report.py", "charts.py", "i18n.py", "compare.py"} <= files_seen
    assert "Reform roadmap" in extracted and "Not met" in extracted
    assert extracted.get(("%(num)s finding", "%(num)s findings")) is not None or any(
        isinstance(m.id, tuple) and m.id[0] == "%(num)s finding" for m in extracted)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_message_is_translated(extracted: Catalog, lang: str) -> None:
    catalogue = _po(lang)
    untranslated = []
    for message in extracted:
        if not message.id:
            continue
        found = catalogue.get(message.id, context=message.context)
        strings = (found.string if isinstance(found.string, tuple) else (found.string,)
                   ) if found is not None else ("",)
        if found is None or found.fuzzy or not all(strings):
            untranslated.append(message.id)
    assert untranslated == [], f"{lang}: {len(untranslated)} messages without a translation " \
        "(run scripts/i18n.py messages, then translate them)"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogues_hold_no_message_the_templates_dropped(extracted: Catalog,
                                                          lang: str) -> None:
    assert _ids(_po(lang)) - _ids(extracted) == set()


def test_the_template_file_is_current(extracted: Catalog) -> None:
    with (LOCALE / "maturity.pot").open("rb") as handle:
        assert _ids(read_po(handle)) == _ids(extracted)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders_and_plural_forms(lang: str) -> None:
    catalogue = _po(lang)
    assert catalogue.num_plurals == {"fr": 3, "ar": 6}[lang]
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert problems == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_shipped_compiled_catalogue_matches_its_source(lang: str) -> None:
    """The .mo in the wheel is compiled from the .po (`scripts/i18n.py compile`): same
    messages, same translations."""
    shipped = message_catalogue(lang)
    assert shipped is not None
    source = (LOCALE / lang / "LC_MESSAGES" / "maturity.po").read_bytes()

    def messages(mo: bytes) -> dict[Any, Any]:
        return {(m.context, tuple(m.id) if isinstance(m.id, list | tuple) else m.id): m.string
                for m in read_mo(io.BytesIO(mo)) if m.id}

    assert messages(shipped) == messages(compile_messages(source, lang))


@pytest.fixture(scope="module")
def records(session: Session, builtin_rules: RuleSet) -> list[dict[str, Any]]:
    return [maturity.assess(EXAMPLES / m, rules=builtin_rules, session=session,
                            roadmap={}).record for m in MINISTRIES]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", ["assessment.html.j2", "assessment.md.j2",
                                      "roadmap.md.j2", "roadmap.txt.j2"])
def test_rendering_leaves_no_template_string_untranslated(
        session: Session, builtin_rules: RuleSet, records: list[dict[str, Any]], lang: str,
        template: str) -> None:
    """Every message a report asks for at run time (status and level labels, the roadmap's
    method, unscheduled reasons, chart words) is in the catalogue, and so is every pack text:
    nothing falls back to English."""
    for record in records:
        language = load_language(session, lang, builtin_rules.packs).fresh()
        context = report_context(record, {"packs": list(builtin_rules.packs)},
                                 language=language)
        text = environment(language).get_template(template).render(
            reports=[context], standalone=True, **context)
        assert language.missing_messages == set(), (record["organisation"]["id"], template)
        assert language.fallback_count == 0, sorted(language.fallbacks)
        assert "Reform roadmap" not in text and "Digital government maturity" not in text


def _english_messages(extracted: Catalog) -> list[str]:
    """The English texts of messages long enough to be unmistakable in another language."""
    out = []
    for message in extracted:
        ids = (message.id,) if isinstance(message.id, str) else message.id
        for text in ids:
            words = [w for w in text.replace("%%", "").split() if "%(" not in w]
            if len(words) >= 3 and len(" ".join(words)) >= 18:
                out.append(" ".join(words))
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_markdown_report_from_the_command_line_is_in_the_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extracted: Catalog,
        lang: str) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    out = tmp_path / f"report.{lang}.md"
    assert main(["assess", str(EXAMPLES / "ministry-of-health"), "--format", "md",
                 "--lang", lang, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert {"fr": "Langue du rapport : français", "ar": "لغة التقرير: العربية"}[lang] \
        in text.replace("\u00a0", " ")
    leftovers = [m for m in _english_messages(extracted) if m in text]
    assert leftovers == []


def test_report_defaults_to_the_language_the_record_was_made_in(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    record = tmp_path / "record.json"
    assert main(["assess", str(EXAMPLES / "ministry-of-finance"), "--lang", "ar",
                 "-o", str(record)]) == 0
    assert main(["report", str(record), "--format", "md", "-o", str(tmp_path / "r.md")]) == 0
    assert "لغة التقرير" in (tmp_path / "r.md").read_text(encoding="utf-8")
    assert main(["report", str(record), "--format", "md", "--lang", SOURCE_LANGUAGE,
                 "-o", str(tmp_path / "en.md")]) == 0
    assert "Language of the report: English" in (tmp_path / "en.md").read_text()


def test_the_wheel_ships_pack_catalogues_and_compiled_messages(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("maturity-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for pack in ("dgpf", "skills"):
        for lang in LANGUAGES:
            assert f"maturity/rules/{pack}/i18n/{lang}.toml" in names
    for lang in LANGUAGES:
        assert f"maturity/reports/locale/{lang}/LC_MESSAGES/maturity.mo" in names
        assert f"maturity/reports/locale/{lang}/LC_MESSAGES/maturity.po" in names
    assert files("maturity.reports").joinpath("locale").is_dir()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("command", ["compare", "trend"])
def test_compare_and_trend_are_written_in_the_language(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extracted: Catalog, lang: str,
        command: str) -> None:
    monkeypatch.setenv("MATURITY_DISABLE_PLUGIN_AUTOLOAD", "1")
    for ministry in MINISTRIES:
        assert main(["assess", str(EXAMPLES / ministry), "-o",
                     str(tmp_path / f"{ministry}.json")]) == 0
    records = [str(tmp_path)] if command == "compare" else [
        str(tmp_path / "ministry-of-health.json")]
    for suffix in ("md", "html"):
        out = tmp_path / f"{command}.{lang}.{suffix}"
        assert main([command, *records, "--lang", lang, "-o", str(out)]) == 0
        text = out.read_text(encoding="utf-8")
        if suffix == "html":
            assert f'lang="{lang}"' in text
            assert f'dir="{"rtl" if lang == "ar" else "ltr"}"' in text
            text = re.sub(r"<[^>]+>", " ", text)
        leftovers = [m for m in _english_messages(extracted) if m in text]
        assert leftovers == [], (command, suffix, leftovers[:5])
