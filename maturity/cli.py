"""The `maturity` command line: a thin layer over `maturity.api`.

Exit codes: 0 success, 1 a score below `--fail-under` (or a verification mismatch, or some
bundles of a batch failed), 2 bad input or usage. Errors go to stderr as one paragraph without
a traceback (`--debug` shows it). Heavy modules are imported inside the commands that use them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maturity import __version__

if TYPE_CHECKING:
    from maturity.api import Session

__all__ = ["main"]

Handler = Callable[[argparse.Namespace], int]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, found {text!r}") from None


def _limit(text: str) -> tuple[str, int]:
    name, _, value = text.partition("=")
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"expected name=number, found {text!r}")
    return name, int(value)


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


def _load_profiles(paths: Sequence[str]) -> list[tuple[str, Any]]:
    """Profiles with the file names the record pins them under."""
    from maturity.loaders import load_profile

    return [(Path(p).name, load_profile(Path(p))) for p in paths]


def _load_waivers(path: str | None) -> tuple[list[Any], dict[str, str] | None]:
    """The waivers of a file, and the file's name and sha256 for the record."""
    if not path:
        return [], None
    import hashlib

    from maturity.loaders import load_waivers

    waivers = load_waivers(Path(path))
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
    from maturity.errors import UsageError

    session = _session(args)
    profiles = _load_profiles(args.profile)
    rules, changes = session.load_rules(
        args.pack or None,
        pack_dirs=[Path(p) for p in args.pack_dir],
        profiles=[p for _name, p in profiles],
    )
    model = session.scoring_model(args.scoring)
    waivers, waiver_file = _load_waivers(args.waivers)
    provenance = provenance_for(session, changes, args.lang, profiles=profiles,
                                waiver_file=waiver_file)
    bundles = _bundles(session, [Path(p) for p in args.evidence])
    if len(bundles) != 1:
        from maturity.batch import run_batch

        return run_batch(session, args, rules, bundles, provenance, waivers=waivers)
    bundle = bundles[0]()
    roadmap = _roadmap_settings(args)
    result = assess_bundle(
        bundle, rules, model=model, as_of=args.as_of, level_threshold=args.level_threshold,
        waivers=waivers, provenance=provenance, roadmap_settings=roadmap,
    )
    if args.format is None:
        args.format = "json"
    _write(_render(session, [result.record], args.format, {"lang": args.lang}), args.output)
    if args.fail_under is not None:
        if not 0 <= args.fail_under <= 1:
            raise UsageError(
                "--fail-under takes a score between 0 and 1",
                code="usage.fail-under",
                location="--fail-under",
                expected="a number from 0 to 1",
                found=str(args.fail_under),
                fix="e.g. --fail-under 0.6",
            )
        low = [f"{p} {s.index:.3f}" for p, s in result.scores.items()
               if s.index < args.fail_under]
        if low:
            print(f"below --fail-under {args.fail_under}: " + ", ".join(low), file=sys.stderr)
            return 1
    return 0


def _roadmap_settings(args: argparse.Namespace) -> dict[str, Any] | None:
    try:
        from maturity.roadmap import settings_from_args
    except ImportError:
        return None
    settings: dict[str, Any] | None = settings_from_args(args)
    return settings


