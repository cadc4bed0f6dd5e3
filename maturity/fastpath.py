"""Rule sets compiled into one generated Python function, for national batches (pure).

The reference evaluator (the closures of `maturity.checks`, driven by `maturity.engine`) walks
every key path and builds an explained `Outcome` for every rule. A batch of 10^5 bundles first
needs far less: each rule's *verdict* (its credit, or why it has none). `FastRuleSet` turns a
compiled `RuleSet` into one generated function that

- reads each evidence key once (rules sharing a path, or a prefix of it, share the lookup),
- evaluates identical checks once (two rules with the same `applies` share one result),
- handles the common, well-typed cases of the built-in operators inline, and
- hands every other value to the operator's own test (what the leaf's reference closure
  calls on it), a table that is not a table to the reference for the whole bundle, and every
  combinator whose parts are not all credits to the combinator's own rule over its parts'
  results (`maturity.checks.all_of`, `any_of`, `at_least_of`).

So a verdict is the reference result by construction, not by imitation; a hypothesis property
in `tests/test_fastpath.py` checks it on generated packs and evidence. The one difference is
that every part of a check is evaluated (the closures stop early): this can only matter for a
value the loaders' limits already refuse, such as an integer too large for a float.

The function is written for CPython 3.11's specialising interpreter: each value is read where
first needed, verdicts join the returned list 30 at a time, and locals never live at once share
a slot (`_compact`), so 500 rules stay under 256 locals; pack values are code constants. An
instruction whose operand needs a second byte would run unspecialised.

Security: the generated source holds only names chosen here (`n3`, `r7`, `k12`) and operators
from a fixed table. Every value that comes from a pack (keys, thresholds, options, credits) is
bound to a name (`k12`), which becomes a constant of the compiled code (put into its constants
after compiling); no text from a pack or from evidence is ever placed in the source.

`JsonReader` (`FastRuleSet.json_reader`) runs the same generated checks on JSON text decoded
by msgspec into structs of only the key paths the rules read; a value only built-in checks
read is decoded narrower (`_narrowed`: numbers as floats, `share_of` lists as strings,
document references as structs), and what the narrower type cannot hold is read as dicts.

`FastScorer` turns verdicts into the same `PackScore`s as `maturity.scoring.score_packs`, with
the default `oecd-dgi` model computed from precomputed index groups (every float summed in the
same order, so the results are equal to the last bit); other models go through `score_pack`.
"""

from __future__ import annotations

import builtins
import datetime as dt
import functools
import heapq
import itertools
import re
import types
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import is_, itemgetter
from typing import Any, Final, NamedTuple, cast

from pydantic import TypeAdapter

# The reference combinators, run over precomputed results so the slow path cannot drift.
from maturity.checks import (
    BUILTIN_CHECK_TYPES,
    BadShape,
    CheckCompiler,
    CheckType,
    EvalContext,
    Missing,
    Result,
    ValueTest,
    all_of,
    any_of,
    at_least_of,
)
from maturity.engine import (
    evaluate_rule,
    not_applicable_outcome,
    outcome_from_result,
    stale_documents,
)
from maturity.model import DocumentInfo, Outcome, OutcomeStatus, RulePack, Waiver
from maturity.ruleset import CompiledRule, RuleSet
from maturity.scoring import (
    BUILTIN_SCORING_MODELS,
    LEVEL_TOLERANCE,
    DimensionScore,
    PackScore,
    ScoredRule,
    ScoringModel,
    reaches_level,
    score_pack,
    sequential_sum,
)

__all__ = [
    "NOT_APPLICABLE",
    "FastRuleSet",
    "FastScorer",
    "JsonReader",
    "NotApplicable",
    "Stale",
    "Verdict",
    "counted_credits",
    "verdict_status",
]


class NotApplicable:
    """The verdict of a rule whose `applies` condition does not hold."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_APPLICABLE"


NOT_APPLICABLE: Final = NotApplicable()


@dataclass(frozen=True, slots=True)
class Stale:
    """The verdict of a rule that passed on documents older than its maximum evidence age."""

    credit: float


#: One rule's verdict: its credit, or why it has none.
Verdict = float | Missing | BadShape | NotApplicable | Stale


def verdict_status(verdict: Verdict) -> tuple[OutcomeStatus, float]:
    """The status and credit the reference engine gives a rule with this verdict."""
    if isinstance(verdict, float):
        if verdict >= 1.0:
            return OutcomeStatus.PASS, verdict
        if verdict <= 0.0:
            return OutcomeStatus.FAIL, verdict
        return OutcomeStatus.PARTIAL, verdict
    if isinstance(verdict, Missing):
        return OutcomeStatus.NOT_ASSESSED, 0.0
    if isinstance(verdict, BadShape):
        return OutcomeStatus.ERROR, 0.0
    if isinstance(verdict, Stale):
        return OutcomeStatus.STALE, 0.0
    return OutcomeStatus.NOT_APPLICABLE, 0.0


def _counted(verdict: Verdict) -> float | None:
    if isinstance(verdict, float):
        return verdict
    return None if verdict is NOT_APPLICABLE else 0.0


def counted_credits(verdicts: Sequence[Verdict]) -> list[float | None]:
    """What scoring counts for each verdict: its credit, 0 without one, None if left out."""
    return [v if v.__class__ is float else _counted(v) for v in verdicts]


_BUILTIN: Final = {t.operator: t for t in BUILTIN_CHECK_TYPES}
_ADAPTERS: dict[str, TypeAdapter[Any]] = {}
_COMPARISONS: Final = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}

#: How the JSON reader may decode a value read only by these operators (see `_narrowed`).
NUMBER: Final = "number"
TEXT_LIST: Final = "text-list"
DOCUMENT: Final = "document"
_NUMERIC: Final = frozenset({"gt", "ge", "lt", "le", "between", "graded", "linear"})


def _params(check_type: CheckType, raw: Any) -> Any:
    adapter = _ADAPTERS.get(check_type.operator)
    if adapter is None:
        adapter = _ADAPTERS[check_type.operator] = TypeAdapter(check_type.params)
    return adapter.validate_python(raw)


def _freeze(value: Any) -> Hashable:
    """A hashable key for a parameter that keeps types apart (`true` is not `1`)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return ("list", tuple(_freeze(v) for v in value))
    return (type(value).__name__, value)


def _floor(as_of: dt.date, span: dt.timedelta) -> dt.date:
    """The oldest date within `span` of `as_of` (any date counts when that is before year 1)."""
    try:
        return as_of - span
    except OverflowError:
        return dt.date.min


class _StaleProbe:
    __slots__ = ("compiled",)

    def __init__(self, compiled: CompiledRule) -> None:
        self.compiled = compiled

    def __call__(self, result: Result, data: Mapping[str, Any], ctx: EvalContext) -> Verdict:
        # Only a passing or partial result can be stale (as in `outcome_from_result`).
        if isinstance(result, float) and not result <= 0.0 and stale_documents(
                self.compiled, data, ctx):
            return Stale(result)
        return result


