"""What may cross between an instructor's test and the student's function: plain data only.

Arguments go to another process, so only values the sandbox can serialise are accepted (numbers, strings,
lists, tuples, str-keyed dicts, numeric numpy arrays and scalars), by exact type: an instructor's object
would otherwise be silently turned into something else or refused deep inside the sandbox. Returned
values are checked too, more strictly (no numpy scalars, as the sandbox never builds one): a value of
any other type reaching the test's comparison could be a student object with a lying ``__eq__``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_DEPTH = 32
NUMERIC_KINDS = "biuf"
_SCALARS = (type(None), bool, int, float, str)


def problem_with(value: Any, *, numpy_scalars: bool = True) -> str | None:
    """A description of the first part of ``value`` that is not plain data (``"a set at [1][0]"``), or
    None when all of it is."""
    return _walk(value, "", 0, numpy_scalars)


def _walk(value: Any, where: str, depth: int, numpy_scalars: bool) -> str | None:
    kind = type(value)
    if kind in _SCALARS:
        return None
    if depth >= MAX_DEPTH:
        return f"a value nested more than {MAX_DEPTH} deep at {where or 'the top'}"
    if kind is np.ndarray:
        return None if value.dtype.kind in NUMERIC_KINDS else _at(f"an array of dtype {value.dtype}", where)
    if numpy_scalars and isinstance(value, np.generic) and value.dtype.kind in NUMERIC_KINDS:
        return None
    if kind in (list, tuple):
        for index, item in enumerate(value):
            found = _walk(item, f"{where}[{index}]", depth + 1, numpy_scalars)
            if found:
                return found
        return None
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return _at(f"a dict key of type {type(key).__name__}", where)
            found = _walk(item, f"{where}[{key!r}]", depth + 1, numpy_scalars)
            if found:
                return found
        return None
    return _at(f"a value of type {kind.__name__}", where)


def _at(what: str, where: str) -> str:
    return f"{what} at {where}" if where else what
