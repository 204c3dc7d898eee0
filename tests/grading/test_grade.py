"""Grading one part: the reference reads back as correct, mistakes fire only on wrong answers, reveal rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.answers import KINDS
from grader.grading.grade import grade_part
from grader.grading.reference import mistake_values, reference_value
from grader.problems.loader import load_problem_set
from grader.submission.answers import Duplicate, Missing

SETS = sorted(Path("problems").glob("*.yaml"))
PARTS = [(path, problem.id, part.id) for path in SETS for problem, part in load_problem_set(path).answer_parts()]


def _find(path: Path, problem_id: str, part_id: str):
    problem_set = load_problem_set(path)
    problem = next(p for p in problem_set.problems if p.id == problem_id)
    return problem_set, problem, next(q for q in problem.parts if q.id == part_id)


@pytest.mark.parametrize("path, problem_id, part_id", PARTS)
def test_the_reference_shown_to_a_student_reads_back_as_correct(path: Path, problem_id: str, part_id: str) -> None:
    problem_set, problem, part = _find(path, problem_id, part_id)
    shown = KINDS[part.answer.kind].show(reference_value(problem, part), part.answer)
    result = grade_part(problem_set, problem, part, shown)
    assert result.status == "correct" and result.earned == part.points and result.note == "CORRECT"


@pytest.mark.parametrize("path, problem_id, part_id", PARTS)
def test_each_mistake_fires_with_its_feedback_and_credit(path: Path, problem_id: str, part_id: str) -> None:
    problem_set, problem, part = _find(path, problem_id, part_id)
    kind = KINDS[part.answer.kind]
    reference = reference_value(problem, part)
    for mistake, value in mistake_values(problem, part):
        answer = kind.show(value, part.answer)
        result = grade_part(problem_set, problem, part, answer)
        assert result.note == mistake.name and result.feedback == mistake.feedback
        # a kind judged by properties keeps the share of them the answer has when that is more than the credit
        generic = kind.grade(kind.parse(answer, part.answer).value, reference, part.answer).score
        assert result.earned == round(part.points * max(mistake.credit, generic), 2)
        assert result.status == ("partial" if result.earned else "wrong")


def test_expected_value_is_revealed_only_where_the_part_allows() -> None:
    problem_set, problem, part = _find(Path("problems/ps3.yaml"), "model_size", "conv_layer")
    assert grade_part(problem_set, problem, part, "1").expected_shown is None
    after_due = part.model_copy(update={"visibility": "after_due_date"})
    assert grade_part(problem_set, problem, after_due, "1").expected_shown == "444"
    never = part.model_copy(update={"visibility": "after_due_date", "reveal_expected": "never"})
    assert grade_part(problem_set, problem, never, "1").expected_shown is None
    always = part.model_copy(update={"reveal_expected": "always"})
    assert grade_part(problem_set, problem, always, "1").expected_shown == "444"
    assert grade_part(problem_set, problem, always, "444").expected_shown is None


def test_unreadable_missing_and_duplicate_answers_score_zero_with_a_message() -> None:
    problem_set, problem, part = _find(Path("problems/ps3.yaml"), "model_size", "conv_layer")
    unreadable = grade_part(problem_set, problem, part, "1,5")
    assert unreadable.status == "format_error" and unreadable.earned == 0 and "1,5" in unreadable.feedback
    missing = grade_part(problem_set, problem, part, Missing("left blank"))
    assert missing.status == "missing" and "left blank" in missing.feedback
    duplicate = grade_part(problem_set, problem, part, Duplicate("lines 3, 9"))
    assert duplicate.status == "format_error" and "lines 3, 9" in duplicate.feedback
