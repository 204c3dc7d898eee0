"""Outcomes as PartResults, and the results.json they render to (strict, valid, nothing leaked)."""

from __future__ import annotations

import json

from grader.results.gradescope import dumps, render
from grader.results.model import PartResult, Report
from grader.unittests import LeaderboardEntry, Subtests, TestOutcome, leaderboard_entries, run_test_file, to_part_results
from grader.unittests.convert import feedback
from tests.unittests.fake import FIXTURES, fake_call, student


def outcome(**fields) -> TestOutcome:
    base = dict(test_id="TestX.test_a", name="test_a (TestX)", number="1.1", weight=2.0, score=2.0,
                status="passed", note="PASSED")
    return TestOutcome(**{**base, **fields})


def test_parts_keep_the_outcome_and_number_the_unnumbered() -> None:
    outcomes = (
        outcome(),
        outcome(test_id="TestX.test_b", name="Sizes", number=None, score=1.5, status="failed", note="SUBTESTS_FAILED",
                message="subtest (n=3): 4 != 5", subtests=Subtests(3, 1), tags=("sizes",), visibility="hidden",
                staff_detail="Traceback ..."),
        outcome(test_id="TestX.test_board", number=None, weight=0.0, score=0.0,
                leaderboard=LeaderboardEntry("accuracy", 0.9, "desc")),
        outcome(test_id="TestX.test_c", number=None, score=0.0, status="skipped", note="SKIPPED", message="later"),
        outcome(test_id="TestX.test_d", score=0.0, status="internal_error", note="INTERNAL_ERROR", staff_detail="bad"),
        outcome(test_id="TestX.test_e", score=0.0, status="failed", note="STUDENT_ERROR",
                message="Your function f raised ValueError: `x` \x1b[31mred\x1b[0m", output="hello\n"),
    )
    assert to_part_results(outcomes, key_prefix="ps9.tests", number_prefix="9.") == (
        PartResult(key="ps9.tests.TestX.test_a", number="1.1", title="test_a (TestX)", points=2.0, earned=2.0,
                   status="correct", note="PASSED", feedback="Passed."),
        PartResult(key="ps9.tests.TestX.test_b", number="9.2", title="Sizes", points=2.0, earned=1.5,
                   status="partial", note="SUBTESTS_FAILED", visibility="hidden", tags=("sizes",),
                   staff_detail="Traceback ...",
                   feedback="Failed: 3 of 4 subtests passed.\n\n```text\nsubtest (n=3): 4 != 5\n```"),
        PartResult(key="ps9.tests.TestX.test_c", number="9.3", title="test_a (TestX) (skipped)", points=0.0,
                   earned=0.0, status="correct", note="SKIPPED",
                   feedback="Skipped: this test does not count towards your score.\n\n```text\nlater\n```"),
        PartResult(key="ps9.tests.TestX.test_d", number="1.1", title="test_a (TestX)", points=2.0, earned=0.0,
                   status="internal_error", note="INTERNAL_ERROR", feedback="", staff_detail="bad"),
        PartResult(key="ps9.tests.TestX.test_e", number="1.1", title="test_a (TestX)", points=2.0, earned=0.0,
                   status="wrong", note="STUDENT_ERROR",
                   feedback="Failed.\n\n```text\nYour function f raised ValueError: 'x' red\n```\n\n"
                            "Printed by the test:\n\n```text\nhello\n\n```"),
    )
    assert leaderboard_entries(outcomes) == (LeaderboardEntry("accuracy", 0.9, "desc"),)


def test_partial_credit_without_a_failure_reads_partly_passed() -> None:
    assert feedback(outcome(score=0.5, status="failed", note="PARTIAL")) == "Partly passed."
    assert feedback(outcome(score=0.0, status="failed", note="PARTIAL")) == "Failed."


def test_a_whole_run_renders_to_strict_valid_results_without_leaks() -> None:
    outcomes = (*run_test_file(FIXTURES / "basics.py", {"cnn": "cnn.py"}, fake_call({"cnn.py": student("buggy_cnn")})),
                *run_test_file(FIXTURES / "subtests.py", {"cnn": "cnn.py"}, fake_call({"cnn.py": student("buggy_cnn")})),
                *run_test_file(FIXTURES / "module_fixture.py", {"cnn": "cnn.py"}, fake_call({})),
                *run_test_file(FIXTURES / "import_error.py", {"cnn": "cnn.py"}, fake_call({})))
    parts = to_part_results(outcomes)
    report = Report(problem_set_id="ps", problem_set_title="PS", parts=parts)
    results = json.loads(dumps(render(report)))
    visible = [test for test in results["tests"] if test["visibility"] != "hidden"]
    shown = json.dumps(visible)
    for leak in ("Traceback", "/autograder", "grader/unittests", "12832", "set()", "NotPlainData"):
        assert leak not in shown
    staff = [test for test in results["tests"] if test["name"].startswith("Autograder internal error (details")]
    assert len(staff) == 1 and "NotPlainData" in staff[0]["output"] and "no_such_module" in staff[0]["output"]
    assert results["score"] == round(sum(test["score"] for test in results["tests"]), 2)
    assert 0 < results["score"] < sum(part.points for part in parts)
