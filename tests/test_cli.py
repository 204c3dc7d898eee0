"""End-to-end runs of the `grader` command, as a TA or instructor would type them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import load_valid_results

PS3 = "problems/ps3.yaml"
FULL = "submissions_example/ps3/full_marks/submission"


def grader(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(Path.cwd())}
    return subprocess.run([sys.executable, "-m", "grader", *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd, env=env)


def test_grade_prints_a_table_and_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = grader("grade", FULL, "--problems", PS3, "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "total: 19 / 19  (+2.5 extra credit)" in run.stdout
    results = load_valid_results(out)
    assert results["score"] == 21.5


def test_grade_exits_zero_for_a_bad_submission(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    run = grader("grade", "submissions_example/ps3/hostile_alias_bomb/submission", "--problems", PS3,
                 "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert load_valid_results(out)["score"] == 0


def test_grade_exits_two_for_an_invalid_problem_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\n", encoding="utf-8")
    run = grader("grade", FULL, "--problems", str(bad), "--out", str(tmp_path / "r.json"))
    assert run.returncode == 2
    assert f"{bad}:1: (top level): missing required key 'title'" in run.stderr


def test_validate(tmp_path: Path) -> None:
    ok = grader("validate", *sorted(str(p) for p in Path("problems").glob("*.yaml")))
    assert ok.returncode == 0, ok.stderr
    wrong = tmp_path / "wrong_check.yaml"
    wrong.write_text(Path(PS3).read_text(encoding="utf-8").replace("check: 444", "check: 441"), encoding="utf-8")
    run = grader("validate", str(wrong))
    assert run.returncode == 2
    assert "expected.check: check value 441 disagrees with the solver's 444" in run.stderr


def test_validate_rejects_a_mistake_that_equals_the_answer(tmp_path: Path) -> None:
    text = Path(PS3).read_text(encoding="utf-8").replace(
        "          - name: SINGLE_INPUT_CHANNEL\n            args: {in_channels: 1}",
        "          - name: SINGLE_INPUT_CHANNEL\n            args: {in_channels: 3}")
    path = tmp_path / "useless_mistake.yaml"
    path.write_text(text, encoding="utf-8")
    run = grader("validate", str(path))
    assert run.returncode == 2
    assert "mistake SINGLE_INPUT_CHANNEL gives the correct value 444; it could never fire" in run.stderr


def test_key_json_is_plain_values() -> None:
    run = grader("key", PS3, "--format", "json")
    assert run.returncode == 0, run.stderr
    key = json.loads(run.stdout)
    assert key["model_size.fc_layer1"] == 11329414656
    assert key["conv_ops.conv_shape"] == [2, 2]
    assert key["conv_ops.conv_output"] == [[1, 0], [-1, 4]]
    assert key["extra_credit.up_params"] == 115011363


def test_key_markdown() -> None:
    run = grader("key", PS3, "--format", "md")
    assert run.returncode == 0, run.stderr
    assert "| 2.1 | `model_size.fc_layer1` | 1.5 | `11329414656` |" in run.stdout


def test_template_round_trips_as_an_empty_answers_file(tmp_path: Path) -> None:
    run = grader("template", PS3)
    assert run.returncode == 0, run.stderr
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "answers.yaml").write_text(run.stdout, encoding="utf-8")
    out = tmp_path / "results.json"
    assert grader("grade", str(submission), "--problems", PS3, "--out", str(out)).returncode == 0
    results = load_valid_results(out)
    assert results["score"] == 0
    assert not any("Unknown key" in line for line in results["output"].splitlines())
    assert all(test["extra_data"]["status"] == "missing" for test in results["tests"])


def test_gradescope_entry_uses_the_container_layout(tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "answers.yaml").write_text("model_size.conv_layer: 444\n", encoding="utf-8")
    run = grader("gradescope", "--root", str(tmp_path), "--problems", str(Path(PS3).resolve()))
    assert run.returncode == 0, run.stderr
    results = load_valid_results(tmp_path / "results" / "results.json")
    assert results["score"] == 1.0


def test_gradescope_entry_with_a_broken_problem_file_still_writes_results(tmp_path: Path) -> None:
    (tmp_path / "submission").mkdir()
    run = grader("gradescope", "--root", str(tmp_path), "--problems", str(tmp_path / "missing.yaml"))
    assert run.returncode == 0
    results = load_valid_results(tmp_path / "results" / "results.json")
    hidden = [test for test in results["tests"] if test["visibility"] == "hidden"]
    assert hidden and "missing.yaml" in hidden[0]["output"]
    assert "missing.yaml" not in results["output"]


def test_run_autograder_script_writes_a_fallback_even_without_python(tmp_path: Path) -> None:
    script = Path("run_autograder").read_text(encoding="utf-8")
    assert "\r" not in script and os.access("run_autograder", os.X_OK) and os.access("setup.sh", os.X_OK)
    patched = script.replace("/autograder", str(tmp_path))
    runner = tmp_path / "run"
    runner.write_text(patched, encoding="utf-8")
    env = {**os.environ, "GRADER_VENV": str(tmp_path / "no-such-venv")}
    subprocess.run(["bash", str(runner)], env=env, capture_output=True, timeout=60)
    load_valid_results(tmp_path / "results" / "results.json")


def test_regrade_applies_due_dates_and_extensions(tmp_path: Path) -> None:
    from tests.regrade.conftest import write_timed_export

    problems = tmp_path / "ps3_late.yaml"
    problems.write_text(Path(PS3).read_text(encoding="utf-8") + "\nlate_policy: {penalty_per_day: 0.1}\n",
                        encoding="utf-8")
    late = "2026-10-11 12:00:00 -07:00"
    archive = write_timed_export(tmp_path / "export.zip", {"s1": ([("A", "a@x.edu", "1")], late),
                                                           "s2": ([("B", "b@x.edu", "2")], late)})
    extensions = tmp_path / "extensions.csv"
    extensions.write_text("sid,due_date\n2,2026-10-12T23:59:00-07:00\n9,2026-10-12T23:59:00-07:00\n")
    out = tmp_path / "out"
    due = ("--due", "2026-10-10T23:59:00-07:00")
    run = grader("regrade", str(archive), "--problems", str(problems), "--out", str(out), "--no-progress",
                 "--workers", "2", *due, "--extensions", str(extensions))
    assert run.returncode == 0, run.stderr
    lines = {line.split(",")[0]: line.split(",")[-4:-1] for line in (out / "scores.csv").read_text().splitlines()}
    assert (lines["s1"], lines["s2"]) == (["-2.15", "19.35", "graded"], ["0", "21.5", "graded"])
    assert "note: 1 extension row(s)" in run.stdout
    assert "match no submitter in the batch (a typo?): line 3 (`SID 9`)" in (out / "summary.md").read_text()

    for flags, error in (((*due, "--late-due", "2026-10-13T23:59"), "--late-due '2026-10-13T23:59' has no UTC offset"),
                         (("--due", "friday"), "--due 'friday' is not an ISO 8601 time"),
                         (("--extensions", str(extensions)), "--extensions needs --due")):
        bad = grader("regrade", str(archive), "--problems", str(problems), "--out", str(tmp_path / "bad"), *flags)
        assert (bad.returncode, bad.stdout) == (2, ""), bad.stderr
        assert bad.stderr.startswith(f"grader regrade: {error}")
    extensions.write_text("sid,due_date\n2,soon\n")
    bad = grader("regrade", str(archive), "--problems", str(problems), "--out", str(tmp_path / "bad"), *due,
                 "--extensions", str(extensions))
    assert bad.returncode == 2
    assert f"grader regrade: {extensions}:2: due_date 'soon' is not an ISO 8601 time" in bad.stderr
    assert not (tmp_path / "bad").exists()
