"""Coverage-guided fuzzing of the loaders with atheris (libFuzzer for Python).

    python fuzz/fuzz_loaders.py TARGET [libFuzzer options] [corpus directories]

TARGET is one of: toml, json, yaml, xlsx (an evidence file of that format, alone and in a bundle
with a header and a document), sheet (the XML of a spreadsheet's sheet, inside a valid workbook),
pack (a rule file, validated and compiled), profile (validated and applied to a pack), waivers,
record. Each input goes through the same code the command line runs; the project's own
errors (`MaturityError`) are the expected answer to bad input, and anything else, a hang past
libFuzzer's -timeout or memory past -rss_limit_mb, is a finding. `fuzz/run.sh` seeds a corpus
per target from the repository's own files and runs every target for a set time. Not part of
the test suite: install atheris (`pip install atheris`) and run it by hand.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import atheris  # type: ignore[import-untyped]  # a fuzzing tool, not a dependency

with atheris.instrument_imports(include=["maturity", "yaml", "openpyxl", "tomllib", "tomli_w"]):
    import openpyxl
    import yaml  # noqa: F401 - imported here so its parser is instrumented

    from maturity.api import Session
    from maturity.errors import MaturityError
    from maturity.evidence import load_bundle
    from maturity.limits import Limits
    from maturity.loaders import load_profile, load_record, load_waivers
    from maturity.packs import load_pack_dir
    from maturity.plugins import create_host
    from maturity.profiles import apply_profiles
    from maturity.ruleset import compile_rules

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests" / "corpus" / "_base"
SESSION = Session(host=create_host(autoload=False))
LIMITS = Limits()
WORK = Path(tempfile.mkdtemp(prefix="maturity-fuzz-"))


def _bundle_dir() -> Path:
    """A bundle with a valid header and a document, beside which each input is written."""
    bundle = WORK / "bundle"
    (bundle / "documents").mkdir(parents=True)
    for name in ("bundle.toml", "documents/strategy.md"):
        (bundle / name).write_bytes((BASE / "bundle" / name).read_bytes())
    return bundle


def _pack_dir() -> Path:
    pack = WORK / "pack"
    pack.mkdir()
    (pack / "pack.toml").write_bytes((BASE / "pack" / "pack.toml").read_bytes())
    return pack


BUNDLE = _bundle_dir()
PACK = _pack_dir()
BASE_PACK = load_pack_dir(BASE / "pack", origin="local:pack", display="pack", limits=LIMITS)


def evidence(suffix: str) -> Callable[[bytes], None]:
    path = BUNDLE / f"extra{suffix}"

    def target(data: bytes) -> None:
        path.write_bytes(data)
        with contextlib.suppress(MaturityError):  # the file alone, as a single-file bundle
            load_bundle(path, loaders=SESSION.loaders, limits=LIMITS)
        load_bundle(BUNDLE, loaders=SESSION.loaders, limits=LIMITS)  # beside a header

    return target


def _sheet_template() -> tuple[bytes, str]:
    """A valid workbook and the name of its sheet part, into which `sheet` puts each input."""
    book = openpyxl.Workbook()
    book.active.title = "evidence"
    book.active.append(["key", "type", "value"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), "xl/worksheets/sheet1.xml"


SHEET_BOOK, SHEET_PART = _sheet_template()


def sheet(data: bytes) -> None:
    """The sheet's XML is the input, inside a valid workbook: mutating a whole ZIP mostly
    breaks its checksums, this reaches openpyxl's sheet parser and the evidence reader."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(SHEET_BOOK)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = data if info.filename == SHEET_PART else source.read(info.filename)
            target.writestr(info.filename, part)
    evidence(".xlsx")(out.getvalue())


def pack(data: bytes) -> None:
    (PACK / "rules.toml").write_bytes(data)
    loaded = load_pack_dir(PACK, origin="local:pack", display="pack", limits=LIMITS)
    compile_rules([loaded], SESSION.compiler)


