"""Reading the benchmark's published CSV files as one evidence bundle per country.

The files are the publisher's (see the data directory's README): the service lists and the
mystery shoppers' answers, one row per URL visited. This module only reshapes them into an
evidence tree; every score is computed by the pack's rules and the scoring model. Answers are
kept exactly as published (spelling, case and blanks included): how they count is the rules'
business. Only the service lists' yes/no columns become booleans, and "." (not applicable)
and blanks become absent keys.

```
egov.services.<life event>.<service>   { label, type, applicable, proactive, level, urls = [
                                           { id, url, provider, A1 = "Yes", … } ] }
egov.cross-border-services.<life event>.<service>   (the same)
egov.portals.<life event>              { urls = [ { url, provider, B1 = "Yes", … } ] }
egov.cross-border-portals.<life event> { urls = [ … ] }
```
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from maturity.errors import EvidenceError
from maturity.evidence import bundle_from_tree
from maturity.formats import check_tree, decode_text
from maturity.limits import Limits
from maturity.model import EvidenceBundle, EvidenceFile
from maturity_egov_benchmark.keys import answer_key, life_event_key, service_key

__all__ = ["COUNTRY_NAMES", "LAYOUT", "catalogue", "is_benchmark_directory", "read_countries"]

SERVICES = "services.csv"
CB_SERVICES = "cb_services.csv"
ANSWERS = "nat_services_answers.csv"
CB_ANSWERS = "cb_services_answers.csv"
PORTALS = "nat_portals_answers.csv"
CB_PORTALS = "cb_portals_answers.csv"
#: The files of the publisher's layout (the directory may hold others, e.g. published/).
LAYOUT = (SERVICES, CB_SERVICES, ANSWERS, CB_ANSWERS, PORTALS, CB_PORTALS)

#: The 35 countries of the eGovernment Benchmark 2023, by the codes the publisher uses.
COUNTRY_NAMES = {
    "AL": "Albania", "AT": "Austria", "BE": "Belgium", "BG": "Bulgaria", "CH": "Switzerland",
    "CY": "Cyprus", "CZ": "Czechia", "DE": "Germany", "DK": "Denmark", "EE": "Estonia",
    "EL": "Greece", "GR": "Greece", "ES": "Spain", "FI": "Finland", "FR": "France",
    "HR": "Croatia", "HU": "Hungary", "IE": "Ireland", "IS": "Iceland", "IT": "Italy",
    "LT": "Lithuania", "LU": "Luxembourg", "LV": "Latvia", "ME": "Montenegro",
    "MK": "North Macedonia", "MT": "Malta", "NL": "Netherlands", "NO": "Norway", "PL": "Poland",
    "PT": "Portugal", "RO": "Romania", "RS": "Serbia", "SE": "Sweden", "SI": "Slovenia",
    "SK": "Slovakia", "TR": "Türkiye",
}

#: Columns that describe a row rather than answer a question.
_SERVICE_ROW_COLUMNS = {"ID", "Country", "Life event", "Service", "Definition", "Type", "Targer",
                        "Government level", "Year data collection", "Service Provider", "Url"}
_PORTAL_ROW_COLUMNS = {"Country", "Life event", "Label", "Description", "Type", "Target user",
                       "Year data collection", "Service provider", "URL"}


@functools.cache
def catalogue() -> dict[str, dict[tuple[str, str], str]]:
    """The benchmark's services by branch: (life event, service key) -> service type."""
    doc = tomllib.loads((files("maturity_egov_benchmark") / "catalogue.toml").read_text(
        encoding="utf-8"))
    known: dict[str, dict[tuple[str, str], str]] = {"services": {},
                                                     "cross-border-services": {}}
    for event in doc["life_events"]:
        for branch, key in (("services", "services"),
                            ("cross-border-services", "cross_border_services")):
            for service in event[key]:
                known[branch][(event["id"], service_key(service["label"]))] = service["type"]
    return known


def is_benchmark_directory(path: Path) -> bool:
    return path.is_dir() and all((path / name).is_file() for name in LAYOUT)


