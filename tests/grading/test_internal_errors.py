"""A bug inside the grader is reported as the grader's: an apology for students, a traceback for staff."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader import pipeline
from grader.grading import reference as reference_module
from grader.pipeline import grade_and_write
from grader.problems.loader import load_problem_set
from grader.solvers import SOLVERS
from grader.solvers.registry import Solver
from tests.helpers import load_valid_results

FULL = Path("submissions_example/ps3/full_marks/submission")


def test_a_solver_that_raises_costs_only_its_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(in_channels: int, out_channels: int, kernel_size: int, bias: bool = True) -> int:
        raise RuntimeError("injected solver failure")

    patched = {**SOLVERS, "conv2d_params": Solver("conv2d_params", broken)}
    monkeypatch.setattr(reference_module, "SOLVERS", patched)
    out = tmp_path / "results.json"
    grade_and_write(load_problem_set("problems/ps3.yaml"), FULL, out)
    results = load_valid_results(out)
    by_key = {test["extra_data"].get("key"): test for test in results["tests"]}
    broken_part = by_key["model_size.conv_layer"]
    assert broken_part["score"] == 0 and "internal error" in broken_part["output"]
    assert "injected" not in broken_part["output"] and "Traceback" not in broken_part["output"]
    staff = [test for test in results["tests"] if test["visibility"] == "hidden"]
    assert len(staff) == 1 and "RuntimeError: injected solver failure" in staff[0]["output"]
    assert by_key["model_size.fc_layer1"]["score"] == 1.5
    assert results["score"] == 21.5 - 1


def test_a_crash_of_the_whole_run_still_writes_valid_results(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args, **kwargs):
        raise MemoryError("injected crash")

    monkeypatch.setattr(pipeline, "grade_submission", explode)
    out = tmp_path / "results.json"
    grade_and_write(load_problem_set("problems/ps3.yaml"), FULL, out)
    results = load_valid_results(out)
    assert results["score"] == 0
    assert [test["visibility"] for test in results["tests"]] == ["visible", "hidden"]
    assert "MemoryError: injected crash" in results["tests"][1]["output"]


def test_fallback_is_on_disk_before_grading_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "results.json"
    seen = {}

    def peek(problem_set, submission, metadata=None):
        seen["fallback"] = load_valid_results(out)
        raise KeyboardInterrupt  # a kill: nothing after this runs

    monkeypatch.setattr(pipeline, "grade_submission", peek)
    with pytest.raises(KeyboardInterrupt):
        grade_and_write(load_problem_set("problems/ps3.yaml"), FULL, out)
    assert seen["fallback"]["extra_data"] == {"fallback": True}
    assert load_valid_results(out)["extra_data"] == {"fallback": True}
