"""IoU against torch (vectorised box arithmetic; rasterised pixel masks for integer boxes); YOLO depths."""

from __future__ import annotations

import math
import subprocess
import sys

import pydantic
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.solvers.detection import (
    iou,
    yolo_depth,
    yolo_depth_per_box_classes,
    yolo_depth_v1_style,
    yolo_output_shape,
)
from grader.solvers.registry import solver
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(300), deadline=None)

IOU = solver(iou)
YOLO_DEPTH = solver(yolo_depth)
YOLO_SHAPE = solver(yolo_output_shape)

coords = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
sides = st.floats(1e-2, 1e3, allow_nan=False, allow_infinity=False)


@st.composite
def corner_boxes(draw: st.DrawFn) -> list[float]:
    x1, y1, w, h = draw(coords), draw(coords), draw(sides), draw(sides)
    return [x1, y1, x1 + w, y1 + h]


@st.composite
def center_boxes(draw: st.DrawFn) -> list[float]:
    return [draw(coords), draw(coords), draw(sides), draw(sides)]


@st.composite
def integer_boxes(draw: st.DrawFn, size: int = 24) -> list[int]:
    x1, y1 = draw(st.integers(0, size - 1)), draw(st.integers(0, size - 1))
    return [x1, y1, draw(st.integers(x1 + 1, size)), draw(st.integers(y1 + 1, size))]


def torch_iou_corners(a: list[float], b: list[float]) -> float:
    """Vectorised over the coordinate axes, in float64: prod(clamp(min(hi) - max(lo), 0))."""
    ta, tb = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    inter = (torch.minimum(ta[2:], tb[2:]) - torch.maximum(ta[:2], tb[:2])).clamp(min=0).prod()
    area_a, area_b = (ta[2:] - ta[:2]).prod(), (tb[2:] - tb[:2]).prod()
    return (inter / (area_a + area_b - inter)).item()


def torch_center_to_corners(box: list[float]) -> list[float]:
    t = torch.tensor(box, dtype=torch.float64)
    return torch.cat([t[:2] - t[2:] / 2, t[:2] + t[2:] / 2]).tolist()


def raster_iou(a: list[int], b: list[int], size: int = 24) -> float:
    """Count unit pixels [x, x+1) x [y, y+1) covered by each box: exact for integer boxes."""
    ys, xs = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")

    def mask(box: list[int]) -> torch.Tensor:
        x1, y1, x2, y2 = box
        return (xs >= x1) & (xs < x2) & (ys >= y1) & (ys < y2)

    ma, mb = mask(a), mask(b)
    return (ma & mb).sum().item() / (ma | mb).sum().item()


@PROPERTY
@given(corner_boxes(), corner_boxes())
def test_iou_matches_torch(a: list[float], b: list[float]) -> None:
    assert IOU(box_a=a, box_b=b) == pytest.approx(torch_iou_corners(a, b), rel=1e-9, abs=1e-12)


@PROPERTY
@given(integer_boxes(), integer_boxes())
def test_iou_of_integer_boxes_matches_rasterised_pixels(a: list[int], b: list[int]) -> None:
    assert IOU(box_a=a, box_b=b) == pytest.approx(raster_iou(a, b), rel=1e-12)


@PROPERTY
@given(center_boxes(), center_boxes())
def test_iou_center_format_matches_torch_conversion(a: list[float], b: list[float]) -> None:
    expected = torch_iou_corners(torch_center_to_corners(a), torch_center_to_corners(b))
    got = IOU(box_a=a, box_b=b, box_format="center")
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-9)


@PROPERTY
@given(corner_boxes(), corner_boxes())
def test_iou_properties(a: list[float], b: list[float]) -> None:
    value = iou(a, b)
    assert 0.0 <= value <= 1.0
    assert value == iou(b, a)
    assert iou(a, a) == 1.0


