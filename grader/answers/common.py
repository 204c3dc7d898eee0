"""Helpers the answer kinds share: never-raising parsers, exact number conversion, display, tolerances."""

from __future__ import annotations

import functools
import math
import numbers
import re
from fractions import Fraction
from typing import Any, Callable, Union

from grader.answers.arith import MAX_BITS, MAX_DIGITS, ArithError, Number, evaluate
from grader.answers.base import FormatError, Reading
from grader.text import code

_TRAILING_WORD = re.compile(r"(?<=[\d).\s])\s*([A-Za-zµμ%][\w%/µμ]*)\s*$")
_EXPONENT = re.compile(r"[eE][+-]?\d*")


Parse = Callable[[Any, Any], Union[Reading, FormatError]]


def never_raises(what: str) -> Callable[[Parse], Parse]:
    """Wrap a kind's ``parse`` so that any unexpected exception becomes a FormatError, never a crash.

    ``what`` names the expected input ("a whole number") in the fallback message.
    """
    def wrap(parse: Parse) -> Parse:
        @functools.wraps(parse)
        def guarded(raw: Any, spec: Any) -> Reading | FormatError:
            try:
                return parse(raw, spec)
            except Exception:  # the contract: parse never raises on student input
                return FormatError(f"Could not read {quote(raw)} as {what}.")
        return guarded
    return wrap


def quote(raw: Any) -> str:
    """A short, Markdown-safe quote of untrusted input; never raises (str() of a huge int does)."""
    try:
        if isinstance(raw, (bool, type(None), list, tuple, dict)):
            return code(_preview(raw))
        if isinstance(raw, int) and raw.bit_length() > MAX_BITS:
            return code(f"a number of more than {MAX_DIGITS} digits")
        return code(raw)
    except Exception:
        return code(f"a {type(raw).__name__}")


def _preview(raw: Any) -> str:
    """A bounded text of a nested value as the student wrote it (``[[1, 0], [-1]]``), never walking all
    of a huge or deep one."""
    return _render(raw)[:200] if _small(raw, budget=[200]) else f"a long {type_name(raw)[2:]}"


def _render(raw: Any) -> str:
    if isinstance(raw, (list, tuple)):
        return "[" + ", ".join(_render(item) for item in raw) + "]"
    if isinstance(raw, dict):
        return "{" + ", ".join(f"{_render(key)}: {_render(value)}" for key, value in raw.items()) + "}"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int) and raw.bit_length() > MAX_BITS:
        return "…"
    return "null" if raw is None else str(raw)


def _small(raw: Any, budget: list[int], depth: int = 0) -> bool:
    budget[0] -= 1
    if budget[0] < 0 or depth > 20:
        return False
    if isinstance(raw, (list, tuple)):
        return all(_small(item, budget, depth + 1) for item in raw)
    if isinstance(raw, dict):
        return all(_small(key, budget, depth + 1) and _small(value, budget, depth + 1)
                   for key, value in raw.items())
    return not isinstance(raw, str) or len(raw) < 200


def type_name(raw: Any) -> str:
    """How a student would name what they wrote: "a list", "true", "nothing"."""
    if raw is None:
        return "nothing"
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, (list, tuple)):
        return "a list"
    if isinstance(raw, dict):
        return "a mapping (key: value)"
    return f"a {type(raw).__name__}"


def read_number(raw: Any, what: str) -> Number | FormatError:
    """One exact number from a JSON number or a text of arithmetic; ``what`` names it in messages."""
    if isinstance(raw, bool) or raw is None or not isinstance(raw, (int, float, str)):
        return FormatError(f"Expected {what}, got {type_name(raw)}.")
    if isinstance(raw, int):
        if raw.bit_length() > MAX_BITS:
            return FormatError(f"Could not read {quote(raw)} as {what}: it has more than {MAX_DIGITS} digits.")
        return Fraction(raw)
    if isinstance(raw, str) and not raw.strip():
        return FormatError(f"The answer is empty; expected {what}.")
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return FormatError(f"Could not read {quote(raw)} as {what}: it is not a finite number.")
        return Fraction(repr(raw))
    try:
        return evaluate(raw)
    except ArithError as error:
        if trailing_unit(raw):
            return FormatError(f"Write only the number, without a unit or words: could not read {quote(raw)}.")
        return FormatError(f"Could not read {quote(raw)} as {what}: {error}.")


def trailing_unit(text: str) -> str | None:
    """The word after a number that looks like a unit (``MB`` in ``5.1 MB``); not an exponent like ``e6``."""
    stripped = text.strip()
    match = _TRAILING_WORD.search(stripped[-40:])
    if match is None or _EXPONENT.fullmatch(match.group(1)):
        return None
    before = stripped[: len(stripped) - len(match.group(0))]
    return match.group(1) if re.search(r"\d", before) else None


def to_fraction(value: Number | int) -> Fraction:
    """The exact value a number stands for; a float is read by its shortest decimal text (0.1 is 1/10)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int):
        return Fraction(value)
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return Fraction(repr(float(value)))


def within(answer: Number, reference: Number, *, rtol: float, atol: float) -> bool:
    """``|answer - reference| <= atol + rtol * |reference|``, exactly, with the reference as the scale."""
    s, t = to_fraction(answer), to_fraction(reference)
    return abs(s - t) <= to_fraction(atol) + to_fraction(rtol) * abs(t)


def tolerance_text(*, rtol: float, atol: float) -> str:
    """The tolerance rule in the student's terms."""
    if not rtol and not atol:
        return "must equal the expected value exactly"
    parts = []
    if rtol:
        parts.append(f"within {_percent(rtol)} of the expected value")
    if atol:
        parts.append(f"{'plus or minus' if rtol else 'within ±'} {show_number(atol)}")
    return "accepted " + " ".join(parts)


def _percent(rtol: float) -> str:
    return f"{rtol * 100:.6g}%"


def show_number(value: Number | int) -> str:
    """A canonical text of a number: ``11329414656``, ``0.25``, ``1/3``, ``5.1e+20``, ``1.41421356237``."""
    if isinstance(value, float):
        return _short_float(value)
    value = Fraction(value)
    if value.denominator == 1:
        text = str(value.numerator)
        return text if len(text) <= 40 else _short_float(float(value))
    decimal = _terminating_decimal(value)
    if decimal is not None and len(decimal) <= 16:
        return decimal
    if len(str(value.numerator)) + len(str(value.denominator)) <= 30:
        return f"{value.numerator}/{value.denominator}"
    return _short_float(float(value))


def _short_float(value: float) -> str:
    text = f"{value:.12g}"
    return text[:-2] if text.endswith(".0") else text


def _terminating_decimal(value: Fraction) -> str | None:
    """``3/8`` as ``0.375``; None when the decimal does not terminate."""
    denominator, twos, fives = value.denominator, 0, 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    if denominator != 1:
        return None
    places = max(twos, fives)
    scaled = abs(value.numerator) * 10**places // value.denominator
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def is_integer_value(value: Any) -> bool:
    """An integer from a solver: int or numpy integer, never bool (True is not 1 here)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and \
        type(value).__name__ not in ("bool", "bool_")


def plain_number(value: Any) -> Number | int:
    """A solver's number as a plain Python int, Fraction or finite float (numpy scalars included)."""
    if hasattr(value, "ndim") and value.ndim == 0 and hasattr(value, "item"):
        value = value.item()
    if is_integer_value(value):
        return int(value)
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else value
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and type(value).__name__ != "bool_":
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"the solver returned a non-finite number ({number})")
        return number
    raise ValueError(f"the solver returned {type(value).__name__}, not a number")
