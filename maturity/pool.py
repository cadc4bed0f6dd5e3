"""Work spread over worker processes, results back in the order it was given.

`ordered_results` is what `maturity assess DIR…` (one record per bundle) and `maturity compare`
(one cohort per run of records) run their items through. It holds what makes a pool safe to stop:

- workers start from a clean interpreter (forkserver, else spawn), never a fork of a process
  with threads;
- Ctrl-C reaches the whole process group: workers ignore SIGINT from birth and the main process
  stops them, each finishing the chunk it is on (killing one could cut a result in half);
- a stop signal never lands inside `ProcessPoolExecutor.submit`, where it could leave a worker
  the pool does not know about, which the interpreter would wait for at exit;
- a worker whose main process was killed (SIGKILL, which cannot be caught) exits instead of
  waiting for work for ever;
- at most `in_flight` chunks per worker are queued, so memory does not grow with the work.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from maturity.signals import ctrl_c_ignored, signals_deferred

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["chunks", "ordered_results"]

Item = TypeVar("Item")
Result = TypeVar("Result")


def chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    """`items` in lists of `size` (the last may be shorter), streamed."""
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _start_worker(lifeline: Any, initializer: Callable[..., None] | None,
                  initargs: Sequence[Any]) -> None:
    """Pool initializer: stop signals are the main process's, then the caller's set-up."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_main, args=(lifeline,), daemon=True).start()
    if initializer is not None:
        initializer(*initargs)


def _exit_with_main(lifeline: Any) -> None:
    """End this worker when the main process is gone: the other end of `lifeline` closes with
    it. An orphan would otherwise wait for work forever, holding its terminal's pipes open."""
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv_bytes()
    os._exit(1)


#: The main process's ends of the workers' lifelines, open until this process exits.
_LIFELINES: list[Any] = []


def ordered_results(
    work: Callable[[list[Item]], list[Result]],
    items: Iterable[Item],
    jobs: int,
    *,
    chunk: int,
    in_flight: int,
    initializer: Callable[..., None] | None = None,
    initargs: Sequence[Any] = (),
    preload: Sequence[str] = (),
    meanwhile: Callable[[], None] | None = None,
) -> Iterator[Result]:
    """`work` over `items` in chunks of `chunk`, in `jobs` worker processes, its results in the
    order of the items. `work`, `initializer` and their arguments must pickle (module-level
    functions); `preload` names modules the fork server imports once for every worker;
    `meanwhile` is run here once the first chunks are handed out, while the workers start.
    An exception raised by `work` is raised here, at its chunk's place in the order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() \
        else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(list(preload))
        with ctrl_c_ignored():
            # Ignored when the fork server starts, Ctrl-C stays ignored in every worker from
            # birth, not only once its initializer runs.
            from multiprocessing import forkserver

            forkserver.ensure_running()
    lifeline, held = context.Pipe(duplex=False)
    _LIFELINES.append(held)
    pending: deque[Future[list[Result]]] = deque()
    with signals_deferred():
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                                   initializer=_start_worker,
                                   initargs=(lifeline, initializer, tuple(initargs)))
    try:
        for part in chunks(items, chunk):
            # A stop signal unwinds this process only while it waits for results.
            with signals_deferred():
                pending.append(pool.submit(work, part))
            if len(pending) >= jobs * in_flight:
                if meanwhile is not None:
                    meanwhile()
                    meanwhile = None
                yield from pending.popleft().result()
        if meanwhile is not None:
            meanwhile()
        while pending:
            yield from pending.popleft().result()
    finally:
        # Interrupted or failed: queued chunks are dropped, and each worker finishes the chunk
        # it is on. Waiting here, rather than in the interpreter's exit, avoids a hang of
        # Python 3.11's pool when a worker died and the pool was shut down without waiting
        # (gh-132969).
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        lifeline.close()
