"""Comparing organisations across a cohort: heatmap, ranking, distributions, group averages and
the weakest rules (pure: records in, a comparison out; the CLI reads the files).

Records are summarised one at a time (`Cohort.add`), so a national cohort of 10^5 records is
never held in memory: each keeps its scores, and each rule a running tally. Worker processes
each summarise a run of records into a cohort of their own, which `Cohort.absorb` adds up in
the records' order, to the same comparison. The comparison then has, per pack:

- every organisation's index and dimension scores and levels (the heatmap), ranked by index
  with ties sharing a rank (1, 2, 2, 4);
- the distribution of each dimension's scores (quartiles, mean) across the cohort;
- averages by kind (ministry, agency, municipality) or by parent organisation;
- the weakest rules: those whose meeting everywhere would raise the index most on average
  (under the `oecd-dgi` weighted means; indicative under other models), with the share of
  organisations that have the gap. That is where a shared reform pays most.

`anonymise_below=N` protects small cohorts: with fewer than N organisations they are shown as
"Organisation 1", "Organisation 2", … (numbered by id) without their parent, and any group
average over fewer than N organisations is withheld, as statistical offices do with small cells.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from maturity.i18n import Language

__all__ = [
    "Cohort",
    "Comparison",
    "Entry",
    "PackComparison",
    "compare",
    "comparison",
    "quantile",
    "render_comparison",
]

GroupBy = Literal["kind", "parent"]
#: Outcomes scoring leaves out (with waivers, as the record's main scores).
_LEFT_OUT = frozenset({"not_applicable", "waived"})
_GAPS = frozenset({"fail", "partial", "not_assessed", "error", "stale"})
#: Above this many organisations, the HTML and Markdown show the first and last ones by rank
#: (the CSV always has every organisation).
SHOWN_ROWS = 300


@dataclass(frozen=True, slots=True)
class Entry:
    """One record: who was assessed, when, and its scores per pack."""

    id: str
    name: str
    kind: str
    parent: str
    period: str
    #: pack id → (index, ((dimension, score, level), ...))
    scores: dict[str, tuple[float, tuple[tuple[str, float, int], ...]]]


class _ExactSum:
    """A float sum that does not depend on the order of its terms (Shewchuk's partials, as
    `math.fsum` keeps them): a comparison is the same whatever order its records come in."""

    __slots__ = ("partials",)

    def __init__(self) -> None:
        self.partials: list[float] = []

    def add(self, x: float) -> None:
        i = 0
        for y in self.partials:
            if abs(x) < abs(y):
                x, y = y, x
            high = x + y
            low = y - (high - x)
            if low:
                self.partials[i] = low
                i += 1
            x = high
        self.partials[i:] = [x]

    def absorb(self, other: _ExactSum) -> None:
        """Add another sum's terms (its partials hold their exact total)."""
        for x in other.partials:
            self.add(x)

    def value(self) -> float:
        return math.fsum(self.partials)


@dataclass
class _RuleTally:
    title: str
    dimension: str
    action: str
    assessed: int = 0
    credit: _ExactSum = field(default_factory=_ExactSum)
    gaps: int = 0
    gain: _ExactSum = field(default_factory=_ExactSum)


