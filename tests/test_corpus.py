"""The corpus of bad inputs: every case gives its documented outcome, and nothing else.

Each directory below `tests/corpus/` that holds an `expect.toml` is one case. Its files are laid
over a copy of `tests/corpus/_base/` (a valid rule pack in `pack/` and a valid evidence bundle in
`bundle/`), an optional generator from `tests/corpus/generators.py` adds what cannot be stored
as a small file (spreadsheets, symbolic links, files over a limit), and then the real command
line runs in that directory. A failing case must give exactly one error whose first line is
`error[CODE]: FILE: LOCATION: …MESSAGE…`, the `found` and `fix` fragments, no traceback, no
absolute path, and leave no file behind. A case with another documented outcome (exit 0) names
the output it must write and what that output must and must not contain.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import pytest

from maturity.cli import main
from maturity.plugins import AUTOLOAD_ENV
from tests.corpus import generators

CORPUS = Path(__file__).resolve().parent / "corpus"
BASE = CORPUS / "_base"
DEFAULT_ARGS = ("assess", "bundle", "--pack-dir", "pack", "-o", "out/record.json")


@dataclass(frozen=True)
class Expect:
    """The contents of one case's expect.toml (unknown keys are an error in the corpus)."""

    about: str
    exit: int = 2
    args: tuple[str, ...] = DEFAULT_ARGS
    extra_args: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    generate: str | None = None
    plugins: dict[str, str] = field(default_factory=dict)
    code: str | None = None
    file: str | None = None
    #: Several are allowed where the standard library's message moved between versions.
    location: str | tuple[str, ...] | None = None
    message: str | None = None
    found: str | None = None
    fix: str | None = None
    output: str | None = None
    contains: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    outcomes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path) -> Expect:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"{path}: unknown key {unknown[0]!r} in expect.toml")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                                  for k, v in raw.items()}
        expect = cls(**values)
        names_file = expect.file or (expect.code or "").startswith("usage.")
        if expect.exit == 2 and not (expect.code and names_file and expect.message):
            raise ValueError(f"{path}: a failing case names its code, file and message")
        if expect.exit == 0 and not expect.output:
            raise ValueError(f"{path}: a succeeding case names the output it writes")
        return expect


def _cases() -> list[Any]:
    cases = []
    for expect in sorted(CORPUS.glob("**/expect.toml")):
        case = expect.parent
        cases.append(pytest.param(case, id=case.relative_to(CORPUS).as_posix()))
    return cases


CASES = _cases()


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir()}


def _prepare(case: Path, expect: Expect, work: Path) -> None:
    shutil.copytree(BASE, work, symlinks=True, dirs_exist_ok=True)
    for item in case.rglob("*"):
        if item.name == "expect.toml" or item.is_dir():
            continue
        target = work / item.relative_to(case)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item, target)
    for name in expect.remove:
        victim = work / name
        if victim.is_dir():
            shutil.rmtree(victim)
        else:
            victim.unlink()
    if expect.plugins:
        generators.install_plugins(work, expect.plugins)
    if expect.generate:
        getattr(generators, expect.generate)(work)


def _run_in_process(argv: list[str], capfd: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse reports usage errors this way
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capfd.readouterr()
    return code, out, err


def _run_subprocess(argv: list[str], work: Path, *, plugins: bool) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != AUTOLOAD_ENV}
    if plugins:
        env["PYTHONPATH"] = str(work / "site")
    else:
        env[AUTOLOAD_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "maturity", *argv], cwd=work, env=env, capture_output=True,
        text=True, timeout=120, check=False,
    )
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    expect = Expect.read(case / "expect.toml")
    work = tmp_path / "work"
    _prepare(case, expect, work)
    before = _files(work)
    argv = [*expect.args, *expect.extra_args]
    if expect.plugins:  # installed plugins: only a new process sees their entry points
        code, out, err = _run_subprocess(argv, work, plugins=True)
    else:
        monkeypatch.chdir(work)
        monkeypatch.setenv(AUTOLOAD_ENV, "1")
        code, out, err = _run_in_process(argv, capfd)
    report = f"exit {code}\n--- stderr\n{err}--- stdout\n{out[:2000]}"
    assert "Traceback" not in err, report
    assert str(tmp_path) not in err, "an absolute path leaked into the message\n" + report
    assert code == expect.exit, report
    created = _files(work) - before
    if expect.exit == 2:
        _check_error(expect, err, report)
        assert out == "", report
        assert created == set(), f"left behind: {sorted(created)}\n{report}"
    else:
        _check_output(expect, work, created, report)


def _check_error(expect: Expect, err: str, report: str) -> None:
    assert err.count("error[") == 1, "exactly one error\n" + report
    head = err.splitlines()[0]
    locations = (expect.location,) if not isinstance(expect.location, tuple) \
        else expect.location
    starts = [f"error[{expect.code}]: " + ": ".join(p for p in (expect.file, at) if p) + ": "
              for at in locations]
    start = next((s for s in starts if head.startswith(s)), None)
    assert start is not None, report
    assert expect.message is not None
    assert expect.message in head.removeprefix(start), report
    if expect.found is not None:
        assert expect.found in _field(err, "found"), report
    if expect.fix is not None:
        assert expect.fix in _field(err, "fix"), report
    # The promise made of every error: what was expected, what was found, how to fix it.
    for name in ("expected", "found", "fix"):
        assert _field(err, name), f"no {name} line\n{report}"


def _field(err: str, name: str) -> str:
    for line in err.splitlines():
        if line.startswith(f"  {name}: "):
            return line.removeprefix(f"  {name}: ")
    return ""


def _check_output(expect: Expect, work: Path, created: set[str], report: str) -> None:
    assert expect.output is not None
    assert created == {expect.output}, f"created {sorted(created)}\n{report}"
    text = (work / expect.output).read_text(encoding="utf-8")
    for fragment in expect.contains:
        assert fragment in text, f"{fragment!r} missing from {expect.output}\n{report}"
    for fragment in expect.excludes:
        assert fragment not in text, f"{fragment!r} found in {expect.output}\n{report}"
    if expect.outcomes:
        record = json.loads(text)
        statuses = {o["rule"]: o["status"] for o in record["outcomes"]}
        assert {k: statuses.get(k) for k in expect.outcomes} == expect.outcomes, report


def test_the_corpus_is_large_and_covers_every_input_kind() -> None:
    areas = {case.values[0].relative_to(CORPUS).parts[0] for case in CASES}
    assert len(CASES) >= 150
    assert {"packs", "profiles", "waivers", "evidence", "documents", "plugins"} <= areas


def _one_case_per_area() -> list[Any]:
    chosen: dict[str, Any] = {}
    for param in CASES:
        case: Path = param.values[0]
        expect = Expect.read(case / "expect.toml")
        area = case.relative_to(CORPUS).parts[0]
        if area not in chosen and not expect.plugins:
            chosen[area] = param
    return list(chosen.values())


@pytest.mark.parametrize("case", _one_case_per_area())
def test_in_process_runs_match_the_real_command(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The in-process runs above stand for `python -m maturity`: the same exit code and the
    same bytes on stdout and stderr, one case of each area."""
    expect = Expect.read(case / "expect.toml")
    argv = [*expect.args, *expect.extra_args]
    _prepare(case, expect, tmp_path / "real")
    real = _run_subprocess(argv, tmp_path / "real", plugins=False)
    _prepare(case, expect, tmp_path / "here")
    monkeypatch.chdir(tmp_path / "here")
    monkeypatch.setenv(AUTOLOAD_ENV, "1")
    assert _run_in_process(argv, capfd) == real
