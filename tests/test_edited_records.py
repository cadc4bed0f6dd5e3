"""A record edited by hand never makes a record command fail with an internal error.

Every command that reads a record (`report` in each format, `roadmap`, `diff`, `trend`,
`compare`) either works or refuses the record with exit 2 and the key that is wrong: a value
of another kind, a key removed, a number out of range. The record is a real one (the example
Ministry of Health with its roadmap); hypothesis changes or removes one or two of its values.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from maturity.cli import main
from maturity.plugins import AUTOLOAD_ENV

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Key paths into a record: every key of its tables, the first two items of each list."""
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:2]):
            yield from _paths(value, (*prefix, index))


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """The Ministry of Health's record (parsed), and the Ministry of Culture's (a file)."""
    import os

    root = tmp_path_factory.mktemp("records")
    os.environ[AUTOLOAD_ENV] = "1"
    try:
        for name in ("health", "culture"):
            assert main(["assess", str(EXAMPLES / f"ministry-of-{name}"),
                         "-o", str(root / f"{name}.json")]) == 0
    finally:
        del os.environ[AUTOLOAD_ENV]
    return json.loads((root / "health.json").read_text(encoding="utf-8")), root / "culture.json"


#: Values a hand edit may leave: other kinds, out of range, a date that is not one.
VALUES = [None, "x", 1, -1, 1.5, True, [], {}, [1], {"a": 1}, "2026-02-30", 1e300]
REMOVE = object()


def _edited(record: dict[str, Any], edits: list[tuple[tuple[str | int, ...], Any]]
            ) -> dict[str, Any]:
    out = copy.deepcopy(record)
    for path, value in edits:
        parent: Any = out
        try:
            for key in path[:-1]:
                parent = parent[key]
            if value is REMOVE:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or replaced the way there
    return out


def _commands(record: Path, other: Path, out: Path) -> list[list[str]]:
    return [
        ["report", str(record), "--format", "html", "-o", str(out / "r.html")],
        ["report", str(record), "--format", "md", "--lang", "fr", "-o", str(out / "r.md")],
        ["report", str(record), "--format", "csv", "-o", str(out / "r.csv")],
        ["report", str(record), "--format", "oscal-poam", "-o", str(out / "poam.json")],
        ["roadmap", str(record), "--format", "text", "-o", str(out / "plan.txt")],
        ["diff", str(other), str(record), "-o", str(out / "diff.txt")],
        ["trend", str(record), str(other), "-o", str(out / "trend.md")],
        ["compare", str(record), str(other), "-o", str(out / "compare.csv")],
    ]


def _check(records: tuple[dict[str, Any], Path], edits: list[tuple[tuple[str | int, ...], Any]],
           work: Path) -> None:
    health, culture = records
    path = work / "edited.json"
    path.write_text(json.dumps(_edited(health, edits)), encoding="utf-8")
    for argv in _commands(path, culture, work / "out"):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(argv)
        said = err.getvalue()
        assert code in (0, 1, 2), (argv[0], edits, said)
        assert "internal error" not in said and "Traceback" not in said, (argv[0], edits, said)
        if code == 2:
            assert said.startswith("error[") and "\n  fix: " in said, said


@st.composite
def _edits(draw: st.DrawFn, record: dict[str, Any]) -> list[tuple[tuple[str | int, ...], Any]]:
    paths = sorted(_paths(record), key=repr)
    return draw(st.lists(st.tuples(st.sampled_from(paths),
                                   st.sampled_from([REMOVE, *VALUES])), min_size=1, max_size=2))


