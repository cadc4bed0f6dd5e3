"""The `maturity` command line: a thin layer over `maturity.api`.

Exit codes: 0 success, 1 a score below `--fail-under` (or a verification mismatch, or some
bundles of a batch failed), 2 bad input or usage. Errors go to stderr as one paragraph without
a traceback (`--debug` shows it). Heavy modules are imported inside the commands that use them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity import __version__

if TYPE_CHECKING:
    from maturity.api import Session
    from maturity.errors import MaturityError

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text!r}") from None


def _limit(text: str) -> tuple[str, int]:
    name, _, value = text.partition("=")
    if not (value.isascii() and value.isdigit()) or int(value) > _LIMIT_CEILING:
        raise argparse.ArgumentTypeError(
            f"expected name=N, N a whole number from 0 to {_LIMIT_CEILING} (2**62), "
            f"found {text!r}")
    return name, int(value)


#: The largest value a limit takes: sizes beyond it cannot be indexed on any machine.
_LIMIT_CEILING = 2**62


def _session(args: argparse.Namespace) -> Session:
    from maturity.api import Session
    from maturity.errors import UsageError
    from maturity.limits import Limits
    from maturity.plugins import create_host

    limits = Limits()
    overrides = dict(getattr(args, "limit", None) or [])
    if overrides:
        try:
            limits = limits.with_overrides(overrides)
        except KeyError as exc:
            raise UsageError(
                f"unknown limit {exc.args[0]!r}",
                code="usage.unknown-limit",
                location="--limit",
                expected="one of " + ", ".join(Limits.names()),
                found=repr(exc.args[0]),
                fix="use a listed limit name",
            ) from None
    host = create_host(skip_broken=getattr(args, "skip_broken_plugins", False))
    return Session(host=host, limits=limits)


def _write(data: bytes, output: str | None) -> None:
    if output is None or output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from maturity.files import atomic_write

    atomic_write(Path(output), data)


def _load_waivers(
    path: str | None, limits: Any = None, rules: Any = None
) -> tuple[list[Any], dict[str, str] | None]:
    """The waivers of a file, and the file's name and sha256 for the record. Given the loaded
    `rules`, a waiver naming a near miss of a loaded rule id is refused as a typo."""
    if not path:
        return [], None
    import hashlib

    from maturity.loaders import check_waiver_rules, load_waivers

    waivers = load_waivers(Path(path), limits)
    if rules is not None:
        check_waiver_rules(waivers, (r.id for r in rules.rules), Path(path).name)
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return waivers, {"name": Path(path).name, "sha256": digest}


def _formats(session: Session) -> dict[str, Any]:
    return {f.name: f for _n, f in session.host.report_formats()}


def _render(session: Session, records: Sequence[dict[str, Any]], fmt: str,
            options: dict[str, Any]) -> bytes:
    from maturity.errors import UsageError

    formats = _formats(session)
    if fmt not in formats:
        raise UsageError(
            f"unknown report format {fmt!r}",
            code="usage.unknown-format",
            location="--format",
            expected="one of " + ", ".join(sorted(formats)),
            found=repr(fmt),
            fix="choose a listed format (maturity plugins shows who adds which)",
        )
    return formats[fmt].render(records, options)  # type: ignore[no-any-return]


def cmd_assess(args: argparse.Namespace) -> int:
    from maturity.api import assess_bundle, provenance_for

    _check_fail_under(args.fail_under)
    session = _session(args)
    profiles = session.resolve_profiles(args.profile)
    rules, changes = session.load_rules(
        args.pack or None,
        pack_dirs=[Path(p) for p in args.pack_dir],
        profiles=[p for _origin, p in profiles],
    )
    model = session.scoring_model(args.scoring)
    waivers, waiver_file = _load_waivers(args.waivers, session.limits, rules)
    # Plugins' bundle sources run before the provenance is taken, so one skipped there is listed.
    from maturity.batch import single_bundle

    paths = [Path(p) for p in args.evidence]
    roadmap = _roadmap_settings(args)
    if roadmap is not None and not getattr(args, "summary_only", False):
        from maturity.roadmap import check_settings

        check_settings(roadmap, rules.packs)
    one = single_bundle(session, paths)
    args.lang = _check_lang(session, args.lang, getattr(args, "pack_dir", []))
    provenance = provenance_for(session, changes, args.lang, profiles=profiles,
                                waiver_file=waiver_file)
    if one is not None and _names_directory(args.output):
        # `-o out/` asks for a directory: a folder holding one bundle gets a batch's outputs.
        one = None
    if one is None:
        from maturity.batch import run_batch

        return run_batch(session, args, rules, paths, provenance, waivers=waivers)
    bundle = one.bundle or session.load_evidence(Path(str(one.path)), display=one.source or None)
    result = assess_bundle(
        bundle, rules, model=model, as_of=args.as_of, level_threshold=args.level_threshold,
        waivers=waivers, provenance=provenance, roadmap_settings=roadmap,
    )
    if args.format is None:
        args.format = "json"
    _write(_render(session, [result.record], args.format,
                   _report_options(session, args.lang, args.format, rules.packs)), args.output)
    if args.fail_under is not None:
        low = [f"{p} {s.index:.3f}" for p, s in result.scores.items()
               if s.index < args.fail_under]
        if low:
            print(f"below --fail-under {args.fail_under}: " + ", ".join(low), file=sys.stderr)
            return 1
    return 0


def _check_fail_under(threshold: float | None) -> None:
    """Refused before anything is read or written."""
    if threshold is not None and not 0 <= threshold <= 1:
        from maturity.errors import UsageError

        raise UsageError(
            "--fail-under takes a score between 0 and 1",
            code="usage.fail-under",
            location="--fail-under",
            expected="a number from 0 to 1",
            found=str(threshold),
            fix="e.g. --fail-under 0.6",
        )


def _names_directory(output: str | None) -> bool:
    """Whether `-o` names a directory: one that exists, or a path ending with a slash."""
    if not output or output == "-":
        return False
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def _check_lang(session: Session, lang: str | None, pack_dirs: Sequence[str] = ()
                ) -> str | None:
    """The report language, refused up front (with the languages on offer) when unknown; a
    local pack's catalogue files offer theirs too."""
    if lang is None:
        return None
    from maturity.i18n import check_language

    return check_language(session, lang, [Path(d) for d in pack_dirs])


