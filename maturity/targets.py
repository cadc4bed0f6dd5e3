"""Roadmap target presets: benchmark scores shipped as data (`rules/targets/*.toml`).

The planner itself is pure and never reads them; `maturity.roadmap_options.settings_from_args`
expands a preset name into explicit per-dimension targets through this module, so a record
holds the numbers it was planned against, not a name whose data might change.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from maturity.errors import PackError, UsageError, did_you_mean
from maturity.formats import parse_toml
from maturity.packs import pydantic_error

__all__ = ["TargetPreset", "load_presets", "preset"]

Score = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=100)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class TargetPreset(_Strict):
    """Target scores for the dimensions of one pack, with where they come from."""

    id: Slug
    title: str
    method: str
    pack: Slug
    composite: Score | None = None
    scores: dict[Slug, Score]
    source: str = ""


class _Source(_Strict):
    title: str
    data: str


class _PresetFile(_Strict):
    source: _Source
    presets: list[TargetPreset]


def load_presets() -> dict[str, TargetPreset]:
    """Every preset shipped in `maturity.rules/targets`, by id."""
    directory = files("maturity.rules") / "targets"
    presets: dict[str, TargetPreset] = {}
    for entry in sorted(directory.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        shown = f"rules/targets/{entry.name}"
        doc = parse_toml(entry.read_bytes(), shown, PackError)
        try:
            parsed = _PresetFile.model_validate(doc)
        except ValidationError as exc:
            raise pydantic_error(exc, _PresetFile, file=shown) from None
        for item in parsed.presets:
            presets[item.id] = item.model_copy(update={"source": parsed.source.title})
    return presets


def preset(name: str, location: str = "--target") -> TargetPreset:
    """The preset called `name`, or a usage error listing the ones there are."""
    presets = load_presets()
    if name not in presets:
        hint = did_you_mean(name, presets)
        raise UsageError(
            f"no target preset {name!r}",
            code="usage.unknown-target-preset",
            location=location,
            expected="one of " + ", ".join(sorted(presets)) + ", or DIMENSION=SCORE|L<level>",
            found=repr(name),
            fix=f"did you mean {hint!r}?" if hint else "use a listed preset",
        )
    return presets[name]
