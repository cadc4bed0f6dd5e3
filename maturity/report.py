"""Rendering records into reports: JSON, HTML, Markdown and CSV (and the formats plugins add).

A record holds ids; names and titles come from the installed packs (through the plugin host),
and a report still renders, with ids, when a pack is not installed. A report is written in one
language (`options["lang"]`, else the record's): pack texts and the templates' messages come
from `maturity.i18n`, numbers and dates are formatted for the locale, and every text shown in
English for want of a translation is counted and said. Templates live in
`reports/` (shipped as `maturity.reports`). HTML is autoescaped, Markdown escapes every text
that comes from rules or evidence, and SVG charts escape their own text, so neither a rule nor
an evidence file can inject markup or script. Templates that plugins ship must be rendered with
`sandboxed_environment`, never with the built-in environment.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from maturity import charts
from maturity.hookspecs import ReportFormat
from maturity.i18n import N_, SOURCE_LANGUAGE, Language, SourceText, direction_of, install
from maturity.record import canonical_bytes, canonicalize

if TYPE_CHECKING:
    import jinja2
    import jinja2.sandbox

    from maturity.model import RulePack

__all__ = [
    "environment",
    "md_code",
    "md_escape",
    "plain",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "render_records",
    "report_context",
    "sandboxed_environment",
    "template_format",
    "words",
]

#: Bounds on `*` and `**` in plugins' templates (the sandbox has none of its own).
_MAX_REPEAT = 1_000_000
_MAX_POWER = 100
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
FULL_MARKS = "full marks"
#: Headings and links: a deep blue, 11:1 on white.
ACCENT = "#0b3d66"

#: Statuses in the order findings are listed, with the words a reader sees (translated where
#: they are shown).
STATUS_LABELS = {
    "fail": N_("Not met"),
    "not_assessed": N_("No evidence"),
    "error": N_("Evidence error"),
    "stale": N_("Evidence too old"),
    "partial": N_("Partly met"),
    "waived": N_("Waived"),
    "not_applicable": N_("Not applicable"),
    "pass": N_("Met"),
}
UNSCHEDULED_REASONS = {
    "exceeds-capacity": N_("larger than a phase's capacity"),
    "blocked": N_("waits for an action larger than a phase's capacity"),
    "targets-met": N_("not needed: the targets are met without it"),
    "no-target-gain": N_("does not move a dimension with an unmet target"),
    "no-capacity": N_("no capacity left within the phases"),
}
#: The roadmap's own account of its method (`maturity.roadmap`), so a report can translate it.
ROADMAP_METHOD = N_(
    "Greedy by gain per person-month: each step closes the most of the gap to the "
    "targets per unit of effort, re-scored with the scoring model of the assessment; "
    "an action waits for its depends_on rules and for the lower-level gaps of its "
    "dimensions; ties go to foundational dimensions, then to the smallest rule id."
)


def md_escape(value: Any) -> str:
    """Markdown-safe text: special characters escaped, line breaks folded."""
    text = "" if value is None else str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(value: Any) -> str:
    """Text for a terminal: control characters (escape sequences) dropped."""
    return _CONTROL.sub("", "" if value is None else str(value))


def md_code(value: Any) -> str:
    """Inline code in Markdown: a text that cannot close its backticks."""
    text = md_escape(value).replace("`", "'")
    return f"`{text}`"


def _configure(env: jinja2.Environment, language: Language | None = None,
               ) -> jinja2.Environment:
    """Filters and globals of the report templates, in `language` (default English): its
    messages (`_`, `{% trans %}`), its numbers (`pct`: a share as a percentage without the
    sign, `pm`: person-months, `num`) and its dates (`date`)."""
    language = language or Language.build(SOURCE_LANGUAGE)
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    install(env, language)
    env.filters["md"] = md_escape
    env.filters["code"] = md_code
    env.filters["plain"] = plain
    env.filters["pct"] = lambda v: language.number(None if v is None else 100 * float(v), 1)
    env.filters["pm"] = lambda v: language.number(float(v), 1, trim=True)
    env.filters["plural_count"] = charts.plural_count
    env.filters["num"] = language.number
    env.filters["date"] = language.date
    env.globals["language"] = language
    env.globals["status_labels"] = STATUS_LABELS
    env.globals["unscheduled_reasons"] = UNSCHEDULED_REASONS
    env.globals["status_colours"] = charts.STATUS_COLOURS
    env.globals["palette"] = {"ink": charts.INK, "muted": charts.MUTED,
                              "current": charts.CURRENT, "projected": charts.PROJECTED_TEXT,
                              "accent": ACCENT, "background": charts.BACKGROUND}
    return env


def environment(language: Language | None = None) -> jinja2.Environment:
    """The jinja2 environment for the built-in templates (autoescaped HTML, strict undefined),
    in `language` (default English)."""
    import jinja2  # only imported when a report is rendered

    return _configure(jinja2.Environment(
        loader=jinja2.PackageLoader("maturity.reports", "."),
        autoescape=jinja2.select_autoescape(["html", "html.j2", "svg.j2"], default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_marked_in_html(language),
        bytecode_cache=_compiled_templates(),
    ), language)


@functools.cache
def _compiled_templates() -> jinja2.BytecodeCache:
    """Compiled built-in templates, kept for the process: compiling the HTML template costs
    more than rendering it, and a batch renders a report per organisation. Entries are checked
    against the template source's checksum; every built-in environment is configured alike, so
    their compiled code is the same (languages differ only in globals and filters)."""
    import jinja2

    class InMemory(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.compiled: dict[str, bytes] = {}

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            if bucket.key in self.compiled:
                bucket.bytecode_from_string(self.compiled[bucket.key])

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            self.compiled[bucket.key] = bucket.bytecode_to_string()

    return InMemory()


def _marked_in_html(language: Language | None) -> Callable[..., Any]:
    """In HTML, a pack text shown in its own language for want of a translation carries that
    language (`lang`), and its direction when the page runs the other way, so it is read and
    laid out as what it is."""
    import jinja2
    import markupsafe

    page = language.direction if language is not None else "ltr"

    @jinja2.pass_eval_context
    def finalize(eval_ctx: Any, value: Any) -> Any:
        if isinstance(value, SourceText) and eval_ctx.autoescape:
            own = direction_of(value.lang)
            if own != page:
                return markupsafe.Markup('<span lang="{}" dir="{}">{}</span>').format(
                    value.lang, own, str(value))
            return markupsafe.Markup('<span lang="{}">{}</span>').format(value.lang,
                                                                          str(value))
        return value

    return finalize


def sandboxed_environment(loader: jinja2.BaseLoader, language: Language | None = None,
                          ) -> jinja2.sandbox.SandboxedEnvironment:
    """The environment for templates a plugin ships: jinja2's immutable sandbox (no attribute
    access to internals, no mutation of the context), autoescaped like the built-in one, and
    with `*` and `**` bounded so a template cannot build a gigabyte string or number."""
    import jinja2
    import jinja2.sandbox

    class BoundedSandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            sizes = [len(v) for v in (left, right) if isinstance(v, str | list | tuple)]
            counts = [abs(v) for v in (left, right) if isinstance(v, int)]
            if operator == "*" and sizes and counts and sizes[0] * counts[0] > _MAX_REPEAT:
                raise jinja2.exceptions.SecurityError(
                    f"repetition beyond {_MAX_REPEAT} items is not allowed in templates")
            if operator == "**" and isinstance(right, int | float) and abs(right) > _MAX_POWER:
                raise jinja2.exceptions.SecurityError(
                    f"powers beyond {_MAX_POWER} are not allowed in templates")
            return super().call_binop(context, operator, left, right)

    env = BoundedSandbox(
        loader=loader,
        autoescape=jinja2.select_autoescape(["html", "html.j2", "svg.j2"], default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    _configure(env, language)
    return env


def template_format(name: str, suffix: str, description: str, source: str, *,
                    batch: bool = False) -> ReportFormat:
    """A report format made from a template a plugin ships, rendered in the sandbox.

    The template sees `record` (one record per rendering; the output of each is concatenated)
    or, with `batch=True`, `records`, and `options`. A plugin returns the result from
    `maturity_report_formats`; its template can read records but never reach Python internals.
    The template is parsed here, so a syntax error fails the plugin's hook (named, with the
    template's line, and skipped with --skip-broken-plugins), not the first report.
    """
    import jinja2

    # Named by its output's suffix, so an HTML template is autoescaped like the built-in ones.
    filename = f"{name}{suffix}.j2"
    try:
        sandboxed_environment(jinja2.DictLoader({filename: source})).parse(source, filename)
    except jinja2.TemplateSyntaxError as exc:
        raise ValueError(f"the template of report format {name!r}, line {exc.lineno}: "
                         f"{exc.message}") from None

    def render(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
        env = sandboxed_environment(jinja2.DictLoader({filename: source}))
        template = env.get_template(filename)
        if batch:
            return template.render(records=list(records), options=dict(options)).encode()
        return "".join(template.render(record=r, options=dict(options))
                       for r in records).encode()

    return ReportFormat(name, suffix, description, render, batch)


# --- pack metadata -------------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Installed packs by id (for names and titles), and why there are none if loading failed."""

    packs: Mapping[str, RulePack] = field(default_factory=dict)
    problem: str | None = None


