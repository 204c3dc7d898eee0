"""Real numbers (estimates, sizes in MB): compared with a tolerance, to significant figures, or by magnitude.

The reference is the scale of the tolerance (``abs(s - t) <= atol + rtol*abs(t)``): unlike
``np.isclose`` the rule is stated to the student and does not depend on argument order.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Literal, Optional

from pydantic import Field

from grader.answers.arith import Number
from grader.answers.base import CORRECT, WRONG, FormatError, Kind, Reading, SpecModel, Verdict
from grader.answers.common import (
    never_raises,
    plain_number,
    quote,
    read_number,
    show_number,
    to_fraction,
    tolerance_text,
    trailing_unit,
    within,
)
from grader.text import code

WHAT = "a number"


class RealSpec(SpecModel):
    kind: Literal["real"]
    compare: Literal["tolerance", "sigfigs", "magnitude"] = "tolerance"
    rtol: float = Field(default=0.01, ge=0, allow_inf_nan=False)
    atol: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    sigfigs: int = Field(default=3, ge=1, le=15)
    unit: Optional[str] = Field(default=None, min_length=1, max_length=20)


@never_raises(WHAT)
def parse(raw: Any, spec: RealSpec) -> Reading | FormatError:
    if isinstance(raw, str):
        raw_number = _without_unit(raw, spec)
        if isinstance(raw_number, FormatError):
            return raw_number
    else:
        raw_number = raw
    number = read_number(raw_number, WHAT)
    if isinstance(number, FormatError):
        return number
    return Reading(value=number, shown=show(number, spec))


def _without_unit(text: str, spec: RealSpec) -> str | FormatError:
    """Strip the optional unit; another unit is a format error that names the expected one."""
    if not spec.unit:
        return text
    stripped, unit = text.strip(), trailing_unit(text)
    if unit is None or unit.lower() == spec.unit.lower():
        if stripped.lower().endswith(spec.unit.lower()) and len(stripped) > len(spec.unit):
            return stripped[: -len(spec.unit)]
        return text
    return FormatError(f"Expected the value in {code(spec.unit)}, but {quote(text)} is in {code(unit)}.")


def expected(value: Any, spec: RealSpec) -> Number:
    number = plain_number(value)
    return Fraction(number) if isinstance(number, int) else number


def grade(value: Number, reference: Number, spec: RealSpec) -> Verdict:
    if spec.compare == "sigfigs":
        ok = round_significant(value, spec.sigfigs) == round_significant(reference, spec.sigfigs)
        rule = f"compared after rounding both to {spec.sigfigs} significant figures"
    elif spec.compare == "magnitude":
        ok = same_magnitude(value, reference)
        rule = "compared by order of magnitude (within half a power of ten, a factor of about 3)"
    else:
        ok = within(value, reference, rtol=spec.rtol, atol=spec.atol)
        rule = tolerance_text(rtol=spec.rtol, atol=spec.atol)
    if ok:
        return Verdict(score=1.0, feedback=f"Correct ({rule}).", note=CORRECT)
    return Verdict(score=0.0, feedback=f"Incorrect ({rule}).", note=WRONG)


def round_significant(value: Number, figures: int) -> Fraction:
    """``value`` rounded half away from zero to ``figures`` significant figures, exactly."""
    exact = to_fraction(value)
    if exact == 0:
        return exact
    magnitude = abs(exact)
    exponent = len(str(magnitude.numerator)) - len(str(magnitude.denominator))
    if magnitude < Fraction(10) ** exponent:
        exponent -= 1
    scale = Fraction(10) ** (figures - 1 - exponent)
    rounded = math.floor(magnitude * scale + Fraction(1, 2)) / scale
    return rounded if exact > 0 else -rounded


def same_magnitude(value: Number, reference: Number) -> bool:
    """``|log10 s - log10 t| <= 0.5``; zero matches only zero, and the signs must agree."""
    s, t = to_fraction(value), to_fraction(reference)
    if s == 0 or t == 0 or (s > 0) != (t > 0):
        return s == t
    return abs(_log10(abs(s)) - _log10(abs(t))) <= 0.5


def _log10(value: Fraction) -> float:
    return math.log10(value.numerator) - math.log10(value.denominator)


def show(value: Number, spec: RealSpec) -> str:
    number = show_number(value)
    return f"{number} {spec.unit}" if spec.unit else number


def describe(spec: RealSpec) -> str:
    unit = f", optionally followed by {code(spec.unit)}" if spec.unit else ""
    if spec.compare == "sigfigs":
        rule = f"compared to {spec.sigfigs} significant figures"
    elif spec.compare == "magnitude":
        rule = "only the order of magnitude counts"
    else:
        rule = tolerance_text(rtol=spec.rtol, atol=spec.atol)
    return f"A number such as `5.1e6`, `5.1×10^6` or `3/4`{unit}; {rule}."


KIND = Kind(name="real", spec_model=RealSpec, parse=parse, expected=expected, grade=grade, show=show,
            describe=describe)
