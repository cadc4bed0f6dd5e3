"""Limits on what the loaders accept, so hostile or broken input cannot exhaust the machine.

Every limit has a documented default (README, SECURITY.md) and can be raised on the command line
(`--limit name=value`) or through the API.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    max_file_bytes: int = 16 * 1024 * 1024
    max_depth: int = 32
    max_rules: int = 20_000
    max_string: int = 100_000
    max_documents: int = 1_000
    max_sheet_rows: int = 100_000

    def with_overrides(self, overrides: dict[str, int]) -> Limits:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise KeyError(unknown[0])
        return replace(self, **overrides)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))
