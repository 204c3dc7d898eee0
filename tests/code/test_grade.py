"""grade_code_part on hand-built sandbox reports: scores, statuses, notes and the exact feedback students see."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from grader.code.grade import APOLOGY, grade_code_part
from grader.code.plan import CallPlan, plan_calls
from grader.sandbox.outcome import Failure, NotRun, Raised, Returned, Unreadable
from grader.solvers import SOLVERS
from tests.code.stand_in import base_result, code_part, report

SIZE = ["size", "kernel_size", "stride", "padding", "dilation"]
CASES = [{"size": 7, "kernel_size": 3}, {"size": 8, "kernel_size": 3, "stride": 2},
         {"size": 10, "kernel_size": 3, "dilation": 2}, {"size": 5, "kernel_size": 1, "padding": 1}]


def _size_part(**code: Any) -> Any:
    fields = {key: code.pop(key) for key in ("mistakes", "hint", "points") if key in code}
    return code_part({"function": "conv_output_size", "signature": SIZE, "cases": CASES, **code},
                     expected={"solver": "conv_output_size"}, **fields)


def _answers(plan: CallPlan, function: Callable[..., Any], signature: list[str]) -> list[Returned]:
    """What a student's function (here a solver) returns for every planned call."""
    return [Returned(function(**dict(zip(signature, args)))) for args, _ in plan.calls]


def _grade(part: Any, outcomes: list[Any], failure: Failure | None = None):
    plan = plan_calls(part, {})
    return grade_code_part(base_result(part.points), part, plan, report(outcomes, len(plan.calls), failure))


def _solver(name: str) -> Callable[..., Any]:
    return lambda **args: SOLVERS[name](**args)


# --- all pass, some fail ---------------------------------------------------------------------------------


def test_all_cases_pass() -> None:
    part = _size_part(hint="Count the windows.")
    result = _grade(part, [Returned(5), Returned(3), Returned(6), Returned(7)])
    assert (result.status, result.earned, result.note, result.hint) == ("correct", 2.0, "CORRECT", None)
    assert result.feedback == "Passed: 4 of 4 cases."
    assert result.staff_detail is None and result.key == "p.part"


def test_some_cases_fail_per_case_credit_and_the_first_failure_named() -> None:
    part = _size_part(hint="Count the windows.")
    result = _grade(part, [Returned(5), Returned(4), Returned(6), Returned(6)])
    assert (result.status, result.earned, result.note, result.hint) == ("partial", 1.0, "PARTIAL", "Count the windows.")
    assert result.feedback == (
        "**Passed: 2 of 4 cases.**\n\n"
        "**First failing case** (2 of 4): `conv_output_size(8, 3, 2, 0, 1)` returned a wrong result: "
        "got `4`, expected `3`.")


def test_earned_is_rounded_to_two_decimals() -> None:
    part = code_part({"function": "conv_output_size", "signature": SIZE, "cases": CASES[:3]},
                     expected={"solver": "conv_output_size"})
    assert _grade(part, [Returned(5), Returned(0), Returned(0)]).earned == 0.67
    one_point = part.model_copy(update={"points": 1.0})
    assert _grade(one_point, [Returned(5), Returned(3), Returned(0)]).earned == 0.67


def test_all_or_nothing_gives_nothing_for_one_failure() -> None:
    part = _size_part(credit="all_or_nothing")
    result = _grade(part, [Returned(5), Returned(3), Returned(6), Returned(0)])
    assert (result.status, result.earned, result.note) == ("wrong", 0.0, "WRONG")
    assert _grade(part, [Returned(5), Returned(3), Returned(6), Returned(7)]).earned == 2.0


def test_a_wrong_type_is_explained() -> None:
    result = _grade(_size_part(), [Returned(5.0), Returned(3), Returned(6), Returned(7)])
    assert "got `5.0` (a float), expected `5` (an int): return an int, e.g. with `//`" in result.feedback


