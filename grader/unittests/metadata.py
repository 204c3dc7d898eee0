"""What gradescope-utils' decorators say about a test, read whatever order they were applied in.

The decorators set dunder attributes (``__weight__``, ``__number__``, ...) on the function they are given;
``partial_credit`` and ``leaderboard`` also wrap it and store the value the test reports (``__score__``,
``__leaderboard_value__``) on *their* wrapper. Under another ``functools.wraps`` decorator those land
below the function unittest sees, which is why JSONTestRunner loses them. Here every lookup walks the
``__wrapped__`` chain from the outside in and takes the first function that has the attribute.

Reported values are taken (read and deleted from every function in the chain) once the test ends, and
cleared before it starts, so a score set by one run never counts for another run or another test.
Values are validated here, not trusted: a weight that is not a finite number ≥ 0, or a visibility outside
Gradescope's four, is an instructor's mistake reported for staff (the test becomes an internal error).
"""

from __future__ import annotations

import math
import numbers
import unittest
from dataclasses import dataclass
from typing import Any, Iterator, Literal, get_args

from grader.results.model import Visibility

Order = Literal["asc", "desc"]
MISSING: Any = object()
"""No value was reported (``set_score`` / ``set_leaderboard_value`` never called)."""

_REPORTED = ("__score__", "__leaderboard_value__")
_MAX_CHAIN = 64


@dataclass(frozen=True)
class Leaderboard:
    column: str
    order: Order


@dataclass(frozen=True)
class TestMeta:
    """A test's decorator values. ``weight`` is 0 when no ``@weight``/``@partial_credit`` was given, and
    rounded to 2 decimals (1/6 → 0.17); ``mistakes`` lists invalid decorator values (for staff)."""

    weight: float = 0.0
    number: str | None = None
    visibility: Visibility = "visible"
    tags: tuple[str, ...] = ()
    hide_errors: str | None = None
    leaderboard: Leaderboard | None = None
    mistakes: tuple[str, ...] = ()

    __test__ = False  # not a pytest test class


def method_of(test: unittest.TestCase) -> Any:
    """The function unittest calls for ``test`` (the outermost decorator's), unbound."""
    method = getattr(test, test._testMethodName, None)
    return getattr(method, "__func__", method)


def read_meta(test: unittest.TestCase) -> TestMeta:
    chain = tuple(_chain(method_of(test)))
    mistakes: list[str] = []
    weight = _weight(_find(chain, "__weight__"), mistakes)
    number = _find(chain, "__number__")
    visibility = _find(chain, "__visibility__")
    if visibility is MISSING:
        visibility = "visible"
    elif visibility not in get_args(Visibility):
        mistakes.append(f"@visibility({visibility!r}): use one of {', '.join(get_args(Visibility))}")
        visibility = "hidden"  # an internal error either way; do not show what was meant to be hidden
    tags = _find(chain, "__tags__")
    hide = _find(chain, "__hide_errors__")
    return TestMeta(
        weight=weight,
        number=None if number is MISSING or number is None else str(number),
        visibility=visibility,
        tags=() if tags is MISSING or not tags else tuple(str(tag) for tag in tags),
        hide_errors=None if hide is MISSING or hide is None else str(hide),
        leaderboard=_leaderboard(chain, mistakes),
        mistakes=tuple(mistakes),
    )


def clear_reported(test: unittest.TestCase) -> None:
    """Forget any score or leaderboard value left on the test's functions."""
    for function in _chain(method_of(test)):
        namespace = getattr(function, "__dict__", None)
        if isinstance(namespace, dict):
            for name in _REPORTED:
                namespace.pop(name, None)


def take_reported(test: unittest.TestCase) -> tuple[Any, Any]:
    """``(score, leaderboard value)`` the test reported (``MISSING`` where none), then clear them."""
    chain = tuple(_chain(method_of(test)))
    score, value = _find(chain, "__score__"), _find(chain, "__leaderboard_value__")
    clear_reported(test)
    return score, value


def _chain(function: Any) -> Iterator[Any]:
    seen: set[int] = set()
    while function is not None and id(function) not in seen and len(seen) < _MAX_CHAIN:
        seen.add(id(function))
        yield function
        function = getattr(function, "__wrapped__", None)


def _find(chain: tuple[Any, ...], name: str) -> Any:
    for function in chain:
        namespace = getattr(function, "__dict__", None)
        if isinstance(namespace, dict) and name in namespace:
            return namespace[name]
    return MISSING


def _weight(value: Any, mistakes: list[str]) -> float:
    if value is MISSING or value is None:
        return 0.0
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return round(float(value), 2)  # as Gradescope shows it: a rounded score can then never exceed it
    mistakes.append(f"weight {value!r}: use a finite number >= 0")
    return 0.0


def _leaderboard(chain: tuple[Any, ...], mistakes: list[str]) -> Leaderboard | None:
    column = _find(chain, "__leaderboard_column__")
    if column is MISSING or column is None:
        return None
    order = _find(chain, "__leaderboard_sort_order__")
    order = "desc" if order is MISSING else order
    if order not in get_args(Order):
        mistakes.append(f"leaderboard order {order!r}: use 'asc' or 'desc'")
        order = "desc"
    return Leaderboard(str(column), order)
