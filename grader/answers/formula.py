"""Formulas in declared variables, judged equivalent by evaluating both at random positive-integer points.

``floor((N - K)/S) + 1`` and ``floor((N - K + S)/S)`` agree at every point, so both are right; the
points come from ``random.Random(seed)``, so a grade never changes between runs. Points where the
reference is undefined (a division by zero, say) are redrawn; a student formula undefined where the
reference is defined is wrong there.
"""

from __future__ import annotations

import keyword
import random
import unicodedata
from fractions import Fraction
from typing import Any, Iterator, Literal

from pydantic import Field, field_validator, model_validator

from grader.answers.arith import FUNCTIONS, ArithError, Formula, Number, parse_formula
from grader.answers.base import CORRECT, WRONG, FormatError, Kind, Reading, SpecModel, Verdict
from grader.answers.common import never_raises, quote, show_number, type_name
from grader.text import code

WHAT = "a formula"
RELATIVE = 1e-9
ABSOLUTE = 1e-12


class FormulaSpec(SpecModel):
    kind: Literal["formula"]
    variables: tuple[str, ...] = Field(min_length=1)
    trials: int = Field(default=40, ge=1, le=1000)
    low: int = Field(default=1, ge=0)
    high: int = Field(default=64, ge=0)
    seed: int = 0
    aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)  # variable -> other names for it

    @field_validator("variables")
    @classmethod
    def _names(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        for name in names:
            if not name.isidentifier() or keyword.iskeyword(name) or name in FUNCTIONS:
                raise ValueError(f"'{name}' cannot be a variable name (use letters, digits and _; "
                                 f"not a function name such as {', '.join(FUNCTIONS)})")
        if len(set(names)) != len(names):
            raise ValueError("a variable is declared twice")
        return names

    @field_validator("aliases")
    @classmethod
    def _normalised(cls, aliases: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        """As Python reads identifiers (NFKC): ``σₓ`` is read as ``σx``."""
        return {name: tuple(unicodedata.normalize("NFKC", alias) for alias in spellings)
                for name, spellings in aliases.items()}

    @model_validator(mode="after")
    def _aliases_name_variables(self) -> FormulaSpec:
        seen: set[str] = set(self.variables)
        for name, spellings in self.aliases.items():
            if name not in self.variables:
                raise ValueError(f"aliases: {name!r} is not a declared variable")
            for alias in spellings:
                if not alias.isidentifier() or keyword.iskeyword(alias) or alias in FUNCTIONS:
                    raise ValueError(f"aliases: {alias!r} cannot be a name in a formula")
                if alias in seen:
                    raise ValueError(f"aliases: {alias!r} is a variable or another alias already")
                seen.add(alias)
        return self

    def alias_map(self) -> dict[str, str]:
        return {alias: name for name, spellings in self.aliases.items() for alias in spellings}

    @model_validator(mode="after")
    def _range(self) -> FormulaSpec:
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) is above high ({self.high})")
        return self


@never_raises(WHAT)
def parse(raw: Any, spec: FormulaSpec) -> Reading | FormatError:
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        return FormatError(f"Expected {WHAT} in {_names(spec)}, got {type_name(raw)}.")
    if not str(raw).strip():
        return FormatError(f"The answer is empty; expected {WHAT} in {_names(spec)}.")
    try:
        formula = parse_formula(str(raw), spec.variables, spec.alias_map())
    except ArithError as error:
        return FormatError(f"Could not read {quote(raw)} as {WHAT}: {error}.")
    return Reading(value=formula, shown=formula.text)


def expected(value: Any, spec: FormulaSpec) -> Formula:
    """A solver's formula text, checked to parse and to be defined at one or more trial points."""
    formula = value if isinstance(value, Formula) else parse_formula(str(value), spec.variables)
    if formula.variables != spec.variables:
        formula = parse_formula(formula.text, spec.variables)
    for point in _points(spec, attempts=spec.trials * 10):
        if _value_at(formula, point) is not None:
            return formula
    raise ValueError(f"the reference formula {formula.text!r} is undefined at every trial point")


def grade(value: Formula, reference: Formula, spec: FormulaSpec) -> Verdict:
    checked = 0
    for point in _points(spec, attempts=spec.trials * 10):
        want = _value_at(reference, point)
        if want is None:
            continue  # the reference is undefined here: redraw
        got = _value_at(value, point)
        if got is None or not _equal(got, want):
            return Verdict(score=0.0, note=WRONG, feedback=_counterexample(got, point))
        checked += 1
        if checked >= spec.trials:
            break
    if checked == 0:  # expected() rules this out for references; a grader bug if reached
        raise ValueError(f"the reference formula {reference.text!r} is undefined at every trial point")
    return Verdict(score=1.0, note=CORRECT,
                   feedback=f"Correct (agrees with the expected formula at {checked} test points).")


def _points(spec: FormulaSpec, *, attempts: int) -> Iterator[dict[str, int]]:
    rng = random.Random(spec.seed)
    for _ in range(attempts):
        yield {name: rng.randint(spec.low, spec.high) for name in spec.variables}


def _value_at(formula: Formula, point: dict[str, int]) -> Number | None:
    try:
        return formula.evaluate(point)
    except ArithError:
        return None


def _equal(got: Number, want: Number) -> bool:
    """Exact for two Fractions; a relative 1e-9 once sqrt or log made either a float (compared as exact
    Fractions, since the other side may be beyond float range)."""
    if isinstance(got, Fraction) and isinstance(want, Fraction):
        return got == want
    a, b = Fraction(got), Fraction(want)
    return abs(a - b) <= Fraction(ABSOLUTE) + Fraction(RELATIVE) * max(abs(a), abs(b))


def _counterexample(got: Number | None, point: dict[str, int]) -> str:
    """Where the answer goes wrong, without revealing the expected value."""
    at = ", ".join(f"{name} = {number}" for name, number in point.items())
    if got is None:
        return f"Incorrect: your formula is undefined at {at}, where the expected one has a value."
    return f"Incorrect: at {at} your formula gives {show_number(got)}, which is not the expected value."


def show(value: Formula, spec: FormulaSpec) -> str:
    return value.text


def describe(spec: FormulaSpec) -> str:
    return (f"A formula in {_names(spec)} using `+ - * / ^ ( )` and `floor ceil min max sqrt log abs`, "
            "e.g. `floor((H - K)/S) + 1`; write every product with `*`.")


def _names(spec: FormulaSpec) -> str:
    names = []
    for name in spec.variables:
        spellings = spec.aliases.get(name, ())
        names.append(code(name) + (f" (or {' '.join(code(alias) for alias in spellings)})" if spellings else ""))
    return ", ".join(names)


KIND = Kind(name="formula", spec_model=FormulaSpec, parse=parse, expected=expected, grade=grade, show=show,
            describe=describe)
