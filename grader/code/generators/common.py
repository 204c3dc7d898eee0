"""What every generator shares: its options model, edge cases first, rejection sampling, small values."""

from __future__ import annotations

import random
from typing import Any, Callable, Iterable, Mapping

from pydantic import BaseModel, ConfigDict

Case = dict[str, Any]

MAX_TRIES = 10_000
"""Draws before a generator gives up on finding a valid case (a bug in it, never reached in the tests)."""


class Options(BaseModel):
    """A generator's ``params``: unknown keys are errors, so a typo fails when the problem file loads."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def draw_cases(rng: random.Random, count: int, edges: Iterable[Case], draw: Callable[[random.Random], Case],
               valid: Callable[[Case], bool]) -> list[Case]:
    """The valid edge cases first (at most ``count``), then valid random draws up to ``count``."""
    cases = [case for case in edges if valid(case)][:count]
    while len(cases) < count:
        cases.append(_one(rng, draw, valid))
    return cases


def _one(rng: random.Random, draw: Callable[[random.Random], Case], valid: Callable[[Case], bool]) -> Case:
    for _ in range(MAX_TRIES):
        case = draw(rng)
        if valid(case):
            return case
    raise RuntimeError("the generator found no valid case")


def raises_not(func: Callable[..., Any]) -> Callable[[Case], bool]:
    """A validity test: the solver function accepts the case (raises no ``ValueError``)."""

    def valid(case: Case) -> bool:
        try:
            func(**case)
        except ValueError:
            return False
        return True

    return valid


def restrict(cases: Iterable[Case], fixed: Mapping[str, Any]) -> list[Case]:
    """Edge cases usable when the arguments in ``fixed`` do not vary: those that use only their defaults,
    with those arguments left out."""
    kept = []
    for case in cases:
        if all(case.get(name, default) == default for name, default in fixed.items()):
            kept.append({name: value for name, value in case.items() if name not in fixed})
    return kept


def fixed_arguments(options: BaseModel, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments whose option (a bool of the same name) is off, with the solver default they keep."""
    return {name: default for name, default in defaults.items() if not getattr(options, name)}


def keep(case: Case, fixed: Mapping[str, Any]) -> Case:
    """A drawn case without the arguments that do not vary."""
    return {name: value for name, value in case.items() if name not in fixed}


def int_matrix(rng: random.Random, rows: int, columns: int, low: int = -4, high: int = 5) -> list[list[int]]:
    """Small integers, zeros and negatives included, so results are exact and readable."""
    return [[rng.randint(low, high) for _ in range(columns)] for _ in range(rows)]


def half_matrix(rng: random.Random, rows: int, columns: int) -> list[list[float]]:
    """Multiples of 0.5 between -4 and 5: floats that are exact in binary."""
    return [[rng.randint(-8, 10) / 2 for _ in range(columns)] for _ in range(rows)]


def pair_or_int(rng: random.Random, low: int, high: int, pairs: bool) -> int | list[int]:
    """One value for both dimensions, or (a third of the time, when ``pairs``) ``[height, width]``."""
    if pairs and rng.random() < 1 / 3:
        return [rng.randint(low, high), rng.randint(low, high)]
    return rng.randint(low, high)
