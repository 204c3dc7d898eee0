"""Values shown in feedback: compact, one line, and capped in size whatever they hold.

Inputs can be 20×20 matrices and a student's function can return a million entries or an integer with
100,000 digits (``str()`` of which raises in Python 3.11+), so every value is rendered piece by piece
until a character budget runs out, never converted whole. Returned strings are student text: the result
is made safe for a Markdown code span (no backticks, control characters or newlines) by ``grader.text``.
"""

from __future__ import annotations

import math
from typing import Any, Iterator, Sequence

import numpy as np

from grader.text import snippet

VALUE_LIMIT = 120
"""Characters of one value (an argument, a returned or an expected value) in feedback."""

CALL_LIMIT = 300
"""Characters of one whole call, ``function(arg, arg, ...)``."""

_MAX_DIGITS = 40


def show_value(value: Any, limit: int = VALUE_LIMIT) -> str:
    """A one-line rendering of a plain value, at most ``limit`` characters, truncated with "…".

    Arrays and lists render as nested lists (``[[1, 0], [-1, 4]]``); a truncated array ends with its shape.
    """
    text = _take(_tokens(value), limit)
    if isinstance(value, np.ndarray) and text.endswith("…"):
        text = f"{text} ({shape_text(value.shape)})"
    return snippet(text, limit + 20)


def show_call(function: str, args: Sequence[Any], limit: int = CALL_LIMIT) -> str:
    """``function(arg, arg, ...)`` with each argument compact and the whole at most ``limit`` characters."""
    budgets = _shares([len(show_value(arg, limit)) for arg in args], limit - len(function) - 2)
    inside = ", ".join(show_value(arg, budget) for arg, budget in zip(args, budgets))
    return snippet(f"{function}({inside})", limit)


def _shares(lengths: Sequence[int], total: int) -> list[int]:
    """Characters for each argument: short ones in full, the rest share what is left equally."""
    shares = [0] * len(lengths)
    left, count = max(total - 2 * len(lengths), 20), len(lengths)
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        fair = max(12, left // count)
        shares[index] = min(lengths[index], fair)
        left, count = left - shares[index], count - 1
    return shares


def show_float(value: float) -> str:
    """A float exactly as Python reads it back (``0.1``, ``0.30000000000000004``, ``nan``, ``inf``)."""
    return repr(value)


def show_int(value: int) -> str:
    """An integer in full when short; otherwise its sign, leading digits and size (``str()`` may raise)."""
    if abs(value) < 10**_MAX_DIGITS:
        return str(value)
    digits = int(abs(value).bit_length() * math.log10(2)) + 1
    return f"{'-' if value < 0 else ''}<an integer of about {digits} digits>"


def shape_text(shape: Sequence[int]) -> str:
    """``2×3`` for a matrix, ``length 5`` for a vector, ``scalar`` for a 0-d array."""
    if len(shape) == 0:
        return "scalar"
    if len(shape) == 1:
        return f"length {shape[0]}"
    return "×".join(str(size) for size in shape)


def type_text(value: Any) -> str:
    """What a value is, with an article: "an int", "a float", "a 2×3 float64 array", "None"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"a {shape_text(value.shape)} {value.dtype.name} array"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _take(tokens: Iterator[str], limit: int) -> str:
    pieces: list[str] = []
    used = 0
    for token in tokens:
        if used + len(token) > limit:
            pieces.append(token[: max(0, limit - used - 1)] + "…")
            return "".join(pieces)
        pieces.append(token)
        used += len(token)
    return "".join(pieces)


def _tokens(value: Any) -> Iterator[str]:
    """The pieces of a value's rendering, lazily, so a huge value costs no more than the budget."""
    if isinstance(value, np.ndarray):
        yield from _array_tokens(value)
    elif isinstance(value, (list, tuple)):
        yield from _sequence_tokens(value, "[]" if isinstance(value, list) else "()")
    elif isinstance(value, dict):
        yield from _dict_tokens(value)
    else:
        yield _scalar(value)


def _sequence_tokens(items: Sequence[Any], brackets: str) -> Iterator[str]:
    yield brackets[0]
    for index, item in enumerate(items):
        if index:
            yield ", "
        yield from _tokens(item)
    if brackets == "()" and len(items) == 1:
        yield ","
    yield brackets[1]


def _dict_tokens(mapping: dict[Any, Any]) -> Iterator[str]:
    yield "{"
    for index, (key, item) in enumerate(mapping.items()):
        if index:
            yield ", "
        yield f"{key}: "
        yield from _tokens(item)
    yield "}"


def _array_tokens(array: np.ndarray) -> Iterator[str]:
    if array.ndim == 0:
        yield _scalar(array.item())
        return
    yield "["
    for index, item in enumerate(array):
        if index:
            yield ", "
        if isinstance(item, np.ndarray):
            yield from _array_tokens(item)
        else:
            yield _scalar(item.item())
    yield "]"


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return show_int(value)
    if isinstance(value, float):
        return _short_float(value)
    if isinstance(value, str):
        return repr(value[:VALUE_LIMIT])
    return f"<{type(value).__name__}>"


def _short_float(value: float) -> str:
    """Short for reading inside a matrix: the exact repr when it is short, else 6 significant digits."""
    text = repr(value)
    return text if len(text) <= 10 else format(value, ".6g")
