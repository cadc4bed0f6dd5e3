"""The EU eGovernment Benchmark 2023 for `maturity`: the published method as a rule pack.

Contributes, through the engine's hooks:

- the pack `egov-benchmark-2023` (not run by default: `--pack egov-benchmark-2023`): one rule
  per service score, portal score and life event, each a `survey` check over the mystery
  shoppers' answers;
- the scoring model `egov-benchmark-2023` (hierarchy.toml): indicators, dimensions, overall
  score per life event and their average, as a hierarchy with the publisher's weights and
  missing-value rules; it scores the pack whatever `--scoring` says;
- a bundle source: a directory in the publisher's layout (services.csv, …) is read as one
  evidence bundle per country;
- the report format `egbr-csv`: the records of a run as the publisher's scores_2022.csv.

Source: European Commission, DG CONNECT, eGovernment Benchmark 2023 (CC BY 4.0).
"""

from __future__ import annotations

import functools
import hashlib
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from maturity.hookspecs import BundleSource, PackLocation, ReportFormat, hookimpl
from maturity.scoring import ScoringModel

if TYPE_CHECKING:
    from maturity.aggregation import Hierarchy

__all__ = ["MATURITY_PLUGIN_API", "PACK_ID", "hierarchy", "scoring_model"]

MATURITY_PLUGIN_API = ">=1,<2"
PACK_ID = "egov-benchmark-2023"

try:
    __version__ = version("maturity-egov-benchmark")
except PackageNotFoundError:  # read from the sources without installation
    __version__ = "0+source"

_DATA = files("maturity_egov_benchmark")


@functools.cache
def hierarchy() -> Hierarchy:
    """The benchmark's hierarchy (read once per process)."""
    from maturity.aggregation import hierarchy_from_document
    from maturity.errors import PackError
    from maturity.formats import parse_toml

    data = (_DATA / "hierarchy.toml").read_bytes()
    display = "egov-benchmark:hierarchy.toml"
    return hierarchy_from_document(parse_toml(data, display, PackError), file=display,
                                   sha256=hashlib.sha256(data).hexdigest())


def scoring_model() -> ScoringModel:
    from maturity.aggregation import hierarchy_model

    return hierarchy_model(hierarchy())


@hookimpl
def maturity_rule_packs() -> list[PackLocation]:
    return [PackLocation(_DATA / "rules" / PACK_ID, f"egov-benchmark:rules/{PACK_ID}",
                         default=False)]


@hookimpl
def maturity_scoring_models() -> list[ScoringModel]:
    return [scoring_model()]


@hookimpl
def maturity_bundle_source(path: Path) -> BundleSource | None:
    from maturity_egov_benchmark.source import is_benchmark_directory, read_countries

    if not is_benchmark_directory(path):
        return None
    return BundleSource(PACK_ID, lambda: read_countries(path))


@hookimpl
def maturity_report_formats() -> list[ReportFormat]:
    from maturity_egov_benchmark.report import render_egbr_csv

    return [ReportFormat(
        "egbr-csv", ".csv",
        "EU eGovernment Benchmark scores of every country of a run, laid out as the "
        "publisher's scores_2022.csv", render_egbr_csv, batch=True)]
