"""Every example submission, graded through the real pipeline, matches its stored expected results.

Rewrite the stored files after an intended change with ``pytest tests/test_examples.py --update-goldens``
and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grader.pipeline import grade_and_write
from grader.preflight import normalised
from grader.problems.loader import load_problem_set
from tests.helpers import load_valid_results

EXAMPLES = Path("submissions_example")
PROBLEMS = Path("problems")
CASES = sorted(path for path in EXAMPLES.glob("*/*") if (path / "submission").is_dir())


@pytest.mark.parametrize("case", CASES, ids=[f"{case.parent.name}/{case.name}" for case in CASES])
def test_example_scores_as_stored(case: Path, tmp_path: Path, update_goldens: bool) -> None:
    problem_set = load_problem_set(PROBLEMS / f"{case.parent.name}.yaml")
    out = tmp_path / "results.json"
    grade_and_write(problem_set, case / "submission", out)
    results = normalised(load_valid_results(out))
    golden = case / "expected_results.json"
    if update_goldens or not golden.exists():
        golden.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        if not update_goldens:
            pytest.fail(f"{golden} did not exist; it was written now: review it and commit it")
    assert results == json.loads(golden.read_text(encoding="utf-8"))


def test_every_problem_set_has_examples() -> None:
    for problem_file in PROBLEMS.glob("*.yaml"):
        assert (EXAMPLES / problem_file.stem / "full_marks" / "submission").is_dir(), problem_file
