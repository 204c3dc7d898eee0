"""Compare one value a student's function returned with the reference value, in a fixed order:
defined → type → shape → dtype → values; the first stage that fails is the one reported.

The returned value was rebuilt by the sandbox as exact plain types (``int``, ``float``, ``bool``, ``None``,
``str``, ``list``, ``tuple``, ``dict``, ``numpy.ndarray`` of a numeric or boolean dtype). Types are tested
with ``type(x) is ...``, never ``isinstance``, so a subclass with lying operators could never be compared
even if one slipped through. Rules:

- ints are exact; ``bool`` is not an int; a float where an int is expected is a type error (with a hint
  about ``//``), even ``3.0``;
- floats match when ``abs(got - expected) <= atol + rtol*abs(expected)`` (the reference is the scale; NaN
  never matches; an infinity only matches itself);
- arrays: a (nested) list or tuple is accepted where an array is expected; the shape must match exactly;
  an int array where floats are expected is fine, and so is a float array where ints are expected (the
  values are then compared with the tolerance); a bool array is never a number array;
- a tuple and a list are interchangeable (a shape may come back as either).

Every mismatch has two texts: ``detail`` ("got `4`, expected `3`") and ``safe_detail``, which names neither
the expected nor the returned value (the returned value can echo a hidden input), for parts that hide their
inputs. Values appear inside Markdown code spans, made safe by ``show``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np

from grader.code.show import shape_text, show_float, show_int, show_value, type_text
from grader.code.spec import CompareSpec
from grader.text import code

Stage = Literal["defined", "type", "shape", "dtype", "value"]

_NUMBER_KINDS = "iuf"
_INT64 = (-(2**63), 2**63 - 1)
_MAX_ENTRIES = 4_000_000

WHOLE_ARRAY = 100
"""Characters up to which a wrong array is shown whole beside its expected value."""


@dataclass(frozen=True)
class Mismatch:
    """Why a returned value is not the expected one; ``path`` is where inside it (``[1][2]``)."""

    stage: Stage
    detail: str
    safe_detail: str
    path: str = ""


def mismatch_text(mismatch: Mismatch, *, hidden: bool) -> str:
    """The message for feedback: full, or safe for a part whose inputs (and so values) are hidden."""
    text = mismatch.safe_detail if hidden else mismatch.detail
    return f"at {code(mismatch.path, 40)}: {text}" if mismatch.path else text


def compare(got: Any, expected: Any, spec: CompareSpec) -> Mismatch | None:
    """None when ``got`` matches ``expected``; otherwise the first stage that fails."""
    got = _unwrap(got)
    if got is None and expected is not None:
        return Mismatch("defined", "got `None`: does the function `return` its result?",
                        "got `None`: does the function `return` its result?")
    return _compare(got, _unwrap(expected), spec)


def _compare(got: Any, expected: Any, spec: CompareSpec) -> Mismatch | None:
    if isinstance(expected, np.ndarray):
        return _compare_array(got, expected, spec)
    if isinstance(expected, bool):
        return _compare_bool(got, expected)
    if isinstance(expected, int):
        return _compare_int(got, expected)
    if isinstance(expected, float):
        return _compare_float(got, expected, spec)
    if isinstance(expected, (list, tuple)):
        return _compare_sequence(got, expected, spec)
    if isinstance(expected, dict):
        return _compare_dict(got, expected, spec)
    if isinstance(expected, str) or expected is None:
        return _compare_exact(got, expected)
    raise TypeError(f"cannot compare with a reference value of type {type(expected).__name__}")


def _unwrap(value: Any) -> Any:
    """A 0-d array or a numpy scalar as the Python number it holds (trusted numpy types only)."""
    if type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind in "biuf":
        return value.item()
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    return value


# --- scalars -----------------------------------------------------------------------------------------------


def _type_error(got: Any, wanted: str, hint: str = "") -> Mismatch:
    got_text = f"got {type_text(got)}"
    return Mismatch("type", f"{got_text}, expected {wanted}{hint}", f"{got_text}, expected {wanted}{hint}")


def _compare_bool(got: Any, expected: bool) -> Mismatch | None:
    if type(got) is not bool:
        return _type_error(got, "a bool (`True` or `False`)")
    if got is expected:
        return None
    return _value_error(repr(got), repr(expected))


def _compare_int(got: Any, expected: int) -> Mismatch | None:
    if type(got) is int:
        return None if got == expected else _value_error(show_int(got), show_int(expected))
    if type(got) is float:
        whole = math.isfinite(got) and got.is_integer()
        hint = (": return an int, e.g. with `//` (integer division) instead of `/`, or `int(...)`" if whole
                else "")
        shown = f"got {code(show_float(got))} (a float)"
        return Mismatch("type", f"{shown}, expected {code(show_int(expected))} (an int){hint}",
                        f"got a float, expected an int{hint}")
    if type(got) is bool:
        return _type_error(got, "an int", " (`True`/`False` are not numbers here)")
    return _type_error(got, "an int")


def _compare_float(got: Any, expected: float, spec: CompareSpec) -> Mismatch | None:
    if type(got) not in (int, float):
        return _type_error(got, "a number")
    if close(got, expected, spec):
        return None
    got_text = show_int(got) if type(got) is int else show_float(got)
    return _value_error(got_text, show_float(expected), _tolerance_text(spec))


def close(got: int | float, expected: int | float, spec: CompareSpec) -> bool:
    """``abs(got - expected) <= atol + rtol*abs(expected)``; NaN never, an infinity only itself."""
    try:
        g, e = float(got), float(expected)
    except OverflowError:  # an int beyond any float
        return type(got) is int and type(expected) is int and got == expected
    if math.isnan(g) or math.isnan(e):
        return False
    if math.isinf(g) or math.isinf(e):
        return g == e
    return abs(g - e) <= spec.atol + spec.rtol * abs(e)


def _compare_exact(got: Any, expected: str | None) -> Mismatch | None:
    if type(got) is not type(expected):
        return _type_error(got, type_text(expected))
    if got == expected:
        return None
    return _value_error(show_value(got), show_value(expected))


def _value_error(got: str, expected: str, note: str = "") -> Mismatch:
    return Mismatch("value", f"got {code(got, 200)}, expected {code(expected, 200)}{note}",
                    "the value is not the expected one")


def _tolerance_text(spec: CompareSpec) -> str:
    return f" (tolerance {spec.atol:g} + {spec.rtol:g}·|expected|)"


# --- containers --------------------------------------------------------------------------------------------


def _compare_sequence(got: Any, expected: Sequence[Any], spec: CompareSpec) -> Mismatch | None:
    if type(got) is np.ndarray and got.ndim >= 1:
        got = got.tolist()
    if type(got) not in (list, tuple):
        return _type_error(got, f"a list or tuple of {len(expected)}")
    if len(got) != len(expected):
        return Mismatch("shape", f"got {len(got)} values, expected {len(expected)}",
                        f"got {len(got)} values, which is not the expected number")
    for index, (item, wanted) in enumerate(zip(got, expected)):
        found = compare(item, wanted, spec)
        if found is not None:
            return _inside(found, f"[{index}]")
    return None


def _compare_dict(got: Any, expected: dict[Any, Any], spec: CompareSpec) -> Mismatch | None:
    if type(got) is not dict:
        return _type_error(got, "a dict")
    if set(got) != set(expected):
        missing = sorted(map(str, set(expected) - set(got)))
        extra = sorted(map(str, set(got) - set(expected)))
        detail = "; ".join(part for part in (f"missing keys {code(missing, 100)}" if missing else "",
                                             f"unexpected keys {code(extra, 100)}" if extra else "") if part)
        return Mismatch("shape", f"the keys differ: {detail}", "the keys are not the expected ones")
    for key, wanted in expected.items():
        found = compare(got[key], wanted, spec)
        if found is not None:
            return _inside(found, f"[{key!r}]")
    return None


def _inside(mismatch: Mismatch, step: str) -> Mismatch:
    return Mismatch(mismatch.stage, mismatch.detail, mismatch.safe_detail, step + mismatch.path)


# --- arrays ------------------------------------------------------------------------------------------------


def _compare_array(got: Any, expected: np.ndarray, spec: CompareSpec) -> Mismatch | None:
    array = as_array(got)
    if isinstance(array, Mismatch):
        if type(got) not in (list, tuple, np.ndarray):
            return Mismatch("type", f"got {type_text(got)}, expected a {shape_text(expected.shape)} array",
                            f"got {type_text(got)}, expected an array")
        return array
    if array.shape != expected.shape:
        return Mismatch("shape", f"got {type_text(array)}, expected {shape_text(expected.shape)}",
                        "the shape of the result is not the expected one")
    dtype = _dtype_mismatch(array, expected)
    if dtype is not None:
        return dtype
    return _array_values(array, expected, spec)


def as_array(value: Any) -> np.ndarray | Mismatch:
    """An ndarray of numbers or bools from an array or a rectangular (nested) list or tuple of them."""
    if type(value) is np.ndarray:
        if value.dtype.kind not in "biuf":
            return Mismatch("dtype", f"got an array of {value.dtype.name}", f"got an array of {value.dtype.name}")
        return value
    if type(value) not in (list, tuple):
        return _type_error(value, "an array (or a list of lists)")
    shape = nested_shape(value)
    if isinstance(shape, Mismatch):
        return shape
    return _list_to_array(value, shape)


def nested_shape(value: Any) -> tuple[int, ...] | Mismatch:
    """The shape of a rectangular nested list, or why it is not one (ragged, mixed depth, too large)."""
    if type(value) not in (list, tuple):
        return ()
    if not value:
        return (0,)
    inner = [nested_shape(item) for item in value]
    for found in inner:
        if isinstance(found, Mismatch):
            return found
    shapes = {found for found in inner}
    if len(shapes) != 1:
        lengths = sorted({len(item) if type(item) in (list, tuple) else -1 for item in value})
        text = "a ragged list (its rows have different lengths or depths" + (
            f": {lengths})" if -1 not in lengths else ")")
        return Mismatch("shape", f"got {text}", f"got {text}")
    shape = (len(value), *shapes.pop())
    if math.prod(shape) > _MAX_ENTRIES:
        return Mismatch("shape", "got a list with too many entries", "got a list with too many entries")
    return shape


def _list_to_array(value: Any, shape: tuple[int, ...]) -> np.ndarray | Mismatch:
    leaves = list(_leaves(value))
    kinds = {type(leaf) for leaf in leaves}
    odd = kinds - {int, float, bool}
    if odd:
        name = type_text(next(leaf for leaf in leaves if type(leaf) in odd))
        text = f"got a list containing {name}; expected numbers"
        return Mismatch("type", text, text)
    if bool in kinds and kinds != {bool}:
        text = "got a list mixing `True`/`False` with numbers; expected numbers"
        return Mismatch("type", text, text)
    if kinds == {bool}:
        return np.array(leaves, dtype=bool).reshape(shape)
    if float in kinds:
        return _float_array(leaves, shape)
    if any(not _INT64[0] <= leaf <= _INT64[1] for leaf in leaves):
        text = "got an entry too large for 64 bits"
        return Mismatch("value", text, text)
    return np.array(leaves, dtype=np.int64).reshape(shape)


def _float_array(leaves: list[Any], shape: tuple[int, ...]) -> np.ndarray | Mismatch:
    try:
        return np.array([float(leaf) for leaf in leaves], dtype=np.float64).reshape(shape)
    except OverflowError:
        text = "got an integer entry too large for a float"
        return Mismatch("value", text, text)


def _leaves(value: Any) -> Any:
    if type(value) in (list, tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _dtype_mismatch(got: np.ndarray, expected: np.ndarray) -> Mismatch | None:
    got_bool, want_bool = got.dtype.kind == "b", expected.dtype.kind == "b"
    if got_bool == want_bool:
        return None
    wanted = "`True`/`False` values" if want_bool else "numbers"
    text = f"got a {got.dtype.name} array, expected {wanted}"
    return Mismatch("dtype", text, text)


def _array_values(got: np.ndarray, expected: np.ndarray, spec: CompareSpec) -> Mismatch | None:
    wrong = ~_matches(got, expected, spec)
    count = int(wrong.sum())
    if count == 0:
        return None
    first = tuple(int(i) for i in np.argwhere(wrong)[0])
    where = "[" + ", ".join(map(str, first)) + "]"
    tolerance = _tolerance_text(spec) if "f" in (got.dtype.kind, expected.dtype.kind) else ""
    of = f"{count} of {expected.size} entries differ"
    detail = (f"{of}; the first at {code(where)}: got {code(_entry(got[first]))}, "
              f"expected {code(_entry(expected[first]))}{tolerance}")
    whole_got, whole_expected = show_value(got, WHOLE_ARRAY), show_value(expected, WHOLE_ARRAY)
    if not (whole_got + whole_expected).count("…"):
        detail += f". Whole result: got {code(whole_got, 200)}, expected {code(whole_expected, 200)}"
    return Mismatch("value", detail, f"{of} from the expected ones")


def _matches(got: np.ndarray, expected: np.ndarray, spec: CompareSpec) -> np.ndarray:
    if got.dtype.kind in "biu" and expected.dtype.kind in "biu":
        return got == expected
    g, e = got.astype(np.float64), expected.astype(np.float64)
    with np.errstate(all="ignore"):
        near = np.abs(g - e) <= spec.atol + spec.rtol * np.abs(e)
    infinite = np.isinf(g) | np.isinf(e)
    return np.where(infinite, g == e, near) & ~np.isnan(g) & ~np.isnan(e)


def _entry(value: Any) -> str:
    item = value.item()
    if type(item) is float:
        return show_float(item)
    return show_int(item) if type(item) is int else repr(item)