def _report_options(session: Session, lang: str | None, fmt: str | None,
                    packs: Sequence[Any] | None = None) -> dict[str, Any]:
    """Render options: the language, with its translations loaded through this run's plugins
    and packs (a record's canonical JSON needs none), and the packs this run loaded, whose
    names a report shows (a `--pack-dir` pack is not among the installed ones)."""
    options: dict[str, Any] = {"lang": lang}
    if packs is not None and fmt not in (None, "json"):
        options["packs"] = list(packs)
    if lang is not None and fmt not in (None, "json"):
        from maturity.i18n import load_language

        options["language"] = load_language(session, lang, packs)
    return options


def _roadmap_settings(args: argparse.Namespace) -> dict[str, Any] | None:
    try:
        from maturity.roadmap_options import settings_from_args
    except ImportError:
        return None
    settings: dict[str, Any] | None = settings_from_args(args)
    return settings


def cmd_rules_list(args: argparse.Namespace) -> int:
    from collections import Counter

    session = _session(args)
    rules, _ = session.load_rules(args.pack or None, pack_dirs=[Path(p) for p in args.pack_dir])
    for pack in rules.packs:
        print(f"{pack.id} {pack.version}: {pack.header.title} ({len(pack.rules)} rules)")
        by_dim = Counter(r.dimension for r in pack.rules)
        by_cell = Counter((r.dimension, r.facet) for r in pack.rules)
        by_level = Counter(r.level for r in pack.rules)
        for dim in pack.header.dimensions:
            print(f"  {dim.id}: {by_dim[dim.id]}")
            for facet in pack.header.facets:
                if facet.dimension in (None, dim.id):
                    print(f"    {facet.id}: {by_cell[(dim.id, facet.id)]}")
        print("  levels: " + ", ".join(f"{lvl}: {by_level[lvl]}" for lvl in range(1, 6)))
        if args.verbose:
            for rule in sorted(pack.rules, key=lambda r: r.id):
                print(f"  {rule.id:<18} L{rule.level} w{rule.weight:g}  {rule.title}")
    return 0