@dataclass
class Cohort:
    """Records summarised as they are added (nothing else of them is kept)."""

    entries: list[Entry] = field(default_factory=list)
    packs: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    models: dict[str, int] = field(default_factory=dict)
    dimension_order: dict[str, list[str]] = field(default_factory=dict)
    rules: dict[tuple[str, str], _RuleTally] = field(default_factory=dict)

    def add(self, record: Mapping[str, Any]) -> None:
        org = record.get("organisation") or {}
        assessment = record.get("assessment") or {}
        scores: dict[str, tuple[float, tuple[tuple[str, float, int], ...]]] = {}
        for pack_id, pack in sorted((record.get("scores") or {}).items()):
            dims = tuple((dim_id, float(dim["score"]), int(dim["level"]))
                         for dim_id, dim in pack["dimensions"].items())
            scores[pack_id] = (float(pack["index"]), dims)
            order = self.dimension_order.setdefault(pack_id, [])
            order.extend(d for d, _s, _l in dims if d not in order)
        self.entries.append(Entry(
            str(org.get("id", "")), str(org.get("name") or org.get("id", "")),
            str(org.get("kind", "")), str(org.get("parent") or ""),
            str(assessment.get("period") or assessment.get("as_of") or ""), scores))
        for pack in record.get("packs") or ():
            versions = self.packs.setdefault(pack["id"], {})
            key = (str(pack.get("version")), str(pack.get("sha256")))
            versions[key] = versions.get(key, 0) + 1
        model = str((record.get("scoring") or {}).get("model"))
        self.models[model] = self.models.get(model, 0) + 1
        self._tally(record, scores)

    def _tally(self, record: Mapping[str, Any],
               scores: Mapping[str, tuple[float, tuple[tuple[str, float, int], ...]]]) -> None:
        outcomes = record.get("outcomes") or ()
        counted: dict[tuple[str, str], float] = {}
        for outcome in outcomes:
            if outcome["status"] not in _LEFT_OUT:
                key = (outcome["pack"], outcome["dimension"])
                counted[key] = counted.get(key, 0.0) + float(outcome["weight"])
        for outcome in outcomes:
            pack_id, rule_id = outcome["pack"], outcome["rule"]
            tally = self.rules.get((pack_id, rule_id))
            if tally is None:
                remediation = outcome.get("remediation") or {}
                tally = self.rules[(pack_id, rule_id)] = _RuleTally(
                    str(outcome.get("title") or rule_id), str(outcome["dimension"]),
                    str(remediation.get("action") or ""))
            if not tally.action:
                # Records name the remediation of the rules that have a gap only.
                tally.action = str((outcome.get("remediation") or {}).get("action") or "")
            if outcome["status"] in _LEFT_OUT:
                continue
            credit = float(outcome["credit"])
            tally.assessed += 1
            tally.credit.add(credit)
            tally.gaps += outcome["status"] in _GAPS
            weight = counted.get((pack_id, outcome["dimension"]), 0.0)
            dimensions = len(scores[pack_id][1]) if pack_id in scores else 0
            if weight > 0 and dimensions:
                tally.gain.add((1.0 - credit) * float(outcome["weight"]) / weight / dimensions)

    def absorb(self, other: Cohort) -> None:
        """Add a cohort of the records that come after this one's (made in a worker process
        from a run of records): the same as adding its records one by one, since every count
        and exact sum adds, and every first-seen order and name extends in order."""
        for pack_id, dims in other.dimension_order.items():
            order = self.dimension_order.setdefault(pack_id, [])
            order.extend(d for d in dims if d not in order)
        self.entries.extend(other.entries)
        for pack_id, counts in other.packs.items():
            versions = self.packs.setdefault(pack_id, {})
            for key, count in counts.items():
                versions[key] = versions.get(key, 0) + count
        for model, count in other.models.items():
            self.models[model] = self.models.get(model, 0) + count
        for key, theirs in other.rules.items():
            tally = self.rules.get(key)
            if tally is None:
                self.rules[key] = theirs
                continue
            if not tally.action:
                tally.action = theirs.action
            tally.assessed += theirs.assessed
            tally.credit.absorb(theirs.credit)
            tally.gaps += theirs.gaps
            tally.gain.absorb(theirs.gain)


def quantile(ordered: Sequence[float], p: float) -> float:
    """The p-quantile of sorted values, interpolating linearly between ranks."""
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Ranked:
    rank: int
    label: str
    id: str
    kind: str
    parent: str
    period: str
    index: float
    dimensions: tuple[tuple[float, int] | None, ...]


@dataclass(frozen=True, slots=True)
class Distribution:
    dimension: str
    name: str
    count: int
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float
    mean: float


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    count: int
    #: None when the group is too small to show (anonymised).
    index: float | None
    dimensions: tuple[float | None, ...]


@dataclass(frozen=True, slots=True)
class WeakRule:
    rule: str
    title: str
    dimension: str
    dimension_name: str
    action: str
    assessed: int
    mean_credit: float
    gap_share: float
    gain: float


