"""Reference solvers, keyed by name and validated when a problem file loads.

A solver is a plain typed function. Its signature is its argument schema: the registry builds a pydantic
model from the annotations (unknown arguments forbidden), so a problem file with a misspelt or missing
argument fails at load time with the argument's name, not on Gradescope.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, create_model


@dataclass(frozen=True)
class Solver:
    name: str
    func: Callable[..., Any]
    summary: str = field(default="")

    @cached_property
    def args_model(self) -> type[BaseModel]:
        fields: dict[str, Any] = {}
        for param in inspect.signature(self.func).parameters.values():
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[param.name] = (_evaluate(param.annotation, self.func), default)
        config = ConfigDict(extra="forbid")
        return create_model(f"{self.name}_args", __config__=config, **fields)

    def validate_args(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """Check the arguments against the signature; raises pydantic.ValidationError."""
        model = self.args_model.model_validate(dict(args))
        return {name: getattr(model, name) for name in type(model).model_fields}

    def __call__(self, **args: Any) -> Any:
        return self.func(**self.validate_args(args))


def solver(func: Callable[..., Any]) -> Solver:
    """Wrap a typed function as a solver named after it; the docstring's first line is its summary.

    Every parameter must be annotated and passable by keyword (raises ``TypeError`` otherwise).
    """
    for param in inspect.signature(func).parameters.values():
        if param.kind in (param.POSITIONAL_ONLY, param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise TypeError(f"solver {func.__name__}: parameter {param.name!r} must be passable by keyword")
        if param.annotation is inspect.Parameter.empty:
            raise TypeError(f"solver {func.__name__}: parameter {param.name!r} has no type annotation")
    summary = (inspect.getdoc(func) or "").split("\n", 1)[0]
    return Solver(name=func.__name__, func=func, summary=summary)


def _evaluate(annotation: Any, func: Callable[..., Any]) -> Any:
    """A parameter's annotation as a type: a postponed (string) one is evaluated in the function's module.

    Only parameters are evaluated: a return annotation may name a type imported for type checkers only.
    """
    if isinstance(annotation, str):
        return eval(annotation, getattr(func, "__globals__", {}))  # our own source, never user input
    return annotation


def build_registry(solvers: Iterable[Solver]) -> Mapping[str, Solver]:
    registry: dict[str, Solver] = {}
    for item in solvers:
        if item.name in registry:
            raise ValueError(f"two solvers are named {item.name!r}")
        registry[item.name] = item
    return MappingProxyType(registry)
