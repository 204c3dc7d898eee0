"""Matrices, vectors and small tensors: shape first, then every entry (exactly, or within a tolerance).

Accepted forms: Python/numpy ``[[1, 0], [-1, 4]]`` (commas optional, as numpy prints), MATLAB
``[1 0; -1 4]``, rows on separate lines (``1 0`` newline ``-1 4``), and nested lists from YAML/JSON whose
entries are numbers or texts such as ``"-1"`` or ``"1/2"``. Every entry is read by the shared exact
arithmetic reader. The rank is kept as written: ``[1, 2, 3]`` is a vector, not a 1×3 matrix.

A value is an immutable nested tuple of ints, Fractions and floats.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any, Literal

from pydantic import Field

from grader.answers.arith import MAX_BITS, MAX_DIGITS, ArithError, Number, evaluate
from grader.answers.base import CORRECT, PARTIAL, WRONG, FormatError, Kind, Reading, SpecModel, Verdict
from grader.answers.common import (
    never_raises,
    plain_number,
    quote,
    show_number,
    to_fraction,
    tolerance_text,
    type_name,
    within,
)

WHAT = "a matrix"
MAX_CHARS = 20_000
MAX_ENTRIES = 4096
MAX_RANK = 6
_WRAPPER = re.compile(r"^(?:(?:np|numpy|torch)\.)?(?:array|tensor|matrix|Matrix)\s*\(\s*(.*)\)$", re.DOTALL)
_ROW_BREAK = re.compile(r"(?<![,\s])[ \t]*\n|;")
FLOAT_RTOL, FLOAT_ATOL = 1e-9, 1e-12

Tensor = tuple


class MatrixSpec(SpecModel):
    kind: Literal["matrix"]
    rtol: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    atol: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    partial: bool = False


class _Unreadable(Exception):
    """A student-facing reason the input is not a matrix; caught inside ``parse``."""


# ---------------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------------

@never_raises(WHAT)
def parse(raw: Any, spec: MatrixSpec) -> Reading | FormatError:
    if isinstance(raw, str) and not raw.strip():
        return FormatError(f"The answer is empty; expected {WHAT} such as `[[1, 0], [-1, 4]]`.")
    raw = _unflow(raw)
    try:
        nested = _from_text(raw) if isinstance(raw, str) else _from_value(raw, 0, [0])
        value = _tensor(nested)
    except _Unreadable as reason:
        return FormatError(f"Could not read {quote(raw)} as {WHAT}: {reason}")
    return Reading(value=value, shown=show_tensor(value))


def _unflow(raw: Any) -> Any:
    """Undo YAML's reading of an unquoted MATLAB matrix: `[1 0; -1 4]` arrives as the list ["1 0; -1 4"]."""
    if isinstance(raw, list) and raw and all(isinstance(item, str) for item in raw) \
            and any(";" in item for item in raw):
        return "[" + ", ".join(raw) + "]"
    return raw


def _from_value(raw: Any, depth: int, count: list[int]) -> Any:
    """A YAML/JSON value: nested lists whose leaves are numbers or arithmetic texts."""
    if depth > MAX_RANK:
        raise _Unreadable(f"it is nested more than {MAX_RANK} levels deep.")
    if isinstance(raw, list):
        return [_from_value(item, depth + 1, count) for item in raw]
    count[0] += 1
    if count[0] > MAX_ENTRIES:
        raise _Unreadable(f"it has more than {MAX_ENTRIES} entries.")
    return _entry(raw)


