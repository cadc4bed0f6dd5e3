"""Outcome details in the report's language: the engine writes them in English into the record
(the same in every language); the report translates the engine's known forms and shows any
other in English, marked as such."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import maturity
from maturity.api import Session
from maturity.checks import EvalContext
from maturity.cli import main
from maturity.engine import _document_notes
from maturity.i18n import Language, load_language
from maturity.model import DocumentInfo
from maturity.plugins import AUTOLOAD_ENV
from maturity.report import translated_detail
from maturity.ruleset import RuleSet
from tests.conftest import EXAMPLES

MINISTRIES = ("ministry-of-culture", "ministry-of-health", "ministry-of-finance")
#: The one form the report leaves in English: a type error's expected and found, which name
#: the engine's own vocabulary of types.
TYPE_ERROR = re.compile(r".+: expected .+, found .+")


@pytest.fixture(scope="module")
def french(session: Session, builtin_rules: RuleSet) -> Language:
    return load_language(session, "fr", builtin_rules.packs)


@pytest.fixture(scope="module")
def english(session: Session, builtin_rules: RuleSet) -> Language:
    return load_language(session, "en", builtin_rules.packs)


@pytest.mark.parametrize(("detail", "expected"), [
    ("credit 0", "crédit 0,0 %"),
    ("credit 0.5", "crédit 50,0 %"),
    ("missing evidence: strategy.digital.status",
     "élément probant absent : strategy.digital.status"),
    ("the rule does not apply", "la règle ne s'applique pas"),
    ("declared not applicable by the organisation", "déclarée sans objet par l'organisation"),
    ("credit 0; document 'docs/a.pdf' is not in the bundle (did you mean 'docs/A.pdf'?); "
     "document \"it's.pdf\" does not match its declared sha256",
     "crédit 0,0 % ; le document 'docs/a.pdf' ne figure pas dans le dossier (vouliez-vous dire "
     "'docs/A.pdf' ?) ; le document \"it's.pdf\" ne correspond pas à son empreinte sha256 "
     "déclarée"),
    ("evidence older than 730 days: docs/plan.pdf collected 2021-03-01; docs/x; y.pdf has no "
     "collection date",
     "éléments probants de plus de 730 jours : docs/plan.pdf recueilli le 2021-03-01 ; docs/x; "
     "y.pdf n'a pas de date de collecte"),
])
def test_the_engines_forms_are_translated(french: Language, detail: str, expected: str) -> None:
    translated = translated_detail(detail, french)
    assert translated is not None
    # French typography puts no-break spaces before "%", ":", ";" and "?".
    assert re.sub("[\u00a0\u202f]", " ", translated) == expected


@pytest.mark.parametrize("detail", [
    "strategy.digital.status: expected text, found a number",
    "credit 0; something a plugin said",
    "evidence older than 730 days: ",
    "credit x",
    "",
])
def test_other_details_are_left_to_show_in_english(french: Language, detail: str) -> None:
    assert translated_detail(detail, french) is None


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=3, unique=True),
       st.booleans())
def test_any_document_name_the_engine_quotes_reads_back(names: list[str], hashed: bool) -> None:
    """Whatever a document's name holds (quotes, "; ", parentheses), the engine's notes about
    it are read back whole, each name as the engine quoted it."""
    english = Language.build("en", [])
    values: dict[str, Any] = {f"k{i}": {"document": name, "sha256": "0" * 64}
                              for i, name in enumerate(names)}
    docs = {name: DocumentInfo(name, "1" * 64 if hashed else None, None) for name in names}
    # (hashed: present but another file than declared; else: not in the bundle)
    notes = _document_notes(values, EvalContext(dt.date(2026, 6, 30), docs))
    assert notes
    detail = "; ".join(["credit 0", *notes])
    translated = translated_detail(detail, english)
    assert translated is not None
    for name in names:
        assert repr(name) in translated


@pytest.mark.parametrize("ministry", MINISTRIES)
def test_every_detail_of_the_examples_but_type_errors_is_translated(
        session: Session, builtin_rules: RuleSet, french: Language, english: Language,
        ministry: str) -> None:
    result = maturity.assess(EXAMPLES / ministry, rules=builtin_rules, session=session)
    details = {o.explanation.detail for o in result.outcomes}
    assert len(details) > 3
    for detail in details:
        if TYPE_ERROR.fullmatch(detail):
            assert translated_detail(detail, french) is None
            continue
        assert translated_detail(detail, french) is not None, detail
        assert translated_detail(detail, english) is not None, detail


def test_the_french_report_shows_details_in_french_unmarked(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(AUTOLOAD_ENV, "1")
        assert main(["assess", str(EXAMPLES / "ministry-of-culture"), "--lang", "fr",
                     "--format", "html", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    results = [(attrs, html.unescape(text)) for attrs, text in re.findall(
        r"<dt>Résultat</dt><dd><span([^>]*)>([^<]*)</span>", page)]
    assert len(results) > 5
    assert any(text.startswith("crédit ") for _attrs, text in results)
    for attrs, text in results:
        assert ('lang="en"' in attrs) == bool(TYPE_ERROR.fullmatch(text)), text
    assert "credit 0" not in page


def test_the_default_targets_source_is_said_in_the_reports_language(tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(AUTOLOAD_ENV, "1")
        assert main(["assess", str(EXAMPLES / "ministry-of-health"), "--lang", "fr",
                     "--format", "md", "-o", str(tmp_path / "fr.md")]) == 0
        assert main(["assess", str(EXAMPLES / "ministry-of-health"), "--lang", "ar",
                     "--format", "html", "-o", str(tmp_path / "ar.html")]) == 0
    french = (tmp_path / "fr.md").read_text(encoding="utf-8")
    assert "(score maximal)" in french
    for name in ("fr.md", "ar.html"):
        assert "full marks" not in (tmp_path / name).read_text(encoding="utf-8"), name


def test_a_waivers_effect_is_said_in_the_reports_language(french: Language) -> None:
    from maturity.report import translated_reason

    waived = translated_reason("waived by Secretary-General until 2027-03-31 (medium risk): "
                               "Costing waits for the new system", french)
    assert re.sub("[\u00a0\u202f]", " ", waived) == (
        "dérogation accordée par Secretary-General jusqu'au 31 mars 2027 (risque moyen) : "
        "Costing waits for the new system")
    stands = translated_reason("waiver expired (granted 2025-01-01, expires 2025-12-31): "
                               "finding stands", french)
    assert stands.startswith("dérogation expirée (accordée le 1 janvier 2025")
    early = translated_reason("waiver not yet valid (granted 2027-01-01, expires 2027-12-31): "
                              "finding stands", french)
    assert early.startswith("dérogation pas encore en vigueur")
    # What an organisation or a pack wrote is shown as written.
    for written in ("We do not run services", "only for organisations that deliver services",
                    "waived by nobody"):
        assert translated_reason(written, french) == written


def test_the_engines_waiver_texts_are_the_forms_the_report_reads() -> None:
    """The report reads back what `outcome_from_result` writes: a waived outcome and an
    expired waiver of the real engine."""
    from maturity.engine import outcome_from_result
    from maturity.model import Waiver
    from maturity.report import translated_reason

    english = Language.build("en", [])
    session = Session()
    rules, _ = session.load_rules()
    compiled = rules.rules[0]
    ctx = EvalContext(dt.date(2026, 6, 30), {})
    for granted, expires in ((dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
                             (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
                             (dt.date(2027, 1, 1), dt.date(2027, 12, 31))):
        waiver = Waiver.model_validate({
            "rule": compiled.id, "justification": "Because; (really): yes",
            "approver": "Head (acting) until further notice", "granted": granted,
            "expires": expires, "risk": "high"})
        outcome = outcome_from_result(compiled, {}, ctx, 0.0, waiver)
        assert outcome.reason
        assert translated_reason(outcome.reason, english) != outcome.reason, outcome.reason


def test_labels_and_values_are_punctuated_in_the_reports_language(tmp_path: Path) -> None:
    """French puts a no-break space before a colon, Arabic writes its own comma; a name too
    long for the text roadmap's column gets a line of its own instead of running on."""
    record = tmp_path / "health.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(AUTOLOAD_ENV, "1")
        assert main(["assess", str(EXAMPLES / "ministry-of-health"), "-o", str(record)]) == 0
        for lang, fmt, name in (("fr", "md", "fr.md"), ("fr", "html", "fr.html"),
                                ("ar", "html", "ar.html"), ("en", "text", "en.txt")):
            command = "roadmap" if fmt == "text" else "report"
            assert main([command, str(record), "--lang", lang, "--format", fmt,
                         "-o", str(tmp_path / name)]) == 0
    french = (tmp_path / "fr.md").read_text(encoding="utf-8")
    assert "**: " not in french and "**\u00a0: " in french
    french_html = (tmp_path / "fr.html").read_text(encoding="utf-8")
    descs = re.findall(r'<desc id="(?:heatmap|bars)-[^"]*">([^<]*)</desc>', french_html)
    assert descs and all("\u00a0: " in d and re.search(r"\S: ", d) is None for d in descs)
    arabic = (tmp_path / "ar.html").read_text(encoding="utf-8")
    descs = re.findall(r'<desc id="(?:heatmap|bars)-[^"]*">([^<]*)</desc>', arabic)
    assert descs and all(", " not in d and "، " in d for d in descs)
    lines = (tmp_path / "en.txt").read_text(encoding="utf-8").splitlines()
    gap = lines[lines.index("Remaining gap:") + 1:]
    assert all(not re.search(r"[a-z] target ", line) for line in gap), gap


@pytest.mark.parametrize(("effort", "count"), [(1, 1), (1.0, 1), (2, 2), (0.5, 100), (12, 12)])
def test_a_quantity_picks_its_plural_by_its_number(effort: float, count: int) -> None:
    from maturity.charts import plural_count

    assert plural_count(effort) == count


def test_one_person_month_is_singular(tmp_path: Path) -> None:
    record = tmp_path / "health.json"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(AUTOLOAD_ENV, "1")
        assert main(["assess", str(EXAMPLES / "ministry-of-health"), "-o", str(record)]) == 0
        for lang in ("en", "fr"):
            assert main(["report", str(record), "--lang", lang, "--format", "html",
                         "-o", str(tmp_path / f"{lang}.html")]) == 0
    english = (tmp_path / "en.html").read_text(encoding="utf-8")
    assert re.search(r"\b1 person-month\b", english) and not re.search(
        r"\b1 person-months", english)
    french = (tmp_path / "fr.html").read_text(encoding="utf-8")
    assert re.search(r"\b1 mois-personne\b", french) and not re.search(
        r"\b1 mois-personnes", french)
