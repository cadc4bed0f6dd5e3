"""A filled XLSX template gives the same outcomes and scores as the equivalent TOML."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from maturity.api import Session, assess
from maturity.errors import EvidenceError
from maturity.limits import Limits
from maturity.ruleset import RuleSet
from maturity.schema import evidence_schema
from maturity.spreadsheet import read_evidence_workbook, template_workbook
from tests.conftest import EXAMPLES


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and not isinstance(value.get("document"), str):
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _fill(template: bytes, values: dict[str, Any], path: Path) -> None:
    from io import BytesIO

    book = load_workbook(BytesIO(template))
    sheet = book["evidence"]
    for row in range(2, sheet.max_row + 1):
        key = sheet.cell(row, 1).value
        if key not in values:
            continue
        value = values[key]
        if isinstance(value, dict):
            sheet.cell(row, 6).value = value["document"]
            sheet.cell(row, 7).value = value.get("sha256")
            sheet.cell(row, 8).value = value.get("collected")
        elif isinstance(value, list):
            sheet.cell(row, 5).value = "; ".join(value) if value else "[]"
        else:
            sheet.cell(row, 5).value = value
    book.save(path)


@pytest.mark.parametrize("ministry", ["ministry-of-health", "ministry-of-finance"])
def test_xlsx_evidence_equals_toml(ministry: str, session: Session, builtin_rules: RuleSet,
                                   tmp_path: Path) -> None:
    source = EXAMPLES / ministry
    toml_bundle = tmp_path / "toml" / ministry
    shutil.copytree(source, toml_bundle)
    xlsx_bundle = tmp_path / "xlsx" / ministry
    xlsx_bundle.mkdir(parents=True)
    shutil.copy(source / "bundle.toml", xlsx_bundle / "bundle.toml")
    shutil.copytree(source / "documents", xlsx_bundle / "documents")
    values: dict[str, Any] = {}
    for evidence in sorted(source.glob("*.toml")):
        if evidence.name != "bundle.toml":
            values.update(_flatten(tomllib.loads(evidence.read_text())))
    schema = evidence_schema(builtin_rules)
    assert set(values) <= set(schema), sorted(set(values) - set(schema))
    _fill(template_workbook(schema), values, xlsx_bundle / "evidence.xlsx")
    from_toml = assess(toml_bundle, rules=builtin_rules, session=session)
    from_xlsx = assess(xlsx_bundle, rules=builtin_rules, session=session)
    assert from_xlsx.record["outcomes"] == from_toml.record["outcomes"]
    assert from_xlsx.record["scores"] == from_toml.record["scores"]


def test_formulas_and_hidden_sheets_are_refused(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "evidence"
    sheet.append(["key", "type", "value"])
    sheet.append(["a.b", "number", "=1+1"])
    path = tmp_path / "f.xlsx"
    book.save(path)
    with pytest.raises(EvidenceError, match="formulas"):
        read_evidence_workbook(path.read_bytes(), "f.xlsx", Limits())
    sheet["C2"] = 2
    book.create_sheet("secret").sheet_state = "hidden"
    book.save(path)
    with pytest.raises(EvidenceError, match="hidden sheet"):
        read_evidence_workbook(path.read_bytes(), "f.xlsx", Limits())


@pytest.mark.parametrize(("stored", "number_format", "read"), [
    (0.35, "0%", 35), (0.355, "0.0%", 35.5), (1, "0%", 100), (0.07, "0.00%", 7),
    (35, '0"%"', 35), (35, "0\\%", 35), (0.35, "General", 0.35),
])
def test_a_percentage_cell_is_read_as_the_number_it_shows(
        tmp_path: Path, stored: float, number_format: str, read: float) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "evidence"
    sheet.append(["key", "type", "value"])
    sheet.append(["capability.training.staff_trained_pct", "number", stored])
    sheet["C2"].number_format = number_format
    path = tmp_path / "p.xlsx"
    book.save(path)
    tree = read_evidence_workbook(path.read_bytes(), "p.xlsx", Limits())
    assert tree["capability"]["training"]["staff_trained_pct"] == read