class _Floors:
    """The oldest dates within each span of an assessment date, cached by date (bounded)."""

    __slots__ = ("cache", "spans")

    def __init__(self, spans: tuple[tuple[int, bool], ...]) -> None:
        #: (span, whether a span reaching before year 1 raises, as `stale_documents` does).
        self.spans = tuple((dt.timedelta(days=days), exact) for days, exact in spans)
        self.cache: dict[dt.date, tuple[dt.date, ...]] = {}

    def fill(self, as_of: dt.date) -> tuple[dt.date, ...]:
        if len(self.cache) >= 64:
            self.cache.clear()
        floors = self.cache[as_of] = tuple(
            as_of - span if exact else _floor(as_of, span) for span, exact in self.spans)
        return floors


class _Dates:
    """Texts read as dates, cached (bounded): a batch holds the same few dates many times."""

    __slots__ = ("cache",)

    def __init__(self) -> None:
        self.cache: dict[str, dt.date] = {}

    def parse(self, text: str) -> dt.date | None:
        """The date a text of ten characters gives (as the reference reads it), else None;
        raises for a text of ten characters that is no date."""
        if len(text) != 10:
            return None
        if len(self.cache) >= 4096:
            self.cache.clear()
        date = self.cache[text] = dt.date.fromisoformat(text)
        return date


class _StaleScan:
    """`stale_documents` on the values the generated code has already read (same test)."""

    __slots__ = ("span",)

    def __init__(self, days: int) -> None:
        self.span = dt.timedelta(days=days)

    def __call__(self, result: Result, values: tuple[Any, ...], ctx: EvalContext) -> Verdict:
        if not isinstance(result, float) or result <= 0.0:
            return result
        oldest = ctx.as_of - self.span
        for value in values:
            if isinstance(value, dict) and isinstance(value.get("document"), str):
                info = ctx.documents.get(value["document"])
                if info is not None and (info.collected is None or info.collected < oldest):
                    return Stale(result)
        return result


