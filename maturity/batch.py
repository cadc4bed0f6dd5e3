"""Assessing many bundles in one run: one record per organisation plus a batch summary.

A national run is 10^3 to 10^5 bundles. They are found by a sorted walk (streamed: the walk
holds one directory listing at a time) or read a line at a time from a JSON Lines stream
(`maturity.evidence.stream_lines`), handed in small chunks to a pool of worker processes
(`--jobs`, default: the number of cores; each worker builds its session and compiles the rules
once), and their results come back in the order they were handed out. Only this process writes
files, in that order: records, `summary.csv` and `failures.txt` are the same bytes whatever
`--jobs` is and whatever order the file system lists entries in. At most a few chunks are in
flight and summary rows are spooled to an unlinked temporary file, so memory does not grow with
the number of bundles, beyond each organisation's id (kept to catch an organisation given twice)
and, for formats that put every record into one file, the records themselves.

A bad bundle is reported and the others go on (exit code 1; `summary.csv` lists it and
`failures.txt` says why); so is an organisation's index below `--fail-under`. Records are
written atomically, so an interrupted batch leaves every finished record whole; `--resume` then
skips every bundle whose record is there, complete, and pins exactly the inputs and settings of
this run (evidence and document hashes, packs, engine, plugins, profiles, waivers, scoring,
dates, language, roadmap settings).

`--summary-only` writes no records: verdicts come from the generated evaluator
(`maturity.fastpath`) and scores from its scorer, both equal to the reference engine's.
Records take their outcomes from the same evaluator once a process has assessed `FAST_AFTER`
bundles (the same outcomes, so the same bytes: tests/test_record_paths.py).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from maturity.api import Session, assess_bundle, covering_waivers, declared_not_applicable
from maturity.errors import EvidenceError, MaturityError, UsageError
from maturity.evidence import has_bundle_header, is_stream, stream_lines, walk_bundles
from maturity.files import atomic_write, atomic_writer
from maturity.hookspecs import ReportFormat
from maturity.limits import Limits
from maturity.model import EvidenceBundle, Waiver
from maturity.record import (
    Provenance,
    build_record,
    canonical_record_bytes,
    canonicalize,
    parse_record,
)
from maturity.ruleset import RuleSet
from maturity.signals import check_stop

if TYPE_CHECKING:
    from maturity.fastpath import FastRuleSet

__all__ = [
    "SUMMARY_COLUMNS",
    "BatchPlan",
    "BundleResult",
    "Task",
    "bundle_tasks",
    "csv_text",
    "run_batch",
    "single_bundle",
    "summary_rows",
]

#: The columns of `summary.csv`: one row per organisation, pack and scope (the index, then
#: each dimension), and one row per bundle that failed.
SUMMARY_COLUMNS = ("source", "organisation", "kind", "parent", "period", "pack",
                   "pack_version", "scope", "score", "level", "status")
#: Below this many bundles the batch runs in this process: starting workers would cost more.
IN_PROCESS_BELOW = 64
#: Bundles per chunk handed to a worker, and chunks in flight per worker.
CHUNK = 16
IN_FLIGHT = 3
#: Bundles a process assesses through the reference closures before it builds the generated
#: evaluator for its records (about 0.05 s for 500 rules, against some 1 ms saved a bundle):
#: a small batch never pays for it, a national one soon does.
FAST_AFTER = 32


@dataclass(frozen=True, slots=True)
class Task:
    """One bundle to assess: a path to read (shown as `source`), a line of a bundle stream
    (`text`, from the stream at `path` without its `:LINE`), or a bundle a plugin read."""

    source: str
    path: str | None = None
    bundle: EvidenceBundle | None = None
    text: bytes | None = None


@dataclass(frozen=True, slots=True)
class BundleResult:
    """What assessing one bundle gave, sent back from a worker."""

    source: str
    organisation: str | None = None
    rows: tuple[tuple[str, ...], ...] = ()
    output: bytes | None = None
    record: dict[str, Any] | None = None
    failure: str | None = None
    failure_code: str | None = None


@dataclass(frozen=True)
class BatchPlan:
    """Everything a worker needs to rebuild the session and assess like this process does.

    `autoload` and `skip_broken` rebuild the plugin host; `fingerprint` is this process's
    (packs with their hashes, plugins, check operators), which every worker must reproduce.
    """

    packs: tuple[str, ...] | None
    pack_dirs: tuple[str, ...]
    profiles: tuple[str, ...]
    limits: Mapping[str, int]
    autoload: bool | None
    skip_broken: bool
    scoring: str
    as_of: Any
    level_threshold: float
    lang: str | None
    format: str
    roadmap: Mapping[str, Any] | None
    waivers: tuple[Waiver, ...]
    provenance: Provenance
    summary_only: bool
    resume: bool
    output: str
    fingerprint: tuple[Any, ...] = ()
    fast_parsers: bool = True
    #: Exit 1 when an organisation's pack index is below this (`--fail-under`).
    fail_under: float | None = None


# --- finding bundles ----------------------------------------------------------------------


def bundle_tasks(session: Session, paths: Sequence[Path]) -> Iterator[Task]:
    """The bundles below `paths`, streamed in a deterministic order: a bundle directory or
    file, a directory of bundle directories (sorted walk), a bundle stream (line by line), or
    a plugin's own layout."""
    for path in paths:
        if is_stream(path):
            for number, text in stream_lines(path, session.limits):
                yield Task(f"{path.name}:{number}", path=f"{path}:{number}", text=text)
            continue
        if path.is_dir():
            source = session.host.bundle_source(path)
            if source is not None:
                for bundle in source.bundles():
                    yield Task(bundle.source, bundle=bundle)
                continue
            if not has_bundle_header(path, session.loaders):
                found = False
                for directory in walk_bundles(path, session.loaders):
                    found = True
                    yield Task(directory.relative_to(path).as_posix(), path=str(directory))
                if not found:
                    raise EvidenceError(
                        "no evidence bundle found",
                        code="evidence.no-bundles",
                        file=path.name or str(path),
                        expected="a bundle directory (with bundle.toml) or directories of them",
                        found="no bundle.toml below this directory",
                        fix="point at a bundle, or add bundle.toml to each organisation's "
                            "folder",
                    )
                continue
        yield Task(path.name, path=str(path))


