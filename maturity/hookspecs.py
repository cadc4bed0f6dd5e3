"""The plugin hooks: everything a country team can add without forking the engine.

Every hook is prefixed `maturity_`. Implement them in a module or class, decorate each with
`maturity.hookimpl`, and expose the module under the entry-point group `maturity`:

```toml
[project.entry-points.maturity]
my-country = "my_country_plugin"
```

The module declares the plugin-API versions it supports, e.g. `MATURITY_PLUGIN_API = ">=1,<2"`;
an unsupported range stops the run at load time. The built-in packs, checks, loaders, scoring
models and report formats are registered through these same hooks (`maturity.builtin`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from maturity.checks import CheckType
    from maturity.evidence import EvidenceLoader
    from maturity.model import EvidenceBundle, Translation
    from maturity.profiles import Profile
    from maturity.scoring import ScoringModel

__all__ = [
    "PLUGIN_API",
    "BundleSource",
    "PackLocation",
    "ReportFormat",
    "TranslationCatalogue",
    "hookimpl",
    "hookspec",
]

#: The plugin API this engine implements; plugins declare the range they support.
PLUGIN_API = "1.0"

hookspec = pluggy.HookspecMarker("maturity")
hookimpl = pluggy.HookimplMarker("maturity")


@dataclass(frozen=True, slots=True)
class PackLocation:
    """Where a rule pack's directory is. `default` packs run when no `--pack` is given."""

    path: Path | Traversable
    display: str
    default: bool = True


@dataclass(frozen=True, slots=True)
class BundleSource:
    """Bundles a plugin reads from a directory of its own layout (one per organisation)."""

    name: str
    bundles: Callable[[], Iterable[EvidenceBundle]]


@dataclass(frozen=True, slots=True)
class ReportFormat:
    """Renders one or more assessment records into a file.

    `render(records, options)` gets canonical record dicts and returns the file's bytes;
    `batch=True` formats take every record of a run and write one file.
    """

    name: str
    suffix: str
    description: str
    render: Callable[[Sequence[Mapping[str, Any]], Mapping[str, Any]], bytes]
    batch: bool = False


@dataclass(frozen=True, slots=True)
class TranslationCatalogue:
    """Translations for one locale: pack texts by element id and template messages."""

    locale: str
    pack: str | None = None
    texts: Mapping[str, Translation] = field(default_factory=dict)
    messages: Mapping[str, str] = field(default_factory=dict)


@hookspec
def maturity_rule_packs() -> list[PackLocation]:  # type: ignore[empty-body]
    """Rule pack directories this plugin contributes.

    Return a list of `PackLocation`. Pack ids must be unique across plugins.

    Example::

        @hookimpl
        def maturity_rule_packs():
            return [PackLocation(files("my_plugin") / "rules", "my-plugin:rules")]
    """


@hookspec
def maturity_check_types() -> list[CheckType]:  # type: ignore[empty-body]
    """Check operators this plugin adds to the closed vocabulary.

    Return a list of `maturity.checks.CheckType`; each operator name must be new.

    Example::

        @hookimpl
        def maturity_check_types():
            return [CheckType("siret", StrictStr, build_siret_test, lambda v: "is a SIRET")]
    """


@hookspec
def maturity_evidence_loaders() -> list[EvidenceLoader]:  # type: ignore[empty-body]
    """Parsers for evidence file types, by suffix.

    Return a list of `maturity.evidence.EvidenceLoader(name, suffixes, parse)` where
    `parse(data: bytes, display: str, limits: Limits)` returns the evidence tree.

    Example::

        @hookimpl
        def maturity_evidence_loaders():
            return [EvidenceLoader("ini", (".ini",), parse_ini)]
    """


@hookspec(firstresult=True)
def maturity_bundle_source(path: Path) -> BundleSource | None:
    """Read a directory of a plugin's own layout as a set of bundles, or return None.

    The first plugin that recognises `path` wins.

    Example::

        @hookimpl
        def maturity_bundle_source(path):
            if (path / "services.csv").is_file():
                return BundleSource("egov", lambda: read_countries(path))
            return None
    """


@hookspec
def maturity_scoring_models() -> list[ScoringModel]:  # type: ignore[empty-body]
    """Scoring models, chosen by name with `--scoring`.

    Return a list of `maturity.scoring.ScoringModel`.

    Example::

        @hookimpl
        def maturity_scoring_models():
            return [ScoringModel("strict", "…", rule_score, index)]
    """


@hookspec
def maturity_report_formats() -> list[ReportFormat]:  # type: ignore[empty-body]
    """Report formats, chosen by name with `--format`.

    Example::

        @hookimpl
        def maturity_report_formats():
            return [ReportFormat("xml", ".xml", "…", render_xml)]
    """


@hookspec
def maturity_translations() -> list[TranslationCatalogue]:  # type: ignore[empty-body]
    """Translation catalogues: pack texts and report messages for a locale.

    Example::

        @hookimpl
        def maturity_translations():
            return [TranslationCatalogue("fr", "oecd-dgpf", texts={...})]
    """


@hookspec
def maturity_profiles() -> list[Profile]:  # type: ignore[empty-body]
    """Tailoring profiles applied to the packs before evaluation (weights, levels, checks).

    Every change carries a reason and an author, and the record lists it.

    Example::

        @hookimpl
        def maturity_profiles():
            return [load_profile(files("my_plugin") / "profile.toml")]
    """


HOOK_NAMES: Sequence[str] = (
    "maturity_rule_packs",
    "maturity_check_types",
    "maturity_evidence_loaders",
    "maturity_bundle_source",
    "maturity_scoring_models",
    "maturity_report_formats",
    "maturity_translations",
    "maturity_profiles",
)
