"""Evidence in spreadsheets: the XLSX fill-in template and its reader.

Strategy units work in spreadsheets, so the template is one row per evidence key (key, meaning,
type, allowed values, value, document, sha256, collected). The reader turns a filled sheet back
into the same evidence tree a TOML file would give. It refuses formulas (their cached values
can be stale or forged), hidden sheets (hidden content would be scored unseen) and sheets with
more rows than the `max_sheet_rows` limit.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
from typing import Any

from maturity.errors import EvidenceError
from maturity.limits import Limits
from maturity.schema import KeySpec

__all__ = ["COLUMNS", "read_evidence_workbook", "template_workbook"]

COLUMNS = ("key", "meaning", "type", "allowed values", "value", "document", "sha256",
           "collected", "read by")
SHEET = "evidence"
#: Longer than any cell (32,767 characters of up to four bytes) and its markup, and short
#: enough for expat's re-parsing of long tokens to stay in milliseconds.
_MAX_XML_TOKEN = 256 * 1024
_HEADER_ROWS: tuple[tuple[str, str, str], ...] = (
    ("organisation.id", "Identifier of the organisation (lowercase, hyphens)", "text"),
    ("organisation.name", "Name of the organisation", "text"),
    ("organisation.kind", "ministry, agency, municipality or other", "choice"),
    ("organisation.country", "Country code", "text"),
    ("organisation.parent", "Identifier of the parent organisation", "text"),
    ("organisation.delivers_services", "Delivers services to the public", "boolean"),
    ("assessment.as_of", "Assessment date", "date"),
    ("assessment.period", "Assessment period", "text"),
    ("submission.by", "Who submits this evidence", "text"),
    ("submission.on", "Submission date", "date"),
)


def template_workbook(schema: dict[str, KeySpec]) -> bytes:
    """An XLSX template with one row per key: fill the value (and document) columns."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for key, meaning, kind in _HEADER_ROWS:
        allowed = "ministry, agency, municipality, other" if kind == "choice" else ""
        sheet.append([key, meaning, kind, allowed, None, None, None, None, "header"])
    for key, spec in schema.items():
        sheet.append([key, spec.meaning, spec.type, ", ".join(spec.allowed), None, None, None,
                      None, ", ".join(spec.rules)])
    boolean = DataValidation(type="list", formula1='"true,false"', allow_blank=True)
    sheet.add_data_validation(boolean)
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, 3).value == "boolean":
            boolean.add(sheet.cell(row, 5))
    for column, width in zip("ABCDEFGHI", (42, 60, 10, 40, 20, 36, 20, 12, 30), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _error(message: str, file: str, location: str, expected: str, found: str,
           fix: str, code: str = "xlsx.invalid") -> EvidenceError:
    return EvidenceError(message, code=code, file=file, location=location, expected=expected,
                         found=found, fix=fix)


def _convert(kind: str, value: Any, where: str, file: str) -> Any:
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise _error("not a boolean", file, where, "true or false", repr(value),
                     "write true or false")
    if kind == "number":
        if isinstance(value, bool):
            raise _error("not a number", file, where, "a number", repr(value), "write a number")
        if isinstance(value, int | float):
            return int(value) if isinstance(value, float) and value.is_integer() else value
        try:
            number = float(str(value).strip())
        except ValueError:
            raise _error("not a number", file, where, "a number", repr(value),
                         "write a number") from None
        return int(number) if number.is_integer() else number
    if kind == "date":
        if isinstance(value, dt.datetime):
            if value.time() != dt.time(0):
                raise _error("a date and time where a date is expected", file, where,
                             "a date", value.isoformat(), "format the cell as a date")
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise _error("not a date", file, where, "a date YYYY-MM-DD", repr(value),
                         "write the date as YYYY-MM-DD") from None
    if kind == "list":
        # Items are separated by semicolons; "[]" says "none of them", unlike an empty cell,
        # which means the key is not evidenced at all.
        text = str(value).strip()
        if text == "[]":
            return []
        return [item.strip() for item in text.split(";") if item.strip()]
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    return value if isinstance(value, bool | int | float | dt.date) else str(value).strip()


def _percent(value: Any, cell: Any) -> bool:
    """A number in a cell formatted as a percentage (a `%` outside the format's quoted or
    escaped text, which shows the number as it is)."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    shown = _LITERALS.sub("", str(getattr(cell, "number_format", "") or ""))
    return "%" in shown


#: Quoted text and escaped characters of a number format, which the format shows as written.
_LITERALS = re.compile(r'"[^"]*"|\\.')


def _set(tree: dict[str, Any], key: str, value: Any, where: str, file: str) -> None:
    parts = key.split(".")
    node = tree
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise _error(f"the key {key!r} conflicts with {part!r}", file, where,
                         "keys that do not nest inside values", key, "rename one of them")
        node = child
    if parts[-1] in node:
        raise _error(f"the key {key!r} is given twice", file, where, "each key once", key,
                     "remove the duplicate row", code="evidence.duplicate-key")
    node[parts[-1]] = value


def _check_archive(data: bytes, file: str, limits: Limits) -> None:
    """Refuse a workbook that unpacks to more than `max_unpacked_bytes` (a ZIP bomb) before
    any part of it is decompressed; the ZIP reader never inflates a part past its declared
    size, so the declared sizes bound the work."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            unpacked = sum(info.file_size for info in members)
            if unpacked > limits.max_unpacked_bytes:
                raise _error(
                    f"the workbook unpacks to more than {limits.max_unpacked_bytes} bytes",
                    file, "(file)", f"at most {limits.max_unpacked_bytes} bytes unpacked "
                    "(limit max_unpacked_bytes)", f"{unpacked} bytes",
                    "remove what the sheet does not need, or raise the limit",
                    code="file.too-large")
            for info in members:
                content = archive.read(info)
                # By content, not name: a sheet can be stored under any name the rels give.
                if content.lstrip()[:1] == b"<":
                    _check_xml(content, file, info.filename)
    except EvidenceError:
        raise
    except Exception as exc:  # not a ZIP, encrypted, truncated, unknown compression
        raise _error("not a readable XLSX workbook", file, "(file)", "an .xlsx workbook",
                     type(exc).__name__, "save the file again as .xlsx",
                     code="file.syntax") from None


def _check_xml(xml: bytes, file: str, part: str) -> None:
    """Refuse what no spreadsheet program writes and only serves to attack the XML parser:
    document type declarations (entity expansion, external entities) and single tokens so long
    that expat before 2.6 re-parses them quadratically (a comment of 64 MiB takes minutes)."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise _error("the workbook declares XML entities", file, f"part {part}",
                     "plain spreadsheet XML", "a <!DOCTYPE> declaration",
                     "save the file again from a spreadsheet program", code="file.syntax")
    longest = max(map(len, xml.split(b"<")), default=0)
    if longest > _MAX_XML_TOKEN:
        raise _error("the workbook holds an XML token too long to read safely", file,
                     f"part {part}", f"at most {_MAX_XML_TOKEN} bytes between tags",
                     f"{longest} bytes", "save the file again from a spreadsheet program",
                     code="file.syntax")


def read_evidence_workbook(data: bytes, file: str, limits: Limits) -> dict[str, Any]:
    """The evidence tree of a filled template (or any sheet with key/value columns)."""
    from openpyxl import load_workbook
    from openpyxl.cell.read_only import EMPTY_CELL

    _check_archive(data, file, limits)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:
        raise _error("not a readable XLSX workbook", file, "(file)", "an .xlsx workbook",
                     type(exc).__name__, "save the file again as .xlsx",
                     code="file.syntax") from None
    try:
        for sheet in book.worksheets:
            if sheet.sheet_state != "visible":
                raise _error(f"the workbook has a hidden sheet {sheet.title!r}", file,
                             f"sheet {sheet.title}", "only visible sheets",
                             f"{sheet.sheet_state} sheet", "unhide or delete it")
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        # The declared <dimension> can be smaller than the data (rows and columns past it
        # would be dropped unread) or a million rows larger: read what the file holds instead.
        sheet.reset_dimensions()
        rows = sheet.iter_rows()
        header = next(rows, None)
        names = [str(c.value).strip().lower() if c.value is not None else "" for c in
                 header or ()]
        if "key" not in names or "value" not in names:
            raise _error("no key and value columns", file, f"sheet {sheet.title}, row 1",
                         "a header row with at least 'key' and 'value'",
                         ", ".join(n for n in names if n) or "an empty row",
                         "use the template from `maturity evidence template -o x.xlsx`")
        column = {name: index for index, name in enumerate(names) if name}
        tree: dict[str, Any] = {}
        held = 1
        for number, row in enumerate(rows, start=2):
            if all(cell is EMPTY_CELL for cell in row):
                continue  # a gap openpyxl fills between the rows the file holds
            held += 1
            if held > limits.max_sheet_rows:
                raise _error("too many rows", file, f"sheet {sheet.title}",
                             f"at most {limits.max_sheet_rows} rows (limit max_sheet_rows)",
                             f"more than {limits.max_sheet_rows} rows",
                             "delete the empty rows or raise the limit", code="file.too-large")
            cells = {name: row[index] for name, index in column.items() if index < len(row)}
            for name, cell in cells.items():
                if cell.data_type == "f" or (isinstance(cell.value, str)
                                             and cell.value.startswith("=")):
                    raise _error("formulas are not accepted in evidence", file,
                                 f"sheet {sheet.title}, cell {cell.coordinate}",
                                 "a plain value", str(cell.value)[:60],
                                 f"replace the formula in column {name!r} with its value")
            key_cell = cells.get("key")
            value_cell = cells.get("value")
            key = key_cell.value if key_cell is not None else None
            value = value_cell.value if value_cell is not None else None
            document = cells["document"].value if "document" in cells else None
            if key is None or (value is None and document is None):
                continue
            key = str(key).strip()
            where = f"sheet {sheet.title}, row {number} ({key})"
            kind = str(cells["type"].value or "any").strip() if "type" in cells else "any"
            if kind == "document" or document is not None:
                ref: dict[str, Any] = {"document": str(document or value).strip()}
                sha = cells["sha256"].value if "sha256" in cells else None
                collected = cells["collected"].value if "collected" in cells else None
                if sha:
                    ref["sha256"] = str(sha).strip()
                if collected is not None:
                    ref["collected"] = _convert("date", collected, where, file)
                converted: Any = ref
            else:
                if _percent(value, value_cell):
                    # "35 %" typed in a spreadsheet is stored as 0.35 and shown as 35 %:
                    # read what it shows, the unit of every percentage in the packs.
                    value = float(decimal.Decimal(repr(value)).scaleb(2))
                converted = _convert(kind, value, where, file)
            _set(tree, key, converted, where, file)
        return tree
    except EvidenceError:
        raise
    except Exception as exc:  # openpyxl reads sheets lazily: a broken part fails here
        raise _error("not a readable XLSX workbook", file, "(file)", "an .xlsx workbook",
                     f"{type(exc).__name__}: {exc}"[:200], "save the file again as .xlsx",
                     code="file.syntax") from None
    finally:
        book.close()
