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
    """The part's reference, computed once per loaded part: a regrade grades thousands of submissions
    against the same problem set, and the solvers depend on the problem set alone."""
    cached = _CACHE.get(id(part))
    if cached is not None and cached[0] is problem and cached[1] is part:
        return cached[2]
    found = Reference(reference_value(problem, part), mistake_values(problem, part))
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    _CACHE[id(part)] = (problem, part, found)  # holding the objects keeps their ids from being reused
    return found


_CACHE: dict[int, tuple[Problem, Part, Reference]] = {}
_CACHE_SIZE = 4096


def _run(solver_name: str, args: dict[str, Any], given: dict[str, Any]) -> Any:
    return SOLVERS[solver_name](**resolve_args(args, given))