def test_array_cases_show_the_first_wrong_entry_and_the_call() -> None:
    part = code_part({"function": "conv2d", "signature": ["input", "kernel", "stride"],
                      "cases": [{"input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]], "kernel": [[1, 0], [0, -1]]}]},
                     expected={"solver": "conv2d_matrix"})
    result = _grade(part, [Returned(np.array([[4.0, 4.0], [4.0, 4.0]]))])
    assert result.feedback.startswith(
        "**Passed: 0 of 1 case.**\n\n**First failing case** (1 of 1): "
        "`conv2d([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0], [0, -1]], 1)` returned a wrong result: "
        "4 of 4 entries differ; the first at `[0, 0]`: got `4.0`, expected `-4`")
    assert _grade(part, [Returned([[-4, -4], [-4, -4]])]).status == "correct"


# --- exceptions and unreadable values ------------------------------------------------------------------


def test_an_exception_is_shown_with_its_file_and_line() -> None:
    raised = Raised("ZeroDivisionError", "division by zero", "cnn.py, line 12")
    result = _grade(_size_part(), [Returned(5), raised, Returned(6), Returned(7)])
    assert result.note == "EXCEPTION" and result.earned == 1.5 and result.status == "partial"
    assert ("**First failing case** (2 of 4): `conv_output_size(8, 3, 2, 0, 1)` raised "
            "`ZeroDivisionError: division by zero (cnn.py, line 12)`.") in result.feedback


def test_an_unreadable_value_is_not_a_crash() -> None:
    result = _grade(_size_part(), [Unreadable("an object of class Tensor"), Returned(3), Returned(6), Returned(7)])
    assert result.note == "UNREADABLE" and result.earned == 1.5
    assert "returned a value the grader cannot read (`an object of class Tensor`)" in result.feedback


# --- hidden inputs -----------------------------------------------------------------------------------------

SECRET = {"size": 97531, "kernel_size": 3}  # output 97529: neither number may reach the student


def _hidden_part() -> Any:
    return code_part({"function": "conv_output_size", "signature": SIZE, "cases": [CASES[0], SECRET],
                      "hide_inputs": True}, expected={"solver": "conv_output_size"})


@pytest.mark.parametrize("outcome", [
    Returned(86420), Returned(97531), Returned(97529.0), Returned([97531, 3]), Returned(None),
    Raised("ValueError", "bad size 97531", "cnn.py, line 3"), Unreadable("object 97531"),
])
def test_hidden_inputs_never_leak_the_input_the_expected_or_the_returned_value(outcome: Any) -> None:
    result = _grade(_hidden_part(), [Returned(5), outcome])
    for secret in ("97531", "97529", "86420", "97,5"):
        assert secret not in result.feedback
    assert "(2 of 2; this part's inputs are hidden)" in result.feedback
    assert result.expected_shown is None and result.answer_shown is None


def test_hidden_exception_shows_its_type_and_line_but_not_its_message() -> None:
    result = _grade(_hidden_part(), [Returned(5), Raised("ValueError", "bad size 97531", "cnn.py, line 3")])
    assert ("**First failing case** (2 of 2; this part's inputs are hidden) raised `ValueError (cnn.py, line 3)` "
            "(its message is not shown, as this part's inputs are hidden).") in result.feedback


def test_hidden_wrong_value_says_only_that_it_is_wrong() -> None:
    result = _grade(_hidden_part(), [Returned(5), Returned(86420)])
    assert result.feedback == ("**Passed: 1 of 2 cases.**\n\n**First failing case** (2 of 2; this part's inputs "
                               "are hidden) returned a wrong result: the value is not the expected one.")


# --- the batch stopped early ------------------------------------------------------------------------------


def test_timeout_mid_batch_keeps_the_cases_that_ran() -> None:
    failure = Failure("TIMEOUT", "Your code did not finish within 5.0 s (call 3 of 4 was running).")
    result = _grade(_size_part(), [Returned(5), Returned(3)], failure)
    assert (result.status, result.earned, result.note) == ("partial", 1.0, "TIMEOUT")
    assert result.feedback == (
        "**Passed: 2 of 4 cases.**\n\n**Your code stopped early.** Your code did not finish within 5.0 s "
        "(call 3 of 4 was running). The cases after that point were not run.")


def test_crash_after_a_wrong_case_reports_both() -> None:
    failure = Failure("CRASH", "Your code ended the Python process (exit status 3), e.g. with os._exit().")
    result = _grade(_size_part(), [Returned(5), Returned(9), Returned(6)], failure)
    assert result.note == "CRASH" and result.earned == 1.0
    assert "**Your code stopped early.** Your code ended the Python process" in result.feedback
    assert "**First failing case** (2 of 4): `conv_output_size(8, 3, 2, 0, 1)` returned a wrong result: got `9`" in result.feedback


def test_a_batch_that_stopped_at_once_scores_zero() -> None:
    failure = Failure("MEMORY", "Your code ran out of memory.")
    result = _grade(_size_part(), [], failure)
    assert (result.status, result.earned, result.note) == ("wrong", 0.0, "MEMORY")
    assert "First failing case" not in result.feedback


@pytest.mark.parametrize("code, status", [("NO_FILE", "missing"), ("NO_FUNCTION", "missing"),
                                          ("IMPORT_ERROR", "wrong")])
def test_code_that_cannot_be_loaded_scores_zero_with_the_reason(code: str, status: str) -> None:
    message = {"NO_FILE": "No file `cnn.py` was found in your submission.",
               "NO_FUNCTION": "`cnn.py` has no function `conv_output_size`.",
               "IMPORT_ERROR": "`cnn.py` could not be imported: SyntaxError: invalid syntax (cnn.py, line 4)"}[code]
    result = _grade(_size_part(hint="h"), [], Failure(code, message))
    assert (result.status, result.earned, result.note, result.hint) == (status, 0.0, code, "h")
    assert result.feedback == f"{message} None of this part's 4 cases could run."


def test_a_sandbox_error_is_the_graders_fault() -> None:
    failure = Failure("SANDBOX_ERROR", "The grader could not start your code.", "Traceback: PermissionError")
    result = _grade(_size_part(), [], failure)
    assert (result.status, result.note, result.earned) == ("internal_error", "INTERNAL_ERROR", 0.0)
    assert result.staff_detail == "Traceback: PermissionError" and result.feedback == APOLOGY
    assert "not yours" in APOLOGY and "Traceback" not in result.feedback


def test_a_report_that_does_not_fit_the_plan_is_an_internal_error() -> None:
    part = _size_part()
    plan = plan_calls(part, {})
    result = grade_code_part(base_result(), part, plan, report([Returned(5)]))
    assert result.status == "internal_error" and "answered 1 of 4 calls" in (result.staff_detail or "")


# --- named mistakes -----------------------------------------------------------------------------------------

OFF_BY_ONE = {"name": "OFF_BY_ONE", "solver": "conv_output_size_no_plus_one", "credit": 0.25,
              "feedback": "Off by one: the first window also counts."}
ROUNDED_UP = {"name": "ROUNDED_UP", "solver": "conv_output_size_rounded_up", "feedback": "Round down: floor."}


def test_a_mistake_that_explains_every_failing_case_gives_its_feedback_and_credit() -> None:
    part = _size_part(mistakes=[ROUNDED_UP, OFF_BY_ONE])
    plan = plan_calls(part, {})
    result = grade_code_part(base_result(), part, plan,
                             report(_answers(plan, _solver("conv_output_size_no_plus_one"), SIZE)))
    assert (result.note, result.earned, result.status) == ("OFF_BY_ONE", 0.5, "partial")
    assert result.feedback.endswith("\n\nOff by one: the first window also counts.")
    assert "**Passed: 0 of 4 cases.**" in result.feedback


def test_a_mistake_agreeing_with_the_reference_on_some_cases_still_fires() -> None:
    part = _size_part(mistakes=[OFF_BY_ONE, ROUNDED_UP])
    plan = plan_calls(part, {})
    result = grade_code_part(base_result(), part, plan,
                             report(_answers(plan, _solver("conv_output_size_rounded_up"), SIZE)))
    assert result.note == "ROUNDED_UP" and result.earned == 1.5  # 3 of 4 cases agree: more than credit 0
    assert result.feedback.endswith("Round down: floor.")


def test_no_mistake_when_one_failing_case_does_not_match_it() -> None:
    part = _size_part(mistakes=[OFF_BY_ONE])
    result = _grade(part, [Returned(4), Returned(2), Returned(5), Returned(99)])
    assert result.note == "WRONG" and "Off by one" not in result.feedback


def test_no_mistake_when_a_failing_case_raised() -> None:
    part = _size_part(mistakes=[OFF_BY_ONE])
    result = _grade(part, [Returned(4), Returned(2), Returned(5), Raised("IndexError", "oops")])
    assert result.note == "WRONG" and result.earned == 0.0 and "Off by one" not in result.feedback
    assert _grade(part, [Returned(4), Returned(2), Returned(5), Returned(6)]).note == "OFF_BY_ONE"


def test_no_mistake_on_a_correct_answer() -> None:
    result = _grade(_size_part(mistakes=[OFF_BY_ONE]), [Returned(5), Returned(3), Returned(6), Returned(7)])
    assert result.note == "CORRECT" and "Off by one" not in result.feedback


def test_a_flipped_kernel_is_recognised_on_float_results() -> None:
    part = code_part({"function": "conv2d", "signature": ["input", "kernel"],
                      "generate": {"generator": "conv2d_matrix_cases", "seed": 2, "count": 30,
                                   "params": {"stride": False, "padding": False, "dilation": False}}},
                     expected={"solver": "conv2d_matrix"},
                     mistakes=[{"name": "FLIPPED_KERNEL", "args": {"flip_kernel": True},
                                "feedback": "That is a convolution with the kernel flipped."}])
    plan = plan_calls(part, {})
    flipped = [Returned(np.asarray(SOLVERS["conv2d_matrix"](input=args[0], kernel=args[1], flip_kernel=True),
                                   dtype=float)) for args, _ in plan.calls]
    result = grade_code_part(base_result(), part, plan, report(flipped))
    assert result.note == "FLIPPED_KERNEL" and result.status == "partial"  # symmetric kernels still pass
    assert result.feedback.endswith("That is a convolution with the kernel flipped.")


def test_a_mistake_whose_solver_rejects_a_case_does_not_fire() -> None:
    same = {"name": "SAME", "args": {"padding": "same"}, "feedback": "same padding"}
    part = code_part({"function": "f", "signature": ["size", "kernel_size", "stride"],
                      "cases": [{"size": 9, "kernel_size": 3, "stride": 1}, {"size": 9, "kernel_size": 3, "stride": 2}]},
                     expected={"solver": "conv_output_size"}, mistakes=[same])
    assert _grade(part, [Returned(9), Returned(4)]).note == "SAME"  # case 2 passes, case 1 is 'same'
    result = _grade(part, [Returned(9), Returned(9)])  # 'same' padding rejects stride 2: no match there
    assert result.note == "WRONG" and "same padding" not in result.feedback


# --- properties --------------------------------------------------------------------------------------------

IOU_PROPERTIES = ["iou_in_unit_interval", "iou_symmetric", "iou_self_is_one", "iou_disjoint_is_zero",
                  "iou_scale_invariant"]


def _iou_part(points: float = 2.0, **code: Any) -> Any:
    return code_part({"function": "iou", "signature": ["box_a", "box_b"], "properties": IOU_PROPERTIES,
                      "generate": {"generator": "iou_cases", "seed": 5, "count": 20}, **code},
                     expected={"solver": "iou"}, points=points)


def test_properties_pass_with_the_reference() -> None:
    part = _iou_part()
    plan = plan_calls(part, {})
    result = grade_code_part(base_result(), part, plan, report(_answers(plan, _solver("iou"), ["box_a", "box_b"])))
    assert result.status == "correct" and result.feedback == "Passed: 20 of 20 cases, 5 of 5 property checks."


def test_a_failing_property_costs_one_check_and_says_why() -> None:
    part = _iou_part(points=2.5)
    plan = plan_calls(part, {})
    outcomes = _answers(plan, _solver("iou"), ["box_a", "box_b"])
    symmetric = next(p for p in plan.properties if p.name == "iou_symmetric")
    outcomes[symmetric.checks[0].calls[0]] = Returned(0.5)  # IoU(B, A) of case 1 differs from IoU(A, B)
    result = grade_code_part(base_result(2.5), part, plan, report(outcomes))
    assert result.earned == 2.4 and result.status == "partial" and result.note == "PARTIAL"  # 24 of 25 checks
    assert ("Property check failed: IoU(A, B) = IoU(B, A): IoU(A, B) = `0.14285714285714285` but IoU(B, A) = "
            "`0.5` for A = `[0, 0, 2, 2]`, B = `[1, 1, 3, 3]`; the overlap of two boxes does not depend on their "
            "order (case 1 of 20).") in result.feedback
    assert "**Passed: 20 of 20 cases, 4 of 5 property checks.**" in result.feedback


def test_a_property_blocked_by_an_exception_fails_and_says_so() -> None:
    part = _iou_part()
    plan = plan_calls(part, {})
    outcomes = _answers(plan, _solver("iou"), ["box_a", "box_b"])
    disjoint = next(p for p in plan.properties if p.name == "iou_disjoint_is_zero")
    outcomes[disjoint.checks[2].calls[1]] = Raised("ZeroDivisionError", "float division by zero", "cnn.py, line 9")
    result = grade_code_part(base_result(), part, plan, report(outcomes))
    assert ("Property check failed: disjoint boxes have IoU 0: the call for case 3 of 20 raised "
            "`ZeroDivisionError: float division by zero (cnn.py, line 9)`.") in result.feedback
    assert result.note == "EXCEPTION"


def test_hidden_property_failures_show_only_the_description() -> None:
    part = _iou_part(hide_inputs=True)
    plan = plan_calls(part, {})
    outcomes = _answers(plan, _solver("iou"), ["box_a", "box_b"])
    scale = next(p for p in plan.properties if p.name == "iou_scale_invariant")
    outcomes[scale.checks[0].calls[0]] = Returned(0.125)
    result = grade_code_part(base_result(), part, plan, report(outcomes))
    assert "Property check failed: scaling both boxes leaves IoU unchanged (case 1 of 20)." in result.feedback
    assert "[0, 0, 2, 2]" not in result.feedback and "0.125" not in result.feedback


def _blur_part(**code: Any) -> Any:
    return code_part({"function": "blur", "signature": ["kernel_size"], "properties": ["blur_filter"],
                      "cases": [{"kernel_size": 3}, {"kernel_size": 5}], **code})


def test_a_designed_filter_judged_by_properties_alone() -> None:
    boxes = [Returned(np.full((3, 3), 1 / 9)), Returned([[1 / 25] * 5] * 5)]
    result = _grade(_blur_part(), boxes)
    assert (result.status, result.earned) == ("correct", 2.0)
    assert result.feedback == "Passed: 1 of 1 property check."


def test_a_designed_filter_that_copies_the_image_fails_with_the_reason() -> None:
    identity = [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    result = _grade(_blur_part(), [Returned(identity), Returned(np.full((5, 5), 0.04))])
    assert (result.status, result.earned, result.note) == ("wrong", 0.0, "WRONG")
    assert result.feedback == (
        "**Passed: 0 of 1 property check.**\n\nProperty check failed: a filter with no negative weights; weights "
        "summing to 1; weight spread over several pixels: your filter (kernel_size `3`) falls short: all the "
        "weight sits on one pixel: it copies the image instead of blurring it (case 1 of 2).")
    wrong_size = _grade(_blur_part(), [Returned(np.full((3, 3), 1 / 9)), Returned(np.full((3, 3), 1 / 9))])
    assert "the filter should be 5×5, got 3×3 (case 2 of 2)" in wrong_size.feedback


# --- hostile returned values ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["`5`<script>alert(1)</script>", "x" * 100_000, 10**5000, [[1, [2]], 3],
                                   {"a": {"b": None}}, float("nan"), -0.0, (), np.zeros((1000, 1000))],
                         ids=lambda value: type(value).__name__)
def test_hostile_values_get_a_bounded_safe_message(value: Any) -> None:
    result = _grade(_size_part(), [Returned(value), Returned(3), Returned(6), Returned(7)])
    assert result.status == "partial" and result.earned == 1.5 and len(result.feedback) < 1500
    assert result.feedback.count("`") % 2 == 0 and "<script>alert" not in result.feedback.replace("`<script>", "")
