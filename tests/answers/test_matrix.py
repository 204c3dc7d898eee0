"""Matrix answers: Python, numpy, MATLAB and line forms; shape first; transposed and flipped named."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from grader.answers.base import FormatError, Reading
from grader.answers.matrix import KIND, MatrixSpec, flip, transpose

SPEC = MatrixSpec(kind="matrix")
PARTIAL = MatrixSpec(kind="matrix", partial=True)
EXPECTED = ((1, 0), (-1, 4))


def read(raw: object) -> tuple:
    reading = KIND.parse(raw, SPEC)
    assert isinstance(reading, Reading), reading
    return reading.value


def refused(raw: object) -> str:
    reading = KIND.parse(raw, SPEC)
    assert isinstance(reading, FormatError), reading
    return reading.message


@pytest.mark.parametrize("raw", [
    "[[1,0],[-1,4]]", "[[1, 0], [-1, 4]]", "[[1, 0],\n [-1, 4]]", "[[ 1  0]\n [-1  4]]", "array([[1, 0], [-1, 4]])",
    "np.array([[1, 0], [-1, 4]])", "[1 0; -1 4]", "[1, 0; -1, 4]", "[1 0\n -1 4]", "[1, 0\n -1, 4]", "1 0\n-1 4",
    "1 0; -1 4", "1, 0\n-1, 4", "1 0\r\n-1 4\r\n", "[[1, 0], [\u22121, 4]]", "[[2/2, 0], [-1, 2^2]]",
    "[[1.0, 0], [-1, 4e0]]",
    [["1", "0"], ["-1", "4"]], [[1, 0], [-1, 4]], [[1.0, "0"], [-1, " 4 "]], "[[1,0],[-1,4],]",
])
def test_accepted_forms(raw: object) -> None:
    reading = KIND.parse(raw, SPEC)
    assert isinstance(reading, Reading), reading
    assert reading.value == EXPECTED
    assert reading.shown == "[[1, 0], [-1, 4]]"
    assert all(type(entry) is int for row in reading.value for entry in row)


@pytest.mark.parametrize("raw, expected", [
    ("[1, 2, 3]", (1, 2, 3)), ("[1 2 3]", (1, 2, 3)), ("1 2 3", (1, 2, 3)), ([1, 2, 3], (1, 2, 3)),
    ("[1; 2; 3]", ((1,), (2,), (3,))), ("[1,\n 2,\n 3]", (1, 2, 3)), (5, (5,)),
    ("[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]", (((1, 2), (3, 4)), ((5, 6), (7, 8)))),
    ("[[max(1, 2), 0]]", ((2, 0),)),
])
def test_rank_is_kept_as_written(raw: object, expected: tuple) -> None:
    assert read(raw) == expected


def test_entries_are_exact() -> None:
    assert read("[1/2, 1/3, 0.1]") == (Fraction(1, 2), Fraction(1, 3), Fraction(1, 10))
    assert read([0.1, "1/3"]) == (Fraction(1, 10), Fraction(1, 3))
    assert KIND.parse("[1/2, 1/3]", SPEC).shown == "[0.5, 1/3]"


@pytest.mark.parametrize("raw, message", [
    ("[[1, 2], [3]]", "Could not read `[[1, 2], [3]]` as a matrix: the rows have different lengths (2 and 1)."),
    ("[1 2; 3]", "Could not read `[1 2; 3]` as a matrix: the rows have different lengths (2 and 1)."),
    ("1 2\n3", "Could not read `1 2 3` as a matrix: the rows have different lengths (2 and 1)."),
    ([[1, 2], [3]], "Could not read `[[1, 2], [3]]` as a matrix: the rows have different lengths (2 and 1)."),
    ([["1", "2"], ["3"]], "Could not read `[[1, 2], [3]]` as a matrix: the rows have different lengths (2 and 1)."),
    ([[1], [[2]]], "Could not read `[[1], [[2]]]` as a matrix: the rows are nested to different depths."),
    ([[1], 2], "Could not read `[[1], 2]` as a matrix: it mixes numbers and lists at the same level."),
    ("[[1, 2]", "Could not read `[[1, 2]` as a matrix: a bracket is not closed."),
    ("[1, 2]]", "Could not read `[1, 2]]` as a matrix: unexpected text after the closing bracket: `]`."),
    ("[1, [2]]", "Could not read `[1, [2]]` as a matrix: a row mixes numbers and brackets."),
    ("[1,,2]", "Could not read `[1,,2]` as a matrix: an entry is empty (two commas in a row?)."),
    ("", "The answer is empty; expected a matrix such as `[[1, 0], [-1, 4]]`."),
    ("[]]", "Could not read `[]]` as a matrix: unexpected text after the closing bracket: `]`."),
    ("[[1, x]]", "Could not read `[[1, x]]` as a matrix: the entry `x` is not a number (unknown name 'x': only "
                 "numbers and + - * / ^ ( ) are allowed here)."),
    ([[True, 0]], "Could not read `[[true, 0]]` as a matrix: an entry is true, not a number."),
    ([None], "Could not read `[null]` as a matrix: an entry is nothing, not a number."),
    ([float("nan")], "Could not read `[nan]` as a matrix: the entry `nan` is not a finite number."),
    ({"a": 1}, "Could not read `{a: 1}` as a matrix: an entry is a mapping (key: value), not a number."),
    ([[[[[[[[1]]]]]]]], "Could not read `[[[[[[[[1]]]]]]]]` as a matrix: it is nested more than 6 levels deep."),
])
def test_format_errors(raw: object, message: str) -> None:
    assert refused(raw) == message


def test_size_is_capped() -> None:
    assert "more than 4096 entries" in refused([0] * 5000)
    assert "more than 4096 entries" in refused("[" + "1 " * 5000 + "]")
    assert "longer than" in refused("[" + "1," * 20_000 + "]")


def test_shape_first() -> None:
    verdict = KIND.grade(((1, 0, 0), (-1, 4, 0)), EXPECTED, SPEC)
    assert (verdict.score, verdict.note, verdict.feedback) == (0.0, "SHAPE", "Incorrect: expected 2×2, got 2×3.")
    verdict = KIND.grade((1, 0, -1, 4), EXPECTED, SPEC)
    assert verdict.feedback == "Incorrect: expected 2×2, got a vector of length 4."


def test_exact_entries_all_or_nothing() -> None:
    assert KIND.grade(EXPECTED, EXPECTED, SPEC).correct
    verdict = KIND.grade(((1, 0), (-1, 5)), EXPECTED, SPEC)
    assert (verdict.score, verdict.note, verdict.feedback) == (0.0, "WRONG", "Incorrect: 1 of 4 entries is wrong.")
    assert KIND.grade(((Fraction(1, 2),),), ((0.5,),), SPEC).correct


def test_per_entry_credit_when_the_part_opts_in() -> None:
    verdict = KIND.grade(((1, 0), (-2, 5)), EXPECTED, PARTIAL)
    assert (verdict.score, verdict.note) == (0.5, "PARTIAL")
    assert verdict.feedback == "Partly correct: 2 of 4 entries are right."


def test_tolerance_per_entry() -> None:
    spec = MatrixSpec(kind="matrix", rtol=0.01)
    assert KIND.grade(((1.005, 0), (-1, 4.03)), EXPECTED, spec).correct
    assert not KIND.grade(((1.02, 0), (-1, 4)), EXPECTED, spec).correct
    spec = MatrixSpec(kind="matrix", atol=0.01)
    assert KIND.grade(((1, 0.005), (-1, 4)), EXPECTED, spec).correct


def test_float_references_are_not_compared_bit_for_bit() -> None:
    reference = KIND.expected(np.array([[1 / 3, 2 / 3]]), SPEC)
    assert KIND.grade(read("[[1/3, 2/3]]"), reference, SPEC).correct
    assert not KIND.grade(read("[[0.333, 0.667]]"), reference, SPEC).correct


def test_transposed_is_named_for_square_and_rectangular_matrices() -> None:
    reference = ((1, 2), (3, 4))
    verdict = KIND.grade(((1, 3), (2, 4)), reference, SPEC)
    assert (verdict.score, verdict.note) == (0.0, "TRANSPOSED")
    assert "transpose" in verdict.feedback
    verdict = KIND.grade(((1, 4), (2, 5), (3, 6)), ((1, 2, 3), (4, 5, 6)), SPEC)
    assert verdict.note == "TRANSPOSED"


def test_flipped_kernel_is_named() -> None:
    reference = ((1, 2, 3), (4, 5, 6), (7, 8, 10))
    verdict = KIND.grade(flip(reference), reference, SPEC)
    assert (verdict.score, verdict.note) == (0.0, "FLIPPED")
    assert "convolution instead of cross-correlation" in verdict.feedback
    assert KIND.grade((3, 2, 1), (1, 2, 3), SPEC).note == "FLIPPED"


def test_named_mistakes_keep_partial_credit() -> None:
    reference = ((1, 2), (3, 4))
    verdict = KIND.grade(((1, 3), (2, 4)), reference, PARTIAL)
    assert (verdict.score, verdict.note) == (0.5, "TRANSPOSED")


def test_named_mistakes_never_fire_on_a_correct_answer() -> None:
    symmetric = ((1, 2), (2, 1))
    assert transpose(symmetric) == symmetric and flip(symmetric) == symmetric
    assert KIND.grade(symmetric, symmetric, SPEC).note == "CORRECT"


def test_expected_values() -> None:
    value = KIND.expected(np.array([[1, 0], [-1, 4]]), SPEC)
    assert value == EXPECTED and all(type(entry) is int for row in value for entry in row)
    assert KIND.expected([[0.5, 1]], SPEC) == ((0.5, 1),)
    assert KIND.expected([[Fraction(1, 2), Fraction(2, 1)]], SPEC) == ((Fraction(1, 2), 2),)
    assert hash(value) == hash(EXPECTED)
    for bad in ([[1, 2], [3]], np.array(3), [[]], "[[1]]", [[True]], [[float("inf")]]):
        with pytest.raises(ValueError):
            KIND.expected(bad, SPEC)


def test_show_reads_back() -> None:
    for value in [EXPECTED, (Fraction(1, 3), Fraction(1, 2)), (((1, 2), (3, 4)),)]:
        assert read(KIND.show(value, SPEC)) == value
    assert "[1 0; -1 4]" in KIND.describe(SPEC)


def test_unquoted_matlab_matrix_in_yaml_flow_syntax() -> None:
    from grader.answers.matrix import KIND as MATRIX, MatrixSpec

    spec = MatrixSpec(kind="matrix")
    for raw in (["1 0; -1 4"], ["1", "0; -1", "4"], ["1 0 ; -1 4"]):
        reading = MATRIX.parse(raw, spec)
        assert reading.value == ((1, 0), (-1, 4)), raw


def test_a_flat_list_is_accepted_for_a_one_row_matrix() -> None:
    from grader.answers.matrix import KIND as MATRIX, MatrixSpec

    spec = MatrixSpec(kind="matrix")
    reference = MATRIX.expected([[1, 4]], spec)
    for raw in ("[1 4]", "[1, 4]", ["1", "4"]):
        reading = MATRIX.parse(raw, spec)
        assert MATRIX.grade(reading.value, reference, spec).correct, raw
    column = MATRIX.expected([[1], [4]], spec)
    assert not MATRIX.grade(MATRIX.parse("[1, 4]", spec).value, column, spec).correct
    single = MATRIX.expected([[20]], spec)
    assert MATRIX.grade(MATRIX.parse("[20]", spec).value, single, spec).correct
