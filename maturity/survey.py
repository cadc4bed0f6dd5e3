"""The `survey` check: answers recorded on several rows of one subject, combined into a credit.

Assessments observed by mystery shoppers or surveyors rarely give one answer per question: a
public service is visited at several web addresses, a portal through several sites, and each
visit (a row) answers the same questionnaire. The `survey` operator reads such a subject (a
table holding a list of rows) and scores it the way published benchmarks do:

1. rows: every row of the subject, or only those whose answer to `screen` is yes; with
   `skip_blank_rows`, rows that answer none of the questions are ignored first (a visit that
   observed nothing);
2. per question and row: 1 for a yes (answers compared after trimming, case-insensitively),
   0 otherwise; a question may be a group whose row value is 1 when any of its answers is yes
   (`{ any = [...] }`), or a number scaled by its maximum (`{ number = "D1", max = 3 }`), rows
   without a number being ignored (no number at all counts 0);
3. across rows: the best row or the mean of the rows (`across`), either fixed or chosen by a
   key of the subject (e.g. best for central government, mean for local services);
4. a yes/no question is left out when every row of the subject (before screening) answers one
   of `left_out` (e.g. "NR", not relevant);
5. the credit is the weighted mean of the questions left in.

When no row passes the screen, or every question is left out, the subject has nothing to score:
the check then finds the evidence missing. `scorable = true` turns the check into the test
"has this survey something to score?" (1 or 0), for a rule's `applies`, so such a subject is
left out rather than scored 0.

Arithmetic is plain left-to-right double arithmetic (never `sum`, whose rounding changed in
Python 3.12), so a credit is the same on every platform and matches spreadsheets that publish
the same method.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictStr,
    ValidationError,
    model_validator,
)

from maturity.checks import BadShape, CheckType, EvalContext, Missing, Result, describe_value

__all__ = ["SURVEY_CHECK", "SurveyParams", "exact_mean", "weighted_mean"]

Key = Annotated[str, Field(strict=True, min_length=1, max_length=100,
                           pattern=r"^[A-Za-z0-9_.-]+$")]
Answer = Annotated[str, Field(strict=True, max_length=100)]
Weight = Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class AnyOf(_Strict):
    """A question answered yes on a row when any of these answers is yes."""

    any: Annotated[list[Key], Field(min_length=1, max_length=20)]


class NumberOf(_Strict):
    """A question answered with a number from 0 to `max`, scored number / max."""

    number: Key
    max: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False, strict=False)]


class AcrossBy(_Strict):
    """How rows combine, chosen by the value of a key of the subject."""

    key: Key
    best: list[Answer] = []
    mean: list[Answer] = []

    @model_validator(mode="after")
    def _disjoint(self) -> AcrossBy:
        best = {_norm(v) for v in self.best}
        mean = {_norm(v) for v in self.mean}
        if not best | mean:
            raise ValueError("name at least one value in `best` or `mean`")
        if best & mean:
            raise ValueError(f"{sorted(best & mean)[0]!r} is in both `best` and `mean`")
        return self


Question = StrictStr | AnyOf | NumberOf


class SurveyParams(_Strict):
    rows: Key
    questions: Annotated[list[Question], Field(min_length=1, max_length=200)]
    weights: Annotated[list[Weight], Field(min_length=1, max_length=200)] | None = None
    across: Literal["best", "mean"] | AcrossBy
    yes: Annotated[list[Answer], Field(min_length=1)] = ["yes"]
    left_out: list[Answer] = []
    screen: Key | None = None
    skip_blank_rows: StrictBool = False
    scorable: StrictBool = False

    @model_validator(mode="before")
    @classmethod
    def _across_table(cls, data: Any) -> Any:
        # A table for `across` is validated on its own, so its error is the one reported
        # (a union would report that the table is not 'best').
        if isinstance(data, dict) and isinstance(data.get("across"), dict):
            try:
                across = AcrossBy.model_validate(data["across"])
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ValueError(f"across{'.' + where if where else ''}: "
                                 f"{first['msg'].removeprefix('Value error, ')}") from None
            return {**data, "across": across}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> SurveyParams:
        for question in self.questions:
            if isinstance(question, str) and not re.fullmatch(r"[A-Za-z0-9_.-]+", question):
                raise ValueError(f"question {question!r} is not an answer key")
        if self.weights is not None and len(self.weights) != len(self.questions):
            raise ValueError(f"give one weight per question ({len(self.questions)}), "
                             f"not {len(self.weights)}")
        return self


def _norm(text: str) -> str:
    return text.strip().casefold()


def exact_mean(values: Sequence[float]) -> float:
    """The mean, summed left to right (spreadsheets' order and rounding)."""
    total = 0.0
    for value in values:
        total += value
    return total / len(values)


def weighted_mean(pairs: Sequence[tuple[float, float]]) -> float:
    """Σ w·v / Σ w over (weight, value) pairs, summed left to right; one value is itself."""
    if len(pairs) == 1:
        return pairs[0][1]
    numerator = 0.0
    denominator = 0.0
    for weight, value in pairs:
        numerator += weight * value
        denominator += weight
    return numerator / denominator


_NUMBER: Final = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True, slots=True)
class _Question:
    keys: tuple[str, ...]
    maximum: float | None  # None: a yes/no question

    @property
    def name(self) -> str:
        if self.maximum is not None:
            return f"{self.keys[0]}/{_fmt(self.maximum)}"
        return "|".join(self.keys)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _questions(params: SurveyParams) -> list[_Question]:
    out: list[_Question] = []
    for question in params.questions:
        if isinstance(question, str):
            out.append(_Question((question,), None))
        elif isinstance(question, AnyOf):
            out.append(_Question(tuple(question.any), None))
        else:
            out.append(_Question((question.number,), float(question.max)))
    return out


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Shape(Exception):
    """Evidence of the wrong shape inside the survey (raised internally, returned as BadShape)."""

    def __init__(self, bad: BadShape) -> None:
        super().__init__(bad.path)
        self.bad = bad