class _Source:
    """Builds the generated function's source and the constants it binds."""

    def __init__(self, compiler: CheckCompiler, json: bool = False,
                 typed: Mapping[tuple[str, ...], str] | None = None) -> None:
        self.compiler = compiler
        #: Evidence decoded from JSON: numbers are finite, dates are text.
        self.json = json
        #: Key paths the JSON reader decodes into a narrower type (`NUMBER`: every JSON
        #: number is a float; `TEXT_LIST`: a list holds strings only; `DOCUMENT`: a table is a
        #: `DocumentRef`).
        self.typed: Mapping[tuple[str, ...], str] = typed or {}
        #: The type of each local read from a typed path.
        self.kinds: dict[str, str] = {}
        #: The operators reading each value's key path ("*" for a plugin's test).
        self.operators: dict[tuple[str, ...], set[str]] = {}
        self.names: list[str] = []
        self.values: list[Any] = []
        self.nodes: dict[tuple[bool, tuple[str, ...]], str] = {}
        #: Every read of the evidence, parents first: (local, read as a table, key path).
        self.reads: list[tuple[str, bool, tuple[str, ...]]] = []
        self.lines: list[str] = []
        self.memo: dict[Hashable, str] = {}
        #: Results that are floats, Missing or BadShape (built-in operators and combinators
        #: of such results).
        self.pure: set[str] = set()
        self.floors: dict[tuple[int, bool], str] = {}
        self.dates: dict[str, str] = {}
        self.parsed = _Dates()
        self.flags: dict[str, str] = {}
        self.bound: dict[Hashable, str] = {}
        self.locals: set[str] = set()
        #: The locals holding verdicts not yet added to the returned list.
        self.pending: list[str] = []
        self.listed = False
        self._counter = itertools.count()

    def fresh(self, prefix: str) -> str:
        """A new local's name (`compact` later gives locals that are never live together
        the same slot)."""
        name = f"{prefix}{next(self._counter)}"
        self.locals.add(name)
        return name

    def bind(self, value: Any, key: Hashable | None = None) -> str:
        """A name for a constant, bound in the function's namespace (never written into the
        source)."""
        if key is not None and key in self.bound:
            return self.bound[key]
        name = f"k{len(self.values)}"
        self.names.append(name)
        self.values.append(value)
        if key is not None:
            self.bound[key] = name
        return name

    def node(self, keys: tuple[str, ...]) -> str:
        """The local holding the value at `keys`, None if it is missing."""
        return self._read(keys, table=False)

    def _read(self, keys: tuple[str, ...], table: bool) -> str:
        # A table on the way to a value reads as an empty table when missing (so its keys are
        # missing too, as `lookup` has it); a table that is not a dict has no `get`, and the
        # AttributeError sends the whole bundle the reference way, which reports the shape.
        found = self.nodes.get((table, keys))
        if found is not None:
            return found
        if len(keys) > 1:
            self._read(keys[:-1], table=True)
        name = self.fresh("t" if table else "n")
        # The read itself is written where it is first needed (`source` fills it in).
        self.lines.append(f"{_MARK}{len(self.reads)}")
        self.reads.append((name, table, keys))
        self.nodes[(table, keys)] = name
        if not table and keys in self.typed:
            self.kinds[name] = self.typed[keys]
        return name

    def dict_reads(self) -> list[str]:
        """The lines reading every value from a tree of dicts (as the parsers give it)."""
        lines = []
        for name, table, keys in self.reads:
            key = self.bind(keys[-1], ("key", keys[-1]))
            parent = "data" if len(keys) == 1 else self.nodes[(True, keys[:-1])]
            default = f", {self.bind({}, 'empty')}" if table else ""
            lines.append(f"{name} = {parent}.get({key}{default})")
        return lines

    def struct_reads(self, structs: Mapping[tuple[str, ...], Mapping[str, str]]) -> list[str]:
        """The lines reading every value from decoded structs: `structs` maps the key path of
        each table decoded as a struct (the root is `()`) to its keys' attribute names; other
        tables are dicts."""
        lines = []
        empty = self.bind({}, "empty")
        for name, table, keys in self.reads:
            parent = "data" if len(keys) == 1 else self.nodes[(True, keys[:-1])]
            attributes = structs.get(keys[:-1])
            if attributes is None:
                key = self.bind(keys[-1], ("key", keys[-1]))
                default = f", {empty}" if table else ""
                lines.append(f"{name} = {parent}.get({key}{default})")
            elif table and keys not in structs:
                # A table also read as a value is a dict, or None when missing.
                lines.append(f"{name} = {empty} if ({name} := {parent}.{attributes[keys[-1]]}) "
                             f"is None else {name}")
            else:
                lines.append(f"{name} = {parent}.{attributes[keys[-1]]}")
        return lines

    def floor(self, days: int, exact: bool = False) -> str:
        """The local holding the oldest date within `days` of the assessment date; `exact`:
        the code raises (and the bundle goes the reference way) when that is before year 1."""
        name = self.floors.get((days, exact))
        if name is None:
            name = self.floors[(days, exact)] = self.fresh("f")
        return name

    def _floors(self) -> list[str]:
        # Every floor at once, cached by assessment date (a batch has one or a few).
        if not self.floors:
            return []
        floors = _Floors(tuple(self.floors))
        cache, fill = self.bind(floors.cache), self.bind(floors.fill)
        names = ", ".join(self.floors.values())
        return [f"floors = {cache}.get(as_of)", "if floors is None:",
                f"    floors = {fill}(as_of)", f"{names}, = floors"]

    def date(self, value: str) -> str:
        """The local holding a node's value as a date (parsed once), or None."""
        name = self.dates.get(value)
        if name is None:
            cached = self.bind(self.parsed.cache, "dates")
            parse = self.bind(self.parsed.parse, "parse")
            date = self.bind(dt.date, "date")
            name = self.dates[value] = self.fresh("d")
            # A text that is not a date raises: the bundle then goes the reference way.
            other = "None" if self.json else f"({value} if {value}.__class__ is {date} else None)"
            self.lines.append(
                f"{name} = ({cached}.get({value}) or {parse}({value})) "
                f"if {value}.__class__ is str else {other}")
        return name

    def document_of(self, value: str, found: str) -> str:
        """A test that the local `value` is a document reference, binding its path (text) to
        the local `found`."""
        if self.kinds.get(value) == DOCUMENT:
            doc = self.bind(document_ref_struct(), "DocumentRef")
            return (f"({value}.__class__ is {doc} and "
                    f"({found} := {value}.document).__class__ is str)")
        name = self.bind("document", ("key", "document"))
        return f"({value}.__class__ is dict and ({found} := {value}.get({name})).__class__ is str)"

    def check(self, spec: dict[str, Any]) -> tuple[str, Hashable]:
        """Emit a check; returns the local holding its result and its memo key."""
        operator = next(k for k in spec if k != "path")
        if operator in ("all", "any", "at_least", "not"):
            return self._combinator(operator, spec[operator])
        return self._leaf(operator, spec)

    def _combinator(self, operator: str, raw: Any) -> tuple[str, Hashable]:
        n = 0
        if operator == "at_least":
            n, raw = raw["n"], raw["of"]
        parts = [raw] if operator == "not" else list(raw)
        children = [self.check(part) for part in parts]
        memo_key = (operator, n, tuple(key for _var, key in children))
        if memo_key in self.memo:
            return self.memo[memo_key], memo_key
        names = [var for var, _key in children]
        result = self.fresh("r")
        floats = " and ".join(f"{v}.__class__ is float" for v in names)
        tup = "(" + ", ".join(names) + ",)"
        joined = ", ".join(names)
        # Whenever a part is not a plain float, the reference combinator decides, over the
        # parts' results (`maturity.checks.all_of` and the others).
        ref = self.bind({"all": all_of, "any": any_of, "at_least": at_least_of}.get(operator),
                        operator)
        # Parts from built-in operators are floats, Missing or BadShape (a plugin's test may
        # return anything): then any part of exactly 0 settles `all` (1 settles `any`) as the
        # reference does, whatever the others are, without a call.
        pure = all(v in self.pure for v in names)
        if pure:
            self.pure.add(result)
        if operator == "all":
            zero = " or ".join(f"{v} == 0.0" for v in names)
            # Built-in credits lie in [0, 1], so min(1.0, a, b) is the smaller part.
            least = (f"({names[0]} if {names[0]} < {names[1]} else {names[1]})"
                     if len(names) == 2 else f"min({joined})")
            self.lines.append(
                f"{result} = 0.0 if {zero} else ({least} if {floats} "
                f"else {ref}({tup}))" if pure else
                f"{result} = (0.0 if {zero} else min(1.0, {joined})) if {floats} "
                f"else {ref}({tup})")
        elif operator == "any":
            one = " or ".join(f"{v} == 1.0" for v in names)
            self.lines.append(
                f"{result} = 1.0 if {one} else (max(0.0, {joined}) if {floats} "
                f"else {ref}({tup}))" if pure else
                f"{result} = (1.0 if {one} else max(0.0, {joined})) if {floats} "
                f"else {ref}({tup})")
        elif operator == "not":
            part = names[0]
            # A plugin's test may return a float subclass; a built-in operator never does.
            floats = (f"{part}.__class__ is float" if pure else
                      f"({part}.__class__ is float or isinstance({part}, float))")
            self.lines.append(f"{result} = 1.0 - {part} if {floats} else {part}")
        else:
            count = self.bind(n)
            total = " + ".join(["0.0", *names])
            self.lines += [
                f"if {floats}:",
                f"    {result} = {total}",
                f"    {result} = 1.0 if {result} >= {count} else {result} / {count}",
                "else:",
                f"    {result} = {ref}({count}, {tup})",
            ]
        self.memo[memo_key] = result
        return result, memo_key

    def _leaf(self, operator: str, spec: dict[str, Any]) -> tuple[str, Hashable]:
        path: str = spec["path"]
        memo_key = ("leaf", operator, path, _freeze(spec[operator]))
        if memo_key in self.memo:
            return self.memo[memo_key], memo_key
        check_type = self.compiler.types[operator]
        params = _params(check_type, spec[operator])
        # The reference closure of a leaf is `missing if the value is None else test(value)`
        # (`maturity.checks._leaf`); the generated code reads the value itself and calls the
        # same operator's own test for every case it does not handle inline.
        test: ValueTest = check_type.build(params)
        keys = tuple(path.split("."))
        value = self.node(keys)
        fallback = f"{self.bind(test)}({value}, ctx, {self.bind(path, ('path', path))})"
        missing = "0.0" if check_type.missing_is_fail else self.bind(Missing(path))
        otherwise = f"({missing} if {value} is None else {fallback})"
        result = self.fresh("r")
        emit = _EMITTERS.get(operator)
        if emit is None or check_type is not _BUILTIN.get(operator):
            # A plugin's operator (or a replaced built-in one): its own test decides.
            self.operators.setdefault(keys, set()).add("*")
            self.lines.append(f"{result} = {otherwise}")
        else:
            self.operators.setdefault(keys, set()).add(operator)
            emit(self, result, value, otherwise, fallback, params)
            self.pure.add(result)
        self.memo[memo_key] = result
        return result, memo_key

    def verdict(self, local: str, last: bool = False) -> None:
        """The next rule's verdict is in `local`. Verdicts join the returned list 30 at a time
        (CPython builds a longer display one append at a time), so that their locals are
        free again early."""
        self.pending.append(local)
        if len(self.pending) == 30 or last:
            self.lines.append(f"verdicts {'+=' if self.listed else '='} "
                              f"[{', '.join(self.pending)}]")
            self.listed = True
            self.pending = []

    def source(self, reads: list[str], reference: str | None) -> str:
        """The generated function, given the line of each read. With a `reference`, evidence
        that is not a dict, and any value the inline code did not foresee (one that raises),
        is left to it: the exact result, or the exact error the closures raise. Without, the
        error propagates (the caller then evaluates the bundle from dicts)."""
        if not self.listed:
            self.lines.append("verdicts = []")
        lines = [reads[int(line[1:])] if line.startswith(_MARK) else line
                 for line in self.lines]
        fast = [
            "as_of = ctx.as_of",
            "docs = ctx.documents",
            *_compact([*self._floors(), *lines], self.locals),
            "return verdicts",
        ]
        if reference is None:
            body = fast
        else:
            body = [
                "if data.__class__ is not dict:",
                f"    return {reference}(data, ctx)",
                "try:",
                *(f"    {line}" for line in fast),
                "except Exception:",
                f"    return {reference}(data, ctx)",
            ]
        return "def verdicts(data, ctx):\n" + "".join(f"    {line}\n" for line in body)


