"""The benchmark suite: `python -m benchmarks.run [--smoke] [--out FILE.md]`.

Side by side, in one run, on synthetic bundles of ~250 evidence values (benchmarks/synthetic.py)
and packs of 100 and 500 rules:

1. the parse floor (orjson-loading each bundle's JSON text), against maturity's evaluation from
   JSON text to outcomes (parse, then the generated evaluator's verdicts), the same plus
   scores, and the reference closure engine;
2. the same rules in Rego evaluated by regorus's Engine, checked to give the same outcome for
   every rule of every bundle;
3. TOML: tomllib and the rtoml fast path, and what evaluation adds to each;
4. end to end (evaluate + score + summary) over a stream of bundles with a pool of worker
   processes, its peak memory at two sizes, and two workers against one beside a CPU-bound
   control measured in the same run;
5. `maturity --version` and `maturity assess` of an example ministry to HTML: wall time and
   import time.

Per-bundle figures are CPU time of this process (`time.process_time`), the best of several
repeats, so other work on a shared machine inflates them least; end-to-end figures are wall
time. `--smoke` runs a small size of everything in a few seconds (used by .ci/run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import synthetic
from benchmarks.endtoend import control, end_to_end

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Sizes:
    bundles: int  # per-bundle measurements
    batch: int  # bundle directories for the real `maturity assess` batch
    cohort: int  # organisations of the realistic cohort (built-in packs), with roadmaps
    regorus: int  # bundles evaluated by regorus (and checked)
    repeats: int
    # Stream sizes; the last is the headline, where two workers are also set against one.
    end_to_end: tuple[int, ...]
    cli_repeats: int


FULL = Sizes(bundles=400, batch=2_000, cohort=400, regorus=200, repeats=9,
             end_to_end=(1_000, 50_000), cli_repeats=5)
SMOKE = Sizes(bundles=30, batch=40, cohort=12, regorus=10, repeats=2, end_to_end=(200,),
              cli_repeats=1)


def _best(work: Callable[[], Any], repeats: int) -> float:
    """The least CPU time of `repeats` runs of `work`."""
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as handle:
        memory = next(line.split(":", 1)[1].strip() for line in handle
                      if line.startswith("MemTotal"))
    versions = {}
    for module in ("orjson", "msgspec", "rtoml", "regorus", "pydantic"):
        try:
            from importlib.metadata import version

            name = {"regorus": "celine-regorus"}.get(module, module)
            versions[module] = version(name)
        except Exception:
            versions[module] = "not installed"
    return {
        "cpu": f"{cpu}, {os.cpu_count()} logical cores",
        "memory": memory,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "packages": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --- 1-3: per bundle ----------------------------------------------------------------------


def _pack(directory: Path, rules: int) -> Any:
    from maturity.api import Session
    from maturity.plugins import create_host

    session = Session(host=create_host(autoload=False))
    loaded, _ = session.load_rules(pack_dirs=[synthetic.write_pack(directory / "pack", rules)])
    return session, loaded


def _as_toml(tree: Any) -> Any:
    """The JSON tree with its ISO dates as TOML dates (as evidence files write them)."""
    if isinstance(tree, dict):
        return {k: _as_toml(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_as_toml(v) for v in tree]
    if isinstance(tree, str) and len(tree) == 10 and tree[4] == "-" and tree[7] == "-":
        try:
            return dt.date.fromisoformat(tree)
        except ValueError:
            return tree
    return tree


def per_bundle(rules: int, sizes: Sizes, work: Path) -> dict[str, Any]:
    import orjson
    import tomli_w

    from maturity.checks import EvalContext
    from maturity.engine import evaluate
    from maturity.fastparse import parse_toml_fast
    from maturity.fastpath import FastRuleSet, FastScorer, verdict_status
    from maturity.formats import parse_toml

    session, ruleset = _pack(work / f"rules-{rules}", rules)
    started = time.perf_counter()
    fast = FastRuleSet(ruleset, session.compiler)
    _ = fast.source  # compiled at first use: here, so that it is timed
    compile_seconds = time.perf_counter() - started
    started = time.perf_counter()
    # Outcomes need no header tables: without header keys, msgspec skips them (the rules' own
    # reads of `organisation` stay). The end-to-end run, which validates headers, keeps them.
    reader = fast.json_reader()
    reader_seconds = time.perf_counter() - started
    scorer = FastScorer(ruleset, session.scoring_model("oecd-dgi"))
    values = synthetic.schema()
    texts = [synthetic.bundle_json(i, values) for i in range(sizes.bundles)]
    ctx = EvalContext(synthetic.AS_OF, synthetic.DOCUMENTS)
    loads, verdicts, score = orjson.loads, fast.verdicts, scorer.score
    from_json = reader.verdicts_json
    n = len(texts)

    def floor() -> None:
        for text in texts:
            loads(text)

    def evaluated() -> None:
        for text in texts:
            from_json(text, ctx)

    def from_dicts() -> None:
        for text in texts:
            verdicts(loads(text), ctx)

    def scored() -> None:
        for text in texts:
            score(from_json(text, ctx))

    # Floor and maturity alternate, so both see the same state of the machine, over a few
    # seconds (three times the repeats), so that both least times come from its quiet moments.
    floor_best = evaluated_best = dicts_best = float("inf")
    for _ in range(3 * sizes.repeats):
        floor_best = min(floor_best, _best(floor, 1))
        evaluated_best = min(evaluated_best, _best(evaluated, 1))
        dicts_best = min(dicts_best, _best(from_dicts, 1))
    scored_best = _best(scored, sizes.repeats)
    trees = [loads(t) for t in texts[: max(5, n // 10)]]
    reference = _best(lambda: [evaluate(ruleset, t, synthetic.AS_OF, synthetic.DOCUMENTS)
                               for t in trees], max(1, sizes.repeats // 3)) / len(trees)
    # Every verdict, from dicts and from JSON text, equals the reference engine's outcome.
    for text, tree in zip(texts, trees, strict=False):
        expected = [(o.status, o.credit) for o in evaluate(ruleset, tree, synthetic.AS_OF,
                                                           synthetic.DOCUMENTS)]
        assert [verdict_status(v) for v in verdicts(tree, ctx)] == expected
        assert [verdict_status(v) for v in from_json(text, ctx)] == expected
    result: dict[str, Any] = {
        "rules": rules,
        "bundles": n,
        "bytes": sum(map(len, texts)) / n,
        "compile_s": compile_seconds,
        "floor_us": floor_best / n * 1e6,
        "maturity_us": evaluated_best / n * 1e6,
        "dicts_us": dicts_best / n * 1e6,
        "reader_s": reader_seconds,
        "redone": reader.redone,
        "scored_us": scored_best / n * 1e6,
        "reference_us": reference * 1e6,
        "fallbacks": fast.fallbacks,
    }
    result.update(_regorus(ruleset, texts[: sizes.regorus], fast, ctx, sizes))
    # TOML: the same bundles as TOML files.
    tomls = [tomli_w.dumps(_as_toml(loads(t))).encode() for t in texts]
    for tree_text, data in zip(texts[:20], tomls[:20], strict=False):
        assert parse_toml_fast(data, "b.toml") == parse_toml(data, "b.toml")
        assert parse_toml(data, "b.toml") == _as_toml(loads(tree_text))
    parsers: dict[str, Callable[[bytes, str], Any]] = {"tomllib": parse_toml,
                                                        "rtoml": parse_toml_fast}
    # What evaluation adds is timed on its own, on the parsed trees (TOML dates as dates),
    # alternating with the parse: the difference of parse + verdicts and parse, two times some
    # 20 times larger, moves with the machine by more than the evaluation takes.
    toml_trees = [parse_toml(data, "b") for data in tomls]

    def parse_tomllib() -> None:
        for data in tomls:
            parse_toml(data, "b")

    def evaluate_trees() -> None:
        for tree in toml_trees:
            verdicts(tree, ctx)

    parse_best = trees_best = float("inf")
    for _ in range(max(3, sizes.repeats)):
        parse_best = min(parse_best, _best(parse_tomllib, 1))
        trees_best = min(trees_best, _best(evaluate_trees, 1))
    result["toml_trees_us"] = trees_best / n * 1e6
    result["toml_parse_alternate_us"] = parse_best / n * 1e6
    for name, parse in parsers.items():
        parsed = evaluated_toml = float("inf")

        def parse_all(parse: Callable[[bytes, str], Any] = parse) -> None:
            for data in tomls:
                parse(data, "b")

        def evaluate_all(parse: Callable[[bytes, str], Any] = parse) -> None:
            for data in tomls:
                verdicts(parse(data, "b"), ctx)

        for _ in range(max(2, sizes.repeats // 2)):
            parsed = min(parsed, _best(parse_all, 1))
            evaluated_toml = min(evaluated_toml, _best(evaluate_all, 1))
        result[f"{name}_us"] = parsed / n * 1e6
        result[f"{name}_eval_us"] = evaluated_toml / n * 1e6
    result["toml_bytes"] = sum(map(len, tomls)) / n
    return result


def _regorus(ruleset: Any, texts: Sequence[bytes], fast: Any, ctx: Any, sizes: Sizes
             ) -> dict[str, Any]:
    try:
        import regorus
    except ImportError:
        return {"regorus_us": None, "regorus_checked": 0, "regorus_mismatches": 0}
    import orjson

    from benchmarks.rego import documents_data, policy
    from maturity.fastpath import verdict_status

    engine = regorus.Engine()
    engine.add_policy("maturity.rego", policy(ruleset))
    engine.add_data_json(json.dumps(documents_data(synthetic.DOCUMENTS)))
    decoded = [t.decode() for t in texts]

    def run() -> list[Any]:
        out = []
        for text in decoded:
            engine.set_input_json(text)
            out.append(engine.eval_rule("data.maturity.outcomes"))
        return out

    results = run()
    best = _best(run, max(1, sizes.repeats // 3))
    mismatches = 0
    for text, outcomes in zip(texts, results, strict=True):
        for compiled, verdict in zip(ruleset.rules, fast.verdicts(orjson.loads(text), ctx),
                                     strict=True):
            status, credit = verdict_status(verdict)
            theirs, their_credit = outcomes[compiled.id]
            if status.value != theirs or abs(credit - their_credit) > 1e-9:
                mismatches += 1
    return {"regorus_us": best / len(texts) * 1e6, "regorus_checked": len(texts) * len(
        ruleset.rules), "regorus_mismatches": mismatches}


# --- 4: end to end ------------------------------------------------------------------------


def _fresh_process(args: list[str]) -> dict[str, Any]:
    """Run a measurement in a new interpreter (its peak memory is its own)."""
    result = subprocess.run([sys.executable, "-m", "benchmarks.run", *args], cwd=ROOT,
                            capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    figures: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return figures


# --- 5: the command line ------------------------------------------------------------------


def cli_batch(count: int, work: Path) -> dict[str, Any]:
    """The real `maturity assess --jobs 2` over `count` bundles (500 rules), as JSON bundle
    directories and as one JSON Lines stream of the same bundles: with the full loader (every
    check of the evidence and its documents), summary only and with a record per
    organisation."""
    maturity = shutil.which("maturity") or str(Path(sys.executable).with_name("maturity"))
    env = {**os.environ, "MATURITY_DISABLE_PLUGIN_AUTOLOAD": "1"}
    root = work / "batch"
    pack = synthetic.write_pack(root / "pack", 500)
    list(synthetic.write_bundle_dirs(root / "bundles", count, per_directory=500))
    values = synthetic.schema()
    stream = root / "stream" / "bundles.jsonl"
    stream.parent.mkdir(parents=True, exist_ok=True)
    with stream.open("wb") as handle:
        for index in range(count):
            handle.write(synthetic.bundle_json(index, values) + b"\n")
    os.sync()
    figures: dict[str, Any] = {}
    for layout, source in (("dirs", root / "bundles"), ("stream", stream)):
        for name, extra in (("summary", ["--summary-only"]), ("records", ["--no-roadmap"])):
            out = root / f"out-{layout}-{name}"
            started = time.perf_counter()
            subprocess.run([maturity, "assess", str(source), "--pack-dir", str(pack),
                            "--jobs", "2", "-o", str(out), *extra], env=env, check=True,
                           capture_output=True)
            figures[f"{layout}-{name}"] = time.perf_counter() - started
    return figures


def cohort_batch(count: int, work: Path) -> dict[str, float]:
    """`maturity assess --jobs 2` over `count` organisations of the realistic cohort
    (benchmarks/cohort.py) under the built-in packs: with a record and a roadmap per
    organisation (the default), without roadmaps, and summary only."""
    from benchmarks.cohort import write_cohort

    maturity = shutil.which("maturity") or str(Path(sys.executable).with_name("maturity"))
    env = {**os.environ, "MATURITY_DISABLE_PLUGIN_AUTOLOAD": "1"}
    root = work / "cohort"
    write_cohort(root / "bundles", count)
    os.sync()
    figures: dict[str, float] = {}
    for name, extra in (("roadmaps", []), ("records", ["--no-roadmap"]),
                        ("summary", ["--summary-only"])):
        started = time.perf_counter()
        subprocess.run([maturity, "assess", str(root / "bundles"), "--jobs", "2",
                        "-o", str(root / f"out-{name}"), *extra], env=env, check=True,
                       capture_output=True)
        figures[name] = time.perf_counter() - started
    # `compare` over the default batch's records (with their roadmaps), one worker and two
    # alternately (best of two).
    for _ in range(2):
        for jobs in ("1", "2"):
            started = time.perf_counter()
            subprocess.run([maturity, "compare", str(root / "out-roadmaps"), "--jobs", jobs,
                            "-o", str(root / f"comparison-{jobs}.csv")], env=env, check=True,
                           capture_output=True)
            figures[f"compare-{jobs}"] = min(figures.get(f"compare-{jobs}", float("inf")),
                                             time.perf_counter() - started)
    same = (root / "comparison-1.csv").read_bytes() == (root / "comparison-2.csv").read_bytes()
    assert same, "compare --jobs 2 differs from --jobs 1"
    return figures


def cli(repeats: int, work: Path) -> dict[str, Any]:
    maturity = shutil.which("maturity") or str(Path(sys.executable).with_name("maturity"))
    # Compiled bytecode is kept, as an installed package has it (a first run writes it).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MATURITY_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    out = work / "ministry-of-finance.html"
    commands = {
        "version": [maturity, "--version"],
        "assess_html": [maturity, "assess", str(ROOT / "examples" / "ministry-of-finance"),
                        "--format", "html", "-o", str(out)],
    }
    figures: dict[str, Any] = {}
    for name, command in commands.items():
        subprocess.run(command, env=env, check=True, capture_output=True)
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            best = min(best, time.perf_counter() - started)
        figures[f"{name}_s"] = best
        traced = subprocess.run([sys.executable, "-X", "importtime", "-m", "maturity",
                                 *command[1:]], env=env, check=True, capture_output=True,
                                text=True)
        # Top-level imports only (nested ones are indented): their cumulative times add up.
        imports = []
        for line in traced.stderr.splitlines():
            if line.startswith("import time:") and "|" in line:
                _self, cumulative, module = line.split(":", 1)[1].split("|")
                if cumulative.strip().isdigit() and not module.startswith("   "):
                    imports.append((int(cumulative), module.strip()))
        total = sum(c for c, _m in imports)
        top = sorted(imports, reverse=True)[:6]
        figures[f"{name}_imports_ms"] = total / 1000
        figures[f"{name}_top_imports"] = ", ".join(f"{m} {c / 1000:.0f} ms" for c, m in top)
    return figures


# --- the report ---------------------------------------------------------------------------


def _ratio(a: float | None, b: float | None) -> str:
    return "n/a" if not a or not b else f"{a / b:.2f}x"


def report(sizes: Sizes, work: Path) -> str:
    lines = ["## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in machine().items()]
    bundles = [per_bundle(rules, sizes, work) for rules in (100, 500)]
    lines += ["", "## Per bundle (CPU µs, best of repeats)", "",
              "| | 100 rules | 500 rules |", "|---|---:|---:|"]

    def row(label: str, key: str, fmt: str = "{:.1f}") -> None:
        lines.append(f"| {label} | " + " | ".join(
            fmt.format(b[key]) if b[key] is not None else "n/a" for b in bundles) + " |")

    row("bundles measured", "bundles", "{}")
    row("JSON bytes per bundle", "bytes", "{:.0f}")
    row("parse floor: orjson.loads", "floor_us")
    row("maturity: JSON text → outcomes (msgspec structs + verdicts)", "maturity_us")
    lines.append("| ratio to the floor (target ≤ 1.5x at 100, ≤ 3x at 500) | " + " | ".join(
        _ratio(b["maturity_us"], b["floor_us"]) for b in bundles) + " |")
    row("… the same from dicts (orjson.loads + verdicts)", "dicts_us")
    lines.append("| … its ratio to the floor | " + " | ".join(
        _ratio(b["dicts_us"], b["floor_us"]) for b in bundles) + " |")
    row("… + scores (fast scorer)", "scored_us")
    row("reference engine: explained outcomes, parse excluded", "reference_us")
    row("regorus Engine: set_input_json + eval", "regorus_us")
    lines.append("| regorus ÷ maturity (target ≥ 10x) | " + " | ".join(
        _ratio(b["regorus_us"], b["maturity_us"]) for b in bundles) + " |")
    lines.append("| outcomes compared with regorus (rules x bundles), mismatches | " + " | ".join(
        f"{b['regorus_checked']}, {b['regorus_mismatches']}" for b in bundles) + " |")
    row("TOML bytes per bundle", "toml_bytes", "{:.0f}")
    row("tomllib parse", "tomllib_us")
    row("tomllib parse + verdicts", "tomllib_eval_us")
    row("verdicts of the parsed TOML trees", "toml_trees_us")
    lines.append("| evaluation over tomllib parsing (target ≤ 10 %; verdicts of the trees "
                 "over the parse, timed alternately) | " + " | ".join(
                     f"{100 * b['toml_trees_us'] / b['toml_parse_alternate_us']:.1f} %"
                     for b in bundles) + " |")
    row("rtoml fast path parse", "rtoml_us")
    row("rtoml fast path parse + verdicts", "rtoml_eval_us")
    lines.append("| rtoml speed-up over tomllib | " + " | ".join(
        _ratio(b["tomllib_us"], b["rtoml_us"]) for b in bundles) + " |")
    row("compile the rule set (s, once per process)", "compile_s", "{:.3f}")
    row("… and its JSON reader (s, once per process)", "reader_s", "{:.3f}")
    row("bundles the generated code left to the reference", "fallbacks", "{}")
    row("bundles the JSON reader read as dicts instead", "redone", "{}")

    # End to end, each size in a fresh interpreter so peak memory is per run.
    values = synthetic.schema()
    pack_dir = synthetic.write_pack(work / "e2e" / "pack", 500)
    stream = work / "e2e" / "bundles.jsonl"
    with stream.open("wb") as handle:
        for index in range(max(sizes.end_to_end)):
            handle.write(synthetic.bundle_json(index, values) + b"\n")
    lines += ["", "## End to end: evaluate + score + summary, 500 rules, 2 workers", "",
              "| bundles | wall s (other run) | bundles/s | CPU s, busiest worker | CPU s, main | "
              "main peak MiB | worker peak MiB | load average after |",
              "|---:|---:|---:|---:|---:|---:|---:|---|"]
    headline = sizes.end_to_end[-1]
    spin = 0.25 if sizes is SMOKE else 2.0
    one: list[float] = []
    control_one: list[float] = []
    control_two: list[float] = []
    for size in sizes.end_to_end:
        part = work / "e2e" / f"bundles-{size}.jsonl"
        with stream.open("rb") as source, part.open("wb") as target:
            for _, line in zip(range(size), source, strict=False):
                target.write(line)
        # The input written out before the clock starts, so the disk's work is not timed.
        os.sync()
        runs = []
        if size != headline:
            runs.append(_fresh_process(["--end-to-end", str(pack_dir), str(part), "2"]))
        else:
            # The headline size, twice: one worker, two workers and the CPU-bound control on
            # one and on two processes alternate, so that all see the same states of the
            # machine, and the best of each is kept (the other run is shown beside it).
            for _ in range(2):
                control_one.append(control(1, spin))
                one.append(_fresh_process(["--end-to-end", str(pack_dir), str(part), "1"])
                           ["seconds"])
                control_two.append(control(2, spin))
                runs.append(_fresh_process(["--end-to-end", str(pack_dir), str(part), "2"]))
        figures = min(runs, key=lambda f: f["seconds"])
        others = [f"{f['seconds']:.2f}" for f in runs if f is not figures]
        walls = f" ({', '.join(others)})" if others else ""
        lines.append(f"| {figures['bundles']} | {figures['seconds']:.2f}{walls} | "
                     f"{figures['bundles'] / figures['seconds']:.0f} | "
                     f"{figures['worker_cpu_s']:.2f} | {figures['main_cpu_s']:.2f} | "
                     f"{figures['main_peak_mib']:.1f} | {figures['worker_peak_mib']:.1f} | "
                     f"{os.getloadavg()[0]:.2f} |")
    two = [f["seconds"] for f in runs]
    scaling = min(one) / min(two)
    control_scaling = min(control_one) / min(control_two)

    def timed(values: list[float]) -> str:
        best = min(values)
        rest = [f"{v:.2f}" for v in values if v is not best]
        return f"{best:.2f}" + (f" ({', '.join(rest)})" if rest else "")

    lines += ["", f"## Two workers against one ({headline} bundles, 500 rules: the "
              "end-to-end runs above)", "",
              "| | 1 worker s | 2 workers s | speed-up |", "|---|---:|---:|---:|",
              f"| maturity end to end | {timed(one)} | {timed(two)} | {scaling:.2f}x |",
              f"| CPU-bound control (pure Python arithmetic) | {timed(control_one)} | "
              f"{timed(control_two)} | {control_scaling:.2f}x |",
              "| maturity's gain as a share of the control's | | | " + (
                  f"{100 * (scaling - 1) / (control_scaling - 1):.0f} % |"
                  if control_scaling > 1 else "- (the control gained nothing) |")]
    batch = cli_batch(sizes.batch, work)
    lines += ["", f"## The real batch: `maturity assess --jobs 2`, {sizes.batch} bundles, "
              "500 rules", "",
              "The same bundles as JSON bundle directories (`DIR`) and as one JSON Lines "
              "stream (`bundles.jsonl`), read by the full loader (every check of the evidence "
              "and its document references).", "",
              "| | wall s | bundles/s |", "|---|---:|---:|"]
    for name, label in (("dirs-summary", "`DIR --summary-only` (generated evaluator)"),
                        ("dirs-records", "`DIR`: a JSON record per organisation "
                                         "(`--no-roadmap`)"),
                        ("stream-summary", "`bundles.jsonl --summary-only`"),
                        ("stream-records", "`bundles.jsonl`: a JSON record per organisation "
                                           "(`--no-roadmap`)")):
        lines.append(f"| {label} | {batch[name]:.2f} | {sizes.batch / batch[name]:.0f} |")
    cohort = cohort_batch(sizes.cohort, work)
    lines += ["", f"## The realistic cohort: {sizes.cohort} organisations, built-in packs "
              "(173 rules); `maturity assess --jobs 2`, then `maturity compare`", "",
              "| | wall s | organisations/s |", "|---|---:|---:|"]
    for name, label in (("roadmaps", "a JSON record and a roadmap per organisation (the "
                                     "default)"),
                        ("records", "a JSON record per organisation (`--no-roadmap`)"),
                        ("summary", "`--summary-only`"),
                        ("compare-1", "`maturity compare` of those records, `--jobs 1` "
                                      "(CSV; records/s)"),
                        ("compare-2", "`maturity compare` of those records, `--jobs 2` "
                                      "(the same bytes)")):
        lines.append(f"| {label} | {cohort[name]:.2f} | {sizes.cohort / cohort[name]:.0f} |")
    figures = cli(sizes.cli_repeats, work)
    lines += ["", "## Command line (wall, best of runs; import time from -X importtime)", "",
              "| command | wall s | imports ms | largest imports |", "|---|---:|---:|---|",
              f"| `maturity --version` | {figures['version_s']:.3f} | "
              f"{figures['version_imports_ms']:.0f} | {figures['version_top_imports']} |",
              f"| `maturity assess examples/ministry-of-finance --format html` | "
              f"{figures['assess_html_s']:.3f} | {figures['assess_html_imports_ms']:.0f} | "
              f"{figures['assess_html_top_imports']} |"]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a small size, in seconds")
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument("--end-to-end", nargs=3, metavar=("PACK", "STREAM", "JOBS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.end_to_end:
        pack, stream, jobs = args.end_to_end
        with tempfile.TemporaryDirectory() as work:
            figures = end_to_end(Path(pack), Path(stream), int(jobs), Path(work) / "summary.csv")
        print(json.dumps(figures))
        return 0
    with tempfile.TemporaryDirectory(prefix="maturity-bench-") as work:
        text = report(SMOKE if args.smoke else FULL, Path(work))
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
