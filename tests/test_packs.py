"""Pack validation: every mistake is reported with the file, the rule id and the key path."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from maturity.api import Session
from maturity.errors import PackError
from tests.conftest import MINI_PACK


def _mini() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header = tomllib.loads((MINI_PACK / "pack.toml").read_text())
    rules = tomllib.loads((MINI_PACK / "rules.toml").read_text())["rules"]
    return header, rules


def _write(tmp: Path, header: dict[str, Any], rules: list[dict[str, Any]]) -> Path:
    pack = tmp / "pack"
    pack.mkdir(exist_ok=True)
    (pack / "pack.toml").write_text(tomli_w.dumps(header))
    (pack / "rules.toml").write_text(tomli_w.dumps({"rules": rules}))
    return pack


def _load_error(session: Session, tmp: Path, header: dict[str, Any],
                rules: list[dict[str, Any]]) -> PackError:
    with pytest.raises(PackError) as info:
        session.load_rules(pack_dirs=[_write(tmp, header, rules)])
    return info.value


def _located(error: PackError, tmp: Path, where: str, written: str) -> None:
    """The error names `where` and the line of the rule file that writes `written`."""
    match = re.fullmatch(re.escape(where) + r" \(line (\d+)\)", error.location or "")
    assert match, error.location
    line = (tmp / "pack" / "rules.toml").read_text().splitlines()[int(match.group(1)) - 1]
    assert written in line, line


def test_the_mini_pack_round_trips_through_tomli_w(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    original, _ = session.load_rules(pack_dirs=[MINI_PACK])
    again, _ = session.load_rules(pack_dirs=[_write(tmp_path, header, rules)])
    assert [c.rule for c in again.rules] == [c.rule for c in original.rules]
    assert again.packs[0].header == original.packs[0].header


def test_unknown_key_names_file_rule_and_suggests(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    rules[1]["wieght"] = 2
    error = _load_error(session, tmp_path, header, rules)
    assert error.code == "pack.unknown-key"
    assert error.file == "pack/rules.toml"
    _located(error, tmp_path, "rule A-2: rules[1].wieght", "wieght = 2")
    assert error.fix == "did you mean 'weight'?"


def test_duplicate_rule_id(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    rules[2]["id"] = "A-1"
    error = _load_error(session, tmp_path, header, rules)
    assert error.code == "pack.duplicate-rule"
    assert "A-1" in (error.location or "")


def test_unknown_dimension(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    rules[0]["dimension"] = "alpah"
    error = _load_error(session, tmp_path, header, rules)
    assert error.code == "pack.unknown-dimension"
    _located(error, tmp_path, "rule A-1: dimension", 'dimension = "alpah"')
    assert error.fix == "did you mean 'alpha'?"


def test_unknown_check_type_with_key_path(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    rules[3]["check"]["all"][0] = {"path": "users.methods", "shar_of": ["a"]}
    error = _load_error(session, tmp_path, header, rules)
    assert error.code == "pack.check"
    _located(error, tmp_path, "rule B-1: check.all[0].shar_of", "shar_of")
    assert error.fix == "did you mean 'share_of'?"


def test_ill_typed_check_parameter(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    rules[1]["check"] = {"path": "strategy.reviewed", "within_days": "two years"}
    error = _load_error(session, tmp_path, header, rules)
    assert error.code == "pack.check"
    _located(error, tmp_path, "rule A-2: check.within_days", "within_days")
    assert "'two years'" in (error.found or "")


def test_missing_dependency(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    rules[1]["remediation"]["depends_on"] = ["A-9"]
    error = _load_error(session, tmp_path, header, rules)
    assert error.code == "pack.unknown-dependency"
    _located(error, tmp_path, "rule A-2: remediation.depends_on", "depends_on")


def test_dependency_cycle_names_the_chain(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    rules[0]["remediation"]["depends_on"] = ["A-3"]
    error = _load_error(session, tmp_path, header, rules)
    assert error.code == "pack.dependency-cycle"
    assert error.found is not None
    assert "A-1 -> A-3 -> A-2 -> A-1" in error.found or "A-3" in error.found


def test_combinator_with_wrong_shape(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    rules[4]["check"] = {"at_least": {"n": 4, "of": rules[4]["check"]["at_least"]["of"]}}
    error = _load_error(session, tmp_path, header, rules)
    _located(error, tmp_path, "rule B-2: check.at_least.n", "n = 4")
    assert error.expected == "n between 1 and 3"


def test_missing_pack_header(session: Session, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(PackError, match=r"pack\.toml is missing"):
        session.load_rules(pack_dirs=[tmp_path / "empty"])


def test_rule_weight_must_be_positive(session: Session, tmp_path: Path) -> None:
    header, rules = _mini()
    rules[0]["weight"] = -1
    error = _load_error(session, tmp_path, header, rules)
    _located(error, tmp_path, "rule A-1: rules[0].weight", "weight = -1")


def test_a_local_rule_reusing_an_installed_id_is_blamed_whichever_pack_sorts_first(
        session: Session, tmp_path: Path) -> None:
    # "aaa" sorts before "oecd-dgpf": the error still points at the local pack's file.
    local = tmp_path / "mine"
    shutil.copytree(MINI_PACK, local)
    header = (local / "pack.toml").read_text().replace('id = "mini"', 'id = "aaa"')
    (local / "pack.toml").write_text(header)
    rules = (local / "rules.toml").read_text().replace('id = "A-1"', 'id = "DBD-SA-01"')
    (local / "rules.toml").write_text(rules)
    with pytest.raises(PackError) as caught:
        session.load_rules(["oecd-dgpf"], pack_dirs=[local])
    error = caught.value
    assert error.code == "pack.duplicate-rule"
    assert error.file == "mine/rules.toml"
    assert "also in pack 'oecd-dgpf' (rules/dgpf/digital-by-design.toml)" in (error.found or "")


def test_naming_a_local_pack_with_pack_asks_for_it_once(session: Session) -> None:
    rules, _changes = session.load_rules(["mini"], pack_dirs=[MINI_PACK])
    assert [pack.id for pack in rules.packs] == ["mini"]
