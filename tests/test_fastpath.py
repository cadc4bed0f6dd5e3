"""The generated evaluator gives exactly the reference engine's outcomes and scores.

Packs here use every built-in operator, every combinator, `applies`, maximum evidence ages and a
plugin operator; evidence mixes every value type, wrong shapes at every depth, non-finite
numbers, unhashable list items, invalid and future dates and document references.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import StrictBool

from maturity.api import Session
from maturity.checks import BUILTIN_CHECK_TYPES, CheckCompiler, CheckType, EvalContext
from maturity.engine import evaluate
from maturity.errors import EvidenceError
from maturity.fastpath import NOT_APPLICABLE, FastRuleSet, FastScorer, verdict_status
from maturity.model import DocumentInfo, PackHeader, Rule, RulePack, Waiver
from maturity.ruleset import RuleSet, compile_rules
from maturity.scoring import BUILTIN_SCORING_MODELS, score_packs
from tests.conftest import EXAMPLES

KEYS = ("a", "b", "c", "x")
PATHS = ("a", "a.b", "a.b.c", "a.x", "b", "b.c", "c.a.b", "x.x")
OPTIONS = ("p", "q", "r", "s")
DOCS = ("doc-0.md", "doc-1.md", "doc-2.md", "gone.md")
HASH = "ab" * 32


def _even(flag: bool) -> Any:
    def test(value: Any, ctx: EvalContext, path: str) -> float:
        return 1.0 if isinstance(value, int) and value % 2 == 0 else 0.0

    return test


#: A plugin's operator: the fast path must hand it to its own closure.
EVEN = CheckType("even", StrictBool, _even, lambda v: "is even")
COMPILER = CheckCompiler([*BUILTIN_CHECK_TYPES, EVEN])

numbers = st.one_of(st.integers(-5, 120), st.floats(-5, 120, allow_nan=False))
scalars = st.one_of(st.booleans(), st.integers(-3, 3), st.floats(-3, 3, allow_nan=False),
                    st.sampled_from(OPTIONS))


@st.composite
def leaves(draw: st.DrawFn) -> dict[str, Any]:
    path = draw(st.sampled_from(PATHS))
    op = draw(st.sampled_from([
        "is", "in", "gt", "ge", "lt", "le", "between", "present", "non_empty", "min_items",
        "share_of", "choice", "within_days", "document", "graded", "linear", "even"]))
    param: Any
    if op == "is":
        param = draw(scalars)
    elif op == "in":
        param = draw(st.one_of(
            st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=3),
            st.lists(numbers, min_size=1, max_size=3),
            st.lists(scalars, min_size=1, max_size=3)))
    elif op in ("gt", "ge", "lt", "le"):
        param = draw(numbers)
    elif op in ("between", "linear"):
        low, high = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2,
                                         unique=True)))
        param = [high, low] if op == "linear" and draw(st.booleans()) else [low, high]
    elif op in ("present", "non_empty", "document", "even"):
        param = True
    elif op == "min_items":
        param = draw(st.integers(1, 3))
    elif op == "share_of":
        param = draw(st.lists(st.sampled_from(OPTIONS), min_size=1, unique=True))
    elif op == "choice":
        param = draw(st.dictionaries(st.sampled_from(OPTIONS),
                                     st.sampled_from([0, 0.25, 0.5, 1]), min_size=1))
    elif op == "within_days":
        param = draw(st.integers(1, 2000))
    else:
        thresholds = sorted(draw(st.lists(st.integers(0, 100), min_size=1, max_size=4,
                                          unique=True)))
        param = [[t, draw(st.sampled_from([0, 0.25, 0.5, 1.0]))] for t in thresholds]
    return {"path": path, op: param}


checks = st.recursive(
    leaves(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda cs: {"all": cs}),
        st.lists(children, min_size=1, max_size=3).map(lambda cs: {"any": cs}),
        children.map(lambda c: {"not": c}),
        st.lists(children, min_size=1, max_size=3).flatmap(
            lambda cs: st.integers(1, len(cs)).map(lambda n: {"at_least": {"n": n, "of": cs}})),
    ),
    max_leaves=5,
)


@st.composite
def packs(draw: st.DrawFn) -> RulePack:
    rules = []
    for i in range(draw(st.integers(1, 8))):
        rule: dict[str, Any] = {
            "id": f"R-{i:02d}", "title": "t", "rationale": "r",
            "dimension": draw(st.sampled_from(["d1", "d2"])),
            "facet": draw(st.sampled_from(["f1", "f2"])),
            "level": draw(st.integers(1, 5)),
            "weight": draw(st.floats(0.01, 10)),
            # The same check twice in a pack exercises the shared evaluation.
            "check": draw(checks),
            "remediation": {"action": "a", "effort": 1, "owner": "o"},
        }
        if draw(st.booleans()):
            rule["applies"] = {"when": draw(checks), "reason": "why"}
        if draw(st.booleans()):
            rule["max_evidence_age_days"] = draw(st.integers(1, 1500))
        rules.append(Rule.model_validate(rule))
    if len(rules) > 1 and draw(st.booleans()):
        rules.append(rules[0].model_copy(update={"id": "R-copy"}))
    header = PackHeader.model_validate({
        "id": "gen", "version": "1", "title": "gen", "source": "hypothesis",
        "dimensions": [{"id": "d1", "name": "d1"}, {"id": "d2", "name": "d2"}],
        "facets": [{"id": "f1", "name": "f1"}, {"id": "f2", "name": "f2"}],
    })
    return RulePack(header=header, rules=tuple(rules), sha256="0" * 64, origin="test")


values = st.one_of(
    st.none(),
    scalars,
    st.integers(-(2**62), 2**62),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "  ", "2026-01-05", "2019-12-31", "2027-03-01", "2026-13-01",
                     "2026-W04-1", "yes"]),
    st.dates(dt.date(2015, 1, 1), dt.date(2028, 1, 1)),
    st.datetimes(dt.datetime(2020, 1, 1), dt.datetime(2027, 1, 1)),
    st.lists(st.one_of(st.sampled_from([*OPTIONS, "other"]), st.integers(0, 3)), max_size=5),
    st.lists(st.sampled_from(OPTIONS), max_size=4, unique=True),
    st.just([{"unhashable": 1}]),
    st.fixed_dictionaries({"document": st.sampled_from(DOCS)},
                          optional={"sha256": st.sampled_from([HASH, "cd" * 32])}),
)

trees = st.recursive(
    st.dictionaries(st.sampled_from(KEYS), values, max_size=4),
    lambda inner: st.dictionaries(st.sampled_from(KEYS), st.one_of(values, inner), max_size=4),
    max_leaves=12,
)

def _leaves_of(check: dict[str, Any]) -> list[tuple[str, str]]:
    if "path" in check:
        return [(check["path"], next(k for k in check if k != "path"))]
    if "not" in check:
        return _leaves_of(check["not"])
    if "at_least" in check:
        return [leaf for part in check["at_least"]["of"] for leaf in _leaves_of(part)]
    return [leaf for part in next(iter(check.values())) for leaf in _leaves_of(part)]


def _typed(operator: str) -> st.SearchStrategy[Any]:
    """Values of the kind an operator reads (mostly well-typed, so the inline code runs)."""
    days = st.dates(dt.date(2019, 1, 1), dt.date(2027, 6, 30))
    return {
        "is": scalars, "in": st.one_of(st.sampled_from(OPTIONS), numbers),
        "present": values, "non_empty": st.one_of(st.sampled_from(["", " ", "x", 0]),
                                                 st.lists(st.none(), max_size=1),
                                                 st.dictionaries(st.just("k"), st.none())),
        "min_items": st.lists(st.integers(), max_size=4),
        "share_of": st.one_of(st.lists(st.sampled_from(OPTIONS), unique=True),
                              st.lists(st.sampled_from([*OPTIONS, "other"]), max_size=5)),
        "choice": st.sampled_from([*OPTIONS, "zz"]),
        "within_days": st.one_of(days, days.map(dt.date.isoformat)),
        "document": st.fixed_dictionaries(
            {"document": st.sampled_from(DOCS)},
            optional={"sha256": st.sampled_from([HASH, "cd" * 32])}),
        "even": st.integers(0, 9),
    }.get(operator, st.one_of(numbers, st.integers(2**53, 2**62), st.floats()))


@st.composite
def evidence_for(draw: st.DrawFn, pack: RulePack) -> dict[str, Any]:
    """A random tree, then well-typed values at most of the paths the pack's checks read."""
    tree: dict[str, Any] = draw(trees)
    for rule in pack.rules:
        checks_ = [rule.check, *([rule.applies.when] if rule.applies else [])]
        for path, operator in (leaf for c in checks_ for leaf in _leaves_of(c)):
            if draw(st.integers(0, 3)) == 0:
                continue
            *parents, last = path.split(".")
            node = tree
            for key in parents:
                if not isinstance(node.get(key), dict):
                    node[key] = {}
                node = node[key]
            node[last] = draw(_typed(operator))
    return tree