@dataclass(frozen=True, slots=True)
class PackComparison:
    pack: str
    title: str
    dimensions: tuple[str, ...]
    #: Dimension names where the pack is installed (else its ids).
    names: tuple[str, ...]
    ranking: tuple[Ranked, ...]
    distributions: tuple[Distribution, ...]
    groups: tuple[Group, ...]
    weakest: tuple[WeakRule, ...]
    versions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    organisations: int
    group_by: GroupBy
    anonymised: bool
    anonymise_below: int | None
    warnings: tuple[str, ...]
    packs: tuple[PackComparison, ...]


def _anonymous_order(entry: Entry) -> tuple[Any, ...]:
    """Best mean index first, then by every score; the id only between identical scores."""
    indexes = [index for index, _dims in entry.scores.values()]
    scores = tuple(-score for pack in sorted(entry.scores)
                   for _dim, score, _level in entry.scores[pack][1])
    mean = math.fsum(indexes) / len(indexes) if indexes else 0.0
    return (-mean, scores, entry.id, entry.period)


def _labels(entries: Sequence[Entry], anonymised: bool) -> list[str]:
    if anonymised:
        # Numbered by score, not by id: numbers in id order would let anyone who knows the
        # ids (they are public) tell who is who. The scores are shown beside the numbers.
        order = sorted(range(len(entries)), key=lambda i: _anonymous_order(entries[i]))
        width = len(str(len(entries)))
        labels = [""] * len(entries)
        for number, i in enumerate(order, start=1):
            labels[i] = f"Organisation {number:0{width}d}"
        return labels
    seen: dict[str, int] = {}
    for entry in entries:
        seen[entry.id] = seen.get(entry.id, 0) + 1
    return [f"{e.name} ({e.period})" if seen[e.id] > 1 else e.name for e in entries]


def _pack(cohort: Cohort, pack_id: str, labels: Sequence[str], group_by: GroupBy,
          anonymised: bool, anonymise_below: int | None, weakest: int,
          catalogue: Mapping[str, tuple[str, Sequence[tuple[str, str]]]]) -> PackComparison:
    title, declared = catalogue.get(pack_id, (pack_id, ()))
    seen = cohort.dimension_order[pack_id]
    # The pack's own order where it is installed; dimensions it does not know come after.
    dims = tuple([d for d, _n in declared if d in seen] + [d for d in seen
                                                          if d not in dict(declared)])
    names = tuple(dict(declared).get(d, d) for d in dims)
    rows = []
    for entry, label in zip(cohort.entries, labels, strict=True):
        if pack_id not in entry.scores:
            continue
        index, scored = entry.scores[pack_id]
        by_dim = {d: (s, lvl) for d, s, lvl in scored}
        rows.append((entry, label, index, tuple(by_dim.get(d) for d in dims)))
    rows.sort(key=lambda r: (-r[2], r[0].id, r[0].period))
    ranking: list[Ranked] = []
    for position, (entry, label, index, values) in enumerate(rows, start=1):
        rank = ranking[-1].rank if ranking and ranking[-1].index == index else position
        ranking.append(Ranked(rank, label, "" if anonymised else entry.id, entry.kind,
                              "" if anonymised else entry.parent, entry.period, index, values))
    distributions = []
    for j, dim in enumerate(dims):
        column: list[float] = []
        for *_head, cells in rows:
            cell = cells[j]
            if cell is not None:
                column.append(cell[0])
        column.sort()
        if column:
            distributions.append(Distribution(
                dim, names[j], len(column), column[0], quantile(column, 0.25),
                quantile(column, 0.5), quantile(column, 0.75), column[-1],
                math.fsum(column) / len(column)))
    members: dict[str, list[tuple[float, tuple[tuple[float, int] | None, ...]]]] = {}
    for entry, _label, index, cells in rows:
        name = entry.kind if group_by == "kind" else (entry.parent or "(no parent)")
        members.setdefault(name, []).append((index, cells))
    groups: list[Group] = []
    for name in sorted(members):
        items = members[name]
        hidden = anonymise_below is not None and len(items) < anonymise_below
        means: list[float | None] = []
        for j in range(len(dims)):
            present = [cell[0] for _i, row_cells in items if (cell := row_cells[j]) is not None]
            means.append(None if hidden or not present else math.fsum(present) / len(present))
        groups.append(Group(
            name if not (anonymised and group_by == "parent") else f"Group {len(groups) + 1}",
            len(items), None if hidden else math.fsum(i for i, _v in items) / len(items),
            tuple(means)))
    tallies = [
        WeakRule(rule, t.title, t.dimension, dict(zip(dims, names, strict=True)).get(
            t.dimension, t.dimension), t.action, t.assessed, t.credit.value() / t.assessed,
                 t.gaps / t.assessed, t.gain.value() / t.assessed)
        # A rule every organisation meets is no reform, however short the list.
        for (pack, rule), t in cohort.rules.items()
        if pack == pack_id and t.assessed and (t.gaps or t.gain.value() > 0)
    ]
    tallies.sort(key=lambda w: (-w.gain, w.mean_credit, w.rule))
    versions = tuple(f"{version} ({count})" for (version, _sha), count
                     in sorted(cohort.packs.get(pack_id, {}).items()))
    return PackComparison(pack_id, title, dims, names, tuple(ranking), tuple(distributions),
                          tuple(groups), tuple(tallies[:weakest]), versions)