#: Starts a placeholder that no generated text holds: a read's place in `_Source.lines`, or a
#: bound value's place in the source being compiled.
_MARK: Final = "\x00"
#: A generated local's name (not an attribute: struct fields are named alike).
_NAME: Final = re.compile(r"(?<![.\w])[a-z]\d+\b")


def _compact(lines: list[str], names: set[str]) -> list[str]:
    """`lines` with the locals in `names` renamed so that locals never live at once share a
    slot: straight-line code, so a local is live from the statement defining it to the last
    one using it. A function with more than 256 locals (or names) needs a longer instruction
    for each use of the others, which CPython 3.11 runs without its specialisations."""
    statements: list[list[str]] = []
    for line in lines:
        if statements and (line.startswith((" ", "else:"))):
            statements[-1].append(line)
        else:
            statements.append([line])
    used = [[n for n in dict.fromkeys(_NAME.findall("\n".join(st))) if n in names]
            for st in statements]
    last = {name: i for i, found in enumerate(used) for name in found}
    slots: dict[str, str] = {}
    free: list[str] = []
    count = itertools.count()
    for i, found in enumerate(used):
        for name in found:
            if name not in slots:
                slots[name] = heapq.heappop(free) if free else f"s{next(count):04d}"
        for name in found:
            if last[name] == i:
                heapq.heappush(free, slots[name])
    return [_NAME.sub(lambda m: slots.get(m.group(), m.group()), line) for line in lines]


# Each emitter writes the inline evaluation of one built-in operator. `value` is the local
# holding the evidence value; `otherwise` is the expression for every case not handled inline
# (missing evidence, or the operator's own test) and `ref` the call of that test alone, so the
# inline code covers well-typed values only.
Emitter = Callable[[_Source, str, str, str, str, Any], None]


def _emit_is(src: _Source, r: str, v: str, otherwise: str, ref: str, expected: Any) -> None:
    if isinstance(expected, bool):
        yes, no = ("1.0", "0.0") if expected else ("0.0", "1.0")
        src.lines.append(f"{r} = {yes} if {v} is True else ({no} if {v} is False else {otherwise})")
        return
    e = src.bind(expected)
    kind = (f"{v}.__class__ is str" if isinstance(expected, str)
            else f"({v}.__class__ is int or {v}.__class__ is float)")
    src.lines.append(f"{r} = (1.0 if {v} == {e} else 0.0) if {kind} else {otherwise}")


def _emit_in(src: _Source, r: str, v: str, otherwise: str, ref: str, options: Any) -> None:
    if all(type(o) is str for o in options):
        kind = f"{v}.__class__ is str"
    elif all(type(o) in (int, float) for o in options):
        kind = f"({v}.__class__ is int or {v}.__class__ is float)"
    else:
        src.lines.append(f"{r} = {otherwise}")
        return
    allowed = src.bind(frozenset(options))
    src.lines.append(f"{r} = (1.0 if {v} in {allowed} else 0.0) if {kind} else {otherwise}")


def _finite(src: _Source, v: str) -> str:
    """A test that `v` is a number the reference reads as a finite float (not a boolean); a
    float from JSON always is (JSON has no infinity or NaN, and the decoder refuses overflow)."""
    if src.kinds.get(v) == NUMBER:
        return f"{v}.__class__ is float"
    if src.json:
        return f"({v}.__class__ is int or {v}.__class__ is float)"
    return f"({v}.__class__ is int or ({v}.__class__ is float and {v} - {v} == 0.0))"


def _as_float(src: _Source, v: str) -> str:
    """`v` as the reference reads a number: its float (an integer above 2**53 compares as its
    float); a `NUMBER` path is decoded as floats already."""
    return v if src.kinds.get(v) == NUMBER else f"float({v})"


def _comparison(symbol: str) -> Emitter:
    def emit(src: _Source, r: str, v: str, otherwise: str, ref: str, limit: Any) -> None:
        k = src.bind(limit)
        src.lines.append(f"{r} = (1.0 if {_as_float(src, v)} {symbol} {k} else 0.0) "
                         f"if {_finite(src, v)} else {otherwise}")

    return emit


def _emit_between(src: _Source, r: str, v: str, otherwise: str, ref: str, bounds: Any) -> None:
    low, high = src.bind(bounds[0]), src.bind(bounds[1])
    src.lines.append(f"{r} = (1.0 if {low} <= {_as_float(src, v)} <= {high} else 0.0) "
                     f"if {_finite(src, v)} else {otherwise}")


def _emit_present(src: _Source, r: str, v: str, otherwise: str, ref: str, flag: Any) -> None:
    src.lines.append(f"{r} = 1.0 if {v} is not None else {otherwise}")


def _emit_non_empty(src: _Source, r: str, v: str, otherwise: str, ref: str, flag: Any) -> None:
    src.lines.append(
        f"{r} = (1.0 if {v}.strip() else 0.0) if {v}.__class__ is str else "
        f"((1.0 if {v} else 0.0) if ({v}.__class__ is list or {v}.__class__ is dict) "
        f"else {otherwise})")


def _emit_min_items(src: _Source, r: str, v: str, otherwise: str, ref: str, n: Any) -> None:
    k = src.bind(n)
    src.lines.append(f"{r} = (1.0 if len({v}) >= {k} else 0.0) if {v}.__class__ is list "
                     f"else {otherwise}")


def _emit_share_of(src: _Source, r: str, v: str, otherwise: str, ref: str, options: Any) -> None:
    total = src.bind(float(len(options)))
    if src.kinds.get(v) == TEXT_LIST:
        # Decoded as a list of strings (any other item fails the decode): the share is the
        # number of the options it holds, as below, with no test of the other items.
        if len(options) <= _CONTAINS_LIMIT:
            held = " + ".join(f"({src.bind(o, ('option', o))} in {v})" for o in options)
        else:
            held = f"len({src.bind(frozenset(options))}.intersection({v}))"
        src.lines.append(f"{r} = ({held}) / {total} if {v}.__class__ is list else {otherwise}")
        return
    # The share is the number of the (distinct) options the list holds, when every item is
    # text (as the reference reads it). For a few options, testing each with `in` compares
    # strings without hashing them (freshly parsed strings have no cached hash), about three
    # times faster than a set intersection; `in` never raises, whatever the items are. When
    # not every item is an option, joining the items checks they are all text, and raises
    # for any other item, so that the whole bundle is then evaluated the reference way.
    if len(options) <= _CONTAINS_LIMIT:
        held = " + ".join(f"({src.bind(o, ('option', o))} in {v})" for o in options)
    else:
        held = f"len({src.bind(frozenset(options))}.intersection({v}))"
    join = src.bind("".join, "join")
    src.lines.append(
        f"{r} = ({r} / {total} if (({r} := {held}) == len({v}) "
        f"or {join}({v}).__class__ is str) else {ref}) "
        f"if {v}.__class__ is list else {otherwise}")


#: Up to this many options, `share_of` tests each with `in` rather than a set intersection.
_CONTAINS_LIMIT: Final = 8


def _emit_choice(src: _Source, r: str, v: str, otherwise: str, ref: str, credits: Any) -> None:
    table = src.bind({k: float(c) for k, c in credits.items()})
    src.lines.append(
        f"{r} = {r} if ({v}.__class__ is str and ({r} := {table}.get({v})) is not None) "
        f"else {otherwise}")