documents = st.fixed_dictionaries({
    name: st.builds(DocumentInfo, st.just(name), st.sampled_from([HASH, None]), st.just(1),
                    st.none(), st.one_of(st.none(), st.dates(dt.date(2018, 1, 1),
                                                             dt.date(2027, 1, 1))))
    for name in DOCS[:3]
})
as_of_dates = st.one_of(st.dates(dt.date(2020, 1, 1), dt.date(2027, 12, 31)),
                        st.just(dt.date(1, 1, 5)))


def _fast(pack: RulePack) -> tuple[RuleSet, FastRuleSet]:
    rules = compile_rules([pack], COMPILER)
    return rules, FastRuleSet(rules, COMPILER)


def _same(fast: Callable[[], Any], reference: Callable[[], Any]) -> None:
    """The same result, or the same error (a maximum evidence age before year 1 overflows; a
    document collected after the assessment date is refused)."""
    try:
        expected = reference()
    except (OverflowError, EvidenceError) as exc:
        with pytest.raises(type(exc)):
            fast()
        return
    assert fast() == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packs(), st.data(), as_of_dates, documents)
def test_fast_outcomes_are_the_reference_outcomes(
    pack: RulePack, draw: st.DataObject, as_of: dt.date, docs: dict[str, DocumentInfo]
) -> None:
    data = draw.draw(evidence_for(pack))
    rules, fast = _fast(pack)
    _same(lambda: fast.outcomes(data, as_of, docs), lambda: evaluate(rules, data, as_of, docs))
    _same(lambda: [verdict_status(v) for v in fast.verdicts(data, EvalContext(as_of, docs))],
          lambda: [(o.status, o.credit) for o in evaluate(rules, data, as_of, docs)])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packs(), st.data(), as_of_dates, documents, st.sampled_from(BUILTIN_SCORING_MODELS),
       st.sampled_from([0.5, 0.75, 1.0]))
