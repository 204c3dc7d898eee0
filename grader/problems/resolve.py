"""Turn a part's solver arguments into concrete values.

An argument is a literal, ``$name`` (a value of the problem's ``given``), or ``= expression`` (exact
arithmetic over the numeric given values, e.g. ``= C*H*W / 2``). Lists and mappings are resolved item by
item, so a layer list may use ``$C``. Given values may themselves use earlier given values.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

from grader.answers.arith import ArithError, evaluate


@dataclass(frozen=True)
class ResolveError(Exception):
    loc: tuple[Any, ...]
    message: str


def resolve_given(given: Mapping[str, Any]) -> dict[str, Any]:
    """Resolve given values in order; each may refer to the ones before it."""
    resolved: dict[str, Any] = {}
    for name, value in given.items():
        resolved[name] = resolve_value(value, resolved, (name,))
    return resolved


def resolve_args(args: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    return {name: resolve_value(value, given, (name,)) for name, value in args.items()}


def resolve_value(value: Any, given: Mapping[str, Any], loc: tuple[Any, ...]) -> Any:
    if isinstance(value, list):
        return [resolve_value(item, given, (*loc, index)) for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: resolve_value(item, given, (*loc, key)) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("$"):
        return _reference(value[1:], given, loc)
    if isinstance(value, str) and value.startswith("="):
        return _expression(value[1:], given, loc)
    return value


def _reference(name: str, given: Mapping[str, Any], loc: tuple[Any, ...]) -> Any:
    if name not in given:
        known = ", ".join(given) or "nothing"
        raise ResolveError(loc, f"unknown given value '${name}' (given has: {known})")
    return given[name]


def _expression(text: str, given: Mapping[str, Any], loc: tuple[Any, ...]) -> int | float:
    numbers = {
        name: Fraction(value)
        for name, value in given.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    }
    try:
        result = evaluate(text.strip(), variables=numbers)
    except ArithError as error:
        raise ResolveError(loc, f"cannot evaluate '={text}': {error}") from None
    if isinstance(result, Fraction):
        return int(result) if result.denominator == 1 else float(result)
    return result