def _emit_within_days(src: _Source, r: str, v: str, otherwise: str, ref: str, days: Any) -> None:
    oldest = src.floor(days)
    day = src.date(v)
    # A date after the assessment date is the reference's to report.
    src.lines.append(
        f"{r} = ((1.0 if {day} >= {oldest} else 0.0) if {day} <= as_of else {ref}) "
        f"if {day} is not None else {otherwise}")


def _emit_document(src: _Source, r: str, v: str, otherwise: str, ref: str, flag: Any) -> None:
    if src.kinds.get(v) == DOCUMENT:
        doc = src.bind(document_ref_struct(), "DocumentRef")
        declared = src.fresh("x")
        # As below, from the struct; a reference whose `document` is not text raises, and the
        # bundle is read as dicts (where the test reports the table it found).
        src.lines += [
            f"if {v}.__class__ is {doc} and ({r} := {v}.document).__class__ is str:",
            f"    {r} = 0.0 if (({r} := docs.get({r})) is None or {r}.sha256 is None or "
            f"(({declared} := {v}.sha256) is not None and {declared} != {r}.sha256)) else 1.0",
            "else:",
            f"    {r} = {src.bind(_redo, 'redo')}() if {v}.__class__ is {doc} else {otherwise}",
        ]
        return
    name = src.bind("document", ("key", "document"))
    declared = src.bind("sha256", ("key", "sha256"))
    # A reference to a document the bundle holds, with the declared hash if any: 1, else 0.
    src.lines += [
        f"if {v}.__class__ is dict and ({r} := {v}.get({name})).__class__ is str:",
        f"    {r} = 0.0 if (({r} := docs.get({r})) is None or {r}.sha256 is None or "
        f"({v}.get({declared}) is not None and {v}.get({declared}) != {r}.sha256)) else 1.0",
        "else:",
        f"    {r} = {ref} if {v}.__class__ is dict else {otherwise}",
    ]


class _Redo(Exception):
    """Raised by the JSON reader's code for a value only the dicts can report exactly."""


def _redo() -> Any:
    raise _Redo


@functools.cache
def document_ref_struct() -> type:
    """The struct the JSON reader decodes a document reference into (needs msgspec): the two
    keys the `document` check reads, None when absent, as `dict.get` has it; `document` is
    UNSET when absent, so that the code can tell."""
    import msgspec

    return msgspec.defstruct("DocumentRef", [
        ("document", Any, msgspec.UNSET), ("sha256", Any, None)], gc=False)


def _emit_graded(src: _Source, r: str, v: str, otherwise: str, ref: str, steps: Any) -> None:
    # As the reference: the credit of the highest threshold reached, else 0. The outermost
    # comparison binds the value as a float; the inner ones reuse it.
    pairs = [(float(t), float(c)) for t, c in reversed(steps)]
    chain = "0.0"
    for position in range(len(pairs) - 1, -1, -1):
        threshold, credit = pairs[position]
        number = (v if src.kinds.get(v) == NUMBER else
                  f"({r} := float({v}))" if position == 0 else r)
        chain = f"({src.bind(credit)} if {number} >= {src.bind(threshold)} else {chain})"
    src.lines.append(f"{r} = {chain} if {_finite(src, v)} else {otherwise}")


def _emit_linear(src: _Source, r: str, v: str, otherwise: str, ref: str, bounds: Any) -> None:
    zero_at, full_at = float(bounds[0]), float(bounds[1])
    zero, span = src.bind(zero_at), src.bind(full_at - zero_at)
    # min(1.0, max(0.0, t)) written out: the same comparisons, without two calls. An integer
    # minus a float is computed on the integer's float, as the reference's float(v) is.
    src.lines.append(
        f"{r} = (1.0 if ({r} := ({v} - {zero}) / {span}) >= 1.0 else ({r} if {r} > 0.0 "
        f"else 0.0)) if {_finite(src, v)} else {otherwise}")


_EMITTERS: Final[dict[str, Emitter]] = {
    "is": _emit_is,
    "in": _emit_in,
    **{op: _comparison(symbol) for op, symbol in _COMPARISONS.items()},
    "between": _emit_between,
    "present": _emit_present,
    "non_empty": _emit_non_empty,
    "min_items": _emit_min_items,
    "share_of": _emit_share_of,
    "choice": _emit_choice,
    "within_days": _emit_within_days,
    "document": _emit_document,
    "graded": _emit_graded,
    "linear": _emit_linear,
}


def _reference_verdict(compiled: CompiledRule, data: Mapping[str, Any], ctx: EvalContext
                       ) -> Verdict:
    if compiled.applies is not None:
        applies = compiled.applies.evaluate(data, ctx)
        if isinstance(applies, float) and applies < 1.0:
            return NOT_APPLICABLE
        if isinstance(applies, BadShape):
            return applies
    return _StaleProbe(compiled)(compiled.check.evaluate(data, ctx), data, ctx)


def _generate(rules: RuleSet, compiler: CheckCompiler, json: bool,
              typed: Mapping[tuple[str, ...], str] | None = None
              ) -> _Source:
    """The code of every rule in turn: its checks, the lines deciding its verdict from them,
    and the verdicts joining the returned list."""
    src = _Source(compiler, json, typed)
    for position, compiled in enumerate(rules.rules, 1):
        verdict, _key = src.check(compiled.rule.check)
        days = compiled.rule.max_evidence_age_days
        if days is not None:
            nodes = [src.node(tuple(p.split("."))) for p in compiled.check.paths]
            checked = src.fresh("v")
            if verdict in src.pure:
                # `stale_documents` inline: a document the bundle holds, collected before the
                # oldest date allowed or at an unknown date, makes a credit stale.
                oldest = src.floor(days, exact=True)
                stale = src.bind(Stale, "Stale")
                found = src.fresh("x")
                old = " or ".join(
                    f"({src.document_of(n, found)} and ({found} := docs.get({found})) is not "
                    f"None and (({found} := {found}.collected) is None or {found} < {oldest}))"
                    for n in nodes) or "False"
                src.lines.append(
                    f"{checked} = {stale}({verdict}) if ({verdict}.__class__ is float and "
                    f"{verdict} > 0.0 and ({old})) else {verdict}")
            else:
                # The scan reads the values as dicts: none of them is decoded narrower.
                for path in compiled.check.paths:
                    src.operators.setdefault(tuple(path.split(".")), set()).add("*")
                scan = src.bind(_StaleScan(days))
                values = "(" + "".join(f"{n}, " for n in nodes) + ")"
                # A failed check (credit 0 or less) cannot be stale: skip the scan.
                src.lines.append(
                    f"{checked} = {verdict} if ({verdict}.__class__ is float and "
                    f"{verdict} <= 0.0) else {scan}({verdict}, {values}, ctx)")
            verdict = checked
        if compiled.rule.applies is not None:
            applies, _key = src.check(compiled.rule.applies.when)
            gate = src.flags.get(applies)
            if gate is None:
                # What every rule with this condition gives instead of its own verdict:
                # not applicable, the error when whether it applies cannot be told (the engine
                # reports that), or None when it applies.
                gate = src.flags[applies] = src.fresh("a")
                na = src.bind(NOT_APPLICABLE, "NOT_APPLICABLE")
                bad = src.bind(BadShape, "BadShape")
                src.lines.append(
                    f"{gate} = {na} if (isinstance({applies}, float) and {applies} < 1.0) "
                    f"else ({applies} if {applies}.__class__ is {bad} else None)")
            gated = src.fresh("v")
            src.lines.append(f"{gated} = {verdict} if {gate} is None else {gate}")
            verdict = gated
        src.verdict(verdict, last=position == len(rules.rules))
    return src


