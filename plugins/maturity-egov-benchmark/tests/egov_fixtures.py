"""What the plugin's tests share: the published data, a session with the plugin, the known
publisher deviations. (A plain module rather than conftest.py: plugin test directories sit side
by side in one pytest run.)"""

from __future__ import annotations

import csv
import functools
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import maturity_egov_benchmark
import pytest
from maturity_egov_benchmark.source import LAYOUT, read_countries

from maturity.api import Assessment, Session, assess_bundle, provenance_for
from maturity.plugins import create_host

PLUGIN_ROOT = Path(__file__).resolve().parents[1]
#: The shared data sit beside the repository (../shared from its root), never inside it.
DATA = PLUGIN_ROOT.parents[1] / ".." / "shared" / "data" / "egov-benchmark-2023"
PUBLISHED = DATA / "published"

needs_data = pytest.mark.skipif(
    not (DATA / "services.csv").is_file(),
    reason=f"the published benchmark data are not at {DATA} (../shared/data beside the repo)",
)

#: Published service cells that follow from no rule (data README, "Known publisher
#: deviations"): (country, life event, published node, published value, what the answers give).
SERVICE_DEVIATIONS = {
    ("SI", "Family", "1.2 Register child with competent authority::eID"): (0.0, None),
    ("SI", "Family", "1.2 Register child with competent authority::eDocuments"): (0.0, None),
    ("LT", "Business Start-up",
     "6.2 Register employee before first workday::eDocuments score"): (0.0, None),
}

#: The indicators, dimensions and averages those cells propagate to (scores_2022.csv).
SCORE_DEVIATIONS = {
    ("SI", "Family (2022)", "3.1 eID"), ("SI", "Average (2022)", "3.1 eID"),
    ("SI", "Family (2022)", "3.2 eDocuments"), ("SI", "Average (2022)", "3.2 eDocuments"),
    ("SI", "Family (2022)", "3. Key Enablers"), ("SI", "Average (2022)", "3. Key Enablers"),
    ("SI", "Family (2022)", "0. OVERALL SCORE"), ("SI", "Average (2022)", "0. OVERALL SCORE"),
    ("LT", "Business Start-up (2022)", "4.4 Cross-border eDocuments"),
    ("LT", "Average (2022)", "4.4 Cross-border eDocuments"),
    ("LT", "Business Start-up (2022)", "4. Cross-border services"),
    ("LT", "Average (2022)", "4. Cross-border services"),
    ("LT", "Business Start-up (2022)", "0. OVERALL SCORE"),
    ("LT", "Average (2022)", "0. OVERALL SCORE"),
}

TOLERANCE = 1e-9


def plugin_session() -> Session:
    """A session with the built-in plugin and this one only, whatever else is installed."""
    return Session(host=create_host(autoload=False,
                                    extra=[("egov-benchmark", maturity_egov_benchmark)]))


def assess_directory(directory: Path, session: Session | None = None) -> dict[str, Assessment]:
    """Every country of a directory in the publisher's layout, assessed with the pack."""
    session = session or plugin_session()
    rules, changes = session.load_rules([maturity_egov_benchmark.PACK_ID])
    model = session.scoring_model("oecd-dgi")
    provenance = provenance_for(session, changes)
    return {
        bundle.organisation.country or bundle.organisation.id: assess_bundle(
            bundle, rules, model=model, provenance=provenance)
        for bundle in read_countries(directory)
    }


@functools.cache
def full_run() -> dict[str, Assessment]:
    return assess_directory(DATA)


def read_published(name: str) -> dict[tuple[str, str, str], str]:
    with (PUBLISHED / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][3] == "value"
    return {(r[0], r[1], r[2]): r[3] for r in rows[1:]}


def service_cells(run: Mapping[str, Assessment]) -> dict[tuple[str, str, str], float]:
    """Every computed service score, keyed like the published files (through each rule's
    reference to the published cell)."""
    pack = next(iter(run.values())).rules.pack(maturity_egov_benchmark.PACK_ID)
    published_as = {r.id: (r.references[0].section, r.references[0].item) for r in pack.rules
                    if r.references and "::" in (r.references[0].item or "")}
    cells: dict[tuple[str, str, str], float] = {}
    for country, assessment in run.items():
        hierarchy = assessment.scores[maturity_egov_benchmark.PACK_ID].hierarchy
        assert hierarchy is not None
        for rule, value in hierarchy.leaves.items():
            if value is not None and rule in published_as:
                section, item = published_as[rule]
                cells[(country, str(section), str(item))] = value
    return cells


def score_cells(run: Mapping[str, Assessment]) -> dict[tuple[str, str, str], float]:
    """Every computed labelled node, keyed like scores_2022.csv."""
    cells: dict[tuple[str, str, str], float] = {}
    for country, assessment in run.items():
        hierarchy = assessment.scores[maturity_egov_benchmark.PACK_ID].hierarchy
        assert hierarchy is not None
        labels = dict(hierarchy.scopes)
        for node in hierarchy.nodes:
            if node.label:
                for scope, value in node.values.items():
                    if value is not None:
                        cells[(country, labels[scope], node.label)] = value
    return cells


def differences(published: Mapping[tuple[str, str, str], str],
                computed: Mapping[tuple[str, str, str], float]) -> set[tuple[str, str, str]]:
    """Cells published but not computed, computed but not published, or apart by > 1e-9."""
    keys = set(published) | set(computed)
    return {k for k in keys if k not in published or k not in computed
            or abs(float(published[k]) - computed[k]) > TOLERANCE}


def copy_countries(target: Path, countries: Iterable[str]) -> Path:
    """The data directory's CSV files cut down to some countries (published/ left out)."""
    keep = set(countries)
    target.mkdir(parents=True, exist_ok=True)
    for name in LAYOUT:
        with (DATA / name).open(encoding="utf-8", newline="") as source:
            rows = list(csv.reader(source))
        with (target / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(rows[0])
            writer.writerows(r for r in rows[1:] if r[rows[0].index("Country")] in keep)
    return target


def copy_layout(target: Path) -> Path:
    """The data directory's CSV files, unchanged, without published/."""
    target.mkdir(parents=True, exist_ok=True)
    for name in LAYOUT:
        shutil.copyfile(DATA / name, target / name)
    return target


def as_float(text: Any) -> float:
    return float(str(text))
