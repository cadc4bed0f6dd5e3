"""`maturity rules lint`: what a reviewer of a pack would flag, here the characters that make a
rule's text display otherwise than it is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maturity.api import Session
from maturity.lint import lint_rules
from tests.conftest import MINI_PACK


def _linted(tmp_path: Path, title: str) -> list[str]:
    pack = tmp_path / "pack"
    shutil.rmtree(pack, ignore_errors=True)
    shutil.copytree(MINI_PACK, pack)
    rules = (pack / "rules.toml").read_text(encoding="utf-8")
    escaped = "".join(c if c.isprintable() and c != '"' else f"\\u{ord(c):04x}"
                      for c in title)
    (pack / "rules.toml").write_text(
        rules.replace('title = "A strategy is adopted"', f'title = "{escaped}"', 1),
        encoding="utf-8")
    rules_set, _ = Session().load_rules(pack_dirs=[pack])
    return [p for p in lint_rules(rules_set) if p.startswith("A-1: title holds")]


@pytest.mark.parametrize(("text", "code"), [
    ("Strategy \u202eadopted", "202E"), ("A\u2066 strategy", "2066"),
    ("A\u200b strategy", "200B"), ("A\x07 strategy", "0007")])
def test_hidden_characters_in_a_rule_text_are_flagged(tmp_path: Path, text: str,
                                                      code: str) -> None:
    assert [p.split(" ")[3] for p in _linted(tmp_path, text)] == [f"U+{code}"]


@given(st.text(st.characters(categories=["L", "N", "Zs", "P"]), min_size=1, max_size=30)
       .filter(str.strip))
def test_ordinary_text_in_any_script_is_not_flagged(text: str) -> None:
    # Letters of every script (Arabic included), digits, spaces and punctuation pass.
    from maturity.lint import _hidden_characters

    assert _hidden_characters({"title": text, "tests": [{"name": text}]}) == []


def test_the_marks_and_joiners_right_to_left_scripts_need_are_not_flagged() -> None:
    from maturity.lint import _hidden_characters

    assert _hidden_characters("\u0627\u200f\u0644\u200c\u200d\u200e") == []
