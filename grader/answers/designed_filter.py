"""A filter the student designs (a blur, an edge detector): no single right answer, so it is judged by the
properties its purpose requires. The reference value is the list of property names (from a solver);
the score is the fraction of properties the student's filter has.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Callable, Literal

from grader.answers import matrix
from grader.answers.base import CORRECT, PARTIAL, WRONG, FormatError, Kind, Reading, SpecModel, Verdict

TOLERANCE = 1e-6


class DesignedFilterSpec(SpecModel):
    kind: Literal["designed_filter"]
    size: tuple[int, int] | None = None


Grid = list[list[float]]
Check = Callable[[Grid], "str | None"]  # None when the property holds, else what is wrong


def _entries(grid: Grid) -> list[float]:
    return [value for row in grid for value in row]


def _nonnegative(grid: Grid) -> str | None:
    return None if min(_entries(grid)) >= 0 else "a blur filter has no negative weights"


def _sums_to_one(grid: Grid) -> str | None:
    total = sum(_entries(grid))
    if abs(total - 1) <= TOLERANCE:
        return None
    return f"its weights sum to {total:g}, not 1 (the image would get {'brighter' if total > 1 else 'darker'})"


def _spreads(grid: Grid) -> str | None:
    weighted = sum(1 for value in _entries(grid) if abs(value) > TOLERANCE)
    return None if weighted >= 2 else "all the weight sits on one pixel: it copies the image instead of blurring it"


def _sums_to_zero(grid: Grid) -> str | None:
    total = sum(_entries(grid))
    if abs(total) <= TOLERANCE:
        return None
    return f"a flat (constant) image gives a response of {total:g}·value, not 0: the weights must sum to 0"


def _edge_response(grid: Grid, *, vertical: bool) -> float:
    """|Σ w·E| where E is a step edge through the middle of the window (left/right halves, or top/bottom)."""
    rows, columns = len(grid), len(grid[0])
    total = 0.0
    for i, row in enumerate(grid):
        for j, weight in enumerate(row):
            position, extent = (j, columns) if vertical else (i, rows)
            total += weight * (1.0 if 2 * position >= extent else 0.0)
    return abs(total)


def _detects(vertical: bool) -> Check:
    def check(grid: Grid) -> str | None:
        wanted, other = _edge_response(grid, vertical=vertical), _edge_response(grid, vertical=not vertical)
        name, other_name = ("vertical", "horizontal") if vertical else ("horizontal", "vertical")
        if wanted <= TOLERANCE:
            return f"it gives no response to a {name} edge"
        if other > 0.25 * wanted:
            return f"it responds to a {other_name} edge almost as strongly as to a {name} one"
        return None

    return check


PROPERTIES: dict[str, tuple[str, Check]] = {
    "nonnegative": ("no negative weights", _nonnegative),
    "sums_to_one": ("weights summing to 1", _sums_to_one),
    "spreads": ("weight spread over several pixels", _spreads),
    "sums_to_zero": ("zero response to a flat image", _sums_to_zero),
    "detects_vertical_edges": ("a strong response to vertical edges and a weak one to horizontal edges",
                               _detects(vertical=True)),
    "detects_horizontal_edges": ("a strong response to horizontal edges and a weak one to vertical edges",
                                 _detects(vertical=False)),
}


def parse(raw: Any, spec: DesignedFilterSpec) -> Reading | FormatError:
    reading = matrix.parse(raw, matrix.MatrixSpec(kind="matrix"))
    if isinstance(reading, FormatError):
        return reading
    shape = matrix.shape_of(reading.value)
    if len(shape) != 2:
        return FormatError(f"Expected a 2-D filter such as `[[1, 2, 1], [2, 4, 2], [1, 2, 1]]`, got a "
                           f"{matrix.show_shape(shape)} array.")
    return reading


def expected(value: Any, spec: DesignedFilterSpec) -> tuple[str, ...]:
    names = tuple(value)
    unknown = [name for name in names if name not in PROPERTIES]
    if not names or unknown:
        raise ValueError(f"unknown filter properties {unknown}; known: {sorted(PROPERTIES)}")
    return names


def grade(value: Any, properties: tuple[str, ...], spec: DesignedFilterSpec) -> Verdict:
    shape = matrix.shape_of(value)
    if spec.size is not None and shape != tuple(spec.size):
        wanted = matrix.show_shape(tuple(spec.size))
        return Verdict(score=0.0, note="SHAPE",
                       feedback=f"Incorrect: the filter should be {wanted}, got {matrix.show_shape(shape)}.")
    grid = [[float(entry) for entry in row] for row in value]
    problems = [message for name in properties if (message := PROPERTIES[name][1](grid)) is not None]
    if not problems:
        return Verdict(score=1.0, feedback="Correct: your filter has every property it needs.", note=CORRECT)
    score = 1 - len(problems) / len(properties)
    feedback = "Your filter falls short: " + "; ".join(problems) + "."
    return Verdict(score=score, feedback=feedback, note=PARTIAL if score > 0 else WRONG)


def show(properties: tuple[str, ...], spec: DesignedFilterSpec) -> str:
    """One filter with every property (keys show it as a model answer; it reads back as correct)."""
    return matrix.show_tensor(example_filter(properties, spec.size or (3, 3)))


def example_filter(properties: tuple[str, ...], size: tuple[int, int]) -> tuple[tuple[Fraction, ...], ...]:
    """A box blur, or a step filter (−1 on one half, +1 on the other, 0 on an odd middle line)."""
    rows, columns = size
    if "sums_to_one" in properties:
        return tuple(tuple(Fraction(1, rows * columns) for _ in range(columns)) for _ in range(rows))
    vertical = "detects_vertical_edges" in properties
    extent = columns if vertical else rows

    def step(position: int) -> Fraction:
        middle = Fraction(extent - 1, 2)
        return Fraction(0) if position == middle else Fraction(1 if position > middle else -1)

    return tuple(tuple(step(j if vertical else i) for j in range(columns)) for i in range(rows))


def properties_text(properties: tuple[str, ...]) -> str:
    return "; ".join(PROPERTIES[name][0] for name in properties)


def describe(spec: DesignedFilterSpec) -> str:
    size = f"A {matrix.show_shape(tuple(spec.size))} matrix" if spec.size else "A matrix"
    return (f"{size} of filter weights, e.g. `[[1, 0, -1], [2, 0, -2], [1, 0, -1]]` or `[1 0 -1; 2 0 -2; 1 0 -1]`;"
            " entries may be fractions such as 1/16.")


def example(properties: tuple[str, ...], spec: DesignedFilterSpec) -> tuple[tuple[Fraction, ...], ...]:
    return example_filter(properties, spec.size or (3, 3))


KIND = Kind(name="designed_filter", spec_model=DesignedFilterSpec, parse=parse, expected=expected, grade=grade,
            show=show, describe=describe, example=example)
