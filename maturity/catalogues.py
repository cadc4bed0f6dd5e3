"""Translation catalogues: a pack's texts in another language, shipped apart from the pack.

A country team translates a pack it does not own (the built-in OECD packs, say) without editing
it: its plugin returns `TranslationCatalogue`s from the `maturity_translations` hook, usually read
from a TOML file with `load_catalogue`. When packs are loaded, `apply_catalogues` writes each
translation into the element's `translations[locale]`, so everything that renders a pack (reports,
`rules show`, the lint) finds plugin translations exactly where the pack's own ones live.

```toml
[catalogue]
locale = "fr"
pack = "oecd-dgpf"

[catalogue.dimensions.digital-by-design]
name = "Numérique dès la conception"
source = "5a2c46c1b4f0"            # source_hash of the English text it translates

[catalogue.owners.chief-digital-officer]
name = "Directeur ou directrice du numérique"
source = "…"

[catalogue.rules.DBD-SA-01]
title = "Le ministère a sa propre stratégie numérique adoptée…"
source = "…"

[catalogue.messages]
"Summary" = "Synthèse"             # report template strings, by their English text
```

`source` is `source_hash` of the English texts the translation covers (its fields' English
counterparts, in the order title, name, rationale, action, description), so an edited English
text marks the translation stale (`stale_translations`) instead of silently mistranslating it.
A catalogue's translation replaces the pack's own one for that locale (a country's official
terms win); two plugins translating the same text into the same locale is an error.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from maturity.errors import PackError, PluginError, did_you_mean
from maturity.model import (
    Dimension,
    Facet,
    LevelName,
    Owner,
    PackHeader,
    Rule,
    RuleId,
    RulePack,
    Slug,
    Translation,
)

__all__ = [
    "ELEMENT_KINDS",
    "FIELD_ORDER",
    "TRANSLATABLE_FIELDS",
    "CatalogueMismatch",
    "Element",
    "TranslationCatalogue",
    "apply_catalogues",
    "english_texts",
    "load_catalogue",
    "merged_messages",
    "pack_elements",
    "source_for",
    "source_hash",
    "stale_translations",
]

Locale = Annotated[str, Field(pattern=r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?$")]
LevelKey = Annotated[str, Field(pattern=r"^[1-5]$")]
Message = Annotated[str, Field(min_length=1, max_length=10_000)]

#: Which fields a translation may carry, by kind of element (the fields that kind has in English).
TRANSLATABLE_FIELDS: Mapping[str, tuple[str, ...]] = {
    "header": ("title",),
    "dimensions": ("name", "description"),
    "facets": ("name", "description"),
    "levels": ("name", "description"),
    "owners": ("name", "description"),
    "rules": ("title", "rationale", "action"),
}

#: The order in which a translation's fields enter its `source` hash.
FIELD_ORDER = ("title", "name", "rationale", "action", "description")

#: The kinds of element a catalogue translates by id (the header aside), in catalogue order.
ELEMENT_KINDS: tuple[Literal["dimensions", "facets", "levels", "owners", "rules"], ...] = (
    "dimensions", "facets", "levels", "owners", "rules")

#: A translatable element of a pack.
Element = PackHeader | Dimension | Facet | LevelName | Owner | Rule


class CatalogueMismatch(PluginError):
    """A plugin's catalogue translates something the pack does not have (another version of
    it, most often): the plugin is at fault, and `--skip-broken-plugins` leaves it out."""

    def __init__(self, plugin: str, message: str, **fields: str | None) -> None:
        super().__init__(message, **fields)
        self.plugin = plugin


class TranslationCatalogue(BaseModel):
    """One locale's translations of one pack's texts, and/or of report template messages.

    Built by plugins in Python or read from TOML with `load_catalogue`; invalid content (an
    unknown field, a field the element has no English text for, a malformed locale) fails
    when the catalogue is built, so the hook that returns it is named in the error.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    locale: Locale
    pack: Slug | None = None
    header: Translation | None = None
    dimensions: dict[Slug, Translation] = {}
    facets: dict[Slug, Translation] = {}
    levels: dict[LevelKey, Translation] = {}
    owners: dict[Slug, Translation] = {}
    rules: dict[RuleId, Translation] = {}
    messages: dict[Message, Message] = {}
    #: The file it was read from (`load_catalogue`), for errors about its content.
    _origin: str | None = PrivateAttr(default=None)

    @property
    def origin(self) -> str | None:
        return self._origin

    @model_validator(mode="after")
    def _consistent(self) -> TranslationCatalogue:
        if self.pack is None and self.element_count():
            raise ValueError("a catalogue that translates pack texts must name the pack")
        if self.pack is None and not self.messages:
            raise ValueError("an empty catalogue: give pack texts or messages")
        for kind, entry_key, translation in self.entries():
            given = _given_fields(translation)
            allowed = TRANSLATABLE_FIELDS[kind]
            wrong = [f for f in given if f not in allowed]
            if wrong:
                element = kind[:-1] if kind != "header" else "pack header"
                raise ValueError(
                    f"{kind}.{entry_key}: {wrong[0]!r} cannot be translated here "
                    f"({'an' if element[0] in 'aeiou' else 'a'} {element} has "
                    + ", ".join(allowed) + ")"
                )
            if not given:
                raise ValueError(f"{kind}.{entry_key}: no translated text")
        for message in sorted(self.messages):
            _check_placeholders(message, self.messages[message])
        return self

    def entries(self) -> list[tuple[str, str, Translation]]:
        """Every pack text translation as (kind, element id, translation), in a stable order."""
        out: list[tuple[str, str, Translation]] = []
        if self.header is not None:
            out.append(("header", self.pack or "", self.header))
        for kind in ELEMENT_KINDS:
            table: dict[str, Translation] = getattr(self, kind)
            out.extend((kind, key, table[key]) for key in sorted(table))
        return out

    def element_count(self) -> int:
        return len(self.entries())


