"""The unittest runner on instructor files (tests/unittests/fixtures/) against a correct and a buggy
student, through the in-process fake sandbox: whole outcome tuples, in the order unittest runs them."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from grader.unittests import LeaderboardEntry, Subtests, TestOutcome, run_test_file
from tests.unittests.fake import FIXTURES, HANG, fake_call, student

NOT_PLAIN = "use numbers, strings, lists, tuples, str-keyed dicts or numeric numpy arrays"
ZERO = "Your function conv_output_size raised ZeroDivisionError: integer division or modulo by zero"


def run(fixture: str, who: str, **options: Any) -> tuple[TestOutcome, ...]:
    outcomes = run_test_file(FIXTURES / f"{fixture}.py", {"cnn": "cnn.py"},
                             fake_call({"cnn.py": student(who)}, hang=("slow",)), **options)
    assert all(type(outcome.seconds) is float and outcome.seconds >= 0 for outcome in outcomes)
    return tuple(replace(outcome, seconds=0.0, staff_detail=_last_line(outcome.staff_detail)) for outcome in outcomes)


def _last_line(detail: str | None) -> str | None:
    return detail.strip().splitlines()[-1] if detail else None


def T(test_id: str, number: str | None, weight: float, score: float, status: str, note: str, message: str = "",
      *, staff: str | None = None, **fields: Any) -> TestOutcome:
    """An expected outcome; the name defaults to ``method (Class)`` as for a test without a docstring."""
    klass, method = test_id.split(".")
    fields.setdefault("name", f"{method} ({klass})")
    return TestOutcome(test_id=test_id, number=number, weight=weight, score=score, status=status, note=note,
                       message=message, staff_detail=staff, **fields)


def _basics_common() -> dict[str, TestOutcome]:
    rows = [
        T("TestBasics.test_arguments_are_copied", "1.13", 1, 1, "passed", "PASSED"),
        T("TestBasics.test_missing_function", "1.7", 1, 0, "failed", "CALL_FAILED",
          "cnn.py has no function missing_function.",
          staff="grader.unittests.errors.StudentCallFailed: cnn.py has no function missing_function."),
        T("TestBasics.test_non_plain_argument", "1.9", 1, 0, "internal_error", "INTERNAL_ERROR",
          staff=f"grader.unittests.errors.NotPlainData: conv_output_size(): argument 1 is not plain data "
                f"(a value of type set); {NOT_PLAIN}"),
        T("TestBasics.test_non_plain_argument_caught", "1.10", 1, 0, "internal_error", "INTERNAL_ERROR",
          staff=f"conv_output_size(): argument k= is not plain data (a value of type object); {NOT_PLAIN}"),
        T("TestBasics.test_not_a_function", "1.8", 1, 0, "failed", "CALL_FAILED",
          "cnn.py has no function NOT_A_FUNCTION.",
          staff="grader.unittests.errors.StudentCallFailed: cnn.py has no function NOT_A_FUNCTION."),
        T("TestBasics.test_prints", "1.15", 1, 1, "passed", "PASSED", output="checking n=7, k=3\n"),
        T("TestBasics.test_skipped", "1.14", 1, 0, "skipped", "SKIPPED", "released next week"),
        T("TestBasics.test_timeout", "1.6", 1, 0, "failed", "CALL_FAILED", HANG,
          staff=f"grader.unittests.errors.StudentCallFailed: {HANG}"),
    ]
    return {row.test_id: row for row in rows}


def _in_order(rows: dict[str, TestOutcome]) -> tuple[TestOutcome, ...]:
    return tuple(rows[key] for key in sorted(rows))


def test_basics_correct_student() -> None:
    rows = _basics_common()
    for row in [
        T("TestBasics.test_leaderboard", None, 0, 0, "passed", "PASSED",
          leaderboard=LeaderboardEntry("accuracy", 0.93, "desc")),
        T("TestBasics.test_numpy", "1.12", 1, 1, "passed", "PASSED"),
        T("TestBasics.test_output_size", "1.1", 2, 2, "passed", "PASSED", name="Output size of a 3x3 convolution",
          tags=("sizes", "conv")),
        T("TestBasics.test_params", "1.2", 1.5, 1.5, "passed", "PASSED", visibility="after_due_date"),
        T("TestBasics.test_params_hidden", "1.3", 1, 1, "passed", "PASSED", visibility="hidden"),
        T("TestBasics.test_raises_value_error", "1.5", 1, 1, "passed", "PASSED"),
        T("TestBasics.test_student_exception", "1.4", 1, 0, "failed", "STUDENT_ERROR", f"{ZERO} (cnn.py, line 12)",
          staff=f"grader.unittests.errors.StudentZeroDivisionError: {ZERO} (cnn.py, line 12)"),
        T("TestBasics.test_weightless", "1.11", 0, 0, "passed", "PASSED"),
    ]:
        rows[row.test_id] = row
    assert run("basics", "good_cnn") == _in_order(rows)


def test_basics_buggy_student() -> None:
    rows = _basics_common()
    for row in [
        T("TestBasics.test_leaderboard", None, 0, 0, "passed", "PASSED",
          leaderboard=LeaderboardEntry("accuracy", None, "desc"),
          staff="leaderboard value nan is not a finite number or a string; left out"),
        T("TestBasics.test_numpy", "1.12", 1, 0, "failed", "CALL_FAILED", "cnn.py has no function scale.",
          staff="grader.unittests.errors.StudentCallFailed: cnn.py has no function scale."),
        T("TestBasics.test_output_size", "1.1", 2, 0, "failed", "FAILED", "5 != 3",
          name="Output size of a 3x3 convolution", tags=("sizes", "conv"), staff="AssertionError: 5 != 3"),
        T("TestBasics.test_params", "1.2", 1.5, 0, "failed", "FAILED", "432 != 448 : conv2d_params(3, 16, 3)",
          visibility="after_due_date", staff="AssertionError: 432 != 448 : conv2d_params(3, 16, 3)"),
        T("TestBasics.test_params_hidden", "1.3", 1, 0, "failed", "FAILED", "Check the bias term.",
          visibility="hidden", staff="AssertionError: 12800 != 12832"),
        T("TestBasics.test_raises_value_error", "1.5", 1, 0, "failed", "FAILED", "ValueError not raised",
          staff="AssertionError: ValueError not raised"),
        T("TestBasics.test_student_exception", "1.4", 1, 0, "failed", "STUDENT_ERROR", f"{ZERO} (cnn.py, line 7)",
          staff=f"grader.unittests.errors.StudentZeroDivisionError: {ZERO} (cnn.py, line 7)"),
        T("TestBasics.test_weightless", "1.11", 0, 0, "failed", "FAILED",
          "{'name': 'cnn'} != {'name': 'cnn', 'layers': (1, 2)}\n- {'name': 'cnn'}\n+ {'layers': (1, 2), 'name': 'cnn'}",
          staff="+ {'layers': (1, 2), 'name': 'cnn'}"),
    ]:
        rows[row.test_id] = row
    assert run("basics", "buggy_cnn") == _in_order(rows)


def _partial(inside: float, outside: float, then_assert: TestOutcome) -> tuple[TestOutcome, ...]:
    def scored(test: str, number: str, weight: float, score: float, **fields: Any) -> TestOutcome:
        full = score == weight
        return T(f"TestPartial.{test}", number, weight, score, "passed" if full else "failed",
                 "PASSED" if full else "PARTIAL", **fields)

    return (
        scored("test_first", "3.7", 3, 1),
        scored("test_nan_score", "3.4", 2, 0, staff="set_score(nan) is not a finite number; scored 0"),
        scored("test_partial_inside", "3.1", 4, inside, name="partial_credit under another decorator"),
        scored("test_partial_outside", "3.2", 4, outside, name="partial_credit over another decorator",
               tags=("params",)),
        then_assert,
        scored("test_score_too_high", "3.5", 2, 2, staff="set_score(5) is outside [0, 2]; clamped"),
        scored("test_second", "3.7", 3, 3),
        scored("test_weight_outside", "3.6", 2, 2),
    )


def test_partial_credit_in_any_decorator_order_and_never_stale() -> None:
    assert run("partial", "good_cnn") == _partial(
        4, 4, T("TestPartial.test_score_then_assert", "3.3", 2, 0.5, "failed", "PARTIAL"))
    assert run("partial", "buggy_cnn") == _partial(
        2, 3, T("TestPartial.test_score_then_assert", "3.3", 2, 0.5, "failed", "FAILED", "1 != 2",
                staff="AssertionError: 1 != 2"))


def test_subtests_correct_student() -> None:
    assert run("subtests", "good_cnn") == (
        T("TestSubtests.test_many_failures", "2.6", 12, 12, "passed", "PASSED", subtests=Subtests(12, 0)),
        T("TestSubtests.test_sizes", "2.1", 4, 4, "passed", "PASSED", subtests=Subtests(4, 0)),
        T("TestSubtests.test_sizes_hidden", "2.3", 2, 2, "passed", "PASSED", subtests=Subtests(4, 0)),
        T("TestSubtests.test_sizes_scored", "2.2", 4, 1, "failed", "PARTIAL", subtests=Subtests(4, 0)),
        T("TestSubtests.test_student_error_in_subtest", "2.5", 3, 2, "failed", "SUBTESTS_FAILED",
          f"subtest (s=0): {ZERO} (cnn.py, line 12)", subtests=Subtests(2, 1),
          staff=f"grader.unittests.errors.StudentZeroDivisionError: {ZERO} (cnn.py, line 12)"),
        T("TestSubtests.test_then_body_fails", "2.4", 2, 2, "passed", "PASSED", subtests=Subtests(2, 0)),
    )


def test_subtests_buggy_student() -> None:
    many = "\n".join(f"subtest (n={n}): {n - 2} != {n - 4}" for n in range(10, 20))
    assert run("subtests", "buggy_cnn") == (
        T("TestSubtests.test_many_failures", "2.6", 12, 0, "failed", "SUBTESTS_FAILED",
          many + "\n… and 2 more failing subtests", subtests=Subtests(0, 12), staff="AssertionError: 19 != 17"),
        T("TestSubtests.test_sizes", "2.1", 4, 3, "failed", "SUBTESTS_FAILED",
          "subtest (n=9, k=3, s=1, p=0, d=2): 7 != 5", subtests=Subtests(3, 1), staff="AssertionError: 7 != 5"),
        T("TestSubtests.test_sizes_hidden", "2.3", 2, 1.5, "failed", "SUBTESTS_FAILED", "Some sizes are wrong.",
          subtests=Subtests(3, 1), staff="AssertionError: 7 != 5"),
        T("TestSubtests.test_sizes_scored", "2.2", 4, 1, "failed", "SUBTESTS_FAILED",
          "subtest (n=9, d=2): 7 != 5", subtests=Subtests(3, 1), staff="AssertionError: 7 != 5"),
        T("TestSubtests.test_student_error_in_subtest", "2.5", 3, 2, "failed", "SUBTESTS_FAILED",
          f"subtest (s=0): {ZERO} (cnn.py, line 7)", subtests=Subtests(2, 1),
          staff=f"grader.unittests.errors.StudentZeroDivisionError: {ZERO} (cnn.py, line 7)"),
        T("TestSubtests.test_then_body_fails", "2.4", 2, 0, "failed", "FAILED", "7 != 5 : dilation 2",
          subtests=Subtests(2, 0), staff="AssertionError: 7 != 5 : dilation 2"),
    )


@pytest.mark.parametrize("who, line", [("good_cnn", 12), ("buggy_cnn", 7)])
def test_class_fixture_failures_are_charged_to_their_tests(who: str, line: int) -> None:
    raised = f"{ZERO} (cnn.py, line {line})"
    staff = f"grader.unittests.errors.StudentZeroDivisionError: {raised}"
    assert run("class_fixtures", who) == (
        T("TestFine.test_d", "4.5", 1, 1, "passed", "PASSED"),
        T("TestSetUpFails.test_a", "4.1", 2, 0, "failed", "FIXTURE_FAILED",
          f"setUpClass of TestSetUpFails failed, so this test did not run: {raised}", staff=staff),
        T("TestSetUpFails.test_b", "4.2", 1, 0, "failed", "FIXTURE_FAILED", "Your function failed.", staff=staff),
        T("TestSetUpSkips.test_gpu", "4.3", 1, 0, "skipped", "SKIPPED", "setUpClass of TestSetUpSkips skipped: needs a GPU"),
        T("TestTearDownFails.test_c", "4.4", 1, 0, "failed", "FIXTURE_FAILED",
          "tearDownClass of TestTearDownFails failed after this test ran: RuntimeError: cleanup failed",
          staff="RuntimeError: cleanup failed"),
    )


def test_module_fixture_failure_is_charged_to_every_test_without_grader_paths() -> None:
    message = ("setUpModule of the test module failed, so this test did not run: "
               "FileNotFoundError: no such file: kernels.npy")
    staff = "FileNotFoundError: no such file: /autograder/source/problems/data/kernels.npy"
    assert run("module_fixture", "good_cnn") == (
        T("TestA.test_x", "5.1", 1, 0, "failed", "FIXTURE_FAILED", message, staff=staff),
        T("TestB.test_y", "5.2", 2, 0, "failed", "FIXTURE_FAILED", message, staff=staff),
    )


def test_a_file_that_does_not_import_is_one_internal_error() -> None:
    assert run("import_error", "good_cnn") == (
        TestOutcome(test_id="<file>", name="Tests in import_error.py", number=None, weight=0.0, score=0.0,
                    status="internal_error", note="INTERNAL_ERROR",
                    staff_detail="ModuleNotFoundError: No module named 'no_such_module_for_the_grader_tests'"),
    )


def test_invalid_decorator_values_are_internal_errors() -> None:
    assert run("bad_decorators", "good_cnn") == (
        T("TestDecorators.test_fine", "6.3", 1, 1, "passed", "PASSED"),
        T("TestDecorators.test_visibility_typo", "6.2", 1, 0, "internal_error", "INTERNAL_ERROR", visibility="hidden",
          staff="invalid decorator value: @visibility('hiden'): use one of visible, hidden, after_due_date, "
                "after_published"),
        T("TestDecorators.test_weight_string", "6.1", 0, 0, "internal_error", "INTERNAL_ERROR",
          staff="invalid decorator value: weight '2': use a finite number >= 0"),
    )


def test_a_test_is_stopped_by_its_time_budget() -> None:
    calls: list[tuple[str, str]] = []
    call = fake_call({"cnn.py": {"slow": time.sleep}}, log=calls)
    started = time.perf_counter()
    outcomes = run_test_file(FIXTURES / "budget.py", {"cnn": "cnn.py"}, call, test_seconds=0.1)
    assert time.perf_counter() - started < 2
    assert [(o.status, o.note, o.message) for o in outcomes] == [
        ("failed", "CALL_FAILED", "This test ran past its time limit of 0.1 s, so slow was not called again.")]
    assert 2 <= len(calls) < 10


def test_runs_leave_nothing_behind_and_reimport_the_file() -> None:
    meta_path, modules = list(sys.meta_path), set(sys.modules)
    first = run("partial", "good_cnn")
    assert run("partial", "good_cnn") == first
    assert sys.meta_path == meta_path
    assert "cnn" not in sys.modules
    assert not [name for name in set(sys.modules) - modules if name.startswith("_grader_unittests_")]


def test_refused_module_names_are_an_internal_error() -> None:
    outcomes = run_test_file(FIXTURES / "basics.py", {"numpy": "numpy.py"}, fake_call({}))
    assert [(o.test_id, o.status) for o in outcomes] == [("<file>", "internal_error")]
    assert "'numpy' is already an importable module here" in (outcomes[0].staff_detail or "")


def test_the_file_must_define_tests(tmp_path: Path) -> None:
    empty = tmp_path / "empty.py"
    empty.write_text("import unittest\n\nclass TestNothing(unittest.TestCase):\n    pass\n")
    (outcome,) = run_test_file(empty, {"cnn": "cnn.py"}, fake_call({}))
    assert outcome.status == "internal_error" and "defines no tests" in (outcome.staff_detail or "")


def test_expected_failures_and_skipped_subtests(tmp_path: Path) -> None:
    path = tmp_path / "expected.py"
    path.write_text('''
import unittest
from gradescope_utils.autograder_utils.decorators import weight
from cnn import conv_output_size

class TestExpected(unittest.TestCase):
    @weight(1)
    @unittest.expectedFailure
    def test_known_bug(self):
        self.assertEqual(conv_output_size(7, 3), 6)

    @weight(1)
    @unittest.expectedFailure
    def test_not_a_bug(self):
        self.assertEqual(conv_output_size(7, 3), 5)

    @weight(3)
    def test_skipped_subtest(self):
        for d in (1, 2, 3):
            with self.subTest(d=d):
                if d == 3:
                    self.skipTest("d=3 is not asked")
                self.assertEqual(conv_output_size(9, 3, 1, 0, d), 9 - 2 * d)
''')
    outcomes = run_test_file(path, {"cnn": "cnn.py"}, fake_call({"cnn.py": student("buggy_cnn")}))
    assert [(o.test_id, o.score, o.status, o.note, o.message, o.subtests) for o in outcomes] == [
        ("TestExpected.test_known_bug", 1.0, "passed", "PASSED", "", None),
        ("TestExpected.test_not_a_bug", 0.0, "failed", "FAILED", "This test was expected to fail, but it passed.",
         None),
        ("TestExpected.test_skipped_subtest", 1.5, "failed", "SUBTESTS_FAILED", "subtest (d=2): 7 != 5",
         Subtests(1, 1)),
    ]