def test_fast_scores_are_the_reference_scores(
    pack: RulePack, draw: st.DataObject, as_of: dt.date, docs: dict[str, DocumentInfo],
    model: Any, threshold: float,
) -> None:
    data = draw.draw(evidence_for(pack))
    rules, fast = _fast(pack)
    scorer = FastScorer(rules, model, threshold)
    _same(lambda: scorer.score(fast.verdicts(data, EvalContext(as_of, docs))),
          lambda: score_packs(rules.packs, evaluate(rules, data, as_of, docs), model,
                              level_threshold=threshold))
    _same(lambda: scorer.summary(fast.verdicts(data, EvalContext(as_of, docs))),
          lambda: {p: (s.index, tuple((d.id, d.score, d.level) for d in s.dimensions.values()))
                   for p, s in score_packs(rules.packs, evaluate(rules, data, as_of, docs), model,
                                           level_threshold=threshold).items()})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packs(), st.data(), as_of_dates, documents, st.sampled_from([0.5, 0.75, 1.0]))
def test_one_scorer_over_many_bundles_gives_the_reference_scores(
    pack: RulePack, draw: st.DataObject, as_of: dt.date, docs: dict[str, DocumentInfo],
    threshold: float,
) -> None:
    """A batch scores every bundle with one scorer, which keeps each pattern of left-out
    rules it has met (here at most two, so patterns are also dropped and computed again)."""
    rules, fast = _fast(pack)
    model = BUILTIN_SCORING_MODELS[0]
    scorer = FastScorer(rules, model, threshold)
    scorer.KEPT = 2
    for data in draw.draw(st.lists(evidence_for(pack), min_size=1, max_size=6)):
        def reference(data: dict[str, Any] = data) -> dict[str, Any]:
            return score_packs(rules.packs, evaluate(rules, data, as_of, docs), model,
                               level_threshold=threshold)

        def verdicts(data: dict[str, Any] = data) -> Any:
            return fast.verdicts(data, EvalContext(as_of, docs))

        _same(lambda: scorer.score(verdicts()), reference)
        _same(lambda: scorer.summary(verdicts()),
              lambda: {p: (s.index, tuple((d.id, d.score, d.level)
                                          for d in s.dimensions.values()))
                       for p, s in reference().items()})


