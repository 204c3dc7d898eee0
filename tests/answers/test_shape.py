"""Shape answers: separators, rank first, then each dimension in order."""

from __future__ import annotations

import numpy as np
import pytest

from grader.answers.base import FormatError, Reading
from grader.answers.shape import KIND, ShapeSpec

SPEC = ShapeSpec(kind="shape")
PARTIAL = ShapeSpec(kind="shape", partial=True)


def read(raw: object) -> tuple[int, ...]:
    reading = KIND.parse(raw, SPEC)
    assert isinstance(reading, Reading), reading
    return reading.value


def refused(raw: object) -> str:
    reading = KIND.parse(raw, SPEC)
    assert isinstance(reading, FormatError), reading
    return reading.message


@pytest.mark.parametrize("raw", [
    "(46, 62, 20)", "[46,62,20]", "46,62,20", "46x62x20", "46 x 62 x 20", "46X62X20", "46×62×20", "46 × 62 × 20",
    "46 by 62 by 20", "46 * 62 * 20", "46*62*20", "46 62 20", "torch.Size([46, 62, 20])", "( 46 , 62 , 20 )",
    ["46", "62", "20"], [46, 62, 20], [46.0, 62, "20"], "４６×６２×２０",
])
def test_accepted_forms(raw: object) -> None:
    reading = KIND.parse(raw, SPEC)
    assert isinstance(reading, Reading), reading
    assert reading.value == (46, 62, 20)
    assert reading.shown == "46 × 62 × 20"


def test_star_separates_dimensions_rather_than_multiplying() -> None:
    assert read("46 * 62") == (46, 62)


@pytest.mark.parametrize("raw, expected", [
    (46, (46,)), ("46", (46,)), ("(46,)", (46,)), ("[46]", (46,)), ("()", ()), ([], ()), ("0, 3", (0, 3)),
])
def test_ranks_zero_and_one(raw: object, expected: tuple[int, ...]) -> None:
    assert read(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("", "The answer is empty; write a shape such as `(46, 62, 20)`."),
    ("224/2, 3", "A dimension is a non-negative whole number; could not read `224/2` (write shapes like "
                 "`(46, 62, 20)`)."),
    ("-1, 3", "A dimension is a non-negative whole number; could not read `-1` (write shapes like "
              "`(46, 62, 20)`)."),
    ("4 096", "Could not read the dimension `096`: a dimension has no leading zero."),
    ([1.5, 2], "A dimension is a non-negative whole number; could not read `1.5`."),
    ([-2], "A dimension is a non-negative whole number; could not read `-2`."),
    ([1e300], "A dimension is a non-negative whole number; could not read `1e+300`."),
    ([[46, 62]], "Expected a shape such as `(46, 62, 20)`, got a list in the answer."),
    ([True], "Expected a shape such as `(46, 62, 20)`, got true in the answer."),
    (None, "Expected a shape such as `(46, 62, 20)`, got nothing in the answer."),
    ("((46, 62))", "Could not read `(46, 62)` as a shape: write one flat list such as `(46, 62, 20)`."),
    ("(46, 62", "Could not read `(46, 62` as a shape: a bracket is not closed."),
    ("46,,62", "Could not read `46,,62` as a shape: a dimension is missing."),
    ("2 by", "Could not read `2 by` as a shape: a dimension is missing."),
    ("H x W", "A dimension is a non-negative whole number; could not read `H` (write shapes like "
              "`(46, 62, 20)`)."),
])
def test_format_errors(raw: object, message: str) -> None:
    assert refused(raw) == message


def test_rank_is_checked_first() -> None:
    verdict = KIND.grade((46, 62), (46, 62, 20), SPEC)
    assert (verdict.score, verdict.note) == (0.0, "RANK")
    assert verdict.feedback == "Incorrect: expected a rank-3 shape, got rank 2."


def test_dimensions_exactly_in_order_all_or_nothing() -> None:
    assert KIND.grade((46, 62, 20), (46, 62, 20), SPEC).correct
    verdict = KIND.grade((46, 62, 21), (46, 62, 20), SPEC)
    assert (verdict.score, verdict.note, verdict.feedback) == (0.0, "WRONG", "Incorrect: dimension 3 of 3 is wrong.")


def test_partial_credit_when_the_part_opts_in() -> None:
    verdict = KIND.grade((46, 60, 21), (46, 62, 20), PARTIAL)
    assert verdict.score == pytest.approx(1 / 3) and verdict.note == "PARTIAL"
    assert verdict.feedback == "Partly correct: dimensions 2, 3 of 3 are wrong."
    assert KIND.grade((46, 62), (46, 62, 20), PARTIAL).score == 0.0


def test_wrong_order_is_named() -> None:
    verdict = KIND.grade((20, 46, 62), (46, 62, 20), SPEC)
    assert (verdict.score, verdict.note) == (0.0, "ORDER")
    assert "CHW vs HWC" in verdict.feedback


def test_expected_values() -> None:
    assert KIND.expected(np.zeros((2, 3)).shape, SPEC) == (2, 3)
    assert KIND.expected([np.int64(4), 5], SPEC) == (4, 5)
    assert KIND.expected(7, SPEC) == (7,)
    assert all(type(dim) is int for dim in KIND.expected((np.int32(2), 3), SPEC))
    for bad in ([-1], [1.5], [True], "46", None):
        with pytest.raises(ValueError):
            KIND.expected(bad, SPEC)


def test_show() -> None:
    assert KIND.show((46, 62, 20), SPEC) == "46 × 62 × 20"
    assert KIND.show((46,), SPEC) == "(46,)"
    assert KIND.show((), SPEC) == "()"
    for value in [(46, 62, 20), (46,), ()]:
        assert read(KIND.show(value, SPEC)) == value
    assert "(46, 62, 20)" in KIND.describe(SPEC)