def _text_answer(value: Any, where: str) -> str | None:
    """An answer as normalised text; None when blank. Booleans read as yes / no."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        return "\0yes" if value else "\0no"
    if isinstance(value, str):
        return _norm(value)
    raise _Shape(BadShape(where, "a text answer such as 'Yes'", describe_value(value)))


def _number_answer(value: Any, maximum: float, where: str) -> float | None:
    """A numeric answer scaled to [0, 1]; None when the row gives no number."""
    if isinstance(value, bool) or _blank(value):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        if not _NUMBER.match(value.strip()):
            return None
        number = float(value.strip())
    else:
        raise _Shape(BadShape(where, "a number or a text answer", describe_value(value)))
    if not math.isfinite(number) or not 0 <= number <= maximum:
        raise _Shape(BadShape(where, f"a number from 0 to {_fmt(maximum)}",
                              describe_value(value)))
    return number / maximum


def _build_survey(params: SurveyParams) -> Any:
    questions = _questions(params)
    weights = [float(w) for w in params.weights] if params.weights else [1.0] * len(questions)
    answer_keys = tuple(dict.fromkeys(key for q in questions for key in q.keys))
    yes = frozenset(_norm(a) for a in params.yes) | {"\0yes"}
    left_out = frozenset(_norm(a) for a in params.left_out)
    across = params.across
    by_key: dict[str, str] = {}
    if isinstance(across, AcrossBy):
        by_key = {_norm(v): "best" for v in across.best} | {_norm(v): "mean" for v in across.mean}

    def mode_of(subject: Mapping[str, Any], path: str) -> str | Missing:
        if isinstance(across, str):
            return across
        where = f"{path}.{across.key}"
        value = subject.get(across.key)
        if value is None:
            return Missing(where)
        if not isinstance(value, str) or _norm(value) not in by_key:
            raise _Shape(BadShape(where, "one of " + ", ".join(repr(k) for k in by_key),
                                  describe_value(value)))
        return by_key[_norm(value)]

    def yes_no(row: Mapping[str, Any], question: _Question, where: str) -> float:
        for key in question.keys:
            if _text_answer(row.get(key), f"{where}.{key}") in yes:
                return 1.0
        return 0.0

    def all_left_out(rows: Sequence[tuple[str, Mapping[str, Any]]], question: _Question) -> bool:
        if not left_out or question.maximum is not None:
            return False
        return all(_text_answer(row.get(key), f"{where}.{key}") in left_out
                   for where, row in rows for key in question.keys)

    def score(subject: Any, ctx: EvalContext, path: str) -> Result:
        if not isinstance(subject, dict):
            return BadShape(path, f"a table with a list of rows in {params.rows!r}",
                            describe_value(subject))
        raw_rows = subject.get(params.rows)
        rows_path = f"{path}.{params.rows}"
        if raw_rows is None:
            return Missing(rows_path)
        if not isinstance(raw_rows, list):
            return BadShape(rows_path, "a list of rows (tables)", describe_value(raw_rows))
        if not raw_rows:
            return Missing(rows_path)
        try:
            rows: list[tuple[str, Mapping[str, Any]]] = []
            for index, row in enumerate(raw_rows):
                if not isinstance(row, dict):
                    return BadShape(f"{rows_path}[{index}]", "a table of answers",
                                    describe_value(row))
                if params.skip_blank_rows and all(_blank(row.get(k)) for k in answer_keys):
                    continue
                rows.append((f"{rows_path}[{index}]", row))
            mode = mode_of(subject, path)
            if isinstance(mode, Missing):
                return mode
            observed = rows
            if params.screen is not None:
                screen = params.screen
                observed = [(w, r) for w, r in rows
                            if _text_answer(r.get(screen), f"{w}.{screen}") in yes]
            present: list[tuple[float, float]] = []
            if observed:
                for question, weight in zip(questions, weights, strict=True):
                    if all_left_out(rows, question):
                        continue
                    values: list[float] = []
                    for where, row in observed:
                        if question.maximum is None:
                            values.append(yes_no(row, question, where))
                        else:
                            number = _number_answer(row.get(question.keys[0]),
                                                    question.maximum,
                                                    f"{where}.{question.keys[0]}")
                            if number is not None:
                                values.append(number)
                    if not values:
                        value = 0.0
                    elif mode == "best":
                        value = max(values)
                    else:
                        value = exact_mean(values)
                    present.append((weight, value))
        except _Shape as exc:
            return exc.bad
        if params.scorable:
            return 1.0 if present else 0.0
        if not present:
            return Missing(rows_path)
        return min(1.0, max(0.0, weighted_mean(present)))

    return score


def _describe(params: SurveyParams) -> str:
    questions = _questions(params)
    if params.weights:
        parts = [f"{q.name} ({_fmt(w)})" for q, w in zip(questions, params.weights, strict=True)]
    else:
        parts = [q.name for q in questions]
    if isinstance(params.across, AcrossBy):
        across = (f"best row where {params.across.key} is "
                  + "/".join(params.across.best or ["-"])
                  + ", mean of rows where it is " + "/".join(params.across.mean or ["-"]))
    else:
        across = f"{params.across} of rows"
    text = (f"survey of {params.rows}: " + ", ".join(parts)
            + f" answered {'/'.join(params.yes)}; {across}")
    if params.screen:
        text += f"; rows where {params.screen} is yes"
    if params.left_out:
        text += f"; a question all {'/'.join(params.left_out)} is left out"
    if params.skip_blank_rows:
        text += "; blank rows ignored"
    if params.scorable:
        text = "has something to score: " + text
    return text


SURVEY_CHECK: Final = CheckType(
    "survey",
    SurveyParams,
    _build_survey,
    _describe,
    summary="partial credit from answers on several rows (best or mean across rows)",
)
