"""End to end: evaluate + score + summary over a stream of bundles, with worker processes.

The pool's functions live here, in a module of their own, so worker processes import them by
name (the benchmark's main script is `__main__`).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import synthetic

__all__ = ["control", "end_to_end"]


_WORKER: Any = None


def _start(pack_dir: str) -> None:
    """Pool initializer: the session, rules, evaluator and scorer, built once per worker."""
    global _WORKER
    from maturity.api import Session
    from maturity.fastpath import FastRuleSet, FastScorer
    from maturity.plugins import create_host

    session = Session(host=create_host(autoload=False))
    rules, _ = session.load_rules(pack_dirs=[Path(pack_dir)])
    model = session.scoring_model("oecd-dgi")
    _WORKER = (rules, FastRuleSet(rules, session.compiler), FastScorer(rules, model))


def _assess_lines(lines: list[bytes]) -> list[tuple[tuple[str, ...], ...]]:
    """Evaluate, score and summarise bundles given as JSON text (one bundle per line)."""
    import orjson

    from maturity.batch import summary_rows
    from maturity.checks import EvalContext
    from maturity.evidence import bundle_from_tree

    rules, fast, scorer = _WORKER
    versions = {p.id: p.version for p in rules.packs}
    out = []
    for line in lines:
        tree = orjson.loads(line)
        # The header validated as the loader does (JSON dates read from their text).
        bundle = bundle_from_tree(tree, source=tree["organisation"]["id"],
                                  header_file="bundle.json")
        assert bundle.as_of is not None
        verdicts = fast.verdicts(bundle.data, EvalContext(bundle.as_of, synthetic.DOCUMENTS))
        out.append(summary_rows(bundle, scorer.summary(verdicts), versions))
    return out


def _stream(path: Path, chunk: int) -> Iterator[list[bytes]]:
    with path.open("rb") as handle:
        lines: list[bytes] = []
        for line in handle:
            lines.append(line)
            if len(lines) == chunk:
                yield lines
                lines = []
        if lines:
            yield lines


def _peak_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM"))


def end_to_end(pack_dir: Path, stream: Path, jobs: int, out: Path) -> dict[str, Any]:
    """Stream bundles to `jobs` workers in chunks (at most 3 per worker in flight), write the
    summary rows in order as they come back; wall time, start-up included."""
    import csv
    import multiprocessing

    from maturity.batch import SUMMARY_COLUMNS

    started = time.perf_counter()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["benchmarks.endtoend"])
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start,
                               initargs=(str(pack_dir),))
    pending: deque[Future[list[tuple[tuple[str, ...], ...]]]] = deque()
    bundles = rows = 0
    worker_peak = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SUMMARY_COLUMNS)

        def drain(future: Future[list[tuple[tuple[str, ...], ...]]]) -> None:
            nonlocal bundles, rows
            for bundle_rows in future.result():
                bundles += 1
                rows += len(bundle_rows)
                writer.writerows(bundle_rows)

        for lines in _stream(stream, 200):
            pending.append(pool.submit(_assess_lines, lines))
            if len(pending) >= 3 * jobs:
                drain(pending.popleft())
        while pending:
            drain(pending.popleft())
        workers = [p.pid for p in pool._processes.values() if p.pid]
        worker_peak = max(_peak_kib(pid) for pid in workers)
        worker_cpu = [_cpu_seconds(pid) for pid in workers]
    pool.shutdown()
    elapsed = time.perf_counter() - started
    return {"bundles": bundles, "rows": rows, "seconds": elapsed,
            "main_peak_mib": _peak_kib(os.getpid()) / 1024,
            "worker_peak_mib": worker_peak / 1024,
            "worker_cpu_s": max(worker_cpu), "main_cpu_s": time.process_time()}


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used (from /proc)."""
    with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spin(seconds: float) -> int:
    """The CPU-bound control: pure-Python arithmetic for a fixed amount of work."""
    total = 0
    for i in range(int(seconds * 8_000_000)):
        total += i * i % 7
    return total


def control(jobs: int, seconds: float) -> float:
    """Wall time of 2 units of pure CPU work on `jobs` processes."""
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    started = time.perf_counter()
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        list(pool.map(_spin, [seconds] * 2))
    return time.perf_counter() - started
