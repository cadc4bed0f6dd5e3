"""The closed check vocabulary, compiled once into plain Python closures.

A check is a TOML table with exactly one operator key (`is`, `within_days`, `all`, …). Each
operator is a `CheckType`: it validates its parameters with a strict pydantic type and builds an
evaluator. Nothing a user writes is ever evaluated as code; the compiled closures only compare
evidence values against validated constants.

An evaluator returns a credit in [0, 1], `Missing` (evidence absent: the rule is not assessed)
or `BadShape` (evidence of the wrong type: the rule is in error).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Final

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from maturity.errors import EvidenceError, did_you_mean
from maturity.model import DocumentInfo

__all__ = [
    "BUILTIN_CHECK_TYPES",
    "BadShape",
    "CheckCompiler",
    "CheckSpecError",
    "CheckType",
    "CompiledCheck",
    "EvalContext",
    "Evaluator",
    "Missing",
    "Result",
    "all_of",
    "any_of",
    "at_least_of",
    "describe_value",
    "document_refs",
    "late_document_error",
    "late_documents",
    "lookup",
    "origin_of",
]


class Missing:
    """The evidence key `path` is absent or null."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"Missing({self.path!r})"


class BadShape:
    """The value at `path` is not what the check reads."""

    __slots__ = ("expected", "found", "path")

    def __init__(self, path: str, expected: str, found: str) -> None:
        self.path = path
        self.expected = expected
        self.found = found

    def __repr__(self) -> str:
        return f"BadShape({self.path!r}, {self.expected!r}, {self.found!r})"


Result = float | Missing | BadShape


@dataclass(frozen=True, slots=True)
class EvalContext:
    """What a check may know besides the evidence tree: the date and the bundle's documents,
    and (for messages) the bundle and the file each part of the tree was read from."""

    as_of: dt.date
    documents: Mapping[str, DocumentInfo]
    origins: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        # The effective assessment date (the bundle's, or --as-of) is first known here, and
        # every evaluator (the reference closures, the generated code, a batch's summaries)
        # builds a context: refusing it refuses the bundle on every path alike.
        # `maturity.engine.evaluate` refuses it first, naming the reference's key.
        late = late_documents(self.documents, self.as_of)
        if late:
            raise late_document_error(late[0], self.as_of, file=self.source or None,
                                      location=f"document {late[0].path}")

    def file_of(self, path: str) -> str | None:
        """The evidence file a dotted key path was read from, else the bundle, when known."""
        return origin_of(self.origins, path.split(".")) or self.source or None


def origin_of(origins: Mapping[str, str], keys: Sequence[str | int]) -> str | None:
    """The evidence file a key path was read from: its longest dotted prefix of table keys
    in `origins` (a bundle's merged files), None when not known."""
    names: list[str] = []
    for key in keys:
        if not isinstance(key, str):
            break
        names.append(key)
    for end in range(len(names), 0, -1):
        file = origins.get(".".join(names[:end]))
        if file is not None:
            return file
    return None


