"""Corpus inputs that cannot be kept as small files: spreadsheets, links, strings over a limit.

A case names one of these functions in its expect.toml (`generate = "name"`); the corpus test
calls it with the case's working directory after laying the case's files over the base. Each
function writes only inside that directory (a symbolic link may point out of the bundle, to a
file it also creates inside the working directory, which stands for the rest of the disk).
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["install_plugins"]

#: The rule most pack cases break in one place (written out in their `pack/broken.toml`).
BROKEN_RULE = """\
[[rules]]
id = "BAD-01"
title = "A rule broken on purpose"
rationale = "The corpus checks that this mistake is reported clearly."
dimension = "data"
facet = "sharing"
level = 1
evidence = ["data.datasets"]
check = { path = "data.datasets", ge = 1 }

[rules.remediation]
action = "Fix the rule"
effort = 1
owner = "chief-data-officer"
"""


def install_plugins(work: Path, plugins: Mapping[str, str]) -> None:
    """Install the case's plugin modules (in `site/`) as a distribution pip would leave.

    `plugins` maps entry-point names to module names; the modules are the case's own files, and
    the `maturity` entry points are declared in a dist-info directory, as an installed wheel has.
    """
    site = work / "site"
    info = site / "corpus_plugin-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: corpus-plugin\nVersion: 1.0\n", encoding="utf-8")
    lines = ["[maturity]", *(f"{name} = {module}" for name, module in sorted(plugins.items()))]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _rule_file(work: Path, text: str) -> None:
    (work / "pack" / "broken.toml").write_text(text, encoding="utf-8")


def long_title(work: Path) -> None:
    _rule_file(work, BROKEN_RULE.replace('"A rule broken on purpose"', '"' + "x" * 600 + '"'))


def huge_rationale(work: Path) -> None:
    text = "y" * 100_001
    _rule_file(work, BROKEN_RULE.replace(
        '"The corpus checks that this mistake is reported clearly."', f'"{text}"'))


def long_key(work: Path) -> None:
    _rule_file(work, BROKEN_RULE.replace("level = 1", "level = 1\n" + "k" * 300 + " = 1"))


def _evidence(work: Path, name: str, data: bytes) -> None:
    (work / "bundle" / name).write_bytes(data)


def huge_evidence_string(work: Path) -> None:
    _evidence(work, "extra.toml", b'[strategy2]\nsummary = "' + b"z" * 100_001 + b'"\n')


def sixteen_mebibytes(work: Path) -> None:
    """One byte over the default max_file_bytes: a comment long enough to pass it."""
    head = b"[people]\nstaff = 12\n# "
    _evidence(work, "extra.toml", head + b"p" * (16 * 1024 * 1024 + 1 - len(head)))


def deep_json(work: Path) -> None:
    _evidence(work, "extra.json", b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")


def deep_yaml(work: Path) -> None:
    _evidence(work, "extra.yaml", b"x: " + b"[" * 10_000 + b"]" * 10_000 + b"\n")


def yaml_alias_bomb(work: Path) -> None:
    """The "billion laughs": each level lists the previous one nine times."""
    lines = ['a0: "lol"']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    lines[0] = 'a0: &a0 "lol"'
    _evidence(work, "extra.yaml", ("\n".join(lines) + "\n").encode())


def symlink_out_of_bundle(work: Path) -> None:
    """documents/link.md points at a file beside the bundle, i.e. outside it."""
    (work / "secret.txt").write_text("not evidence\n", encoding="utf-8")
    os.symlink("../../secret.txt", work / "bundle" / "documents" / "link.md")


def symlinked_directory_out_of_bundle(work: Path) -> None:
    (work / "elsewhere").mkdir()
    (work / "elsewhere" / "secret.txt").write_text("not evidence\n", encoding="utf-8")
    os.symlink("../elsewhere", work / "bundle" / "shared")


def symlink_inside_bundle(work: Path) -> None:
    os.symlink("strategy.md", work / "bundle" / "documents" / "alias.md")


def evidence_symlink_out_of_bundle(work: Path) -> None:
    (work / "outside.toml").write_text("[people]\nstaff = 12\n", encoding="utf-8")
    os.symlink("../outside.toml", work / "bundle" / "linked.toml")


# --- spreadsheets -------------------------------------------------------------------------

Row = tuple[Any, ...]
_SHEET = "xl/worksheets/sheet1.xml"
_HEADER: Row = ("key", "type", "value")
_ROWS: tuple[Row, ...] = (("people.staff", "number", 12), ("people.remote", "boolean", "true"))


def _save(work: Path, book: Any, name: str = "extra.xlsx") -> None:
    buffer = io.BytesIO()
    book.save(buffer)
    _evidence(work, name, buffer.getvalue())


def _book(rows: Iterable[Row] = _ROWS, header: Row = _HEADER) -> Any:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "evidence"
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    return book


def xlsx_valid(work: Path) -> None:
    _save(work, _book())


def xlsx_formula(work: Path) -> None:
    _save(work, _book([*_ROWS, ("people.share", "number", "=B2/100")]))


def xlsx_formula_in_key(work: Path) -> None:
    _save(work, _book([*_ROWS, ('=CONCAT("people.", "x")', "number", 1)]))


def xlsx_hidden_sheet(work: Path) -> None:
    book = _book()
    hidden = book.create_sheet("notes")
    hidden.append(["people.staff", "number", 99])
    hidden.sheet_state = "hidden"
    _save(work, book)


def xlsx_very_hidden_sheet(work: Path) -> None:
    book = _book()
    book.create_sheet("macros").sheet_state = "veryHidden"
    _save(work, book)


def xlsx_million_empty_rows(work: Path) -> None:
    """Formatting on the sheet's last row: a million declared rows, three with content."""
    from openpyxl.styles import Font

    book = _book()
    book.active.cell(row=1_048_576, column=1).font = Font(bold=True)
    _save(work, book)


