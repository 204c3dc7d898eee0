"""The strict results.json schema, and the renderer's guarantees (finite, rounded, sums, visibility)."""

from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError

from grader.results.gradescope import GradescopeResults, dumps, render
from grader.results.model import PartResult, Report
from grader.results.write import fallback_results


def _part(**changes) -> PartResult:
    base = dict(key="p.a", number="1.1", title="P: a", points=1.5, earned=0.75, status="partial", note="NO_BIAS")
    return PartResult(**{**base, **changes})


def _report(*parts: PartResult, **changes) -> Report:
    return Report(problem_set_id="ps", problem_set_title="PS", parts=parts, answers_file="answers.yaml", **changes)


def test_render_is_valid_and_sums() -> None:
    results = render(_report(_part(), _part(key="p.b", number="1.2", earned=1 / 3 * 2, points=2)))
    GradescopeResults.model_validate(results)
    assert results["score"] == round(0.75 + round(2 / 3, 2), 2)
    assert all(test["output_format"] == "md" for test in results["tests"])


def test_extra_credit_is_a_zero_max_test() -> None:
    results = render(_report(_part(extra_credit=True, earned=1.0, status="correct")))
    test = results["tests"][0]
    assert test["max_score"] == 0.0 and test["score"] == 1.0 and "extra credit" in test["name"]
    GradescopeResults.model_validate(results)


def test_internal_error_adds_an_apology_and_a_hidden_traceback() -> None:
    results = render(_report(_part(status="internal_error", earned=0.0, staff_detail="Traceback: boom")))
    staff = [test for test in results["tests"] if test["visibility"] == "hidden"]
    assert len(staff) == 1 and "Traceback: boom" in staff[0]["output"]
    visible = results["tests"][0]
    assert "Traceback" not in visible["output"] and "internal error" in visible["output"]
    assert "not your fault" in results["output"]


def test_whole_run_crash_report() -> None:
    results = render(Report(problem_set_id="ps", problem_set_title="PS", parts=(), internal_error="Traceback: x"))
    GradescopeResults.model_validate(results)
    names = [(test["name"], test["visibility"]) for test in results["tests"]]
    assert names == [("Autograder internal error", "visible"),
                     ("Autograder internal error (details for staff)", "hidden")]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0, 2.0, 0.333])
def test_schema_refuses_bad_scores(bad: float) -> None:
    results = render(_report(_part()))
    results["tests"][0]["score"] = bad
    results["score"] = bad
    with pytest.raises((ValidationError, ValueError)):
        dumps(results)


def test_schema_refuses_wrong_total_and_string_time() -> None:
    results = render(_report(_part()))
    results["score"] = 5.0
    with pytest.raises(ValidationError):
        GradescopeResults.model_validate(results)
    results = render(_report(_part()))
    results["execution_time"] = "0.5"
    with pytest.raises(ValidationError):
        GradescopeResults.model_validate(results)


def test_dumps_is_strict_json() -> None:
    text = dumps(render(_report(_part())))
    json.loads(text, parse_constant=lambda name: pytest.fail(f"non-strict constant {name}"))


def test_fallback_is_valid() -> None:
    GradescopeResults.model_validate(fallback_results())