def test_scores_are_summed_in_order_as_the_reference_sums_them() -> None:
    """From Python 3.12 `sum` compensates rounding; the reference adds one after the other,
    and so must the fast scorer, to the last bit."""
    from maturity.scoring import ScoredRule, weighted_credit
    from maturity.scoring import sequential_sum as _sum

    credits = [0.1] * 10
    rules = [ScoredRule(f"R-{i}", "d", None, 1, 1.0, c) for i, c in enumerate(credits)]
    assert _sum(credits) == 0.9999999999999999  # not 1.0, which compensated summing gives
    assert _sum(credits) / 10 == weighted_credit(rules)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packs(), st.data())
def test_waivers_and_declarations_give_the_reference_outcomes(
    pack: RulePack, draw: st.DataObject
) -> None:
    data = draw.draw(evidence_for(pack))
    rules, fast = _fast(pack)
    as_of = dt.date(2026, 6, 30)
    ids = [c.id for c in rules.rules]
    waived = draw.draw(st.lists(st.sampled_from(ids), unique=True))
    waivers = {rule: Waiver(rule=rule, justification="j", approver="a", risk="low",
                            granted=dt.date(2026, 1, 1),
                            expires=draw.draw(st.sampled_from([dt.date(2026, 3, 1),
                                                               dt.date(2027, 1, 1)])))
               for rule in waived}
    declared = {rule: "not ours" for rule in draw.draw(st.lists(st.sampled_from(ids),
                                                                unique=True))}
    assert fast.outcomes(data, as_of, None, waivers, declared) == evaluate(
        rules, data, as_of, None, waivers, declared)