#: A bound name in the generated source (not an attribute).
_BOUND: Final = re.compile(r"(?<![.\w])k\d+\b")


def _function(src: _Source, source: str) -> Callable[[Any, EvalContext], list[Verdict]]:
    """Compile the generated source. Each bound name becomes a constant of the code: it is
    compiled as a unique placeholder text, which is then swapped for the value in the code's
    constants (CPython 3.11 reads a constant faster than a global, and the code then names
    only builtins, with no longer instruction for any of them)."""
    values = dict(zip(src.names, src.values, strict=True))
    marks = {f"{_MARK}{name}": value for name, value in values.items()}
    marked = _BOUND.sub(lambda m: repr(f"{_MARK}{m.group()}"), source)
    with warnings.catch_warnings():
        # The placeholders are text: calling one, or `is` with one, draws a warning.
        warnings.simplefilter("ignore", SyntaxWarning)
        module = compile(marked, "<maturity.fastpath>", "exec")
    (code,) = (c for c in module.co_consts if isinstance(c, types.CodeType))
    constants = tuple(marks[c] if c.__class__ is str and c in marks else c
                      for c in code.co_consts)
    placed = {c for c in code.co_consts if c.__class__ is str and c in marks}
    if placed != {f"{_MARK}{name}" for name in _BOUND.findall(source)}:
        # A placeholder folded into another constant would leave its value out.
        raise AssertionError("a bound value is not a constant of the generated code")
    function = types.FunctionType(code.replace(co_consts=constants),
                                  {"__builtins__": builtins}, "verdicts")
    return cast(Callable[[Any, EvalContext], list[Verdict]], function)


class FastRuleSet:
    """A `RuleSet` compiled into one generated function that gives every rule's verdict.

    Built once per process (compiling 500 rules takes a fraction of a second), then called
    for every bundle. `outcomes()` gives exactly what `maturity.engine.evaluate` gives.
    """

    def __init__(self, rules: RuleSet, compiler: CheckCompiler) -> None:
        self.rules = rules
        #: Bundles evaluated the reference way (evidence the inline code does not handle).
        self.fallbacks = 0
        self.compiler = compiler
        # Compiled at first use: a JSON reader's worker may never read a bundle as dicts.
        self._source: str | None = None
        self._verdicts: Callable[[Mapping[str, Any], EvalContext], list[Verdict]] = (
            self._first_verdicts)
        self.index = {compiled.id: i for i, compiled in enumerate(rules.rules)}

    @property
    def source(self) -> str:
        """The generated function's source (for review: it holds no pack text)."""
        if self._source is None:
            self._compile()
        assert self._source is not None
        return self._source

    def _compile(self) -> None:
        src = _generate(self.rules, self.compiler, json=False)
        # Evidence that is not a plain dict is evaluated the reference way.
        reference = src.bind(self._reference)
        self._source = src.source(src.dict_reads(), reference)
        self._verdicts = _function(src, self._source)

    def _first_verdicts(self, data: Mapping[str, Any], ctx: EvalContext) -> list[Verdict]:
        self._compile()
        return self._verdicts(data, ctx)

    def _reference(self, data: Mapping[str, Any], ctx: EvalContext) -> list[Verdict]:
        self.fallbacks += 1
        return [_reference_verdict(c, data, ctx) for c in self.rules.rules]

    def verdicts(self, data: Mapping[str, Any], ctx: EvalContext) -> list[Verdict]:
        """One verdict per rule, in the rule set's order, from the evidence alone."""
        return self._verdicts(data, ctx)

    def json_reader(self, header_keys: Sequence[str] = ()) -> JsonReader:
        """A reader from JSON text straight to verdicts (needs msgspec: `pip install
        maturity[fast]`), keeping the top-level tables named in `header_keys` as dicts."""
        return JsonReader(self, tuple(header_keys))

    def outcomes(
        self,
        data: Mapping[str, Any],
        as_of: dt.date,
        documents: Mapping[str, DocumentInfo] | None = None,
        waivers: Mapping[str, Waiver] | None = None,
        not_applicable: Mapping[str, str] | None = None,
    ) -> list[Outcome]:
        """The explained outcomes, equal to `maturity.engine.evaluate` with the same inputs."""
        ctx = EvalContext(as_of, documents or {})
        waived = waivers or {}
        declared = not_applicable or {}
        out: list[Outcome] = []
        for compiled, verdict in zip(self.rules.rules, self._verdicts(data, ctx), strict=True):
            if compiled.id in waived or compiled.id in declared:
                out.append(evaluate_rule(compiled, data, ctx, waived.get(compiled.id),
                                         declared.get(compiled.id)))
            elif isinstance(verdict, NotApplicable):
                out.append(not_applicable_outcome(compiled, data))
            else:
                result = verdict.credit if isinstance(verdict, Stale) else verdict
                out.append(outcome_from_result(compiled, data, ctx, result))
        return out


@dataclass(slots=True)
class _Decoded:
    """A bundle decoded into the reader's structs, with its text in case it must be re-read."""

    root: Any
    text: bytes


def _struct_tables(src: _Source, header_keys: tuple[str, ...]
                   ) -> dict[tuple[str, ...], dict[str, str]]:
    """The tables the JSON reader decodes as structs (the root is `()`), each with an empty map
    for its keys' attribute names: a table whose parent is one and that nothing reads as a
    value; header tables stay dicts for the caller."""
    tables = {keys for _name, table, keys in src.reads if table}
    values = {keys for _name, table, keys in src.reads if not table}
    structs: dict[tuple[str, ...], dict[str, str]] = {(): {}}
    for keys in sorted(tables, key=len):
        if (keys[:-1] in structs and keys not in values
                and not (len(keys) == 1 and keys[0] in header_keys)):
            structs[keys] = {}
    return structs


def _narrowed(src: _Source, structs: Mapping[tuple[str, ...], object]
              ) -> dict[tuple[str, ...], str]:
    """The values in structs that can be decoded narrower than any JSON value, because only
    built-in operators read them that handle the narrower value exactly as the reference
    handles the original: numeric operators, which read an integer as its float (`NUMBER`);
    `share_of` alone, which needs a list of strings (`TEXT_LIST`); `document` alone, which reads
    two keys of a table (`DOCUMENT`). Any value the narrower type does not fit (a list holding
    a number) fails the decode, and the bundle is read as dicts."""
    tables = {keys for _name, table, keys in src.reads if table}
    typed: dict[tuple[str, ...], str] = {}
    for keys, operators in src.operators.items():
        if keys[:-1] not in structs or keys in tables or keys in structs:
            continue
        if operators <= _NUMERIC:
            typed[keys] = NUMBER
        elif operators == {"share_of"}:
            typed[keys] = TEXT_LIST
        elif operators == {"document"}:
            typed[keys] = DOCUMENT
    return typed