def _entry(raw: Any) -> Number | int:
    """One entry, canonical: an int when whole, else a Fraction; a float only after sqrt/log."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise _Unreadable(f"an entry is {type_name(raw)}, not a number.")
    if isinstance(raw, str):
        try:
            number: Number = evaluate(raw)
        except ArithError as error:
            raise _Unreadable(f"the entry {quote(raw)} is not a number ({error}).") from None
    elif isinstance(raw, int) and raw.bit_length() > MAX_BITS:
        raise _Unreadable(f"an entry has more than {MAX_DIGITS} digits.")
    else:
        try:
            number = to_fraction(raw)
        except ValueError:
            raise _Unreadable(f"the entry {quote(raw)} is not a finite number.") from None
    if isinstance(number, Fraction) and number.denominator == 1:
        return number.numerator
    return number


def _from_text(raw: str) -> Any:
    if len(raw) > MAX_CHARS:
        raise _Unreadable(f"it is longer than {MAX_CHARS} characters.")
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    wrapped = _WRAPPER.match(text)
    if wrapped:
        text = wrapped.group(1).strip()
    if not text:
        raise _Unreadable("the answer is empty.")
    count = [0]
    if text.startswith("["):
        nested, end = _bracketed(text, 0, 0, count)
        if text[end:].strip():
            raise _Unreadable(f"unexpected text after the closing bracket: {quote(text[end:])}.")
        return nested
    if any(char in text for char in "[]"):
        raise _Unreadable("the brackets do not match.")
    return _rows(text, count)


def _bracketed(text: str, start: int, depth: int, count: list[int]) -> tuple[Any, int]:
    """Read the ``[...]`` that opens at ``start``; return the nested list and the index after ``]``."""
    if depth >= MAX_RANK:
        raise _Unreadable(f"it is nested more than {MAX_RANK} levels deep.")
    position = _skip_space(text, start + 1)
    if position < len(text) and text[position] == "[":
        return _list_of_lists(text, position, depth, count)
    end = _closing(text, position)
    return _rows(text[position:end], count, inside_brackets=True), end + 1


def _list_of_lists(text: str, position: int, depth: int, count: list[int]) -> tuple[list, int]:
    items = []
    while True:
        item, position = _bracketed(text, position, depth + 1, count)
        items.append(item)
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        if position >= len(text):
            raise _Unreadable("a bracket is not closed.")
        if text[position] == "]":
            return items, position + 1
        if text[position] != "[":
            raise _Unreadable(f"expected '[' or ']' but found {quote(text[position:position + 20])}.")


def _closing(text: str, position: int) -> int:
    """The index of the ``]`` that ends a flat list (parentheses inside entries are skipped)."""
    parens = 0
    for index in range(position, len(text)):
        char = text[index]
        if char == "(":
            parens += 1
        elif char == ")":
            parens -= 1
        elif char == "[":
            raise _Unreadable("a row mixes numbers and brackets.")
        elif char == "]" and parens == 0:
            return index
    raise _Unreadable("a bracket is not closed.")


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


def _rows(body: str, count: list[int], *, inside_brackets: bool = False) -> list:
    """A flat body: rows split by ``;`` or a line break (not one after a comma); one row is a vector."""
    rows = [row for row in _ROW_BREAK.split(body) if row.strip()]
    if not rows:
        if inside_brackets:
            return []
        raise _Unreadable("the answer is empty.")
    parsed = [_row(row, count) for row in rows]
    return parsed[0] if len(parsed) == 1 and ";" not in body else parsed


def _row(row: str, count: list[int]) -> list:
    """Entries split by commas (outside parentheses) if there are any, else by whitespace."""
    pieces = _split_commas(row)
    if len(pieces) == 1:
        pieces = row.split()
    elif pieces and not pieces[-1].strip():
        pieces = pieces[:-1]  # a trailing comma
    entries = []
    for piece in pieces:
        count[0] += 1
        if count[0] > MAX_ENTRIES:
            raise _Unreadable(f"it has more than {MAX_ENTRIES} entries.")
        if not piece.strip():
            raise _Unreadable("an entry is empty (two commas in a row?).")
        entries.append(_entry(piece))
    return entries


def _split_commas(row: str) -> list[str]:
    pieces, parens, start = [], 0, 0
    for index, char in enumerate(row):
        parens += (char == "(") - (char == ")")
        if char == "," and parens == 0:
            pieces.append(row[start:index])
            start = index + 1
    return pieces + [row[start:]]


def _tensor(nested: Any) -> Tensor:
    """Nested lists to nested tuples, refusing ragged rows and a bare number at the top."""
    if not isinstance(nested, list):
        return (nested,)
    _shape_of_nested(nested)
    return _freeze(nested)


def _shape_of_nested(nested: Any) -> tuple[int, ...]:
    if not isinstance(nested, list):
        return ()
    shapes = [_shape_of_nested(item) for item in nested]
    kinds = {isinstance(item, list) for item in nested}
    if len(kinds) > 1:
        raise _Unreadable("it mixes numbers and lists at the same level.")
    if len({len(shape) for shape in shapes}) > 1:
        raise _Unreadable("the rows are nested to different depths.")
    if len(set(shapes)) > 1:
        lengths = list(dict.fromkeys(shape[0] for shape in shapes))
        detail = f" ({lengths[0]} and {lengths[1]})" if len(lengths) > 1 else ""
        raise _Unreadable(f"the rows have different lengths{detail}.")
    return (len(nested),) + (shapes[0] if shapes else ())


def _freeze(nested: Any) -> Any:
    return tuple(_freeze(item) for item in nested) if isinstance(nested, list) else nested


# ---------------------------------------------------------------------------------------------------
# Reference values
# ---------------------------------------------------------------------------------------------------

def expected(value: Any, spec: MatrixSpec) -> Tensor:
    """A solver's array (numpy array, nested lists or tuples) as a nested tuple of plain numbers."""
    if hasattr(value, "tolist") and getattr(value, "ndim", 1) >= 1:
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"a matrix answer needs an array from the solver, got {type(value).__name__}")
    nested = _plain(value)
    try:
        shape = _shape_of_nested(nested)
    except _Unreadable as reason:
        raise ValueError(f"the solver's array is ragged: {reason}") from None
    if 0 in shape:
        raise ValueError("the solver's array is empty")
    return _freeze(nested)


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return plain_number(value)


