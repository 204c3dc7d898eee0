"""The parent's side of the pipe: encode trusted arguments, and rebuild untrusted replies as exact plain
values (never objects: no unpickling, no student method is called here).

A reply line is parsed with ``json`` under a size cap; its value is walked with caps on depth and element
count and rebuilt from the tags of ``child.encode``: ``$tuple``, ``$dict``, ``$float`` (non-finite floats)
and ``$ndarray`` (``.npy`` bytes read with ``allow_pickle=False``; numeric and boolean dtypes only).
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import math
from typing import Any

import numpy as np

MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_ARRAY_ELEMENTS = 4_000_000
NUMERIC_KINDS = "biuf"


class BadReply(Exception):
    """The child sent something that is not a well-formed reply (student code can write to the pipe)."""


def encode_args(value: Any) -> Any:
    """Arguments for the child in the tagged JSON form (trusted values built by the grader)."""
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(value), allow_pickle=False)
        return {"$ndarray": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if isinstance(value, np.generic):
        return encode_args(value.item())
    if isinstance(value, tuple):
        return {"$tuple": [encode_args(item) for item in value]}
    if isinstance(value, list):
        return [encode_args(item) for item in value]
    if isinstance(value, dict):
        return {"$dict": [[str(key), encode_args(item)] for key, item in value.items()]}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot send a {type(value).__name__} to student code: use numbers, strings, lists, "
                    "tuples, dicts or numpy arrays")


def parse_line(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise BadReply(f"not JSON ({type(error).__name__})") from None
    if not isinstance(message, dict):
        raise BadReply("not a JSON object")
    return message


def rebuild(value: Any) -> Any:
    """An exact plain value from a reply's tagged JSON, or ``BadReply``."""
    return _rebuild(value, 0, [MAX_ITEMS])


def _rebuild(value: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise BadReply("the value is too large or too deeply nested")
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value
    if type(value) is list:
        return [_rebuild(item, depth + 1, budget) for item in value]
    if type(value) is dict and len(value) == 1:
        (tag, inner), = value.items()
        return _TAGS.get(tag, _unknown_tag)(inner, depth, budget)
    raise BadReply("an unexpected value in the reply")


def _tuple(inner: Any, depth: int, budget: list[int]) -> tuple:
    if type(inner) is not list:
        raise BadReply("a malformed tuple")
    return tuple(_rebuild(item, depth + 1, budget) for item in inner)


def _dict(inner: Any, depth: int, budget: list[int]) -> dict:
    if type(inner) is not list or not all(type(pair) is list and len(pair) == 2 and type(pair[0]) is str
                                          for pair in inner):
        raise BadReply("a malformed dict")
    return {key: _rebuild(item, depth + 1, budget) for key, item in inner}


def _float(inner: Any, depth: int, budget: list[int]) -> float:
    if inner not in ("nan", "inf", "-inf"):
        raise BadReply("a malformed float")
    return float(inner)


def _ndarray(inner: Any, depth: int, budget: list[int]) -> np.ndarray:
    if type(inner) is not str:
        raise BadReply("a malformed array")
    try:
        raw = base64.b64decode(inner, validate=True)
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except (binascii.Error, ValueError, OSError, EOFError) as error:
        raise BadReply(f"an unreadable array ({type(error).__name__})") from None
    if type(array) is not np.ndarray or array.dtype.kind not in NUMERIC_KINDS or array.dtype.hasobject:
        raise BadReply("an array that is not numeric")
    if array.size > MAX_ARRAY_ELEMENTS:
        raise BadReply("an array with too many elements")
    budget[0] -= 1
    return array.astype(array.dtype.newbyteorder("="), copy=True)


def _unknown_tag(inner: Any, depth: int, budget: list[int]) -> Any:
    raise BadReply("an unexpected value in the reply")


_TAGS = {"$tuple": _tuple, "$dict": _dict, "$float": _float, "$ndarray": _ndarray}


def json_line(message: Any) -> bytes:
    return json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8") + b"\n"
