"""Assessing many bundles in one run: one record per organisation plus a batch summary.

Bundles are read one at a time (streamed), so memory does not grow with their number. A bad
bundle is reported and the others go on; the exit code is 1 when any failed. Records are
written atomically, so an interrupted batch leaves every finished record intact.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from maturity.api import Session, assess_bundle
from maturity.errors import MaturityError, UsageError
from maturity.files import atomic_write
from maturity.model import Waiver
from maturity.record import Provenance
from maturity.roadmap import settings_from_args
from maturity.ruleset import RuleSet

__all__ = ["run_batch"]


def run_batch(
    session: Session,
    args: argparse.Namespace,
    rules: RuleSet,
    bundles: Sequence[Callable[[], Any]],
    provenance: Provenance,
    waivers: Sequence[Waiver] = (),
) -> int:
    formats = {f.name: f for _n, f in session.host.report_formats()}
    fmt = formats.get(args.format or "json")
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
    model = session.scoring_model(args.scoring)
    # Every organisation gets its roadmap, as a single assessment does (--no-roadmap: none).
    roadmap_settings = settings_from_args(args)
    out = Path(args.output)
    records: list[dict[str, Any]] = []
    failures: list[str] = []
    summary_rows: list[str] = []
    for index, read in enumerate(bundles, start=1):
        try:
            bundle = read()
            result = assess_bundle(
                bundle, rules, model=model, as_of=args.as_of,
                level_threshold=args.level_threshold, provenance=provenance, waivers=waivers,
                roadmap_settings=roadmap_settings,
            )
        except MaturityError as exc:
            failures.append(exc.render())
            print(f"[{index}/{len(bundles)}] FAILED\n{exc.render()}", file=sys.stderr)
            continue
        org = bundle.organisation.id
        if fmt.batch:
            records.append(result.record)
        else:
            rendered = fmt.render([result.record], {"lang": args.lang})
            atomic_write(out / f"{org}{fmt.suffix}", rendered)
        for pack_id, score in sorted(result.scores.items()):
            summary_rows.append(f"{org},{pack_id},{score.index!r}")
        print(f"[{index}/{len(bundles)}] {org}", file=sys.stderr)
    if fmt.batch:
        atomic_write(out, fmt.render(records, {"lang": args.lang}))
    else:
        summary = "organisation,pack,index\n" + "".join(f"{r}\n" for r in sorted(summary_rows))
        atomic_write(out / "summary.csv", summary.encode())
        if failures:
            atomic_write(out / "failures.txt", ("\n\n".join(failures) + "\n").encode())
    return 1 if failures else 0
