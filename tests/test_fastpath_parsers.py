"""The fast JSON and TOML parsers give the reference parsers' trees, or their exact errors."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maturity.api import Session
from maturity.errors import EvidenceError
from maturity.fastparse import fast_loaders, parse_json_checked, parse_json_fast, parse_toml_fast
from maturity.formats import check_tree, parse_json, parse_toml
from maturity.limits import Limits

pytest.importorskip("orjson")
pytest.importorskip("rtoml")

CORPUS = Path(__file__).resolve().parent / "corpus"


def typed(value: Any) -> Any:
    """A value with its types made visible: 1, 1.0 and True are different here."""
    if isinstance(value, dict):
        return ("dict", [(k, typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    if hasattr(value, "digits"):  # the reference's stand-in for an integer of 4,300+ digits
        return ("huge", value.digits)
    return (type(value).__name__, value)


def outcome(parse: Callable[[bytes, str, type[EvidenceError]], Any], data: bytes) -> Any:
    try:
        return ("tree", typed(parse(data, "f", EvidenceError)))
    except EvidenceError as exc:
        return ("error", exc.render())


keys = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
               max_size=6)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
    st.sampled_from(['"a":1', 'x": ', "\\", "\u00e9t\u00e9"]),
)
json_trees = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(keys, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, json_trees, max_size=5), st.sampled_from([None, 1, "\t"]),
       st.booleans(), st.booleans())
def test_json_trees_are_the_reference_trees(tree: dict[str, Any], indent: Any,
                                            ascii_only: bool, compact: bool) -> None:
    separators = (",", ":") if compact else None
    data = json.dumps(tree, indent=indent, ensure_ascii=ascii_only,
                      separators=separators).encode()
    assert outcome(parse_json_fast, data) == outcome(parse_json, data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=60), st.sampled_from([
    b'{"a": 1, "a": 2}', b'{"a": {"b": 1, "b": 1}}', b'{"a": NaN}', b'{"a": 1e999}',
    b'\xef\xbb\xbf{"a": 1}', b'{"a": "\\ud800"}', b'{"a": 18446744073709551616}',
    b'{"a": -9223372036854775809}', b'{"a": 123456789012345678901234567890.0}', b"[1]",
    # Repeated keys in compact JSON, one written with white space before its colon, or a
    # string holding a key's pattern.
    b'{"a" :1,"a":2}', b'{"a":1,"a"\t:2}', b'{"a":1,"a"\n:2}', b'{"a":"x\\":","a":2}',
    b'{"a":{"b":1},"a":{"b":1}}',
    b'{"k\\": ": 1}', b'{"a": 1}', b"null", b'{"a": [1, {"b": 2, "b": 3}]}',
]))
def test_json_odd_inputs_give_the_reference_result(noise: bytes, base: bytes) -> None:
    for data in (base, base + noise, noise + base, base[: len(base) // 2] + noise):
        assert outcome(parse_json_fast, data) == outcome(parse_json, data)


def checked_outcome(data: bytes, limits: Limits) -> Any:
    """The parse and the limits check, as a reader of records does them with each parser."""
    try:
        tree, checked = parse_json_checked(data, "f", limits, EvidenceError)
        if not checked:
            check_tree(tree, "f", limits, EvidenceError)
        return ("tree", typed(tree))
    except EvidenceError as exc:
        return ("error", exc.render())


def reference_outcome(data: bytes, limits: Limits) -> Any:
    try:
        tree = parse_json(data, "f", EvidenceError)
        check_tree(tree, "f", limits, EvidenceError)
        return ("tree", typed(tree))
    except EvidenceError as exc:
        return ("error", exc.render())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, json_trees, max_size=5), st.sampled_from([None, 1]),
       st.integers(0, 4), st.integers(0, 10), st.sampled_from([
           b"", b'{"a": NaN}', b'{"a": 1e999}', b'{"a": 18446744073709551616}',
           b'{"a" :1,"a":2}', b'{"k\\": ": 1}', b'{"a": "\\ud800"}']))
def test_json_checked_in_one_walk_is_the_reference_parse_and_check(
        tree: dict[str, Any], indent: Any, depth: int, longest: int, odd: bytes) -> None:
    """Parsed and cleared in one walk or not, the same tree passes or the same error comes
    out: a repeated key, a value over the limits, a float for a huge integer, NaN."""
    limits = Limits(max_depth=depth, max_string=longest)
    for data in (json.dumps(tree, indent=indent).encode(), odd):
        if data:
            assert checked_outcome(data, limits) == reference_outcome(data, limits)
            assert checked_outcome(data, Limits()) == reference_outcome(data, Limits())


toml_scalars = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
    st.dates(), st.sampled_from(["'", '"""', "\\u00e9", "a = 1"]),
)
toml_trees = st.recursive(
    toml_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(keys, inner, max_size=3)),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, toml_trees, max_size=5), st.booleans())