def _as_json(value: Any) -> Any:
    """The evidence as JSON can hold it: dates as text, no infinity or NaN."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    if isinstance(value, float) and not math.isfinite(value):
        return 0.5
    return value


HEADER = ("organisation", "assessment")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(packs(), st.data(), as_of_dates, documents,
       st.sampled_from([{}, {"organisation": {"id": "o"}}, {"organisation": None},
                        {"assessment": "2026"}]))
def test_json_text_gives_the_reference_outcomes(
    pack: RulePack, draw: st.DataObject, as_of: dt.date, docs: dict[str, DocumentInfo],
    header: dict[str, Any],
) -> None:
    data = _as_json(draw.draw(evidence_for(pack)))
    tree = {**header, **data}
    text = json.dumps(tree).encode()
    rules, fast = _fast(pack)
    reader = fast.json_reader(HEADER)
    found, evidence = reader.read(text)
    assert found == {k: tree[k] for k in HEADER if k in tree}

    def ctx() -> EvalContext:  # built in each run: a late document refuses the context
        return EvalContext(as_of, docs)

    _same(lambda: [verdict_status(v) for v in reader.verdicts(evidence, ctx())],
          lambda: [(o.status, o.credit) for o in evaluate(rules, tree, as_of, docs)])
    # Without header keys the header tables are skipped but for what the rules read.
    headerless = fast.json_reader()
    _same(lambda: [verdict_status(v) for v in headerless.verdicts_json(text, ctx())],
          lambda: [(o.status, o.credit) for o in evaluate(rules, tree, as_of, docs)])


def _pack_of(checks: list[tuple[dict[str, Any], dict[str, Any]]]) -> RulePack:
    """A one-dimension pack with a rule `R<i>` per (check, other rule keys)."""
    return RulePack(
        header=PackHeader.model_validate({
            "id": "p", "version": "1", "title": "t", "source": "s",
            "dimensions": [{"id": "d", "name": "d"}]}),
        rules=tuple(Rule.model_validate({
            "id": f"R{i}", "title": "t", "rationale": "r", "dimension": "d", "level": 1,
            "check": check, "remediation": {"action": "a", "effort": 1, "owner": "o"}, **extra})
            for i, (check, extra) in enumerate(checks)),
        sha256="0" * 64, origin="test")


def test_a_reader_without_header_keys_reads_what_rules_read_of_the_header() -> None:
    """Built without header keys, the reader decodes the header tables as any others: only
    the keys the rules read (`organisation.delivers_services` in an `applies`, say)."""
    rules, fast = _fast(_pack_of([
        ({"path": "a.x", "is": True},
         {"applies": {"when": {"path": "organisation.delivers_services", "is": True},
                      "reason": "no services"}}),
        ({"path": "organisation.kind", "is": "ministry"}, {}),
        ({"path": "assessment.period", "present": True}, {})]))
    as_of = dt.date(2026, 6, 30)
    ctx = EvalContext(as_of, {})
    headers: list[dict[str, Any]] = [
        {},
        {"organisation": {"id": "o", "kind": "ministry", "name": "n", "delivers_services": True},
         "assessment": {"as_of": "2026-06-30", "period": "2026"},
         "submission": {"by": "x", "on": "2026-06-01"}},
        {"organisation": {"kind": "agency", "delivers_services": False}},
        {"organisation": None, "assessment": []},
        {"organisation": "o"},
    ]
    for header in headers:
        tree = {**header, "a": {"x": True}}
        text = json.dumps(tree).encode()
        expected = [(o.status, o.credit) for o in evaluate(rules, tree, as_of, {})]
        for reader in (fast.json_reader(), fast.json_reader(HEADER)):
            assert [verdict_status(v) for v in reader.verdicts_json(text, ctx)] == expected
    # The header tables are structs of what the rules read in the first reader, dicts
    # (read with `get`) in the second.
    assert ".get(" not in fast.json_reader().source
    assert fast.json_reader(HEADER).source.count(".get(") == 3


def test_json_bundles_the_structs_do_not_fit_are_read_as_dicts() -> None:
    checks: list[dict[str, Any]] = [
        {"path": "a.b.c", "ge": 2}, {"path": "a.x", "is": True}, {"path": "t", "present": True},
        {"path": "t.u", "is": "v"}, {"path": "a.l", "share_of": ["x", "y"]},
        {"path": "a.d", "within_days": 30}, {"path": "a.doc", "document": True}]
    rules, fast = _fast(_pack_of([(check, {}) for check in checks]))
    reader = fast.json_reader()
    ctx = EvalContext(dt.date(2026, 6, 30), {})
    cases: list[tuple[dict[str, Any], int]] = [
        ({"a": {"b": {"c": 3}, "x": True, "other": [1]}, "t": {"u": "v"}}, 0),
        ({"a": {"x": False}, "t": None, "zz": {"deep": {"er": 1}}}, 0),  # missing tables
        ({"a": {"b": "not a table"}}, 0),  # the structs refuse it: parsed as dicts
        ({"a": {"b": None}, "t": []}, 0),
        # A number read only by numeric checks is decoded as a float, and a list read only
        # by `share_of` as strings: what does not fit is parsed as dicts.
        ({"a": {"b": {"c": 10**400}}}, 0),
        ({"a": {"b": {"c": 3}, "l": ["x", "x", "z"]}}, 0),
        ({"a": {"l": ["x", 1]}}, 0),
        ({"a": {"l": "x"}}, 0),
        ({"a": {"d": "not-a-date"}}, 1),  # a text that is no date raises in the code
        # A table read only by `document` is decoded as a reference; one the test would
        # report is read again as dicts, so that the error names the table found.
        ({"a": {"doc": {"document": "d.md", "sha256": "ab", "extra": [1]}}}, 0),
        ({"a": {"doc": "d.md"}}, 0),
        ({"a": {"doc": {"document": 3}}}, 1),
        ({"a": {"doc": {"sha256": "ab"}}}, 1),
    ]
    for tree, redone in cases:
        text = json.dumps(tree).encode()
        before = reader.redone

        def fast_statuses(text: bytes = text) -> list[Any]:
            return [verdict_status(v) for v in reader.verdicts_json(text, ctx)]

        def reference_statuses(tree: dict[str, Any] = tree) -> list[tuple[Any, float]]:
            return [(o.status, o.credit) for o in evaluate(rules, tree, ctx.as_of)]

        _same(fast_statuses, reference_statuses)
        assert reader.redone - before == redone


def test_examples_with_the_builtin_packs(session: Session, builtin_rules: RuleSet) -> None:
    fast = FastRuleSet(builtin_rules, session.compiler)
    model = session.scoring_model("oecd-dgi")
    scorer = FastScorer(builtin_rules, model)
    for bundle_dir in sorted(EXAMPLES.iterdir()):
        bundle = session.load_evidence(bundle_dir)
        assert bundle.as_of is not None
        reference = evaluate(builtin_rules, bundle.data, bundle.as_of, bundle.documents)
        assert fast.outcomes(bundle.data, bundle.as_of, bundle.documents) == reference
        verdicts = fast.verdicts(bundle.data, EvalContext(bundle.as_of, bundle.documents))
        assert scorer.score(verdicts) == score_packs(builtin_rules.packs, reference, model)
    assert fast.fallbacks == 0


def test_no_pack_text_reaches_the_generated_source() -> None:
    marker = "zz'); import os  #"
    pack = RulePack(
        header=PackHeader.model_validate({
            "id": "p", "version": "1", "title": "t", "source": "s",
            "dimensions": [{"id": "d", "name": "d"}]}),
        rules=(Rule.model_validate({
            "id": "R", "title": "t", "rationale": "r", "dimension": "d", "level": 1,
            "check": {"any": [{"path": "secret_key.inner", "is": marker},
                              {"path": "other", "share_of": [marker, "opt"]},
                              {"path": "n", "choice": {marker: 1}}]},
            "remediation": {"action": "a", "effort": 1, "owner": "o"}}),),
        sha256="0" * 64, origin="test")
    _rules, fast = _fast(pack)
    assert marker not in fast.source
    assert "secret_key" not in fast.source and "opt" not in fast.source
    verdicts = fast.verdicts({"secret_key": {"inner": marker}}, EvalContext(dt.date.today(), {}))
    assert verdicts == [1.0]


def test_values_the_inline_code_does_not_handle_go_the_reference_way() -> None:
    pack = RulePack(
        header=PackHeader.model_validate({
            "id": "p", "version": "1", "title": "t", "source": "s",
            "dimensions": [{"id": "d", "name": "d"}]}),
        rules=(
            Rule.model_validate({
                "id": "R1", "title": "t", "rationale": "r", "dimension": "d", "level": 1,
                "check": {"path": "a", "share_of": ["p", "q"]},
                "remediation": {"action": "a", "effort": 1, "owner": "o"}}),
            Rule.model_validate({
                "id": "R2", "title": "t", "rationale": "r", "dimension": "d", "level": 1,
                "applies": {"when": {"path": "b", "is": True}, "reason": "r"},
                "check": {"path": "c", "within_days": 30},
                "remediation": {"action": "a", "effort": 1, "owner": "o"}})),
        sha256="0" * 64, origin="test")
    rules, fast = _fast(pack)
    ctx = EvalContext(dt.date(2026, 6, 30), {})
    assert fast.verdicts({"a": ["p"], "b": False, "c": "2026-06-01"}, ctx) == [
        0.5, NOT_APPLICABLE]
    assert fast.fallbacks == 0
    for data in ({"a": [["p"]], "b": True}, {"a": ["p"], "b": True, "c": "2026-02-30"}):
        reference = evaluate(rules, data, ctx.as_of)
        assert fast.outcomes(data, ctx.as_of) == reference
    assert fast.fallbacks == 2


@pytest.mark.parametrize("size", [100, 500])
def test_the_benchmark_pack_never_falls_back(tmp_path: Path, session: Session,
                                              size: int) -> None:
    from benchmarks import synthetic

    rules, _ = session.load_rules(pack_dirs=[synthetic.write_pack(tmp_path / "pack", size)])
    fast = FastRuleSet(rules, session.compiler)
    ctx = EvalContext(synthetic.AS_OF, synthetic.DOCUMENTS)
    for index in range(40):
        data = synthetic.bundle(index)
        assert fast.outcomes(data, ctx.as_of, ctx.documents) == evaluate(
            rules, data, ctx.as_of, ctx.documents)
    assert fast.fallbacks == 0


def test_date_boundaries_and_stale_partial_credit() -> None:
    def rule(rule_id: str, check: dict[str, Any], **extra: Any) -> Rule:
        return Rule.model_validate({
            "id": rule_id, "title": "t", "rationale": "r", "dimension": "d", "level": 1,
            "check": check, "remediation": {"action": "a", "effort": 1, "owner": "o"}, **extra})

    pack = RulePack(
        header=PackHeader.model_validate({
            "id": "p", "version": "1", "title": "t", "source": "s",
            "dimensions": [{"id": "d", "name": "d"}]}),
        rules=(
            rule("R1", {"path": "day", "within_days": 30}),
            rule("R2", {"all": [{"path": "doc", "document": True},
                                {"path": "n", "linear": [0, 100]}]},
                 max_evidence_age_days=10),
        ),
        sha256="0" * 64, origin="test")
    rules, fast = _fast(pack)
    as_of = dt.date(2026, 6, 30)
    docs = {"d.md": DocumentInfo("d.md", HASH, 1, None, as_of - dt.timedelta(days=11))}
    for days in (29, 30, 31):
        data = {"day": (as_of - dt.timedelta(days=days)).isoformat(),
                "doc": {"document": "d.md"}, "n": 40}
        outcomes = fast.outcomes(data, as_of, docs)
        assert outcomes == evaluate(rules, data, as_of, docs)
        assert outcomes[0].credit == (1.0 if days <= 30 else 0.0)
        assert outcomes[1].status.value == "stale"
        verdicts = fast.verdicts(data, EvalContext(as_of, docs))
        assert [verdict_status(v) for v in verdicts] == [(o.status, o.credit) for o in outcomes]