def single_bundle(session: Session, paths: Sequence[Path]) -> Task | None:
    """The one bundle `paths` name, or None when they name a batch (several, or none found
    yet: the batch reports that)."""
    tasks = bundle_tasks(session, paths)
    first = next(tasks, None)
    if first is None or next(tasks, None) is not None:
        return None
    return first


# --- assessing (in a worker, or in this process) ------------------------------------------


def _fingerprint(session: Session, rules: RuleSet, provenance: Provenance) -> tuple[Any, ...]:
    return (
        tuple((p.id, p.version, p.sha256) for p in rules.packs),
        tuple((p["name"], p["version"]) for p in provenance.plugins),
        tuple(sorted(session.compiler.types)),
    )


def _score_rows(bundle: EvidenceBundle, scores: Mapping[str, Any],
                packs: Mapping[str, tuple[str, list[str]]]) -> tuple[tuple[str, ...], ...]:
    """Summary rows from the scores a record holds, dimensions in the order the pack
    declares them."""
    summary: dict[str, tuple[float, list[tuple[str, float, int]]]] = {}
    for pack_id, pack in scores.items():
        dims = pack["dimensions"]
        order = packs[pack_id][1] if pack_id in packs else sorted(dims)
        summary[pack_id] = (pack["index"], [(d, dims[d]["score"], dims[d]["level"])
                                            for d in order])
    return summary_rows(bundle, summary, {p: version for p, (version, _order) in packs.items()})