#: A report message's placeholder, as jinja2's gettext fills it (`%(name)s`).
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdifr]")


def _check_placeholders(message: str, translation: str) -> None:
    """A translation names the placeholders its message names, each well formed: another
    name, or a `%` left without its conversion, stops every report in that language."""
    wanted, given = (sorted(set(_PLACEHOLDER.findall(t))) for t in (message, translation))
    if given != wanted:
        raise ValueError(
            f"messages[{message!r}]: the translation's placeholders "
            f"({', '.join(given) or 'none'}) are not the message's ({', '.join(wanted) or 'none'})")
    if "%" in _PLACEHOLDER.sub("", translation).replace("%%", "") and "%" not in (
            _PLACEHOLDER.sub("", message).replace("%%", "")):
        raise ValueError(f"messages[{message!r}]: a % in the translation is not a placeholder "
                         "(write %(name)s, or %% for a percent sign)")


def _given_fields(translation: Translation) -> list[str]:
    return [f for f in FIELD_ORDER if getattr(translation, f) is not None]


def source_hash(texts: Iterable[str]) -> str:
    """The `source` of a translation: the first 12 hex digits of the sha256 of the English
    texts it translates, joined by newlines."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:12]


def english_texts(element: Element) -> dict[str, str]:
    """An element's translatable English texts by field name."""
    if isinstance(element, Rule):
        return {"title": element.title, "rationale": element.rationale,
                "action": element.remediation.action}
    if isinstance(element, PackHeader):
        return {"title": element.title}
    texts = {"name": element.name}
    if element.description:
        texts["description"] = element.description
    return texts


def source_for(element: Element, translated: Iterable[str]) -> str:
    """The `source` a translation of the fields `translated` of `element` must carry: the hash
    of the source texts it translates. Tools stamp it; nobody writes it by hand."""
    english = english_texts(element)
    chosen = set(translated)
    return source_hash(english.get(f, "") for f in FIELD_ORDER if f in chosen)


def _expected_source(element: Element, translation: Translation) -> str:
    return source_for(element, _given_fields(translation))


def pack_elements(pack: RulePack, kind: str) -> dict[str, Any]:
    """A pack's translatable elements of one kind, by the key catalogues use."""
    if kind == "header":
        return {pack.id: pack.header}
    if kind == "dimensions":
        return {d.id: d for d in pack.header.dimensions}
    if kind == "facets":
        return {f.id: f for f in pack.header.facets}
    if kind == "levels":
        return {str(lv.level): lv for lv in pack.header.levels}
    if kind == "owners":
        return {o.id: o for o in pack.header.owners}
    return {r.id: r for r in pack.rules}


def apply_catalogues(
    packs: Sequence[RulePack], catalogues: Sequence[tuple[str, TranslationCatalogue]]
) -> list[RulePack]:
    """The packs with every catalogue's translations written into their elements (pure).

    `catalogues` are (plugin name, catalogue) pairs. Catalogues for packs that are not loaded
    are ignored; one naming an element the pack does not have is an error naming the plugin.
    """
    by_pack: dict[str, list[tuple[str, TranslationCatalogue]]] = {}
    for plugin, catalogue in catalogues:
        if catalogue.pack is not None:
            by_pack.setdefault(catalogue.pack, []).append((plugin, catalogue))
    out: list[RulePack] = []
    for pack in packs:
        wanted = by_pack.get(pack.id)
        out.append(_translate(pack, wanted) if wanted else pack)
    return out


