"""grader regrade end to end: the ps3 examples as a folder of folders and as a Gradescope export, graded
in parallel by the real pipeline, with the score table, summary, histogram and changes checked."""

from __future__ import annotations

import csv
import functools
import io
import json
import shutil
import statistics
import sys
from collections import Counter
from pathlib import Path

import pytest
from rich.console import Console

from grader.regrade import RegradeError, regrade
from grader.regrade import run as run_module
from grader.regrade.local import run_local
from tests.regrade.conftest import (EXAMPLES, NAMES, PS3, expected_results, export_id, timing_course, without_time,
                                    write_export)
from tests.regrade.crashing import grade_or_die

PNG = b"\x89PNG\r\n\x1a\n"


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "scores.csv").open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


def test_a_folder_of_folders(course, tmp_path):
    out = tmp_path / "out"
    console = _quiet()
    summary = regrade(course, PS3, out, workers=2, progress=False, console=console)

    tests = expected_results("full_marks")["tests"]
    with (out / "scores.csv").open(encoding="utf-8", newline="") as stream:
        header = next(csv.reader(stream))
    assert header == ["submission", "name", "email", "sid", *(test["name"] for test in tests), "total", "status",
                      "message"]
    rows = _rows(out)
    assert [row["submission"] for row in rows] == NAMES
    for row in rows:
        expected = expected_results(row["submission"])
        assert float(row["total"]) == expected["score"], row["submission"]
        assert [float(row[test["name"]]) for test in expected["tests"]] == [test["score"] for test in expected["tests"]]
        assert row["name"] == row["submission"] and row["email"] == row["sid"] == ""
        results = json.loads((out / row["submission"] / "results.json").read_text(encoding="utf-8"))
        assert without_time(results) == without_time(expected)
    statuses = {row["submission"]: row["status"] for row in rows}
    assert statuses == {name: "answers_unread" if name in ("empty", "hostile_alias_bomb") else "graded"
                        for name in NAMES}
    assert "YAML anchors" in next(row["message"] for row in rows if row["submission"] == "hostile_alias_bomb")

    totals = [expected_results(name)["score"] for name in NAMES]
    assert (summary.count, summary.scored, summary.possible) == (8, 8, 19.0)
    assert summary.statuses == {"answers_unread": 2, "graded": 6}
    assert summary.mean == round(statistics.fmean(totals), 2) and summary.median == statistics.median(totals)
    assert (summary.minimum, summary.maximum) == (min(totals), max(totals))
    first = summary.parts[0]
    full = sum(1 for name in NAMES if expected_results(name)["tests"][0]["score"] == 1.5)
    assert (first.name, first.points, first.full_marks) == (tests[0]["name"], 1.5, full / 8)
    assert [item.submission for item in summary.attention] == ["empty", "hostile_alias_bomb"]

    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert f"mean {summary.mean:g}, median {summary.median:g}" in markdown
    assert f"| {tests[0]['name']} | 1.5 | {full / 8:.0%} |" in markdown
    assert (out / "histogram.png").read_bytes().startswith(PNG)
    shown = console.file.getvalue()
    assert "submissions: 8 (answers_unread 2, graded 6)" in shown and f"mean {summary.mean:g}" in shown
    assert not (out / "changes.csv").exists() and summary.changes is None
    assert not [path for path in out.iterdir() if path.name.startswith(".")]  # no scratch folder left


def test_the_summary_counts_each_parts_common_mistakes(course, tmp_path):
    out = tmp_path / "out"
    console = _quiet()
    summary = regrade(course, PS3, out, workers=2, progress=False, console=console)

    read = [name for name in NAMES if name not in ("empty", "hostile_alias_bomb")]  # answers_unread says nothing
    expected = []
    for test in expected_results("full_marks")["tests"]:
        key = test["extra_data"]["key"]
        notes = Counter(part["extra_data"]["note"] for name in read for part in expected_results(name)["tests"]
                        if part["extra_data"]["key"] == key and part["extra_data"]["note"] != "CORRECT")
        expected += [(test["name"], note, count) for note, count in
                     sorted(notes.items(), key=lambda item: (-item[1], item[0]))[:3]]
    assert [(item.part, item.note, item.count) for item in summary.mistakes] == expected
    assert all(item.share == item.count / len(read) for item in summary.mistakes)
    no_bias = next(item for item in summary.mistakes if item.note == "NO_BIAS")
    markdown = (out / "summary.md").read_text(encoding="utf-8")
    assert f"| {no_bias.part} | `NO_BIAS` | 1 | 17% |" in markdown
    assert "| left blank |" in markdown and "| could not be read |" in markdown
    assert "Common mistakes" in console.file.getvalue()

    first = summary.breakdown[0]
    notes = [part["extra_data"]["note"] for name in read for part in expected_results(name)["tests"][:1]]
    assert first.part == expected_results("full_marks")["tests"][0]["name"]
    assert (first.full, first.unanswered) == (notes.count("CORRECT") / len(read),
                                              sum(notes.count(note) for note in ("MISSING", "FORMAT", "DUPLICATE"))
                                              / len(read))
    assert all(abs(item.full + item.named + item.other + item.unanswered - 1) < 1e-9 for item in summary.breakdown)
    assert (out / "parts.png").read_bytes().startswith(PNG) and summary.parts_png == out / "parts.png"