def test_toml_trees_are_the_reference_trees(tree: dict[str, Any], multiline: bool) -> None:
    data = tomli_w.dumps(tree, multiline_strings=multiline).encode()
    assert outcome(parse_toml_fast, data) == outcome(parse_toml, data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=40), st.sampled_from([
    b"a = 1\na = 2\n", b"a = 1979-05-27T07:32:00Z\n", b"a = 07:32:00\n", b"a = inf\n",
    b"a = nan\n", b"a = 9223372036854775808\n", b"[t]\nx = 1\n[t]\ny = 2\n",
    b'a = "\\ud800"\n', b"\xef\xbb\xbfa = 1\n", b"\xef\xbb\xbf\xef\xbb\xbfa = 1\n",
    b"a.b = 1\na.c = 2\n", b"a = [1, 'x']\n",
    b"a = 1_000\n", b"a = 0x1F\n", b"a = 2026-02-30\n", b"a = +inf\n", b"a = 1e400\n",
    # What rtoml reads beyond TOML 1.0 (tomllib refuses it):
    b"a = {b = 1,}\n", b"a = {b = 1,\n c = 2}\n", b'x = { a = "}",\n b = 1 }\n',
    b'a = "\\e"\n', b'a = "\\x41"\n', b"a = 07:32\n", b"a = 1979-05-27 07:32\n",
    b"x = { a = { b = 1 }\n }\n", b'x = { a = """}"""\n }\n', b"x = {  # c\n a = 1 }\n",
    b"x = { a = [\n { b = 1,\n c = 2 } ] }\n", b"x = { a = [1, 2], }\n", b"x = [ {\n} ]\n",
    # TOML 1.0: line breaks inside an array inside an inline table (as rule packs write checks).
    b"x = { a = [\n 1,\n 2 ] }\n", b"x = { a = [ # c\n { b = 1 },\n ] }\n",
    b"x = { all = [\n { path = 'a.b', is = true },\n { n = 2, of = [\n 1 ] } ] }\n",
    # Brackets that do not pair up:
    b"x = { a = [\n 1 }\n", b"x = { a = [\n 1 ]\n", b"x = { a = [\n 1 ] }]\n",
]))
def test_toml_odd_inputs_give_the_reference_result(noise: bytes, base: bytes) -> None:
    for data in (base, base + noise, noise + base):
        assert outcome(parse_toml_fast, data) == outcome(parse_toml, data)


def test_rule_packs_take_the_fast_path_and_read_the_same() -> None:
    """The built-in packs write checks as inline tables holding arrays over several lines:
    TOML 1.0, so rtoml reads them (0.04 s for the 173 rules instead of 0.16 s)."""
    import tomllib

    from maturity.fastparse import _toml_1_0

    files = sorted((Path(__file__).resolve().parent.parent / "rules").rglob("*.toml"))
    assert len(files) >= 9
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert _toml_1_0(text), path
        assert typed(parse_toml_fast(text.encode(), path.name)) == typed(tomllib.loads(text))


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_every_corpus_file_gives_the_reference_result(suffix: str) -> None:
    fast, reference = ((parse_json_fast, parse_json) if suffix == ".json"
                       else (parse_toml_fast, parse_toml))
    files = sorted(CORPUS.rglob(f"*{suffix}"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert outcome(fast, data) == outcome(reference, data), path


def test_example_bundles_read_the_same(session: Session) -> None:
    builtin = {s: loader for name, loader in session.host.evidence_loaders()
               if name == "builtin" for s in loader.suffixes}
    loaders = fast_loaders(session.loaders, builtin)
    assert loaders[".toml"].name == "toml (rtoml)" and loaders[".json"].name == "json (orjson)"
    from maturity.evidence import load_bundle
    from tests.conftest import EXAMPLES

    for bundle in sorted(EXAMPLES.iterdir()):
        fast = load_bundle(bundle, loaders=loaders, limits=session.limits)
        assert fast == session.load_evidence(bundle)
        assert isinstance(fast.as_of, dt.date)


def _evidence_outcome(data: bytes, loader: Any, limits: Limits) -> Any:
    from maturity.evidence import parse_evidence

    try:
        tree, info = parse_evidence(data, "f.json", loader, limits)
    except EvidenceError as exc:
        return ("error", exc.render())
    return ("tree", typed(tree), info)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.dictionaries(keys, json_trees, max_size=5), json_trees),
       st.integers(0, 4), st.integers(0, 10))
def test_the_fast_json_loader_checks_what_the_builtin_one_checks(
        tree: Any, depth: int, longest: int) -> None:
    """The fast JSON loader clears a table against the limits itself (in the walk that
    proves orjson's tree), and the evidence reader then does not walk it again: the same
    tree, hash or error as the built-in loader, whose tree the reader checks."""
    fast, reference = _json_loaders()
    data = json.dumps(tree).encode()
    for limits in (Limits(max_depth=depth, max_string=longest), Limits()):
        assert _evidence_outcome(data, fast, limits) == _evidence_outcome(data, reference, limits)


def test_the_fast_json_loader_reads_the_corpus_as_the_builtin_one() -> None:
    fast, reference = _json_loaders()
    assert fast.checks_limits and not reference.checks_limits
    files = sorted((CORPUS / "evidence").rglob("*.json"))
    assert files
    for path in files:
        data = path.read_bytes()
        assert (_evidence_outcome(data, fast, Limits())
                == _evidence_outcome(data, reference, Limits())), path


@functools.cache
def _json_loaders() -> tuple[Any, Any]:
    """(the fast JSON loader, the built-in one)."""
    session = Session()
    builtin = {s: loader for name, loader in session.host.evidence_loaders()
               if name == "builtin" for s in loader.suffixes}
    return fast_loaders(session.loaders, builtin)[".json"], builtin[".json"]
