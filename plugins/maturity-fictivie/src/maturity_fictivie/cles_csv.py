"""Les preuves au format CSV « clé ; type ; valeur », tel que l'exportent nos tableurs.

Les services ministériels remplissent un tableau à trois colonnes ; le séparateur est le
point-virgule (réglage français des tableurs) ou la virgule, les nombres acceptent la virgule
décimale et les espaces de milliers, les dates s'écrivent JJ/MM/AAAA ou AAAA-MM-JJ. Le type est
explicite : deviner qu'un SIRET est un nombre lui ferait perdre ses zéros de tête.

```
clé;type;valeur
fictivie.accessibilite.taux_conformite_rgaa;nombre;82,5
fictivie.accessibilite.schema_pluriannuel;texte;adopte
fictivie.accessibilite.plan_annuel_publie;booléen;oui
fictivie.accessibilite.declaration_mise_a_jour;date;15/03/2026
fictivie.etablissements.siret;liste;110 043 015 00012 | 120 001 011 00028
fictivie.accessibilite.declaration;document;documents/declaration-accessibilite.md
```

Une ligne vide ou commençant par `#` est ignorée. Toute erreur nomme la ligne et la colonne.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from typing import Any

from maturity.errors import EvidenceError
from maturity.formats import decode_text
from maturity.limits import Limits

__all__ = ["TYPES", "parse_cles_csv"]

TYPES = ("texte", "nombre", "booléen", "date", "liste", "document")
_HEADERS = ({"clé", "cle"}, {"type"}, {"valeur"})
_KEY = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?[0-9]+\.[0-9]+$")
_FRENCH_DATE = re.compile(r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$")
_BOOLEANS = {"oui": True, "vrai": True, "true": True, "non": False, "faux": False,
             "false": False}
_SPACES = str.maketrans("", "", " \u00a0\u202f")


class _RowError(Exception):
    def __init__(self, column: int, message: str, expected: str, found: str, fix: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message
        self.expected = expected
        self.found = found
        self.fix = fix


def _number(text: str) -> int | float:
    compact = text.translate(_SPACES).replace(",", ".")
    if _INTEGER.match(compact):
        return int(compact)
    if _DECIMAL.match(compact):
        number = float(compact)
        if math.isfinite(number):
            return number
    raise _RowError(3, "nombre illisible", "un nombre, par exemple 82,5 ou 1 250", repr(text),
                    "écrivez le nombre avec des chiffres et au plus une virgule")


def _date(text: str) -> dt.date:
    french = _FRENCH_DATE.match(text)
    try:
        if french:
            day, month, year = (int(g) for g in french.groups())
            return dt.date(year, month, day)
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise _RowError(3, "date illisible ou impossible", "une date JJ/MM/AAAA ou AAAA-MM-JJ",
                    repr(text), "corrigez la date (par exemple 31/03/2026)")


def _value(kind: str, text: str) -> Any:
    if kind == "texte":
        return text
    if kind == "nombre":
        return _number(text)
    if kind in ("booléen", "booleen"):
        flag = _BOOLEANS.get(text.lower())
        if flag is None:
            raise _RowError(3, "booléen illisible", "oui ou non (ou vrai, faux)", repr(text),
                            "écrivez oui ou non")
        return flag
    if kind == "date":
        return _date(text)
    if kind == "liste":
        return [item.strip() for item in text.split("|") if item.strip()]
    if kind == "document":
        if not text:
            raise _RowError(3, "document sans chemin", "un chemin dans le dossier de preuves",
                            "rien", "donnez le chemin du document, par exemple documents/x.pdf")
        return {"document": text}
    raise _RowError(2, f"type inconnu {kind!r}", "l'un de " + ", ".join(TYPES), repr(kind),
                    "choisissez un des types")


def _store(tree: dict[str, Any], key: str, value: Any, seen: dict[str, int], line: int) -> None:
    parts = key.split(".")
    node = tree
    for depth, part in enumerate(parts[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            prefix = ".".join(parts[: depth + 1])
            raise _RowError(1, f"{prefix!r} a déjà une valeur (ligne {seen[prefix]})",
                            "une clé qui n'est pas déjà une valeur", repr(key),
                            "renommez l'une des deux clés")
        node = child
    if parts[-1] in node:
        where = f"ligne {seen[key]}" if key in seen else "des clés plus longues"
        raise _RowError(1, f"la clé {key!r} est déjà donnée ({where})", "chaque clé une fois",
                        repr(key), "gardez une seule des deux lignes")
    node[parts[-1]] = value
    seen[key] = line


def parse_cles_csv(data: bytes, display: str, limits: Limits) -> dict[str, Any]:
    """L'arbre de preuves d'un fichier CSV clé/type/valeur."""
    text = decode_text(data, display, EvidenceError)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                      strict=True)
    tree: dict[str, Any] = {}
    seen: dict[str, int] = {}
    header_done = False
    try:
        for line, row in enumerate(rows, start=1):
            if line > limits.max_sheet_rows:
                raise EvidenceError(
                    "trop de lignes",
                    code="file.too-large",
                    file=display,
                    location=f"ligne {line}",
                    expected=f"au plus {limits.max_sheet_rows} lignes (limite max_sheet_rows)",
                    found=f"plus de {limits.max_sheet_rows}",
                    fix="découpez le fichier ou relevez la limite",
                )
            cells = [cell.strip() for cell in row]
            if not any(cells) or cells[0].startswith("#"):
                continue
            if not header_done:
                if len(cells) != 3 or any(c.lower() not in h for c, h in zip(cells, _HEADERS,
                                                                             strict=False)):
                    raise EvidenceError(
                        "en-tête inattendu",
                        code="evidence.csv-header",
                        file=display,
                        location=f"ligne {line}",
                        expected=f"clé{delimiter}type{delimiter}valeur",
                        found=delimiter.join(cells),
                        fix="commencez le fichier par la ligne d'en-tête "
                            f"clé{delimiter}type{delimiter}valeur",
                    )
                header_done = True
                continue
            try:
                if len(cells) != 3:
                    raise _RowError(len(cells), f"{len(cells)} colonnes au lieu de 3",
                                    "clé, type et valeur", delimiter.join(cells),
                                    "mettez entre guillemets une valeur qui contient le "
                                    f"séparateur {delimiter!r}")
                key, kind, raw = cells
                if not _KEY.match(key):
                    raise _RowError(1, "clé invalide",
                                    "des mots séparés par des points (lettres, chiffres, _ ou -)",
                                    repr(key), "corrigez la clé, par exemple fictivie.a.b")
                _store(tree, key, _value(kind.lower(), raw), seen, line)
            except _RowError as exc:
                raise EvidenceError(
                    exc.message,
                    code="evidence.csv-value",
                    file=display,
                    location=f"ligne {line}, colonne {exc.column}",
                    expected=exc.expected,
                    found=exc.found,
                    fix=exc.fix,
                ) from None
    except csv.Error as exc:
        raise EvidenceError(
            f"CSV illisible : {exc}",
            code="file.syntax",
            file=display,
            location=f"ligne {rows.line_num}",
            expected="un CSV clé;type;valeur",
            found=str(exc),
            fix="vérifiez les guillemets de cette ligne",
        ) from None
    if not header_done:
        raise EvidenceError(
            "fichier sans en-tête",
            code="evidence.csv-header",
            file=display,
            expected="clé;type;valeur puis une ligne par preuve",
            found="aucune ligne",
            fix="ajoutez l'en-tête et les preuves",
        )
    return tree