def summary_rows(bundle: EvidenceBundle,
                 summary: Mapping[str, tuple[float, Sequence[tuple[str, float, int]]]],
                 versions: Mapping[str, str]) -> tuple[tuple[str, ...], ...]:
    """Summary rows from each pack's index and dimensions (`FastScorer.summary`), numbers
    rounded as a record rounds them."""
    org = bundle.organisation
    head = (bundle.source, org.id, org.kind, org.parent or "", bundle.period or "")
    rows: list[tuple[str, ...]] = []
    for pack_id in sorted(summary):
        index, dimensions = summary[pack_id]
        version = versions.get(pack_id, "")
        rows.append((*head, pack_id, version, "index", repr(canonicalize(index)), "",
                     "assessed"))
        rows.extend((*head, pack_id, version, dim_id, repr(canonicalize(score)), str(level),
                     "assessed") for dim_id, score, level in dimensions)
    return tuple(rows)


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """The rows as `csv.writer(lineterminator="\\n")` writes them. A row with nothing to
    quote (no comma inside a field, no quote, no line break) is joined directly, five times
    faster; any other goes through the csv module."""
    out: list[str] = []
    for row in rows:
        line = ",".join(row)
        if (line.count(",") == len(row) - 1 and len(row) > 1 and '"' not in line
                and "\n" not in line and "\r" not in line):
            out.append(line + "\n")
        else:
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerow(row)
            out.append(buffer.getvalue())
    return "".join(out)