# Edits that made a command fail inside before records were checked against their shape.
FOUND = [
    [(("outcomes", 0, "weight"), "heavy")],
    [(("outcomes", 0, "dimension"), REMOVE)],
    [(("outcomes", 0, "values"), 1.5)],
    [(("outcomes", 2), REMOVE)],
    [(("scores", "oecd-dgpf", "dimensions", "government-as-a-platform", "facets"), {"a": 1})],
    [(("scores", "oecd-digital-talent", "dimensions", "workforce", "facets", "recruit"), 1e300)],
    [(("roadmap", "remaining_gap", 1, "projected"), 1e300)],
    [(("roadmap", "settings", "phase_months"), REMOVE)],
    [(("roadmap", "phases", 1), [])],
    [(("evidence", "documents", 1, "path"), [1])],
    [(("plugins",), "x")],
    [(("waiver_file",), "x")],
    [(("assessment", "as_of"), {"a": 1})],
    [(("skipped_plugins",), REMOVE), (("plugins", 0), -1)],
    [(("roadmap", "phases", 0, "actions", 0), "x")],
    [(("plugins",), REMOVE)],
    [(("waivers",), REMOVE)],
    [(("evidence", "documents", 0, "size"), REMOVE)],
    [(("roadmap", "actions", 0, "reason"), REMOVE)],
    [(("roadmap", "actions", 0, "phase"), 1)],
]


@pytest.mark.parametrize("edits", FOUND, ids=lambda e: ".".join(map(str, e[0][0])))
def test_edits_once_found_to_fail_inside(records: tuple[dict[str, Any], Path],
                                         edits: list[tuple[tuple[str | int, ...], Any]],
                                         tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    _check(records, edits, tmp_path)


def test_any_edit_is_worked_with_or_refused(records: tuple[dict[str, Any], Path],
                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV, "1")

    @settings(max_examples=30, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_edits(records[0]))
    @example([(("organisation", "id"), 1)])
    def check(edits: list[tuple[tuple[str | int, ...], Any]]) -> None:
        _check(records, edits, tmp_path)

    check()


def test_the_refusal_names_the_key_and_the_kind(records: tuple[dict[str, Any], Path],
                                                tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(_edited(records[0], [(("scores", "oecd-dgpf", "index"), 1.5)])),
                    encoding="utf-8")
    assert main(["report", str(path), "--format", "md", "-o", str(tmp_path / "r.md")]) == 2
    said = capsys.readouterr().err
    assert said.startswith("error[record.invalid]: edited.json: scores.oecd-dgpf.index: "
                           "not a complete assessment record"), said
    assert "found: 1.5" in said and "re-run the assessment" in said
    assert not (tmp_path / "r.md").exists()


def test_records_of_every_kind_the_engine_writes_are_read(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """The shape refuses edited records, never ones `maturity assess` wrote: here a pack with
    no facets (its outcomes' facet is null), under each scoring model."""
    import re
    import shutil

    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    base = Path(__file__).resolve().parent / "corpus" / "_base"
    shutil.copytree(base, tmp_path, dirs_exist_ok=True)
    header = (tmp_path / "pack" / "pack.toml").read_text(encoding="utf-8")
    (tmp_path / "pack" / "pack.toml").write_text(
        header.split("[[pack.facets]]")[0], encoding="utf-8")
    rules = (tmp_path / "pack" / "rules.toml").read_text(encoding="utf-8")
    (tmp_path / "pack" / "rules.toml").write_text(
        re.sub(r'(?m)^facet = ".*"\n', "", rules), encoding="utf-8")
    for model in ("oecd-dgi", "xccdf-default", "xccdf-absolute"):
        record = tmp_path / f"{model}.json"
        assert main(["assess", str(tmp_path / "bundle"), "--pack-dir", str(tmp_path / "pack"),
                     "--scoring", model, "-o", str(record)]) == 0
        assert json.loads(record.read_text(encoding="utf-8"))["outcomes"][0]["facet"] is None
        # Another period of the organisation: a trend refuses one period twice.
        later = tmp_path / f"{model}-later.json"
        assert main(["assess", str(tmp_path / "bundle"), "--pack-dir", str(tmp_path / "pack"),
                     "--scoring", model, "--as-of", "2026-11-30", "-o", str(later)]) == 0
        for argv in _commands(record, later, tmp_path / "out"):
            if argv[0] == "roadmap":
                argv += ["--pack-dir", str(tmp_path / "pack")]
            assert main(argv) == 0, argv
