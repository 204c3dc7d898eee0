"""Whole numbers (parameter counts, MACs, byte counts), compared exactly as Python ints.

Never int32 or float32: 11,329,414,656 overflows int32 silently.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

from grader.answers.base import CORRECT, WRONG, FormatError, Kind, Reading, SpecModel, Verdict
from grader.answers.common import never_raises, plain_number, quote, read_number, show_number

MAX_DIGITS = 40
WHAT = "a whole number"


class IntegerSpec(SpecModel):
    kind: Literal["integer"]


@never_raises(WHAT)
def parse(raw: Any, spec: IntegerSpec) -> Reading | FormatError:
    number = read_number(raw, WHAT)
    if isinstance(number, FormatError):
        return number
    if isinstance(number, float):
        if not number.is_integer():
            return FormatError(f"Expected {WHAT}, read {show_number(number)} from {quote(raw)}.")
        number = Fraction(int(number))
    if number.denominator != 1:
        return FormatError(f"Expected {WHAT}, read {show_number(number)} from {quote(raw)}.")
    value = number.numerator
    if abs(value) >= 10**MAX_DIGITS:
        return FormatError(f"{quote(raw)} has more than {MAX_DIGITS} digits; check the answer.")
    return Reading(value=value, shown=str(value))


def expected(value: Any, spec: IntegerSpec) -> int:
    number = plain_number(value)
    if not isinstance(number, int):
        raise ValueError(f"an integer answer needs an int from the solver, got {show_number(number)}")
    return number


def grade(value: int, reference: int, spec: IntegerSpec) -> Verdict:
    if value == reference:
        return Verdict(score=1.0, feedback="Correct.", note=CORRECT)
    return Verdict(score=0.0, feedback="Incorrect: not the expected number.", note=WRONG)


def show(value: int, spec: IntegerSpec) -> str:
    return str(value)


def describe(spec: IntegerSpec) -> str:
    return ("A whole number, e.g. `11329414656`, `11,329,414,656` or arithmetic such as "
            "`3*3*10*20 + 20`.")


KIND = Kind(name="integer", spec_model=IntegerSpec, parse=parse, expected=expected, grade=grade, show=show,
            describe=describe)
