"""The instructor's pre-flight: the problem set validates, every example scores as stored, and the reference
solution earns full marks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from grader.pipeline import grade_and_write
from grader.preflight import answers_yaml, check_problem_set, key_answers, result_differences
from grader.problems.loader import load_problem_set

PROBLEMS = Path("problems")
EXAMPLES = Path("submissions_example")
SLOW = {"hw004_notebooks"}
FILES = sorted(path for path in PROBLEMS.glob("*.yaml") if path.stem not in SLOW)


@pytest.mark.parametrize("problem_file", FILES, ids=[path.stem for path in FILES])
def test_every_problem_set_passes(problem_file: Path) -> None:
    report = check_problem_set(problem_file, EXAMPLES)
    assert report.ok and report.valid, "\n".join(report.lines())
    examples = [path for path in (EXAMPLES / problem_file.stem).iterdir() if (path / "submission").is_dir()]
    assert sum(check.what.startswith("example ") for check in report.checks) == len(examples)
    assert report.lines()[-1] == f"{problem_file}: ready"


@pytest.mark.slow
def test_the_notebook_problem_set_passes(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("--slow"):
        pytest.skip("runs every notebook example (about 90 s): run with --slow")
    report = check_problem_set(PROBLEMS / "hw004_notebooks.yaml", EXAMPLES)
    assert report.ok, "\n".join(report.lines())
    assert "the full_marks example earns the maximum" in [check.what for check in report.checks]


def copied_examples(tmp_path: Path, problem_set: str, *names: str) -> Path:
    for name in names:
        shutil.copytree(EXAMPLES / problem_set / name, tmp_path / problem_set / name)
    return tmp_path


def test_a_tampered_expected_result_is_reported(tmp_path: Path) -> None:
    root = copied_examples(tmp_path, "ps3", "full_marks", "typical_mistakes")
    golden = root / "ps3" / "typical_mistakes" / "expected_results.json"
    stored = json.loads(golden.read_text(encoding="utf-8"))
    stored["tests"][0]["score"] = stored["tests"][0]["max_score"]
    stored["score"] = round(sum(test["score"] for test in stored["tests"]), 2)
    stored["tests"][1]["output"] = "tampered"
    golden.write_text(json.dumps(stored, indent=2), encoding="utf-8")

    report = check_problem_set(PROBLEMS / "ps3.yaml", root)
    assert report.valid and not report.ok
    assert [check.what for check in report.failures] == ["example ps3/typical_mistakes scores as stored"]
    detail = report.failures[0].detail.splitlines()
    number = stored["tests"][0]["number"]
    assert detail[0].startswith("total ") and detail[1].startswith(f"test {number}: ")
    assert any(line.startswith(f"test {stored['tests'][1]['number']} `output`:") for line in detail)
    assert "FAIL example ps3/typical_mistakes scores as stored" in report.lines()


def test_a_missing_expected_result_is_reported(tmp_path: Path) -> None:
    root = copied_examples(tmp_path, "hw003", "full_marks")
    (root / "hw003" / "full_marks" / "expected_results.json").unlink()
    report = check_problem_set(PROBLEMS / "hw003.yaml", root)
    assert [check.what for check in report.failures] == ["example hw003/full_marks scores as stored"]
    assert "--update-goldens" in report.failures[0].detail


def test_a_key_built_answers_file_earns_full_marks_for_ps3(tmp_path: Path) -> None:
    problem_set = load_problem_set(PROBLEMS / "ps3.yaml")
    answers, problems = key_answers(problem_set)
    assert problems == []
    assert set(answers) == {f"{problem.id}.{part.id}" for problem, part in problem_set.answer_parts()}
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission" / "answers.yaml").write_text(answers_yaml(answers), encoding="utf-8")
    report = grade_and_write(problem_set, tmp_path / "submission", tmp_path / "results.json")
    assert [part.key for part in report.parts if part.earned != part.points] == []
    assert any(part.extra_credit for part in report.parts)
    assert report.earned == sum(part.points for part in report.parts)

    checks = {check.what: check for check in check_problem_set(PROBLEMS / "ps3.yaml", EXAMPLES).checks}
    assert checks["an answers file written from the key earns every point"].passed
    assert checks["an answers file written from the key earns every point"].detail == \
        "19 of 19 points and 2.5 of 2.5 extra credit"


def test_a_code_problem_set_without_a_full_marks_example_is_reported(tmp_path: Path) -> None:
    root = copied_examples(tmp_path, "cnn_code", "crashing")
    report = check_problem_set(PROBLEMS / "cnn_code.yaml", root)
    assert [check.what for check in report.failures] == ["the full_marks example earns the maximum"]


def test_a_full_marks_example_that_falls_short_is_reported(tmp_path: Path) -> None:
    """The crashing example, stored as it scores, passes as an example but is no full-marks solution."""
    root = tmp_path
    shutil.copytree(EXAMPLES / "cnn_code" / "crashing", root / "cnn_code" / "full_marks")
    report = check_problem_set(PROBLEMS / "cnn_code.yaml", root)
    assert [check.what for check in report.failures] == ["the full_marks example earns the maximum"]
    assert report.failures[0].detail.startswith("test ")


def test_an_invalid_problem_file_is_invalid_input(tmp_path: Path) -> None:
    broken = tmp_path / "ps3.yaml"
    broken.write_text((PROBLEMS / "ps3.yaml").read_text(encoding="utf-8").replace(
        "check: 11329414656", "check: 11329414657"), encoding="utf-8")
    report = check_problem_set(broken, EXAMPLES)
    assert not report.valid and not report.ok
    assert "disagrees with the solver" in report.failures[0].detail
    (tmp_path / "unloadable.yaml").write_text("id: [\n", encoding="utf-8")
    report = check_problem_set(tmp_path / "unloadable.yaml", EXAMPLES)
    assert not report.valid and report.problem_set_id is None and len(report.checks) == 1


def test_result_differences_compare_scores_only_when_asked() -> None:
    results = {"score": 1.0, "execution_time": 0.5, "output": "a 0.91", "extra_data": {"staff_notes": ["x"]},
               "tests": [{"number": "1.1", "score": 1.0, "max_score": 1.0, "output": "0.91"}]}
    stored = {**results, "execution_time": 0.0, "output": "a 0.93", "extra_data": {},
              "tests": [{**results["tests"][0], "output": "0.93"}]}
    assert result_differences(results, stored, scores_only=True) == []
    assert result_differences(results, stored) == ['`output`: "a 0.91", stored "a 0.93"',
                                                   'test 1.1 `output`: "0.91", stored "0.93"']
