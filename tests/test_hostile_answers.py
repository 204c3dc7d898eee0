"""Whatever text or JSON a student uploads, grading ends with a valid results.json and no crash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.pipeline import grade_and_write
from grader.problems.loader import load_problem_set
from tests.helpers import load_valid_results

PS3 = load_problem_set("problems/ps3.yaml")
KEYS = [f"{problem.id}.{part.id}" for problem, part in PS3.parts()]

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=80))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5), max_leaves=20)


def _grade(name: str, content: bytes) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        submission = Path(folder) / "submission"
        submission.mkdir()
        (submission / name).write_bytes(content)
        out = Path(folder) / "results.json"
        report = grade_and_write(PS3, submission, out)
        assert report.internal_error is None
        assert all(part.status != "internal_error" for part in report.parts)
        return load_valid_results(out)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_answers_yaml(content: bytes) -> None:
    _grade("answers.yaml", content)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), st.text(max_size=60)))
def test_arbitrary_answer_text_per_key(answers: dict[str, str]) -> None:
    content = "".join(f"{key}: {json.dumps(value)}\n" for key, value in answers.items())
    results = _grade("answers.yaml", content.encode("utf-8"))
    assert results["score"] <= 21.5


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), values))
def test_arbitrary_json_values_per_key(answers: dict) -> None:
    _grade("answers.json", json.dumps(answers).encode("utf-8"))
