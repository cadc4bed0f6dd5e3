"""Faster evidence parsers for large batches: orjson for JSON, rtoml for TOML (both optional).

Each parser returns exactly the tree the reference parser in `maturity.formats` returns, or
hands the file to that reference parser, which then returns the same tree or raises the same
error. It never decides on its own that a file is wrong:

- TOML: rtoml (Rust) parses in about a tenth of tomllib's time. Whatever rtoml refuses goes to
  tomllib, so error messages stay tomllib's.
- JSON: orjson is stricter than the reference in places (no NaN, no byte-order mark) and laxer
  in others: it keeps the last of two equal keys, and reads integers beyond 64 bits as floats.
  A file with more `"key":` tokens than parsed keys (a repeated key, or a string that merely
  looks like a key), or with a float of 2^63 or more, goes to the reference parser.

The JSON path's walk that counts the tree's keys also clears it against the limits
(`maturity.formats.plain_key_count`), so the fast JSON loader and `load_record` hand back a
checked tree instead of a tree walked twice.

`fast_loaders` swaps these in for the built-in loaders only, so plugins' loaders are untouched.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from typing import Any, Final

from maturity.errors import EvidenceError, InputError
from maturity.evidence import EvidenceLoader
from maturity.formats import (
    check_tree,
    decode_text,
    parse_json,
    parse_toml,
    plain_key_count,
)
from maturity.limits import Limits

__all__ = [
    "available", "fast_loaders", "parse_json_checked", "parse_json_fast", "parse_toml_fast",
    "toml_parser",
]

#: orjson turns integers it cannot hold in 64 bits into floats; the reference keeps them exact.
_INT_LIMIT: Final = 2.0**63


def available() -> dict[str, bool]:
    """Which of the optional fast parsers are installed."""
    found: dict[str, bool] = {}
    for module in ("orjson", "rtoml"):
        try:
            __import__(module)
        except ImportError:
            found[module] = False
        else:
            found[module] = True
    return found


def parse_json_fast(data: bytes, display: str, error: type[InputError] = EvidenceError
                    ) -> Any:
    """The reference JSON parser's tree, parsed by orjson when it is installed and can tell
    it is the same (limits left to the caller)."""
    return parse_json_checked(data, display, _NO_LIMITS, error)[0]


def parse_json_checked(data: bytes, display: str, limits: Limits,
                       error: type[InputError] = EvidenceError) -> tuple[Any, bool]:
    """The reference JSON parser's tree, and whether it is known to pass `check_tree` with
    `limits`. orjson's tree is taken when one walk over it both counts its keys (as many as
    the text's key tokens: none repeated) and clears it against the limits, where a caller
    that checks the tree would walk it twice (a 200 kB record: 0.8 ms a walk). Any other text
    goes to the reference parser, whose tree the caller checks."""
    try:
        import orjson
    except ImportError:  # pragma: no cover - the `fast` extra is not installed
        return parse_json(data, display, error), False
    try:
        tree = orjson.loads(data)
    except orjson.JSONDecodeError:
        return parse_json(data, display, error), False
    if tree.__class__ is dict:
        keys = plain_key_count(tree, limits, float_bound=_INT_LIMIT)
        if keys is not None and keys == _key_tokens(data):
            return tree, True
    return parse_json(data, display, error), False


#: Limits no tree reaches, for a parse whose caller checks the limits itself. The walk still
#: sends a key over 200 characters to the reference parser, which reads it the same.
_NO_LIMITS: Final = Limits(max_depth=sys.maxsize, max_string=sys.maxsize)


def _key_tokens(data: bytes) -> int:
    """How many `"` + white space + `:` the text holds: at least its keys (a string may hold
    one too), so as many as the tree's keys means no key was repeated. With JSON's white space
    deleted each of them reads `":` (and nothing else does): one pass to delete, one to count,
    both in C, where a regular expression or a test per kind of white space stops at every
    quote (a third of the time of parsing a record)."""
    return data.translate(None, _JSON_SPACE).count(b'":')


_JSON_SPACE: Final = b" \t\n\r"


#: TOML strings and comments, in the order a parser would see them (long forms first).
_TOML_TEXT: Final = re.compile(
    r'"""(?:[^\\"]|\\[\s\S]|"(?!""))*"""(?:"{0,2})'
    r"|'''[\s\S]*?'''(?:'{0,2})"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'[^'\n]*'"
    r"|#[^\n]*"
)
_INLINE_EVENTS: Final = re.compile(r",\s*\}|[{}]")
#: Every TOML time has ":MM"; a match also flags URLs with ports, which only costs speed.
_TIME: Final = re.compile(r":[0-9]{2}")


def _one_line_tables(line: str) -> bool:
    """Whether the inline tables opened on this line close on it, without a trailing comma.
    A line whose strings do not all close here cannot be judged alone: False."""
    bare = _TOML_TEXT.sub("", line)
    if '"' in bare or "'" in bare:
        return False
    depth = 0
    for event in _INLINE_EVENTS.finditer(bare):
        token = event.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth = max(0, depth - 1)
        else:
            return False
    return depth == 0


#: What decides whether inline tables stay TOML 1.0: brackets, line ends, and a comma that
#: closes an inline table.
_STRUCTURE: Final = re.compile(r",\s*\}|[{}\[\]\n]")


def _inline_tables_1_0(text: str) -> bool:
    """Whether every inline table keeps to TOML 1.0: no line break between its braces except
    inside an array value (a rule pack's `check = { all = [` ... `] }`), no trailing comma.
    Brackets that do not pair up are a syntax error: False, so that tomllib reports it."""
    bare = _TOML_TEXT.sub("", text)
    if '"' in bare or "'" in bare:
        return False
    stack: list[str] = []
    for event in _STRUCTURE.finditer(bare):
        token = event.group()
        if token == "\n":
            if stack and stack[-1] == "{":
                return False
        elif token == "{" or token == "[":
            stack.append(token)
        elif token == "}" or token == "]":
            if not stack or stack.pop() != ("{" if token == "}" else "["):
                return False
        else:  # `, }`: a trailing comma
            return False
    return not stack


def _toml_1_0(text: str) -> bool:
    """False when the text may use what rtoml accepts beyond TOML 1.0 (which tomllib reads):
    `\\e` and `\\x` escapes, times without seconds, inline tables over several lines or with
    a trailing comma. False alarms only cost speed."""
    if "\\e" in text or "\\x" in text or _TIME.search(text):
        return False
    brace = text.find("{")
    while brace != -1:
        start = text.rfind("\n", 0, brace) + 1
        end = text.find("\n", brace)
        end = len(text) if end == -1 else end
        if not _one_line_tables(text[start:end]):
            # Not closed on its line: decided over the whole text (slower, but only then).
            return _inline_tables_1_0(text)
        brace = text.find("{", end)
    return True


def parse_toml_fast(data: bytes, display: str, error: type[InputError] = EvidenceError
                    ) -> Any:
    """The reference TOML parser's tree, parsed by rtoml when the text is plain TOML 1.0;
    tomllib reads everything else and reports every error."""
    import rtoml

    text = decode_text(data, display, error)
    # rtoml also skips a second byte-order mark, which tomllib refuses.
    if text.startswith("\ufeff") or not _toml_1_0(text):
        return parse_toml(data, display, error)
    try:
        return rtoml.loads(text)
    except Exception:  # rtoml's errors vary by version; tomllib gives the exact message
        return parse_toml(data, display, error)


def toml_parser() -> Callable[[bytes, str, type[InputError]], Any]:
    """`parse_toml_fast` when rtoml is installed, else the reference parser: for rule packs,
    which every worker of a batch reads again (500 rules: 0.3 s with tomllib)."""
    return parse_toml_fast if available()["rtoml"] else parse_toml


def _loader(name: str, suffixes: tuple[str, ...],
            parse: Callable[[bytes, str, type[EvidenceError]], Any]) -> EvidenceLoader:
    def read(data: bytes, display: str, limits: Limits) -> Any:
        return parse(data, display, EvidenceError)

    return EvidenceLoader(name, suffixes, read)


def _json_checked(data: bytes, display: str, limits: Limits) -> Any:
    """The fast JSON loader's parse: a table comes back checked against `limits` (in the walk
    that proves orjson read it as the reference parser does, or after the reference parser);
    anything else the caller refuses before any check, as it does for every loader."""
    tree, checked = parse_json_checked(data, display, limits, EvidenceError)
    if not checked and isinstance(tree, dict):
        check_tree(tree, display, limits, EvidenceError)
    return tree


def fast_loaders(loaders: Mapping[str, EvidenceLoader], builtin: Mapping[str, EvidenceLoader]
                 ) -> dict[str, EvidenceLoader]:
    """`loaders` with the built-in JSON and TOML loaders replaced by the fast ones, where the
    fast parser is installed. `builtin` holds the built-in plugin's loaders by suffix."""
    have = available()
    out = dict(loaders)
    for suffix, loader in loaders.items():
        if builtin.get(suffix) is not loader:
            continue
        if loader.name == "json" and have["orjson"]:
            out[suffix] = EvidenceLoader("json (orjson)", loader.suffixes, _json_checked,
                                         checks_limits=True)
        elif loader.name == "toml" and have["rtoml"]:
            out[suffix] = _loader("toml (rtoml)", loader.suffixes, parse_toml_fast)
    return out
