"""End to end: evaluate + score + summary over a stream of bundles, with worker processes.

The pool's functions live here, in a module of their own, so worker processes import them by
name (the benchmark's main script is `__main__`).
"""

from __future__ import annotations

import os
import time
from collections import deque
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
    from maturity.evidence import HEADER_KEYS
    from maturity.fastpath import FastRuleSet, FastScorer
    from maturity.plugins import create_host

    session = Session(host=create_host(autoload=False))
    rules, _ = session.load_rules(pack_dirs=[Path(pack_dir)])
    model = session.scoring_model("oecd-dgi")
    fast = FastRuleSet(rules, session.compiler)
    _WORKER = (rules, fast.json_reader(HEADER_KEYS), FastScorer(rules, model))


def _assess_range(path: str, start: int, stop: int) -> tuple[int, str]:
    """Evaluate, score and summarise the bundles (one JSON text per line) whose lines start in
    the byte range [start, stop) of `path`; (how many, their summary rows as CSV text)."""
    from maturity.batch import csv_text, summary_rows
    from maturity.checks import EvalContext
    from maturity.evidence import bundle_from_tree

    rules, reader, scorer = _WORKER
    versions = {p.id: p.version for p in rules.packs}
    out: list[str] = []
    count = 0
    with open(path, "rb") as handle:
        if start:
            handle.seek(start - 1)
            handle.readline()  # the line that started before this range is the one before's
        while handle.tell() < stop:
            line = handle.readline()
            if not line:
                break
            # msgspec decodes only what the rules read, and the header tables as dicts.
            header, evidence = reader.read(line)
            # The header validated as the loader does (JSON dates read from their text).
            bundle = bundle_from_tree(header, source=header["organisation"]["id"],
                                      header_file="bundle.json")
            assert bundle.as_of is not None
            ctx = EvalContext(bundle.as_of, synthetic.DOCUMENTS)
            out.append(csv_text(summary_rows(
                bundle, scorer.summary(reader.verdicts(evidence, ctx)), versions)))
            count += 1
    return count, "".join(out)


def _peak_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM"))


def end_to_end(pack_dir: Path, stream: Path, jobs: int, out: Path) -> dict[str, Any]:
    """Hand `jobs` workers byte ranges of a JSON Lines stream (about 200 bundles each, at most
    3 ranges per worker in flight); the workers read and assess their bundles and send back
    CSV text, which this process writes in order. Wall time, start-up included."""
    import multiprocessing

    from maturity.batch import SUMMARY_COLUMNS

    started = time.perf_counter()
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["benchmarks.endtoend"])
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_start,
                               initargs=(str(pack_dir),))
    pending: deque[Future[tuple[int, str]]] = deque()
    size = stream.stat().st_size
    step = 200 * 8_700  # about 200 bundles
    bundles = 0
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(SUMMARY_COLUMNS) + "\n")

        def drain(future: Future[tuple[int, str]]) -> None:
            nonlocal bundles
            count, text = future.result()
            bundles += count
            handle.write(text)

        for start in range(0, size, step):
            pending.append(pool.submit(_assess_range, str(stream), start, start + step))
            if len(pending) >= 3 * jobs:
                drain(pending.popleft())
        while pending:
            drain(pending.popleft())
        workers = [p.pid for p in pool._processes.values() if p.pid]
        worker_peak = max(_peak_kib(pid) for pid in workers)
        worker_cpu = [_cpu_seconds(pid) for pid in workers]
    pool.shutdown()
    elapsed = time.perf_counter() - started
    return {"bundles": bundles, "seconds": elapsed,
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