@PROPERTY
@given(integer_boxes(), integer_boxes(), st.integers(1, 1000), st.integers(-500, 500), st.integers(-500, 500))
def test_iou_is_scale_and_translation_invariant(a: list[int], b: list[int], k: int, dx: int, dy: int) -> None:
    def move(box: list[int]) -> list[int]:
        return [k * box[0] + dx, k * box[1] + dy, k * box[2] + dx, k * box[3] + dy]

    assert iou(move(a), move(b)) == pytest.approx(iou(a, b), rel=1e-12)


@PROPERTY
@given(corner_boxes(), sides)
def test_disjoint_and_touching_boxes_have_zero_iou(a: list[float], gap: float) -> None:
    right = [a[2] + gap, a[1], a[2] + gap + 1.0, a[3]]
    touching = [a[2], a[1], a[2] + 1.0, a[3]]
    assert iou(a, right) == 0.0
    assert iou(a, touching) == 0.0


def test_worked_examples() -> None:
    assert iou([0, 0, 2, 2], [1, 1, 3, 3]) == pytest.approx(1 / 7)
    assert iou([0, 0, 4, 4], [1, 1, 3, 3]) == pytest.approx(4 / 16)  # containment: the area ratio
    assert iou([1, 1, 2, 2], [2, 2, 2, 2], box_format="center") == pytest.approx(1 / 7)
    assert iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)


