"""problems/unittests_example/test_cnn.py: full marks for its reference solution, the expected partial
score for a buggy one, and the same through the real sandbox, where a hostile submission changes nothing."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from grader.sandbox import SandboxSession
from grader.unittests import Subtests, TestOutcome, run_test_file
from grader.unittests.bridge import sandbox_call
from tests.unittests.fake import fake_call, student

EXAMPLE = Path(__file__).resolve().parents[2] / "problems" / "unittests_example"
TESTS = EXAMPLE / "test_cnn.py"


def scores(outcomes: tuple[TestOutcome, ...]) -> list[tuple[str, str | None, float, float, str]]:
    return [(o.test_id, o.number, o.weight, round(o.score, 4), o.status) for o in outcomes]


FULL = [
    ("TestConv2dParams.test_default_bias", "2.2", 1.0, 1.0, "passed"),
    ("TestConv2dParams.test_weights_and_biases", "2.1", 2.0, 2.0, "passed"),
    ("TestConvOutputSize.test_dilation_hidden", "1.4", 1.0, 1.0, "passed"),
    ("TestConvOutputSize.test_grid", "1.3", 2.0, 2.0, "passed"),
    ("TestConvOutputSize.test_no_padding", "1.1", 1.0, 1.0, "passed"),
    ("TestConvOutputSize.test_stride_and_padding", "1.2", 1.0, 1.0, "passed"),
]


def solution() -> dict[str, object]:
    namespace: dict[str, object] = {}
    exec(compile((EXAMPLE / "solution" / "cnn.py").read_text(), "cnn.py", "exec"), namespace)
    return namespace


def test_the_reference_solution_scores_full_marks() -> None:
    outcomes = run_test_file(TESTS, {"cnn": "cnn.py"}, fake_call({"cnn.py": solution()}))
    assert scores(outcomes) == FULL
    assert outcomes[3].subtests == Subtests(153, 0)
    assert {o.test_id: o.visibility for o in outcomes}["TestConvOutputSize.test_dilation_hidden"] == "hidden"


def test_a_buggy_submission_scores_its_share() -> None:
    outcomes = run_test_file(TESTS, {"cnn": "cnn.py"}, fake_call({"cnn.py": student("buggy_cnn")}))
    assert scores(outcomes) == [
        ("TestConv2dParams.test_default_bias", "2.2", 1.0, 0.0, "failed"),
        ("TestConv2dParams.test_weights_and_biases", "2.1", 2.0, 1.0, "failed"),
        ("TestConvOutputSize.test_dilation_hidden", "1.4", 1.0, 0.0, "failed"),
        ("TestConvOutputSize.test_grid", "1.3", 2.0, round(2 * 111 / 153, 4), "failed"),
        ("TestConvOutputSize.test_no_padding", "1.1", 1.0, 1.0, "passed"),
        ("TestConvOutputSize.test_stride_and_padding", "1.2", 1.0, 1.0, "passed"),
    ]
    messages = {o.test_id: o.message for o in outcomes}
    assert messages["TestConv2dParams.test_weights_and_biases"] == "With bias=True, add one bias per output channel."
    assert messages["TestConvOutputSize.test_dilation_hidden"] == (
        "Check dilation: a kernel of size k with dilation d spans d(k - 1) + 1 inputs.")


def _sandboxed(tmp_path: Path, source: str) -> tuple[TestOutcome, ...]:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "cnn.py").write_text(textwrap.dedent(source))
    with SandboxSession(folder) as session:
        return run_test_file(TESTS, {"cnn": "cnn.py"}, sandbox_call(session, timeout=5.0))


def test_through_the_real_sandbox(tmp_path: Path) -> None:
    folder = tmp_path / "solution"
    shutil.copytree(EXAMPLE / "solution", folder)
    with SandboxSession(folder) as session:
        outcomes = run_test_file(TESTS, {"cnn": "cnn.py"}, sandbox_call(session, timeout=5.0))
    assert scores(outcomes) == FULL


@pytest.mark.parametrize("source, note, message", [
    ("""
        class Liar:
            def __eq__(self, other):
                return True
        def conv_output_size(n, k, s, p, d):
            return Liar()
        def conv2d_params(c_in, c_out, k, bias=True):
            return Liar()
     """, "CALL_FAILED", "Your function returned a value the grader cannot read"),
    ("""
        import sys, unittest
        unittest.TestCase.assertEqual = lambda *args, **kwargs: None
        sys.modules["unittest"] = None
        def conv_output_size(n, k, s, p, d):
            raise SystemExit(0)
        def conv2d_params(c_in, c_out, k, bias=True):
            raise SystemExit(0)
     """, "STUDENT_ERROR", "Your function conv_output_size raised SystemExit: 0 (cnn.py, line 6)"),
    ("""
        import os
        def conv_output_size(n, k, s, p, d):
            if n == 7:
                os._exit(3)
            return 0
        def conv2d_params(c_in, c_out, k, bias=True):
            return 0
     """, "CALL_FAILED", "Your code ended the Python process (exit status 3)"),
    ("""
        def conv_output_size(n, k, s, p, d):
            return 1 // 0
        def conv2d_params(c_in, c_out, k, bias=True):
            return int("x")
     """, "STUDENT_ERROR", "Your function conv_output_size raised ZeroDivisionError: integer division or modulo by zero (cnn.py, line 3)"),
])
def test_hostile_submissions_change_nothing_in_the_grader(tmp_path: Path, source: str, note: str, message: str) -> None:
    outcomes = _sandboxed(tmp_path, source)
    assert sum(o.score for o in outcomes) == 0
    assert all(o.status == "failed" for o in outcomes)
    no_padding = {o.test_id: o for o in outcomes}["TestConvOutputSize.test_no_padding"]
    assert no_padding.note == note and message in no_padding.message
