"""An interrupted batch loses nothing it finished and leaves nothing half-written.

A real `python -m maturity assess` batch over a few hundred bundles is stopped in the middle:
with Ctrl-C (SIGINT), by a service manager (SIGTERM) and by the kernel (SIGKILL, which no
program can catch). Every record on disk must then be a complete record, and a new run of the
same batch must give the same records as a run never interrupted.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from maturity.loaders import load_record
from maturity.plugins import AUTOLOAD_ENV

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "ministry-of-finance"
BUNDLES = 720  # enough that a stop lands mid-batch now that records take ~8 ms each


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Copies of an example ministry, each under its own organisation id."""
    root = tmp_path_factory.mktemp("batch") / "bundles"
    header = (EXAMPLE / "bundle.toml").read_text(encoding="utf-8")
    for number in range(BUNDLES):
        target = root / f"org-{number:03d}"
        shutil.copytree(EXAMPLE, target)
        (target / "bundle.toml").write_text(
            header.replace('id = "ministry-of-finance"', f'id = "ministry-{number:03d}"'),
            encoding="utf-8")
    return root


def _command(bundles: Path, out: Path) -> list[str]:
    # With faulthandler on, SIGABRT makes a stuck batch print where each thread stands.
    return [sys.executable, "-X", "faulthandler", "-m", "maturity", "assess", str(bundles),
            "-o", str(out), "--no-roadmap"]


def _environment() -> dict[str, str]:
    return {**os.environ, AUTOLOAD_ENV: "1"}


def _records(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("ministry-*.json")) if out.is_dir() else []


def _temporary(out: Path) -> list[Path]:
    return sorted(p for p in out.glob(".*.tmp")) if out.is_dir() else []


def _stop_in_the_middle(bundles: Path, out: Path, signum: int, group: bool = False) -> int:
    """Signal the batch once it has written a few records: its main process, or (`group`) every
    process of its own process group, as Ctrl-C on a terminal does."""
    process = subprocess.Popen(_command(bundles, out), env=_environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=group)
    deadline = time.monotonic() + 120
    while len(_records(out)) < 5:
        assert process.poll() is None, "the batch ended before it could be interrupted"
        assert time.monotonic() < deadline, "the batch wrote no records"
        time.sleep(0.02)
    if group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        _fail_stuck(process, signum)
    assert b"Traceback" not in err, err.decode()
    assert 5 <= len(_records(out)) < BUNDLES, "the interruption did not land mid-batch"
    return process.returncode


def _descendants(pid: int) -> list[str]:
    """`pid` and the processes below it, each as "pid state command" (from /proc)."""
    children: dict[int, list[int]] = {}
    lines: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry.name))
        lines[int(entry.name)] = f"{entry.name} {stat[0]} {command}"
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(lines.get(current, f"{current} gone"))
        stack.extend(children.get(current, []))
    return found


def _fail_stuck(process: subprocess.Popen[bytes], signum: int) -> None:
    """A batch still running a minute after the signal: fail with what each of its processes
    and threads was doing, and leave no process behind (to disturb the tests after this)."""
    processes = _descendants(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack
    try:
        _, err = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    for line in processes[1:]:
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(line.split()[0]), signal.SIGKILL)
    pytest.fail(f"the batch did not stop within 60 s of signal {signum}; its processes:\n"
                + "\n".join(processes) + "\n--- stderr\n" + err.decode(errors="replace"))


def _check_complete(out: Path) -> None:
    for path in _records(out):
        record = load_record(path)
        assert record["organisation"]["id"] == path.stem


@pytest.fixture(scope="module")
def uninterrupted(bundles: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("reference") / "out"
    subprocess.run(_command(bundles, out), env=_environment(), check=True,
                   capture_output=True, timeout=600)
    return {p.name: p.read_bytes() for p in _records(out)}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_stopped_batch_keeps_every_finished_record_and_no_temporary_file(
    bundles: Path, tmp_path: Path, signum: int,
) -> None:
    out = tmp_path / "out"
    assert _stop_in_the_middle(bundles, out, signum) == 128 + signum
    _check_complete(out)
    assert _temporary(out) == []


def test_ctrl_c_on_a_terminal_stops_the_workers_quietly_and_the_batch_cleanly(
    bundles: Path, tmp_path: Path,
) -> None:
    """Ctrl-C signals the whole process group: the workers (ignoring it from birth) finish
    their chunk, and only the main process unwinds, with no traceback from anyone."""
    out = tmp_path / "out"
    assert _stop_in_the_middle(bundles, out, signal.SIGINT, group=True) == 128 + signal.SIGINT
    _check_complete(out)
    assert _temporary(out) == []


def test_a_killed_batch_keeps_every_finished_record_and_a_new_run_completes_it(
    bundles: Path, tmp_path: Path, uninterrupted: dict[str, bytes],
) -> None:
    out = tmp_path / "out"
    assert _stop_in_the_middle(bundles, out, signal.SIGKILL) == -signal.SIGKILL
    _check_complete(out)
    # SIGKILL cannot be caught: at most the one file being written is left, as a temporary
    # file beside it, never under a record's name.
    assert len(_temporary(out)) <= 1
    subprocess.run(_command(bundles, out), env=_environment(), check=True,
                   capture_output=True, timeout=600)
    assert {p.name: p.read_bytes() for p in _records(out)} == uninterrupted
