"""Named property checks: what any right answer must satisfy, for functions with no single answer (a
designed filter) or where an invariant catches a bug the reference comparison explains badly (IoU).

A property, for one case (a mapping of solver arguments), names the extra calls to make (argument mappings,
e.g. the same boxes swapped) and judges the values returned: ``None`` when it holds, else a message that may
show the inputs (the caller shows only ``description`` when a part hides its inputs). Values arrive rebuilt
as plain types but are still the student's: every check tests their type before any arithmetic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from grader.answers.designed_filter import PROPERTIES as FILTER_CHECKS
from grader.code.compare import Mismatch, as_array, close
from grader.code.registry import build_registry, unknown_name_message
from grader.code.show import shape_text, show_value, type_text
from grader.code.spec import CompareSpec
from grader.solvers.filters import PURPOSES
from grader.text import code

Args = Mapping[str, Any]
Check = Callable[[Args, Any, Sequence[Any], CompareSpec], "str | None"]


@dataclass(frozen=True)
class Property:
    """``varies``: the arguments its extra calls change, which the student's function must take."""

    name: str
    description: str
    varies: tuple[str, ...]
    extra_calls: Callable[[Args], tuple[dict[str, Any], ...]]
    check: Check


def _no_calls(case: Args) -> tuple[dict[str, Any], ...]:
    return ()


# --- IoU ---------------------------------------------------------------------------------------------------


def _real(value: Any) -> float | str:
    """The returned number, or what is wrong with it (a message)."""
    if type(value) is np.ndarray and value.ndim == 0 and value.dtype.kind in "iuf":
        value = value.item()
    if type(value) not in (int, float):
        return f"returned {type_text(value)}, not a number"
    try:
        number = float(value)
    except OverflowError:
        return "returned a number too large for a float"
    return number if math.isfinite(number) else f"returned {code(repr(number))}"


def _boxes(case: Args) -> str:
    return f"A = {code(show_value(case['box_a']))}, B = {code(show_value(case['box_b']))}"


def _iou_in_unit_interval(case: Args, value: Any, extra: Sequence[Any], spec: CompareSpec) -> str | None:
    number = _real(value)
    if isinstance(number, str):
        return f"for {_boxes(case)} the function {number}"
    if -spec.atol <= number <= 1 + spec.atol:
        return None
    return f"IoU({_boxes(case)}) = {code(repr(number))}, outside [0, 1]"


def _swapped(case: Args) -> tuple[dict[str, Any], ...]:
    return ({**case, "box_a": case["box_b"], "box_b": case["box_a"]},)


def _iou_symmetric(case: Args, value: Any, extra: Sequence[Any], spec: CompareSpec) -> str | None:
    forward, backward = _real(value), _real(extra[0])
    for number in (forward, backward):
        if isinstance(number, str):
            return f"for {_boxes(case)} the function {number}"
    if close(backward, forward, spec):
        return None
    return (f"IoU(A, B) = {code(repr(forward))} but IoU(B, A) = {code(repr(backward))} for {_boxes(case)}; "
            "the overlap of two boxes does not depend on their order")


def _with_itself(case: Args) -> tuple[dict[str, Any], ...]:
    return ({**case, "box_b": case["box_a"]},)


def _iou_self_is_one(case: Args, value: Any, extra: Sequence[Any], spec: CompareSpec) -> str | None:
    number = _real(extra[0])
    if isinstance(number, str):
        return f"for A = B = {code(show_value(case['box_a']))} the function {number}"
    if close(number, 1.0, spec):
        return None
    return f"IoU(A, A) = {code(repr(number))} for A = {code(show_value(case['box_a']))}, not 1"


def _moved_away(case: Args) -> tuple[dict[str, Any], ...]:
    """A copy of box A beside it (a gap of one along x) and one diagonally off it (apart on both axes: an
    unclamped product of two negative overlaps would be positive)."""
    center = case.get("box_format", "corners") == "center"
    box = list(case["box_a"])
    width, height = (box[2], box[3]) if center else (box[2] - box[0], box[3] - box[1])
    beside = _shifted(box, width + 1, 0, center)
    diagonal = _shifted(box, width + 1, height + 1, center)
    return ({**case, "box_b": beside}, {**case, "box_b": diagonal})


def _shifted(box: list[Any], dx: Any, dy: Any, center: bool) -> list[Any]:
    if center:
        return [box[0] + dx, box[1] + dy, box[2], box[3]]
    return [box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy]


def _iou_disjoint_is_zero(case: Args, value: Any, extra: Sequence[Any], spec: CompareSpec) -> str | None:
    for other, result in zip(_moved_away(case), extra):
        number = _real(result)
        shown = f"A = {code(show_value(case['box_a']))}, B = {code(show_value(other['box_b']))}"
        if isinstance(number, str):
            return f"for the disjoint boxes {shown} the function {number}"
        if not close(number, 0.0, spec):
            return f"IoU = {code(repr(number))} for the disjoint boxes {shown}, not 0"
    return None