def _translate(pack: RulePack, catalogues: list[tuple[str, TranslationCatalogue]]) -> RulePack:
    # (kind, element id) -> locale -> (plugin, translation)
    chosen: dict[tuple[str, str], dict[str, tuple[str, Translation]]] = {}
    by_kind = {kind: pack_elements(pack, kind) for kind in TRANSLATABLE_FIELDS}
    for plugin, catalogue in catalogues:
        for kind, key, translation in catalogue.entries():
            elements = by_kind[kind]
            if kind != "header" and key not in elements:
                hint = did_you_mean(key, elements)
                raise CatalogueMismatch(
                    plugin,
                    f"plugin {plugin!r} translates {kind[:-1]} {key!r}, which pack "
                    f"{pack.id!r} {pack.version} does not have",
                    code="plugin.catalogue-unknown",
                    file=catalogue.origin or plugin,
                    location=f"catalogue.{kind}.{key} ({catalogue.locale}, from the "
                             f"plugin's maturity_translations)",
                    expected="one of " + ", ".join(sorted(elements)),
                    found=repr(key),
                    fix=f"did you mean {hint!r}?" if hint else
                    "update the plugin's catalogue to this pack version",
                )
            slot = chosen.setdefault((kind, key if kind != "header" else pack.id), {})
            previous = slot.get(catalogue.locale)
            if previous is not None and previous[0] != plugin:
                raise PluginError(
                    f"plugins {previous[0]!r} and {plugin!r} both translate {kind} {key!r} "
                    f"of pack {pack.id!r} into {catalogue.locale!r}",
                    code="plugin.conflict",
                    file=plugin,
                    location=f"maturity_translations: {catalogue.locale} {kind}.{key}",
                    expected="one translation per text and locale",
                    found=f"also from plugin {previous[0]!r}",
                    fix="uninstall one of the plugins",
                )
            slot[catalogue.locale] = (plugin, translation)

    def merged(kind: str, key: str, element: Any) -> Any:
        extra = chosen.get((kind, key))
        if not extra:
            return element
        translations = {**element.translations, **{loc: t for loc, (_p, t) in extra.items()}}
        return element.model_copy(update={"translations": translations})

    header = pack.header
    header = merged("header", pack.id, header)
    header = header.model_copy(update={
        "dimensions": [merged("dimensions", d.id, d) for d in header.dimensions],
        "facets": [merged("facets", f.id, f) for f in header.facets],
        "levels": [merged("levels", str(lv.level), lv) for lv in header.levels],
        "owners": [merged("owners", o.id, o) for o in header.owners],
    })
    rules = tuple(merged("rules", r.id, r) for r in pack.rules)
    return pack.model_copy(update={"header": header, "rules": rules})


def stale_translations(pack: RulePack, locale: str) -> list[str]:
    """Elements whose `locale` translation was made from an English text since edited."""
    stale: list[str] = []
    for kind in ("header", *ELEMENT_KINDS):
        for key, element in sorted(pack_elements(pack, kind).items()):
            translation = element.translations.get(locale)
            if translation is not None and translation.source != _expected_source(
                    element, translation):
                stale.append(f"{kind}.{key}" if kind != "header" else "header")
    return stale


def merged_messages(
    locale: str, catalogues: Sequence[tuple[str, TranslationCatalogue]]
) -> dict[str, str]:
    """Report template messages for `locale` from every plugin; a message two plugins translate
    differently is an error naming both."""
    out: dict[str, tuple[str, str]] = {}
    for plugin, catalogue in catalogues:
        if catalogue.locale != locale:
            continue
        for message, text in catalogue.messages.items():
            previous = out.get(message)
            if previous is not None and previous[0] != plugin and previous[1] != text:
                raise PluginError(
                    f"plugins {previous[0]!r} and {plugin!r} translate the message "
                    f"{message!r} differently into {locale!r}",
                    code="plugin.conflict",
                    file=plugin,
                    location=f"maturity_translations: {locale} messages",
                    expected="one translation per message and locale",
                    found=repr(text),
                    fix="uninstall one of the plugins",
                )
            out[message] = (plugin, text)
    return {message: text for message, (_p, text) in sorted(out.items())}


def load_catalogue(path: Path | Traversable, *, display: str | None = None) -> TranslationCatalogue:
    """Read a catalogue file (TOML with one [catalogue] table), e.g. one a plugin ships."""
    from maturity.formats import check_tree, parse_toml
    from maturity.limits import Limits
    from maturity.packs import pydantic_error

    shown = display or path.name
    limits = Limits()
    data = path.read_bytes()
    if len(data) > limits.max_file_bytes:
        raise PackError(
            "file too large",
            code="file.too-large",
            file=shown,
            expected=f"at most {limits.max_file_bytes} bytes (limit max_file_bytes)",
            found=f"{len(data)} bytes",
            fix="split the catalogue by pack",
        )
    doc = parse_toml(data, shown, PackError)
    check_tree(doc, shown, limits, PackError)
    if set(doc) != {"catalogue"} or not isinstance(doc["catalogue"], dict):
        raise PackError(
            "a catalogue file holds one [catalogue] table",
            code="catalogue.invalid",
            file=shown,
            expected="[catalogue] with locale, pack and translated texts",
            found=", ".join(sorted(doc)) or "an empty file",
            fix="start the file with [catalogue]",
        )
    try:
        catalogue = TranslationCatalogue.model_validate(doc["catalogue"])
    except ValidationError as exc:
        raise pydantic_error(exc, TranslationCatalogue, file=shown,
                             prefix=["catalogue"]) from None
    catalogue._origin = shown
    return catalogue