def _decoded(kind: str | None) -> Any:
    """The struct field type of a narrowed kind: every JSON value, with numbers as floats,
    lists of strings only, or tables as `DocumentRef` (msgspec allows one type of each JSON
    kind in a union)."""
    if kind == NUMBER:
        return float | str | bool | None | list[Any] | dict[str, Any]
    if kind == TEXT_LIST:
        return list[str] | str | int | float | bool | None | dict[str, Any]
    if kind == DOCUMENT:
        return document_ref_struct() | str | int | float | bool | None | list[Any]
    return Any


class JsonReader:
    """JSON text to verdicts, decoding only what the rules read.

    msgspec decodes each bundle into structs generated from the rule set's key paths: keys no
    rule reads are skipped without building their values, and a value is an attribute read
    rather than a dict lookup. The verdicts come from the rule set's generated code with
    these reads, so they equal `FastRuleSet.verdicts` on the parsed tree; any bundle the
    structs do not fit (a table that is not a table, a null table) or that raises is parsed
    into dicts and evaluated that way, which is the same result by construction.
    """

    def __init__(self, fast: FastRuleSet, header_keys: tuple[str, ...]) -> None:
        import msgspec

        self.fast = fast
        #: Bundles the structs did not fit, evaluated from dicts.
        self.redone = 0
        # Generated twice: first to learn which key paths are read, by which operators, and
        # which tables become structs; then with the values that can be decoded narrower.
        first = _generate(fast.rules, fast.compiler, json=True)
        structs = _struct_tables(first, header_keys)
        typed = _narrowed(first, structs)
        src = _generate(fast.rules, fast.compiler, json=True, typed=typed)
        children: dict[tuple[str, ...], set[str]] = {keys: set() for keys in structs}
        for _name, _table, keys in src.reads:
            if keys[:-1] in children:
                children[keys[:-1]].add(keys[-1])
        children[()].update(header_keys)
        types: dict[tuple[str, ...], Any] = {}
        for keys in sorted(structs, key=len, reverse=True):
            fields: list[tuple[str, Any, Any]] = []
            # Attribute names repeat from struct to struct, so that the code needs few names.
            for position, key in enumerate(sorted(children[keys])):
                attribute = structs[keys][key] = f"f{position}"
                child = (*keys, key)
                if child in types:
                    fields.append((attribute, types[child],
                                   msgspec.field(name=key, default_factory=types[child])))
                else:
                    # Header tables are UNSET when absent, so that null stays null.
                    default = msgspec.UNSET if not keys and key in header_keys else None
                    fields.append((attribute, _decoded(typed.get(child)),
                                   msgspec.field(name=key, default=default)))
            types[keys] = msgspec.defstruct(f"Table{len(types)}", fields, gc=False)
        self._header = tuple((key, structs[()][key]) for key in header_keys)
        self._unset = msgspec.UNSET
        self._decode = msgspec.json.Decoder(types[()]).decode
        self._errors: tuple[type[Exception], ...] = (msgspec.DecodeError,)
        self._parse = msgspec.json.decode
        self.source = src.source(src.struct_reads(structs), None)
        self._verdicts = _function(src, self.source)

    def read(self, text: bytes) -> tuple[dict[str, Any], Any]:
        """(the header tables present, the evidence to give `verdicts`)."""
        try:
            root = self._decode(text)
        except self._errors:
            # Not the structs' shape: the whole tree (invalid JSON raises here).
            tree = self._parse(text)
            if not isinstance(tree, dict):
                return {}, tree
            return {k: tree[k] for k, _ in self._header if k in tree}, tree
        header = {key: value for key, attribute in self._header
                  if (value := getattr(root, attribute)) is not self._unset}
        return header, _Decoded(root, text)

    def verdicts(self, evidence: Any, ctx: EvalContext) -> list[Verdict]:
        """One verdict per rule, equal to `FastRuleSet.verdicts` on the parsed tree."""
        if evidence.__class__ is _Decoded:
            try:
                return self._verdicts(evidence.root, ctx)
            except Exception:
                self.redone += 1
                evidence = self._parse(evidence.text)
        return self.fast.verdicts(evidence, ctx)

    def verdicts_json(self, text: bytes, ctx: EvalContext) -> list[Verdict]:
        """`read` then `verdicts`, for a bundle whose context does not depend on its header
        (which is then not built; a reader made without `header_keys` skips the header
        tables altogether, but for the values the rules read)."""
        try:
            root = self._decode(text)
        except self._errors:
            return self.verdicts(self.read(text)[1], ctx)
        try:
            return self._verdicts(root, ctx)
        except Exception:
            self.redone += 1
            return self.fast.verdicts(self._parse(text), ctx)