def xlsx_many_real_rows(work: Path) -> None:
    """More rows with content than the test's --limit max_sheet_rows allows."""
    _save(work, _book([(f"people.count{i}", "number", i) for i in range(40)]))


def xlsx_lying_dimension(work: Path) -> None:
    """A sheet whose <dimension> claims two rows while eight hold evidence: none may be lost."""
    rows = [(f"people.count{i}", "number", i) for i in range(7)]
    buffer = io.BytesIO()
    _book(rows).save(buffer)
    _evidence(work, "extra.xlsx", _rewrite_part(
        buffer.getvalue(), _SHEET,
        lambda xml: xml.replace(b'<dimension ref="A1:C8" />', b'<dimension ref="A1:B2" />')))


def _rewrite_part(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                changed = change(content)
                assert changed != content, f"{part} did not change"
                content = changed
            target.writestr(info.filename, content)
    return out.getvalue()


def xlsx_date_with_time(work: Path) -> None:
    import datetime as dt

    _save(work, _book([*_ROWS, ("strategy2.reviewed", "date", dt.datetime(2026, 3, 1, 9, 30))]))


def xlsx_date_30_february(work: Path) -> None:
    _save(work, _book([*_ROWS, ("strategy2.reviewed", "date", "2026-02-30")]))


def xlsx_not_boolean(work: Path) -> None:
    _save(work, _book([("people.remote", "boolean", "maybe")]))


def xlsx_number_overflow(work: Path) -> None:
    _save(work, _book([("people.share", "number", "1e999")]))


def xlsx_long_text(work: Path) -> None:
    _save(work, _book([("strategy2.summary", "text", "word " * 100)]))


def xlsx_no_key_column(work: Path) -> None:
    _save(work, _book(header=("name", "type", "amount")))


def xlsx_empty_sheet(work: Path) -> None:
    from openpyxl import Workbook

    _save(work, Workbook())


def xlsx_duplicate_key(work: Path) -> None:
    _save(work, _book([*_ROWS, ("people.staff", "number", 13)]))


def xlsx_key_conflict(work: Path) -> None:
    _save(work, _book([*_ROWS, ("people.staff.women", "number", 6)]))


def xlsx_markup(work: Path) -> None:
    _save(work, _book([("data.datasets", "text", '<img src=x onerror=alert(1)>{{ 7*191 }}')]))


def xlsx_not_a_zip(work: Path) -> None:
    _evidence(work, "extra.xlsx", b"key,value\npeople.staff,12\n")


def xlsx_zip_without_workbook(work: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    _evidence(work, "extra.xlsx", out.getvalue())


def _padded_sheet(work: Path, padding: bytes) -> None:
    buffer = io.BytesIO()
    _book().save(buffer)
    _evidence(work, "extra.xlsx", _rewrite_part(
        buffer.getvalue(), _SHEET,
        lambda xml: xml.replace(b"</worksheet>", padding + b"</worksheet>")))


def xlsx_zip_bomb(work: Path) -> None:
    """A sheet that unpacks to a thousand times its packed size (the case lowers the limit)."""
    _padded_sheet(work, b"<x>" + b"0" * (4 << 20) + b"</x>")


def xlsx_long_comment(work: Path) -> None:
    """One XML comment of 1 MiB: expat before 2.6 re-parses long tokens quadratically."""
    _padded_sheet(work, b"<!--" + b"0" * (1 << 20) + b"-->")


def xlsx_entity_expansion(work: Path) -> None:
    """XML entities that expand a billion-fold in the sheet (blocked by defusedxml)."""
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10))
    buffer = io.BytesIO()
    _book().save(buffer)
    _evidence(work, "extra.xlsx", _rewrite_part(
        buffer.getvalue(), _SHEET,
        lambda xml: xml.replace(b"<worksheet", f"<!DOCTYPE worksheet [{entities}]><worksheet"
                                .encode(), 1).replace(b"<t>people.staff</t>", b"<t>&a9;</t>")))


