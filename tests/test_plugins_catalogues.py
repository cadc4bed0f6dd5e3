"""Translation catalogues: strict files, merging into packs, staleness."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.catalogues import (
    TranslationCatalogue,
    apply_catalogues,
    load_catalogue,
    source_hash,
    stale_translations,
)
from maturity.errors import PackError
from maturity.limits import Limits
from maturity.model import RulePack
from maturity.packs import load_pack_dir

MINI_PACK = Path(__file__).resolve().parent / "packs" / "mini"


def mini() -> RulePack:
    return load_pack_dir(MINI_PACK, origin="local:mini", display="mini", limits=Limits())


@pytest.mark.parametrize(("text", "location", "detail"), [
    ('[catalog]\nlocale = "fr"\n', None, "a catalogue file holds one [catalogue] table"),
    ('[catalogue]\nlocale = "fr"\npack = "mini"\n[catalogue.dimension.alpha]\nname = "A"\n'
     'source = "000000000000"\n', "catalogue.dimension", "did you mean 'dimensions'?"),
    ('[catalogue]\nlocale = "french"\nmessages = { Summary = "Synthèse" }\n', "catalogue.locale",
     "String should match pattern"),
    ('[catalogue]\nlocale = "fr"\npack = "mini"\n[catalogue.dimensions.alpha]\ntitle = "A"\n'
     'source = "000000000000"\n', "catalogue",
     "dimensions.alpha: 'title' cannot be translated here (a dimension has name, description)"),
    ('[catalogue]\nlocale = "fr"\n[catalogue.rules.A-1]\ntitle = "A"\nsource = "000000000000"\n',
     "catalogue", "a catalogue that translates pack texts must name the pack"),
    ('[catalogue]\nlocale = "fr"\npack = "mini"\n[catalogue.levels.6]\nname = "Six"\n'
     'source = "000000000000"\n', "catalogue.levels.6.[key]", "String should match pattern"),
    ('[catalogue]\nlocale = "fr"\npack = "mini"\n[catalogue.rules.A-1]\nsource = "000000000000"\n',
     "catalogue", "rules.A-1: no translated text"),
    ('[catalogue]\nlocale = "fr"\n', "catalogue", "an empty catalogue"),
    ('[catalogue]\nlocale = "fr"\n[catalogue.messages]\n"%(n)s phases" = "%(nombre)s phases"\n',
     "catalogue", "the translation's placeholders (nombre) are not the message's (n)"),
    ('[catalogue]\nlocale = "fr"\n[catalogue.messages]\n"%(n)s phases" = "%(n) phases"\n',
     "catalogue", "the translation's placeholders (none) are not the message's (n)"),
    ('[catalogue]\nlocale = "fr"\n[catalogue.messages]\n"Done" = "100 % fait"\n',
     "catalogue", "a % in the translation is not a placeholder"),
])
def test_catalogue_files_are_validated_strictly(tmp_path: Path, text: str, location: str | None,
                                                detail: str) -> None:
    path = tmp_path / "fr.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as caught:
        load_catalogue(path)
    assert caught.value.file == "fr.toml"
    assert caught.value.location == location
    assert detail in caught.value.render()


def catalogue(**fields: object) -> TranslationCatalogue:
    return TranslationCatalogue.model_validate({"locale": "fr", "pack": "mini", **fields})


def test_every_kind_of_element_is_translated_in_place() -> None:
    pack = mini()
    a1 = next(r for r in pack.rules if r.id == "A-1")
    texts = {"title": "Titre", "rationale": "Raison", "action": "Action"}
    fr = catalogue(
        header={"title": "Un petit référentiel",
                "source": source_hash([pack.header.title])},
        facets={"strategy": {"name": "Stratégie", "source": source_hash(["Strategy"])}},
        rules={"A-1": {**texts, "source": source_hash(
            [a1.title, a1.rationale, a1.remediation.action])}},
    )
    (translated,) = apply_catalogues([pack], [("words", fr)])
    assert translated.header.translations["fr"].title == "Un petit référentiel"
    assert translated.header.facets[0].translations["fr"].name == "Stratégie"
    rule = next(r for r in translated.rules if r.id == "A-1")
    assert rule.translations["fr"].action == "Action"
    assert stale_translations(translated, "fr") == []
    assert translated.sha256 == pack.sha256          # wording never changes what is scored
    other = catalogue(pack="other", rules={"A-1": {"title": "x", "source": "000000000000"}})
    assert apply_catalogues([pack], [("words", other)]) == [pack]


@given(st.text(min_size=1, max_size=40).filter(str.strip),
       st.text(min_size=1, max_size=40).filter(str.strip))
def test_a_translation_is_stale_exactly_when_its_english_text_changed(original: str,
                                                                      edited: str) -> None:
    pack = mini()
    fr = catalogue(dimensions={"alpha": {"name": "Alpha (fr)",
                                         "source": source_hash([original])}})
    dims = [d.model_copy(update={"name": edited}) if d.id == "alpha" else d
            for d in pack.header.dimensions]
    edited_pack = pack.model_copy(update={"header": pack.header.model_copy(
        update={"dimensions": dims})})
    (translated,) = apply_catalogues([edited_pack], [("words", fr)])
    stale = stale_translations(translated, "fr")
    assert stale == ([] if edited == original else ["dimensions.alpha"])


@given(st.lists(st.sampled_from(["n", "phases", "months"]), unique=True),
       st.text(st.characters(exclude_characters="%"), max_size=8))
def test_a_translation_with_the_message_s_placeholders_is_accepted(
        names: list[str], words: str) -> None:
    message = " ".join(f"%({n})s" for n in names) + " phases"
    translated = words + " ".join(f"%({n})s" for n in reversed(names)) + " %% de"
    TranslationCatalogue.model_validate({"locale": "fr", "messages": {message: translated}})