def document_refs(tree: Any) -> Iterator[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every table with a text `document` key, by key path, in document order (a reference's
    own keys are not searched further)."""
    # Only tables and lists are walked into (a bundle's values are mostly neither).
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(tree, ())]
    pop, extend = stack.pop, stack.extend
    while stack:
        node, path = pop()
        if isinstance(node, dict):
            if isinstance(node.get("document"), str):
                yield path, node
                continue
            children = [(v, (*path, k)) for k, v in node.items() if isinstance(v, _NESTED)]
        elif isinstance(node, list):
            children = [(v, (*path, i)) for i, v in enumerate(node) if isinstance(v, _NESTED)]
        else:
            continue
        children.reverse()
        extend(children)


_NESTED = (dict, list)


def late_documents(documents: Mapping[str, DocumentInfo], as_of: dt.date
                   ) -> list[DocumentInfo]:
    """The documents collected after the assessment date, in the bundle's order: evidence
    from the future, refused as `within_days` refuses a date after the assessment date."""
    return [info for info in documents.values()
            if info.collected is not None and info.collected > as_of]


def late_document_error(info: DocumentInfo, as_of: dt.date, *, file: str | None,
                        location: str) -> EvidenceError:
    """The error for a document collected after the assessment date."""
    collected = info.collected.isoformat() if info.collected else None
    return EvidenceError(
        f"document {info.path!r} was collected after the assessment date",
        code="evidence.document-late",
        file=file,
        location=location,
        expected=f"a date on or before the assessment date {as_of.isoformat()}",
        found=str(collected),
        fix="correct the collection date, or assess on a later date ([assessment] as_of, "
            "or --as-of)",
    )


Evaluator = Callable[[Mapping[str, Any], EvalContext], Result]
ValueTest = Callable[[Any, EvalContext, str], Result]


class CheckSpecError(Exception):
    """A check table is invalid; `location` is the key path inside the check."""

    def __init__(
        self,
        message: str,
        location: Sequence[str | int],
        *,
        expected: str | None = None,
        found: str | None = None,
        fix: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = tuple(location)
        self.expected = expected
        self.found = found
        self.fix = fix


@dataclass(frozen=True, slots=True)
class CompiledCheck:
    evaluate: Evaluator
    condition: str
    paths: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CheckType:
    """One operator of the vocabulary.

    Leaf operators (`leaf=True`) read the key named by `path`; `build` gets the validated
    parameter and returns a test of the value. Combinators get the compiler to compile their
    children. `missing_is_fail` makes an absent key a fail instead of not-assessed (`present`).
    """

    operator: str
    params: Any
    build: Callable[..., Any]
    describe: Callable[[Any], str]
    leaf: bool = True
    missing_is_fail: bool = False
    summary: str = ""


def describe_value(value: Any) -> str:
    """A short, type-revealing rendering of an evidence value for explanations."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    return str(value)


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime):
        return "date-time"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


def _found(value: Any) -> str:
    return f"{_type_name(value)} {describe_value(value)}"


_MISSING_SENTINEL: Final = object()


def lookup(data: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    """The value at a dotted key path, `_MISSING_SENTINEL` if absent, or a `BadShape`."""
    current: Any = data
    for depth, key in enumerate(keys):
        if not isinstance(current, dict):
            return BadShape(".".join(keys[:depth]), "a table", _found(current))
        current = current.get(key, _MISSING_SENTINEL)
        if current is _MISSING_SENTINEL or current is None:
            return _MISSING_SENTINEL
    return current


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: Any, path: str) -> float | BadShape:
    if not _is_number(value):
        return BadShape(path, "a number", _found(value))
    if not math.isfinite(value):
        return BadShape(path, "a finite number", str(value))
    return float(value)


def _date(value: Any, path: str) -> dt.date | BadShape:
    if isinstance(value, dt.datetime):
        return BadShape(path, "a date (YYYY-MM-DD) without a time", _found(value))
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return BadShape(path, "a date (YYYY-MM-DD)", _found(value))


