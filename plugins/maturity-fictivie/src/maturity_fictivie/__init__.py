"""Le greffon de la République de Fictivie pour `maturity`.

L'Agence nationale du numérique de Fictivie (ANNF) y publie ce que l'évaluation nationale ajoute
au cadre de l'OCDE, sans toucher au moteur :

- le référentiel `fictivie-rgn` (règles en français, avec leurs cas de test) ;
- le profil `fictivie-2026`, qui repondère des règles de l'OCDE que la loi fictivienne rend
  prioritaires (appliqué seulement sur demande : `maturity assess --profile fictivie-2026`) ;
- le contrôle `siret` (numéro d'établissement valide) ;
- le lecteur de preuves CSV « clé ; type ; valeur » (`.csv`) ;
- un catalogue de traductions françaises du cadre de l'OCDE.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files

from maturity.catalogues import TranslationCatalogue, load_catalogue
from maturity.checks import CheckType
from maturity.evidence import EvidenceLoader
from maturity.hookspecs import PackLocation, hookimpl
from maturity.loaders import load_profile
from maturity.profiles import Profile
from maturity_fictivie.cles_csv import parse_cles_csv
from maturity_fictivie.siret import SIRET_CHECK

__all__ = ["MATURITY_PLUGIN_API", "PACK_ID", "PROFILE_ID"]

#: Les versions de l'API des greffons que ce greffon sait servir.
MATURITY_PLUGIN_API = ">=1,<2"

PACK_ID = "fictivie-rgn"
PROFILE_ID = "fictivie-2026"

try:
    __version__ = version("maturity-fictivie")
except PackageNotFoundError:  # lu depuis les sources sans installation
    __version__ = "0+source"

_DATA = files("maturity_fictivie")


@hookimpl
def maturity_rule_packs() -> list[PackLocation]:
    return [PackLocation(_DATA / "regles", "fictivie:regles", default=False)]


@hookimpl
def maturity_check_types() -> list[CheckType]:
    return [SIRET_CHECK]


@hookimpl
def maturity_evidence_loaders() -> list[EvidenceLoader]:
    return [EvidenceLoader("csv-cles", (".csv",), parse_cles_csv)]


@hookimpl
def maturity_translations() -> list[TranslationCatalogue]:
    return [load_catalogue(_DATA / "traductions" / "oecd-dgpf.fr.toml",
                           display="fictivie:traductions/oecd-dgpf.fr.toml")]


@hookimpl
def maturity_profiles() -> list[Profile]:
    return [load_profile(_DATA / "profils" / "fictivie-2026.toml")]
