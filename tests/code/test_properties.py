"""Property checks: right answers pass on every generated case; each bug a property exists for is caught;
hostile return values give a message, never an exception."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from grader.code.cases import generate_cases
from grader.code.properties import PROPERTIES, unknown_property_message, validate_properties
from grader.code.spec import CompareSpec, GenerateSpec
from grader.solvers.detection import box_corners, iou

SPEC = CompareSpec()
IOU = [name for name in PROPERTIES if name.startswith("iou_")]


def _holds(name: str, case: dict[str, Any], function: Callable[..., Any]) -> str | None:
    """Run a property as the grader does, with ``function`` standing in for the student's."""
    prop = PROPERTIES[name]
    extra = [function(**args) for args in prop.extra_calls(case)]
    return prop.check(case, function(**case), extra, SPEC)


def _iou_cases(box_format: str = "both") -> tuple[dict[str, Any], ...]:
    return generate_cases(GenerateSpec(generator="iou_cases", seed=7, count=150, params={"box_format": box_format}))


@pytest.mark.parametrize("name", IOU)
def test_the_reference_iou_has_every_property_in_both_formats(name: str) -> None:
    for case in _iou_cases():
        assert _holds(name, case, iou) is None, case


def _iou_unclamped(box_a, box_b, box_format="corners"):
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = box_corners(box_a, box_format), box_corners(box_b, box_format)
    inter = (min(ax2, bx2) - max(ax1, bx1)) * (min(ay2, by2) - max(ay1, by1))
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union else float("nan")


def _iou_pixels(box_a, box_b, box_format="corners"):
    """Areas as pixel counts, (x2 - x1 + 1)*(y2 - y1 + 1): not a ratio of areas any more."""
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = box_corners(box_a, box_format), box_corners(box_b, box_format)
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1) + 1) * max(0.0, min(ay2, by2) - max(ay1, by1) + 1)
    union = (ax2 - ax1 + 1) * (ay2 - ay1 + 1) + (bx2 - bx1 + 1) * (by2 - by1 + 1) - inter
    return inter / union