def profile(data: bytes) -> None:
    path = WORK / "profile.toml"
    path.write_bytes(data)
    packs, _log = apply_profiles([BASE_PACK], [load_profile(path, LIMITS)])
    compile_rules(packs, SESSION.compiler)


def waivers(data: bytes) -> None:
    path = WORK / "waivers.toml"
    path.write_bytes(data)
    load_waivers(path, LIMITS)


def record(data: bytes) -> None:
    path = WORK / "record.json"
    path.write_bytes(data)
    load_record(path, LIMITS)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "toml": evidence(".toml"),
    "json": evidence(".json"),
    "yaml": evidence(".yaml"),
    "xlsx": evidence(".xlsx"),
    "sheet": sheet,
    "pack": pack,
    "profile": profile,
    "waivers": waivers,
    "record": record,
}


#: Where each target's seeds come from: the repository's own valid and broken files.
SEEDS: dict[str, tuple[str, ...]] = {
    "toml": ("examples/*/*.toml", "tests/corpus/evidence/*/bundle/*.toml",
             "tests/corpus/documents/*/bundle/*.toml"),
    "json": ("tests/corpus/evidence/*/bundle/*.json",),
    "yaml": ("tests/corpus/evidence/*/bundle/*.yaml",),
    "xlsx": (),
    "sheet": (),
    "pack": ("rules/*/*.toml", "tests/corpus/packs/*/pack/*.toml"),
    "profile": ("tests/corpus/profiles/*/profile.toml",),
    "waivers": ("tests/corpus/waivers/*/waivers.toml",),
    "record": ("tests/corpus/records/*/record.json",),
}


def seed(target: str, directory: Path) -> None:
    """Fill `directory` with the seeds of `target` (spreadsheets and a record are made here)."""
    directory.mkdir(parents=True, exist_ok=True)
    for pattern in SEEDS[target]:
        for path in sorted(ROOT.glob(pattern)):
            name = path.relative_to(ROOT).as_posix().replace("/", "_")
            (directory / name).write_bytes(path.read_bytes())
    if target in ("xlsx", "sheet"):
        sys.path.insert(0, str(ROOT))
        from tests.corpus import generators

        for name in ("xlsx_valid", "xlsx_formula", "xlsx_hidden_sheet", "xlsx_date_with_time",
                     "xlsx_key_conflict", "xlsx_lying_dimension", "xlsx_many_real_rows",
                     "xlsx_not_boolean", "xlsx_markup"):
            work = WORK / f"{target}-{name}"
            (work / "bundle").mkdir(parents=True)
            getattr(generators, name)(work)
            made = (work / "bundle" / "extra.xlsx").read_bytes()
            if target == "sheet":
                with zipfile.ZipFile(io.BytesIO(made)) as archive:
                    made = archive.read(SHEET_PART)
            (directory / f"{name}.{'xml' if target == 'sheet' else 'xlsx'}").write_bytes(made)
    if target == "record":
        from maturity.api import assess

        rules, _ = SESSION.load_rules(pack_dirs=[BASE / "pack"])
        assessment = assess(BASE / "bundle", rules=rules, session=SESSION)
        (directory / "base-record.json").write_bytes(assessment.canonical_json())


def main(argv: list[str]) -> None:
    if len(argv) == 4 and argv[1] == "--seed" and argv[2] in TARGETS:
        seed(argv[2], Path(argv[3]))
        return
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: {argv[0]} {{{','.join(TARGETS)}}} [libFuzzer options] [corpus]\n"
                 f"       {argv[0]} --seed TARGET DIRECTORY")
    run = TARGETS[argv[1]]

    def one_input(data: bytes) -> None:
        with contextlib.suppress(MaturityError):  # the answer bad input deserves
            run(data)

    atheris.Setup([argv[0], *argv[2:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