@pytest.mark.parametrize(
    ("box", "box_format"),
    [
        ([0, 0, 0, 1], "corners"),  # zero width
        ([0, 0, 1, 0], "corners"),
        ([2, 0, 1, 1], "corners"),  # x2 < x1
        ([0, 0, 0, 1], "center"),
        ([0, 0, 1, -1], "center"),
        ([0, 0, float("inf"), 1], "corners"),
        ([0, 0, float("nan"), 1], "corners"),
    ],
)
def test_degenerate_boxes_are_rejected(box: list[float], box_format: str) -> None:
    with pytest.raises(ValueError, match="box"):
        IOU(box_a=box, box_b=[0, 0, 1, 1], box_format=box_format)
    with pytest.raises(ValueError, match="box"):
        iou([0, 0, 1, 1], box, box_format)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "args",
    [
        {"box_a": [0, 0, 1], "box_b": [0, 0, 1, 1]},
        {"box_a": [0, 0, 1, 1, 1], "box_b": [0, 0, 1, 1]},
        {"box_a": [0, 0, "1", 1], "box_b": [0, 0, 1, 1]},
        {"box_a": [0, 0, True, 1], "box_b": [0, 0, 1, 1]},
        {"box_a": [0, 0, 1, 1], "box_b": [0, 0, 1, 1], "box_format": "xywh"},
        {"box_a": [0, 0, 1, 1]},
        {"box_a": [0, 0, 1, 1], "box_b": [0, 0, 1, 1], "format": "corners"},
    ],
)
def test_iou_arguments_are_validated(args: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        IOU.validate_args(args)


# YOLO


def torch_yolo_depth(version: int, num_classes: int, boxes: int) -> int:
    """Assemble one cell's prediction as the papers lay it out, on the meta device, and read its size."""
    if version == 1:
        per_box = torch.empty(boxes, 5, device="meta")  # x, y, w, h, confidence
        per_cell = torch.empty(num_classes, device="meta")  # one class distribution per cell
        return torch.cat([per_box.flatten(), per_cell]).shape[0]
    per_anchor = torch.empty(boxes, 5 + num_classes, device="meta")  # x, y, w, h, objectness, classes
    return per_anchor.flatten().shape[0]


@PROPERTY
@given(st.sampled_from([1, 2, 3]), st.integers(1, 1000), st.integers(1, 16))
def test_yolo_depth_matches_layout(version: int, num_classes: int, boxes: int) -> None:
    args = {"version": version, "num_classes": num_classes, "boxes_per_cell": boxes}
    assert YOLO_DEPTH(**args) == torch_yolo_depth(version, num_classes, boxes)


def test_yolo_paper_values() -> None:
    assert yolo_output_shape(1, 7, 20, 2) == (7, 7, 30)  # YOLOv1 on VOC
    assert yolo_output_shape(2, 13, 20, 5) == (13, 13, 125)  # YOLOv2 on VOC
    assert yolo_output_shape(3, [13, 26, 52], 80, 3) == ((13, 13, 255), (26, 26, 255), (52, 52, 255))
    assert yolo_depth(1, 80, 2) == 90  # the homework: 80 classes
    assert yolo_depth(3, 80, 3) == 255


@PROPERTY
@given(st.sampled_from([1, 2, 3]), st.integers(1, 100), st.integers(1, 300), st.integers(1, 9))
def test_yolo_output_shape_follows_grid_kind(version: int, grid: int, num_classes: int, boxes: int) -> None:
    depth = yolo_depth(version, num_classes, boxes)
    args = {"version": version, "num_classes": num_classes, "boxes_per_cell": boxes}
    assert YOLO_SHAPE(grid=grid, **args) == (grid, grid, depth)
    assert YOLO_SHAPE(grid=[grid], **args) == ((grid, grid, depth),)
    if version == 3:
        assert YOLO_SHAPE(grid=[grid, 2 * grid, 4 * grid], **args) == tuple(
            (s, s, depth) for s in (grid, 2 * grid, 4 * grid)
        )
    else:
        with pytest.raises(ValueError, match="one scale"):
            YOLO_SHAPE(grid=[grid, 2 * grid], **args)


@pytest.mark.parametrize(
    "args",
    [
        {"version": 4, "num_classes": 80, "boxes_per_cell": 3},
        {"version": True, "num_classes": 80, "boxes_per_cell": 3},
        {"version": 3.0, "num_classes": 80, "boxes_per_cell": 3},
        {"version": "3", "num_classes": 80, "boxes_per_cell": 3},
        {"version": 3, "num_classes": 0, "boxes_per_cell": 3},
        {"version": 3, "num_classes": 80, "boxes_per_cell": 0},
        {"version": 3, "num_classes": 80.0, "boxes_per_cell": 3},
        {"version": 3, "num_classes": 80},
        {"version": 3, "num_classes": 80, "boxes_per_cell": 3, "anchors": 3},
    ],
)
def test_yolo_depth_arguments_are_validated(args: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        YOLO_DEPTH.validate_args(args)


@pytest.mark.parametrize("grid", [0, [], [13, 0], "13", 13.0, [13.0], True])
def test_yolo_output_shape_grid_is_validated(grid: object) -> None:
    with pytest.raises(pydantic.ValidationError):
        YOLO_SHAPE.validate_args({"version": 3, "grid": grid, "num_classes": 80, "boxes_per_cell": 3})


@PROPERTY
@given(st.sampled_from([1, 2, 3]), st.integers(1, 1000), st.integers(1, 16))
def test_yolo_distractors(version: int, num_classes: int, boxes: int) -> None:
    correct = yolo_depth(version, num_classes, boxes)
    args = {"version": version, "num_classes": num_classes, "boxes_per_cell": boxes}
    v1_style = solver(yolo_depth_v1_style)(**args)
    per_box = solver(yolo_depth_per_box_classes)(**args)
    assert (v1_style == correct) == (version == 1 or boxes == 1)
    assert (per_box == correct) == (version != 1 or boxes == 1)
    assert {v1_style, per_box} == {boxes * 5 + num_classes, boxes * (5 + num_classes)}


def test_yolo_distractors_on_the_homework() -> None:
    assert yolo_depth_v1_style(3, 80, 3) == 95
    assert yolo_depth_per_box_classes(1, 80, 2) == 170


def test_solver_modules_do_not_import_torch() -> None:
    code = "import sys, grader.solvers.detection, grader.solvers.memory; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_iou_is_float_and_counts_are_ints() -> None:
    assert isinstance(iou([0, 0, 1, 1], [0, 0, 1, 1]), float)
    assert type(yolo_depth(3, 80, 3)) is int
    assert all(type(n) is int for shape in yolo_output_shape(3, [13, 26], 80, 3) for n in shape)
    assert not math.isnan(iou([0, 0, 1e-2, 1e-2], [5e-3, 5e-3, 1, 1]))