@functools.cache
def _installed_catalogue() -> Catalogue:
    """Every installed pack, loaded once per process (installed packs do not change mid-run)."""
    from maturity.api import Session  # only when rendering needs names
    from maturity.errors import MaturityError

    try:
        available = Session().available_packs()
    except MaturityError as exc:
        # Names are a convenience: a broken plugin must not stop a report, which falls back
        # to ids and says why in its provenance section.
        return Catalogue(problem=exc.message)
    return Catalogue({pack_id: pack for pack_id, (pack, _loc) in available.items()})


def _catalogue(options: Mapping[str, Any]) -> Catalogue:
    given = options.get("packs")
    if given is not None:
        return Catalogue({p.id: p for p in given})
    return _installed_catalogue()


@functools.cache
def _installed_language(lang: str) -> Language:
    """A language with the installed packs' and plugins' translations, loaded once per
    process (`maturity assess` and `report` pass theirs in the options instead)."""
    from maturity.api import Session
    from maturity.i18n import load_language

    return load_language(Session(), lang)


def _language(options: Mapping[str, Any], records: Sequence[Mapping[str, Any]]) -> Language:
    """The language of one rendering, with nothing counted yet: the options' `language`, else
    the one named by `lang` or by the first record."""
    given = options.get("language")
    if isinstance(given, Language):
        return given.fresh()
    recorded = next((r["assessment"].get("language") for r in records
                     if r.get("assessment", {}).get("language")), None)
    lang = str(options.get("lang") or recorded or SOURCE_LANGUAGE)
    if lang == SOURCE_LANGUAGE:
        return Language.build(lang)
    if options.get("packs") is not None:
        from maturity.api import Session
        from maturity.i18n import load_language

        return load_language(Session(), lang, list(options["packs"]))
    return _installed_language(lang).fresh()