class Assessor:
    """Assesses bundles for a batch: built once per process from a `BatchPlan`."""

    def __init__(self, plan: BatchPlan, session: Session | None = None,
                 rules: RuleSet | None = None) -> None:
        self.plan = plan
        if session is None or rules is None:
            session, rules = self._rebuild(plan)
        self.session = session
        self.rules = rules
        self.mismatch: str | None = None
        mine = _fingerprint(session, rules, plan.provenance)
        if plan.fingerprint and mine != plan.fingerprint:
            self.mismatch = (
                "a worker process loaded other packs or plugins than the main process "
                f"(main: {plan.fingerprint!r}; worker: {mine!r})")
        self.model = session.scoring_model(plan.scoring)
        self.packs = {p.id: (p.version, [d.id for d in p.header.dimensions])
                      for p in rules.packs}
        formats = {f.name: f for _n, f in session.host.report_formats()}
        self.format: ReportFormat = formats[plan.format]
        self.options: dict[str, Any] = {"lang": plan.lang}
        if plan.format != "json" and not plan.summary_only:
            # The names a report shows come from the packs this run loaded (a `--pack-dir`
            # pack is not among the installed ones).
            self.options["packs"] = list(rules.packs)
        if plan.lang is not None and plan.format != "json" and not plan.summary_only:
            from maturity.i18n import load_language

            self.options["language"] = load_language(session, plan.lang, rules.packs)
        self.loaders = dict(session.loaders)
        if plan.fast_parsers:
            from maturity.fastparse import fast_loaders

            builtin = {s: loader for name, loader in session.host.evidence_loaders()
                       if name == "builtin" for s in loader.suffixes}
            self.loaders = fast_loaders(self.loaders, builtin)
        self._fast: FastRuleSet | None = None
        self._scorer: Any = None
        self._assessed = 0

    @staticmethod
    def _rebuild(plan: BatchPlan) -> tuple[Session, RuleSet]:
        from maturity.plugins import create_host

        host = create_host(autoload=plan.autoload, skip_broken=plan.skip_broken)
        session = Session(host=host, limits=Limits().with_overrides(dict(plan.limits)))
        profiles = session.resolve_profiles(list(plan.profiles))
        rules, _changes = session.load_rules(
            list(plan.packs) if plan.packs else None,
            pack_dirs=[Path(p) for p in plan.pack_dirs],
            profiles=[p for _origin, p in profiles],
        )
        return session, rules

    def read(self, task: Task) -> EvidenceBundle:
        if task.bundle is not None:
            return task.bundle
        from maturity.evidence import load_bundle, load_stream_bundle

        assert task.path is not None
        if task.text is not None:
            return load_stream_bundle(task.text, root=Path(task.path).parent,
                                      display=task.source, loaders=self.loaders,
                                      limits=self.session.limits)
        return load_bundle(Path(task.path), loaders=self.loaders, limits=self.session.limits,
                           display=task.source or None)

    def assess(self, task: Task) -> BundleResult:
        if self.mismatch is not None:
            raise UsageError(
                "the worker processes do not see the same plugins and packs",
                code="usage.batch-workers",
                location="--jobs",
                expected="workers that load what this process loaded",
                found=self.mismatch,
                fix="run with --jobs 1 (plugins registered in-process are not seen by workers)",
            )
        try:
            bundle = self.read(task)
            return self._assess(bundle)
        except MaturityError as exc:
            return BundleResult(task.source, failure=exc.render(), failure_code=exc.code)
        except Exception as exc:  # a bug must not stop a national batch: report it, go on
            return BundleResult(
                task.source, failure=f"internal error: {type(exc).__name__}: {exc}\n"
                                     "please report it with the bundle (SECURITY.md)",
                failure_code="internal")

    def _assess(self, bundle: EvidenceBundle) -> BundleResult:
        plan = self.plan
        org = bundle.organisation.id
        if plan.summary_only:
            summary = self._fast_summary(bundle)
            if summary is not None:
                return BundleResult(bundle.source, org, summary_rows(
                    bundle, summary, {p: v for p, (v, _order) in self.packs.items()}))
        elif plan.resume:
            kept = self._kept_record(bundle)
            if kept is not None:
                return BundleResult(bundle.source, org, _score_rows(
                    bundle, kept["scores"], self.packs))
        self._assessed += 1
        result = assess_bundle(
            bundle, self.rules, model=self.model, as_of=plan.as_of,
            level_threshold=plan.level_threshold, provenance=plan.provenance,
            waivers=plan.waivers, roadmap_settings=plan.roadmap,
            fast=self._fast_rules() if self._assessed > FAST_AFTER else None,
        )
        rows = _score_rows(bundle, result.record["scores"], self.packs)
        if plan.summary_only:
            return BundleResult(bundle.source, org, rows)
        if self.format.batch:
            return BundleResult(bundle.source, org, rows, record=result.record)
        if plan.format == "json":
            # The JSON format is the canonical record, which build_record has just made.
            return BundleResult(bundle.source, org, rows,
                                output=canonical_record_bytes(result.record))
        return BundleResult(bundle.source, org, rows,
                            output=self.format.render([result.record], self.options))

    def _fast_rules(self) -> FastRuleSet:
        """The generated evaluator of this run's rules, built once per process."""
        if self._fast is None:
            from maturity.fastpath import FastRuleSet

            self._fast = FastRuleSet(self.rules, self.session.compiler)
        return self._fast

    def _fast_summary(self, bundle: EvidenceBundle
                      ) -> dict[str, tuple[float, tuple[tuple[str, float, int], ...]]] | None:
        """Index and dimension scores from the generated evaluator; None when the bundle
        needs the full path (waivers or declarations apply, or no date)."""
        day = self.plan.as_of or bundle.as_of
        if day is None or covering_waivers(bundle.organisation.id, self.plan.waivers) \
                or declared_not_applicable(bundle, self.rules):
            return None
        from maturity.checks import EvalContext
        from maturity.fastpath import FastScorer

        if self._scorer is None:
            self._scorer = FastScorer(self.rules, self.model, self.plan.level_threshold)
        try:
            verdicts = self._fast_rules().verdicts(
                bundle.data, EvalContext(day, bundle.documents, bundle.origins, bundle.source))
        except MaturityError:
            # A plugin's check that raises: the full path reports it, naming the evidence
            # file and the rule.
            return None
        summary: dict[str, tuple[float, tuple[tuple[str, float, int], ...]]] = (
            self._scorer.summary(verdicts))
        return summary

    def _kept_record(self, bundle: EvidenceBundle) -> dict[str, Any] | None:
        """The record already written for this bundle, if it is complete and pins exactly
        this run's inputs and settings (then assessing again would give the same bytes)."""
        path = Path(self.plan.output) / f"{bundle.organisation.id}{self.format.suffix}"
        try:
            record = parse_record(path.read_bytes())
        except (OSError, ValueError):
            return None
        day = self.plan.as_of or bundle.as_of
        if day is None or not isinstance(record.get("scores"), dict) or \
                not isinstance(record.get("outcomes"), list):
            return None
        pins = build_record(
            bundle=bundle, as_of=day, packs=self.rules.packs, outcomes=[], scores={},
            scores_without_waivers={}, model=self.model,
            settings={"level_threshold": self.plan.level_threshold},
            provenance=self.plan.provenance,
            waivers=covering_waivers(bundle.organisation.id, self.plan.waivers),
            not_applicable=declared_not_applicable(bundle, self.rules),
        )
        computed = {"outcomes", "scores", "scores_without_waivers", "roadmap"}
        if any(record.get(key) != value for key, value in pins.items() if key not in computed):
            return None
        if set(record) != set(pins):
            return None
        if len(record["outcomes"]) != len(self.rules.rules):
            return None
        roadmap = record.get("roadmap")
        if self.plan.roadmap is None:
            return record if roadmap is None else None
        from maturity.roadmap import parse_settings

        wanted = canonicalize(parse_settings(self.plan.roadmap).as_data())
        if not isinstance(roadmap, dict) or roadmap.get("settings") != wanted:
            return None
        return record


