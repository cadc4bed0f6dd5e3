"""Rendering records into reports: JSON, Markdown (and the formats plugins add).

Templates live in `reports/` (shipped as `maturity.reports`). HTML is autoescaped; Markdown
escapes every text that comes from rules or evidence, so neither can inject markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from maturity.hookspecs import ReportFormat
from maturity.record import canonical_bytes

__all__ = ["builtin_formats", "environment", "md_escape"]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(value: Any) -> str:
    """Markdown-safe text: special characters escaped, line breaks folded."""
    text = "" if value is None else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


def environment() -> Any:
    """The jinja2 environment for built-in templates (autoescaped HTML, strict undefined)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("maturity.reports", "."),
        autoescape=jinja2.select_autoescape(["html", "html.j2", "svg.j2"], default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["pct"] = lambda v: "n/a" if v is None else f"{100 * float(v):.1f}"
    return env


def render_json(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
    if len(records) == 1:
        return canonical_bytes(records[0])
    return json.dumps([json.loads(canonical_bytes(r)) for r in records], sort_keys=True,
                      ensure_ascii=False, indent=None).encode() + b"\n"


def render_markdown(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
    template = environment().get_template("assessment.md.j2")
    parts = [template.render(record=record, options=options) for record in records]
    return "\n".join(parts).encode("utf-8")


def builtin_formats() -> list[ReportFormat]:
    return [
        ReportFormat("json", ".json", "the canonical assessment record", render_json),
        ReportFormat("md", ".md", "a Markdown report for wikis and pull requests",
                     render_markdown),
    ]
