"""Le contrôle `siret` : un numéro SIRET (ou une liste de numéros) est-il valide ?

Fictivie immatricule ses établissements publics comme la France : un SIRET de 14 chiffres, dont
les 9 premiers forment le SIREN de l'entité ; SIREN et SIRET portent chacun une clé de Luhn. Les
établissements de La Poste (SIREN 356000000) suivent une règle à part : la somme des chiffres du
SIRET est un multiple de 5.

Dans une règle : `{ path = "fictivie.etablissements.siret", siret = true }`. Un texte donne 1
(valide) ou 0 (clé fausse) ; une liste donne la part des numéros valides (crédit partiel) ; un
nombre est une erreur de forme, car un nombre perd les zéros de tête.
"""

from __future__ import annotations

from typing import Any

from pydantic import StrictBool

from maturity.checks import BadShape, CheckType, EvalContext, Result

__all__ = ["SIRET_CHECK", "luhn_valid", "siret_valid"]

LA_POSTE_SIREN = "356000000"
_SPACES = str.maketrans("", "", " \u00a0\u202f")


def luhn_valid(digits: str) -> bool:
    """La clé de Luhn : en doublant un chiffre sur deux depuis la droite, la somme est un
    multiple de 10."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def siret_valid(siret: str) -> bool:
    """14 chiffres, SIREN et SIRET valides (règle de La Poste pour ses établissements)."""
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return False
    if siret.startswith(LA_POSTE_SIREN):
        return luhn_valid(siret) or sum(int(c) for c in siret) % 5 == 0
    return luhn_valid(siret[:9]) and luhn_valid(siret)


def _normalised(value: Any, path: str) -> str | BadShape:
    if not isinstance(value, str):
        kind = "un nombre" if isinstance(value, int | float) else type(value).__name__
        return BadShape(path, "un SIRET en texte (14 chiffres ; un nombre perd ses zéros de tête)",
                        kind)
    text = value.translate(_SPACES)
    if len(text) != 14 or not text.isascii() or not text.isdigit():
        return BadShape(path, "un SIRET de 14 chiffres", repr(value))
    return text


def _build_siret(flag: bool) -> Any:
    if not flag:
        raise ValueError("écrivez `siret = true` ; pour exiger l'invalidité, utilisez `not`")

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        items = value if isinstance(value, list) else [value]
        if not items:
            return 0.0
        valid = 0
        for item in items:
            text = _normalised(item, path)
            if isinstance(text, BadShape):
                return text
            valid += siret_valid(text)
        return valid / len(items)

    return test


SIRET_CHECK = CheckType(
    "siret",
    StrictBool,
    _build_siret,
    lambda _flag: "est un numéro SIRET valide (part des numéros valides pour une liste)",
    summary="numéro SIRET valide (clé de Luhn), crédit partiel pour une liste",
)
