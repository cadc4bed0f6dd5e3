"""Safe parsers for the data files people hand us: TOML, JSON and YAML.

Each parser takes bytes and the file's display name, and returns a plain tree of dicts, lists,
strings, numbers, booleans and dates, or raises an `InputError` that names the file and the
line. Trees are then checked against the limits (depth, string length, finite numbers), because
a file that parses can still be hostile.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from typing import Any

from maturity.errors import InputError, format_location
from maturity.limits import Limits

__all__ = ["check_tree", "decode_text", "parse_json", "parse_toml", "parse_yaml"]

_BOM = b"\xef\xbb\xbf"
_MAX_INT = 2**63


def decode_text(data: bytes, file: str, error: type[InputError] = InputError) -> str:
    """UTF-8 text; a leading byte-order mark is dropped (spreadsheet tools add one)."""
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(
            "the file is not valid UTF-8",
            code="file.encoding",
            file=file,
            location=f"line {line}, byte {exc.start}",
            expected="UTF-8 text",
            found=f"byte 0x{data[exc.start]:02x}",
            fix="save the file as UTF-8",
        ) from None


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def parse_json(data: bytes, file: str, error: type[InputError] = InputError) -> Any:
    text = decode_text(data, file, error)

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise ValueError(f"duplicate key {key!r}")
            out[key] = value
        return out

    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=no_duplicates)
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
    except (ValueError, RecursionError) as exc:
        raise error(
            f"invalid JSON: {exc}" if not isinstance(exc, RecursionError) else "nested too deeply",
            code="file.syntax",
            file=file,
            expected="valid JSON with finite numbers and unique keys",
            found=str(exc) if not isinstance(exc, RecursionError) else "very deep nesting",
            fix="remove the offending value",
        ) from None


def parse_yaml(data: bytes, file: str, error: type[InputError] = InputError) -> Any:
    import yaml

    text = decode_text(data, file, error)

    class NoAliasLoader(yaml.SafeLoader):
        """Safe loading without anchors or aliases: they only serve to build bombs here."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]  # PyYAML is untyped
                raise yaml.MarkedYAMLError(
                    problem="aliases (*name) are not accepted in evidence",
                    problem_mark=event.start_mark,
                )
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=NoAliasLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = exc.problem or "syntax error"
        fix = "correct the syntax at that position"
        if "could not determine a constructor" in problem or "tag" in problem:
            problem = "language-specific tags (e.g. !!python/object) are not accepted"
            fix = "remove the tag and write a plain value"
        elif "aliases" in problem:
            fix = "write the value out in full instead of using an alias"
        raise error(
            f"invalid YAML: {problem}",
            code="file.syntax",
            file=file,
            location=where,
            expected="plain YAML (safe subset, no aliases or tags)",
            found=problem,
            fix=fix,
        ) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise error(
            "invalid YAML",
            code="file.syntax",
            file=file,
            expected="plain YAML",
            found=type(exc).__name__,
            fix="correct the file",
        ) from None


def check_tree(
    tree: Any,
    file: str,
    limits: Limits,
    error: type[InputError] = InputError,
) -> None:
    """Reject trees that parse but cannot be evidence: too deep, huge, non-finite, timed."""

    def fail(message: str, path: list[str | int], expected: str, found: str, fix: str) -> None:
        raise error(
            message,
            code="file.value",
            file=file,
            location=format_location(path) or "(top level)",
            expected=expected,
            found=found,
            fix=fix,
        )

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
            )
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    fail("keys must be text", path, "a text key", repr(key), "quote the key")
                if len(key) > 200:
                    fail("key too long", path, "at most 200 characters", f"{len(key)}", "shorten")
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
        elif isinstance(node, bool) or node is None:
            continue
        elif isinstance(node, float):
            if not math.isfinite(node):
                fail("not a finite number", path, "a finite number", str(node), "write a number")
        elif isinstance(node, int):
            if abs(node) >= _MAX_INT:
                fail("number too large", path, "a number below 2^63", f"{len(str(node))} digits",
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
