"""The problem-set YAML schema: one file is one assignment."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag, model_validator

from grader.answers import AnswerSpec
from grader.code.spec import CodeSpec
from grader.notebooks.spec import MeasuredSpec, NotebookSource, NotebookSpec, Threshold

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


class CodePart(Strict):
    """A part graded by running the student's function in the sandbox on many inputs (``code:``) and
    comparing, in the parent, with the reference solver (``expected``) and/or named property checks."""

    id: str = Field(pattern=IDENTIFIER)
    title: str | None = None
    prompt: str
    points: float = Field(gt=0)
    extra_credit: bool = False
    code: CodeSpec
    expected: Expected | None = None
    visibility: Visibility = "visible"
    hint: str | None = None
    mistakes: tuple[Mistake, ...] = ()
    tags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _has_a_reference(self) -> "CodePart":
        if self.expected is None and not self.code.properties:
            raise ValueError("a code part needs `expected` (a reference solver) or `code.properties`")
        if self.mistakes and self.expected is None:
            raise ValueError("mistakes are variants of the reference solver: they need `expected`")
        return self


class NotebookPart(Strict):
    """A part graded from a submitted notebook run headless in the sandbox (``notebook:``): a value it
    defines, judged by an answer kind against a solver (``answer`` + ``expected``; solver arguments may
    name other notebook values as ``@name``) or by a ``check``; or a function it defines, called on the
    grader's inputs and compared with a solver (``expected``) and/or property checks."""

    id: str = Field(pattern=IDENTIFIER)
    title: str | None = None
    prompt: str
    points: float = Field(gt=0)
    extra_credit: bool = False
    notebook: NotebookSource
    answer: AnswerSpec | None = None
    expected: Expected | None = None
    check: Threshold | None = None
    measured: MeasuredSpec | None = None
    visibility: Visibility = "visible"
    reveal_expected: Reveal = "auto"
    hint: str | None = None
    mistakes: tuple[Mistake, ...] = ()
    tags: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_judgement(self) -> "NotebookPart":
        if self.notebook.function is not None:
            if self.answer is not None or self.check is not None:
                raise ValueError("a notebook function is judged by `expected` and `notebook.calls.properties`")
            if self.expected is None and not self.notebook.calls.properties:
                raise ValueError("a notebook function needs `expected` or `notebook.calls.properties`")
        elif (self.check is None) == (self.answer is None or self.expected is None):
            raise ValueError("a notebook value is judged by `answer` with `expected`, or by `check` (one of them)")
        if self.mistakes and self.expected is None:
            raise ValueError("mistakes are variants of the reference solver: they need `expected`")
        if self.measured is not None and (self.answer is None or self.expected is None):
            raise ValueError("`measured` adds a GPU measurement to a value judged by `answer` with `expected`")
        return self

    def as_code_part(self) -> CodePart:
        """A function part as the code part it amounts to (same cases, reference, mistakes and judging),
        whose calls go to the notebook's kernel instead of a file."""
        calls = self.notebook.calls
        assert calls is not None and self.notebook.function is not None
        code = CodeSpec(file=f"{self.notebook.source}.py", function=self.notebook.function,
                        **calls.model_dump(exclude_defaults=True))
        return CodePart(id=self.id, title=self.title, prompt=self.prompt, points=self.points,
                        extra_credit=self.extra_credit, code=code, expected=self.expected,
                        visibility=self.visibility, hint=self.hint, mistakes=self.mistakes, tags=self.tags)

    def references(self) -> tuple[str, ...]:
        """Every notebook name this part reads: its value, a check's other values, ``@name`` arguments."""
        names = [self.notebook.root] if self.notebook.root else []
        names += [path.split(".", 1)[0] for path in (self.check.references() if self.check else ())]
        arguments = [self.expected.args] if self.expected else []
        arguments += [mistake.args for mistake in self.mistakes]
        names += [value[1:].split(".", 1)[0] for args in arguments for value in args.values()
                  if isinstance(value, str) and value.startswith("@")]
        return tuple(dict.fromkeys(names))


def _part_tag(value: Any) -> str:
    """Tags are never YAML keys (error locations skip them), so they cannot be 'answer' or 'code'."""
    if isinstance(value, dict):
        return "notebook-part" if "notebook" in value else "code-part" if "code" in value else "answer-part"
    if isinstance(value, NotebookPart):
        return "notebook-part"
    return "code-part" if isinstance(value, CodePart) else "answer-part"


