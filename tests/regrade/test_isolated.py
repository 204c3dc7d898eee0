"""Grading in a child process (what each Dask task does): the same results, the time limit kept from a
worker thread, and a crash or a hang that costs only its own submission."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from grader.regrade import isolated
from grader.regrade.isolated import grade_in_child
from grader.regrade.work import Job, Settings, grade_one
from tests.regrade.conftest import EXAMPLES, PS3, expected_results, without_time
from tests.regrade.crashing import grade_or_die


def _job(tmp_path: Path, folder: str, name: str = "typical_mistakes") -> Job:
    return Job(0, folder, str(EXAMPLES / name / "submission"), str(tmp_path / folder / "results.json"))


def test_the_child_grades_exactly_as_the_worker_itself(tmp_path):
    here, there = _job(tmp_path, "here"), _job(tmp_path, "there")
    settings = Settings(problems=str(PS3))
    direct, child = grade_one(here, settings), grade_in_child(there, settings)
    assert (child.status, child.parts, child.total) == (direct.status, direct.parts, direct.total)
    assert without_time(json.loads(Path(there.results).read_text())) == \
        without_time(json.loads(Path(here.results).read_text()))


def test_one_child_grades_job_after_job(tmp_path):
    settings = Settings(problems=str(PS3))
    first = grade_in_child(_job(tmp_path, "first"), settings)
    reused = isolated._idle.get_nowait()
    isolated._idle.put(reused)
    second = grade_in_child(_job(tmp_path, "second", "full_marks"), settings)
    assert isolated._idle.get_nowait() is reused and reused.process.poll() is None
    assert (first.status, second.status) == ("graded", "graded")
    assert (first.total, second.total) == (expected_results("typical_mistakes")["score"],
                                           expected_results("full_marks")["score"])


def test_the_time_limit_holds_when_the_task_runs_in_a_thread(tmp_path, monkeypatch):
    monkeypatch.setattr(isolated, "KILL_GRACE_SECONDS", 1.0)
    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(
        grade_in_child(_job(tmp_path, "hang_me"), Settings(problems=str(PS3), timeout=1), task=grade_or_die)))
    worker.start()
    worker.join(30)
    assert not worker.is_alive()
    assert (outcomes[0].status, outcomes[0].message) == (
        "timeout", "grading took longer than 1 s; its process did not stop and was killed")
    after = grade_in_child(_job(tmp_path, "after", "full_marks"), Settings(problems=str(PS3), timeout=1))
    assert after.status == "graded"  # in a fresh child


def test_a_child_that_dies_costs_its_submission_not_the_caller(tmp_path):
    outcome = grade_in_child(_job(tmp_path, "crash_me"), Settings(problems=str(PS3)), task=grade_or_die)
    assert (outcome.status, outcome.message) == (
        "worker_crashed", "the process grading this submission exited with code 70")
    assert grade_in_child(_job(tmp_path, "after", "full_marks"), Settings(problems=str(PS3))).status == "graded"


def test_a_grader_error_in_the_child_comes_back_as_its_outcome(tmp_path):
    missing = tmp_path / "missing.yaml"
    outcome = grade_in_child(_job(tmp_path, "any"), Settings(problems=str(missing)))
    assert outcome.status == "grader_error" and "missing.yaml" in outcome.message
    assert json.loads((tmp_path / "any" / "results.json").read_text())["score"] == 0
