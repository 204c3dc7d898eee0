"""Worked matrices against F.conv2d / F.conv_transpose2d in float64 (one batch element, one channel)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.solvers import SOLVERS
from grader.solvers.numerics import conv2d_matrix, conv_transpose2d_matrix
from tests.helpers import scaled
from tests.solvers.oracle import assert_same

PROPERTY = settings(max_examples=scaled(300), deadline=None)

small_pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
small_paddings = st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)))


def matrices(entries: st.SearchStrategy, max_side: int) -> st.SearchStrategy[list[list]]:
    return st.integers(1, max_side).flatmap(
        lambda rows: st.lists(st.lists(entries, min_size=rows, max_size=rows), min_size=1, max_size=max_side)
    ).map(lambda transposed: [list(row) for row in zip(*transposed)])


int_matrices = lambda side: matrices(st.integers(-9, 9), side)  # noqa: E731
float_matrices = lambda side: matrices(st.floats(-10, 10, allow_nan=False, width=64), side)  # noqa: E731


def torch_2d(matrix: list[list]) -> torch.Tensor:
    return torch.tensor(matrix, dtype=torch.float64)[None, None]


def torch_or_none(call, *args, **kwargs) -> np.ndarray | None:
    try:
        return call(*args, **kwargs)[0, 0].numpy()
    except RuntimeError:
        return None


def ours_or_none(call, *args, **kwargs) -> np.ndarray | None:
    try:
        return call(*args, **kwargs)
    except ValueError:
        return None




@PROPERTY
@given(int_matrices(9), int_matrices(4), small_pairs, small_paddings, small_pairs, st.booleans())
def test_conv2d_matrix_matches_torch_exactly(x, w, stride, padding, dilation, flip) -> None:
    weight = torch_2d(w).flip(-1, -2) if flip else torch_2d(w)
    expected = torch_or_none(F.conv2d, torch_2d(x), weight, stride=stride, padding=padding, dilation=dilation)
    got = ours_or_none(conv2d_matrix, x, w, stride, padding, dilation, flip_kernel=flip)
    assert_same(got, expected, exact=True)


@PROPERTY
@given(float_matrices(7), float_matrices(3), small_pairs, small_paddings, small_pairs)
def test_conv2d_matrix_of_floats_matches_torch(x, w, stride, padding, dilation) -> None:
    expected = torch_or_none(F.conv2d, torch_2d(x), torch_2d(w), stride=stride, padding=padding, dilation=dilation)
    assert_same(ours_or_none(conv2d_matrix, x, w, stride, padding, dilation), expected, exact=False)


@PROPERTY
@given(int_matrices(6), int_matrices(4), small_pairs, small_paddings, small_pairs, st.booleans(), st.data())
def test_conv_transpose2d_matrix_matches_torch_exactly(x, w, stride, padding, dilation, flip, data) -> None:
    s_h, s_w = stride if isinstance(stride, tuple) else (stride, stride)
    d_h, d_w = dilation if isinstance(dilation, tuple) else (dilation, dilation)
    output_padding = (data.draw(st.integers(0, max(s_h, d_h) - 1)), data.draw(st.integers(0, max(s_w, d_w) - 1)))
    weight = torch_2d(w).flip(-1, -2) if flip else torch_2d(w)
    args = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    expected = torch_or_none(F.conv_transpose2d, torch_2d(x), weight, **args)
    assert_same(ours_or_none(conv_transpose2d_matrix, x, w, **args, flip_kernel=flip), expected, exact=True)


@PROPERTY
@given(float_matrices(5), float_matrices(3), small_pairs, small_paddings)
def test_conv_transpose2d_matrix_of_floats_matches_torch(x, w, stride, padding) -> None:
    expected = torch_or_none(F.conv_transpose2d, torch_2d(x), torch_2d(w), stride=stride, padding=padding)
    assert_same(ours_or_none(conv_transpose2d_matrix, x, w, stride, padding), expected, exact=False)


def test_integers_stay_exact_beyond_float64() -> None:
    big = 2**53 + 1  # not representable in float64
    assert conv2d_matrix([[big]], [[1]])[0, 0] == big
    assert conv_transpose2d_matrix([[big]], [[1]])[0, 0] == big


def test_one_float_entry_makes_the_result_float() -> None:
    assert conv2d_matrix([[1, 2], [3, 4]], [[1.0]]).dtype == np.float64
    assert conv2d_matrix([[1, 2], [3, 4]], [[1]]).dtype == np.int64


def test_ragged_and_empty_matrices_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"input is not a matrix: its rows have lengths \[1, 2\]"):
        conv2d_matrix([[1, 2], [3]], [[1]])
    with pytest.raises(ValueError, match="kernel is empty"):
        conv_transpose2d_matrix([[1]], [[]])


def test_kernel_larger_than_input_is_rejected() -> None:
    with pytest.raises(ValueError, match="the kernel spans"):
        SOLVERS["conv2d_matrix"](input=[[1, 2], [3, 4]], kernel=[[1, 2, 3]] * 3)


def test_booleans_are_not_numbers() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        SOLVERS["conv2d_matrix"](input=[[True, 2], [3, 4]], kernel=[[1]])
