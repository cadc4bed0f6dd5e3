"""One organisation over time: its scores period by period, and where they stop being
comparable (pure: records in, a trend out; the CLI reads the files).

Records are ordered by assessment date. Each point is compared with the one before through
`maturity.audit.diff_records`: another version (or other contents) of a pack, another scoring
model or setting, or other tailoring profiles mean the two scores answer different questions.
Such a point starts a new series: the table says why, and the chart does not join it to the
points before (its marker is hollow), so a jump from a new pack version never reads as progress.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from maturity.errors import RecordError

if TYPE_CHECKING:
    from maturity.i18n import Language

__all__ = ["DimensionTrend", "PackTrend", "Point", "Trend", "render_trend", "trend"]


@dataclass(frozen=True, slots=True)
class Point:
    """One assessment of one pack."""

    as_of: str
    period: str
    version: str
    index: float
    dimensions: dict[str, tuple[float, int]]
    #: Why this point cannot be compared with the one before (empty: it can).
    breaks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DimensionTrend:
    dimension: str
    #: (period label, score or None, level or None, starts a new series)
    values: tuple[tuple[str, float | None, int | None, bool], ...]


@dataclass(frozen=True, slots=True)
class PackTrend:
    pack: str
    title: str
    dimensions: tuple[str, ...]
    #: Dimension names where the pack is installed (else its ids).
    names: tuple[str, ...]
    points: tuple[Point, ...]

    def series(self) -> list[DimensionTrend]:
        """The index, then each dimension, as series over the points."""
        out = [DimensionTrend("index", tuple(
            (p.period, p.index, None, bool(p.breaks)) for p in self.points))]
        for dim, name in zip(self.dimensions, self.names, strict=True):
            out.append(DimensionTrend(name, tuple(
                (p.period, *(p.dimensions.get(dim) or (None, None)), bool(p.breaks))
                for p in self.points)))
        return out


@dataclass(frozen=True, slots=True)
class Trend:
    organisation: str
    name: str
    packs: tuple[PackTrend, ...]


def _label(record: Mapping[str, Any]) -> str:
    assessment = record.get("assessment") or {}
    return str(assessment.get("period") or assessment.get("as_of") or "")


def trend(records: Sequence[Mapping[str, Any]], files: Sequence[str] | None = None,
          catalogue: Mapping[str, tuple[str, Sequence[tuple[str, str]]]] | None = None
          ) -> Trend:
    """The trend of one organisation's records (in any order; sorted by assessment date).
    `catalogue` gives, for installed packs, their title and dimensions (id, name) in order."""
    from maturity.audit import diff_records

    names = list(files) if files is not None else [f"record {i + 1}" for i in
                                                    range(len(records))]
    organisations = sorted({str((r.get("organisation") or {}).get("id")) for r in records})
    if len(organisations) != 1:
        raise RecordError(
            "a trend follows one organisation",
            code="record.trend-organisations",
            file=", ".join(names),
            expected="records of the same organisation, one per period",
            found="organisations " + ", ".join(organisations),
            fix="pass one organisation's records (use `maturity compare` across organisations)",
        )
    _refuse_repeated_periods(records, names)
    ordered = sorted(zip(records, names, strict=True),
                     key=lambda rn: (str((rn[0].get("assessment") or {}).get("as_of")),
                                     _label(rn[0]), rn[1]))
    packs: dict[str, list[Point]] = {}
    order: dict[str, list[str]] = {}
    last: dict[str, Mapping[str, Any]] = {}
    for record, _name in ordered:
        versions = {p["id"]: str(p.get("version")) for p in record.get("packs") or ()}
        for pack_id, score in sorted((record.get("scores") or {}).items()):
            breaks: tuple[str, ...] = ()
            if pack_id in last:
                diff = diff_records(last[pack_id], record)
                breaks = tuple(w for w in diff.warnings
                               if not w.startswith("pack ") or w.startswith(f"pack {pack_id} "))
            last[pack_id] = record
            dims = {d: (float(v["score"]), int(v["level"]))
                    for d, v in score["dimensions"].items()}
            known = order.setdefault(pack_id, [])
            known.extend(d for d in dims if d not in known)
            packs.setdefault(pack_id, []).append(Point(
                str((record.get("assessment") or {}).get("as_of")), _label(record),
                versions.get(pack_id, ""), float(score["index"]), dims, breaks))
    first = ordered[-1][0].get("organisation") or {}
    out = []
    for pack_id, points in sorted(packs.items()):
        title, declared = (catalogue or {}).get(pack_id, (pack_id, ()))
        dimension_names = dict(declared)
        ordered_ids = [d for d, _n in declared if d in order[pack_id]] + [
            d for d in order[pack_id] if d not in dimension_names]
        out.append(PackTrend(pack_id, title, tuple(ordered_ids),
                             tuple(dimension_names.get(d, d) for d in ordered_ids),
                             tuple(points)))
    return Trend(organisations[0], str(first.get("name") or organisations[0]), tuple(out))


def _refuse_repeated_periods(records: Sequence[Mapping[str, Any]], names: Sequence[str]) -> None:
    """Two records of one period (the same record twice, or an assessment run again) would
    be two points of the same period, the second one "comparable", reading as no change."""
    first: dict[str, str] = {}
    for record, name in zip(records, names, strict=True):
        period = _label(record)
        if period not in first:
            first[period] = name
            continue
        raise RecordError(
            f"two records of the period {period!r}",
            code="record.trend-periods",
            file=f"{first[period]}, {name}",
            expected="one record per period",
            found=f"{first[period]} and {name}, both of {period!r}",
            fix="remove one of them",
        )


# --- rendering ----------------------------------------------------------------------------


def _point_said(label: str, value: float | None, level: int | None, starts: bool,
                language: Language) -> str:
    """One point of a series in words, its numbers as the language writes them."""
    if value is None:
        return language.gettext("%(period)s: no score") % {"period": label}
    said = (language.gettext("%(period)s: %(score)s, level %(level)s") if level is not None
            else language.gettext("%(period)s: %(score)s")) % {
        "period": label, "score": language.percent(value), "level": language.number(level)}
    if starts:
        said = language.gettext("%(point)s (not comparable with the period before)") % {
            "point": said}
    return said


def _chart(uid: str, title: str, series: DimensionTrend, language: Language) -> str:
    """A small line chart of one series on a 0-100 % scale. A point that cannot be compared
    with the one before starts a new line and is drawn hollow; every value is printed, as the
    report's language writes numbers (SVG coordinates stay in the SVG's own syntax).

    Placed left to right and drawn through `charts.Page`: right to left it is mirrored, the
    first period on the right and the scale on the right, as the page's reader reads."""
    from maturity import charts
    from maturity.report import words

    chart_words = words(language)
    width, height, left, right, top, bottom = 340.0, 190.0, 44.0, 16.0, 26.0, 40.0
    count = len(series.values)
    span = width - left - right
    page = charts.Page(chart_words, width)

    def at(i: int) -> float:
        """Where period `i` is placed, left to right."""
        return left + (span / 2 if count == 1 else span * i / (count - 1))

    def x(i: int) -> float:
        """Where period `i` is drawn: mirrored right to left."""
        return page.x(at(i))

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - value)

    parts = []
    for k in (0, 0.5, 1.0):
        parts.append(f'<line x1="{page.x(left):.1f}" y1="{y(k):.1f}" '
                     f'x2="{page.x(width - right):.1f}" y2="{y(k):.1f}" stroke="#c8c8c8"/>')
        parts.append(page.text(left - 6, y(k) + 4, language.percent(k, 0), anchor="end",
                               size=10.5, colour=charts.MUTED))
    line: list[str] = []
    for i, (label, value, _level, starts) in enumerate(series.values):
        if starts or value is None:
            if len(line) > 1:
                parts.append(f'<polyline points="{" ".join(line)}" fill="none" '
                             f'stroke="{charts.CURRENT}" stroke-width="2.5"/>')
            line = []
        if value is not None:
            line.append(f"{x(i):.1f},{y(value):.1f}")
        parts.append(page.text(at(i), height - bottom + 16, label, anchor="middle", size=11))
    if len(line) > 1:
        parts.append(f'<polyline points="{" ".join(line)}" fill="none" '
                     f'stroke="{charts.CURRENT}" stroke-width="2.5"/>')
    described = []
    for i, (label, value, level, starts) in enumerate(series.values):
        described.append(_point_said(label, value, level, starts, language))
        if value is None:
            continue
        fill = charts.BACKGROUND if starts else charts.CURRENT
        parts.append(f'<rect x="{page.left(at(i) - 5, 10):.1f}" y="{y(value) - 5:.1f}" '
                     f'width="10" height="10" fill="{fill}" stroke="{charts.CURRENT}" '
                     f'stroke-width="2"/>'
                     if starts else
                     f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="5" fill="{fill}"/>')
        parts.append(page.text(at(i), y(value) - 10, language.number(100 * value, 1),
                               anchor="middle", size=11, weight="600"))
    desc = language.pgettext("clause separator", "; ").join(described)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="trend" '
            f'aria-labelledby="{uid}-t {uid}-d" width="{width:.0f}" height="{height:.0f}" '
            f'viewBox="0 0 {width:.0f} {height:.0f}"><title id="{uid}-t">{escape(title)}</title>'
            f'<desc id="{uid}-d">{escape(desc)}</desc>{"".join(parts)}</svg>')


