"""The `egbr-csv` report format: records as the publisher's scores_2022.csv.

One row per country, scope (life event or the average) and indicator, dimension or overall
score, with the publisher's column names and labels, so the file can be compared line by line
with the published one. Values are the records' exact doubles, written as the publisher writes
them (shortest text that reads back as the same double; whole numbers without ".0").
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

from maturity.errors import RecordError

__all__ = ["COLUMNS", "published_number", "render_egbr_csv", "score_rows"]

PACK_ID = "egov-benchmark-2023"
COLUMNS = ("country", "life_event_or_scope", "node", "value")


def published_number(text: str) -> str:
    """A record's exact value in the publisher's spelling: 100.0 is written 100."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {text!r}")
    shortest = repr(value)
    return shortest[:-2] if shortest.endswith(".0") else shortest


def _bad_record(record: Mapping[str, Any], message: str, location: str, found: str) -> RecordError:
    organisation = record.get("organisation")
    name = organisation.get("id") if isinstance(organisation, Mapping) else None
    return RecordError(
        message, code="record.egov-benchmark", file=f"record of {name or 'unknown'}",
        location=location,
        expected="a record assessed with --pack egov-benchmark-2023 (its hierarchy scores)",
        found=found, fix="assess the countries with maturity assess DIR --pack egov-benchmark-2023")


def score_rows(record: Mapping[str, Any]) -> list[tuple[str, str, str, str]]:
    """(country, scope label, node label, value) for every published cell of one record."""
    scores = record.get("scores")
    hierarchy = scores.get(PACK_ID, {}).get("hierarchy") if isinstance(scores, Mapping) else None
    where = f"scores.{PACK_ID}.hierarchy"
    if not isinstance(hierarchy, Mapping):
        raise _bad_record(record, "the record has no eGovernment Benchmark scores", where,
                          "no hierarchy scores for the pack")
    organisation = record.get("organisation") or {}
    country = str(organisation.get("country") or organisation.get("id", "")).upper()
    rows: list[tuple[str, str, str, str]] = []
    try:
        scopes = [(str(s["id"]), str(s["label"])) for s in hierarchy["scopes"]]
        for node in hierarchy["nodes"]:
            if not node.get("label"):
                continue
            for scope_id, scope_label in scopes:
                text = node["values"].get(scope_id)
                if text is not None:
                    rows.append((country, scope_label, str(node["label"]),
                                 published_number(str(text))))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _bad_record(record, "the record's hierarchy scores are malformed", where,
                          f"{type(exc).__name__}: {exc}") from None
    return rows


def render_egbr_csv(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerows(score_rows(record))
    return buffer.getvalue().encode("utf-8")