# --- the view of one record ----------------------------------------------------------------


def _level_names(pack: RulePack | None, language: Language) -> dict[int, str]:
    names = {0: language.gettext("Below level 1")}
    if pack is not None:
        names.update({lvl.level: language.level(pack.id, lvl.level, lvl.name)
                      for lvl in pack.header.levels})
    return names


def _owner_names(record: Mapping[str, Any], catalogue: Catalogue,
                 language: Language) -> Callable[[str], str]:
    """The name of a remediation's owner in the report's language, from its id (the record
    keeps ids: it is the same in every language). Where several of the record's packs name the
    same owner, the first in the record's order (pack ids' order, as loaded) that has the name
    in the report's language gives it, else the first pack's own name (counted as shown in
    its language); an owner no installed pack names is shown by its id. Each name is looked
    up when asked for, so an untranslated name counts for the owners the report names, not
    for every owner a pack declares."""
    declared: dict[str, list[tuple[str, str]]] = {}
    for pinned in record["packs"]:
        installed = catalogue.packs.get(pinned["id"])
        if installed is not None:
            for owner in installed.header.owners:
                declared.setdefault(owner.id, []).append((installed.id, owner.name))

    def name(owner: str) -> str:
        if owner not in declared:
            return owner
        for pack_id, english in declared[owner]:
            shown, translated = language.lookup(pack_id, "owners", owner, "name", english)
            if translated:
                return shown
        pack_id, english = declared[owner][0]
        return language.owner(pack_id, owner, english)

    return name


#: A Python string literal as `repr` writes one (the engine quotes document names so).
_REPR = r"'(?:[^'\\]|\\.)*'" + "|" + r'"(?:[^"\\]|\\.)*"'
_CREDIT = re.compile(r"credit (-?[0-9][0-9.e+-]*)")
_DOCUMENT_NOTE = re.compile(
    rf"; document (?P<name>{_REPR}) (?:(?P<absent>is not in the bundle)"
    rf"(?: \(did you mean (?P<near>{_REPR})\?\))?|(?P<mismatch>does not match its declared "
    r"sha256))")
_STALE = re.compile(r"evidence older than (?P<days>[0-9]+) days: ")
_STALE_ITEM = re.compile(r"(?P<path>.+?) (?:(?P<undated>has no collection date)|collected "
                         r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2}))(?=; |$)")
_FIXED_DETAILS: Final = {
    "declared not applicable by the organisation": N_("declared not applicable by the "
                                                      "organisation"),
    "the rule does not apply": N_("the rule does not apply"),
}


def translated_detail(detail: str, language: Language) -> str | None:
    """An outcome's detail, which the engine writes in English into the record (the record is
    the same in every language), in the report's language; None when it is not one of the
    engine's forms (a type error's expected and found, say), which the report then shows in
    English, marked as such. Names, paths, numbers and dates stay as recorded."""
    def _(message: str, **values: str) -> str:
        return language.gettext(message) % values if values else language.gettext(message)

    if detail in _FIXED_DETAILS:
        return _(_FIXED_DETAILS[detail])
    if detail.startswith("missing evidence: "):
        return _(N_("missing evidence: %(path)s"), path=detail[len("missing evidence: "):])
    if (credit := _CREDIT.match(detail)) is not None:
        try:
            share = float(credit.group(1))
        except ValueError:
            return None
        parts = [_(N_("credit %(credit)s %%"), credit=language.number(100 * share, 1))]
        at = credit.end()
        while at < len(detail):
            note = _DOCUMENT_NOTE.match(detail, at)
            if note is None:
                return None
            name = note.group("name")
            if note.group("mismatch"):
                parts.append(_(N_("document %(name)s does not match its declared sha256"),
                               name=name))
            elif note.group("near"):
                parts.append(_(N_("document %(name)s is not in the bundle (did you mean "
                                  "%(near)s?)"), name=name, near=note.group("near")))
            else:
                parts.append(_(N_("document %(name)s is not in the bundle"), name=name))
            at = note.end()
        return language.pgettext("clause separator", "; ").join(parts)
    if (stale := _STALE.match(detail)) is not None:
        items: list[str] = []
        at = stale.end()
        while at < len(detail):
            item = _STALE_ITEM.match(detail, at)
            if item is None:
                return None
            items.append(_(N_("%(path)s has no collection date"), path=item.group("path"))
                         if item.group("undated") else
                         _(N_("%(path)s collected %(date)s"), path=item.group("path"),
                           date=item.group("date")))
            at = item.end() + 2  # "; "
        if not items:
            return None
        return _(N_("evidence older than %(days)s days: %(documents)s"),
                 days=stale.group("days"),
                 documents=language.pgettext("clause separator", "; ").join(items))
    return None


