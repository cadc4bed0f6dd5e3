"""Where outputs go: links, devices, pipes, folders that are files, `-o DIR/`, and the checks
made before anything is written (found by feeding the command line what users do)."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import pytest

from maturity.audit import compare_records, render_verification
from maturity.errors import UsageError
from maturity.files import atomic_write
from maturity.record import canonical_bytes
from tests.conftest import EXAMPLES
from tests.test_cli import FINANCE, run

CULTURE = EXAMPLES / "ministry-of-culture"


def test_a_symbolic_link_is_followed_and_kept(tmp_path: Path) -> None:
    target = tmp_path / "target.json"
    target.write_bytes(b"old")
    link = tmp_path / "link.json"
    link.symlink_to(target.name)
    atomic_write(link, b"new")
    assert link.is_symlink()
    assert target.read_bytes() == b"new"


def device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device of the memory driver (3: null, 7: full) made in `tmp_path`, so that a
    regression replaces a test's node, never the machine's own."""
    node = tmp_path / name
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return node


def test_a_device_is_written_to_not_replaced(tmp_path: Path) -> None:
    null = device(tmp_path, "null", 3)
    atomic_write(null, b"nothing to keep")
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_a_named_pipe_is_written_to_not_replaced(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    atomic_write(pipe, b"through the pipe")
    reader.join(timeout=10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_a_full_device_is_a_clear_error_naming_the_output(tmp_path: Path) -> None:
    full = device(tmp_path, "full", 7)
    result = run("assess", FINANCE, "-o", full)
    assert result.returncode == 2
    assert "full" in result.stderr and "No space left" in result.stderr
    assert "Traceback" not in result.stderr
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_file_where_the_output_folder_must_be_is_named(tmp_path: Path) -> None:
    blocking = tmp_path / "out"
    blocking.write_text("a file")
    with pytest.raises(UsageError) as caught:
        atomic_write(blocking / "deeper" / "r.json", b"{}")
    assert caught.value.code == "usage.output-parent"
    assert str(blocking) in (caught.value.expected or "")


def test_an_unwritable_place_names_the_output_not_a_temporary_file() -> None:
    with pytest.raises(OSError) as caught:
        # /proc refuses new files whoever the user is (root ignores permission bits).
        atomic_write(Path("/proc/maturity-test.json"), b"{}")
    assert caught.value.filename == "/proc/maturity-test.json"


def test_fail_under_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    result = run("assess", FINANCE, "--fail-under", "45", "-o", out)
    assert result.returncode == 2
    assert "--fail-under takes a score between 0 and 1" in result.stderr
    assert not out.exists()


def test_fail_under_gates_a_batch(tmp_path: Path) -> None:
    low = run("assess", EXAMPLES, "--fail-under", "0.5", "--jobs", "1", "-o", tmp_path / "a")
    assert low.returncode == 1, low.stderr
    assert "below --fail-under 0.5: ministry-of-culture oecd-dgpf" in low.stderr
    assert "ministry-of-finance" not in low.stderr.split("below --fail-under")[1]
    assert (tmp_path / "a" / "summary.csv").is_file()
    passing = run("assess", EXAMPLES, "--fail-under", "0", "--jobs", "1", "-o", tmp_path / "b")
    assert passing.returncode == 0, passing.stderr


def test_an_output_ending_with_a_slash_is_a_directory_even_for_one_bundle(
        tmp_path: Path) -> None:
    result = run("assess", CULTURE, "-o", f"{tmp_path / 'out'}{os.sep}")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    assert out.is_dir()
    assert sorted(p.name for p in out.iterdir()) == ["ministry-of-culture.json", "summary.csv"]


@pytest.mark.parametrize("value", ["-1", "99999999999999999999999", "1e3"])
def test_a_limit_out_of_range_is_a_usage_error(tmp_path: Path, value: str) -> None:
    result = run("assess", FINANCE, "--limit", f"max_depth={value}", "-o", tmp_path / "r.json")
    assert result.returncode == 2
    assert "a whole number from 0 to" in result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


def test_verify_tells_a_record_saved_with_another_layout(tmp_path: Path) -> None:
    record = json.loads((run_record(tmp_path)).read_bytes())
    canonical = canonical_bytes(record)
    assert compare_records(record, record, (), canonical).same_bytes
    indented = json.dumps(record, indent=2).encode()
    result = compare_records(record, record, (), indented)
    assert result.identical and not result.same_bytes
    said = render_verification(result, "r.json")
    assert "byte for byte" not in said and "another layout" in said
    assert result.as_data()["same_bytes"] is False


def test_verify_names_the_record_when_it_cannot_run(tmp_path: Path) -> None:
    record = run_record(tmp_path)
    result = run("verify", record)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error[verify.cannot-run]: {record.name}: ")


def run_record(tmp_path: Path) -> Path:
    """A record of the finance ministry, assessed into `tmp_path` (its bundle not beside it)."""
    out = tmp_path / "r.json"
    result = run("assess", FINANCE, "-o", out)
    assert result.returncode == 0, result.stderr
    return out
