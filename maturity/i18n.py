"""Reports and packs in the reader's language: English, French, Arabic, or what plugins add.

A pack is written in one language (`[pack] language`, English by default); a report in another
takes each of its texts from, the later winning:

1. a rule's or a header element's own `translations` table, in the pack's TOML;
2. the pack's catalogue file `<pack directory>/i18n/<locale>.toml` (the `[catalogue]` format of
   `maturity.catalogues`), read only when that locale is asked for, so an English run parses
   nothing more;
3. catalogues that plugins return from `maturity_translations` (a country's official terms win;
   where one translates only some of an element's texts, the pack's translation of the others
   stays).

A translation is used only while it is current: its `source` hash must match the source text it
was made from (else it is *stale*), and the text the record shows must be the pack's (else the
record was made with another version of the text). Anything else falls back to the pack's own
text and is counted, so a report can say how many of its texts are not in the reader's
language (`Language.fallbacks`). The report templates' own strings come from gettext message
catalogues (`reports/locale/<lang>/LC_MESSAGES/maturity.mo`, compiled from the `.po` files by
`scripts/i18n.py compile`), with plugins' `messages` taking precedence; a message missing from
both is shown in English and counted too. Numbers, percentages and dates are formatted for the
locale with Babel (imported only when a report is rendered).
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from maturity.catalogues import (
    ELEMENT_KINDS,
    FIELD_ORDER,
    TranslationCatalogue,
    apply_catalogues,
    english_texts,
    load_catalogue,
    merged_messages,
    pack_elements,
    source_for,
    stale_translations,
)
from maturity.errors import PackError, UsageError, did_you_mean
from maturity.model import RulePack, Translation

if TYPE_CHECKING:
    import datetime as dt

    from babel import Locale
    from babel.messages.catalog import Catalog

    from maturity.api import Session
    from maturity.ruleset import RuleSet

__all__ = [
    "CATALOGUE_DIR",
    "MESSAGE_DOMAIN",
    "N_",
    "SOURCE_LANGUAGE",
    "Fallback",
    "Language",
    "SourceText",
    "available_languages",
    "check_language",
    "compile_messages",
    "direction_of",
    "load_language",
    "localised_packs",
    "message_catalogue",
    "pack_catalogue",
    "source_for",
    "template_catalogue",
    "translation_problems",
]

#: The language packs and templates are written in; every other language falls back to it.
SOURCE_LANGUAGE = "en"
#: The gettext domain of the report templates' messages.
MESSAGE_DOMAIN = "maturity"
#: The folder of a pack directory holding its catalogue files, one `<locale>.toml` each.
CATALOGUE_DIR = "i18n"



def N_(message: str) -> str:
    """Mark a message in Python code for extraction; it is translated where it is shown."""
    return message


Kind = Literal["header", "dimensions", "facets", "levels", "owners", "rules"]
_KINDS: tuple[Kind, ...] = ("header", "dimensions", "facets", "levels", "owners", "rules")

def _locale_dir(lang: str) -> str:
    """The file-name form of a language tag: `fr`, `ar`, `pt_BR` (gettext's convention)."""
    return lang.replace("-", "_")


# --- reading catalogues ----------------------------------------------------------------------


def pack_catalogue(
    directory: Path | Traversable, display: str, pack: RulePack, lang: str,
) -> TranslationCatalogue | None:
    """The pack's own catalogue for `lang` (`i18n/<lang>.toml` beside `pack.toml`), or None.

    The file must translate this pack into this locale; entries for elements the pack lacks are
    kept out (a tailoring profile may have removed a rule) and reported by the lint.
    """
    path = directory / CATALOGUE_DIR / f"{lang}.toml"
    if not path.is_file():
        return None
    shown = f"{display}/{CATALOGUE_DIR}/{lang}.toml"
    catalogue = load_catalogue(path, display=shown)
    for key, wanted, found in (("locale", lang, catalogue.locale),
                               ("pack", pack.id, catalogue.pack)):
        if found != wanted:
            raise PackError(
                f"the catalogue's {key} does not match where it is",
                code="catalogue.mismatch",
                file=shown,
                location=f"catalogue.{key}",
                expected=repr(wanted),
                found=repr(found),
                fix=f"set {key} = {wanted!r}, or move the file",
            )
    known = {kind: pack_elements(pack, kind) for kind in _KINDS}
    kept: dict[str, Any] = {
        kind: {k: t for k, t in getattr(catalogue, kind).items() if k in known[kind]}
        for kind in ELEMENT_KINDS
    }
    return catalogue.model_copy(update=kept)


def localised_packs(session: Session, packs: Sequence[RulePack], lang: str, *,
                    for_readers: bool = True) -> list[RulePack]:
    """`packs` with their own catalogue files for `lang` merged in, under plugins' catalogues
    (a pack written in `lang` needs none). For readers, a plugin's stale translation gives
    way to the pack's current one; the lint (`for_readers=False`) keeps it, to report it."""
    own: list[tuple[str, TranslationCatalogue]] = []
    for pack in packs:
        if pack.header.language == lang:
            continue
        directory = session.pack_directory(pack.id)
        if directory is None:
            continue
        catalogue = pack_catalogue(directory, _display(pack), pack, lang)
        if catalogue is not None:
            own.append((f"pack:{pack.id}", catalogue))
    if not own:
        return list(packs)
    with_own = apply_catalogues(packs, own)
    return [_completed(final, mine, lang, for_readers) for final, mine in zip(
        session.with_plugin_catalogues(with_own, lang), with_own, strict=True)]


def _completed(final: RulePack, own: RulePack, lang: str, for_readers: bool = True
               ) -> RulePack:
    """`final` (plugins' translations over the pack's), where a plugin translates only some of
    an element's texts, completed with the pack's translation of the others (both current: a
    stale one is left to fall back and be reported). A plugin's translation made from an
    English text since edited gives way to the pack's own when that one is current: the
    reader gets the current translation, not the English."""
    stale_theirs = set(stale_translations(final, lang))
    stale_ours = set(stale_translations(own, lang))
    stale = stale_theirs | stale_ours

    def complete(kind: str, key: str, element: Any, mine: Any) -> Any:
        theirs, ours = element.translations.get(lang), mine.translations.get(lang)
        label = "header" if kind == "header" else f"{kind}.{key}"
        if (for_readers and theirs is not None and ours is not None and theirs != ours
                and label in stale_theirs and label not in stale_ours):
            return element.model_copy(update={"translations": {**element.translations,
                                                               lang: ours}})
        if theirs is None or ours is None or theirs == ours or label in stale:
            return element
        texts = {f: getattr(ours, f) for f in FIELD_ORDER if getattr(ours, f) is not None}
        texts.update({f: getattr(theirs, f) for f in FIELD_ORDER
                      if getattr(theirs, f) is not None})
        merged = Translation(**texts, source=source_for(element, texts))
        return element.model_copy(update={"translations": {**element.translations,
                                                           lang: merged}})

    def each(kind: str, elements: Sequence[Any], theirs: Sequence[Any]) -> list[Any]:
        return [complete(kind, str(e.level if kind == "levels" else e.id), e, m)
                for e, m in zip(elements, theirs, strict=True)]

    header = complete("header", final.id, final.header, own.header)
    header = header.model_copy(update={
        "dimensions": each("dimensions", final.header.dimensions, own.header.dimensions),
        "facets": each("facets", final.header.facets, own.header.facets),
        "levels": each("levels", final.header.levels, own.header.levels),
        "owners": each("owners", final.header.owners, own.header.owners),
    })
    return final.model_copy(update={"header": header,
                                    "rules": tuple(each("rules", final.rules, own.rules))})


def _display(pack: RulePack) -> str:
    return pack.origin.partition(":")[2] if ":" in pack.origin else pack.id


def message_catalogue(lang: str) -> bytes | None:
    """The compiled template messages (`.mo`) for `lang` shipped with `maturity`, or None."""
    mo = (files("maturity.reports") / "locale" / _locale_dir(lang) / "LC_MESSAGES"
          / f"{MESSAGE_DOMAIN}.mo")
    return mo.read_bytes() if mo.is_file() else None


def _message_languages() -> list[str]:
    root = files("maturity.reports") / "locale"
    if not root.is_dir():
        return []
    return sorted(entry.name.replace("_", "-") for entry in root.iterdir()
                  if (entry / "LC_MESSAGES" / f"{MESSAGE_DOMAIN}.mo").is_file())


def available_languages(session: Session, pack_dirs: Sequence[Path] = ()) -> list[str]:
    """Every language a report can be asked for: English, the shipped message catalogues,
    the catalogue files of the installed packs and of local ones (`pack_dirs`, and those the
    session has loaded), and plugins' catalogues."""
    found = {SOURCE_LANGUAGE, *_message_languages()}
    found.update(c.locale for _n, c in session.host.translations())
    directories: list[Path | Traversable | None] = [
        session.pack_directory(pack_id) for pack_id in session.available_packs()]
    directories += [*session.local_pack_directories(), *pack_dirs]
    for directory in directories:
        folder = directory / CATALOGUE_DIR if directory is not None else None
        if folder is not None and folder.is_dir():
            found.update(entry.name.removesuffix(".toml").replace("_", "-")
                         for entry in folder.iterdir() if entry.name.endswith(".toml"))
    return sorted(found)


def check_language(session: Session, lang: str, pack_dirs: Sequence[Path] = ()) -> str:
    """`lang` if a report can be written in it, else a UsageError listing the languages."""
    if lang == SOURCE_LANGUAGE:
        return lang
    languages = available_languages(session, pack_dirs)
    if lang not in languages or _babel_locale(lang) is None:
        hint = did_you_mean(lang, languages)
        raise UsageError(
            f"no translations into {lang!r} are installed",
            code="usage.unknown-language",
            location="--lang",
            expected="one of " + ", ".join(languages),
            found=repr(lang),
            fix=f"did you mean {hint!r}?" if hint else
            "choose a listed language, or install a plugin that translates into it",
        )
    return lang


def _babel_locale(lang: str) -> Locale | None:
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(_locale_dir(lang))
    except (UnknownLocaleError, ValueError):
        return None


# --- the language of one report --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fallback:
    """A text shown in English in a report in another language, and why."""

    pack: str
    kind: str
    key: str
    field: str
    reason: Literal["missing", "stale", "changed", "unknown"]


class SourceText(str):
    """A text shown in the language its pack is written in (`lang`), because no current
    translation exists.

    A plain string everywhere; an HTML report marks it with its language (so a screen reader
    reads it in that language, and a page of the other direction isolates it).
    """

    lang: str

    def __new__(cls, text: str, lang: str = SOURCE_LANGUAGE) -> SourceText:
        made = super().__new__(cls, text)
        made.lang = lang
        return made


@functools.cache
def direction_of(lang: str) -> Literal["ltr", "rtl"]:
    """Which way a language's script runs (CLDR), left to right when Babel does not know it."""
    found = _babel_locale(lang)
    return "rtl" if found is not None and found.text_direction == "rtl" else "ltr"


@dataclass(frozen=True, slots=True)
class _Entry:
    source: Mapping[str, str]
    translated: Mapping[str, str]
    stale: bool
    source_lang: str


class _Miss(gettext.NullTranslations):
    """The last fallback of a message catalogue: returns the English message and notes it."""

    def __init__(self, missing: set[str]) -> None:
        super().__init__()
        self._missing = missing

    def gettext(self, message: str) -> str:
        self._missing.add(message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self._missing.add(msgid1)
        return msgid1 if n == 1 else msgid2

    def pgettext(self, context: str, message: str) -> str:
        self._missing.add(message)
        return message

    def npgettext(self, context: str, msgid1: str, msgid2: str, n: int) -> str:
        self._missing.add(msgid1)
        return msgid1 if n == 1 else msgid2


@dataclass
class Language:
    """One report's language: translated pack texts and messages, each fallback counted,
    and the locale's number, percentage and date formats.

    Build it with `load_language`; the pure constructor `Language.build` takes packs that
    already carry their translations. One `Language` per rendering: it accumulates the
    fallbacks of the texts the templates ask for.
    """

    code: str
    _texts: Mapping[tuple[str, str, str], _Entry]
    _mo: bytes | None = None
    _overrides: Mapping[str, str] = field(default_factory=dict)
    fallbacks: dict[tuple[str, str, str, str], Fallback] = field(default_factory=dict)
    missing_messages: set[str] = field(default_factory=set)
    _catalogue: gettext.NullTranslations = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._catalogue = (gettext.GNUTranslations(io.BytesIO(self._mo)) if self._mo
                           else gettext.NullTranslations())
        if self.code != SOURCE_LANGUAGE:
            self._catalogue.add_fallback(_Miss(self.missing_messages))

    @classmethod
    def build(
        cls,
        code: str,
        packs: Iterable[RulePack] = (),
        *,
        mo: bytes | None = None,
        messages: Mapping[str, str] | None = None,
    ) -> Language:
        """A language from packs carrying their translations, the compiled template messages
        and plugins' messages (which win)."""
        texts: dict[tuple[str, str, str], _Entry] = {}
        for pack in packs:
            own = pack.header.language
            stale = set(stale_translations(pack, code)) if code != own else set()
            for kind in _KINDS:
                for key, element in pack_elements(pack, kind).items():
                    translation = element.translations.get(code)
                    translated = {
                        name: value for name in english_texts(element)
                        if (value := getattr(translation, name, None)) is not None
                    } if translation is not None else {}
                    label = "header" if kind == "header" else f"{kind}.{key}"
                    texts[(pack.id, kind, key)] = _Entry(english_texts(element), translated,
                                                         label in stale, own)
        return cls(code, texts, mo, dict(messages or {}))

    def fresh(self) -> Language:
        """The same language with no fallback counted yet: one per report rendered."""
        return Language(self.code, self._texts, self._mo, self._overrides)

    # -- who reads it ----------------------------------------------------------------------

    @property
    def is_source(self) -> bool:
        return self.code == SOURCE_LANGUAGE

    @functools.cached_property
    def locale(self) -> Locale:
        from babel import Locale

        found = _babel_locale(self.code)
        return found if found is not None else Locale.parse(SOURCE_LANGUAGE)

    @property
    def direction(self) -> Literal["ltr", "rtl"]:
        return "rtl" if self.locale.text_direction == "rtl" else "ltr"

    @property
    def name(self) -> str:
        """The language's name in itself ("français", "العربية")."""
        return str(self.locale.get_display_name(self.locale) or self.code)

    # -- pack texts -------------------------------------------------------------------------

    def text(self, pack: str, kind: str, key: str, text_field: str, english: str | None = None,
             ) -> str:
        """One pack text in this language: the pack's own text when it is written in it, else
        its translation, else the source text (`english` if given: the text the record shows)
        as a `SourceText`, with the fallback counted."""
        shown, translated = self.lookup(pack, kind, key, text_field, english)
        if translated:
            return shown
        entry = self._texts.get((pack, kind, str(key)))
        return SourceText(shown, entry.source_lang if entry else SOURCE_LANGUAGE)

    def lookup(self, pack: str, kind: str, key: str, text_field: str,
               english: str | None = None) -> tuple[str, bool]:
        """(text, in this language?) for one pack text; see `text`. A text of a pack nobody
        installed here is taken to be English, as the record keeps it."""
        entry = self._texts.get((pack, kind, str(key)))
        source = english if english is not None else (
            entry.source.get(text_field, "") if entry is not None else "")
        if self.code == (entry.source_lang if entry is not None else SOURCE_LANGUAGE):
            return source, True
        reason: Literal["missing", "stale", "changed", "unknown"] | None
        if entry is None:
            reason = "unknown"
        elif english is not None and entry.source.get(text_field) != english:
            reason = "changed"
        elif text_field not in entry.translated:
            reason = "missing"
        elif entry.stale:
            reason = "stale"
        else:
            return entry.translated[text_field], True
        self.fallbacks[(pack, kind, str(key), text_field)] = Fallback(
            pack, kind, str(key), text_field, reason)
        return source, False

    def rule(self, pack: str, rule: str, text_field: str, english: str | None = None) -> str:
        return self.text(pack, "rules", rule, text_field, english)

    def dimension(self, pack: str, dimension: str, english: str | None = None) -> str:
        return self.text(pack, "dimensions", dimension, "name", english)

    def facet(self, pack: str, facet: str, english: str | None = None) -> str:
        return self.text(pack, "facets", facet, "name", english)

    def level(self, pack: str, level: int | str, english: str | None = None) -> str:
        return self.text(pack, "levels", str(level), "name", english)

    def owner(self, pack: str, owner: str, english: str | None = None) -> str:
        return self.text(pack, "owners", owner, "name", english)

    def pack_title(self, pack: str, english: str | None = None) -> str:
        return self.text(pack, "header", pack, "title", english)

    @property
    def fallback_count(self) -> int:
        """Texts of the report not in its language: pack texts shown in the language they were
        written in, and template messages shown in English."""
        return len(self.fallbacks) + len(self.missing_messages)

    # -- template messages (the interface jinja2's i18n extension calls) ------------------

    def gettext(self, message: str) -> str:
        override = self._overrides.get(message)
        return override if override is not None else self._catalogue.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._catalogue.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self._catalogue.npgettext(context, singular, plural, n)

    # -- numbers and dates -------------------------------------------------------------------

    def number(self, value: float | int | None, digits: int | None = None, *,
               trim: bool = False) -> str:
        """A number in the locale's digits and separators; `digits` fixes the decimals
        (`trim`: at most `digits`, trailing zeros dropped)."""
        if value is None:
            return self.gettext("n/a")
        from babel.numbers import format_decimal

        if digits is None:
            return str(format_decimal(value, locale=self.locale))
        pattern = "#,##0" + ("." + ("#" if trim else "0") * digits if digits else "")
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def percent(self, share: float | int | None, digits: int = 1) -> str:
        """A share in [0, 1] as the locale writes a percentage (`87,5 %` in French)."""
        if share is None:
            return self.gettext("n/a")
        import copy

        pattern = copy.copy(self.locale.percent_formats[None])
        pattern.frac_prec = (digits, digits)
        return str(pattern.apply(share, self.locale))

    def date(self, value: dt.date | str | None, format: str = "long") -> str:
        """A date as the locale writes it (`31 octobre 2026`, `31 أكتوبر 2026`)."""
        if value is None or value == "":
            return self.gettext("n/a")
        import datetime as dt

        from babel.dates import format_date

        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return str(format_date(day, format=format, locale=self.locale))


def load_language(session: Session, lang: str, packs: Sequence[RulePack] | None = None,
                  ) -> Language:
    """The language of a report: `packs` (default: every installed pack) with their catalogue
    files for `lang`, the plugins' catalogues and the template messages."""
    lang = check_language(session, lang)
    if packs is None:
        packs = [pack for pack, _loc in session.available_packs().values()]
        packs = session.with_plugin_catalogues(packs)
    if lang == SOURCE_LANGUAGE:
        return Language.build(lang, localised_packs(session, packs, lang))
    return Language.build(
        lang,
        localised_packs(session, packs, lang),
        mo=message_catalogue(lang),
        messages=merged_messages(lang, session.host.translations()),
    )


def install(environment: Any, language: Language) -> None:
    """Give a jinja2 environment (with `jinja2.ext.i18n`) the language's messages.

    jinja2 marks a translated message safe in an autoescaped template (it takes translations
    for trusted markup). Ours come partly from plugins, so in HTML they are escaped like every
    other text: a message never carries markup.
    """
    import jinja2
    import markupsafe

    def escaped(translate: Any) -> Any:
        @jinja2.pass_eval_context
        def translated(eval_ctx: Any, *args: Any) -> str:
            text = translate(*args)
            return markupsafe.escape(text) if eval_ctx.autoescape else text

        return translated

    environment.install_gettext_callables(
        escaped(language.gettext), escaped(language.ngettext), newstyle=True,
        pgettext=escaped(language.pgettext), npgettext=escaped(language.npgettext),
    )


# --- the lint ---------------------------------------------------------------------------------


def translation_problems(rules: RuleSet, session: Session, lang: str) -> list[str]:
    """Missing and stale translations of the loaded packs into `lang`, one line each.

    A text is missing when neither the pack, its catalogue file nor a plugin translates it; a
    translation is stale when the source text changed after it was made (its `source` hash no
    longer matches). Entries of a pack's catalogue file for elements the pack lacks are listed
    too: they are translations of texts that no longer exist.
    """
    lang = check_language(session, lang)
    problems: list[str] = []
    for pack in localised_packs(session, rules.packs, lang, for_readers=False):
        if pack.header.language == lang:
            continue
        stale = set(stale_translations(pack, lang))
        for kind in _KINDS:
            for key, element in sorted(pack_elements(pack, kind).items()):
                label = "header" if kind == "header" else f"{kind}.{key}"
                translation = element.translations.get(lang)
                wanted = list(english_texts(element))
                absent = [f for f in wanted if getattr(translation, f, None) is None]
                if absent:
                    problems.append(f"{pack.id}: {lang}: {label}: missing "
                                    + ", ".join(absent))
                if label in stale:
                    problems.append(
                        f"{pack.id}: {lang}: {label}: stale (the source text changed after "
                        f"it was translated; source {translation.source if translation else ''}"
                        " no longer matches: review the translation, then restamp it with "
                        "scripts/i18n.py stamp --restamp)")
        problems.extend(_orphans(session, pack, lang))
    if lang != SOURCE_LANGUAGE and message_catalogue(lang) is None and not merged_messages(
            lang, session.host.translations()):
        problems.append(f"report messages: {lang}: no message catalogue (report templates "
                        "would be in English)")
    return problems


def _orphans(session: Session, pack: RulePack, lang: str) -> list[str]:
    directory = session.pack_directory(pack.id)
    path = directory / CATALOGUE_DIR / f"{lang}.toml" if directory is not None else None
    if path is None or not path.is_file():
        return []
    catalogue = load_catalogue(path, display=f"{_display(pack)}/{CATALOGUE_DIR}/{lang}.toml")
    out: list[str] = []
    for kind in ELEMENT_KINDS:
        known = pack_elements(pack, kind)
        out.extend(f"{pack.id}: {lang}: {kind}.{key}: translated in "
                   f"{CATALOGUE_DIR}/{lang}.toml but not in the pack"
                   for key in sorted(getattr(catalogue, kind)) if key not in known)
    return out


# --- the templates' message catalogues (maintainers' tools and tests) ------------------------

#: How the report environment parses templates; extraction must parse them the same way.
TEMPLATE_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true",
                    "keep_trailing_newline": "true", "newstyle_gettext": "true",
                    "trimmed": "true"}


_HEADER = """\
# The report templates' messages of maturity (extracted by `scripts/i18n.py messages`).
# Copyright (C) the maturity authors. Distributed under the same license as maturity."""

#: Python modules whose messages the reports show: marked with `N_`, or passed to `gettext`.
MESSAGE_MODULES = ("report.py", "charts.py", "i18n.py", "compare.py", "trend.py")
_PYTHON_KEYWORDS: dict[str, Any] = {"N_": None, "_": None, "gettext": None,
                                    "ngettext": (1, 2)}


def template_catalogue() -> Catalog:
    """Every translatable string of the shipped report templates (and of the Python modules
    that build what they show), extracted by Babel."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract

    from maturity import __version__

    catalogue = Catalog(project="maturity", version=__version__, charset="utf-8",
                        fuzzy=False, copyright_holder="the maturity authors",
                        msgid_bugs_address="the maturity issue tracker",
                        header_comment=_HEADER)
    sources: list[tuple[Traversable, str, Mapping[str, str], Any]]
    sources = [(entry, "jinja2.ext:babel_extract", TEMPLATE_OPTIONS, None)
               for entry in sorted(files("maturity.reports").iterdir(), key=lambda e: e.name)
               if entry.name.endswith(".j2")]
    sources += [(files("maturity") / name, "python", {}, _PYTHON_KEYWORDS)
                for name in MESSAGE_MODULES]
    for entry, method, options, keywords in sources:
        if not entry.is_file():
            continue
        with entry.open("rb") as handle:
            found = extract(method, handle, options=options, comment_tags=("Translators:",),
                            **({"keywords": keywords} if keywords else {}))
            for lineno, message, comments, context in found:
                catalogue.add(message, locations=[(entry.name, lineno)],
                              auto_comments=comments, context=context)
    return catalogue


def compile_messages(po: bytes, lang: str) -> bytes:
    """A `.po` file compiled into the `.mo` gettext reads (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalogue = read_po(io.BytesIO(po), locale=_locale_dir(lang))
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()