_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_WAIVED = re.compile(rf"waived by (?P<approver>.+?) until (?P<expires>{_DATE}) "
                     r"\((?P<risk>low|medium|high) risk\): (?P<justification>.*)", re.DOTALL)
_WAIVER_STANDS = re.compile(rf"waiver (?P<state>expired|not yet valid) \(granted "
                            rf"(?P<granted>{_DATE}), expires (?P<expires>{_DATE})\): "
                            r"finding stands")
_RISKS: Final = {"low": N_("low"), "medium": N_("medium"), "high": N_("high")}


def translated_reason(reason: str, language: Language) -> str:
    """An outcome's reason in the report's language where the engine wrote it (a waiver's
    effect); a reason someone else wrote (an organisation's justification for declaring a
    rule not applicable, a pack's `applies` reason) as it was written. Names, the waiver's
    justification and its approver stay as recorded; dates are written as the locale does."""
    if (waived := _WAIVED.fullmatch(reason)) is not None:
        return language.gettext(
            "waived by %(approver)s until %(date)s (%(risk)s risk): %(justification)s") % {
            "approver": waived.group("approver"), "date": language.date(waived.group("expires")),
            "risk": language.gettext(_RISKS[waived.group("risk")]),
            "justification": waived.group("justification")}
    if (stands := _WAIVER_STANDS.fullmatch(reason)) is not None:
        message = (N_("waiver expired (granted %(granted)s, expires %(expires)s): finding "
                      "stands") if stands.group("state") == "expired" else
                   N_("waiver not yet valid (granted %(granted)s, expires %(expires)s): "
                      "finding stands"))
        return language.gettext(message) % {
            "granted": language.date(stands.group("granted")),
            "expires": language.date(stands.group("expires"))}
    return reason


def _level_label(level: int, names: Mapping[int, str], language: Language) -> str:
    if level == 0:
        return names[0]
    name = names.get(level)
    if name:
        return language.gettext("Level %(level)s: %(name)s") % {"level": level, "name": name}
    return language.gettext("Level %(level)s") % {"level": level}


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 400 else text[:397] + "..."


def _ordered(keys: Mapping[str, Any], order: Sequence[str]) -> list[str]:
    """`keys` in the pack's order (the order its authors chose), unknown ones sorted after."""
    known = [k for k in order if k in keys]
    return known + sorted(k for k in keys if k not in order)


