"""Limits on what the loaders accept, so hostile or broken input cannot exhaust the machine.

Every limit has a documented default (README, SECURITY.md) and can be raised on the command line
(`--limit name=value`) or through the API.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

__all__ = ["Limits"]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one file may hold; the defaults are far above any real pack, bundle or record."""

    #: Bytes in one pack, evidence, profile or waiver file (records may reach 256 MiB).
    max_file_bytes: int = 16 * 1024 * 1024
    #: Levels of nested tables and lists in one file (records get eight more).
    max_depth: int = 32
    #: Rules in one pack.
    max_rules: int = 20_000
    #: Characters in one text value.
    max_string: int = 100_000
    #: Documents referenced by one bundle.
    max_documents: int = 1_000
    #: Rows of the evidence sheet of one spreadsheet, empty ones included.
    max_sheet_rows: int = 100_000
    #: Bytes a spreadsheet (a ZIP archive) unpacks to, so a small file cannot expand to gigabytes.
    max_unpacked_bytes: int = 128 * 1024 * 1024

    def with_overrides(self, overrides: dict[str, int]) -> Limits:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise KeyError(unknown[0])
        return replace(self, **overrides)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))
