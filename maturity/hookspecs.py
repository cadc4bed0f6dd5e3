"""The plugin hooks: everything a country team can add without forking the engine.

Every hook is prefixed `maturity_`. Implement them in a module (or an object), decorate each
with `maturity.hookimpl`, and expose the module under the entry-point group `maturity`:

```toml
[project.entry-points.maturity]
my-country = "my_country_plugin"
```

The module declares the plugin-API versions it supports, e.g. `MATURITY_PLUGIN_API = ">=1,<2"`;
a range that excludes this engine's `PLUGIN_API` stops the run at load time. The built-in packs,
checks, loaders, scoring models and report formats are registered through these same hooks
(`maturity.builtin`). The engine reaches the hooks only through `maturity.plugins.PluginHost`,
which calls every implementation once, checks what it returns and names the plugin when one
raises. Hook wrappers are not supported: each implementation contributes, none filters another.
See docs/plugins.md for the author's guide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from maturity.catalogues import TranslationCatalogue

if TYPE_CHECKING:
    from maturity.checks import CheckType
    from maturity.evidence import EvidenceLoader
    from maturity.model import EvidenceBundle
    from maturity.profiles import Profile
    from maturity.scoring import ScoringModel

__all__ = [
    "HOOK_NAMES",
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


@hookspec
def maturity_rule_packs() -> list[PackLocation]:  # type: ignore[empty-body]
    """Rule pack directories this plugin contributes.

    Returns: a list of `PackLocation(path, display, default=True)`; `path` is a directory (a
    `pathlib.Path` or an `importlib.resources` traversable) holding `pack.toml` and rule files.
    Packs with `default=True` run when no `--pack` is given. A pack id provided twice is an
    error.
    Parameters: none. Called once per run, when packs are first needed.

    Example::

        @hookimpl
        def maturity_rule_packs():
            return [PackLocation(files("my_plugin") / "rules", "my-plugin:rules")]
    """


@hookspec
def maturity_check_types() -> list[CheckType]:  # type: ignore[empty-body]
    """Check operators this plugin adds to the closed vocabulary.

    Returns: a list of `maturity.checks.CheckType(operator, params, build, describe)`: `params`
    is the pydantic type of the operator's parameter, `build(param)` returns a test
    `(value, ctx, path) -> float | BadShape` (raise ValueError to reject a parameter), and
    `describe(param)` the condition's text. An operator name must be new.
    Parameters: none. Called once per run, before packs are compiled.

    Example::

        @hookimpl
        def maturity_check_types():
            return [CheckType("siret", StrictBool, build_siret, lambda v: "is a valid SIRET")]
    """


@hookspec
def maturity_evidence_loaders() -> list[EvidenceLoader]:  # type: ignore[empty-body]
    """Parsers for evidence file types, chosen by file suffix.

    Returns: a list of `maturity.evidence.EvidenceLoader(name, suffixes, parse)`, where
    `parse(data: bytes, display: str, limits: Limits)` returns the file's evidence tree (a
    dict) or raises `EvidenceError` naming the line. A suffix claimed twice is an error.
    Parameters: none. Called once per run, before the first bundle is read.

    Example::

        @hookimpl
        def maturity_evidence_loaders():
            return [EvidenceLoader("ini", (".ini",), parse_ini)]
    """


@hookspec(firstresult=True)
def maturity_bundle_source(path: Path) -> BundleSource | None:
    """Read a directory of a plugin's own layout as a set of bundles, or decline with None.

    Returns: a `BundleSource(name, bundles)` whose `bundles()` yields `EvidenceBundle`s, or
    None when `path` is not in the plugin's layout. The first plugin (built-in first, then by
    name) that returns a source wins.
    Parameters: `path`, a directory named on the command line.
    Called for every directory given to `maturity assess`.

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

    Returns: a list of `maturity.scoring.ScoringModel(name, description, rule_score, index)`;
    `rule_score(rules)` aggregates scored rules into [0, 1], `index(dimension_scores, groups)`
    combines the dimensions. A model name given twice is an error. A model with `packs` and a
    `hierarchy` (`maturity.aggregation.hierarchy_model`) always scores those packs, node by
    node, whatever `--scoring` says.
    Parameters: none. Called once per run.

    Example::

        @hookimpl
        def maturity_scoring_models():
            return [ScoringModel("minimum", "lowest credit", lowest, lambda d, g: min(d))]
    """


@hookspec
def maturity_report_formats() -> list[ReportFormat]:  # type: ignore[empty-body]
    """Report formats, chosen by name with `--format`.

    Returns: a list of `ReportFormat(name, suffix, description, render, batch=False)`;
    `render(records, options)` returns the file's bytes. A format name given twice is an
    error.
    Parameters: none. Called once per run.

    Example::

        @hookimpl
        def maturity_report_formats():
            return [ReportFormat("xml", ".xml", "records as XML", render_xml)]
    """


@hookspec
def maturity_translations() -> list[TranslationCatalogue]:  # type: ignore[empty-body]
    """Translation catalogues: a pack's texts and report messages in another locale.

    Returns: a list of `maturity.catalogues.TranslationCatalogue` (usually read with
    `load_catalogue`). Its translations are written into the pack's elements when the pack is
    loaded; they replace the pack's own translation for that locale, and one naming an
    element the pack lacks is an error.
    Parameters: none. Called once per run, when packs are loaded.

    Example::

        @hookimpl
        def maturity_translations():
            return [load_catalogue(files("my_plugin") / "fr.toml")]
    """


@hookspec
def maturity_profiles() -> list[Profile]:  # type: ignore[empty-body]
    """Tailoring profiles this plugin offers (weights, levels, checks, selections, new rules).

    Returns: a list of `maturity.profiles.Profile` (usually read with
    `maturity.loaders.load_profile`). A profile is applied only when chosen by its id
    (`maturity assess --profile ID`), so installing a plugin never re-weights packs silently;
    every change it makes, with its reason and author, is listed in the record. A profile id
    given twice is an error.
    Parameters: none. Called once per run.

    Example::

        @hookimpl
        def maturity_profiles():
            return [load_profile(files("my_plugin") / "profile.toml")]
    """


HOOK_NAMES: tuple[str, ...] = tuple(
    sorted(name for name in tuple(globals()) if name.startswith("maturity_"))
)