def _iou_over_a(box_a, box_b, box_format="corners"):
    """Intersection over A's area: asymmetric."""
    (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = box_corners(box_a, box_format), box_corners(box_b, box_format)
    inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
    return inter / ((ax2 - ax1) * (ay2 - ay1))


def _iou_over_half_union(box_a, box_b, box_format="corners"):
    return 2 * iou(box_a, box_b, box_format)


@pytest.mark.parametrize("name, buggy, message", [
    ("iou_disjoint_is_zero", _iou_unclamped, "for the disjoint boxes"),
    ("iou_in_unit_interval", _iou_unclamped, "outside [0, 1]"),
    ("iou_scale_invariant", _iou_pixels, "with every coordinate times 2"),
    ("iou_symmetric", _iou_over_a, "but IoU(B, A) ="),
    ("iou_self_is_one", _iou_over_half_union, "not 1"),
    ("iou_in_unit_interval", _iou_over_half_union, "outside [0, 1]"),
])
def test_each_iou_property_catches_its_bug(name: str, buggy: Callable[..., Any], message: str) -> None:
    failures = [found for case in _iou_cases("corners") if (found := _holds(name, case, buggy)) is not None]
    assert failures and message in failures[0]


def test_disjoint_check_moves_box_a_beside_and_diagonally_off_itself() -> None:
    corners = PROPERTIES["iou_disjoint_is_zero"].extra_calls({"box_a": [0, 0, 2, 3], "box_b": [9, 9, 10, 10]})
    assert [args["box_b"] for args in corners] == [[3, 0, 5, 3], [3, 4, 5, 7]]
    center = PROPERTIES["iou_disjoint_is_zero"].extra_calls(
        {"box_a": [1, 1, 2, 2], "box_b": [0, 0, 1, 1], "box_format": "center"})
    assert [args["box_b"] for args in center] == [[4, 1, 2, 2], [4, 4, 2, 2]]
    assert all(iou(args["box_a"], args["box_b"], "center") == 0 for args in center)


def test_symmetric_self_and_scale_calls() -> None:
    case = {"box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 3]}
    assert PROPERTIES["iou_symmetric"].extra_calls(case) == ({"box_a": [1, 1, 3, 3], "box_b": [0, 0, 2, 2]},)
    assert PROPERTIES["iou_self_is_one"].extra_calls(case) == ({"box_a": [0, 0, 2, 2], "box_b": [0, 0, 2, 2]},)
    assert PROPERTIES["iou_scale_invariant"].extra_calls(case) == ({"box_a": [0, 0, 4, 4], "box_b": [2, 2, 6, 6]},)
    assert PROPERTIES["iou_in_unit_interval"].extra_calls(case) == ()


@pytest.mark.parametrize("value", ["0.5", None, [0.5], True, float("nan"), float("inf"), 10**400,
                                   np.array([0.5]), {"iou": 0.5}])
@pytest.mark.parametrize("name", IOU)
def test_non_numbers_get_a_message_not_an_exception(name: str, value: Any) -> None:
    case = {"box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 3]}
    prop = PROPERTIES[name]
    extra = [value] * len(prop.extra_calls(case))
    assert prop.check(case, value, extra, SPEC)


def test_a_zero_d_array_counts_as_its_number() -> None:
    case = {"box_a": [0, 0, 2, 2], "box_b": [1, 1, 3, 3]}
    assert PROPERTIES["iou_in_unit_interval"].check(case, np.array(1 / 7), [], SPEC) is None


# --- designed filters ------------------------------------------------------------------------------------

BOX_BLUR = [[1 / 9] * 3 for _ in range(3)]
SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
SOBEL_Y = [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]


def _filter(name: str, value: Any, case: dict[str, Any] | None = None) -> str | None:
    return PROPERTIES[name].check(case if case is not None else {"kernel_size": 3}, value, [], SPEC)


def test_filters_that_do_their_job_pass() -> None:
    assert _filter("blur_filter", BOX_BLUR) is None
    assert _filter("blur_filter", np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16) is None
    assert _filter("vertical_edge_filter", SOBEL_X) is None and _filter("vertical_edge_filter", np.array(SOBEL_X)) is None
    assert _filter("horizontal_edge_filter", SOBEL_Y) is None
    assert _filter("blur_filter", [[0.25, 0.25], [0.25, 0.25]], {"kernel_size": [2, 2]}) is None
    assert _filter("blur_filter", [[0.5, 0.5]], {}) is None  # no size asked for


@pytest.mark.parametrize("name, value, message", [
    ("blur_filter", [[0, 0, 0], [0, 1, 0], [0, 0, 0]], "copies the image"),
    ("blur_filter", [[1, 1, 1]] * 3, "sum to 9, not 1"),
    ("blur_filter", [[0.5, -0.5, 0.5], [0.5, 0, 0], [0, 0, 0]], "no negative weights"),
    ("vertical_edge_filter", SOBEL_Y, "no response to a vertical edge"),
    ("vertical_edge_filter", [[0, 0, 1], [0, 0, 1], [0, 0, 1]], "not 0"),
    ("horizontal_edge_filter", SOBEL_X, "no response to a horizontal edge"),
    ("blur_filter", [[0.5, 0.5]], "should be 3×3, got 1×2"),
    ("blur_filter", [[1 / 9] * 3] * 2 + [[1 / 9] * 2], "ragged"),
    ("blur_filter", [[float("nan")] * 3] * 3, "infinite or NaN"),
    ("blur_filter", [[True] * 3] * 3, "2-D matrix of numbers"),
    ("blur_filter", [[[1 / 9]] * 3] * 3, "2-D matrix of numbers"),
    ("blur_filter", "box", "not a matrix"),
    ("blur_filter", None, "not a matrix"),
    ("blur_filter", [[1, "a", 1]] * 3, "not a matrix"),
    ("vertical_edge_filter", [], "2-D matrix"),
])
def test_filters_that_fall_short_are_named(name: str, value: Any, message: str) -> None:
    found = _filter(name, value)
    assert found is not None and message in found


def test_filter_descriptions_come_from_the_designed_filter_kind() -> None:
    assert PROPERTIES["blur_filter"].description == (
        "a filter with no negative weights; weights summing to 1; weight spread over several pixels")
    assert "zero response to a flat image" in PROPERTIES["vertical_edge_filter"].description


# --- names -----------------------------------------------------------------------------------------------


def test_unknown_property_names_get_a_did_you_mean() -> None:
    assert unknown_property_message("iou_symmetric") is None
    message = unknown_property_message("iou_symetric")
    assert message is not None and message.startswith("unknown property 'iou_symetric'; did you mean 'iou_symmetric'?")
    assert "blur_filter" in message


def test_properties_that_vary_arguments_need_them_in_the_signature() -> None:
    assert validate_properties(["iou_symmetric", "iou_in_unit_interval"], ["box_a", "box_b"]) == []
    assert validate_properties(["iou_symmetric"], ["box_a"]) == [
        "property 'iou_symmetric' calls the function with other values of ['box_b']: add them to `signature`"]
    assert len(validate_properties(["nope"], [])) == 1
