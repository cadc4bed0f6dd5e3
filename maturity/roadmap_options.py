"""The roadmap's command-line options, kept apart from the planner.

Building the parser must stay cheap (`maturity --version` builds it), and the planner is pure
core: this module holds what the command line needs, the planner's defaults among them, and
imports the planner only when settings are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

__all__ = [
    "DEFAULT_CAPACITY",
    "DEFAULT_PHASES",
    "DEFAULT_PHASE_MONTHS",
    "add_arguments",
    "settings_from_args",
]

#: Person-months of reform work per phase: a team of four for six months.
DEFAULT_CAPACITY = 24.0
#: Six phases of six months: a three-year reform programme.
DEFAULT_PHASES = 6
DEFAULT_PHASE_MONTHS = 6


def add_arguments(parser: argparse.ArgumentParser, *, offer_no_roadmap: bool = True) -> None:
    """The roadmap options of `maturity assess` and `maturity roadmap` (which parses
    `--no-roadmap` only to refuse it clearly, so its help leaves it out)."""
    import argparse  # here: the planner imports this module's defaults, never argparse

    group = parser.add_argument_group(
        "roadmap", "the reform roadmap planned from the gaps (on by default)")
    group.add_argument("--no-roadmap", action="store_true",
                       help="do not plan a roadmap" if offer_no_roadmap else argparse.SUPPRESS)
    group.add_argument("--capacity", type=float, metavar="PM",
                       help=f"person-months of work per phase (default {DEFAULT_CAPACITY:g})")
    group.add_argument("--phases", type=int, metavar="N",
                       help=f"number of phases (default {DEFAULT_PHASES})")
    group.add_argument("--phase-months", type=int, metavar="M",
                       help=f"months per phase, for dates in reports (default "
                            f"{DEFAULT_PHASE_MONTHS})")
    group.add_argument("--target", action="append", metavar="SPEC",
                       help="a preset (oecd-2023-average, oecd-2023-top10) or "
                            "DIMENSION=SCORE or DIMENSION=L<level>, where DIMENSION is a "
                            "dimension id, pack:dimension, or all (repeatable; later wins; "
                            "default: full marks in every dimension)")


def _target_from_text(text: str) -> list[dict[str, Any]]:
    name, sep, value = text.partition("=")
    if not sep:
        # A preset: expanded to numbers here, so the record holds what was planned against.
        from maturity.targets import preset

        found = preset(name)
        return [
            {"pack": found.pack, "dimension": dim, "score": score, "source": found.id}
            for dim, score in sorted(found.scores.items())
        ]
    pack, _, dimension = name.rpartition(":")
    spec: dict[str, Any] = {"dimension": dimension, "source": f"--target {text}"}
    if pack:
        spec["pack"] = pack
    try:
        if value[:1] in ("L", "l"):
            spec["level"] = int(value[1:])
        else:
            spec["score"] = float(value)
    except ValueError:
        from maturity.errors import UsageError

        raise UsageError(
            f"cannot read the target {text!r}",
            code="usage.target",
            location="--target",
            expected="a preset, DIMENSION=SCORE (e.g. user-driven=0.7) or DIMENSION=L<level> "
                     "(e.g. all=L3)",
            found=repr(text),
            fix="write the target as in the examples",
        ) from None
    return [spec]


def settings_from_args(
    args: argparse.Namespace, base: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    """Roadmap settings from the command line (None with --no-roadmap), over `base` if given
    (a record's settings when re-planning), else over the defaults."""
    if getattr(args, "no_roadmap", False):
        return None
    from maturity.roadmap import default_settings, parse_settings

    settings = dict(base) if base is not None else default_settings()
    for key in ("capacity", "phases", "phase_months"):
        value = getattr(args, key, None)
        if value is not None:
            settings[key] = value
    texts = getattr(args, "target", None)
    if texts:
        settings["targets"] = [spec for text in texts for spec in _target_from_text(text)]
    return parse_settings(settings).as_data()
