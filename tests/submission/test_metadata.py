"""submission_metadata.json read leniently; the late penalty from created_at and (extended) due dates."""

import json
from datetime import datetime, timezone

import pytest

from grader.grading.late import late_penalty
from grader.problems.model import LatePolicy
from grader.submission.metadata import parse_metadata, parse_time, read_metadata

GRADESCOPE = {
    "id": 123456, "created_at": "2026-10-12T09:30:00.123+00:00", "submission_method": "upload",
    "assignment": {"id": 1, "title": "PS3", "due_date": "2026-10-10T23:59:00.000000-07:00",
                   "late_due_date": "2026-10-17T23:59:00-07:00", "total_points": "20.0", "group_size": 2,
                   "group_submission": True, "release_date": None, "course_id": 7},
    "users": [{"email": "a@example.edu", "id": 1, "name": "Ada", "sid": "001"},
              {"email": "b@example.edu", "id": 2, "name": "Bo",
               "assignment": {"due_date": "2026-10-11T23:59:00-07:00", "late_due_date": None}}],
    "previous_submissions": [],
}


def test_gradescope_metadata_with_a_group_extension():
    metadata = parse_metadata(GRADESCOPE)
    assert metadata.created_at == datetime(2026, 10, 12, 9, 30, 0, 123000, tzinfo=timezone.utc)
    assert metadata.due_date == parse_time("2026-10-11T23:59:00-07:00") and metadata.extended
    assert [user.name for user in metadata.users] == ["Ada", "Bo"] and metadata.users[1].sid == ""


@pytest.mark.parametrize("document", [None, [], "x", {"users": "nobody", "assignment": 3, "created_at": 5},
                                      {"created_at": "yesterday"}])
def test_anything_else_reads_as_empty(document):
    metadata = parse_metadata(document)
    assert metadata.created_at is None and metadata.due_date is None and metadata.users == ()


def test_times_in_every_format_gradescope_has_used():
    assert parse_time("2026-10-12T09:30:00Z") == datetime(2026, 10, 12, 9, 30, tzinfo=timezone.utc)
    assert parse_time("2026-10-12 09:30:00.5-07:00").utcoffset().total_seconds() == -7 * 3600
    assert parse_time("2026-10-12T09:30:00") == datetime(2026, 10, 12, 9, 30, tzinfo=timezone.utc)
    assert parse_time("not a time") is None and parse_time(20261012) is None


def test_a_file_that_is_not_json_is_no_metadata(tmp_path):
    (tmp_path / "m.json").write_text("{oops")
    assert read_metadata(tmp_path / "m.json") is None and read_metadata(tmp_path / "absent.json") is None


POLICY = LatePolicy(penalty_per_day=0.1, grace_minutes=15, max_penalty=0.3)


def _at(created: str, due: str = "2026-10-10T23:59:00+00:00", late_due: str | None = None):
    return parse_metadata({"created_at": created, "assignment": {"due_date": due, "late_due_date": late_due}})


@pytest.mark.parametrize("created, days, fraction", [
    ("2026-10-10T23:00:00+00:00", None, None),          # on time
    ("2026-10-11T00:10:00+00:00", None, None),          # inside the grace period
    ("2026-10-11T00:20:00+00:00", 1, 0.1),              # a started day counts
    ("2026-10-12T23:59:00+00:00", 2, 0.2),
    ("2026-10-20T00:00:00+00:00", 9, 0.3),              # capped (9 started days)
])
def test_the_penalty_grows_by_started_day_and_is_capped(created, days, fraction):
    late = late_penalty(POLICY, _at(created))
    assert (late.days, late.fraction) == (days, fraction) if days else late is None


def test_after_the_late_due_date_a_zero_policy_gives_zero():
    policy = LatePolicy(penalty_per_day=0.1, after_late_due_date="zero")
    late = late_penalty(policy, _at("2026-10-20T00:00:00+00:00", late_due="2026-10-15T00:00:00+00:00"))
    assert late.fraction == 1.0 and "after the late due date" in late.message


def test_no_policy_or_no_dates_means_no_penalty():
    assert late_penalty(None, _at("2026-10-20T00:00:00+00:00")) is None
    assert late_penalty(POLICY, parse_metadata({"created_at": "2026-10-20T00:00:00Z"})) is None
    assert late_penalty(POLICY, None) is None


def test_a_late_submission_through_the_container(tmp_path):
    """Gradescope's layout: metadata beside the submission; the penalty is a visible negative test."""
    import shutil

    from grader.gradescope import run_in_container
    from tests.helpers import load_valid_results

    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    problems = root / "source" / "ps3.yaml"
    problems.write_text(open("problems/ps3.yaml").read() + "\nlate_policy: {penalty_per_day: 0.25, max_penalty: 0.5}\n")
    shutil.copytree("submissions_example/ps3/full_marks/submission", root / "submission")
    metadata = {**GRADESCOPE, "created_at": "2026-10-12T22:00:00-07:00"}  # a day after Bo's extension
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    run_in_container(root=root, problems=problems)
    results = load_valid_results(root / "results" / "results.json")
    penalty = [test for test in results["tests"] if test["name"] == "Late penalty"]
    earned = sum(test["score"] for test in results["tests"] if test["name"] != "Late penalty")
    assert penalty and penalty[0]["score"] == -round(0.25 * earned, 2)
    assert results["score"] == round(earned * 0.75, 2)
    assert "your extension included" in penalty[0]["output"] and "Late:" in results["output"]
