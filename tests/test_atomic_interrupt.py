"""Ctrl-C at any point of an atomic write leaves no temporary file behind."""

from __future__ import annotations

import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest

from maturity import files
from maturity.files import atomic_write


def test_ctrl_c_as_the_temporary_file_is_made_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    made = tempfile.mkstemp

    def interrupted(*args: Any, **kwargs: Any) -> tuple[int, str]:
        found = made(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)  # after the file exists, before its name returns
        return found

    monkeypatch.setattr(tempfile, "mkstemp", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "record.json", b"{}")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_while_writing_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), files.atomic_writer(tmp_path / "r.json") as handle:
        handle.write(b"{")
        signal.raise_signal(signal.SIGINT)
    assert list(tmp_path.iterdir()) == []


def test_a_written_file_has_the_permissions_of_a_plain_open(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a.json", b"{}")
    (tmp_path / "b.json").write_bytes(b"{}")
    assert (tmp_path / "a.json").stat().st_mode == (tmp_path / "b.json").stat().st_mode
