"""Hypothesis strategies shared by the property tests: packs, rules, evidence, outcomes."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from hypothesis import strategies as st

from maturity.limits import Limits
from maturity.model import PackHeader, Rule, RulePack

DIMENSIONS = ("d-one", "d-two", "d-three")
FACETS = ("f-one", "f-two")
KEYS = tuple(f"k{i}" for i in range(8))

weights = st.floats(min_value=0.01, max_value=50, allow_nan=False, allow_infinity=False)


@st.composite
def leaf_checks(draw: st.DrawFn) -> dict[str, Any]:
    key = "e." + draw(st.sampled_from(KEYS))
    kind = draw(st.sampled_from(["is", "ge", "linear", "share_of", "within_days", "graded"]))
    if kind == "is":
        return {"path": key, "is": True}
    if kind == "ge":
        return {"path": key, "ge": draw(st.integers(0, 100))}
    if kind == "linear":
        low = draw(st.integers(0, 50))
        return {"path": key, "linear": [low, low + draw(st.integers(1, 50))]}
    if kind == "share_of":
        return {"path": key, "share_of": ["a", "b", "c", "d"]}
    if kind == "within_days":
        return {"path": key, "within_days": draw(st.integers(1, 1000))}
    return {"path": key, "graded": [[0, 0.0], [25, 0.25], [50, 0.5], [90, 1.0]]}


checks = st.recursive(
    leaf_checks(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda cs: {"all": cs}),
        st.lists(children, min_size=1, max_size=3).map(lambda cs: {"any": cs}),
        children.map(lambda c: {"not": c}),
    ),
    max_leaves=4,
)


@st.composite
def rules(draw: st.DrawFn, index: int, faceted: bool = True) -> Rule:
    return Rule.model_validate({
        "id": f"R-{index:03d}",
        "title": f"Rule {index}",
        "rationale": "Generated for a property test.",
        "dimension": draw(st.sampled_from(DIMENSIONS)),
        "facet": draw(st.sampled_from(FACETS)) if faceted else None,
        "level": draw(st.integers(1, 5)),
        "weight": draw(weights),
        "check": draw(checks),
        "remediation": {"action": "Fix it", "effort": draw(st.integers(1, 12)),
                        "owner": "someone"},
    })


@st.composite
def packs(draw: st.DrawFn, max_rules: int = 12) -> RulePack:
    count = draw(st.integers(1, max_rules))
    # A pack may have no facets (as a country's own pack may): its rules then have none.
    faceted = draw(st.booleans())
    header = PackHeader.model_validate({
        "id": "generated",
        "version": "1.0.0",
        "title": "Generated pack",
        "source": "hypothesis",
        "dimensions": [{"id": d, "name": d} for d in DIMENSIONS],
        "facets": [{"id": f, "name": f} for f in FACETS] if faceted else [],
    })
    generated = tuple(draw(rules(i, faceted)) for i in range(count))
    return RulePack(header=header, rules=generated, sha256="0" * 64, origin="hypothesis")


def _value(kind: int, draw: st.DrawFn) -> Any:
    choices = [
        st.booleans(),
        st.integers(0, 120),
        st.lists(st.sampled_from(["a", "b", "c", "d", "x"]), max_size=4, unique=True),
        st.dates(dt.date(2020, 1, 1), dt.date(2026, 6, 30)),
        st.text(max_size=5),
    ]
    return draw(choices[kind])


@st.composite
def evidence(draw: st.DrawFn) -> dict[str, Any]:
    """Evidence for generated packs: any key may be missing or of any type."""
    values: dict[str, Any] = {}
    for key in KEYS:
        kind = draw(st.integers(-1, 4))
        if kind >= 0:
            values[key] = _value(kind, draw)
    return {"e": values}


# --- files on disk, valid and broken (the loaders' input) ----------------------------------
#
# A generated pack or bundle is written as the files a person would hand in; the broken
# variants change one thing a person or an attacker could: a value no format should carry, a
# structure past a limit, a byte flipped, a file cut short. `LIMITS` are low so every limit is
# within reach of a small example.

LIMITS = Limits(max_file_bytes=64 * 1024, max_depth=8, max_rules=40, max_string=300,
                max_documents=4, max_sheet_rows=60, max_unpacked_bytes=1 << 20)
EVIDENCE_FORMATS = ("toml", "json", "yaml", "xlsx")

HEADER: dict[str, Any] = {
    "organisation": {"id": "ministry-of-tests", "name": "Ministry of Tests", "kind": "ministry"},
    "assessment": {"as_of": dt.date(2026, 6, 30)},
}

plain_text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=20
)
keys = st.text("abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=12)
plain_values = st.one_of(
    st.booleans(),
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    plain_text,
)
hostile_values = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 2**64, -(2**70), 10**40]),
    st.datetimes(timezones=st.sampled_from([None, dt.UTC])),
    st.times(),
    st.text(min_size=LIMITS.max_string + 1, max_size=LIMITS.max_string + 5),
    st.sampled_from(["\ud800", "a\udfffb", "<script>alert(1)</script>", "{{ 7*191 }}",
                     "{% for x in y %}", "\x1b[31m", "../../etc/passwd"]),
)


def _trees(leaves: st.SearchStrategy[Any], depth: int) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=3),
            st.dictionaries(keys, children, max_size=3),
        ),
        max_leaves=12,
    ).filter(lambda tree: _depth(tree) <= depth)


def _depth(tree: Any) -> int:
    if isinstance(tree, dict):
        return 1 + max((_depth(v) for v in tree.values()), default=0)
    if isinstance(tree, list):
        return 1 + max((_depth(v) for v in tree), default=0)
    return 0


def _nested(depth: int) -> Any:
    tree: Any = 1
    for _ in range(depth):
        tree = {"deeper": tree}
    return tree


@st.composite
def evidence_trees(draw: st.DrawFn, hostile: bool = False) -> dict[str, Any]:
    """An evidence tree under the namespace `e` (valid), or one that hides a hostile value
    or a structure past `LIMITS.max_depth` somewhere inside it."""
    tree = draw(st.dictionaries(keys, _trees(plain_values, 4), min_size=1, max_size=4))
    if hostile:
        where = draw(st.sampled_from(sorted(tree)))
        tree[where] = draw(st.one_of(hostile_values, st.just(_nested(LIMITS.max_depth + 1))))
    return {"e": tree}


def _as_text(value: Any, kinds: tuple[type[dt.date | dt.time], ...]) -> Any:
    """`value` with every date or time of `kinds` written as ISO text (JSON has no dates,
    YAML no times of day)."""
    if isinstance(value, dict):
        return {k: _as_text(v, kinds) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_text(v, kinds) for v in value]
    if isinstance(value, kinds):
        return value.isoformat()
    return value


def encode_tree(tree: dict[str, Any], fmt: str) -> bytes:
    """The bytes of an evidence or header file in `fmt`. Values a format cannot hold are
    written the way a person would try (NaN as `nan` in TOML, dates as text in JSON)."""
    if fmt == "toml":
        import tomli_w

        return tomli_w.dumps(tree, multiline_strings=False).encode("utf-8", "surrogatepass")
    if fmt == "json":
        import json

        return json.dumps(_as_text(tree, (dt.date, dt.time))).encode()
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(_as_text(tree, (dt.time,)), allow_unicode=True).encode(
            "utf-8", "surrogatepass")
    return _workbook(tree)


def _rows(tree: Any, prefix: str = "") -> list[tuple[str, str, Any]]:
    if isinstance(tree, dict) and tree:
        return [row for k, v in tree.items() for row in _rows(v, f"{prefix}{k}.")]
    kind = {bool: "boolean", int: "number", float: "number", dt.date: "date"}.get(type(tree), "any")
    value = tree if isinstance(tree, bool | int | float | dt.date | str) else repr(tree)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.isoformat()  # Excel has no time zones: a person would type the text
    return [(prefix.rstrip("."), kind, value)]


def _workbook(tree: dict[str, Any]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "evidence"
    sheet.append(["key", "type", "value"])
    for key, kind, value in _rows(tree):
        if isinstance(value, str):
            value = value.encode("utf-8", "replace").decode("utf-8")  # no surrogates in XML
            value = "".join(c for c in value if c.isprintable() or c in "\t\n")
        sheet.append([key, kind, value])
    buffer = io.BytesIO()
    book.save(buffer)
    return _without_clock(buffer.getvalue())


def _without_clock(data: bytes) -> bytes:
    """The workbook with its save time and ZIP timestamps fixed, so one example always gives
    the same bytes (hypothesis replays examples and shrinks them)."""
    import io
    import re
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb">[0-9]{4}-[0-9-]+T[0-9:.]+Z?<", b">2026-01-01T00:00:00Z<",
                                 content)
            target.writestr(zipfile.ZipInfo(info.filename, (2026, 1, 1, 0, 0, 0)), content,
                            zipfile.ZIP_DEFLATED)
    return out.getvalue()


@st.composite
def broken_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with one edit: bytes flipped, inserted or removed, or the file cut short."""
    if not data:
        return draw(st.binary(max_size=64))
    edit = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "token"]))
    at = draw(st.integers(0, 1 << 20)) % len(data)  # the draw does not depend on the length
    if edit == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
    if edit == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if edit == "delete":
        return data[:at] + data[at + draw(st.integers(1, 8)):]
    if edit == "truncate":
        return data[:at]
    token = draw(st.sampled_from([
        b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"[", b"{", b"&a", b"*a", b"!!python/object:x",
        b'"', b"'", b"\n", b"=", b"nan", b"1e999", b"9" * 30, b"2026-02-30", b"<!DOCTYPE x>",
    ]))
    return data[:at] + token + data[at:]


