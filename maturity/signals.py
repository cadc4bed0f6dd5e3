"""Stopping a run cleanly on SIGINT (Ctrl-C) and SIGTERM (a service manager).

Both unwind the main thread with an exception (`KeyboardInterrupt`, or `Stopped` for SIGTERM),
so atomic writes remove their temporary files and a batch stops between bundles. CPython runs
a signal's handler between two bytecodes of the main thread; when that falls inside code that
cannot pass an exception on (a finaliser, a callback from a C extension), the exception is
printed as "ignored" and dropped. The handlers here also note the signal, and `check_stop`
raises it again at the next safe point, so a stop request is never lost.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["Stopped", "check_stop", "ctrl_c_ignored", "handling_stops", "signals_deferred"]

#: Signals received by this process's handlers and not yet acted upon.
_REQUESTED: list[int] = []


class Stopped(KeyboardInterrupt):
    """SIGTERM (a service manager stopping the run), unwound like Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_for(signum: int) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Stopped(signum)


def _on_signal(signum: int, _frame: Any) -> None:
    _REQUESTED.append(signum)
    _raise_for(signum)


def check_stop() -> None:
    """Raise for a stop signal whose exception was dropped where it first arrived."""
    if _REQUESTED:
        _raise_for(_REQUESTED[0])


@contextlib.contextmanager
def handling_stops() -> Iterator[None]:
    """SIGINT and SIGTERM stop the run (in the main thread; elsewhere they are left alone)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum, handler in previous.items():
        # A Ctrl-C ignored by whoever started us (`nohup`, a background job) stays ignored.
        if handler is not None and handler != signal.SIG_IGN:
            signal.signal(signum, _on_signal)
    _REQUESTED.clear()
    try:
        yield
    finally:
        _REQUESTED.clear()
        for signum, handler in previous.items():
            if handler is not None:
                signal.signal(signum, handler)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM that arrive during the block take effect right after it, so that
    their exception is raised where this process can unwind cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []

    def note(signum: int, _frame: Any) -> None:
        arrived.append(signum)

    # A handler installed by C code (None here) could not be put back: such a signal is left
    # as it is.
    previous = {signum: handler for signum in (signal.SIGINT, signal.SIGTERM)
                if (handler := signal.getsignal(signum)) is not None}
    for signum in previous:
        signal.signal(signum, note)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for number in dict.fromkeys(arrived):
            signal.raise_signal(number)


@contextlib.contextmanager
def ctrl_c_ignored() -> Iterator[None]:
    """SIGINT ignored for the duration (in the main thread; elsewhere signals are not ours)."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        # Not ours to change, or set by C code (then it could not be put back).
        yield
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
