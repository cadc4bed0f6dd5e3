"""Safe readers and parsers for the data files people hand us: TOML, JSON and YAML.

`read_input` refuses a file over the size limit before reading it. Each parser takes bytes and
the file's display name, and returns a plain tree of dicts, lists, strings, numbers, booleans and
dates, or raises an `InputError` that names the file and the line. Whatever goes wrong inside a
parser (a date that does not exist, nesting deeper than it can follow, an integer of thousands
of digits) comes out as that error, never as another exception. Trees are then checked against
the limits (depth, string length, finite numbers, valid text) by `check_tree`, because a file
that parses can still be hostile.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import stat
import tomllib
from collections.abc import Callable, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from maturity.errors import InputError, format_location
from maturity.limits import Limits

__all__ = [
    "check_tree", "decode_text", "kind_of", "parse_json", "parse_toml", "parse_yaml",
    "plain_key_count", "read_input",
]

_BOM = b"\xef\xbb\xbf"
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
_MAX_INT = 2**63
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Python refuses to convert longer digit strings to int (and so do the parsers).
_MAX_INT_DIGITS = 4300
#: The YAML tags that give plain values; every other tag (binary, set, python/…) is refused.
_PLAIN_YAML_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)


def kind_of(value: Any) -> str:
    """A value's kind in the words of the file formats, not Python's."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return "null" if value is None else type(value).__name__


def read_input(
    path: Path | Traversable, display: str, limits: Limits,
    error: type[InputError] = InputError,
) -> bytes:
    """The bytes of an input file, refused before reading when it exceeds `max_file_bytes`.

    Reading stops one byte past the limit, so a file that grows while it is read, or a special
    file with no size, cannot exhaust memory either.
    """
    def too_large(size: str) -> InputError:
        return error(
            "file too large",
            code="file.too-large",
            file=display,
            expected=f"at most {limits.max_file_bytes} bytes (limit max_file_bytes)",
            found=size,
            fix="split the file, move long texts into documents, or raise the limit "
                "(--limit max_file_bytes=N)",
        )

    if not isinstance(path, Path):
        data = path.read_bytes()
        if len(data) > limits.max_file_bytes:
            raise too_large(f"{len(data)} bytes")
        return data
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise error(
            "not a regular file",
            code="file.not-regular",
            file=display,
            expected="a regular file",
            found="a device, pipe or socket",
            fix="copy the content into a file",
        )
    if info.st_size > limits.max_file_bytes:
        raise too_large(f"{info.st_size} bytes")
    with path.open("rb") as handle:
        data = handle.read(limits.max_file_bytes + 1)
    if len(data) > limits.max_file_bytes:
        raise too_large(f"more than {limits.max_file_bytes} bytes")
    return data