def compare(records: Iterable[Mapping[str, Any]], *, group_by: GroupBy = "kind",
            anonymise_below: int | None = None, weakest: int = 15,
            catalogue: Mapping[str, tuple[str, Sequence[tuple[str, str]]]] | None = None,
            ) -> Comparison:
    """Summarise `records` (streamed) and compare them. `catalogue` gives, for installed
    packs, their title and their dimensions (id, name) in order."""
    cohort = Cohort()
    for record in records:
        cohort.add(record)
    return comparison(cohort, group_by=group_by, anonymise_below=anonymise_below,
                      weakest=weakest, catalogue=catalogue)


def comparison(cohort: Cohort, *, group_by: GroupBy = "kind",
               anonymise_below: int | None = None, weakest: int = 15,
               catalogue: Mapping[str, tuple[str, Sequence[tuple[str, str]]]] | None = None,
               ) -> Comparison:
    anonymised = anonymise_below is not None and len(cohort.entries) < anonymise_below
    labels = _labels(cohort.entries, anonymised)
    warnings: list[str] = []
    for pack_id, versions in sorted(cohort.packs.items()):
        if len(versions) > 1:
            found = ", ".join(f"{v} ({n} records)" for (v, _sha), n in sorted(versions.items()))
            warnings.append(f"pack {pack_id} differs between records ({found}): their scores "
                            "answer other questions and are not comparable")
    if len(cohort.models) > 1:
        found = ", ".join(f"{m} ({n})" for m, n in sorted(cohort.models.items()))
        warnings.append(f"records use different scoring models ({found})")
    packs = tuple(_pack(cohort, pack_id, labels, group_by, anonymised, anonymise_below,
                        weakest, catalogue or {}) for pack_id in sorted(cohort.dimension_order))
    return Comparison(len(cohort.entries), group_by, anonymised, anonymise_below,
                      tuple(warnings), packs)


# --- rendering ----------------------------------------------------------------------------


def _shown(ranking: Sequence[Ranked]) -> tuple[list[Ranked], int]:
    """The organisations the HTML and Markdown list, and how many are left out."""
    if len(ranking) <= SHOWN_ROWS:
        return list(ranking), 0
    half = SHOWN_ROWS // 2
    return [*ranking[:half], *ranking[-half:]], len(ranking) - 2 * half


def _box_said(d: Distribution, name: str, language: Language) -> str:
    """One dimension's distribution in words, its numbers as the language writes them."""
    pct = language.percent
    return language.ngettext(
        "%(dimension)s: median %(median)s, quartiles %(q1)s to %(q3)s, range %(minimum)s to "
        "%(maximum)s, mean %(mean)s, %(num)s organisation",
        "%(dimension)s: median %(median)s, quartiles %(q1)s to %(q3)s, range %(minimum)s to "
        "%(maximum)s, mean %(mean)s, %(num)s organisations", d.count) % {
        "dimension": name, "median": pct(d.median), "q1": pct(d.q1), "q3": pct(d.q3),
        "minimum": pct(d.minimum), "maximum": pct(d.maximum), "mean": pct(d.mean),
        "num": language.number(d.count)}


