"""Stop signals reach a batch's main process only where it can unwind cleanly, and never its
workers."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from maturity.signals import Stopped, check_stop, handling_stops, signals_deferred


@pytest.fixture
def sigterm_raises() -> Iterator[None]:
    class Stopped(Exception):
        pass

    def stop(signum: int, _frame: object) -> None:
        raise Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_signal_inside_the_block_is_raised_right_after_it() -> None:
    reached = []
    with pytest.raises(KeyboardInterrupt):
        with signals_deferred():
            signal.raise_signal(signal.SIGINT)
            reached.append("end of block")
        reached.append("after the block")
    assert reached == ["end of block"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_each_signal_keeps_its_own_handler(sigterm_raises: None) -> None:
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Exception, match="15"), signals_deferred():
        signal.raise_signal(signal.SIGTERM)
    assert signal.getsignal(signal.SIGTERM) is handler


def test_a_quiet_block_changes_nothing() -> None:
    with signals_deferred():
        value = 1 + 1
    assert value == 2
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.skipif(sys.platform != "linux", reason="the fork server is a POSIX start method")
def test_a_worker_ignores_ctrl_c_from_birth_before_any_initializer_runs(tmp_path: Path) -> None:
    """In a fresh interpreter (the fork server is one per process): the fork server started
    as the batch starts it, a process started from it without an initializer."""
    script = textwrap.dedent("""
        import multiprocessing, signal
        from multiprocessing import forkserver
        from maturity.signals import ctrl_c_ignored

        def disposition(queue):
            queue.put(signal.getsignal(signal.SIGINT) == signal.SIG_IGN)

        if __name__ == "__main__":
            context = multiprocessing.get_context("forkserver")
            with ctrl_c_ignored():
                forkserver.ensure_running()
            assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
            queue = context.SimpleQueue()
            child = context.Process(target=disposition, args=(queue,))
            child.start()
            child.join()
            print(queue.get())
    """)
    main = tmp_path / "main.py"
    main.write_text(script, encoding="utf-8")
    done = subprocess.run([sys.executable, str(main)], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.strip() == "True", done.stderr


class _DropsASignal:
    """Receives a stop signal in a finaliser, where its exception cannot propagate."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        signal.raise_signal(self.signum)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(("signum", "raised"), [(signal.SIGTERM, Stopped),
                                                 (signal.SIGINT, KeyboardInterrupt)])
def test_a_stop_dropped_where_it_arrived_is_raised_at_the_next_check(
    signum: int, raised: type[BaseException],
) -> None:
    with handling_stops():
        dropped = _DropsASignal(signum)
        del dropped  # the handler's exception is printed as "ignored", and dropped
        with pytest.raises(raised):
            check_stop()
    check_stop()  # nothing is left pending once the run is over


def test_the_handlers_are_put_back_and_an_ignored_ctrl_c_stays_ignored() -> None:
    before = signal.getsignal(signal.SIGTERM)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with handling_stops():
            assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not before
        assert signal.getsignal(signal.SIGTERM) is before
    finally:
        signal.signal(signal.SIGINT, previous)
