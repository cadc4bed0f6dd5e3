"""The `compare` and `trend` commands: records read from files, streamed, rendered to a file.

`maturity compare RECORD…|DIR -o FILE.html|.md|.csv` compares organisations (see
`maturity.compare`); `maturity trend RECORD… -o FILE` follows one organisation over periods
(see `maturity.trend`). A directory stands for every `*.json` record below it, in sorted order,
so a batch's output directory can be compared as it is. The output format follows the file's
suffix unless `--format` says otherwise.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maturity.api import Session
    from maturity.compare import Cohort
    from maturity.i18n import Language

__all__ = ["add_commands", "read_cohort", "record_paths"]

FORMATS = ("html", "md", "csv")


def record_paths(paths: Sequence[str]) -> list[Path]:
    """The record files named: files as given, directories as their `*.json` files (sorted)."""
    from maturity.errors import RecordError

    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            records = sorted(p for p in path.rglob("*.json") if p.is_file())
            if not records:
                raise RecordError(
                    "no records in this directory",
                    code="record.none",
                    file=path.name or str(path),
                    expected="JSON records written by `maturity assess`",
                    found="no *.json file below it",
                    fix="point at a batch's output directory or at record files",
                )
            found.extend(records)
        else:
            found.append(path)
    return found


def _format(args: argparse.Namespace) -> str:
    from maturity.errors import UsageError

    fmt = args.format or Path(args.output).suffix.lstrip(".").lower()
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise UsageError(
            f"no {args.command} output format for {args.output!r}",
            code="usage.unknown-format",
            location="-o",
            expected="a file ending in .html, .md or .csv (or --format html|md|csv)",
            found=repr(fmt or args.output),
            fix="e.g. -o comparison.html",
        )
    return fmt


def _records(paths: Sequence[Path]) -> Iterator[dict[str, Any]]:
    from maturity.loaders import load_record

    for path in paths:
        # Comparisons and trends never read a record's roadmap.
        yield load_record(path, roadmap=False)


#: Below this many records they are read in this process: starting workers would cost more.
IN_PROCESS_BELOW = 64
#: Records per chunk a worker summarises into one cohort, and chunks in flight per worker.
CHUNK = 16
IN_FLIGHT = 3


def _cohort_of(paths: list[Path]) -> list[Cohort]:
    """Worker: one cohort of a run of records (only that crosses between processes)."""
    from maturity.compare import Cohort

    cohort = Cohort()
    for record in _records(paths):
        cohort.add(record)
    return [cohort]


def read_cohort(paths: Sequence[Path], jobs: int, meanwhile: Callable[[], None] = lambda: None
                ) -> Cohort:
    """The cohort of the records at `paths`, read by `jobs` worker processes (in this one for
    a few records), each summarising a run of them, added up in order: the same cohort,
    so the same comparison, whatever `jobs` is. A bad record stops the run with its error, as
    in one process. `meanwhile` is run while the workers start."""
    from maturity.compare import Cohort

    cohort = Cohort()
    if jobs <= 1 or len(paths) < IN_PROCESS_BELOW:
        meanwhile()
        for record in _records(paths):
            cohort.add(record)
        return cohort
    from maturity.pool import ordered_results

    for part in ordered_results(_cohort_of, paths, jobs, chunk=CHUNK, in_flight=IN_FLIGHT,
                                preload=["maturity.cohort", "maturity.compare",
                                         "maturity.loaders"],
                                meanwhile=meanwhile):
        cohort.absorb(part)
    return cohort


def _catalogue(session: Session, language: Language,
               ) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """Titles and dimension names of the installed packs (records hold ids only), in the
    report's language."""
    return {pack_id: (language.pack_title(pack_id, pack.header.title),
                      [(d.id, language.dimension(pack_id, d.id, d.name))
                       for d in pack.header.dimensions])
            for pack_id, (pack, _location) in session.available_packs().items()}


def _language(args: argparse.Namespace) -> tuple[Session, Language]:
    """The run's session and the report's language (`--lang`, English by default)."""
    from maturity.api import Session
    from maturity.i18n import load_language

    session = Session()
    return session, load_language(session, args.lang or "en")


def cmd_compare(args: argparse.Namespace) -> int:
    from maturity.compare import comparison, render_comparison
    from maturity.files import atomic_write

    fmt = _format(args)
    found: list[tuple[Language, dict[str, tuple[str, list[tuple[str, str]]]]]] = []

    def installed() -> None:
        """The report's language and the installed packs' names (the slowest part of this
        process's start), read while the workers start."""
        session, language = _language(args)
        found.append((language, _catalogue(session, language)))

    jobs = args.jobs if args.jobs is not None else (os.cpu_count() or 1)
    cohort = read_cohort(record_paths(args.records), jobs, installed)
    language, catalogue = found[0]
    result = comparison(cohort, group_by=args.by, anonymise_below=args.anonymise_below,
                        weakest=args.weakest, catalogue=catalogue)
    atomic_write(Path(args.output), render_comparison(result, fmt, language))
    return 0


def cmd_trend(args: argparse.Namespace) -> int:
    from maturity.files import atomic_write
    from maturity.trend import render_trend, trend

    fmt = _format(args)
    session, language = _language(args)
    paths = record_paths(args.records)
    result = trend(list(_records(paths)), [p.name for p in paths],
                   _catalogue(session, language))
    atomic_write(Path(args.output), render_trend(result, fmt, language))
    return 0


#: Above any cohort's size (and where a report's numbers would stop being numbers).
_MOST = 10**9


def _positive(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= _MOST:
        raise argparse.ArgumentTypeError(
            f"expected a whole number from 1 to {_MOST:,}, found {text[:40]!r}")
    return int(text)


def add_commands(sub: Any) -> None:
    p = sub.add_parser("compare", help="compare organisations: heatmap, ranking, distributions, "
                                       "groups, weakest rules")
    p.add_argument("records", nargs="+", metavar="RECORD|DIR",
                   help="records, or directories of records (a batch's output)")
    p.add_argument("-o", "--output", required=True, help="FILE.html, FILE.md or FILE.csv")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: from the file's suffix)")
    p.add_argument("--by", choices=("kind", "parent"), default="kind",
                   help="group averages by kind of organisation or by parent (default kind)")
    p.add_argument("--anonymise-below", type=_positive, default=None, metavar="N",
                   help="number the organisations of a cohort smaller than N, and withhold "
                        "group averages over fewer than N")
    p.add_argument("--weakest", type=_positive, default=15, metavar="N",
                   help="how many of the weakest rules to list (default 15)")
    p.add_argument("--jobs", type=_positive, default=None, metavar="N",
                   help="worker processes reading the records (default: the number of cores;"
                        " the comparison is the same whatever N is)")
    p.add_argument("--lang", default=None, help="report language (en, fr, ar, …; default en)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(handler=cmd_compare)

    p = sub.add_parser("trend", help="one organisation over periods: table and chart per "
                                     "dimension, breaks where scores stop being comparable")
    p.add_argument("records", nargs="+", metavar="RECORD|DIR",
                   help="the organisation's records, one per period")
    p.add_argument("-o", "--output", required=True, help="FILE.html, FILE.md or FILE.csv")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: from the file's suffix)")
    p.add_argument("--lang", default=None, help="report language (en, fr, ar, …; default en)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    p.set_defaults(handler=cmd_trend)