def cmd_rules_show(args: argparse.Namespace) -> int:
    import tomli_w

    from maturity.errors import UsageError

    session = _session(args)
    rules, _ = session.load_rules(args.pack or None, pack_dirs=[Path(p) for p in args.pack_dir])
    try:
        compiled = rules.rule(args.rule_id)
    except KeyError:
        from maturity.errors import did_you_mean

        hint = did_you_mean(args.rule_id, [r.id for r in rules.rules])
        raise UsageError(
            f"no rule {args.rule_id!r} in the loaded packs",
            code="usage.unknown-rule",
            location="RULE_ID",
            expected="the id of a rule of the loaded packs (`maturity rules list -v`)",
            found=repr(args.rule_id),
            fix=f"did you mean {hint!r}?" if hint else "see `maturity rules list -v`",
        ) from None
    print(f"# pack {compiled.pack}; condition: {compiled.check.condition}")
    data = compiled.rule.model_dump(mode="json", exclude_defaults=True)
    print(tomli_w.dumps({"rules": [data]}), end="")
    return 0


def cmd_rules_test(args: argparse.Namespace) -> int:
    from maturity.testing import run_rule_tests

    session = _session(args)
    rules, _ = session.load_rules(args.pack or None, pack_dirs=[Path(p) for p in args.pack_dir])
    results = run_rule_tests(rules)
    failed = [r for r in results if not r.ok]
    for result in failed:
        print(f"FAIL {result.case}: {result.message}")
    untested = [r.id for r in rules.rules if not r.rule.tests]
    for rule_id in untested:
        print(f"NO TESTS {rule_id}")
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed "
          f"({len(rules.rules)} rules, {len(untested)} without tests)")
    return 1 if failed or untested else 0


def cmd_rules_lint(args: argparse.Namespace) -> int:
    from maturity.lint import lint_rules

    session = _session(args)
    rules, _ = session.load_rules(args.pack or None, pack_dirs=[Path(p) for p in args.pack_dir])
    problems = lint_rules(rules, session, lang=args.lang)
    for problem in problems:
        print(problem)
    count = len(problems)
    print(f"{count} problem{'' if count == 1 else 's'} "
          f"(checked {len(rules.rules)} rules of {len(rules.packs)} "
          f"pack{'' if len(rules.packs) == 1 else 's'}, with their texts)")
    return 1 if problems else 0


def cmd_evidence_check(args: argparse.Namespace) -> int:
    from maturity.schema import check_evidence

    session = _session(args)
    rules, _ = session.load_rules(args.pack or None, pack_dirs=[Path(p) for p in args.pack_dir])
    bundle = session.load_evidence(Path(args.evidence))
    findings = check_evidence(bundle, rules)
    for finding in findings:
        print(finding)
    print(f"{len(findings)} finding(s) in {bundle.source}")
    return 1 if findings else 0


def cmd_evidence_template(args: argparse.Namespace) -> int:
    from maturity.schema import evidence_schema, template_toml

    session = _session(args)
    rules, _ = session.load_rules(args.pack or None, pack_dirs=[Path(p) for p in args.pack_dir])
    schema = evidence_schema(rules)
    out = args.output
    if out and out.endswith(".xlsx"):
        from maturity.spreadsheet import template_workbook

        _write(template_workbook(schema), out)
    else:
        _write(template_toml(schema).encode("utf-8"), out)
    return 0


def cmd_evidence_schema(args: argparse.Namespace) -> int:
    from maturity.schema import evidence_schema, schema_markdown

    session = _session(args)
    rules, _ = session.load_rules(args.pack or None, pack_dirs=[Path(p) for p in args.pack_dir])
    text = schema_markdown(evidence_schema(rules), [p.id for p in rules.packs])
    _write(text.encode("utf-8"), args.output)
    return 0


def cmd_plugins(args: argparse.Namespace) -> int:
    from maturity.plugins import describe_plugins

    # The listing is where a broken plugin is diagnosed: it is listed as SKIPPED with its
    # error, never a reason to list nothing.
    args.skip_broken_plugins = True
    session = _session(args)
    listing = describe_plugins(session.host)
    print(listing, end="")
    if not args.check:
        return 0
    broken = sum(line.startswith(("SKIPPED ", "CONFLICT ")) for line in listing.splitlines())
    for plugin, pack_id, error in session.check_packs():
        if error is None:
            print(f"ok pack {pack_id} ({plugin})")
        else:
            broken += 1
            detail = error.render().replace("\n", "\n    ")
            print(f"BROKEN pack {pack_id} ({plugin}):\n    {detail}")
    return 1 if broken else 0


