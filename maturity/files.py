"""Writing outputs atomically: a file is either complete or absent, never half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from maturity.signals import signals_deferred

__all__ = ["atomic_write", "atomic_writer"]


@contextlib.contextmanager
def atomic_writer(path: Path, *, text: bool = False) -> Iterator[IO[Any]]:
    """A handle on a temporary file beside `path`; on success it is flushed to disk and renamed
    into place, on any error (or interrupt) removed. Streams what would not fit in memory."""
    if path.is_dir():
        from maturity.errors import UsageError

        raise UsageError(
            "the output names a directory",
            code="usage.output-is-directory",
            file=path.name or str(path),
            location="-o",
            expected="a file name (a directory only for a batch of several bundles)",
            found="an existing directory",
            fix=f"write to a file, e.g. -o {path.name or 'out'}/report{path.suffix or '.json'}",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
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
    except BaseException:
        if handle is not None:
            handle.close()
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that the file is either complete or absent."""
    with atomic_writer(path) as handle:
        handle.write(data)