@dataclass(frozen=True, slots=True)
class _Table:
    """One CSV file: its rows (with their line numbers) and what the record pins of it."""

    display: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]
    file: EvidenceFile

    def error(self, message: str, line: int | None, *, column: str | None = None,
              expected: str, found: str, fix: str) -> EvidenceError:
        where = ", ".join(p for p in (f"line {line}" if line else None,
                                      f"column {column!r}" if column else None) if p)
        return EvidenceError(message, code="evidence.egov-benchmark", file=self.display,
                             location=where or None, expected=expected, found=found, fix=fix)

    def require(self, columns: Sequence[str]) -> None:
        for column in columns:
            if column not in self.header:
                raise self.error(f"no column {column!r}", 1, expected=", ".join(columns),
                                 found=", ".join(self.header)[:200] or "no header",
                                 fix="use the publisher's CSV files unchanged")


def _read(directory: Path, name: str, limits: Limits) -> _Table:
    path = directory / name
    display = f"{directory.name}/{name}"
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise EvidenceError("file too large", code="file.too-large", file=display,
                            expected=f"at most {limits.max_file_bytes} bytes (limit "
                                     "max_file_bytes)",
                            found=f"{size} bytes", fix="raise the limit with --limit")
    data = path.read_bytes()
    text = decode_text(data, display, EvidenceError)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = tuple(next(reader, ()))
        rows: list[tuple[int, dict[str, str]]] = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                raise EvidenceError(
                    "a row has the wrong number of cells", code="evidence.egov-benchmark",
                    file=display, location=f"line {reader.line_num}",
                    expected=f"{len(header)} cells, as in the header", found=f"{len(cells)}",
                    fix="quote cells that contain commas or line breaks (RFC 4180)")
            rows.append((reader.line_num, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise EvidenceError(f"not a readable CSV file: {exc}", code="file.syntax",
                            file=display, location=f"line {reader.line_num}",
                            expected="comma-separated values with RFC 4180 quoting",
                            found=str(exc), fix="use the publisher's CSV files unchanged") from None
    if len(set(header)) != len(header):
        duplicate = next(h for h in header if header.count(h) > 1)
        raise EvidenceError(f"column {duplicate!r} appears twice", code="evidence.egov-benchmark",
                            file=display, location="line 1", expected="distinct column names",
                            found=repr(duplicate), fix="use the publisher's CSV files unchanged")
    info = EvidenceFile(name, hashlib.sha256(data).hexdigest(), len(data))
    return _Table(display, header, tuple(rows), info)


def _flag(table: _Table, line: int, column: str, value: str) -> bool | None:
    """A yes/no column as a boolean; "." (not applicable) and blank are absent."""
    text = value.strip().casefold()
    if text in ("", "."):
        return None
    if text in ("yes", "no"):
        return text == "yes"
    raise table.error("not a yes/no value", line, column=column, expected="Yes, No or '.'",
                      found=repr(value), fix="correct the cell")


def _country(table: _Table, line: int, row: Mapping[str, str]) -> str:
    code = row["Country"].strip().upper()
    if not code.isalpha() or not 2 <= len(code) <= 3:
        raise table.error("not a country code", line, column="Country",
                          expected="a two-letter code such as AT", found=repr(row["Country"]),
                          fix="correct the cell")
    return code


def _services(table: _Table, countries: dict[str, dict[str, Any]], branch: str) -> None:
    table.require(["Country", "Life event", "Label service", "Service type", "Applicable",
                   "Proactive", "Government level"])
    for line, row in table.rows:
        code = _country(table, line, row)
        label = row["Label service"]
        event = life_event_key(row["Life event"])
        key = service_key(label)
        if not event or not key:
            raise table.error("a service without life event or label", line,
                              expected="a life event and a service label",
                              found=repr((row["Life event"], label)), fix="fill in both")
        # The pack scores the catalogue's services: another service, or another type (which
        # decides the 80/20 weighting), would be left out or misplaced without a word.
        listed = catalogue()[branch].get((event, key))
        kind = row["Service type"].strip()
        if listed is None or listed != kind:
            raise table.error(
                "a service the benchmark's catalogue does not list" if listed is None else
                f"a {kind or 'untyped'} service the benchmark's catalogue lists as {listed}",
                line, column="Label service" if listed is None else "Service type",
                expected="the services (and types) of the eGovernment Benchmark 2023 catalogue",
                found=repr(label if listed is None else kind),
                fix="check the life event and the service's number and type; the catalogue is "
                    "catalogue.toml in the plugin")
        services = countries.setdefault(code, {}).setdefault(branch, {}).setdefault(event, {})
        if key in services:
            raise table.error(f"service {key!r} is listed twice for {code}, {row['Life event']}",
                              line, column="Label service", expected="each service once",
                              found=repr(label), fix="remove the duplicate row")
        service: dict[str, Any] = {"label": label, "type": kind}
        for column, name in (("Applicable", "applicable"), ("Proactive", "proactive"),
                             ("Mandatory online", "mandatory_online")):
            if column in row:
                flag = _flag(table, line, column, row[column])
                if flag is not None:
                    service[name] = flag
        level = row["Government level"].strip()
        if level not in ("", "."):
            service["level"] = level
        year = row.get("Year data collection", "").strip()
        if year:
            service["year"] = year
        service["urls"] = []
        services[key] = service


def _answers(table: _Table, countries: dict[str, dict[str, Any]], branch: str,
             services_file: str) -> None:
    table.require(["Country", "Life event", "Service", "Url", "Service Provider"])
    questions = [h for h in table.header if h not in _SERVICE_ROW_COLUMNS]
    for line, row in table.rows:
        code = _country(table, line, row)
        event = life_event_key(row["Life event"])
        key = service_key(row["Service"])
        service = countries.get(code, {}).get(branch, {}).get(event, {}).get(key)
        if service is None:
            raise table.error(
                f"answers for a service {services_file} does not list", line, column="Service",
                expected=f"a service of {code}, {row['Life event']} in {services_file}",
                found=repr(row["Service"]), fix=f"add the service to {services_file}")
        answers = {"id": row.get("ID", ""), "url": row["Url"], "provider": row["Service Provider"]}
        answers.update({answer_key(q): row[q] for q in questions})
        service["urls"].append(answers)


def _portals(table: _Table, countries: dict[str, dict[str, Any]], branch: str) -> None:
    table.require(["Country", "Life event", "URL", "Service provider"])
    questions = [h for h in table.header if h not in _PORTAL_ROW_COLUMNS]
    for line, row in table.rows:
        code = _country(table, line, row)
        if code not in countries:
            raise table.error(f"portal answers for {code}, which {SERVICES} does not list",
                              line, column="Country", expected="a country of services.csv",
                              found=repr(row["Country"]), fix="add the country's services")
        event = life_event_key(row["Life event"])
        portals = countries[code].setdefault(branch, {}).setdefault(event, {"urls": []})
        answers = {"url": row["URL"], "provider": row["Service provider"]}
        answers.update({answer_key(q): row[q] for q in questions})
        portals["urls"].append(answers)


def _assessment(tree: Mapping[str, Any]) -> dict[str, Any]:
    """The data year of the country's services: the assessment is as of its last day."""
    years = sorted({s["year"] for branch in ("services", "cross-border-services")
                    for event in tree.get(branch, {}).values() for s in event.values()
                    if str(s.get("year", "")).isdigit()})
    if not years:
        return {}
    return {"as_of": dt.date(int(years[-1]), 12, 31), "period": years[-1]}


def read_countries(directory: Path, limits: Limits | None = None) -> Iterator[EvidenceBundle]:
    """One bundle per country of `directory` (in the publisher's layout), by country code."""
    limits = limits or Limits()
    tables = {name: _read(directory, name, limits) for name in LAYOUT}
    countries: dict[str, dict[str, Any]] = {}
    _services(tables[SERVICES], countries, "services")
    _services(tables[CB_SERVICES], countries, "cross-border-services")
    _answers(tables[ANSWERS], countries, "services", SERVICES)
    _answers(tables[CB_ANSWERS], countries, "cross-border-services", CB_SERVICES)
    _portals(tables[PORTALS], countries, "portals")
    _portals(tables[CB_PORTALS], countries, "cross-border-portals")
    files = tuple(tables[name].file for name in sorted(LAYOUT))
    for code in sorted(countries):
        egov = countries[code]
        tree: dict[str, Any] = {
            "organisation": {"id": code.lower(), "name": COUNTRY_NAMES.get(code, code),
                             "kind": "other", "country": code},
            "egov": egov,
        }
        assessment = _assessment(egov)
        if assessment:
            tree["assessment"] = assessment
        source = f"{directory.name}/{code}"
        check_tree(tree, source, limits, EvidenceError)
        yield bundle_from_tree(tree, source=source, header_file=f"{directory.name}/{SERVICES}",
                               files=files)