_WORKER: Assessor | None = None


def _start_worker(plan: BatchPlan) -> None:
    """Pool initializer: build this worker's session and rules once."""
    global _WORKER
    _WORKER = Assessor(plan)


def _work(tasks: list[Task]) -> list[BundleResult]:
    assert _WORKER is not None
    return [_WORKER.assess(task) for task in tasks]


# --- the main process ---------------------------------------------------------------------


@dataclass
class _Progress:
    """A progress bar on a terminal, plain log lines elsewhere (1-10, then every 10, …)."""

    stream: IO[str]
    total: int | None
    bar: Any = None
    done: int = 0
    failed: int = 0
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit="bundle", file=self.stream,
                            dynamic_ncols=True, leave=True)

    def step(self, result: BundleResult) -> None:
        self.done += 1
        if result.failure is not None:
            self.failed += 1
            message = f"FAILED {result.source}\n{result.failure}"
            if self.bar is not None:
                self.bar.write(message, file=self.stream)
            else:
                print(message, file=self.stream)
        if self.bar is not None:
            self.bar.update(1)
            if self.failed:
                self.bar.set_postfix(failed=self.failed, refresh=False)
            return
        scale = 10 ** max(0, len(str(self.done)) - 1)
        if self.done % scale == 0:
            rate = self.done / max(time.monotonic() - self.started, 1e-9)
            print(f"[{self.done}] {result.organisation or result.source} "
                  f"({rate:.0f} bundles/s, {self.failed} failed)", file=self.stream)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elapsed = time.monotonic() - self.started
        bundles = "bundle" if self.done == 1 else "bundles"
        print(f"{self.done} {bundles} in {elapsed:.1f} s: {self.done - self.failed} assessed, "
              f"{self.failed} failed", file=self.stream)


def _pool_results(plan: BatchPlan, tasks: Iterable[Task], jobs: int
                  ) -> Iterator[BundleResult]:
    """Results in the order the tasks were given, from `jobs` worker processes with at most
    `IN_FLIGHT` chunks each in flight."""
    from maturity.pool import ordered_results

    return ordered_results(_work, tasks, jobs, chunk=CHUNK, in_flight=IN_FLIGHT,
                           initializer=_start_worker, initargs=(plan,),
                           preload=["maturity.batch"])


class _Spool:
    """Rows kept in an unlinked temporary file (nothing is left behind, even on SIGKILL)."""

    def __init__(self) -> None:
        # Closed by `close()` in `execute`'s finally block.
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        self.writer = csv.writer(self.file, lineterminator="\n")
        self.count = 0

    def write(self, row: Sequence[str]) -> None:
        self.writer.writerow(row)
        self.count += 1

    def write_all(self, rows: Sequence[Sequence[str]]) -> None:
        self.file.write(csv_text(rows))
        self.count += len(rows)

    def close(self) -> None:
        self.file.close()


