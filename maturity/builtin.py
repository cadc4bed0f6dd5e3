"""The built-in plugin: packs, checks, loaders, scoring models and report formats.

Registered through the same hooks as any third-party plugin, so the plugin API is exercised by
the core itself on every run.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from importlib.resources import files
from typing import Any

from maturity.checks import BUILTIN_CHECK_TYPES, CheckType
from maturity.evidence import EvidenceLoader
from maturity.formats import parse_json, parse_toml, parse_yaml
from maturity.hookspecs import PackLocation, ReportFormat, hookimpl
from maturity.limits import Limits
from maturity.scoring import BUILTIN_SCORING_MODELS, ScoringModel
from maturity.survey import SURVEY_CHECK

MATURITY_PLUGIN_API = ">=1,<2"

Renderer = Callable[[Sequence[Mapping[str, Any]], Mapping[str, Any]], bytes]

#: The built-in packs, by directory under `rules/`.
BUILTIN_PACK_DIRS = ("dgpf", "skills")


def _toml(data: bytes, display: str, limits: Limits) -> Any:
    from maturity.errors import EvidenceError

    return parse_toml(data, display, EvidenceError)


def _json(data: bytes, display: str, limits: Limits) -> Any:
    from maturity.errors import EvidenceError

    return parse_json(data, display, EvidenceError)


def _yaml(data: bytes, display: str, limits: Limits) -> Any:
    from maturity.errors import EvidenceError

    return parse_yaml(data, display, EvidenceError)


def _xlsx(data: bytes, display: str, limits: Limits) -> Any:
    from maturity.spreadsheet import read_evidence_workbook

    return read_evidence_workbook(data, display, limits)


@hookimpl
def maturity_rule_packs() -> list[PackLocation]:
    root = files("maturity.rules")
    return [
        PackLocation(root / name, f"rules/{name}")
        for name in BUILTIN_PACK_DIRS
        if (root / name / "pack.toml").is_file()
    ]


@hookimpl
def maturity_check_types() -> list[CheckType]:
    return [*BUILTIN_CHECK_TYPES, SURVEY_CHECK]


@hookimpl
def maturity_evidence_loaders() -> list[EvidenceLoader]:
    return [
        EvidenceLoader("toml", (".toml",), _toml),
        EvidenceLoader("json", (".json",), _json),
        EvidenceLoader("yaml", (".yaml", ".yml"), _yaml),
        EvidenceLoader("xlsx", (".xlsx",), _xlsx),
    ]


@hookimpl
def maturity_scoring_models() -> list[ScoringModel]:
    return list(BUILTIN_SCORING_MODELS)


@hookimpl
def maturity_report_formats() -> list[ReportFormat]:
    # Listed without importing the renderers: jinja2, Babel and the OSCAL code load only when a
    # report in their format is written (a JSON record needs none of them).
    def lazy(module: str, function: str) -> Renderer:
        def render(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
            renderer: Renderer = getattr(importlib.import_module(module), function)
            return renderer(records, options)

        return render

    return [
        ReportFormat("json", ".json", "the canonical assessment record",
                     lazy("maturity.report", "render_json")),
        ReportFormat("html", ".html", "a self-contained HTML report (inline CSS and SVG, "
                     "printable on A4)", lazy("maturity.report", "render_html")),
        ReportFormat("md", ".md", "a Markdown report for wikis and pull requests",
                     lazy("maturity.report", "render_markdown")),
        ReportFormat("csv", ".csv", "scores in long form (entity, node, value) for open data",
                     lazy("maturity.report", "render_csv")),
        ReportFormat("oscal-ar", ".oscal-ar.json", "OSCAL 1.1 assessment results",
                     lazy("maturity.oscal", "render_assessment_results")),
        ReportFormat("oscal-poam", ".oscal-poam.json",
                     "OSCAL 1.1 plan of action and milestones (from the roadmap)",
                     lazy("maturity.oscal", "render_poam")),
    ]