#: Takes the items of one group from a list of per-rule values.
_Pick = Callable[[Sequence[Any]], tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class _Group:
    """Rules of one scope (a dimension, a facet cell or a level), in scoring order."""

    id: int
    indices: tuple[int, ...]
    pick: _Pick


def _picker(indices: Sequence[int]) -> _Pick:
    """A function taking the items at `indices` as a tuple (itemgetter, also for 0 or 1)."""
    if len(indices) == 1:
        only = indices[0]
        return lambda values: (values[only],)
    if not indices:
        return lambda values: ()
    return cast(_Pick, itemgetter(*indices))


@dataclass(frozen=True, slots=True)
class _DimensionPlan:
    id: str
    rules: _Group
    facets: tuple[tuple[str, _Group], ...]
    levels: tuple[_Group, ...]  # levels 1..5


#: Per group, the sum of the weights of its counted rules, or None when none counts.
_Totals = list[float | None]


class _LevelStep(NamedTuple):
    level: int
    pick: _Pick
    total: float


class _DimensionSum(NamedTuple):
    """What a summary needs of a dimension: its rules, their weight, and the levels that
    some rule counts in."""

    id: str
    pick: _Pick
    total: float | None
    levels: tuple[_LevelStep, ...]


#: Per pack, its id and its dimensions.
_SummaryPlan = tuple[tuple[str, tuple[_DimensionSum, ...]], ...]


@dataclass(frozen=True, slots=True)
class _Pattern:
    """What scoring needs to know of one set of left-out rules."""

    totals: _Totals
    counts: list[int]  # per group, its counted rules
    summary: _SummaryPlan


class FastScorer:
    """Scores from verdicts, equal to `score_packs(..., with_waivers=True)` on the outcomes.

    With `oecd-dgi` every scope's weighted mean is two sums over precomputed index groups. A
    rule left out (not applicable) enters its groups' sums as 0.0, which leaves a float sum
    exactly unchanged, so the results equal the reference's, which skips it, to the last bit.
    Which rules a bundle leaves out is one of few patterns in a batch (those whose `applies`
    fails); each pattern's weight totals are computed once and kept (bounded).
    """

    #: Patterns of left-out rules whose totals are kept.
    KEPT = 256

    def __init__(self, rules: RuleSet, model: ScoringModel, level_threshold: float = 0.75
                 ) -> None:
        self.rules = rules
        self.model = model
        self.level_threshold = level_threshold
        self.fast = model.name == "oecd-dgi" and model in BUILTIN_SCORING_MODELS
        self.weights = [c.rule.weight for c in rules.rules]
        index = {c.id: i for i, c in enumerate(rules.rules)}
        #: Rules that can be left out (their `applies` condition may fail).
        self._optional = tuple(i for i, c in enumerate(rules.rules) if c.applies is not None)
        self._pick_optional = _picker(self._optional)
        self._groups: list[_Group] = []
        self._plans: list[tuple[RulePack, list[int], list[_DimensionPlan]]] = []
        for pack in rules.packs:
            # Scoring sums rules in id order (see `score_packs`); so do the groups here.
            ordered = [index[r.id] for r in sorted(pack.rules, key=lambda r: r.id)]
            dims: list[_DimensionPlan] = []
            for dimension in pack.header.dimensions:
                in_dim = [i for i in ordered if rules.rules[i].rule.dimension == dimension.id]
                facets = tuple(
                    (f.id, self._group([i for i in in_dim if rules.rules[i].rule.facet == f.id]))
                    for f in pack.header.facets if f.dimension in (None, dimension.id)
                )
                levels = tuple(
                    self._group([i for i in in_dim if rules.rules[i].rule.level == level])
                    for level in range(1, 6)
                )
                dims.append(_DimensionPlan(dimension.id, self._group(in_dim), facets, levels))
            self._plans.append((pack, ordered, dims))
        self._patterns: dict[tuple[int, ...], _Pattern] = {}

    def _group(self, indices: list[int]) -> _Group:
        group = _Group(len(self._groups), tuple(indices), _picker(indices))
        self._groups.append(group)
        return group

    def _left_out(self, verdicts: Sequence[Verdict]) -> tuple[int, ...]:
        """The rules this bundle leaves out: those whose `applies` condition failed."""
        if not self._optional:
            return ()
        return tuple(itertools.compress(self._optional, map(
            is_, self._pick_optional(verdicts), itertools.repeat(NOT_APPLICABLE))))

    def _pattern(self, left_out: tuple[int, ...]) -> _Pattern:
        """Every group's counted rules and weights, and the summary's plan, for these
        left-out rules (computed once per pattern)."""
        kept = self._patterns.get(left_out)
        if kept is not None:
            return kept
        weights = list(self.weights)
        for i in left_out:
            weights[i] = 0.0
        out = set(left_out)
        counts = [sum(1 for i in group.indices if i not in out) for group in self._groups]
        totals: _Totals = [sequential_sum(group.pick(weights)) if counted else None
                           for group, counted in zip(self._groups, counts, strict=True)]
        summary = tuple(
            (pack.id, tuple(
                _DimensionSum(plan.id, plan.rules.pick, totals[plan.rules.id], tuple(
                    _LevelStep(at, group.pick, total)
                    for at, group in enumerate(plan.levels, start=1)
                    if (total := totals[group.id]) is not None))
                for plan in dims))
            for pack, _ordered, dims in self._plans)
        if len(self._patterns) >= self.KEPT:
            self._patterns.clear()
        kept = self._patterns[left_out] = _Pattern(totals, counts, summary)
        return kept

    def _products(self, verdicts: Sequence[Verdict]) -> list[float]:
        """Weight x counted credit per rule; 0.0 for a verdict without a credit (w x 0.0 is
        0.0 for every weight) and for a rule left out, which its group's total skips."""
        return [w * v if v.__class__ is float else 0.0
                for w, v in zip(self.weights, verdicts, strict=True)]

    def score(self, verdicts: Sequence[Verdict]) -> dict[str, PackScore]:
        """Scores of every pack from the evidence alone (no waivers, no declarations: a bundle
        with those goes through the reference path)."""
        if not self.fast:
            return self._generic(counted_credits(verdicts))
        pattern = self._pattern(self._left_out(verdicts))
        products = self._products(verdicts)
        return {pack.id: self._pack(pack, dims, pattern, products)
                for pack, _ordered, dims in self._plans}

    def summary(self, verdicts: Sequence[Verdict]
                ) -> dict[str, tuple[float, tuple[tuple[str, float, int], ...]]]:
        """Each pack's index and its dimensions' (id, score, level): what a batch summary
        shows, the same numbers as `score`, without the facets."""
        if not self.fast:
            return {pack_id: (score.index, tuple((d.id, d.score, d.level)
                                                 for d in score.dimensions.values()))
                    for pack_id, score in self._generic(counted_credits(verdicts)).items()}
        plan = self._pattern(self._left_out(verdicts)).summary
        products = self._products(verdicts)
        floor = self.level_threshold - LEVEL_TOLERANCE  # `reaches_level`, inline
        index = self.model.index
        out = {}
        for pack_id, dims in plan:
            scored = []
            counted = []
            for dim_id, pick, total, levels in dims:
                score = _mean_of(pick(products), total)
                level = 0
                for at, level_pick, level_total in levels:
                    if _mean_of(level_pick(products), level_total) < floor:
                        break
                    level = at
                scored.append((dim_id, score, level))
                if total is not None:
                    counted.append(score)
            out[pack_id] = (index(counted, []), tuple(scored))
        return out

    def _generic(self, credits: Sequence[float | None]) -> dict[str, PackScore]:
        out: dict[str, PackScore] = {}
        for pack, ordered, _dims in self._plans:
            scored = [ScoredRule(c.id, c.rule.dimension, c.rule.facet, c.rule.level,
                                 c.rule.weight, credits[i])
                      for i in ordered for c in (self.rules.rules[i],)]
            out[pack.id] = score_pack(pack, scored, self.model, self.level_threshold)
        return out

    def _level(self, plan: _DimensionPlan, totals: _Totals, products: list[float]) -> int:
        """`maturity_level`: every level up to L reaches the threshold."""
        level = 0
        for at, group in enumerate(plan.levels, start=1):
            total = totals[group.id]
            if total is not None:
                if not reaches_level(_mean_of(group.pick(products), total),
                                     self.level_threshold):
                    break
                level = at
        return level

    def _pack(self, pack: RulePack, dims: list[_DimensionPlan], pattern: _Pattern,
              products: list[float]) -> PackScore:
        totals = pattern.totals
        dimensions: dict[str, DimensionScore] = {}
        for plan in dims:
            facets: dict[str, float | None] = {
                facet_id: _mean_of(cell.pick(products), totals[cell.id])
                if totals[cell.id] is not None else None
                for facet_id, cell in plan.facets
            }
            dimensions[plan.id] = DimensionScore(
                plan.id, _mean_of(plan.rules.pick(products), totals[plan.rules.id]),
                self._level(plan, totals, products), facets, pattern.counts[plan.rules.id])
        index = self.model.index([d.score for d in dimensions.values() if d.counted], [])
        return PackScore(pack.id, index, dimensions)


def _mean_of(products: Iterable[float], total: float | None) -> float:
    """`weighted_score` of maturity.scoring: the weighted mean of the counted credits, clamped to
    [0, 1] (as `min(1.0, max(0.0, mean))`), 0.0 when no weight counts."""
    if total is None or total <= 0:
        return 0.0
    mean = sequential_sum(products) / total
    return (mean if mean < 1.0 else 1.0) if mean > 0.0 else 0.0
