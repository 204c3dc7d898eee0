"""The problem-set YAML schema: one file is one assignment."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from grader.answers import AnswerSpec

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]
Reveal = Literal["auto", "always", "never"]

IDENTIFIER = r"^[a-z][a-z0-9_]*$"
NOTE_CODE = r"^[A-Z][A-Z0-9_]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expected(Strict):
    """Where a part's reference value comes from: a named solver applied to the problem's given data.

    Argument values are literals, ``$name`` (a value of the problem's ``given``) or ``= expression``
    (arithmetic over the given values). ``check`` is an instructor's cross-check of the solver's value,
    verified by ``grader validate``; it is never used for grading.
    """

    solver: str
    args: dict[str, Any] = Field(default_factory=dict)
    check: Any = None


class Mistake(Strict):
    """A known wrong path: a solver variant whose value, if the student's answer matches it, earns feedback.

    ``solver`` defaults to the part's solver; ``args`` are merged over the part's arguments unless
    ``inherit_args`` is false (for a solver that takes different arguments).
    """

    name: str = Field(pattern=NOTE_CODE)
    feedback: str
    credit: float = Field(default=0.0, ge=0.0, lt=1.0)
    solver: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    inherit_args: bool = True

    def call(self, part_solver: str, part_args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """The solver name and unresolved arguments this mistake runs."""
        args = {**part_args, **self.args} if self.inherit_args else dict(self.args)
        return self.solver or part_solver, args


class Part(Strict):
    id: str = Field(pattern=IDENTIFIER)
    title: str | None = None
    prompt: str
    points: float = Field(gt=0)
    extra_credit: bool = False
    answer: AnswerSpec
    expected: Expected
    visibility: Visibility = "visible"
    reveal_expected: Reveal = "auto"
    hint: str | None = None
    mistakes: tuple[Mistake, ...] = ()
    tags: tuple[str, ...] = ()
    published: Any = None
    """The answer printed in the homework document, as printed (it may be wrong): `grader audit`
    compares it with the solver. Never used for grading."""


class Problem(Strict):
    id: str = Field(pattern=IDENTIFIER)
    number: int | None = Field(default=None, ge=0)
    title: str
    text: str | None = None
    given: dict[str, Any] = Field(default_factory=dict)
    parts: tuple[Part, ...] = Field(min_length=1)


class ManualItem(Strict):
    """A question the autograder does not grade (prose, plots, derivations): listed so instructors know."""

    question: str
    points: float = Field(ge=0)
    reason: str


class ProblemSet(Strict):
    id: str = Field(pattern=IDENTIFIER)
    title: str
    document: str
    total_points: float | None = Field(default=None, gt=0)
    problems: tuple[Problem, ...] = Field(min_length=1)
    manual: tuple[ManualItem, ...] = ()

    def parts(self) -> list[tuple[Problem, Part]]:
        return [(problem, part) for problem in self.problems for part in problem.parts]


def part_key(problem: Problem, part: Part) -> str:
    """The answers-file key of a part: ``<problem_id>.<part_id>``."""
    return f"{problem.id}.{part.id}"


def part_number(problem_set: ProblemSet, problem: Problem, part: Part) -> str:
    """Gradescope's ordering number, e.g. "2.3": the problem's number (or position) and the part's position."""
    problem_index = [item.id for item in problem_set.problems].index(problem.id)
    major = problem.number if problem.number is not None else problem_index + 1
    return f"{major}.{[item.id for item in problem.parts].index(part.id) + 1}"