AnyPart = Annotated[Union[Annotated[Part, Tag("answer-part")], Annotated[CodePart, Tag("code-part")],
                          Annotated[NotebookPart, Tag("notebook-part")]],
                    Discriminator(_part_tag)]


AnyPartType = Union[Part, CodePart, NotebookPart]


class Problem(Strict):
    id: str = Field(pattern=IDENTIFIER)
    number: int | None = Field(default=None, ge=0)
    title: str
    text: str | None = None
    given: dict[str, Any] = Field(default_factory=dict)
    parts: tuple[AnyPart, ...] = Field(min_length=1)


class ManualItem(Strict):
    """A question the autograder does not grade (prose, plots, derivations): listed so instructors know."""

    question: str
    points: float = Field(ge=0)
    reason: str


class SandboxSettings(Strict):
    """Limits for the child that runs this problem set's student code (defaults fit Gradescope's 768 MB
    container; a problem set whose students may import torch needs about 768 MB of address space)."""

    memory_mb: int = Field(default=512, ge=64, le=4096)
    cpu_seconds: int = Field(default=30, ge=1, le=600)


class UnittestSuite(Strict):
    """An instructor's unittest file (gradescope-utils decorators), run by the grader's own runner in the
    trusted process; the student's modules it imports are proxies that call into the sandbox."""

    file: str = Field(pattern=r"^[^/].*\.py$")
    modules: dict[str, str] = Field(min_length=1)
    timeout: float = Field(default=10.0, gt=0, le=120)


class LatePolicy(Strict):
    """A late penalty from the submission's ``created_at`` (never the clock) and its due date, with
    per-student extensions: ``penalty_per_day`` of the score per started day late, after a grace period,
    at most ``max_penalty``; after the late due date, the same penalty or a zero."""

    penalty_per_day: float = Field(gt=0, le=1)
    grace_minutes: float = Field(default=0, ge=0, le=24 * 60)
    max_penalty: float = Field(default=1.0, gt=0, le=1)
    after_late_due_date: Literal["penalty", "zero"] = "penalty"


class ProblemSet(Strict):
    id: str = Field(pattern=IDENTIFIER)
    title: str
    document: str
    total_points: float | None = Field(default=None, gt=0)
    problems: tuple[Problem, ...] = Field(min_length=1)
    manual: tuple[ManualItem, ...] = ()
    sandbox: SandboxSettings = SandboxSettings()
    unittests: tuple[UnittestSuite, ...] = ()
    notebooks: tuple[NotebookSpec, ...] = ()
    late_policy: LatePolicy | None = None
    _folder: Path | None = PrivateAttr(default=None)

    def located(self, folder: Path) -> "ProblemSet":
        """This problem set, knowing the folder of its file (unittest files are relative to it)."""
        self._folder = folder
        return self

    def unittest_path(self, suite: UnittestSuite) -> Path:
        return (self._folder or Path(".")) / suite.file

    def parts(self) -> list[tuple[Problem, AnyPartType]]:
        return [(problem, part) for problem in self.problems for part in problem.parts]

    def answer_parts(self) -> list[tuple[Problem, Part]]:
        return [(problem, part) for problem, part in self.parts() if isinstance(part, Part)]

    def code_parts(self) -> list[tuple[Problem, CodePart]]:
        return [(problem, part) for problem, part in self.parts() if isinstance(part, CodePart)]

    def notebook_parts(self) -> list[tuple[Problem, NotebookPart]]:
        return [(problem, part) for problem, part in self.parts() if isinstance(part, NotebookPart)]

    def notebook(self, notebook_id: str) -> NotebookSpec | None:
        return next((spec for spec in self.notebooks if spec.id == notebook_id), None)


def part_key(problem: Problem, part: AnyPartType) -> str:
    """The answers-file key of a part: ``<problem_id>.<part_id>``."""
    return f"{problem.id}.{part.id}"


def part_number(problem_set: ProblemSet, problem: Problem, part: AnyPartType) -> str:
    """Gradescope's ordering number, e.g. "2.3": the problem's number (or position) and the part's position."""
    problem_index = [item.id for item in problem_set.problems].index(problem.id)
    major = problem.number if problem.number is not None else problem_index + 1
    return f"{major}.{[item.id for item in problem.parts].index(part.id) + 1}"
