"""Cases for intersection over union: pairs of boxes that overlap, nest, touch, coincide or are disjoint."""

from __future__ import annotations

import random
from typing import Literal

from grader.code.generators.common import Case, Options, draw_cases, raises_not
from grader.solvers.detection import iou


class BoxOptions(Options):
    """``box_format``: "corners" (x1, y1, x2, y2; the argument is left out, the solver's default),
    "center" (cx, cy, w, h; every case says ``box_format: center``) or "both" (each case says which);
    ``floats``: some coordinates are multiples of 0.5."""

    box_format: Literal["corners", "center", "both"] = "corners"
    floats: bool = True


_CORNER_EDGES: list[tuple[list[float], list[float]]] = [
    ([0, 0, 2, 2], [1, 1, 3, 3]),  # partial overlap: 1/7
    ([0, 0, 4, 4], [0, 0, 4, 4]),  # identical: 1
    ([0, 0, 1, 1], [2, 2, 3, 3]),  # disjoint on both axes: 0 (an unclamped product of overlaps gives 1)
    ([0, 0, 2, 2], [2, 0, 4, 2]),  # touching along an edge: 0
    ([0, 0, 2, 2], [2, 2, 3, 3]),  # touching at a corner: 0
    ([0, 0, 10, 10], [2, 3, 5, 7]),  # one inside the other
    ([-3, -2, 1, 2], [-1, -4, 4, 0]),  # negative coordinates
    ([0, 0, 1, 10], [0, 5, 10, 6]),  # thin boxes crossing
    ([0, 0, 4, 2], [3, -1, 5, 1]),  # corners overlapping: 1/11
    ([0, 0, 1, 1], [5, 0, 6, 1]),  # disjoint in x, aligned in y
]


def iou_cases(rng: random.Random, count: int, options: BoxOptions) -> list[Case]:
    def case(box_a: list[float], box_b: list[float], center: bool) -> Case:
        found: Case = {"box_a": _center(box_a) if center else box_a, "box_b": _center(box_b) if center else box_b}
        if options.box_format != "corners":
            found["box_format"] = "center" if center else "corners"
        return found

    def draw(rng: random.Random) -> Case:
        return case(_box(rng, options.floats), _box(rng, options.floats), _is_center(rng, options))

    edges = [case(a, b, options.box_format == "center" or (options.box_format == "both" and index % 2 == 1))
             for index, (a, b) in enumerate(_CORNER_EDGES)]
    return draw_cases(rng, count, edges, draw, raises_not(iou))


def _is_center(rng: random.Random, options: BoxOptions) -> bool:
    return options.box_format == "center" or (options.box_format == "both" and rng.random() < 0.5)


def _box(rng: random.Random, floats: bool) -> list[float]:
    """Corners (x1, y1, x2, y2) with x2 > x1 and y2 > y1, within [-10, 20]: overlaps are common."""
    scale = 2 if floats and rng.random() < 0.5 else 1
    x1, y1 = rng.randint(-10 * scale, 12 * scale), rng.randint(-10 * scale, 12 * scale)
    w, h = rng.randint(1, 8 * scale), rng.randint(1, 8 * scale)
    return [_number(value, scale) for value in (x1, y1, x1 + w, y1 + h)]


def _number(value: int, scale: int) -> float | int:
    return value if scale == 1 else value / scale


def _center(box: list[float]) -> list[float]:
    """Corners to (cx, cy, w, h); with integer or half corners every value stays exact."""
    x1, y1, x2, y2 = box
    values = ((x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1)
    return [int(v) if float(v).is_integer() and all(isinstance(c, int) for c in box) else v for v in values]
