"""Due dates in a regrade (``--due``, ``--late-due``, ``--extensions``): a Gradescope export carries none,
so without them the late policy could not apply; with them the scores match Gradescope's."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rich.console import Console

from grader.problems.model import LatePolicy
from grader.regrade import RegradeError, regrade
from grader.regrade.due import DueDates, Extension, apply_due_dates, due_dates, parse_due, read_extensions
from grader.regrade.inputs import Submission
from grader.submission.metadata import SubmissionMetadata, Submitter
from tests.regrade.conftest import EXAMPLES, PS3, write_timed_export

PACIFIC = timezone(timedelta(hours=-7))
DUE = "2026-10-10T23:59:00-07:00"
LATE_DUE = "2026-10-13T23:59:00-07:00"
POLICY = "\nlate_policy: {penalty_per_day: 0.1, after_late_due_date: zero}\n"

STUDENTS = {
    "submission_1": ([("On Time", "ontime@example.edu", "1001")], "2026-10-10 20:00:00.000000000 -07:00"),
    "submission_2": ([("One Day", "oneday@example.edu", "1002")], "2026-10-11 12:00:00.000000000 -07:00"),
    "submission_3": ([("Too Late", "toolate@example.edu", "1003")], "2026-10-14 09:00:00.000000000 -07:00"),
    "submission_4": ([("Extended", "Extended@Example.edu", "1004")], "2026-10-12 10:00:00.000000000 -07:00"),
    "submission_5": ([("Member A", "a@example.edu", "1005"), ("Member B", "b@example.edu", "1006")],
                     "2026-10-12 10:00:00.000000000 -07:00"),
}
EXTENSIONS = """\
Email,SID,Name,Due Date,Late Due Date
extended@example.edu,,Extended,2026-10-12T23:59:00-07:00,
,1006,Member B,2026-10-11T23:59:00-07:00,2026-10-14T23:59:00-07:00
nobody@example.edu,,Typo,2026-10-12T23:59:00-07:00,
"""


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=200)


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    """The export and a problem set with a late policy: 10% per started day, 0 after the late due date."""
    problems = tmp_path / "ps3_late.yaml"
    problems.write_text(PS3.read_text(encoding="utf-8") + POLICY, encoding="utf-8")
    return write_timed_export(tmp_path / "export.zip", STUDENTS), problems


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "scores.csv").open(encoding="utf-8", newline="") as stream:
        return {row["submission"]: row for row in csv.DictReader(stream)}


def _late_test(out: Path, folder: str) -> dict | None:
    tests = json.loads((out / folder / "results.json").read_text(encoding="utf-8"))["tests"]
    return next((test for test in tests if test["name"] == "Late penalty"), None)


def test_an_export_with_due_dates_and_extensions_gets_gradescopes_late_penalties(course, tmp_path):
    archive, problems = course
    extensions = tmp_path / "extensions.csv"
    extensions.write_text(EXTENSIONS, encoding="utf-8")
    out = tmp_path / "out"
    console = _quiet()
    summary = regrade(archive, problems, out, due=parse_due(DUE), late_due=parse_due(LATE_DUE),
                      extensions=extensions, workers=2, progress=False, console=console)

    rows = _rows(out)
    assert {folder: (row["late penalty"], row["total"]) for folder, row in rows.items()} == {
        "submission_1": ("0", "21.5"),  # on time
        "submission_2": ("-2.15", "19.35"),  # 12 h 1 min late: one started day, 10%
        "submission_3": ("-21.5", "0"),  # after the late due date: zero
        "submission_4": ("0", "21.5"),  # late, but before the extended due date
        "submission_5": ("-2.15", "19.35"),  # member B's extension counts for the group; 10 h 1 min after it
    }
    assert _late_test(out, "submission_1") is None and _late_test(out, "submission_4") is None
    assert _late_test(out, "submission_2")["output"] == (
        "Late: submitted 12 h 1 min after the due date; 1 day × 10% = 10% of the score is deducted. −2.15 points.")
    assert _late_test(out, "submission_3")["output"].startswith(
        "Late: submitted 3 d 9 h 1 min after the due date, after the late due date, so this submission scores 0.")
    assert _late_test(out, "submission_5")["output"].startswith(
        "Late: submitted 10 h 1 min after the due date (your extension included); 1 day")
    assert summary.notes == (f"1 extension row(s) in {extensions} match no submitter in the batch (a typo?): "
                             "line 4 (`nobody@example.edu`)",)
    assert "match no submitter in the batch" in (out / "summary.md").read_text(encoding="utf-8")
    assert "note: 1 extension row(s)" in console.file.getvalue()
    assert (summary.late, summary.late_points) == (3, 25.8)
    penalised = "late: 3 submissions penalised, 25.8 points deducted in all (scores.csv's `late penalty` column)"
    assert f"- {penalised}" in (out / "summary.md").read_text(encoding="utf-8")
    assert penalised in console.file.getvalue()


def test_an_export_without_due_dates_says_the_late_policy_was_not_applied(course, tmp_path):
    archive, problems = course
    summary = regrade(archive, problems, tmp_path / "out", progress=False, console=_quiet())
    assert {row["late penalty"] for row in _rows(tmp_path / "out").values()} == {"0"}
    assert summary.notes == (
        "no late penalty was applied to 5 submission(s) with no due date (a Gradescope export carries none): "
        "submission_1, submission_2, submission_3, submission_4, submission_5; pass --due (and --late-due, "
        "--extensions) to apply the late policy (10% per started day late, 0 after the late due date)",)
    assert "no late penalty was applied" in (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert summary.late == 0 and "- late:" not in (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")


def test_due_replaces_a_containers_assignment_date_but_keeps_its_extensions(tmp_path):
    problems = tmp_path / "ps3_late.yaml"
    problems.write_text(PS3.read_text(encoding="utf-8") + POLICY, encoding="utf-8")
    course = tmp_path / "course"
    own = {"plain": None, "extended": "2026-10-13T00:00:00Z"}  # later than the assignment's: an extension
    for name, extension in own.items():
        shutil.copytree(EXAMPLES / "full_marks" / "submission", course / name / "submission")
        user = {"name": name, "email": f"{name}@example.edu", "sid": "1"}
        if extension:
            user["assignment"] = {"due_date": extension}
        (course / name / "submission_metadata.json").write_text(json.dumps(
            {"created_at": "2026-10-12T12:00:00Z", "assignment": {"due_date": "2026-10-05T00:00:00Z"},
             "users": [user]}))
    regrade(course, problems, tmp_path / "out", due=parse_due("2026-10-11T00:00:00Z"), progress=False,
            console=_quiet())
    rows = _rows(tmp_path / "out")
    assert (rows["plain"]["late penalty"], rows["extended"]["late penalty"]) == ("-4.3", "0")  # 2 started days


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"late_due": parse_due(LATE_DUE)}, "--late-due needs --due (the due date of everyone without an extension)"),
    ({"due": parse_due(LATE_DUE), "late_due": parse_due(DUE)},
     "--late-due 2026-10-10T23:59:00-07:00 is before --due 2026-10-13T23:59:00-07:00"),
    ({"due": datetime(2026, 10, 10)}, "--due 2026-10-10T00:00:00 has no UTC offset"),
])
def test_unusable_due_dates_stop_the_regrade_before_grading(course, tmp_path, kwargs, message):
    archive, problems = course
    with pytest.raises(RegradeError) as error:
        regrade(archive, problems, tmp_path / "out", progress=False, console=_quiet(), **kwargs)
    assert str(error.value) == message
    assert not (tmp_path / "out").exists()


def test_due_without_a_late_policy_is_an_error(tmp_path):
    with pytest.raises(RegradeError, match="--due has no effect: the problem set has no late_policy"):
        regrade(tmp_path, PS3, tmp_path / "out", due=parse_due(DUE), progress=False, console=_quiet())


@pytest.mark.parametrize(("text", "message"), [
    ("2026-10-05T23:59:00-04:00", None),
    ("2026-10-06T03:59:00Z", None),
    ("2026-10-06 03:59Z", None),
    ("2026-10-05T23:59:00", "'2026-10-05T23:59:00' has no UTC offset; write it as e.g. 2026-10-05T23:59:00-04:00"),
    ("2026-10-05", "'2026-10-05' has no UTC offset"),
    ("next friday", "'next friday' is not an ISO 8601 time such as 2026-10-05T23:59:00-04:00"),
    ("2026-13-05T23:59:00Z", "'2026-13-05T23:59:00Z' is not an ISO 8601 time"),
])
def test_parse_due(text, message):
    if message is None:
        assert parse_due(text) == datetime(2026, 10, 6, 3, 59, tzinfo=timezone.utc)
    else:
        with pytest.raises(ValueError) as error:
            parse_due(text)
        assert str(error.value).startswith(message)


def _extensions(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "extensions.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_read_extensions(tmp_path):
    spreadsheet = "\ufeffEMAIL,Late-Due-Date,,\r\n\r\nA@Example.edu , 2026-10-14T23:59:00Z,,\r\n"
    assert read_extensions(_extensions(tmp_path, spreadsheet)) == (
        Extension(3, email="a@example.edu", late_due_date=datetime(2026, 10, 14, 23, 59, tzinfo=timezone.utc)),)
    by_sid = "sid,due_date\n0042,2026-10-12T23:59:00-07:00\n"
    assert read_extensions(_extensions(tmp_path, by_sid)) == (
        Extension(2, sid="0042", due_date=datetime(2026, 10, 12, 23, 59, tzinfo=PACIFIC)),)


@pytest.mark.parametrize(("text", "message"), [
    ("", "extensions.csv:1: empty; the first line names the columns (email, sid, name, due_date, late_due_date)"),
    ("email,due_date,extension_hours\n", "extensions.csv:1: unknown column 'extension_hours'; the columns are "
                                         "email, sid, name, due_date, late_due_date"),
    ("name,due_date\n", "extensions.csv:1: no email or sid column to say whose extension a row is"),
    ("email,name\n", "extensions.csv:1: no due_date or late_due_date column"),
    ("email,Email,due_date\n", "extensions.csv:1: column email appears twice"),
    ("email,due_date\na@x.edu,2026-10-12T23:59:00Z\nb@x.edu,2026-10-12 23:59\n",
     "extensions.csv:3: due_date '2026-10-12 23:59' has no UTC offset"),
    ("email,due_date\na@x.edu,tomorrow\n", "extensions.csv:2: due_date 'tomorrow' is not an ISO 8601 time"),
    ("email,due_date\n,2026-10-12T23:59:00Z\n", "extensions.csv:2: no email or sid: whose extension is it?"),
    ("email,due_date\na@x.edu,2026-10-12T23:59:00Z,extra\n",
     "extensions.csv:2: 3 cells, but the header names 2 columns"),
    ("email,due_date,late_due_date\na@x.edu,2026-10-12T23:59:00Z,2026-10-11T23:59:00Z\n",
     "extensions.csv:2: late_due_date '2026-10-11T23:59:00Z' is before due_date '2026-10-12T23:59:00Z'"),
    ("email,due_date\nA@x.edu,2026-10-12T23:59:00Z\nb@x.edu,2026-10-12T23:59:00Z\na@X.edu,2026-10-13T23:59:00Z\n",
     "extensions.csv:4: email 'a@x.edu' is listed twice (also on line 2)"),
    ("sid,due_date\n7,2026-10-12T23:59:00Z\n7,2026-10-13T23:59:00Z\n",
     "extensions.csv:3: sid '7' is listed twice (also on line 2)"),
    ('email,due_date\n"a@x.edu,2026-10-12T23:59:00Z\n', "extensions.csv:2: not valid CSV (unexpected end of data)"),
    ("email,due_date\nb@x.edu\n", "extensions.csv:2: neither due_date nor late_due_date is given"),
    (b"email,due_date\n\xff@x.edu,2026-10-12T23:59:00Z\n", "extensions.csv:2: not UTF-8 text (save it as CSV UTF-8)"),
])
def test_a_bad_extensions_file_is_an_error_with_its_line(tmp_path, text, message):
    with pytest.raises(RegradeError) as error:
        read_extensions(_extensions(tmp_path, text))
    assert str(error.value).startswith(f"{tmp_path}/{message}")


def test_an_oversized_or_missing_extensions_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr("grader.regrade.due.MAX_EXTENSIONS_BYTES", 10)
    with pytest.raises(RegradeError, match="is larger than 0 KiB"):
        read_extensions(_extensions(tmp_path, "email,due_date\n"))
    with pytest.raises(RegradeError, match="nowhere.csv cannot be read"):
        read_extensions(tmp_path / "nowhere.csv")


def test_apply_due_dates_is_pure_and_takes_a_groups_latest_date():
    due = datetime(2026, 10, 10, tzinfo=timezone.utc)
    later, latest = due + timedelta(days=1), due + timedelta(days=2)
    people = (Submitter("A", "a@x.edu", "1"), Submitter("B", "b@x.edu", "2"))
    group = Submission("g", Path("g"), people, SubmissionMetadata(created_at=due, users=people))
    untimed = Submission("u", Path("u"), (Submitter("C", "c@x.edu", "3"),))
    dates = DueDates(due, None, (Extension(2, email="a@x.edu", due_date=later), Extension(3, sid="2", due_date=latest)),
                     "x.csv")
    dated, notes = apply_due_dates((group, untimed), dates)
    assert dated[0].metadata == SubmissionMetadata(created_at=due, due_date=latest, users=people, extended=True)
    assert group.metadata.due_date is None and dated[1] is untimed
    assert notes == ("1 submission(s) have no submission time (created_at), so no late penalty applies to them: u",)
    assert apply_due_dates((group,), None) == ((group,), ())
    assert due_dates(None, policy=LatePolicy(penalty_per_day=0.1)) is None