def decode_text(data: bytes, file: str, error: type[InputError] = InputError) -> str:
    """UTF-8 text; a leading byte-order mark is dropped (spreadsheet tools add one)."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            raise error(
                f"the file is {encoding} text, not UTF-8",
                code="file.encoding",
                file=file,
                location="line 1, column 1",
                expected="UTF-8 text",
                found=f"a {encoding} byte-order mark",
                fix="save the file as UTF-8",
            )
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        # The bytes before the first bad one decode, so the column counts characters.
        column = len(data[line_start:exc.start].decode("utf-8")) + 1
        raise error(
            "the file is not valid UTF-8",
            code="file.encoding",
            file=file,
            location=f"line {line}, column {column}",
            expected="UTF-8 text",
            found=f"byte 0x{data[exc.start]:02x}",
            fix="save the file as UTF-8",
        ) from None


def _too_deep(file: str, error: type[InputError]) -> InputError:
    return error(
        "nested too deeply",
        code="file.too-deep",
        file=file,
        expected="a structure a few levels deep (limit max_depth)",
        found="nesting deeper than the parser follows",
        fix="flatten the structure",
    )


def _huge_number(file: str, error: type[InputError], location: str | None = None) -> InputError:
    return error(
        "number too large",
        code="file.value",
        file=file,
        location=location,
        expected="a number below 2^63",
        found=f"more than {_MAX_INT_DIGITS} digits",
        fix="check the value",
    )


def parse_toml(data: bytes, file: str, error: type[InputError] = InputError) -> dict[str, Any]:
    text = decode_text(data, file, error)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"\(at line (\d+), column (\d+)\)", message)
        location = f"line {match.group(1)}, column {match.group(2)}" if match else None
        reason = message.split(" (at ")[0]
        raise error(
            f"invalid TOML: {reason}",
            code="file.syntax",
            file=file,
            location=location,
            expected="valid TOML (https://toml.io)",
            found="a syntax error",
            fix="correct the syntax at that position",
        ) from None
    except RecursionError:
        raise _too_deep(file, error) from None
    except ValueError:  # tomllib converts integers with int(): thousands of digits overflow it
        raise _huge_number(file, error) from None


class _HugeInt:
    """Stands for a JSON integer with more digits than Python converts; check_tree refuses it."""

    __slots__ = ("digits",)

    def __init__(self, digits: int) -> None:
        self.digits = digits


def _parse_int(text: str) -> int | _HugeInt:
    digits = len(text.lstrip("-"))
    return int(text) if digits <= _MAX_INT_DIGITS else _HugeInt(digits)


def parse_json(data: bytes, file: str, error: type[InputError] = InputError) -> Any:
    """JSON with unique keys. NaN and Infinity parse, so `check_tree` can name their key."""
    text = decode_text(data, file, error)

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    try:
        return json.loads(text, object_pairs_hook=no_duplicates, parse_int=_parse_int)
    except json.JSONDecodeError as exc:
        raise error(
            f"invalid JSON: {exc.msg}",
            code="file.syntax",
            file=file,
            location=f"line {exc.lineno}, column {exc.colno}",
            expected="valid JSON",
            found="a syntax error",
            fix="correct the syntax at that position",
        ) from None
    except RecursionError:
        raise _too_deep(file, error) from None
    except ValueError as exc:
        raise error(
            f"invalid JSON: {exc}",
            code="file.syntax",
            file=file,
            expected="valid JSON with unique keys",
            found=str(exc),
            fix="keep one of the two values",
        ) from None


def parse_yaml(data: bytes, file: str, error: type[InputError] = InputError) -> Any:
    """The safe subset of YAML: no aliases, no tags beyond plain values, no duplicate keys."""
    import yaml

    text = decode_text(data, file, error)

    class PlainLoader(yaml.SafeLoader):
        """Safe loading without anchors or aliases: they only serve to build bombs here."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML is untyped
                raise yaml.MarkedYAMLError(
                    problem="aliases (*name) are not accepted in evidence",
                    problem_mark=event.start_mark,
                )
            return super().compose_node(parent, index)

        def construct_object(self, node: Any, deep: bool = False) -> Any:
            if node.tag not in _PLAIN_YAML_TAGS:
                shown = node.tag.replace("tag:yaml.org,2002:", "!!")
                raise yaml.MarkedYAMLError(
                    problem=f"the tag {shown} is not accepted: language-specific tags "
                    "(e.g. !!python/object) and non-plain values are refused",
                    problem_mark=node.start_mark,
                )
            try:
                return super().construct_object(node, deep)
            except yaml.YAMLError:
                raise
            except ValueError as exc:  # a date that does not exist, a giant integer
                problem = str(exc)
                if "integer string conversion" in problem:
                    problem = f"number too large (more than {_MAX_INT_DIGITS} digits)"
                raise yaml.MarkedYAMLError(problem=problem, problem_mark=node.start_mark) from None

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, list | dict):
                    continue  # unhashable: SafeLoader reports it with its own message
                if key in seen:
                    raise yaml.MarkedYAMLError(
                        problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep)

    try:
        return yaml.load(text, Loader=PlainLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = exc.problem or "syntax error"
        if exc.context and exc.problem:  # "expected a single document, but found another"
            problem = f"{exc.context}, {exc.problem}"
        fix = "correct the syntax at that position"
        if "tag" in problem:
            fix = "remove the tag and write a plain value"
        elif "aliases" in problem:
            fix = "write the value out in full instead of using an alias"
        elif "duplicate key" in problem:
            fix = "keep one of the two values"
        raise error(
            f"invalid YAML: {problem}",
            code="file.syntax",
            file=file,
            location=where,
            expected="plain YAML (safe subset, no aliases or tags)",
            found=problem,
            fix=fix,
        ) from None
    except RecursionError:
        raise _too_deep(file, error) from None
    except yaml.YAMLError as exc:
        raise error(
            "invalid YAML",
            code="file.syntax",
            file=file,
            expected="plain YAML",
            found=type(exc).__name__,
            fix="correct the file",
        ) from None
    except ValueError as exc:  # PyYAML's scanner: an escape beyond Unicode, "\U00110000"
        raise error(
            f"invalid YAML: {exc}",
            code="file.syntax",
            file=file,
            expected="plain YAML, with escapes of Unicode characters only",
            found=str(exc),
            fix="correct the escape sequence",
        ) from None


def _digits(number: int) -> str:
    """How many decimal digits an integer has (Python refuses to print the longest ones)."""
    try:
        return f"{len(str(abs(number)))} digits"
    except ValueError:
        return f"more than {_MAX_INT_DIGITS} digits"


def check_tree(
    tree: Any,
    file: str,
    limits: Limits,
    error: type[InputError] = InputError,
    locate: Callable[[Sequence[str | int]], str] = format_location,
) -> None:
    """Reject trees that parse but cannot be evidence: too deep, huge, non-finite, timed.
    `locate` renders a key path (with its line, when the caller has the file's text).

    A quick pass clears the common tree; anything it cannot clear is walked again with key
    paths, which finds the problem and says where (a national batch checks every bundle)."""
    if plain_key_count(tree, limits) is None:
        _check_tree_located(tree, file, limits, error, locate)


def plain_key_count(tree: Any, limits: Limits, float_bound: float = math.inf) -> int | None:
    """The number of keys in `tree` when it certainly passes `check_tree`; None when it needs
    a closer look. Only plain classes are cleared here: their subclasses and every other value
    are left to the located walk. A float of `float_bound` or more in magnitude needs a closer
    look too (one that may stand for an integer a fast parser could not hold, see
    `maturity.fastparse`): counting keys and bounding floats in this walk spares that parser
    a walk of its own."""
    keys = 0
    max_depth, max_string = limits.max_depth, limits.max_string
    surrogate = _SURROGATE.search
    finite = math.isfinite
    stack: list[tuple[Any, int]] = [(tree, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        if depth > max_depth:
            return None
        cls = node.__class__
        if (cls is dict or cls is list) and node and depth >= max_depth:
            return None  # its items lie deeper than the limit
        if cls is dict:
            keys += len(node)
            for key, value in node.items():
                if key.__class__ is not str or len(key) > 200 or (
                        not key.isascii() and surrogate(key)):
                    return None
                vcls = value.__class__
                if vcls is str:
                    if len(value) > max_string or (not value.isascii() and surrogate(value)):
                        return None
                elif not (vcls is bool or value is None):
                    push((value, depth + 1))
        elif cls is list:
            for value in node:
                vcls = value.__class__
                if vcls is str:
                    if len(value) > max_string or (not value.isascii() and surrogate(value)):
                        return None
                else:
                    push((value, depth + 1))
        elif cls is str:
            if len(node) > max_string or (not node.isascii() and surrogate(node)):
                return None
        elif cls is float:
            if not (finite(node) and -float_bound < node < float_bound):
                return None
        elif cls is int:
            if not -_MAX_INT < node < _MAX_INT:
                return None
        elif not (cls is bool or node is None or cls is dt.date):
            return None
    return keys


def _check_tree_located(
    tree: Any,
    file: str,
    limits: Limits,
    error: type[InputError],
    locate: Callable[[Sequence[str | int]], str],
) -> None:

    def fail(message: str, path: list[str | int], expected: str, found: str, fix: str,
             code: str = "file.value") -> None:
        raise error(
            message,
            code=code,
            file=file,
            location=locate(path) or "(top level)",
            expected=expected,
            found=found,
            fix=fix,
        )

    def check_text(text: str, path: list[str | int]) -> None:
        bad = _SURROGATE.search(text)
        if bad:
            fail("not valid text: a lone surrogate escape", path, "Unicode characters",
                 repr(bad.group())[1:-1], "remove the escape (\\ud800 to \\udfff)")

    stack: list[tuple[Any, list[str | int]]] = [(tree, [])]
    while stack:
        node, path = stack.pop()
        if len(path) > limits.max_depth:
            fail(
                "nested too deeply",
                path[: limits.max_depth],
                f"at most {limits.max_depth} levels (limit max_depth)",
                f"more than {limits.max_depth}",
                "flatten the structure",
                code="file.too-deep",
            )
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    fail("keys must be text", path, "a text key", repr(key), "quote the key")
                if len(key) > 200:
                    fail("key too long", path, "at most 200 characters", f"{len(key)}", "shorten")
                check_text(key, path)
                stack.append((value, [*path, key]))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                stack.append((value, [*path, index]))
        elif isinstance(node, str):
            if len(node) > limits.max_string:
                fail(
                    "text too long",
                    path,
                    f"at most {limits.max_string} characters (limit max_string)",
                    f"{len(node)} characters",
                    "shorten it or reference a document instead",
                )
            check_text(node, path)
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, float):
            if not math.isfinite(node):
                fail("not a finite number", path, "a finite number", str(node), "write a number")
        elif isinstance(node, int):
            if abs(node) >= _MAX_INT:
                fail("number too large", path, "a number below 2^63",
                     _digits(node), "check the value")
        elif isinstance(node, _HugeInt):
            fail("number too large", path, "a number below 2^63", f"{node.digits} digits",
                 "check the value")
        elif isinstance(node, dt.datetime | dt.time):
            fail(
                "a date and time where a date is expected",
                path,
                "a date (YYYY-MM-DD)",
                node.isoformat(),
                "write the date only, without time or time zone",
            )
        elif isinstance(node, dt.date):
            continue
        else:
            fail("unsupported value", path, "text, number, boolean, date, list or table",
                 type(node).__name__, "write a plain value")