@st.composite
def evidence_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes) of one evidence file: valid, hostile inside, or broken as bytes."""
    fmt = draw(st.sampled_from(EVIDENCE_FORMATS))
    tree = draw(evidence_trees(hostile=draw(st.booleans())))
    data = encode_tree(tree, fmt)
    if draw(st.booleans()):
        data = draw(broken_bytes(data))
    return fmt, data


def pack_files(pack: RulePack) -> dict[str, bytes]:
    """The files of a pack directory holding `pack` (header and one rule file)."""
    import tomli_w

    header = {"pack": pack.header.model_dump(exclude_defaults=True)}
    rules = {"rules": [r.model_dump(exclude_defaults=True, mode="json") for r in pack.rules]}
    return {"pack.toml": tomli_w.dumps(header).encode(),
            "rules.toml": tomli_w.dumps(rules).encode()}


@st.composite
def broken_pack_files(draw: st.DrawFn) -> dict[str, bytes]:
    """A generated pack's files with one of them broken as bytes or as a structure."""
    files = pack_files(draw(packs(max_rules=4)))
    name = draw(st.sampled_from(sorted(files)))
    if draw(st.booleans()):
        files[name] = draw(broken_bytes(files[name]))
    else:
        import tomllib

        import tomli_w

        doc = tomllib.loads(files[name].decode())
        target = doc["pack"] if name == "pack.toml" else draw(st.sampled_from(doc["rules"]))
        field = draw(st.sampled_from([*sorted(target), "unknown_key"]))
        target[field] = draw(st.one_of(plain_values, st.sampled_from([math.nan, 10**30]),
                                       st.just([]), st.just({"x": 1})))
        files[name] = tomli_w.dumps(doc).encode()
    return files
