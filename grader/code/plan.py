"""Plan a code part's calls: its cases (explicit, then generated), each with the reference value computed
here in the trusted parent, the positional argument tuples for the student's function, and the extra calls
of its property checks.

A case is a mapping of solver arguments, merged over ``expected.args``; ``$name`` and ``= expression`` in
explicit cases are resolved against the problem's ``given`` as in answer parts. The student's function gets
the arguments named in ``code.signature``, in that order, positionally; a signature argument a case leaves
out takes the solver's default. An argument outside the signature never reaches the student, so it must be
a constant of the part (the value in ``expected.args`` or the solver's default): otherwise the student could
not know it, and the plan fails with a message for the instructor (``grader validate`` runs this).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping, Sequence

from grader.code.cases import generate_cases
from grader.code.properties import PROPERTIES, unknown_property_message
from grader.code.show import show_value
from grader.problems.resolve import ResolveError, resolve_args
from grader.solvers import SOLVERS

MAX_PROPERTY_CASES = 200
"""Property checks run on the first cases only: each adds calls, and the batch has one time limit."""

_ABSENT = object()

Call = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass(frozen=True)
class PlannedCase:
    """Case ``index`` (0-based; feedback counts from 1), called as ``calls[call]``."""

    index: int
    args: Mapping[str, Any]
    call: int
    expected: Any = None


@dataclass(frozen=True)
class PropertyCheck:
    """One property on one case: the case's own call and the property's extra calls (indices into calls)."""

    case: int
    calls: tuple[int, ...]
    extra_args: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class PlannedProperty:
    name: str
    checks: tuple[PropertyCheck, ...]


@dataclass(frozen=True)
class PlannedMistake:
    """A mistake's solver and resolved arguments, merged over each case's arguments (``inherit``), or over
    the case arguments its solver takes (not ``inherit``: a solver with other arguments)."""

    mistake: Any
    solver: str
    args: Mapping[str, Any]
    inherit: bool

    def case_args(self, case: Mapping[str, Any]) -> dict[str, Any]:
        if self.inherit:
            return {**case, **self.args}
        taken = SOLVERS[self.solver].args_model.model_fields
        return {**{name: value for name, value in case.items() if name in taken}, **self.args}


@dataclass(frozen=True)
class CallPlan:
    """Everything the sandbox runs (``calls``, in order: one per case, then the property calls) and what
    the parent needs to judge the replies. ``reference``: whether cases are compared with a solver."""

    calls: tuple[Call, ...]
    cases: tuple[PlannedCase, ...]
    properties: tuple[PlannedProperty, ...] = ()
    mistakes: tuple[PlannedMistake, ...] = ()
    reference: bool = True


class PlanError(ValueError):
    """The part's cases cannot be prepared: the instructor's to fix (``grader validate`` reports it)."""


def plan_calls(part: Any, given: Mapping[str, Any]) -> CallPlan:
    """The calls for a code part (a ``CodePart``: ``code``, ``expected``, ``mistakes``), with references."""
    spec, expected = part.code, part.expected
    base = _resolve(expected.args if expected else {}, given, "expected.args")
    defaults = _defaults(expected.solver) if expected else {}
    signature = tuple(spec.signature)
    raw = [_resolve(case, given, f"case {index + 1}") for index, case in enumerate(spec.cases)]
    raw += list(generate_cases(spec.generate)) if spec.generate is not None else []
    calls: list[Call] = []
    cases = []
    for index, case in enumerate(raw):
        args = {**base, **case}
        calls.append((positional(args, signature, base, defaults, f"case {index + 1}"), {}))
        value = _reference(expected.solver, args, index) if expected else None
        cases.append(PlannedCase(index, MappingProxyType(args), index, value))
    properties = tuple(_plan_property(name, cases, signature, base, defaults, calls) for name in spec.properties)
    mistakes = tuple(_plan_mistake(mistake, expected.solver, given) for mistake in part.mistakes) if expected else ()
    return CallPlan(tuple(calls), tuple(cases), properties, mistakes, reference=expected is not None)


def positional(args: Mapping[str, Any], signature: Sequence[str], fixed: Mapping[str, Any],
               defaults: Mapping[str, Any], where: str) -> tuple[Any, ...]:
    """The values of ``signature`` in order; every other argument must be a constant of the part."""
    for name, value in args.items():
        if name not in signature and value != fixed.get(name, defaults.get(name, _ABSENT)):
            raise PlanError(f"{where}: argument '{name}' = {show_value(value)} is not in `code.signature`, so "
                            "the student's function never sees it; add it to the signature, or make it a "
                            "constant of the part in `expected.args`")
    missing = [name for name in signature if name not in args and name not in defaults]
    if missing:
        raise PlanError(f"{where}: no value for {missing} (in `code.signature`, not in the case, and the "
                        "solver has no default)")
    return tuple(args[name] if name in args else defaults[name] for name in signature)


def _resolve(args: Mapping[str, Any], given: Mapping[str, Any], where: str) -> dict[str, Any]:
    try:
        return resolve_args(args, given)
    except ResolveError as error:
        path = ".".join(str(part) for part in error.loc)
        raise PlanError(f"{where}: {path}: {error.message}") from None


def _defaults(solver: str) -> dict[str, Any]:
    """The solver's argument defaults: what a signature argument left out of a case takes."""
    parameters = inspect.signature(SOLVERS[solver].func).parameters.values()
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


def _reference(solver: str, args: Mapping[str, Any], index: int) -> Any:
    try:
        return SOLVERS[solver](**args)
    except Exception as error:  # noqa: BLE001 - any solver failure is a bad case, reported to the instructor
        raise PlanError(f"case {index + 1} ({show_value(dict(args), 200)}): solver '{solver}' rejects it: "
                        f"{error}") from None


def _plan_property(name: str, cases: Sequence[PlannedCase], signature: Sequence[str], fixed: Mapping[str, Any],
                   defaults: Mapping[str, Any], calls: list[Call]) -> PlannedProperty:
    """The property's extra calls for the first cases, appended to ``calls``."""
    if name not in PROPERTIES:
        raise PlanError(unknown_property_message(name) or name)
    prop = PROPERTIES[name]
    missing = [arg for arg in prop.varies if arg not in signature]
    if missing:
        raise PlanError(f"property '{name}' calls the function with other values of {missing}, which "
                        "`code.signature` does not pass")
    checks = []
    for case in cases[:MAX_PROPERTY_CASES]:
        extra = tuple(MappingProxyType(args) for args in prop.extra_calls(case.args))
        first = len(calls)
        calls.extend((positional(args, signature, fixed, defaults, f"property '{name}'"), {}) for args in extra)
        checks.append(PropertyCheck(case.index, tuple(range(first, len(calls))), extra))
    return PlannedProperty(name, tuple(checks))


def _plan_mistake(mistake: Any, solver: str, given: Mapping[str, Any]) -> PlannedMistake:
    args = _resolve(mistake.args, given, f"mistake {mistake.name}")
    return PlannedMistake(mistake, mistake.solver or solver, MappingProxyType(args), mistake.inherit_args)
