"""Object detection: intersection over union of two boxes, and the output tensor of YOLO v1, v2 and v3.

Box formats (``box_format``): ``"corners"`` is (x1, y1, x2, y2), the top-left and bottom-right corners
(x2 > x1, y2 > y1); ``"center"`` is (cx, cy, w, h), the centre and the width and height (w, h > 0), as
YOLO predicts them. Coordinates are continuous: a box's area is w*h, not (w + 1)*(h + 1) pixels.

YOLO output depth per grid cell, with C classes and B boxes per cell (the papers' B: v1 B = 2, v2 B = 5
anchors, v3 B = 3 anchors per scale):

- YOLOv1 (Redmon et al. 2016, sec. 2): each box has (x, y, w, h, confidence) and the *cell* has one set of
  C class probabilities: depth = B*5 + C (S = 7, B = 2, C = 20 gives the paper's 7 x 7 x 30).
- YOLOv2 and YOLOv3 (anchor boxes): each box has (x, y, w, h, objectness) and its *own* C class scores:
  depth = B*(5 + C) (YOLOv3 on COCO: 3*(5 + 80) = 255 per scale, sec. 2.3 of the v3 paper).

No torch here: answers files import this module.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from grader.solvers.argtypes import Number, Positive, kind_of, tagged_union


def _strict_int(value: Any) -> Any:
    """Reject ``true`` and ``3.0`` before a ``Literal`` of integers would accept them as 1 and 3."""
    if kind_of(value) != "int":
        raise ValueError("Input should be an integer")
    return value


YoloVersion = Annotated[Literal[1, 2, 3], BeforeValidator(_strict_int)]
"""The YOLO version: 1, 2 or 3 (an integer, not ``"v3"``)."""

Box = tuple[Number, Number, Number, Number]
"""Four numbers: (x1, y1, x2, y2) for ``"corners"``, (cx, cy, w, h) for ``"center"``."""

BoxFormat = Literal["corners", "center"]

_GRID = {"int": "int", "list": "scales"}

Grids = tagged_union(
    lambda value: _GRID.get(kind_of(value) or ""),
    "Input should be a grid size or a list of grid sizes",
    int=Positive,
    scales=Annotated[list[Positive], Field(min_length=1)],
)
"""One grid size S, or a list of them (YOLOv3's scales: [13, 26, 52])."""

PAPER_BOXES_PER_CELL = {1: 2, 2: 5, 3: 3}
"""B in the papers: YOLOv1 2 boxes, YOLOv2 5 anchors (VOC), YOLOv3 3 anchors per scale."""

PAPER_GRIDS = {1: (7,), 2: (13,), 3: (13, 26, 52)}
"""S in the papers: 448 input for v1 (stride 64), 416 input for v2 and v3 (strides 32, 16, 8)."""


def box_corners(box: Box, box_format: BoxFormat = "corners") -> tuple[float, float, float, float]:
    """A box as corners (x1, y1, x2, y2); (cx, cy, w, h) becomes (cx - w/2, cy - h/2, cx + w/2, cy + h/2).

    Raises ``ValueError`` for a non-finite coordinate or a box of zero or negative width or height.
    """
    values = tuple(float(v) for v in box)
    if len(values) != 4:
        raise ValueError(f"a box has 4 numbers, got {len(values)}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"box coordinates must be finite, got {values}")
    if box_format == "center":
        cx, cy, w, h = values
        if w <= 0 or h <= 0:
            raise ValueError(f"box (cx, cy, w, h) = {values} must have w > 0 and h > 0")
        return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
    if box_format != "corners":
        raise ValueError(f"box_format must be 'corners' or 'center', got {box_format!r}")
    x1, y1, x2, y2 = values
    if x2 <= x1 or y2 <= y1:
        raise ValueError(f"box (x1, y1, x2, y2) = {values} must have x2 > x1 and y2 > y1")
    return (x1, y1, x2, y2)


def iou(box_a: Box, box_b: Box, box_format: BoxFormat = "corners") -> float:
    """Intersection over union of two boxes: |A ∩ B| / (|A| + |B| - |A ∩ B|), in [0, 1].

    A, B: the boxes, in ``box_format`` ("corners": x1, y1, x2, y2; "center": cx, cy, w, h). The
    intersection is max(0, min(x2) - max(x1)) * max(0, min(y2) - max(y1)): disjoint boxes, and boxes that
    only touch, give 0. Degenerate boxes (zero or negative width or height) raise ``ValueError``.
    """
    ax1, ay1, ax2, ay2 = box_corners(box_a, box_format)
    bx1, by1, bx2, by2 = box_corners(box_b, box_format)
    inter_w = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    inter_h = max(0.0, min(ay2, by2) - max(ay1, by1))
    intersection = inter_w * inter_h
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - intersection
    return min(1.0, max(0.0, intersection / union))


def yolo_depth(version: YoloVersion, num_classes: Positive, boxes_per_cell: Positive) -> int:
    """Channels per grid cell of a YOLO output: v1 B*5 + C; v2 and v3 B*(5 + C).

    C: num_classes, B: boxes_per_cell (the papers: v1 2, v2 5, v3 3 per scale). v1 predicts
    (x, y, w, h, confidence) per box and one set of C class probabilities per *cell*; v2 and v3 predict
    (x, y, w, h, objectness) and C class scores per *box* (anchor). 80 classes: v1 2*5 + 80 = 90,
    v3 3*(5 + 80) = 255.
    """
    if version == 1:
        return boxes_per_cell * 5 + num_classes
    if version in (2, 3):
        return boxes_per_cell * (5 + num_classes)
    raise ValueError(f"version must be 1, 2 or 3, got {version!r}")


def yolo_output_shape(
    version: YoloVersion,
    grid: Grids,
    num_classes: Positive,
    boxes_per_cell: Positive,
) -> tuple[int, int, int] | tuple[tuple[int, int, int], ...]:
    """The YOLO output tensor, channels last as in the papers: (S, S, depth) per scale.

    S: grid (cells per side), depth: ``yolo_depth`` (v1 B*5 + C, v2/v3 B*(5 + C)). The return follows
    ``grid``: one integer S gives one shape (S, S, depth); a list of grids (YOLOv3's three scales, e.g.
    [13, 26, 52] for a 416 input) gives a tuple of shapes, one per scale in the given order. v1 and v2
    predict at one scale only: a list of more than one grid raises ``ValueError`` for them. (A torch
    tensor holds the same numbers as (N, depth, S, S).)
    """
    depth = yolo_depth(version, num_classes, boxes_per_cell)
    if isinstance(grid, int):
        return (grid, grid, depth)
    grids = list(grid)
    if not grids:
        raise ValueError("grid must be a positive integer or a non-empty list of them")
    if version != 3 and len(grids) > 1:
        raise ValueError(f"YOLOv{version} predicts at one scale: give one grid size, got {grids}")
    return tuple((s, s, depth) for s in grids)


# distractors (common mistakes); same arguments as ``yolo_depth``


def yolo_depth_v1_style(version: YoloVersion, num_classes: Positive, boxes_per_cell: Positive) -> int:
    """Used v1's B*5 + C for every version (class scores per cell, not per box): v3 80 classes 95, not 255."""
    yolo_depth(version, num_classes, boxes_per_cell)
    return boxes_per_cell * 5 + num_classes


def yolo_depth_per_box_classes(version: YoloVersion, num_classes: Positive, boxes_per_cell: Positive) -> int:
    """Used v2/v3's B*(5 + C) for every version (class scores per box): v1 80 classes 170, not 90."""
    yolo_depth(version, num_classes, boxes_per_cell)
    return boxes_per_cell * (5 + num_classes)
