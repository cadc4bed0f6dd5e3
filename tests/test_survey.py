"""The `survey` check: answers on several rows of one subject, combined best-or-mean."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maturity.checks import (
    BUILTIN_CHECK_TYPES,
    BadShape,
    CheckCompiler,
    CheckSpecError,
    EvalContext,
    Missing,
    Result,
)
from maturity.survey import SURVEY_CHECK, exact_mean, weighted_mean

COMPILER = CheckCompiler([*BUILTIN_CHECK_TYPES, SURVEY_CHECK])
CTX = EvalContext(dt.date(2022, 12, 31), {})
LEVELS = {"key": "level", "best": ["Central"], "mean": ["Regional", "Local"]}


def run(params: dict[str, Any], subject: Any) -> Result:
    check = COMPILER.compile({"path": "svc", "survey": params})
    return check.evaluate({"svc": subject} if subject is not None else {}, CTX)


def service(level: str, *rows: dict[str, Any]) -> dict[str, Any]:
    return {"level": level, "urls": list(rows)}


def test_weighted_questions_take_the_best_row_for_central_services() -> None:
    params = {"rows": "urls", "questions": ["A1", "A2", "A3"], "weights": [25, 50, 25],
              "across": LEVELS}
    subject = service("Central", {"A1": "Yes", "A2": "No", "A3": "no"},
                      {"A1": "no", "A2": " yes ", "A3": "."})
    assert run(params, subject) == 0.75


def test_local_services_take_the_mean_of_their_rows() -> None:
    params = {"rows": "urls", "questions": ["A1"], "across": LEVELS}
    subject = service("local", {"A1": "Yes"}, {"A1": "No"}, {"A1": "NR"}, {"A1": ""})
    assert run(params, subject) == 0.25


def test_answers_are_trimmed_and_case_insensitive_but_typos_stay_typos() -> None:
    params = {"rows": "urls", "questions": ["A1", "A2", "A3"], "across": "best"}
    subject = service("Central", {"A1": "YEs ", "A2": "Yyes", "A3": True})
    assert run(params, subject) == pytest.approx(2 / 3)


def test_a_question_is_left_out_only_when_every_row_says_not_relevant() -> None:
    params = {"rows": "urls", "questions": ["C1", "C2"], "across": "best", "left_out": ["NR"]}
    assert run(params, service("Central", {"C1": "nr", "C2": "No"}, {"C1": "NR ", "C2": "No"})) \
        == 0.0
    assert run(params, service("Central", {"C1": "nr", "C2": "Yes"}, {"C1": "NR", "C2": "No"})) \
        == 1.0
    # One row answered: NR on the others counts 0.
    assert run(params, service("Central", {"C1": "Yes", "C2": "Yes"}, {"C1": "NR", "C2": "No"})) \
        == 1.0


def test_everything_left_out_leaves_nothing_to_score() -> None:
    params = {"rows": "urls", "questions": ["F2", "F3"], "across": "best", "left_out": ["NR"]}
    subject = service("Central", {"F2": "NR", "F3": "nr"})
    assert isinstance(run(params, subject), Missing)
    assert run({**params, "scorable": True}, subject) == 0.0
    assert run({**params, "scorable": True}, service("Central", {"F2": "No", "F3": "nr"})) == 1.0


def test_screening_keeps_rows_whose_screen_is_yes_but_left_out_looks_at_every_row() -> None:
    params = {"rows": "urls", "questions": ["F2", "F3", "F4"], "across": LEVELS,
              "screen": "F1", "left_out": ["NR"]}
    subject = service("Regional",
                      {"F1": "Yes", "F2": "Yes", "F3": "No", "F4": "NR"},
                      {"F1": "No", "F2": "No", "F3": "No", "F4": "Yes"},
                      {"F1": "yes", "F2": "No", "F3": "Yes", "F4": "NR"})
    # Rows 1 and 3 only; F4 is not NR on every row of the service, so it stays (0 on both).
    assert run(params, subject) == pytest.approx((0.5 + 0.5 + 0.0) / 3)
    nobody = service("Central", {"F1": "No", "F2": "Yes"})
    assert isinstance(run(params, nobody), Missing)
    assert run({**params, "scorable": True}, nobody) == 0.0


def test_paired_questions_are_or_combined_on_each_row_first() -> None:
    params = {"rows": "urls", "questions": [{"any": ["F7_1", "F7_2"]}], "across": "mean"}
    subject = service("Local", {"F7_1": "No", "F7_2": "Yes"}, {"F7_1": "No", "F7_2": "No"})
    assert run(params, subject) == 0.5


def test_numbers_are_scaled_by_their_maximum_and_non_numbers_ignored() -> None:
    params = {"rows": "urls", "questions": [{"number": "mobile", "max": 100}],
              "across": LEVELS}
    assert run(params, service("Local", {"mobile": "100"}, {"mobile": "."},
                               {"mobile": 0})) == 0.5
    assert run(params, service("Central", {"mobile": "."}, {"mobile": ""})) == 0.0
    portal = {"rows": "urls", "questions": [{"number": "D1", "max": 3}, "D2"], "across": "best"}
    assert run(portal, service("Central", {"D1": "2", "D2": "No"}, {"D1": "1", "D2": "Yes"})) \
        == pytest.approx((2 / 3 + 1) / 2)


def test_blank_rows_can_be_ignored() -> None:
    params = {"rows": "urls", "questions": ["B1"], "across": "mean", "skip_blank_rows": True}
    assert run(params, service("Central", {"url": "https://x", "B1": "Yes"},
                               {"url": "https://y", "B1": " "})) == 1.0
    only_blank = service("Central", {"url": "", "provider": "Ministry", "B1": ""})
    assert isinstance(run(params, only_blank), Missing)
    assert run({**params, "scorable": True}, only_blank) == 0.0
    assert run({**params, "skip_blank_rows": False}, only_blank) == 0.0


def test_missing_and_malformed_evidence() -> None:
    params = {"rows": "urls", "questions": ["A1"], "across": LEVELS}
    assert isinstance(run(params, None), Missing)
    assert isinstance(run(params, {"level": "Central"}), Missing)
    assert isinstance(run(params, {"level": "Central", "urls": []}), Missing)
    assert isinstance(run(params, {"urls": [{"A1": "Yes"}]}), Missing)
    for subject, where in (
        ("text", "svc"),
        ({"level": "Central", "urls": "x"}, "svc.urls"),
        ({"level": "Central", "urls": ["x"]}, "svc.urls[0]"),
        ({"level": "Central", "urls": [{"A1": 1}]}, "svc.urls[0].A1"),
        ({"level": "federal", "urls": [{"A1": "Yes"}]}, "svc.level"),
    ):
        result = run(params, subject)
        assert isinstance(result, BadShape), subject
        assert result.path == where
    out_of_range = run({"rows": "urls", "questions": [{"number": "D1", "max": 3}],
                        "across": "best"}, service("Central", {"D1": "4"}))
    assert isinstance(out_of_range, BadShape)
    assert out_of_range.expected == "a number from 0 to 3"


@pytest.mark.parametrize(("params", "message"), [
    ({"rows": "urls", "questions": ["A1", "A2"], "weights": [1], "across": "best"},
     "one weight per question"),
    ({"rows": "urls", "questions": ["A1"], "across": "worst"}, "across"),
    ({"rows": "urls", "questions": [], "across": "best"}, "questions"),
    ({"rows": "urls", "questions": ["A1"], "across": {"key": "level", "best": ["a"],
                                                      "mean": ["A "]}}, "both"),
    ({"rows": "urls", "questions": ["A 1"], "across": "best"}, "not an answer key"),
    ({"rows": "urls", "questions": ["A1"], "across": "best", "weights": [0]}, "weights"),
    ({"rows": "urls", "questions": ["A1"], "across": "best", "extra": 1}, "extra"),
])
def test_invalid_parameters_are_rejected_when_the_pack_loads(
    params: dict[str, Any], message: str
) -> None:
    with pytest.raises(CheckSpecError) as caught:
        COMPILER.compile({"path": "svc", "survey": params})
    assert message in caught.value.message + " ".join(map(str, caught.value.location))


def test_the_condition_says_what_is_asked() -> None:
    check = COMPILER.compile({"path": "svc", "survey": {
        "rows": "urls", "questions": ["A1", {"any": ["F7_1", "F7_2"]}], "weights": [1, 3],
        "across": LEVELS, "screen": "F6", "left_out": ["NR"]}})
    assert check.condition == (
        "svc survey of urls: A1 (1), F7_1|F7_2 (3) answered yes; best row where level is "
        "Central, mean of rows where it is Regional/Local; rows where F6 is yes; a question "
        "all NR is left out")
    assert check.paths == ("svc",)


def test_sums_run_left_to_right_like_a_spreadsheet() -> None:
    values = [0.1] * 10
    naive = 0.0
    for value in values:
        naive += value
    assert exact_mean(values) == naive / 10
    assert weighted_mean([(0.8, 70.0)]) == 70.0
    assert weighted_mean([(2.0, 1.0), (1.0, 0.0)]) == 2 / 3


answers = st.sampled_from(["Yes", "yes ", "No", "no", "NR", "nr", ".", "", "Yyes"])
rows = st.lists(st.fixed_dictionaries({"A1": answers, "A2": answers, "A3": answers}),
                min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(rows, st.sampled_from(["Central", "Regional", "Local"]),
       st.lists(st.integers(1, 50), min_size=3, max_size=3))
def test_credit_lies_in_zero_one_and_best_is_never_below_mean(
    table: list[dict[str, str]], level: str, weights: list[int]
) -> None:
    params = {"rows": "urls", "questions": ["A1", "A2", "A3"], "weights": weights,
              "across": LEVELS, "left_out": ["NR"]}
    best = run({**params, "across": "best"}, service(level, *table))
    mean = run({**params, "across": "mean"}, service(level, *table))
    if isinstance(best, Missing):
        assert isinstance(mean, Missing)
        assert all(row[q].strip().lower() == "nr" for row in table for q in ("A1", "A2", "A3"))
        return
    assert isinstance(best, float) and isinstance(mean, float)
    assert 0.0 <= mean <= best + 1e-12 <= 1.0 + 1e-12
    chosen = run(params, service(level, *table))
    assert chosen == (best if level == "Central" else mean)


@settings(max_examples=100, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_the_best_row_does_not_depend_on_row_order(table: list[dict[str, str]], rnd: Any) -> None:
    params = {"rows": "urls", "questions": ["A1", "A2", "A3"], "across": "best",
              "left_out": ["NR"]}
    shuffled = list(table)
    rnd.shuffle(shuffled)
    assert repr(run(params, service("Central", *table))) == repr(
        run(params, service("Central", *shuffled)))
