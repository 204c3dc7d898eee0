"""``grader validate``'s deeper pass: run every solver, check the instructor's cross-checks and mistakes."""

from __future__ import annotations

from typing import Any

from grader.answers import KINDS
from grader.answers.base import FormatError
from grader.grading.reference import mistake_values, reference_value
from grader.problems.model import CodePart, NotebookPart, Part, Problem, ProblemSet

Issue = tuple[tuple[Any, ...], str]


def verify_problem_set(problem_set: ProblemSet) -> list[Issue]:
    issues: list[Issue] = []
    for p_index, problem in enumerate(problem_set.problems):
        for index, part in enumerate(problem.parts):
            issues += _verify_part(problem, part, ("problems", p_index, "parts", index))
    return issues


def _verify_part(problem: Problem, part: Part | CodePart | NotebookPart, loc: tuple[Any, ...]) -> list[Issue]:
    if isinstance(part, CodePart):
        return _verify_code_part(problem, part, loc)
    if isinstance(part, NotebookPart):
        if part.notebook.calls is not None:
            return [((*loc, "notebook", "calls"), message) for _, message in
                    _verify_code_part(problem, part.as_code_part(), loc)]
        return []  # a value part's reference may need the notebook's own values: checked when graded
    kind = KINDS[part.answer.kind]
    try:
        expected = reference_value(problem, part)
    except Exception as error:  # report any solver failure as the instructor's problem to fix
        return [((*loc, "expected"), f"solver '{part.expected.solver}' failed: {error}")]
    issues: list[Issue] = []
    if part.expected.check is not None:
        issues += _cross_check(kind, part, expected, (*loc, "expected", "check"))
    try:
        mistakes = mistake_values(problem, part)
    except Exception as error:
        return [*issues, ((*loc, "mistakes"), f"a mistake's solver failed: {error}")]
    for index, (mistake, value) in enumerate(mistakes):
        if kind.grade(kind.example(value, part.answer), expected, part.answer).correct:
            issues.append(((*loc, "mistakes", index), f"mistake {mistake.name} gives the correct value "
                           f"{kind.show(expected, part.answer)}; it could never fire"))
    return issues


def _verify_code_part(problem: Problem, part: CodePart, loc: tuple[Any, ...]) -> list[Issue]:
    """Every case (explicit and generated) must be valid for the reference solver and its mistakes."""
    from grader.code.plan import plan_calls
    from grader.problems.resolve import resolve_given

    try:
        plan_calls(part, resolve_given(problem.given))
    except Exception as error:  # the instructor's problem to fix, reported with the part's location
        return [((*loc, "code"), f"the cases cannot be prepared: {error}")]
    return []


def _cross_check(kind: Any, part: Part, expected: Any, loc: tuple[Any, ...]) -> list[Issue]:
    reading = kind.parse(part.expected.check, part.answer)
    if isinstance(reading, FormatError):
        return [(loc, f"check value cannot be read: {reading.message}")]
    if not kind.grade(reading.value, expected, part.answer).correct:
        return [(loc, f"check value {reading.shown} disagrees with the solver's "
                      f"{kind.show(expected, part.answer)}")]
    return []
