"""Writing outputs atomically: a file is either complete or absent, never half-written."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from maturity.signals import signals_deferred

__all__ = ["atomic_write", "atomic_writer"]


@contextlib.contextmanager
def atomic_writer(path: Path, *, text: bool = False) -> Iterator[IO[Any]]:
    """A handle on a temporary file beside `path`; on success it is flushed to disk and renamed
    into place, on any error (or interrupt) removed. Streams what would not fit in memory.

    A symbolic link is followed, so the link stays and its target is replaced. A path that is
    neither a file nor a directory (`/dev/null`, a named pipe) is written to directly: renaming
    over it would replace a device or a pipe with a file, and neither can hold half a file."""
    from maturity.errors import UsageError

    shown = str(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if path.is_dir():
        raise UsageError(
            "the output names a directory",
            code="usage.output-is-directory",
            file=path.name or str(path),
            location="-o",
            expected="a file name (a directory only for a batch of several bundles)",
            found="an existing directory",
            fix=f"write to a file, e.g. -o {path.name or 'out'}/report{path.suffix or '.json'}",
        )
    if path.exists() and not stat.S_ISREG(path.stat().st_mode):
        try:
            with (path.open("w", encoding="utf-8", newline="") if text
                  else path.open("wb")) as raw:
                yield raw
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, shown) from None
        return
    _make_parent(path, shown)
    tmp: str | None = None
    handle: IO[Any] | None = None
    try:
        # Ctrl-C as the temporary file is made (before its name is known here) would leave it
        # behind: it takes effect once `tmp` is set, which the handler below removes.
        with signals_deferred():
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                       dir=path.parent)
            handle = (os.fdopen(fd, "w", encoding="utf-8", newline="") if text
                      else os.fdopen(fd, "wb"))
        with handle:
            # mkstemp makes the file private (0600): the permissions a plain open() would give.
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(handle.fileno(), 0o666 & ~umask)
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if handle is not None:
            handle.close()
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and _ours(exc, path):
            # The temporary file is this function's business: the error names the output.
            raise OSError(exc.errno, exc.strerror, shown) from None
        raise


def _ours(exc: OSError, path: Path) -> bool:
    """Whether an error is about the temporary file beside `path` (or its folder)."""
    name = os.fsdecode(exc.filename) if exc.filename is not None else ""
    return name in ("", str(path.parent)) or os.path.basename(name).startswith(f".{path.name}.")


def _make_parent(path: Path, shown: str) -> None:
    """Make the output's folder, refusing clearly when a file stands where a folder must."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        from maturity.errors import UsageError

        blocking = next((p for p in (path.parent, *path.parent.parents)
                         if p.exists() and not p.is_dir()), path.parent)
        raise UsageError(
            "a folder of the output path is a file",
            code="usage.output-parent",
            file=shown,
            location="-o",
            expected=f"{blocking} to be a directory (or not to exist yet)",
            found=f"{blocking} is a file",
            fix="choose another output path, or move the file away",
        ) from None


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that the file is either complete or absent."""
    with atomic_writer(path) as handle:
        handle.write(data)
