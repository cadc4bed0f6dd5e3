"""The errors `maturity` raises, and when to catch them.

```
MaturityError                 anything the tool reports to a person (CLI exit code 2)
├── InputError                a file given to the tool is wrong: fix the file
│   ├── PackError             a rule pack or profile
│   ├── EvidenceError         an evidence bundle or document
│   ├── WaiverError           a waiver file
│   └── RecordError           an assessment record or signature file
├── PluginError               a plugin failed to load, is incompatible, or raised in a hook
└── UsageError                the command line itself is wrong
```

Every error says where (file, then a line or key path), what was expected, what was found and
how to fix it, and carries a stable `code` (e.g. ``pack.unknown-key``) that tests and scripts
can match on.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

__all__ = [
    "EvidenceError",
    "InputError",
    "MaturityError",
    "PackError",
    "PluginError",
    "RecordError",
    "UsageError",
    "WaiverError",
    "did_you_mean",
    "format_location",
]


def format_location(parts: Sequence[str | int]) -> str:
    """Render a key path such as ``rules[3].check.all[0].iss``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelled key, for the error's fix line."""
    matches = difflib.get_close_matches(word, sorted(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


class MaturityError(Exception):
    """Something a person must fix; the CLI prints it and exits with code 2."""

    exit_code = 2
    default_code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        file: str | None = None,
        location: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.file = file
        self.location = location
        self.expected = expected
        self.found = found
        self.fix = fix

    def where(self) -> str:
        return ": ".join(p for p in (self.file, self.location) if p)

    def render(self) -> str:
        """One paragraph for a person: where, what, expected, found, fix."""
        head = f"error[{self.code}]: "
        where = self.where()
        head += f"{where}: {self.message}" if where else self.message
        lines = [head]
        if self.expected is not None:
            lines.append(f"  expected: {self.expected}")
        if self.found is not None:
            lines.append(f"  found: {self.found}")
        if self.fix is not None:
            lines.append(f"  fix: {self.fix}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


class InputError(MaturityError):
    """A file given to the tool is malformed or inconsistent."""

    default_code = "input"


class PackError(InputError):
    """A rule pack or profile is invalid: caught when packs are loaded, before any evaluation.

    `pack` is the id of the loaded pack at fault when the error is that pack's alone (not a
    conflict between packs, nor something a profile wrote), so a run can leave out the plugin
    that shipped it (`--skip-broken-plugins`).
    """

    default_code = "pack"

    def __init__(
        self,
        message: str,
        *,
        pack: str | None = None,
        code: str | None = None,
        file: str | None = None,
        location: str | None = None,
        expected: str | None = None,
        found: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message, code=code, file=file, location=location, expected=expected,
                         found=found, fix=fix)
        self.pack = pack


class EvidenceError(InputError):
    """An evidence bundle cannot be read: a batch run reports it and goes on with the others."""

    default_code = "evidence"


class WaiverError(InputError):
    """A waiver file is invalid."""

    default_code = "waiver"


class RecordError(InputError):
    """An assessment record or signature cannot be read."""

    default_code = "record"


class PluginError(MaturityError):
    """A plugin failed to import, declares an unsupported API, or raised inside a hook."""

    default_code = "plugin"


class UsageError(MaturityError):
    """The command line is wrong."""

    default_code = "usage"
