"""Compute a part's reference value and its mistake values by running the named solvers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.answers import KINDS
from grader.problems.model import Mistake, Part, Problem
from grader.problems.resolve import resolve_args, resolve_given
from grader.solvers import SOLVERS


@dataclass(frozen=True)
class Reference:
    value: Any
    mistakes: tuple[tuple[Mistake, Any], ...]


def reference_value(problem: Problem, part: Part) -> Any:
    """The expected value, normalised by the part's answer kind (raises if a solver fails)."""
    given = resolve_given(problem.given)
    raw = _run(part.expected.solver, part.expected.args, given)
    return KINDS[part.answer.kind].expected(raw, part.answer)


def mistake_values(problem: Problem, part: Part) -> tuple[tuple[Mistake, Any], ...]:
    given = resolve_given(problem.given)
    kind = KINDS[part.answer.kind]
    found = []
    for mistake in part.mistakes:
        raw = _run(*mistake.call(part.expected.solver, part.expected.args), given)
        found.append((mistake, kind.expected(raw, part.answer)))
    return tuple(found)


def reference(problem: Problem, part: Part) -> Reference:
    return Reference(reference_value(problem, part), mistake_values(problem, part))


def _run(solver_name: str, args: dict[str, Any], given: dict[str, Any]) -> Any:
    return SOLVERS[solver_name](**resolve_args(args, given))