def xlsx_external_entity(work: Path) -> None:
    """An XML external entity that would read a file from the disk (blocked by defusedxml)."""
    buffer = io.BytesIO()
    _book().save(buffer)
    _evidence(work, "extra.xlsx", _rewrite_part(
        buffer.getvalue(), _SHEET,
        lambda xml: xml.replace(
            b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<worksheet", 1).replace(b"<t>people.staff</t>", b"<t>&x;</t>")))


# --- records --------------------------------------------------------------------------------

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>{{ 7*191 }}" onmouseover="x'


def hostile_record(work: Path) -> None:
    """A real record of the base bundle whose texts were then edited to carry markup: a record
    comes from outside as much as evidence does (`maturity report` renders any record)."""
    import json

    from maturity.api import Session, assess
    from maturity.plugins import create_host
    from maturity.record import canonical_bytes

    session = Session(host=create_host(autoload=False))
    rules, _ = session.load_rules(pack_dirs=[work / "pack"])
    record = json.loads(assess(work / "bundle", rules=rules, session=session).canonical_json())
    record["organisation"]["name"] = HOSTILE
    record["organisation"]["id"] = "=HYPERLINK(\"http://example.invalid\")"
    record["packs"][0]["title"] = HOSTILE
    for outcome in record["outcomes"]:
        outcome["detail"] = HOSTILE
        outcome["title"] = HOSTILE
    (work / "record.json").write_bytes(canonical_bytes(record))


def xlsx_entity_in_renamed_part(work: Path) -> None:
    """The sheet stored as `sheet1.png` (the relationships say where sheets are, not their
    names), with an external entity: the check goes by content, not by name."""
    buffer = io.BytesIO()
    _book().save(buffer)
    renamed = {_SHEET: "xl/worksheets/sheet1.png"}
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename).replace(b"sheet1.xml", b"sheet1.png")
            if info.filename == _SHEET:
                content = content.replace(
                    b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    b"<worksheet", 1).replace(b"<t>people.staff</t>", b"<t>&x;</t>")
            target.writestr(renamed.get(info.filename, info.filename), content)
    _evidence(work, "extra.xlsx", out.getvalue())


def _edited_record(work: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """`record.json`: the base bundle's record as `maturity assess` writes it, then `edit`ed
    by hand (a second, untouched record beside it as `other.json`)."""
    import json

    from maturity.cli import main
    from maturity.plugins import AUTOLOAD_ENV

    before = os.environ.get(AUTOLOAD_ENV)
    os.environ[AUTOLOAD_ENV] = "1"
    try:
        assert main(["assess", str(work / "bundle"), "--pack-dir", str(work / "pack"),
                     "--as-of", "2026-10-31", "-o", str(work / "other.json")]) == 0
    finally:
        if before is None:
            del os.environ[AUTOLOAD_ENV]
        else:
            os.environ[AUTOLOAD_ENV] = before
    record = json.loads((work / "other.json").read_text(encoding="utf-8"))
    edit(record)
    (work / "record.json").write_text(json.dumps(record), encoding="utf-8")


def record_weight_as_text(work: Path) -> None:
    def edit(record: dict[str, Any]) -> None:
        record["outcomes"][1]["weight"] = "heavy"

    _edited_record(work, edit)


def record_without_index(work: Path) -> None:
    def edit(record: dict[str, Any]) -> None:
        for score in record["scores"].values():
            del score["index"]

    _edited_record(work, edit)


def record_level_as_fraction(work: Path) -> None:
    def edit(record: dict[str, Any]) -> None:
        for score in record["scores"].values():
            for dimension in score["dimensions"].values():
                dimension["level"] = 2.5

    _edited_record(work, edit)
