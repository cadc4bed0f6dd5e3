"""The line a key path is written on in a TOML file, for error messages (pure).

`tomllib` gives values, not positions. A prefix of a valid TOML file (its first n lines) parses
exactly when it does not stop inside a multi-line value, and then holds a subset of the file's
keys with their final values; so the first parseable prefix that holds a key path ends on the
line where that key's value ends, and the last parseable prefix before it ends just before the
line where the key starts. Finding them takes a binary search over prefixes, each parsed whole:
cheap for the small files people write by hand, and bounded (no line rather than a slow error)
for large ones.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from typing import Any

from maturity.errors import format_location

__all__ = ["key_line", "located"]

#: Characters parsed, in total, while looking for one line: beyond it the line is left out.
PARSE_BUDGET = 4_000_000


class _OverBudget(Exception):
    pass


class _Prefixes:
    """Parses of the file's first n lines, memoised, within the budget."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)
        self.ends = [0]
        for line in self.lines:
            self.ends.append(self.ends[-1] + len(line))
        self.text = text
        self.spent = 0
        self.parsed: dict[int, dict[str, Any] | None] = {0: {}}

    def parse(self, n: int) -> dict[str, Any] | None:
        if n not in self.parsed:
            self.spent += self.ends[n]
            if self.spent > PARSE_BUDGET:
                raise _OverBudget
            try:
                self.parsed[n] = tomllib.loads(self.text[:self.ends[n]])
            except (tomllib.TOMLDecodeError, ValueError, RecursionError):
                self.parsed[n] = None
        return self.parsed[n]

    def holds_from(self, n: int, path: Sequence[str | int]) -> bool:
        """Whether the first parseable prefix of at least n lines holds `path` (monotonic)."""
        for m in range(n, len(self.lines) + 1):
            doc = self.parse(m)
            if doc is not None:
                return _holds(doc, path)
        return True  # the whole file holds it (checked by the caller)


def _holds(doc: Any, path: Sequence[str | int]) -> bool:
    node = doc
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or not 0 <= part < len(node):
                return False
        elif not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def key_line(text: str, path: Sequence[str | int]) -> int | None:
    """The 1-based line where the deepest part of `path` present in `text` starts (a missing
    key is reported at the table that should hold it), or None when no part is present, the
    text is not valid TOML, or the file is too large to search within the budget."""
    try:
        whole = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        return None
    depth = len(path)
    while depth and not _holds(whole, path[:depth]):
        depth -= 1
    if not depth:
        return None
    present = path[:depth]
    prefixes = _Prefixes(text)
    low, high = 1, len(prefixes.lines)
    try:
        while low < high:
            middle = (low + high) // 2
            if prefixes.holds_from(middle, present):
                high = middle
            else:
                low = middle + 1
        end = next(m for m in range(low, len(prefixes.lines) + 1)
                   if prefixes.parse(m) is not None)
        start = end - 1
        while start and prefixes.parse(start) is None:
            start -= 1
    except _OverBudget:
        return None
    return start + 1


def located(text: str | None, path: Sequence[str | int]) -> str:
    """A key path as an error's location, with its line when `text` (TOML) shows it:
    ``profile.changes[0].rule (line 7)``."""
    where = format_location(path)
    line = key_line(text, path) if text is not None else None
    return f"{where} (line {line})" if line is not None else where
