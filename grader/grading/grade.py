"""Grade one part: read the student's raw answer, judge it against the reference, try named mistakes."""

from __future__ import annotations

import traceback
from dataclasses import replace
from typing import Any

from grader.answers import KINDS
from grader.answers.base import FormatError, Verdict
from grader.grading.reference import Reference, reference
from grader.problems.model import CodePart, Part, Problem, ProblemSet, part_key, part_number
from grader.results.model import PartResult
from grader.submission.answers import Duplicate, Missing

def grade_part(problem_set: ProblemSet, problem: Problem, part: Part, raw: Any) -> PartResult:
    base = part_skeleton(problem_set, problem, part)
    try:
        ref = reference(problem, part)
        return _judge(base, part, ref, raw)
    except Exception:  # a grader bug, never the student's fault
        return _with(base, status="internal_error", note="INTERNAL_ERROR", staff_detail=traceback.format_exc())


def _judge(base: PartResult, part: Part, ref: Reference, raw: Any) -> PartResult:
    kind = KINDS[part.answer.kind]
    reveal = _revealed(part, kind.show(ref.value, part.answer))
    if isinstance(raw, Missing):
        return _with(base, status="missing", note="MISSING", expected_shown=reveal,
                     feedback=f"No answer for `{base.key}`: {raw.reason}.")
    if isinstance(raw, Duplicate):
        return _with(base, status="format_error", note="DUPLICATE", expected_shown=reveal,
                     feedback=f"`{base.key}` is answered more than once ({raw.where}); keep exactly one answer.")
    reading = kind.parse(raw, part.answer)
    if isinstance(reading, FormatError):
        return _with(base, status="format_error", note="FORMAT", expected_shown=reveal,
                     feedback=reading.message)
    verdict = kind.grade(reading.value, ref.value, part.answer)
    if not verdict.correct:
        verdict = _match_mistake(kind, part, ref, reading.value, verdict)
    status = "correct" if verdict.correct else ("partial" if verdict.score > 0 else "wrong")
    return _with(base, status=status, note=verdict.note, answer_shown=reading.shown,
                 feedback=verdict.feedback, earned=_points(part.points, verdict.score),
                 hint=None if verdict.correct else part.hint,
                 expected_shown=None if verdict.correct else reveal)


def _match_mistake(kind: Any, part: Part, ref: Reference, value: Any, verdict: Verdict) -> Verdict:
    """The first named mistake the answer matches replaces the generic verdict; never for a correct answer."""
    for mistake, mistake_value in ref.mistakes:
        if kind.grade(value, mistake_value, part.answer).correct:
            return Verdict(score=max(verdict.score, mistake.credit), feedback=mistake.feedback, note=mistake.name)
    return verdict


def _revealed(part: Part, shown: str) -> str | None:
    if part.reveal_expected == "always":
        return shown
    if part.reveal_expected == "auto" and part.visibility in ("after_due_date", "after_published"):
        return shown
    return None


def _points(points: float, score: float) -> float:
    return round(points * min(max(score, 0.0), 1.0), 2)


def part_skeleton(problem_set: ProblemSet, problem: Problem, part: Part | CodePart) -> PartResult:
    """A part's result before judging: its key, number, title, points, visibility and tags."""
    return PartResult(
        key=part_key(problem, part),
        number=part_number(problem_set, problem, part),
        title=f"{problem.title}: {part.title or part.id}",
        points=part.points,
        earned=0.0,
        status="wrong",
        note="",
        extra_credit=part.extra_credit,
        visibility=part.visibility,
        tags=part.tags,
    )


def _with(base: PartResult, **changes: Any) -> PartResult:
    return replace(base, **changes)
