"""Tensor shapes such as ``(46, 62, 20)``: rank first, then each dimension exactly, in order.

Dimensions are plain non-negative whole numbers. Arithmetic is not read inside a shape: ``*`` and ``x``
separate dimensions here (``46*62*20`` is a rank-3 shape, not 57040), so ``224/2`` is refused rather than
guessed. With no other separator, whitespace separates dimensions (``46 62 20``, as MATLAB prints sizes);
a dimension with a leading zero (``4 096``) is refused, as it is almost always a misread number.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

from grader.answers.base import CORRECT, PARTIAL, WRONG, FormatError, Kind, Reading, SpecModel, Verdict
from grader.answers.common import is_integer_value, never_raises, quote, type_name

WHAT = "a shape"
MAX_RANK = 32
MAX_DIGITS = 12
MAX_CHARS = 500
_WRAPPER = re.compile(r"^(?:torch\.)?Size\s*\(\s*(.*)\)$", re.DOTALL)
_SEPARATOR = re.compile(r"\s*(?:,|;|\*|×|✕|·|⋅|∗|\bby\b|(?<=\d)\s*[xX]\s*(?=\d))\s*")
_DIMENSION = re.compile(r"\d+")
_BRACKETS = {"(": ")", "[": "]"}

Shape = tuple


class ShapeSpec(SpecModel):
    kind: Literal["shape"]
    partial: bool = False


@never_raises(WHAT)
def parse(raw: Any, spec: ShapeSpec) -> Reading | FormatError:
    dims = _from_text(raw) if isinstance(raw, str) else _from_value(raw)
    if isinstance(dims, FormatError):
        return dims
    if len(dims) > MAX_RANK:
        return FormatError(f"A shape has at most {MAX_RANK} dimensions; {quote(raw)} has {len(dims)}.")
    return Reading(value=dims, shown=show_shape(dims))


def _from_value(raw: Any) -> Shape | FormatError:
    """A JSON/YAML value: a single number (rank 1) or a flat list of numbers or digit strings."""
    items = raw if isinstance(raw, list) else [raw]
    if len(items) > MAX_RANK:
        return FormatError(f"A shape has at most {MAX_RANK} dimensions; your list has {len(items)}.")
    dims = []
    for item in items:
        dim = _dimension(item)
        if isinstance(dim, FormatError):
            return dim
        dims.append(dim)
    return tuple(dims)


def _dimension(item: Any) -> int | FormatError:
    if isinstance(item, str):
        return _dimension_text(item.strip(), item)
    if isinstance(item, float) and item.is_integer() and 0 <= item < 10**MAX_DIGITS:
        return int(item)
    if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < 10**MAX_DIGITS:
        return item
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        return FormatError(f"A dimension is a non-negative whole number; could not read {quote(item)}.")
    return FormatError(f"Expected {WHAT} such as `(46, 62, 20)`, got {type_name(item)} in the answer.")


def _dimension_text(text: str, raw: Any) -> int | FormatError:
    text = unicodedata.normalize("NFKC", text)
    if not _DIMENSION.fullmatch(text) or len(text) > MAX_DIGITS:
        return FormatError(f"A dimension is a non-negative whole number; could not read {quote(raw)} "
                           "(write shapes like `(46, 62, 20)`).")
    if len(text) > 1 and text.startswith("0"):
        return FormatError(f"Could not read the dimension {quote(raw)}: a dimension has no leading zero.")
    return int(text)


def _from_text(raw: str) -> Shape | FormatError:
    if len(raw) > MAX_CHARS:
        return FormatError(f"The answer is longer than {MAX_CHARS} characters; a shape is a few numbers.")
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return FormatError(f"The answer is empty; write {WHAT} such as `(46, 62, 20)`.")
    wrapped = _WRAPPER.match(text)
    inner = _unbracket(wrapped.group(1).strip() if wrapped else text)
    if isinstance(inner, FormatError):
        return inner
    text = inner
    if not text:
        return ()
    parts = _SEPARATOR.split(text) if _SEPARATOR.search(text) else text.split()
    if len(parts) > 1 and not parts[-1] and text.endswith(","):
        parts = parts[:-1]  # a trailing comma, as in Python's (46,)
    if not all(part.strip() for part in parts):
        return FormatError(f"Could not read {quote(raw)} as {WHAT}: a dimension is missing.")
    dims = []
    for part in parts:
        dim = _dimension_text(part.strip(), part)
        if isinstance(dim, FormatError):
            return dim
        dims.append(dim)
    return tuple(dims)


def _unbracket(text: str) -> str | FormatError:
    """``(46, 62, 20)`` and ``[46, 62, 20]`` lose their one pair of brackets; other brackets are errors."""
    if text[:1] in _BRACKETS:
        if not text.endswith(_BRACKETS[text[0]]):
            return FormatError(f"Could not read {quote(text)} as {WHAT}: a bracket is not closed.")
        text = text[1:-1].strip()
    if any(char in text for char in "()[]{}"):
        return FormatError(f"Could not read {quote(text)} as {WHAT}: write one flat list such as `(46, 62, 20)`.")
    return text


def expected(value: Any, spec: ShapeSpec) -> Shape:
    try:
        items = [value] if is_integer_value(value) else list(value)
    except TypeError:
        raise ValueError(f"a shape needs a sequence of integers from the solver, got {value!r}") from None
    if not all(is_integer_value(item) and int(item) >= 0 for item in items):
        raise ValueError(f"a shape needs non-negative integers from the solver, got {value!r}")
    return tuple(int(item) for item in items)


def grade(value: Shape, reference: Shape, spec: ShapeSpec) -> Verdict:
    if len(value) != len(reference):
        return Verdict(score=0.0, note="RANK",
                       feedback=f"Incorrect: expected a rank-{len(reference)} shape, got rank {len(value)}.")
    if value == reference:
        return Verdict(score=1.0, feedback="Correct.", note=CORRECT)
    wrong = [index + 1 for index, (a, b) in enumerate(zip(value, reference)) if a != b]
    score = (len(reference) - len(wrong)) / len(reference) if spec.partial else 0.0
    if sorted(value) == sorted(reference):
        return Verdict(score=score, note="ORDER",
                       feedback="Incorrect: the dimensions are right but in the wrong order "
                                "(check the layout, e.g. CHW vs HWC).")
    listed = ", ".join(str(position) for position in wrong)
    plural = len(wrong) > 1
    feedback = f"{'Partly correct' if score > 0 else 'Incorrect'}: dimension{'s' if plural else ''} {listed} " \
               f"of {len(reference)} {'are' if plural else 'is'} wrong."
    return Verdict(score=score, feedback=feedback, note=PARTIAL if score > 0 else WRONG)


def show_shape(dims: Shape) -> str:
    if len(dims) == 0:
        return "()"
    if len(dims) == 1:
        return f"({dims[0]},)"
    return " × ".join(str(dim) for dim in dims)


def show(value: Shape, spec: ShapeSpec) -> str:
    return show_shape(value)


def describe(spec: ShapeSpec) -> str:
    return "A shape as whole numbers in order, e.g. `(46, 62, 20)`, `[46, 62, 20]` or `46x62x20`."


KIND = Kind(name="shape", spec_model=ShapeSpec, parse=parse, expected=expected, grade=grade, show=show,
            describe=describe)