def _boxplot(uid: str, title: str, distributions: Sequence[Distribution],
             names: Mapping[str, str], language: Language) -> str:
    """One box per dimension (quartiles, whiskers at min and max, a diamond at the mean), on a
    0-100 % scale, with every number in the description and in a title per box, written as
    the report's language writes numbers (SVG coordinates stay in the SVG's own syntax).

    Placed left to right and drawn through `charts.Page`: right to left it is mirrored, the
    names on the right and the scale from 0 % on the right, as the page's reader reads."""
    from maturity import charts
    from maturity.report import words

    chart_words = words(language)
    label_w, plot_w, top = 220.0, 420.0, 30.0
    # Names wrap to fit their column (bold 12.5 px: about 7.5 px a character), and rows grow
    # to hold the longest.
    wrap = int((label_w - 10) / 7.5)
    lines = max((charts.line_count(names[d.dimension], wrap) for d in distributions), default=1)
    row_h = max(34.0, 15.0 * lines + 8)
    width, height = label_w + plot_w + 70, top + row_h * len(distributions) + 40
    page = charts.Page(chart_words, width)

    def at(value: float) -> float:
        """Where a score is placed, left to right."""
        return label_w + plot_w * value

    def x(value: float) -> float:
        """Where a score is drawn: mirrored right to left."""
        return page.x(at(value))

    parts = []
    for k in range(0, 11, 2):
        gx = x(k / 10)
        parts.append(f'<line x1="{gx:.1f}" y1="{top - 6:.1f}" x2="{gx:.1f}" '
                     f'y2="{height - 34:.1f}" stroke="#c8c8c8" stroke-width="1"/>')
        parts.append(page.text(at(k / 10), height - 18, language.percent(k / 10, 0),
                               anchor="middle", size=11, colour=charts.MUTED))
    described = []
    for i, d in enumerate(distributions):
        cy = top + row_h * i + row_h / 2
        said = _box_said(d, names[d.dimension], language)
        described.append(said)
        parts.append(f'<g class="box"><title>{escape(said)}</title>')
        parts.append(page.text(label_w - 10, cy + 4, names[d.dimension], anchor="end",
                               size=12.5, weight="600", width=wrap))
        parts.append(f'<line x1="{x(d.minimum):.1f}" y1="{cy:.1f}" x2="{x(d.maximum):.1f}" '
                     f'y2="{cy:.1f}" stroke="{charts.INK}" stroke-width="1.5"/>')
        box_w = max(at(d.q3) - at(d.q1), 1.5)
        parts.append(f'<rect x="{page.left(at(d.q1), box_w):.1f}" '
                     f'y="{cy - 9:.1f}" width="{box_w:.1f}" height="18" '
                     f'fill="{charts.RAMP[2]}" stroke="{charts.CURRENT}" stroke-width="1.5"/>')
        parts.append(f'<line x1="{x(d.median):.1f}" y1="{cy - 11:.1f}" x2="{x(d.median):.1f}" '
                     f'y2="{cy + 11:.1f}" stroke="{charts.INK}" stroke-width="3"/>')
        mx = at(d.mean)
        parts.append(f'<path d="M{page.x(mx):.1f} {cy - 6:.1f} L{page.x(mx + 6):.1f} {cy:.1f} '
                     f'L{page.x(mx):.1f} {cy + 6:.1f} L{page.x(mx - 6):.1f} {cy:.1f} Z" '
                     f'fill="{charts.PROJECTED}"/>')
        parts.append(page.text(at(1.0) + 8, cy + 4, language.percent(d.median),
                               size=11.5) + "</g>")
    desc = language.pgettext("clause separator", "; ").join(described)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="boxplot" '
            f'aria-labelledby="{uid}-t {uid}-d" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}"><title id="{uid}-t">{escape(title)}</title>'
            f'<desc id="{uid}-d">{escape(desc)}</desc>{"".join(parts)}</svg>')