def _evidence_items(values: Mapping[str, Any],
                    documents: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The values a rule read, with document references resolved to what was hashed."""
    items: list[dict[str, Any]] = []
    for key in sorted(values):
        value = values[key]
        if isinstance(value, dict) and isinstance(value.get("document"), str):
            path = value["document"]
            info = documents.get(path, {})
            actual = info.get("sha256")
            declared = value.get("sha256") or info.get("declared_sha256")
            if actual is None:
                state = "missing"
            elif declared is None:
                state = "not declared"
            else:
                state = "verified" if declared == actual else "mismatch"
            items.append({"key": key, "document": path, "sha256": actual,
                          "declared": declared, "state": state,
                          "collected": value.get("collected") or info.get("collected")})
        else:
            items.append({"key": key, "value": "missing" if value is None else
                          _value_text(value), "missing": value is None})
    return items


def report_context(record: Mapping[str, Any], options: Mapping[str, Any],
                   catalogue: Catalogue | None = None, prefix: str = "",
                   language: Language | None = None) -> dict[str, Any]:
    """Everything a template shows of one record, with names resolved (in `language`, by
    default the options' or the record's) and charts drawn.

    `prefix` keeps element ids unique when several records share one page."""
    catalogue = catalogue or _catalogue(options)
    language = language or _language(options, [record])
    # The canonical form, so a record fresh from `assess` and one read from disk render the
    # same bytes (same key order, same rounding).
    record = json.loads(canonical_bytes(record))
    roadmap = record.get("roadmap")
    owner_name = _owner_names(record, catalogue, language)
    documents = {d["path"]: d for d in record["evidence"]["documents"]}
    outcomes_by_pack: dict[str, list[Mapping[str, Any]]] = {}
    for outcome in record["outcomes"]:
        outcomes_by_pack.setdefault(outcome["pack"], []).append(outcome)
    phase_of_rule: dict[str, int] = {}
    action_of_rule: dict[str, str] = {}
    if roadmap:
        for action in roadmap["actions"]:
            for rule_id in action["rules"]:
                action_of_rule[rule_id] = action["id"]
                if action["phase"]:
                    phase_of_rule[rule_id] = action["phase"]
    # "Full marks" (the default) is the edge of every chart and table: not worth drawing.
    targets = {(t["pack"], t["dimension"]): t for t in (roadmap or {}).get("targets", [])
               if t["source"] != FULL_MARKS}
    packs: list[dict[str, Any]] = []
    for pinned in record["packs"]:
        pack_id = pinned["id"]
        installed = catalogue.packs.get(pack_id)
        dims_meta = {d.id: d for d in installed.header.dimensions} if installed else {}
        facets_meta = {f.id: f for f in installed.header.facets} if installed else {}
        rules_meta = {r.id: r for r in installed.rules} if installed else {}
        level_names = _level_names(installed, language)
        score = record["scores"].get(pack_id, {"index": 0.0, "dimensions": {}})
        without = record.get("scores_without_waivers", {}).get(pack_id)
        projected = (roadmap or {}).get("projected", {}).get(pack_id)
        dimensions: list[dict[str, Any]] = []
        for dim_id in _ordered(score["dimensions"], list(dims_meta)):
            dim = score["dimensions"][dim_id]
            meta = dims_meta.get(dim_id)
            proj = projected["dimensions"].get(dim_id) if projected else None
            target = targets.get((pack_id, dim_id))
            findings: list[dict[str, Any]] = []
            met: list[dict[str, str]] = []
            for outcome in outcomes_by_pack.get(pack_id, []):
                if outcome["dimension"] != dim_id:
                    continue
                rule = rules_meta.get(outcome["rule"])
                # Without the pack, the record's own copy of the title and remediation.
                title = language.rule(pack_id, outcome["rule"], "title",
                                      rule.title if rule else str(outcome.get("title") or ""))
                if outcome["status"] == "pass":
                    met.append({"id": outcome["rule"], "title": title})
                    continue
                pinned_fix = outcome.get("remediation") or {}
                remediation = rule.remediation.model_dump() if rule else pinned_fix
                facet = facets_meta.get(outcome.get("facet") or "")
                detail = translated_detail(outcome["detail"], language)
                findings.append({
                    "rule": outcome["rule"],
                    "title": title,
                    "rationale": language.rule(pack_id, rule.id, "rationale", rule.rationale)
                    if rule else "",
                    "status": outcome["status"],
                    "status_label": language.gettext(STATUS_LABELS[outcome["status"]])
                    if outcome["status"] in STATUS_LABELS else outcome["status"],
                    "credit": outcome["credit"],
                    "level": outcome["level"],
                    "weight": outcome["weight"],
                    "facet": language.facet(pack_id, facet.id, facet.name) if facet
                    else outcome.get("facet"),
                    "condition": outcome["condition"],
                    "detail": outcome["detail"] if detail is None else detail,
                    # The engine's own words, when not one of its known forms.
                    "detail_english": detail is None and not language.is_source,
                    "reason": translated_reason(str(outcome.get("reason") or ""), language),
                    "underlying": outcome.get("underlying"),
                    "evidence": _evidence_items(outcome["values"], documents),
                    "remediation": language.rule(pack_id, outcome["rule"], "action",
                                                 remediation["action"])
                    if remediation.get("action") else "",
                    "owner": remediation.get("owner", ""),
                    "owner_name": owner_name(remediation["owner"])
                    if remediation.get("owner") else "",
                    "effort": remediation.get("effort"),
                    "action": action_of_rule.get(outcome["rule"]),
                    "phase": phase_of_rule.get(outcome["rule"]),
                    "references": [
                        " ".join(p for p in (ref.source, ref.item and language.gettext(
                            "item %(item)s") % {"item": ref.item}) if p)
                        for ref in rule.references
                    ] if rule else [],
                })
            order = list(STATUS_LABELS)
            findings.sort(key=lambda f: (order.index(f["status"]) if f["status"] in order
                                         else len(order), f["level"], f["rule"]))
            dimensions.append({
                "id": dim_id,
                "name": language.dimension(pack_id, dim_id, meta.name) if meta else dim_id,
                "kind": meta.kind if meta else None,
                "description": language.text(pack_id, "dimensions", dim_id, "description",
                                             meta.description)
                if meta and meta.description else "",
                "score": dim["score"],
                "level": dim["level"],
                "level_label": _level_label(dim["level"], level_names, language),
                "counted": dim["counted"],
                "facets": [
                    {"id": f_id, "name": language.facet(pack_id, f_id, facets_meta[f_id].name)
                     if f_id in facets_meta else f_id, "score": f_score}
                    for f_id, f_score in ((f, dim["facets"][f])
                                          for f in _ordered(dim["facets"], list(facets_meta)))
                ],
                "projected": proj,
                "projected_level_label": _level_label(proj["level"], level_names, language)
                if proj else "",
                "target": target,
                "findings": findings,
                "met": met,
            })
        ranked = sorted(dimensions, key=lambda d: (-d["score"], d["id"]))
        facet_means: dict[str, list[float]] = {}
        for d in dimensions:
            for f in d["facets"]:
                if f["score"] is not None:
                    facet_means.setdefault(f["name"], []).append(f["score"])
        weakest_facet = min(
            ((name, sum(v) / len(v)) for name, v in facet_means.items()),
            key=lambda item: (item[1], item[0]), default=None)
        if installed is not None:
            shared_facets = all(f.dimension is None for f in installed.header.facets)
        else:
            # Without the header, the record's facet keys tell whether facets are shared.
            keys = [tuple(d["facets"]) for d in score["dimensions"].values()]
            shared_facets = bool(keys) and bool(keys[0]) and all(k == keys[0] for k in keys)
        view = {
            "id": pack_id,
            "title": language.pack_title(pack_id, installed.header.title) if installed
            else language.pack_title(pack_id, str(pinned.get("title", pack_id))),
            "version": pinned["version"],
            "sha256": pinned["sha256"],
            "origin": pinned.get("origin", ""),
            "rules": pinned.get("rules"),
            "installed": installed is not None,
            "same_pack": installed is not None and installed.sha256 == pinned["sha256"],
            "source": installed.header.source if installed else "",
            "index": score["index"],
            "index_without_waivers": without["index"] if without else None,
            "projected_index": projected["index"] if projected else None,
            "dimensions": dimensions,
            "strongest": ranked[0] if ranked else None,
            "weakest": ranked[-1] if len(ranked) > 1 else None,
            "shared_facets": shared_facets,
            "weakest_facet": weakest_facet,
            "has_targets": any(d["target"] for d in dimensions),
        }
        view["charts"] = _pack_charts(view, prefix, language)
        packs.append(view)
    return {
        "record": record,
        "organisation": record["organisation"],
        "assessment": record["assessment"],
        "packs": packs,
        "roadmap": _roadmap_view(_translated_roadmap(roadmap, record, catalogue, language,
                                                     owner_name),
                                 packs, prefix, language) if roadmap else None,
        "prefix": prefix,
        "catalogue_problem": catalogue.problem,
        "lang": language.code,
        "dir": language.direction,
        "language": language,
    }


def words(language: Language) -> charts.Words:
    """The charts' words, numbers and direction in the report's language."""
    return charts.Words(gettext=language.gettext, ngettext=language.ngettext,
                        percent=lambda v: language.percent(v, 0),
                        number=lambda v: language.number(v, 1, trim=True),
                        rtl=language.direction == "rtl",
                        comma=language.pgettext("list separator", ", "),
                        semicolon=language.pgettext("clause separator", "; "),
                        colon=language.pgettext("label separator", ": "))


def _pack_charts(view: Mapping[str, Any], prefix: str, language: Language) -> dict[str, str]:
    chart_words = words(language)
    uid = prefix + re.sub(r"[^a-z0-9-]", "-", view["id"].lower())
    dims = view["dimensions"]
    out: dict[str, str] = {}
    if len(dims) >= 3:
        axes = [
            charts.Axis(
                d["name"], d["score"],
                d["projected"]["score"] if d["projected"] else None,
                d["target"]["value"] if d["target"] and d["target"]["kind"] == "score"
                else None,
            )
            for d in dims
        ]
        out["radar"] = charts.radar(
            f"radar-{uid}", language.gettext("%(pack)s: scores by dimension")
            % {"pack": view["title"]}, axes, words=chart_words)
    columns = [f["name"] for f in dims[0]["facets"]] if dims else []
    # A grid when every dimension has the same facets (a record edited by hand may not).
    if view["shared_facets"] and columns and all(
            [f["name"] for f in d["facets"]] == columns for d in dims):
        rows = [charts.Row(d["name"], tuple(f["score"] for f in d["facets"])) for d in dims]
        out["heatmap"] = charts.heatmap(
            f"heatmap-{uid}", language.gettext("%(pack)s: dimension by facet")
            % {"pack": view["title"]}, columns, rows, words=chart_words)
    elif dims and any(d["facets"] for d in dims):
        bands = [
            charts.Band(d["name"], d["score"], d["level_label"],
                        tuple((f["name"], f["score"]) for f in d["facets"]))
            for d in dims
        ]
        out["bars"] = charts.element_bars(
            f"bars-{uid}", language.gettext("%(pack)s: elements") % {"pack": view["title"]},
            bands, words=chart_words)
    return out


def _translated_roadmap(roadmap: Mapping[str, Any], record: Mapping[str, Any],
                        catalogue: Catalogue, language: Language,
                        owner_name: Callable[[str], str]) -> dict[str, Any]:
    """The roadmap with its method, each action's steps (the remediation actions of its
    rules) and owners, and each phase's owners, in the report's language (`owner_names`:
    an action's in the record's order; a phase's as (name, effort), the busiest first)."""
    pack_of = {o["rule"]: o["pack"] for o in record["outcomes"]}

    def step(action: Mapping[str, Any], text: str) -> str:
        for rule_id in action["rules"]:
            pack = catalogue.packs.get(pack_of.get(rule_id, ""))
            rule = next((r for r in pack.rules if r.id == rule_id), None) if pack else None
            if rule is not None and rule.remediation.action == text:
                return language.rule(pack_of[rule_id], rule_id, "action", text)
        # No installed rule wrote this step: the record's English, counted as a fallback.
        first = action["rules"][0] if action["rules"] else ""
        return language.rule(pack_of.get(first, ""), first, "action", text)

    actions = []
    for action in roadmap["actions"]:
        steps = [step(action, text) for text in action["steps"]]
        actions.append({**action, "steps": steps, "title": steps[0] if steps else
                        action["title"], "owner_names": [owner_name(o) for o in
                                                         action["owners"]]})
    phases = [{**phase, "owner_names": [
        (owner_name(owner), effort) for owner, effort in
        sorted(phase["owners"].items(), key=lambda item: (-item[1], item[0]))]}
        for phase in roadmap["phases"]]
    method = roadmap.get("method")
    return {**roadmap, "actions": actions, "phases": phases,
            "method": language.gettext(method) if isinstance(method, str) else method}


def _roadmap_view(roadmap: Mapping[str, Any], packs: Sequence[Mapping[str, Any]],
                  prefix: str, language: Language) -> dict[str, Any]:
    names = {(p["id"], d["id"]): d["name"] for p in packs for d in p["dimensions"]}
    titles = {p["id"]: p["title"] for p in packs}
    actions = {a["id"]: a for a in roadmap["actions"]}
    critical = roadmap["critical_path"]["actions"]

    def dims_of(action: Mapping[str, Any]) -> list[str]:
        return [names.get((d["pack"], d["dimension"]), d["dimension"])
                for d in action["dimensions"]]

    phases = []
    for phase in roadmap["phases"]:
        rows = []
        for action_id in phase["actions"]:
            action = actions[action_id]
            rows.append({**action, "dimension_names": dims_of(action)})
        phases.append({**phase, "rows": rows})
    lanes: list[str] = []
    timeline_phases: list[charts.TimelinePhase] = []
    short = {p["id"]: _short_pack(p["title"], p["id"]) for p in packs}
    for phase in roadmap["phases"]:
        per_lane: dict[str, tuple[float, int]] = {}
        crit = next((a for a in phase["actions"] if a in critical), None)
        for action_id in phase["actions"]:
            action = actions[action_id]
            share = action["effort"] / max(1, len(action["dimensions"]))
            for d in action["dimensions"]:
                lane = names.get((d["pack"], d["dimension"]), d["dimension"])
                effort, count = per_lane.get(lane, (0.0, 0))
                per_lane[lane] = (effort + share, count + 1)
        timeline_phases.append(charts.TimelinePhase(
            language.gettext("Phase %(phase)s") % {"phase": phase["phase"]},
            language.gettext("months %(first)s\u2013%(last)s")
            % {"first": phase["months"][0], "last": phase["months"][1]},
            per_lane,
            {short[p]: v["index"] for p, v in phase["projected"].items() if p in short},
            crit,
        ))
    for pack in packs:
        for d in pack["dimensions"]:
            if any(d["name"] in p.lanes for p in timeline_phases):
                lanes.append(d["name"])
    baseline = {short[p]: v["index"] for p, v in roadmap["baseline"].items() if p in short}
    timeline = charts.timeline(f"{prefix}timeline", language.gettext("Reform roadmap by phase"),
                               timeline_phases, lanes, baseline, words=words(language))
    unscheduled = [
        {**a, "dimension_names": dims_of(a)}
        for a in roadmap["actions"] if a["phase"] is None
    ]
    def source_label(source: str) -> str:
        """A target's source as the reader reads it: the default is words, a preset a name."""
        return language.gettext(N_("full marks")) if source == FULL_MARKS else source

    remaining = [
        {**r, "name": names.get((r["pack"], r["dimension"]), r["dimension"]),
         "pack_title": titles.get(r["pack"], r["pack"]),
         "source_label": source_label(str(r.get("source", "")))}
        for r in roadmap["remaining_gap"]
    ]
    target_sources = sorted({t["source"] for t in roadmap["targets"]})
    return {
        **roadmap,
        "phase_views": phases,
        "short_names": short,
        "unscheduled": unscheduled,
        "remaining": remaining,
        "target_sources": target_sources,
        "target_source_labels": [source_label(t) for t in target_sources],
        "timeline": timeline,
        "critical_titles": [(a, actions[a]["title"], actions[a]["effort"]) for a in critical],
        "used_phases": [p for p in phases if p["actions"]],
        "first_steps": sorted(phases[0]["rows"], key=lambda a: (-a["gain"], a["id"]))[:3]
        if phases else [],
    }


def _short_pack(title: str, pack_id: str) -> str:
    """A short series name for charts: the part of the title before any parenthesis, cut at
    a word to fit (the id only when the title gives nothing)."""
    head = title.split("(")[0].strip()
    if len(head) <= _SERIES_NAME:
        return head or pack_id
    return head[:_SERIES_NAME - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "\u2026"


#: The longest series name a chart legend shows whole.
_SERIES_NAME: Final = 66


# --- formats -------------------------------------------------------------------------------


def render_json(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
    if len(records) == 1:
        return canonical_bytes(records[0])
    return json.dumps([json.loads(canonical_bytes(r)) for r in records], sort_keys=True,
                      ensure_ascii=False, indent=None).encode() + b"\n"


def render_records(name: str, records: Sequence[Mapping[str, Any]],
                   options: Mapping[str, Any], *, together: bool = False,
                   **extra: Any) -> str:
    """The template `name` over `records`, in the options' language: one document holding
    them all (`together`: as `reports`, with element ids prefixed), or one per record, joined.

    A template message without a translation is only found while rendering; then the report
    is rendered a second time, so that it can state every text it shows in English.
    """
    catalogue = _catalogue(options)
    language = _language(options, records)

    def draw() -> str:
        template = environment(language).get_template(name)
        if together:
            contexts = [
                report_context(r, options, catalogue, prefix=f"r{i}-" if len(records) > 1
                               else "", language=language)
                for i, r in enumerate(records)
            ]
            return template.render(reports=contexts, lang=language.code,
                                   dir=language.direction, **extra)
        return "\n".join(template.render(**report_context(r, options, catalogue,
                                                           language=language), **extra)
                         for r in records)

    text = draw()
    return draw() if language.missing_messages else text


def _render_template(name: str) -> Callable[[Sequence[Mapping[str, Any]], Mapping[str, Any]],
                                            bytes]:
    def render(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
        return render_records(name, records, options).encode("utf-8")

    return render


def render_html(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
    """One self-contained page; several records become consecutive articles of it."""
    return render_records("assessment.html.j2", records, options, together=True).encode("utf-8")


def _csv_cell(value: Any) -> Any:
    """Numbers as written in the record; text that a spreadsheet would run as a formula is
    quoted with an apostrophe (ids are validated, but a record file can be edited by hand)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    if isinstance(value, float):
        return repr(canonicalize(value))
    return value


def csv_rows(record: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """The record's numbers in long form: (entity, node, value); node is a slash path."""
    entity = record["organisation"]["id"]
    rows: list[tuple[str, str, Any]] = []
    for pack_id, score in sorted(record["scores"].items()):
        rows.append((entity, f"{pack_id}/index", score["index"]))
        for dim_id, dim in score["dimensions"].items():
            rows.append((entity, f"{pack_id}/{dim_id}/score", dim["score"]))
            rows.append((entity, f"{pack_id}/{dim_id}/level", dim["level"]))
            for facet_id, facet in dim["facets"].items():
                if facet is not None:
                    rows.append((entity, f"{pack_id}/{dim_id}/{facet_id}/score", facet))
    for outcome in sorted(record["outcomes"], key=lambda o: (o["pack"], o["rule"])):
        if outcome["status"] not in ("not_applicable", "waived"):
            rows.append((entity, f"{outcome['pack']}/rules/{outcome['rule']}/credit",
                         outcome["credit"]))
    roadmap = record.get("roadmap")
    if roadmap:
        rows.append((entity, "roadmap/effort", roadmap["summary"]["effort"]))
        rows.append((entity, "roadmap/actions", roadmap["summary"]["scheduled"]))
        for phase in roadmap["phases"]:
            base = f"roadmap/phase-{phase['phase']}"
            rows.append((entity, f"{base}/effort", phase["effort"]))
            for pack_id, projected in sorted(phase["projected"].items()):
                rows.append((entity, f"{base}/{pack_id}/index", projected["index"]))
                for dim_id, dim in projected["dimensions"].items():
                    rows.append((entity, f"{base}/{pack_id}/{dim_id}/score", dim["score"]))
                    rows.append((entity, f"{base}/{pack_id}/{dim_id}/level", dim["level"]))
    return rows


def render_markdown(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
    return _render_template("assessment.md.j2")(records, options)


def render_csv(records: Sequence[Mapping[str, Any]], options: Mapping[str, Any]) -> bytes:
    """Long-form CSV (entity, node, value) for open-data publication; several records share
    one file, one entity each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["entity", "node", "value"])
    for record in records:
        for entity, node, value in csv_rows(record):
            writer.writerow([_csv_cell(entity), _csv_cell(node), _csv_cell(value)])
    return buffer.getvalue().encode("utf-8")