def run_batch(
    session: Session,
    args: argparse.Namespace,
    rules: RuleSet,
    paths: Sequence[Path],
    provenance: Provenance,
    waivers: Sequence[Waiver] = (),
) -> int:
    """Assess every bundle below `paths` (see the module docstring); 1 if any failed."""
    fmt_name = args.format or "json"
    formats = {f.name: f for _n, f in session.host.report_formats()}
    fmt = formats.get(fmt_name)
    if fmt is None:
        raise UsageError(
            f"unknown report format {args.format!r}",
            code="usage.unknown-format",
            location="--format",
            expected="one of " + ", ".join(sorted(formats)),
            found=repr(args.format),
            fix="choose a listed format",
        )
    if not args.output:
        raise UsageError(
            "a batch needs -o",
            code="usage.batch-output",
            location="-o",
            expected="a directory for the records (or a file for a batch format)",
            found="no -o",
            fix="add -o OUT_DIR",
        )
    summary_only = bool(getattr(args, "summary_only", False))
    resume = bool(getattr(args, "resume", False))
    if resume and (fmt.name != "json" or summary_only):
        raise UsageError(
            "--resume reads back the records of an earlier run: JSON records only",
            code="usage.resume-format",
            location="--resume",
            expected="--format json (the default), without --summary-only",
            found=f"--format {fmt.name}" + (" --summary-only" if summary_only else ""),
            fix="assess into JSON records, then render them with `maturity report`",
        )
    requested = getattr(args, "jobs", None)
    jobs = requested if requested is not None else (os.cpu_count() or 1)
    if jobs < 1:
        raise UsageError(
            "--jobs takes a number of worker processes",
            code="usage.jobs",
            location="--jobs",
            expected="1 or more",
            found=str(jobs),
            fix="e.g. --jobs 2",
        )
    from maturity.roadmap_options import settings_from_args

    plan = BatchPlan(
        packs=tuple(args.pack) if args.pack else None,
        pack_dirs=tuple(str(p) for p in args.pack_dir),
        profiles=tuple(str(p) for p in args.profile),
        limits=dict(getattr(args, "limit", None) or []),
        autoload=None,
        skip_broken=bool(getattr(args, "skip_broken_plugins", False)),
        scoring=args.scoring,
        as_of=args.as_of,
        level_threshold=args.level_threshold,
        lang=args.lang,
        format=fmt.name,
        # Every organisation gets its roadmap, as a single assessment does (--no-roadmap: none).
        roadmap=None if summary_only else settings_from_args(args),
        waivers=tuple(waivers),
        provenance=provenance,
        summary_only=summary_only,
        resume=resume,
        output=str(args.output),
        fingerprint=_fingerprint(session, rules, provenance),
        fail_under=getattr(args, "fail_under", None),
    )
    return execute(plan, session, rules, bundle_tasks(session, paths), jobs,
                   count=lambda: _count_tasks(session, paths))