def _heatmap(uid: str, pack: PackComparison, rows: Sequence[Ranked],
             language: Language) -> str:
    from maturity import charts
    from maturity.report import words

    chart_rows = [charts.Row(r.label, tuple(v[0] if v else None for v in r.dimensions))
                  for r in rows]
    return charts.heatmap(uid, language.gettext("%(pack)s: scores by organisation and "
                                                "dimension") % {"pack": pack.title},
                          list(pack.names), chart_rows, words=words(language))


def _colour(value: float | None) -> tuple[str, str]:
    from maturity import charts

    if value is None:
        return "#f0f0f0", charts.INK
    fill = charts.heatmap_colour(value)
    return fill, charts.text_colour_on(fill)


def render_comparison(result: Comparison, fmt: str, language: Language | None = None,
                      ) -> bytes:
    """The comparison as `html`, `md` or `csv`; HTML and Markdown in `language` (default
    English; CSV holds ids and numbers only)."""
    if fmt == "csv":
        return _csv(result)
    from maturity.i18n import Language
    from maturity.report import environment

    language = (language or Language.build("en")).fresh()
    env = environment(language)
    env.globals["colour"] = _colour
    env.filters["md"] = _md
    packs = []
    for number, pack in enumerate(result.packs):
        shown, hidden = _shown(pack.ranking)
        heatmap = _heatmap(f"heat{number}", pack, shown, language) \
            if fmt == "html" and len(shown) <= 60 else ""
        names = dict(zip(pack.dimensions, pack.names, strict=True))
        boxes = _boxplot(f"box{number}", language.gettext(
            "%(pack)s: distribution of dimension scores") % {"pack": pack.title},
            pack.distributions, names, language) if fmt == "html" and pack.distributions else ""
        weakest = [dataclasses.replace(
            w, title=language.rule(pack.pack, w.rule, "title", w.title),
            action=language.rule(pack.pack, w.rule, "action", w.action) if w.action else "")
            for w in pack.weakest]
        packs.append({"pack": pack, "shown": shown, "hidden": hidden, "heatmap": heatmap,
                      "boxplot": boxes, "weakest": weakest})
    template = env.get_template("compare.html.j2" if fmt == "html" else "compare.md.j2")
    return template.render(result=result, packs=packs).encode("utf-8")


def _md(value: Any) -> str:
    from maturity.report import md_escape

    return md_escape(value)


CSV_COLUMNS = ("section", "pack", "organisation", "kind", "group", "dimension", "rule",
               "statistic", "value")


def _csv(result: Comparison) -> bytes:
    """Every number of the comparison in long form (one value per row), for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for pack in result.packs:
        p = pack.pack
        for r in pack.ranking:
            who = r.id or r.label
            writer.writerow(("rank", p, who, r.kind, "", "", "", "rank", r.rank))
            writer.writerow(("score", p, who, r.kind, "", "", "", "index", repr(r.index)))
            for dim, value in zip(pack.dimensions, r.dimensions, strict=True):
                if value is not None:
                    writer.writerow(("score", p, who, r.kind, "", dim, "", "score",
                                     repr(value[0])))
                    writer.writerow(("score", p, who, r.kind, "", dim, "", "level", value[1]))
        for d in pack.distributions:
            for name in ("count", "minimum", "q1", "median", "q3", "maximum", "mean"):
                value = getattr(d, name)
                writer.writerow(("distribution", p, "", "", "", d.dimension, "", name,
                                 value if name == "count" else repr(value)))
        for g in pack.groups:
            writer.writerow(("group", p, "", "", g.name, "", "", "count", g.count))
            if g.index is not None:
                writer.writerow(("group", p, "", "", g.name, "", "", "index", repr(g.index)))
            for dim, mean in zip(pack.dimensions, g.dimensions, strict=True):
                if mean is not None:
                    writer.writerow(("group", p, "", "", g.name, dim, "", "mean", repr(mean)))
        for w in pack.weakest:
            for name in ("assessed", "mean_credit", "gap_share", "gain"):
                value = getattr(w, name)
                writer.writerow(("weakest", p, "", "", "", w.dimension, w.rule, name,
                                 value if name == "assessed" else repr(value)))
    return out.getvalue().encode("utf-8")
