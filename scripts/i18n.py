#!/usr/bin/env python3
"""Translation tools for the maintainers of packs and report templates.

    .venv/bin/python scripts/i18n.py stamp rules/*/i18n/*.toml
        give every translation that has no `source` yet the hash of the English text it
        translates (write the translation, then stamp it: hashes are never typed by hand)
    .venv/bin/python scripts/i18n.py stamp --restamp rules.DBD-SA-01 rules/dgpf/i18n/fr.toml
        after reviewing a translation the lint reports stale against the new English text
    .venv/bin/python scripts/i18n.py messages
        extract the report templates' strings into reports/locale/maturity.pot, merge them into
        every reports/locale/<lang>/LC_MESSAGES/maturity.po, then compile
    .venv/bin/python scripts/i18n.py compile
        compile every maturity.po into the maturity.mo shipped in the wheel

Files are edited in place, keeping their layout and comments; the result is loaded again to
prove it is still a valid catalogue.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "reports" / "locale"
_TABLE = re.compile(
    r"^\[\s*catalogue\s*\.\s*(?:(header)|(dimensions|facets|levels|owners|rules)\s*\.\s*"
    r"[\"']?([^\]\"'\s]+)[\"']?)\s*\]")
_SOURCE = re.compile(r'^source\s*=\s*"[0-9a-f]*"\s*$')


def stamp(path: Path, restamp: set[str], pack_dir: Path | None = None) -> int:
    """Add (or, for `restamp` entries, replace) the `source` of translations; return how many.
    The pack is the one whose `i18n/` folder holds the file, else `pack_dir` (a plugin's
    catalogue of another pack's texts is kept elsewhere)."""
    from maturity.catalogues import Element, source_for
    from maturity.limits import Limits
    from maturity.packs import load_pack_dir

    pack_dir = pack_dir or path.resolve().parent.parent
    if not (pack_dir / "pack.toml").is_file():
        sys.exit(f"{path}: no pack.toml in {pack_dir}, the folder above the catalogue's i18n/ "
                 "folder; name the pack it translates with --pack DIR")
    pack = load_pack_dir(pack_dir, origin="local:" + pack_dir.name, display=pack_dir.name,
                         limits=Limits())
    elements: dict[str, Element] = {"header": pack.header}
    elements.update({f"dimensions.{d.id}": d for d in pack.header.dimensions})
    elements.update({f"facets.{f.id}": f for f in pack.header.facets})
    elements.update({f"levels.{lv.level}": lv for lv in pack.header.levels})
    elements.update({f"owners.{o.id}": o for o in pack.header.owners})
    elements.update({f"rules.{r.id}": r for r in pack.rules})
    unknown = sorted(restamp - set(elements))
    if unknown:
        sys.exit(f"{path}: --restamp {unknown[0]} names nothing in pack {pack.id} "
                 "(write KIND.ID as the lint lists it, e.g. rules.DBD-SA-01 or owners.ciso)")
    data = tomllib.loads(path.read_text(encoding="utf-8"))["catalogue"]

    def entry(label: str) -> dict[str, str]:
        if label == "header":
            return dict(data.get("header", {}))
        kind, _, key = label.partition(".")
        return dict(data.get(kind, {}).get(key, {}))

    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    out: list[str] = []
    changed = 0
    current: str | None = None
    for line in lines:
        match = _TABLE.match(line)
        if line.startswith("["):
            current = None
        if match:
            current = "header" if match.group(1) else f"{match.group(2)}.{match.group(3)}"
            element = elements.get(current)
            if element is None:
                sys.exit(f"{path}: {line.strip()} names nothing in pack {pack.id}")
            out.append(line)
            fields = entry(current)
            if "source" not in fields:
                out.append(f'source = "{source_for(element, fields)}"\n')
                changed += 1
            continue
        if current is not None and current in restamp and _SOURCE.match(line):
            line = f'source = "{source_for(elements[current], entry(current))}"\n'
            changed += 1
        out.append(line)
    path.write_text("".join(out), encoding="utf-8")

    from maturity.catalogues import load_catalogue

    load_catalogue(path)
    return changed


def messages() -> None:
    """Templates → .pot → every .po (new strings untranslated, vanished ones dropped)."""
    from babel.messages.pofile import read_po, write_po

    from maturity.i18n import template_catalogue

    template = template_catalogue()
    pot = LOCALE_DIR / "maturity.pot"
    if pot.is_file():  # keep the creation date so an unchanged template is byte-identical
        with pot.open("rb") as handle:
            template.creation_date = read_po(handle).creation_date
    LOCALE_DIR.mkdir(parents=True, exist_ok=True)
    with pot.open("wb") as handle:
        write_po(handle, template, width=100, sort_output=True)
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/maturity.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.parts[-3])
        catalogue.update(template, no_fuzzy_matching=True)
        with po.open("wb") as handle:
            write_po(handle, catalogue, width=100, sort_output=True, ignore_obsolete=True)
        print(f"{po.relative_to(ROOT)}: {sum(1 for m in catalogue if m.id and not m.string)} "
              "untranslated")
    compile_all()


def init(lang: str) -> None:
    """Start the .po file of a new language from the template."""
    from babel.messages.pofile import read_po, write_po

    po = LOCALE_DIR / lang / "LC_MESSAGES" / "maturity.po"
    if po.exists():
        sys.exit(f"{po} exists: use `messages` to update it")
    with (LOCALE_DIR / "maturity.pot").open("rb") as handle:
        catalogue = read_po(handle, locale=lang)
    catalogue.revision_date = catalogue.creation_date = dt.datetime.now(dt.UTC)
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, catalogue, width=100, sort_output=True)


def compile_all() -> None:
    from maturity.i18n import compile_messages

    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/maturity.po")):
        po.with_suffix(".mo").write_bytes(compile_messages(po.read_bytes(), po.parts[-3]))
        print(f"{po.with_suffix('.mo').relative_to(ROOT)} compiled")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("stamp", help="add source hashes to new translations")
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--restamp", action="append", default=[], metavar="KIND.ID",
                   help="replace the source of a reviewed translation (e.g. rules.DBD-SA-01)")
    p.add_argument("--pack", type=Path, default=None, metavar="DIR",
                   help="the pack the catalogues translate (default: the folder above their "
                        "i18n/ folder)")
    sub.add_parser("messages", help="extract template strings, update .po files, compile")
    p_init = sub.add_parser("init", help="start the .po file of a new language")
    p_init.add_argument("lang")
    sub.add_parser("compile", help="compile .po files into .mo files")
    args = parser.parse_args()
    if args.command == "stamp":
        from maturity.errors import MaturityError

        for path in args.files:
            try:
                print(f"{path}: {stamp(path, set(args.restamp), args.pack)} stamped")
            except MaturityError as exc:  # the file's or the pack's fault: say it, no trace
                print(exc, file=sys.stderr)
                sys.exit(2)
            except (OSError, tomllib.TOMLDecodeError) as exc:
                sys.exit(f"{path}: {exc}")
    elif args.command == "messages":
        messages()
    elif args.command == "init":
        init(args.lang)
    else:
        compile_all()


if __name__ == "__main__":
    main()