# ---------------------------------------------------------------------------------------------------
# Grading
# ---------------------------------------------------------------------------------------------------

def shape_of(value: Any) -> tuple[int, ...]:
    shape = []
    while isinstance(value, tuple):
        shape.append(len(value))
        value = value[0] if value else None
    return tuple(shape)


def grade(value: Tensor, reference: Tensor, spec: MatrixSpec) -> Verdict:
    value = _as_row(value, reference)
    got, want = shape_of(value), shape_of(reference)
    if got != want:
        if len(want) >= 2 and _same(value, transpose(reference), spec):
            return _transposed(0.0)
        return Verdict(score=0.0, note="SHAPE", feedback=f"Incorrect: expected {show_shape(want)}, "
                                                         f"got {show_shape(got)}.")
    matches = [_entry_ok(a, b, spec) for a, b in zip(flatten(value), flatten(reference))]
    right = sum(matches)
    if right == len(matches):
        return Verdict(score=1.0, feedback="Correct.", note=CORRECT)
    score = right / len(matches) if spec.partial else 0.0
    if len(want) >= 2 and _same(value, transpose(reference), spec):
        return _transposed(score)
    if _same(value, flip(reference), spec):
        return Verdict(score=score, note="FLIPPED",
                       feedback="Incorrect: your answer is the expected one rotated by 180° — was the kernel "
                                "flipped (convolution instead of cross-correlation)?")
    wrong = len(matches) - right
    feedback = f"Partly correct: {right} of {len(matches)} entries are right." if score > 0 else \
        f"Incorrect: {wrong} of {len(matches)} entries {'are' if wrong > 1 else 'is'} wrong."
    return Verdict(score=score, feedback=feedback, note=PARTIAL if score > 0 else WRONG)


def _as_row(value: Tensor, reference: Tensor) -> Tensor:
    """A flat list where a one-row matrix is expected is that row: `[1.25, 4]` for 1×2 (as in MATLAB)."""
    got, want = shape_of(value), shape_of(reference)
    if len(got) == 1 and len(want) >= 2 and all(size == 1 for size in want[:-1]) and got[0] == want[-1]:
        for _ in want[:-1]:
            value = (value,)
    return value


def _transposed(score: float) -> Verdict:
    return Verdict(score=score, note="TRANSPOSED",
                   feedback="Incorrect: your answer is the transpose of the expected one (rows and columns "
                            "swapped).")


def _same(value: Tensor, reference: Tensor, spec: MatrixSpec) -> bool:
    if shape_of(value) != shape_of(reference):
        return False
    return all(_entry_ok(a, b, spec) for a, b in zip(flatten(value), flatten(reference)))


def _entry_ok(answer: Number, reference: Number, spec: MatrixSpec) -> bool:
    """Exact for ints and Fractions when no tolerance is set; a float (from a solver, sqrt or log) is
    compared with a relative 1e-9, since exact equality of floats only tests rounding."""
    if spec.rtol or spec.atol:
        return within(answer, reference, rtol=spec.rtol, atol=spec.atol)
    if isinstance(answer, float) or isinstance(reference, float):
        return within(answer, reference, rtol=FLOAT_RTOL, atol=FLOAT_ATOL)
    return answer == reference


def flatten(value: Any) -> list:
    if not isinstance(value, tuple):
        return [value]
    return [entry for item in value for entry in flatten(item)]


def transpose(value: Tensor) -> Tensor:
    """Swap the last two axes (rows and columns of a matrix)."""
    if len(shape_of(value)) > 2:
        return tuple(transpose(item) for item in value)
    return tuple(zip(*value)) if value else value


def flip(value: Tensor) -> Tensor:
    """Reverse the last two axes (a 180° rotation of a matrix; a reversed vector)."""
    rank = len(shape_of(value))
    if rank > 2:
        return tuple(flip(item) for item in value)
    if rank == 2:
        return tuple(tuple(reversed(row)) for row in reversed(value))
    return tuple(reversed(value))


# ---------------------------------------------------------------------------------------------------
# Display
# ---------------------------------------------------------------------------------------------------

def show_tensor(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(show_tensor(item) for item in value) + "]"
    return show_number(value)


def show_shape(shape: tuple[int, ...]) -> str:
    if len(shape) == 1:
        return f"a vector of length {shape[0]}"
    return "×".join(map(str, shape))


def show(value: Tensor, spec: MatrixSpec) -> str:
    return show_tensor(value)


def describe(spec: MatrixSpec) -> str:
    rule = "entries are compared exactly" if not (spec.rtol or spec.atol) else \
        f"each entry is {tolerance_text(rtol=spec.rtol, atol=spec.atol)}"
    return f"A matrix as `[[1, 0], [-1, 4]]` or `[1 0; -1 4]` (entries may be fractions like `1/2`); {rule}."


KIND = Kind(name="matrix", spec_model=MatrixSpec, parse=parse, expected=expected, grade=grade, show=show,
            describe=describe)