def cmd_report(args: argparse.Namespace) -> int:
    from maturity.loaders import load_record

    session = _session(args)
    records = [load_record(Path(p)) for p in args.records]
    lang = _check_lang(session, args.lang, getattr(args, "pack_dir", []))
    packs = None
    if args.pack_dir:
        # The packs the records pin, a local one among them: their names, not their ids.
        pinned = sorted({str(p["id"]) for r in records for p in r.get("packs", [])})
        rules, _ = session.load_rules(pinned or None,
                                      pack_dirs=[Path(d) for d in args.pack_dir])
        packs = rules.packs
    _write(_render(session, records, args.format,
                   _report_options(session, lang, args.format, packs)), args.output)
    return 0


def _common(parser: argparse.ArgumentParser, packs: bool = True) -> None:
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    parser.add_argument("--skip-broken-plugins", action="store_true",
                        help="skip plugins that fail (the record lists them)")
    parser.add_argument("--limit", action="append", type=_limit, default=[],
                        metavar="NAME=N", help="raise a loader limit (see SECURITY.md)")
    if packs:
        parser.add_argument("--pack", action="append", default=[], metavar="ID",
                            help="rule pack id (repeatable; default: all default packs)")
        parser.add_argument("--pack-dir", action="append", default=[], metavar="DIR",
                            help="a local rule pack directory (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maturity",
        description="Policy-as-code maturity assessment for digital government.",
    )
    parser.add_argument("--version", action="version", version=f"maturity {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("assess", help="assess evidence bundles into records and reports")
    p.add_argument("evidence", nargs="+",
                   help="bundle directories or files, folders of them, or JSON Lines streams "
                        "(FILE.jsonl; one line: FILE.jsonl:LINE)")
    _common(p)
    p.add_argument("--format", default=None, help="json (default), md, html, csv, …")
    p.add_argument("-o", "--output", help="output file (a directory for a batch)")
    p.add_argument("--as-of", type=_date, help="assessment date (overrides the bundle's)")
    p.add_argument("--scoring", default="oecd-dgi",
                   help="scoring model (default oecd-dgi); a pack with its own published "
                   "method (e.g. egov-benchmark-2023) keeps it")
    p.add_argument("--level-threshold", type=float, default=0.75,
                   help="share of a level's weighted credit needed to reach it (default 0.75)")
    p.add_argument("--fail-under", type=float, help="exit 1 if a pack index is below this (0-1)")
    p.add_argument("--waivers", help="waiver file (TOML)")
    p.add_argument("--profile", action="append", default=[], metavar="FILE|ID",
                   help="profile file, or id of a profile a plugin offers (repeatable)")
    p.add_argument("--lang", default="en", help="report language (en, fr, ar, or one a "
                   "plugin adds); recorded in the record")
    p.add_argument("--jobs", type=int, default=None,
                   help="worker processes for a batch (default: the number of cores)")
    p.add_argument("--resume", action="store_true",
                   help="batch: skip bundles whose record is complete and pins these inputs")
    p.add_argument("--summary-only", action="store_true",
                   help="batch: write summary.csv only, no records (the fast evaluator)")
    p.set_defaults(handler=cmd_assess)
    _roadmap_arguments(p)

    rules = sub.add_parser("rules", help="list, show, test and lint rule packs")
    rsub = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND")
    rsub.required = True
    p = rsub.add_parser("list", help="packs and rule counts per dimension, facet and level")
    _common(p)
    p.add_argument("-v", "--verbose", action="store_true", help="list every rule")
    p.set_defaults(handler=cmd_rules_list)
    p = rsub.add_parser("show", help="one rule as TOML")
    p.add_argument("rule_id", metavar="RULE_ID")
    _common(p)
    p.set_defaults(handler=cmd_rules_show)
    p = rsub.add_parser("test", help="run every rule's inline test cases")
    _common(p)
    p.set_defaults(handler=cmd_rules_test)
    p = rsub.add_parser("lint", help="check packs for quality problems and translations")
    _common(p)
    p.add_argument("--lang", default=None, help="also check translations into this language")
    p.set_defaults(handler=cmd_rules_lint)

    evidence = sub.add_parser("evidence", help="check evidence, write fill-in templates")
    esub = evidence.add_subparsers(dest="evidence_command", metavar="SUBCOMMAND")
    esub.required = True
    p = esub.add_parser("check", help="unknown keys, wrong types, missing keys, documents")
    p.add_argument("evidence")
    _common(p)
    p.set_defaults(handler=cmd_evidence_check)
    p = esub.add_parser("template", help="a fill-in template (TOML, or XLSX with -o x.xlsx)")
    _common(p)
    p.add_argument("-o", "--output", help="output file (.toml or .xlsx)")
    p.set_defaults(handler=cmd_evidence_template)
    p = esub.add_parser("schema", help="every evidence key: type, meaning, readers (Markdown)")
    _common(p)
    p.add_argument("-o", "--output", help="output file (default: stdout)")
    p.set_defaults(handler=cmd_evidence_schema)

    p = sub.add_parser("plugins", help="installed plugins and what each contributes")
    _common(p, packs=False)
    p.add_argument("--check", action="store_true",
                   help="also load and compile every installed pack; exit 1 if one fails")
    p.set_defaults(handler=cmd_plugins)

    p = sub.add_parser("report", help="render records as html, md, csv, …")
    p.add_argument("records", nargs="+")
    _common(p, packs=False)
    p.add_argument("--format", default="html")
    p.add_argument("-o", "--output")
    p.add_argument("--lang", default=None,
                   help="report language (en, fr, ar, …; default: each record's language)")
    p.add_argument("--pack-dir", action="append", default=[], metavar="DIR",
                   help="a local rule pack the records were assessed with, for its names and "
                        "translations (repeatable; installed packs are found without it)")
    p.set_defaults(handler=cmd_report)

    for extra in _EXTRA_COMMANDS:
        extra(sub)
    return parser


def _roadmap_arguments(parser: argparse.ArgumentParser, offer_no_roadmap: bool = True) -> None:
    try:
        from maturity.roadmap_options import add_arguments
    except ImportError:
        return
    add_arguments(parser, offer_no_roadmap=offer_no_roadmap)


#: Further sub-command builders (roadmap, verify, diff, sign, compare) register here.
_EXTRA_COMMANDS: list[Callable[[Any], None]] = []


# --- auditors: verify, diff, sign, keygen ---------------------------------------------------


def _cannot_run(message: str, found: str, fix: str, record: Path) -> Exception:
    from maturity.errors import UsageError

    return UsageError(message, code="verify.cannot-run", file=record.name,
                      expected="the inputs the record pins", found=found, fix=fix)


def _replay(args: argparse.Namespace, record: dict[str, Any], record_path: Path) -> Any:
    """Re-run the assessment a record pins and compare: the inputs are read here, the
    comparison is `maturity.audit.compare_records`."""
    import json

    from maturity.api import assess_bundle, provenance_for
    from maturity.audit import compare_records, replay_plan, unavailable_packs
    from maturity.model import Waiver
    from maturity.packs import load_pack_dir
    from maturity.profiles import Profile

    plan = replay_plan(record)
    # A record made while a broken plugin was skipped is re-run the same way.
    args.skip_broken_plugins = args.skip_broken_plugins or bool(record.get("skipped_plugins"))
    session = _session(args)
    here = record_path.parent
    notes: list[str] = []

    local: dict[str, tuple[Path, str]] = {}
    for directory in map(Path, args.pack_dir):
        pack = load_pack_dir(directory, origin=f"local:{directory.name}",
                             display=directory.name, limits=session.limits)
        local[pack.id] = (directory, pack.version)
    installed = {pid: pack.version for pid, (pack, _loc) in session.available_packs().items()}
    available = {**installed, **{pid: version for pid, (_d, version) in local.items()}}
    problems = unavailable_packs(plan, available)
    if problems:
        raise _cannot_run("cannot re-run the record: a pinned pack is not available",
                          "; ".join(problems),
                          "install the pack version the record names, or pass its directory "
                          "with --pack-dir", record_path)

    profiles: list[tuple[str, Profile]] = []
    if args.profile:
        profiles = session.resolve_profiles(args.profile)
    for pin in plan.profiles if not args.profile else ():
        origin, name = str(pin.get("origin")), str(pin.get("origin")).partition(":")[2]
        if origin.startswith("plugin:"):
            profiles += session.resolve_profiles([str(pin.get("id"))])
        elif (here / name).is_file():
            profiles += session.resolve_profiles([here / name])
            notes.append(f"profile {pin.get('id')} read from {name} beside the record")
        else:
            # Errors found in the record's copy name where it lies in the record.
            replayed = Profile.model_validate_json(json.dumps(pin["definition"])).read_from(
                f"{record_path.name}: profile.profiles[{pin.get('id')}].definition")
            profiles.append((origin, replayed))
            notes.append(f"profile {pin.get('id')} replayed from the record's copy: put {name} "
                         "beside the record or pass --profile to check it against its file")

    waiver_file = plan.waiver_file
    if args.waivers:
        waivers, waiver_file = _load_waivers(args.waivers)
    elif plan.waiver_file and (here / plan.waiver_file["name"]).is_file():
        waivers, waiver_file = _load_waivers(str(here / plan.waiver_file["name"]))
        notes.append(f"waivers read from {plan.waiver_file['name']} beside the record")
    else:
        waivers = [Waiver.model_validate_json(json.dumps(
            {k: v for k, v in pinned.items() if k != "state"})) for pinned in plan.waivers]
        if waivers:
            notes.append("waivers replayed from the record's copy: put the waiver file beside "
                         "the record or pass --waivers to check them against it")

    from maturity.evidence import is_stream, line_ref, stream_line

    evidence = Path(args.evidence) if args.evidence else here / plan.source
    line = line_ref(plan.source)
    if line is not None and is_stream(evidence):
        # A line of a stream is named "<stream>:<line>": given the stream, read that line.
        evidence = evidence.with_name(f"{evidence.name}:{line[1]}")
    if (not args.evidence and not evidence.exists() and evidence.parent.is_dir()
            and session.host.bundle_source(evidence.parent) is not None):
        # A bundle read from a plugin's layout is named "<directory>/<organisation>".
        evidence = evidence.parent
    if not evidence.exists() and stream_line(evidence) is None:
        raise _cannot_run("cannot re-run the record: its evidence bundle is not found",
                          f"nothing at {evidence.name!r} beside the record",
                          "pass the bundle with --evidence PATH", record_path)
    bundle = _pinned_bundle(session, evidence, plan.source, record, record_path)
    rules, changes = session.load_rules(
        [p.id for p in plan.packs if p.id not in local] or None,
        pack_dirs=[d for pid, (d, _v) in sorted(local.items()) if pid in
                   {p.id for p in plan.packs}],
        profiles=[p for _origin, p in profiles],
    )
    result = assess_bundle(
        bundle, rules, model=session.scoring_model(plan.scoring), as_of=plan.as_of,
        level_threshold=plan.level_threshold, waivers=waivers,
        provenance=provenance_for(session, changes, plan.language, profiles=profiles,
                                  waiver_file=waiver_file),
        roadmap_settings=plan.roadmap_settings,
    )
    return compare_records(record, result.record, notes, record_path.read_bytes())


def _pinned_bundle(session: Session, evidence: Path, source: str,
                   record: Mapping[str, Any], record_path: Path) -> Any:
    """The bundle a record was made from: a bundle directory or file, or the organisation's
    bundle in a directory of a plugin's own layout (a bundle source)."""
    layout = session.host.bundle_source(evidence) if evidence.is_dir() else None
    if layout is None:
        return session.load_evidence(evidence, display=source)
    organisation = (record.get("organisation") or {}).get("id")
    for bundle in layout.bundles():
        if bundle.source == source or bundle.organisation.id == organisation:
            return bundle
    raise _cannot_run("cannot re-run the record: its organisation is not in the evidence",
                      f"no bundle for {organisation!r} in {evidence.name!r} ({layout.name})",
                      "pass the directory the record was made from with --evidence PATH",
                      record_path)


def _check_signatures(record: dict[str, Any], signatures: Sequence[str],
                      public_keys: Sequence[str]) -> list[Any]:
    from maturity.errors import UsageError
    from maturity.signing import load_public_key, parse_signature, verify_signature

    if not public_keys:
        raise UsageError(
            "checking a signature needs the signer's public key",
            code="usage.public-key",
            location="--public-key",
            expected="--public-key PUB for each signer you trust",
            found="no --public-key",
            fix="pass the public key file the signer gave you (maturity keygen writes KEY.pub)",
        )
    trusted = [load_public_key(_read_input(p), Path(p).name) for p in public_keys]
    return [verify_signature(record, parse_signature(_read_input(s), Path(s).name), trusted)
            for s in signatures]


def _read_input(path: str) -> bytes:
    from maturity.errors import RecordError

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise RecordError("cannot read the file", code="record.not-found", file=Path(path).name,
                          expected="a readable file", found=exc.strerror or str(exc),
                          fix="check the path") from None


def cmd_verify(args: argparse.Namespace) -> int:
    from maturity.audit import render_verification
    from maturity.loaders import load_record
    from maturity.record import canonical_bytes

    record_path = Path(args.record)
    record = load_record(record_path)
    checks = _check_signatures(record, args.signature, args.public_key) if args.signature else []
    replayed = None if args.signatures_only else _replay(args, record, record_path)
    ok = all(c.ok for c in checks) and (replayed is None or replayed.identical)
    if args.format == "json":
        report = {
            "record": record_path.name,
            "ok": ok,
            "signatures": [{"file": c.file, "role": c.role, "signer": c.signer, "ok": c.ok,
                            "message": c.message} for c in checks],
            "replay": replayed.as_data() if replayed is not None else None,
        }
        sys.stdout.buffer.write(canonical_bytes(report))
    else:
        for check in checks:
            print(check)
        if replayed is not None:
            print(render_verification(replayed, record_path.name), end="")
    sys.stdout.flush()
    return 0 if ok else 1


def cmd_diff(args: argparse.Namespace) -> int:
    from maturity.audit import diff_records, render_diff
    from maturity.loaders import load_record

    diff = diff_records(load_record(Path(args.old)), load_record(Path(args.new)))
    _write(render_diff(diff, args.format).encode("utf-8"), args.output)
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from maturity.files import atomic_write
    from maturity.loaders import load_record
    from maturity.signing import load_private_key, sign_record, signature_file_name

    record_path = Path(args.record)
    record = load_record(record_path)
    key = load_private_key(_read_input(args.key), Path(args.key).name)
    output = Path(args.output) if args.output else record_path.with_name(
        signature_file_name(record_path.name, args.role))
    atomic_write(output, sign_record(record, key, args.role))
    print(f"signed {record_path.name} as {args.role}: {output}")
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    from maturity.errors import UsageError
    from maturity.files import atomic_write
    from maturity.signing import fingerprint, generate_key_pair, load_public_key

    private_path = Path(args.output)
    public_path = private_path.with_name(private_path.name + ".pub")
    if private_path.exists() and not args.force:
        raise UsageError(
            "the key file exists",
            code="usage.key-exists",
            location="-o",
            expected="a new file name",
            found=private_path.name,
            fix="choose another name, or pass --force to replace the key (signatures made "
                "with the old key can then no longer be matched to it)",
        )
    private, public = generate_key_pair()
    atomic_write(private_path, private)
    os.chmod(private_path, 0o600)
    atomic_write(public_path, public)
    print(f"private key: {private_path} (keep it secret)\npublic key: {public_path}\n"
          f"fingerprint: {fingerprint(load_public_key(public, public_path.name))}")
    return 0


def _audit_commands(sub: Any) -> None:
    p = sub.add_parser("verify", help="re-run a record from its pinned inputs; check signatures")
    p.add_argument("record", metavar="RECORD")
    _common(p, packs=False)
    p.add_argument("--evidence", help="the evidence bundle (default: the record's evidence "
                   "source beside the record)")
    p.add_argument("--pack-dir", action="append", default=[], metavar="DIR",
                   help="a local rule pack the record used (repeatable)")
    p.add_argument("--waivers", help="the waiver file (default: the pinned file beside the "
                   "record, else the record's copy)")
    p.add_argument("--profile", action="append", default=[],
                   help="profile file or installed profile id (default: the pinned ones)")
    p.add_argument("--signature", action="append", default=[], metavar="SIG",
                   help="a signature file to check (repeatable)")
    p.add_argument("--public-key", action="append", default=[], metavar="PUB",
                   help="a trusted signer's public key (repeatable)")
    p.add_argument("--signatures-only", action="store_true",
                   help="check the signatures without re-running the assessment")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(handler=cmd_verify)

    p = sub.add_parser("diff", help="what changed between two assessment records")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    _common(p, packs=False)
    p.add_argument("--format", choices=("text", "json", "md"), default="text")
    p.add_argument("-o", "--output", help="output file (default: standard output)")
    p.set_defaults(handler=cmd_diff)

    p = sub.add_parser("sign", help="write a detached Ed25519 signature beside a record")
    p.add_argument("record", metavar="RECORD")
    _common(p, packs=False)
    p.add_argument("--key", required=True, help="the private key (maturity keygen)")
    p.add_argument("--role", choices=("assessor", "ministry", "approver"), default="assessor")
    p.add_argument("-o", "--output", help="signature file (default: RECORD.<role>.sig)")
    p.set_defaults(handler=cmd_sign)

    p = sub.add_parser("keygen", help="make an Ed25519 key pair for signing records")
    _common(p, packs=False)
    p.add_argument("-o", "--output", required=True, metavar="KEY",
                   help="private key file; the public key is written to KEY.pub")
    p.add_argument("--force", action="store_true", help="replace an existing key")
    p.set_defaults(handler=cmd_keygen)


_EXTRA_COMMANDS.append(_audit_commands)


# --- the roadmap alone -----------------------------------------------------------------------


def cmd_roadmap(args: argparse.Namespace) -> int:
    from maturity.replan import plan_from_evidence, plan_from_record, render_plan

    session = _session(args)
    args.lang = _check_lang(session, args.lang, getattr(args, "pack_dir", []))
    source = Path(args.source)
    if source.is_file():
        from maturity.loaders import load_record

        record, packs = plan_from_record(session, load_record(source), source.name, args)
    else:
        record, packs = plan_from_evidence(session, source, args)
    _write(render_plan(record, args.format,
                       _report_options(session, args.lang, args.format, packs)), args.output)
    return 0


def _roadmap_command(sub: Any) -> None:
    p = sub.add_parser("roadmap", help="plan the reform roadmap of a record or a bundle")
    p.add_argument("source", metavar="RECORD|EVIDENCE",
                   help="a record (re-planned with the packs it pins) or a bundle (assessed "
                        "first)")
    _common(p)
    p.add_argument("--format", choices=["text", "md", "json"], default="text",
                   help="text (default), md or json")
    p.add_argument("-o", "--output", help="output file (default: standard output)")
    p.add_argument("--as-of", type=_date, help="assessment date, for a bundle")
    p.add_argument("--scoring", default="oecd-dgi", help="scoring model, for a bundle")
    p.add_argument("--level-threshold", type=float, default=0.75,
                   help="level threshold, for a bundle (default 0.75)")
    p.add_argument("--lang", default=None, help="language of the roadmap (en, fr, ar, …; "
                   "default: the record's language)")
    _roadmap_arguments(p, offer_no_roadmap=False)
    p.set_defaults(handler=cmd_roadmap)


_EXTRA_COMMANDS.append(_roadmap_command)


def _cohort_commands(sub: Any) -> None:
    from maturity.cohort import add_commands

    add_commands(sub)


_EXTRA_COMMANDS.append(_cohort_commands)


def _os_error(exc: OSError) -> MaturityError:
    from maturity.errors import InputError

    name = os.fsdecode(exc.filename) if exc.filename is not None else None
    return InputError(
        f"the system refused a path: {exc.strerror or type(exc).__name__}",
        code="file.system",
        file=Path(name).name or name if name else None,
        expected="a file or directory that exists and can be read (or written)",
        found=exc.strerror or str(exc),
        fix="check the path given on the command line, its length and its permissions",
    )


def main(argv: Sequence[str] | None = None) -> int:
    import signal

    parser = build_parser()
    args = parser.parse_args(argv)  # `--version` and `--help` end here
    handler: Handler = args.handler
    from maturity.signals import Stopped, check_stop, handling_stops

    # Unwinding on SIGINT and SIGTERM lets atomic writes remove their temporary files: a stopped
    # run leaves finished outputs and nothing half-written (SIGKILL cannot be caught by anyone).
    try:
        with handling_stops():
            code = handler(args)
            check_stop()
            return code
    except BrokenPipeError:
        # The reader went away (`maturity rules list | head`): stop quietly, like other tools.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt as exc:
        print("interrupted", file=sys.stderr)
        return 128 + (exc.signum if isinstance(exc, Stopped) else signal.SIGINT)
    except OSError as exc:
        if args.debug:
            raise
        # A path the system refuses (too long, no permission, a directory for a file) is the
        # command line's or the disk's to fix, not a fault of the tool.
        print(_os_error(exc).render(), file=sys.stderr)
        return 2
    except Exception as exc:
        from maturity.errors import MaturityError

        if args.debug or not isinstance(exc, MaturityError):
            if not isinstance(exc, MaturityError):
                print(f"internal error: {type(exc).__name__}: {exc}\n"
                      "please report it with the command and inputs (SECURITY.md)",
                      file=sys.stderr)
            if args.debug:
                raise
            return 3
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