def test_a_gradescope_export_zip(course, tmp_path):
    archive = write_export(tmp_path / "export.zip", course)
    out = tmp_path / "out"
    summary = regrade(archive, PS3, out, progress=False, console=_quiet())
    rows = {row["submission"]: row for row in _rows(out)}
    assert sorted(rows) == [export_id(index) for index in range(len(NAMES))]
    for index, name in enumerate(NAMES):
        row = rows[export_id(index)]
        assert (row["name"], row["email"], row["sid"]) == (f"Student {name}", f"{name}@example.edu", f"{index:04d}")
        assert float(row["total"]) == expected_results(name)["score"]
        assert json.loads((out / export_id(index) / "results.json").read_text())["score"] == float(row["total"])
    assert summary.count == len(NAMES) and summary.notes == ()


def test_against_a_previous_run_reports_the_changed_scores(course, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    regrade(course, PS3, first, progress=False, console=_quiet())
    answers = course / "full_marks" / "answers.yaml"
    answers.write_text(answers.read_text().replace("conv_layer_count: 36", "conv_layer_count: 35"))
    shutil.rmtree(course / "empty")
    console = _quiet()
    summary = regrade(course, PS3, second, against=first, progress=False, console=console)
    part = next(test["name"] for test in expected_results("full_marks")["tests"] if test["number"] == "2.5")
    assert [(change.submission, change.column, change.before, change.after) for change in summary.changes] == [
        ("full_marks", part, "1.5", "0"), ("full_marks", "total", "21.5", "20"),
        ("empty", "(submission)", "graded", "not in this run")]
    with (second / "changes.csv").open(encoding="utf-8", newline="") as stream:
        assert list(csv.reader(stream)) == [
            ["submission", "name", "email", "sid", "column", "before", "after"],
            ["full_marks", "full_marks", "", "", part, "1.5", "0"],
            ["full_marks", "full_marks", "", "", "total", "21.5", "20"],
            ["empty", "empty", "", "", "(submission)", "graded", "not in this run"]]
    assert "Changes since the previous run (3)" in console.file.getvalue()
    assert "## Changes since the previous run (3)" in (second / "summary.md").read_text()
    with pytest.raises(RegradeError, match="cannot read the previous run's"):
        regrade(course, PS3, tmp_path / "third", against=tmp_path / "nowhere", progress=False, console=_quiet())


def test_a_late_policy_adds_a_late_penalty_column(tmp_path):
    problems = tmp_path / "ps3_late.yaml"
    problems.write_text(PS3.read_text() + "\nlate_policy: {penalty_per_day: 0.25, max_penalty: 0.5}\n")
    course = tmp_path / "course"
    for name, created in (("on_time", "2026-10-10T12:00:00Z"), ("late", "2026-10-12T12:00:00Z")):
        shutil.copytree(EXAMPLES / "full_marks" / "submission", course / name / "submission")
        (course / name / "submission_metadata.json").write_text(json.dumps(
            {"created_at": created, "assignment": {"due_date": "2026-10-11T00:00:00Z"},
             "users": [{"name": name.title(), "email": f"{name}@example.edu", "sid": "1"}]}))
    regrade(course, problems, tmp_path / "out", progress=False, console=_quiet())
    rows = {row["submission"]: row for row in _rows(tmp_path / "out")}
    assert (rows["on_time"]["late penalty"], rows["on_time"]["total"]) == ("0", "21.5")
    assert (rows["late"]["late penalty"], rows["late"]["total"]) == ("-10.75", "10.75")  # 2 days x 25%, at most 50%
    assert rows["late"]["name"] == "Late"


def test_a_submission_whose_results_cannot_be_written_is_a_grader_error(course, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "typical_mistakes").write_text("a stale file where the results folder goes")
    summary = regrade(course, PS3, out, progress=False, console=_quiet())
    rows = {row["submission"]: row for row in _rows(out)}
    assert rows["typical_mistakes"]["status"] == "grader_error"
    assert rows["typical_mistakes"]["message"].startswith(("FileExistsError", "NotADirectoryError"))
    assert rows["typical_mistakes"]["total"] == ""
    graded = [name for name in NAMES if name != "typical_mistakes"]
    assert all(float(rows[name]["total"]) == expected_results(name)["score"] for name in graded)
    assert summary.scored == 7 and summary.failed == 1


def test_a_submission_that_outlives_the_time_limit_is_stopped(tmp_path):
    problems, course = timing_course(tmp_path)
    out = tmp_path / "out"
    summary = regrade(course, problems, out, timeout=2, progress=False, console=_quiet())
    rows = {row["submission"]: row for row in _rows(out)}
    assert (rows["honest"]["status"], rows["honest"]["total"]) == ("graded", "1")
    assert (rows["slow"]["status"], rows["slow"]["message"]) == (
        "timeout", "grading took longer than 2 s and was stopped")
    stopped = json.loads((out / "slow" / "results.json").read_text())
    assert stopped["score"] == 0 and "grading took longer than 2 s" in json.dumps(stopped)
    assert summary.seconds < 20


def test_a_worker_that_dies_costs_only_its_own_submission(course, tmp_path, monkeypatch):
    (course / "crash_me").mkdir()
    monkeypatch.setattr(run_module, "run_local", functools.partial(run_local, task=grade_or_die))
    out = tmp_path / "out"
    summary = regrade(course, PS3, out, workers=2, progress=False, console=_quiet())
    rows = {row["submission"]: row for row in _rows(out)}
    assert rows["crash_me"]["status"] == "worker_crashed"
    assert "died" in rows["crash_me"]["message"]
    report = json.loads((out / "crash_me" / "results.json").read_text())
    assert report["score"] == 0 and "worker_crashed: the worker grading this submission died" in json.dumps(report)
    assert all(float(rows[name]["total"]) == expected_results(name)["score"] for name in NAMES)
    assert summary.count == 9 and summary.statuses["worker_crashed"] == 1


def test_a_worker_deaf_to_its_alarm_is_killed_when_far_past_the_limit(course, tmp_path, monkeypatch):
    from grader.regrade import local

    (course / "hang_me").mkdir()
    monkeypatch.setattr(local, "KILL_GRACE_SECONDS", 1.0)
    monkeypatch.setattr(run_module, "run_local", functools.partial(run_local, task=grade_or_die))
    summary = regrade(course, PS3, tmp_path / "out", workers=2, timeout=1, progress=False, console=_quiet())
    rows = {row["submission"]: row for row in _rows(tmp_path / "out")}
    assert (rows["hang_me"]["status"], rows["hang_me"]["message"]) == (
        "timeout", "grading took longer than 1 s; its worker did not stop and was killed")
    assert all(float(rows[name]["total"]) == expected_results(name)["score"] for name in NAMES)
    assert summary.seconds < 15


def test_the_progress_bar_shows_count_rate_and_eta_on_a_terminal(course, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    regrade(course, PS3, tmp_path / "out", progress=True, console=_quiet())
    shown = capsys.readouterr().err
    assert "8/8" in shown and "/s" in shown and "ETA" in shown
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.delenv("TTY_COMPATIBLE")
    regrade(course, PS3, tmp_path / "out", progress=True, console=_quiet())
    assert capsys.readouterr().err == ""  # not a terminal: no bar


def test_without_matplotlib_the_plots_are_left_out_and_the_summary_says_so(course, tmp_path, monkeypatch):
    for name in [module for module in sys.modules if module.split(".")[0] == "matplotlib"] + ["matplotlib"]:
        monkeypatch.setitem(sys.modules, name, None)  # import matplotlib... raises ImportError
    out = tmp_path / "out"
    summary = regrade(course, PS3, out, workers=2, progress=False, console=_quiet())
    assert not (out / "histogram.png").exists() and not (out / "parts.png").exists()
    assert (summary.histogram, summary.parts_png) == (None, None)
    assert summary.notes[-1] == ("histogram.png and parts.png were not drawn: matplotlib is not installed "
                                 "(pip install 'cnn-autograder[regrade]')")