def execute(plan: BatchPlan, session: Session, rules: RuleSet, tasks: Iterable[Task],
            jobs: int, *, log: IO[str] | None = None,
            count: Callable[[], int | None] = lambda: None) -> int:
    """Run a planned batch over `tasks` and write its outputs; 1 if any bundle failed.

    Batches of fewer than `IN_PROCESS_BELOW` bundles, and `jobs=1`, run in this process with
    `session` and `rules` as they are (plugins registered in-process included)."""
    stream = log or sys.stderr
    out = Path(plan.output)
    local = Assessor(plan, session, rules)
    iterator = iter(tasks)
    head = list(itertools.islice(iterator, IN_PROCESS_BELOW))
    small = len(head) < IN_PROCESS_BELOW
    stream_tasks = _joined(head, iterator)
    total = len(head) if small else (count() if stream.isatty() else None)
    progress = _Progress(stream, total)
    summary = _Spool()
    failures = _Spool()
    records: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    below: list[str] = []
    results: Iterable[BundleResult]
    if small or jobs == 1:
        results = (local.assess(task) for task in stream_tasks)
    else:
        results = _pool_results(plan, stream_tasks, jobs)
    try:
        for result in results:
            check_stop()
            if result.failure is None and result.organisation in seen:
                result = BundleResult(
                    result.source,
                    failure=f"error[evidence.duplicate-organisation]: {result.source}: "
                    f"organisation {result.organisation!r} was already assessed in this "
                    f"batch from {seen[result.organisation]}\n"
                    "  fix: give each organisation one bundle per batch (assess each period "
                    "in its own batch)",
                    failure_code="evidence.duplicate-organisation")
            if result.failure is not None:
                summary.write((result.source, "", "", "", "", "", "", "", "", "",
                               f"failed: {result.failure_code}"))
                failures.write((result.source, result.failure))
            else:
                assert result.organisation is not None
                seen[result.organisation] = result.source
                summary.write_all(result.rows)
                if plan.fail_under is not None:
                    below += _below(result, plan.fail_under)
                if result.record is not None:
                    records.append(result.record)
                elif result.output is not None:
                    atomic_write(out / f"{result.organisation}{local.format.suffix}",
                                 result.output)
            progress.step(result)
        progress.close()
        if local.format.batch and not plan.summary_only:
            atomic_write(out, local.format.render(records, local.options))
        else:
            _atomic_copy(out / "summary.csv", ",".join(SUMMARY_COLUMNS) + "\n", summary)
            failures_file = out / "failures.txt"
            if failures.count:
                atomic_write(failures_file, _failure_text(failures))
            else:
                with contextlib.suppress(FileNotFoundError):
                    failures_file.unlink()
    finally:
        summary.close()
        failures.close()
    if below:
        listed = ", ".join(below[:_BELOW_LISTED])
        more = (f" and {len(below) - _BELOW_LISTED} more (summary.csv has every index)"
                if len(below) > _BELOW_LISTED else "")
        print(f"below --fail-under {plan.fail_under}: {listed}{more}", file=stream)
    return 1 if failures.count or below else 0


#: Organisations named on the terminal when indexes are below `--fail-under`.
_BELOW_LISTED = 20


def _below(result: BundleResult, threshold: float) -> list[str]:
    """"ORGANISATION PACK INDEX" for each pack index of `result` below `threshold` (read
    from its summary rows: the index as the record rounds it)."""
    return [f"{result.organisation} {row[5]} {float(row[8]):.3f}" for row in result.rows
            if row[7] == "index" and float(row[8]) < threshold]


def _failure_text(failures: _Spool) -> bytes:
    failures.file.seek(0)
    blocks = [f"{source}\n{message}" for source, message in csv.reader(failures.file)]
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _joined(head: list[Task], rest: Iterator[Task]) -> Iterator[Task]:
    yield from head
    yield from rest


def _count_tasks(session: Session, paths: Sequence[Path]) -> int | None:
    """How many bundles `paths` hold, for the progress bar's total (a second, cheap walk);
    None when a plugin reads the layout (counting would read every bundle)."""
    count = 0
    for path in paths:
        if path.is_dir() and session.host.bundle_source(path) is not None:
            return None
        if is_stream(path):
            count += sum(1 for _ in stream_lines(path, session.limits))
            continue
        if path.is_dir() and not has_bundle_header(path, session.loaders):
            count += sum(1 for _ in walk_bundles(path, session.loaders))
        else:
            count += 1
    return count


def _atomic_copy(path: Path, head: str, spool: _Spool) -> None:
    """`atomic_write` for a spooled file: streamed, so its size never sits in memory."""
    with atomic_writer(path, text=True) as handle:
        handle.write(head)
        spool.file.seek(0)
        for block in iter(lambda: spool.file.read(1 << 20), ""):
            handle.write(block)