CSV_COLUMNS = ("pack", "as_of", "period", "pack_version", "scope", "score", "level",
               "comparable_with_previous", "why_not")


def render_trend(result: Trend, fmt: str, language: Language | None = None) -> bytes:
    """The trend as `html`, `md` or `csv`; HTML and Markdown in `language` (default
    English)."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for pack in result.packs:
            for position, point in enumerate(pack.points):
                head = (pack.pack, point.as_of, point.period, point.version)
                # The first period has no previous one: neither comparable nor not.
                comparable = "" if position == 0 else "no" if point.breaks else "yes"
                tail = (comparable, "; ".join(point.breaks))
                writer.writerow((*head, "index", repr(point.index), "", *tail))
                for dim in pack.dimensions:
                    if dim in point.dimensions:
                        score, level = point.dimensions[dim]
                        writer.writerow((*head, dim, repr(score), level, *tail))
        return out.getvalue().encode("utf-8")
    from maturity.i18n import Language
    from maturity.report import environment

    language = (language or Language.build("en")).fresh()
    env = environment(language)
    packs = []
    for number, pack in enumerate(result.packs):
        charts = []
        for i, series in enumerate(pack.series() if fmt == "html" else ()):
            # The first series is the index, named in the report's language.
            name = language.gettext("Index") if i == 0 else series.dimension
            title = language.gettext("%(pack)s: %(series)s") % {"pack": pack.title,
                                                                "series": name}
            charts.append((series.dimension,
                           _chart(f"t{number}-{i}", title, series, language)))
        packs.append({"pack": pack, "charts": charts})
    template = env.get_template("trend.html.j2" if fmt == "html" else "trend.md.j2")
    return template.render(result=result, packs=packs).encode("utf-8")