def _bundles(session: Session, paths: Sequence[Path]) -> list[Callable[[], Any]]:
    """Lazy bundle readers for every path: a bundle, a directory of bundles, or a plugin's
    layout. Reading is deferred so a batch streams its bundles."""
    from maturity.errors import EvidenceError
    from maturity.evidence import discover_bundles

    found: list[Callable[[], Any]] = []
    for path in paths:
        if path.is_dir():
            source = session.host.bundle_source(path)
            if source is not None:
                found.extend(_constant(b) for b in source.bundles())
                continue
            header = any(
                (path / f"bundle{s}").is_file() for s in session.loaders
            )
            if not header:
                dirs = discover_bundles(path, session.loaders)
                if not dirs:
                    raise EvidenceError(
                        "no evidence bundle found",
                        code="evidence.no-bundles",
                        file=path.name or str(path),
                        expected="a bundle directory (with bundle.toml) or directories of them",
                        found="no bundle.toml below this directory",
                        fix="point at a bundle, or add bundle.toml to each organisation's folder",
                    )
                for d in dirs:
                    found.append(_reader(session, d, d.relative_to(path).as_posix()))
                continue
        found.append(_reader(session, path, None))
    return found


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _reader(session: Session, path: Path, display: str | None) -> Callable[[], Any]:
    return lambda: session.load_evidence(path, display=display)


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
    print(f"{len(problems)} problem(s) in {len(rules.rules)} rules")
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


def cmd_plugins(args: argparse.Namespace) -> int:
    session = _session(args)
    host = session.host
    contributions: dict[str, list[str]] = {}

    def note(items: list[tuple[str, Any]], kind: str, name: Callable[[Any], str]) -> None:
        for plugin, item in items:
            contributions.setdefault(plugin, []).append(f"{kind} {name(item)}")

    note(host.rule_packs(), "pack", lambda loc: loc.display)
    note(host.check_types(), "check", lambda t: t.operator)
    note(host.evidence_loaders(), "loader", lambda e: "/".join(e.suffixes))
    note(host.scoring_models(), "scoring", lambda m: m.name)
    note(host.report_formats(), "format", lambda f: f.name)
    note(host.translations(), "translation",
         lambda c: f"{c.locale}" + (f"({c.pack})" if c.pack else ""))
    note(host.profiles(), "profile", lambda p: p.id)
    for info in host.plugins:
        print(f"{info.name} {info.version} (plugin API {info.api}, module {info.module})")
        for line in contributions.get(info.name, []):
            print(f"  {line}")
    for skipped in host.skipped:
        print(f"SKIPPED {skipped['name']} in {skipped['hook']}: {skipped['error']}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from maturity.loaders import load_record

    session = _session(args)
    records = [load_record(Path(p)) for p in args.records]
    _write(_render(session, records, args.format, {"lang": args.lang}), args.output)
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
    p.add_argument("evidence", nargs="+", help="bundle directories or files, or folders of them")
    _common(p)
    p.add_argument("--format", default=None, help="json (default), md, html, csv, …")
    p.add_argument("-o", "--output", help="output file (a directory for a batch)")
    p.add_argument("--as-of", type=_date, help="assessment date (overrides the bundle's)")
    p.add_argument("--scoring", default="oecd-dgi", help="scoring model (default oecd-dgi)")
    p.add_argument("--level-threshold", type=float, default=0.75,
                   help="share of a level's weighted credit needed to reach it (default 0.75)")
    p.add_argument("--fail-under", type=float, help="exit 1 if a pack index is below this (0-1)")
    p.add_argument("--waivers", help="waiver file (TOML)")
    p.add_argument("--profile", action="append", default=[], help="profile file (repeatable)")
    p.add_argument("--lang", default="en", help="report language (en, fr, ar)")
    p.add_argument("--jobs", type=int, default=None, help="worker processes for a batch")
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

    p = sub.add_parser("plugins", help="installed plugins and what each contributes")
    _common(p, packs=False)
    p.set_defaults(handler=cmd_plugins)

    p = sub.add_parser("report", help="render records as html, md, csv, …")
    p.add_argument("records", nargs="+")
    _common(p, packs=False)
    p.add_argument("--format", default="html")
    p.add_argument("-o", "--output")
    p.add_argument("--lang", default="en")
    p.set_defaults(handler=cmd_report)

    for extra in _EXTRA_COMMANDS:
        extra(sub)
    return parser


def _roadmap_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from maturity.roadmap import add_arguments
    except ImportError:
        return
    add_arguments(parser)


#: Further sub-command builders (roadmap, verify, diff, sign, compare) register here.
_EXTRA_COMMANDS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
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