SCALE = 2
"""Both boxes scaled by 2: exact in binary, so a right IoU is unchanged to the last bit."""


def _scaled(case: Args) -> tuple[dict[str, Any], ...]:
    return ({**case, "box_a": [SCALE * v for v in case["box_a"]], "box_b": [SCALE * v for v in case["box_b"]]},)


def _iou_scale_invariant(case: Args, value: Any, extra: Sequence[Any], spec: CompareSpec) -> str | None:
    original, scaled = _real(value), _real(extra[0])
    for number in (original, scaled):
        if isinstance(number, str):
            return f"for {_boxes(case)} (or both scaled by {SCALE}) the function {number}"
    if close(scaled, original, spec):
        return None
    return (f"IoU = {code(repr(original))} for {_boxes(case)} but {code(repr(scaled))} with every coordinate "
            f"times {SCALE}: a ratio of areas does not change with the scale (a +1 in a width or height, as for "
            "pixel counts, breaks this)")


_BOXES = ("box_a", "box_b")

_IOU = (
    Property("iou_in_unit_interval", "IoU lies in [0, 1]", (), _no_calls, _iou_in_unit_interval),
    Property("iou_symmetric", "IoU(A, B) = IoU(B, A)", _BOXES, _swapped, _iou_symmetric),
    Property("iou_self_is_one", "IoU(A, A) = 1", _BOXES, _with_itself, _iou_self_is_one),
    Property("iou_disjoint_is_zero", "disjoint boxes have IoU 0", _BOXES, _moved_away, _iou_disjoint_is_zero),
    Property("iou_scale_invariant", "scaling both boxes leaves IoU unchanged", _BOXES, _scaled,
             _iou_scale_invariant),
)


# --- designed filters --------------------------------------------------------------------------------------


def _filter_grid(case: Args, value: Any) -> list[list[float]] | str:
    """The returned filter as rows of floats, or what is wrong with it: not a finite 2-D matrix of numbers,
    or not the size the case asks for (``kernel_size``: k for k×k, or ``[height, width]``)."""
    array = as_array(value)
    if isinstance(array, Mismatch):
        return f"the filter is not a matrix of numbers ({array.detail})"
    if array.ndim != 2 or array.size == 0 or array.dtype.kind == "b":
        return f"the filter should be a 2-D matrix of numbers, got {type_text(array)}"
    wanted = _wanted_shape(case)
    if wanted is not None and array.shape != wanted:
        return f"the filter should be {shape_text(wanted)}, got {shape_text(array.shape)}"
    grid = array.astype(np.float64)
    if not np.isfinite(grid).all():
        return "the filter has an infinite or NaN weight"
    return grid.tolist()


def _wanted_shape(case: Args) -> tuple[int, int] | None:
    size = case.get("kernel_size")
    if type(size) is int:
        return (size, size)
    if type(size) in (list, tuple) and len(size) == 2:
        return (int(size[0]), int(size[1]))
    return None


def _filter_check(purpose: str) -> Check:
    names = PURPOSES[purpose]

    def check(case: Args, value: Any, extra: Sequence[Any], spec: CompareSpec) -> str | None:
        grid = _filter_grid(case, value)
        if isinstance(grid, str):
            return grid
        problems = [message for name in names if (message := FILTER_CHECKS[name][1](grid)) is not None]
        if not problems:
            return None
        size = f" (kernel_size {code(show_value(case['kernel_size']))})" if "kernel_size" in case else ""
        return f"your filter{size} falls short: " + "; ".join(problems)

    return check


def _filter_property(purpose: str) -> Property:
    description = "a filter with " + "; ".join(FILTER_CHECKS[name][0] for name in PURPOSES[purpose])
    return Property(f"{purpose}_filter", description, (), _no_calls, _filter_check(purpose))


_FILTERS = tuple(_filter_property(purpose) for purpose in PURPOSES)


# --- the registry ------------------------------------------------------------------------------------------


PROPERTIES: Mapping[str, Property] = build_registry((*_IOU, *_FILTERS), "properties")


def unknown_property_message(name: str) -> str | None:
    """None for a known property; otherwise the error for the loader, with a did-you-mean."""
    return None if name in PROPERTIES else unknown_name_message(name, PROPERTIES, "property")


def validate_properties(names: Sequence[str], signature: Sequence[str]) -> list[str]:
    """Unknown names, and properties whose extra calls change arguments the student's function does not take."""
    messages = [message for name in names if (message := unknown_property_message(name))]
    for name in names:
        if name in PROPERTIES:
            missing = [arg for arg in PROPERTIES[name].varies if arg not in signature]
            if missing:
                messages.append(f"property '{name}' calls the function with other values of {missing}: "
                                "add them to `signature`")
    return messages