Scalar = StrictBool | StrictInt | StrictFloat | StrictStr
Number = StrictInt | Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _same_kind(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    if _is_number(a) or _is_number(b):
        return _is_number(a) and _is_number(b)
    return type(a) is type(b)


def _kind_name(value: Any) -> str:
    return {"boolean": "a boolean", "number": "a number", "string": "a string"}.get(
        _type_name(value), _type_name(value)
    )


def _build_is(expected: Any) -> ValueTest:
    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        if not _same_kind(value, expected):
            return BadShape(path, _kind_name(expected), _found(value))
        return 1.0 if value == expected else 0.0

    return test


def _build_in(options: list[Any]) -> ValueTest:
    allowed = frozenset(options)
    kinds = options

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        if not any(_same_kind(value, k) for k in kinds):
            return BadShape(path, _kind_name(kinds[0]), _found(value))
        return 1.0 if value in allowed else 0.0

    return test


def _comparison(op: Callable[[float, float], bool]) -> Callable[[float], ValueTest]:
    def build(limit: float) -> ValueTest:
        def test(value: Any, ctx: EvalContext, path: str) -> Result:
            number = _number(value, path)
            if isinstance(number, BadShape):
                return number
            return 1.0 if op(number, limit) else 0.0

        return test

    return build


def _build_between(bounds: tuple[float, float]) -> ValueTest:
    low, high = bounds
    if low > high:
        raise ValueError("the first bound must not be greater than the second")

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        number = _number(value, path)
        if isinstance(number, BadShape):
            return number
        return 1.0 if low <= number <= high else 0.0

    return test


def _build_present(flag: bool) -> ValueTest:
    if not flag:
        raise ValueError("write `present = true`; to require absence use `not`")

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        return 1.0

    return test


def _build_non_empty(flag: bool) -> ValueTest:
    if not flag:
        raise ValueError("write `non_empty = true`; to require emptiness use `not`")

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        if isinstance(value, str | list | dict):
            return 1.0 if (value.strip() if isinstance(value, str) else value) else 0.0
        return 1.0

    return test


def _build_min_items(n: int) -> ValueTest:
    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        if not isinstance(value, list):
            return BadShape(path, "a list", _found(value))
        return 1.0 if len(value) >= n else 0.0

    return test


def _build_share_of(options: list[str]) -> ValueTest:
    if len(set(options)) != len(options):
        raise ValueError("the options must be distinct")
    wanted = frozenset(options)
    total = float(len(options))

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        if not isinstance(value, list):
            return BadShape(path, "a list of strings", _found(value))
        chosen = {item for item in value if isinstance(item, str)}
        if len(chosen) != len(value) and any(not isinstance(i, str) for i in value):
            return BadShape(path, "a list of strings", _found(value))
        return len(chosen & wanted) / total

    return test


def _build_choice(credits: dict[str, float]) -> ValueTest:
    for credit in credits.values():
        if not 0 <= credit <= 1:
            raise ValueError("every credit must lie between 0 and 1")
    options = ", ".join(repr(k) for k in credits)

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        if not isinstance(value, str) or value not in credits:
            return BadShape(path, f"one of {options}", _found(value))
        return float(credits[value])

    return test


def _build_within_days(days: int) -> ValueTest:
    span = dt.timedelta(days=days)

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        day = _date(value, path)
        if isinstance(day, BadShape):
            return day
        if day > ctx.as_of:
            return BadShape(
                path, f"a date on or before the assessment date {ctx.as_of.isoformat()}",
                day.isoformat(),
            )
        return 1.0 if ctx.as_of - day <= span else 0.0

    return test


def _build_document(flag: bool) -> ValueTest:
    if not flag:
        raise ValueError("write `document = true`")

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        if not isinstance(value, dict) or not isinstance(value.get("document"), str):
            return BadShape(path, "a document reference { document = \"path\" }", _found(value))
        info = ctx.documents.get(value["document"])
        if info is None or info.sha256 is None:
            return 0.0
        declared = value.get("sha256")
        if declared is not None and declared != info.sha256:
            return 0.0
        return 1.0

    return test


def _build_graded(steps: list[tuple[float, float]]) -> ValueTest:
    if not steps:
        raise ValueError("give at least one [threshold, credit] pair")
    thresholds = [s[0] for s in steps]
    if thresholds != sorted(thresholds) or len(set(thresholds)) != len(thresholds):
        raise ValueError("thresholds must be strictly ascending")
    for _, credit in steps:
        if not 0 <= credit <= 1:
            raise ValueError("every credit must lie between 0 and 1")
    pairs = [(float(t), float(c)) for t, c in reversed(steps)]

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        number = _number(value, path)
        if isinstance(number, BadShape):
            return number
        for threshold, credit in pairs:
            if number >= threshold:
                return credit
        return 0.0

    return test


def _build_linear(bounds: tuple[float, float]) -> ValueTest:
    zero_at, full_at = float(bounds[0]), float(bounds[1])
    if zero_at == full_at:
        raise ValueError("the two thresholds must differ")
    span = full_at - zero_at

    def test(value: Any, ctx: EvalContext, path: str) -> Result:
        number = _number(value, path)
        if isinstance(number, BadShape):
            return number
        return min(1.0, max(0.0, (number - zero_at) / span))

    return test


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return repr(value)
    return str(value)


PositiveInt = Annotated[int, Field(strict=True, ge=1, le=100_000)]
Credit = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
NonEmptyStrings = Annotated[list[StrictStr], Field(min_length=1, max_length=1000)]

BUILTIN_CHECK_TYPES: tuple[CheckType, ...] = (
    CheckType("is", Scalar, _build_is, lambda v: f"is {_fmt(v)}", summary="equality"),
    CheckType(
        "in",
        Annotated[list[Scalar], Field(min_length=1, max_length=1000)],
        _build_in,
        lambda v: "is one of " + ", ".join(_fmt(x) for x in v),
        summary="membership",
    ),
    CheckType("gt", Number, _comparison(lambda a, b: a > b), lambda v: f"> {_fmt(v)}"),
    CheckType("ge", Number, _comparison(lambda a, b: a >= b), lambda v: f">= {_fmt(v)}"),
    CheckType("lt", Number, _comparison(lambda a, b: a < b), lambda v: f"< {_fmt(v)}"),
    CheckType("le", Number, _comparison(lambda a, b: a <= b), lambda v: f"<= {_fmt(v)}"),
    CheckType(
        "between",
        tuple[Number, Number],
        _build_between,
        lambda v: f"between {_fmt(v[0])} and {_fmt(v[1])}",
    ),
    CheckType(
        "present", StrictBool, _build_present, lambda v: "is present", missing_is_fail=True
    ),
    CheckType(
        "non_empty", StrictBool, _build_non_empty, lambda v: "is not empty", missing_is_fail=True
    ),
    CheckType("min_items", PositiveInt, _build_min_items, lambda v: f"has at least {v} items"),
    CheckType(
        "share_of",
        NonEmptyStrings,
        _build_share_of,
        lambda v: "share of [" + ", ".join(v) + "] selected",
        summary="partial credit",
    ),
    CheckType(
        "choice",
        Annotated[dict[str, Credit], Field(min_length=1)],
        _build_choice,
        lambda v: "graded choice " + ", ".join(f"{k}={_fmt(c)}" for k, c in v.items()),
        summary="partial credit",
    ),
    CheckType(
        "within_days",
        PositiveInt,
        _build_within_days,
        lambda v: f"dated within {v} days of the assessment date",
    ),
    CheckType(
        "document",
        StrictBool,
        _build_document,
        lambda v: "references a document in the bundle with a matching sha256",
    ),
    CheckType(
        "graded",
        Annotated[list[tuple[Number, Credit]], Field(min_length=1, max_length=100)],
        _build_graded,
        lambda v: "graded " + ", ".join(f">={_fmt(t)}:{_fmt(c)}" for t, c in v),
        summary="partial credit",
    ),
    CheckType(
        "linear",
        tuple[Number, Number],
        _build_linear,
        lambda v: f"linear from {_fmt(v[0])} (0) to {_fmt(v[1])} (1)",
        summary="partial credit",
    ),
)

_COMBINATORS: Final = ("all", "any", "not", "at_least")
_MAX_DEPTH: Final = 32


def all_of(results: Iterable[Result]) -> Result:
    """`all` over its parts' results, in order: the first 0 decides (later parts are not
    evaluated when `results` is lazy); else an unknown part (an error before a missing one),
    else the lowest credit."""
    lowest = 1.0
    pending: Missing | BadShape | None = None
    for result in results:
        if isinstance(result, float):
            if result == 0.0:
                return 0.0
            if result < lowest:
                lowest = result
        elif not isinstance(pending, BadShape) and (
            pending is None or isinstance(result, BadShape)
        ):
            pending = result
    return pending if pending is not None else lowest


def any_of(results: Iterable[Result]) -> Result:
    """`any` over its parts' results: the first 1 decides; else an unknown part (an error
    before a missing one), else the highest credit."""
    highest = 0.0
    pending: Missing | BadShape | None = None
    for result in results:
        if isinstance(result, float):
            if result == 1.0:
                return 1.0
            if result > highest:
                highest = result
        elif not isinstance(pending, BadShape) and (
            pending is None or isinstance(result, BadShape)
        ):
            pending = result
    return pending if pending is not None else highest


def at_least_of(n: int, results: Iterable[Result]) -> Result:
    """`at_least n` over its parts' results: full credit once the known credits reach `n`;
    else unknown if any part is (an unknown part could have lifted the total); else the
    share of `n` reached."""
    total = 0.0
    pending: Missing | BadShape | None = None
    for result in results:
        if isinstance(result, float):
            total += result
        elif not isinstance(pending, BadShape):
            pending = result
    if total >= n:
        return 1.0
    if pending is not None:
        return pending
    return total / n


def _all(children: list[Evaluator]) -> Evaluator:
    def evaluate(data: Mapping[str, Any], ctx: EvalContext) -> Result:
        return all_of(child(data, ctx) for child in children)

    return evaluate


def _any(children: list[Evaluator]) -> Evaluator:
    def evaluate(data: Mapping[str, Any], ctx: EvalContext) -> Result:
        return any_of(child(data, ctx) for child in children)

    return evaluate


def _not(child: Evaluator) -> Evaluator:
    def evaluate(data: Mapping[str, Any], ctx: EvalContext) -> Result:
        result = child(data, ctx)
        return 1.0 - result if isinstance(result, float) else result

    return evaluate


def _at_least(n: int, children: list[Evaluator]) -> Evaluator:
    def evaluate(data: Mapping[str, Any], ctx: EvalContext) -> Result:
        return at_least_of(n, [child(data, ctx) for child in children])

    return evaluate


def _leaf(
    keys: tuple[str, ...], path: str, test: ValueTest, missing_is_fail: bool
) -> Evaluator:
    missing_result: Result = 0.0 if missing_is_fail else Missing(path)
    if len(keys) == 1:
        (k0,) = keys

        def evaluate_1(data: Mapping[str, Any], ctx: EvalContext) -> Result:
            value = data.get(k0)
            if value is None:
                return missing_result
            return test(value, ctx, path)

        return evaluate_1

    def evaluate(data: Mapping[str, Any], ctx: EvalContext) -> Result:
        value = lookup(data, keys)
        if value is _MISSING_SENTINEL:
            return missing_result
        if isinstance(value, BadShape):
            return value
        return test(value, ctx, path)

    return evaluate


_PATH_PATTERN: Final = r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$"
_PATH_ADAPTER: Final = TypeAdapter(
    Annotated[str, Field(strict=True, pattern=_PATH_PATTERN, max_length=300)]
)


class CheckCompiler:
    """Validates check tables and compiles them into evaluators.

    Built once per run from the registered check types (built-in and plugin ones), then used
    for every rule; each parameter adapter is built once.
    """

    def __init__(self, check_types: Iterable[CheckType]) -> None:
        self.types: dict[str, CheckType] = {}
        for check_type in check_types:
            if check_type.operator in self.types or check_type.operator in _COMBINATORS:
                raise ValueError(f"check operator {check_type.operator!r} is registered twice")
            if check_type.operator == "path":
                raise ValueError("'path' cannot be a check operator")
            self.types[check_type.operator] = check_type
        self._adapters: dict[str, TypeAdapter[Any]] = {
            op: TypeAdapter(t.params) for op, t in self.types.items()
        }

    @property
    def operators(self) -> tuple[str, ...]:
        return (*_COMBINATORS, *sorted(self.types))

    def compile(self, spec: Any, location: Sequence[str | int] = ("check",)) -> CompiledCheck:
        return self._compile(spec, list(location), 0)

    def _compile(self, spec: Any, location: list[str | int], depth: int) -> CompiledCheck:
        if depth > _MAX_DEPTH:
            raise CheckSpecError(
                f"checks are nested deeper than {_MAX_DEPTH} levels",
                location,
                fix="flatten the check with `all`/`any` lists",
            )
        if not isinstance(spec, dict):
            raise CheckSpecError(
                "a check must be a table",
                location,
                expected="a table such as { path = \"a.b\", is = true }",
                found=_found(spec),
            )
        operators = [key for key in spec if key != "path"]
        known = [key for key in operators if key in self.types or key in _COMBINATORS]
        unknown = [key for key in operators if key not in known]
        if unknown:
            word = unknown[0]
            suggestion = did_you_mean(word, self.operators)
            raise CheckSpecError(
                f"unknown check operator {word!r}",
                [*location, word],
                expected="one of " + ", ".join(self.operators),
                found=repr(word),
                fix=f"did you mean {suggestion!r}?" if suggestion else "use one of the operators",
            )
        if len(known) != 1:
            raise CheckSpecError(
                "a check needs exactly one operator",
                location,
                expected="one operator key besides `path`",
                found=", ".join(repr(k) for k in known) if known else "none",
                fix="split it with `all = [ ... ]`" if known else "add an operator such as `is`",
            )
        (operator,) = known
        if operator in _COMBINATORS:
            if "path" in spec:
                raise CheckSpecError(
                    f"`{operator}` takes no `path`",
                    [*location, "path"],
                    fix="put the path inside each part",
                )
            return self._combinator(operator, spec[operator], [*location, operator], depth)
        return self._leaf(operator, spec, location)

    def _leaf(
        self, operator: str, spec: dict[str, Any], location: list[str | int]
    ) -> CompiledCheck:
        check_type = self.types[operator]
        if "path" not in spec:
            raise CheckSpecError(
                f"`{operator}` needs the evidence key it reads",
                location,
                expected="a `path` key, e.g. path = \"strategy.digital.adopted\"",
                found="no path",
            )
        try:
            path = _PATH_ADAPTER.validate_python(spec["path"])
        except PydanticValidationError:
            raise CheckSpecError(
                "invalid evidence path",
                [*location, "path"],
                expected="dotted keys of letters, digits, '_' or '-'",
                found=_found(spec["path"]),
            ) from None
        raw = spec[operator]
        try:
            params = self._adapters[operator].validate_python(raw)
            test = check_type.build(params)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            raise CheckSpecError(
                f"invalid parameter for `{operator}`: {first['msg']}",
                [*location, operator, *_param_location(raw, first["loc"])],
                expected=_describe_params(check_type),
                found=_written(raw),
            ) from None
        except ValueError as exc:
            raise CheckSpecError(
                f"invalid parameter for `{operator}`: {exc}",
                [*location, operator],
                expected=_describe_params(check_type),
                found=_written(raw),
            ) from None
        keys = tuple(path.split("."))
        evaluate = _leaf(keys, path, test, check_type.missing_is_fail)
        return CompiledCheck(evaluate, f"{path} {check_type.describe(params)}", (path,))

    def _combinator(
        self, operator: str, raw: Any, location: list[str | int], depth: int
    ) -> CompiledCheck:
        if operator == "not":
            child = self._compile(raw, location, depth + 1)
            return CompiledCheck(_not(child.evaluate), f"not ({child.condition})", child.paths)
        n = 0
        if operator == "at_least":
            if not isinstance(raw, dict) or set(raw) != {"n", "of"}:
                raise CheckSpecError(
                    "`at_least` takes { n = <count>, of = [checks] }",
                    location,
                    expected="exactly the keys n and of",
                    found=_found(raw) if not isinstance(raw, dict) else ", ".join(sorted(raw)),
                )
            n = raw["n"]
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise CheckSpecError(
                    "`n` must be a whole number of at least 1", [*location, "n"], found=_found(n)
                )
            raw = raw["of"]
            location = [*location, "of"]
        if not isinstance(raw, list) or not raw:
            raise CheckSpecError(
                f"`{operator}` takes a non-empty list of checks",
                location,
                expected="a list of check tables",
                found=_found(raw),
            )
        if operator == "at_least" and n > len(raw):
            raise CheckSpecError(
                f"`at_least` asks for {n} of only {len(raw)} checks",
                [*location[:-1], "n"],
                expected=f"n between 1 and {len(raw)}",
                found=str(n),
            )
        children = [self._compile(item, [*location, i], depth + 1) for i, item in enumerate(raw)]
        evaluators = [c.evaluate for c in children]
        paths = tuple(dict.fromkeys(p for c in children for p in c.paths))
        parts = [
            f"({c.condition})"
            if any(word in c.condition for word in (" and ", " or ", "at least "))
            else c.condition
            for c in children
        ]
        if operator == "all":
            return CompiledCheck(_all(evaluators), " and ".join(parts), paths)
        if operator == "any":
            return CompiledCheck(_any(evaluators), " or ".join(parts), paths)
        return CompiledCheck(
            _at_least(n, evaluators), f"at least {n} of: " + "; ".join(parts), paths
        )


def _param_location(raw: Any, loc: Sequence[str | int]) -> list[str | int]:
    """The part of pydantic's error location that exists in what the pack wrote: union
    members (`int`, `float`, …) are pydantic's own steps, not keys a person can find."""
    kept: list[str | int] = []
    current = raw
    for part in loc:
        in_table = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_table or in_list:
            current = current[part]
            kept.append(part)
    return kept


def _written(value: Any) -> str:
    """A check parameter as the pack wrote it (TOML-like, shortened), for error messages."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {_written(v)}" for k, v in value.items()) + " }"
    elif isinstance(value, list):
        text = "[" + ", ".join(_written(v) for v in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _describe_params(check_type: CheckType) -> str:
    return f"see the `{check_type.operator}` operator in docs/rules.md"
