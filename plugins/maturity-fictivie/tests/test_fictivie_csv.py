"""Le lecteur CSV clé ; type ; valeur : l'exemple, les erreurs nommées, l'aller-retour."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from maturity_fictivie.cles_csv import parse_cles_csv

from maturity.errors import EvidenceError
from maturity.limits import Limits

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ministere-de-l-economie"


def parse(text: str, limits: Limits | None = None):
    return parse_cles_csv(text.encode("utf-8"), "preuves.csv", limits or Limits())


def test_the_example_file():
    tree = parse_cles_csv((EXAMPLE / "preuves-nationales.csv").read_bytes(),
                          "preuves-nationales.csv", Limits())
    acc = tree["fictivie"]["accessibilite"]
    assert acc["taux_conformite_rgaa"] == 82.5
    assert acc["declaration_mise_a_jour"] == dt.date(2026, 3, 15)
    assert acc["plan_annuel_publie"] is True
    assert acc["declaration"] == {"document": "documents/declaration-accessibilite.md"}
    assert tree["fictivie"]["etablissements"]["siret"] == [
        "110 043 015 00012", "110 043 015 00020", "110 043 015 00039"]
    assert tree["fictivie"]["api"]["nombre"] == 4


def test_comma_separator_bom_quotes_and_iso_dates():
    text = '\ufeffclé,type,valeur\na.b,texte,"Paris, Fictivie"\na.c,date,2026-01-31\n' \
           'a.d,nombre,"1 250,5"\na.e,liste,\n'
    assert parse(text) == {"a": {"b": "Paris, Fictivie", "c": dt.date(2026, 1, 31),
                                 "d": 1250.5, "e": []}}


@pytest.mark.parametrize(("text", "location", "found"), [
    ("key;type;value\n", "ligne 1", "key;type;value"),
    ("clé;type;valeur\na.b;nombre;12,5,1\n", "ligne 2, colonne 3", "'12,5,1'"),
    ("clé;type;valeur\na.b;date;30/02/2026\n", "ligne 2, colonne 3", "'30/02/2026'"),
    ("clé;type;valeur\na.b;booléen;peut-être\n", "ligne 2, colonne 3", "'peut-être'"),
    ("clé;type;valeur\na.b;entier;3\n", "ligne 2, colonne 2", "'entier'"),
    ("clé;type;valeur\na b;texte;x\n", "ligne 2, colonne 1", "'a b'"),
    ("clé;type;valeur\na.b;texte\n", "ligne 2, colonne 2", "a.b;texte"),
    ("clé;type;valeur\n\n# note\na.b;texte;x\na.b;texte;y\n", "ligne 5, colonne 1", "'a.b'"),
    ("clé;type;valeur\na.b;texte;x\na.b.c;texte;y\n", "ligne 3, colonne 1", "'a.b.c'"),
    ("clé;type;valeur\na.b.c;texte;x\na.b;texte;y\n", "ligne 3, colonne 1", "'a.b'"),
    ("clé;type;valeur\na.b;nombre;inf\n", "ligne 2, colonne 3", "'inf'"),
])
def test_errors_name_the_line_column_and_value(text, location, found):
    with pytest.raises(EvidenceError) as caught:
        parse(text)
    error = caught.value
    assert error.file == "preuves.csv"
    assert error.location == location
    assert error.found == found
    assert error.fix


def test_duplicate_key_names_the_first_line():
    with pytest.raises(EvidenceError, match="ligne 2"):
        parse("clé;type;valeur\na.b;texte;x\na.b;texte;y\n")


def test_row_limit_and_empty_file():
    with pytest.raises(EvidenceError, match="max_sheet_rows"):
        parse("clé;type;valeur\n" + "".join(f"k.n{i};nombre;{i}\n" for i in range(5)),
              Limits(max_sheet_rows=3))
    with pytest.raises(EvidenceError, match="sans en-tête"):
        parse("# rien\n")


keys = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=3)
values = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zs", "Zl", "Zp"]),
            max_size=20).map(str.strip).filter(lambda t: "|" not in t),
    st.integers(-10**9, 10**9),
    st.booleans(),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
)


def cell(value) -> tuple[str, str]:
    if isinstance(value, bool):
        return "booléen", "oui" if value else "non"
    if isinstance(value, int):
        return "nombre", f"{value:,}".replace(",", "\u202f")
    if isinstance(value, dt.date):
        return "date", value.strftime("%d/%m/%Y")
    return "texte", '"' + value.replace('"', '""') + '"'


@given(st.dictionaries(keys.map(".".join), values, max_size=8))
def test_round_trip(flat):
    # Keys that are prefixes of others cannot both hold values: keep the longest.
    flat = {k: v for k, v in flat.items()
            if not any(o.startswith(k + ".") for o in flat)}
    lines = ["clé;type;valeur"] + [";".join((k, *cell(v))) for k, v in flat.items()]
    tree = parse("\n".join(lines) + "\n")
    for key, value in flat.items():
        node = tree
        for part in key.split("."):
            node = node[part]
        assert node == value
