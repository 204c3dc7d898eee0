"""Filter recovery against torch: integer filters and signals through F.conv1d/F.conv2d (float64), recovered
exactly; inconsistent and rank-deficient systems classified by numpy ranks and rejected."""

from __future__ import annotations


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from grader.solvers.recovery import recover_filter_1d, recover_filter_2d
from grader.solvers.registry import solver
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(300), deadline=None)

RECOVER_1D = solver(recover_filter_1d)
RECOVER_2D = solver(recover_filter_2d)

values = st.integers(-5, 5)


def conv1d(signal: list[int], kernel: list[int], stride: int = 1, padding: int = 0) -> list[int]:
    x = torch.tensor(signal, dtype=torch.float64).view(1, 1, -1)
    w = torch.tensor(kernel, dtype=torch.float64).view(1, 1, -1)
    y = F.conv1d(x, w, stride=stride, padding=padding).view(-1)
    return [int(v) for v in y.tolist()]


def system_1d(signal: list[int], k: int, m: int, stride: int, padding: int) -> np.ndarray:
    x = np.pad(np.array(signal, dtype=np.float64), padding)
    return np.array([[x[stride * i + j] for j in range(k)] for i in range(m)])


def test_homework_004_q3b() -> None:
    """[1, 4, 0, -2, 3] convolved with a length-3 filter gives [-2, 2, 11]: the filter is [2, -1, 3]."""
    w = RECOVER_1D(signal=[1, 4, 0, -2, 3], output=[-2, 2, 11])
    assert w.dtype == np.int64 and w.tolist() == [2, -1, 3]
    assert conv1d([1, 4, 0, -2, 3], [2, -1, 3]) == [-2, 2, 11]
    assert RECOVER_1D(signal=[1, 4, 0, -2, 3], output=[-2, 2, 11], kernel_size=3).tolist() == [2, -1, 3]
    assert RECOVER_1D(signal=[1, 4, 0, -2, 3], output=[-2, 2, 11], method="least_squares").tolist() == [2, -1, 3]


@st.composite
def problems_1d(draw: st.DrawFn) -> tuple[list[int], list[int], int, int]:
    k = draw(st.integers(1, 5))
    stride = draw(st.sampled_from([1, 1, 1, 2, 3]))
    padding = draw(st.sampled_from([0, 0, 0, 1, 2]))
    n = draw(st.integers(max(1, k - 2 * padding), 14))
    return draw(st.lists(values, min_size=n, max_size=n)), draw(st.lists(values, min_size=k, max_size=k)), stride, padding


@PROPERTY
@given(problems_1d())
def test_recovers_torch_filters_exactly_or_says_why_not(problem: tuple[list[int], list[int], int, int]) -> None:
    signal, kernel, stride, padding = problem
    output = conv1d(signal, kernel, stride, padding)
    k = len(kernel)
    rank = np.linalg.matrix_rank(system_1d(signal, k, len(output), stride, padding))
    args = {"signal": signal, "output": output, "kernel_size": k, "stride": stride, "padding": padding}
    if rank < k:
        with pytest.raises(ValueError, match=f"not unique.*{k - rank} degrees? of freedom"):
            RECOVER_1D(**args)
        return
    w = RECOVER_1D(**args)
    assert w.dtype == np.int64 and w.tolist() == kernel
    if stride == 1:  # the size is inferred
        del args["kernel_size"]
        assert RECOVER_1D(**args).tolist() == kernel
    assert RECOVER_1D(**args, method="least_squares").tolist() == kernel


@PROPERTY
@given(problems_1d(), st.lists(st.integers(-3, 3), min_size=1, max_size=20))
def test_arbitrary_outputs_are_classified_by_rank(
    problem: tuple[list[int], list[int], int, int], noise: list[int]
) -> None:
    """Any output: inconsistent (rank [A|y] > rank A), non-unique (rank A < k), or the unique exact solution."""
    signal, kernel, stride, padding = problem
    output = conv1d(signal, kernel, stride, padding)
    output = [v + noise[i % len(noise)] for i, v in enumerate(output)]
    k = len(kernel)
    a = system_1d(signal, k, len(output), stride, padding)
    y = np.array(output, dtype=np.float64)
    rank, augmented = np.linalg.matrix_rank(a), np.linalg.matrix_rank(np.column_stack([a, y]))
    args = {"signal": signal, "output": output, "kernel_size": k, "stride": stride, "padding": padding}
    if augmented > rank:
        with pytest.raises(ValueError, match=f"no filter of size {k} produces this output"):
            RECOVER_1D(**args)
    elif rank < k:
        with pytest.raises(ValueError, match="not unique"):
            RECOVER_1D(**args)
    else:
        w = RECOVER_1D(**args)
        np.testing.assert_allclose(a @ w, y, atol=1e-9)
    least = RECOVER_1D(**args, method="least_squares")
    expected = np.linalg.lstsq(a, y, rcond=None)[0]  # the minimum-norm least-squares solution
    np.testing.assert_allclose(least, expected, atol=1e-8)


def test_fractional_filters_are_exact_rationals() -> None:
    w = RECOVER_1D(signal=[2, 4, 6, 2], output=[1, 2, 3])  # k = 2: 2a + 4b = 1, 4a + 6b = 2, 6a + 2b = 3
    assert w.dtype == np.float64 and w.tolist() == [0.5, 0.0]
    assert RECOVER_1D(signal=[0.1, 0.2, 0.5], output=[0.5, 1.2], kernel_size=2).tolist() == [1, 2]  # decimals exact


def test_messages() -> None:
    with pytest.raises(ValueError, match="no filter of size 3 produces this output"):
        RECOVER_1D(signal=[1, 1, 1, 1, 1], output=[1, 2, 3])
    with pytest.raises(ValueError, match="rank 1 but the filter has 3 entries, so 2 degrees of freedom are free"):
        RECOVER_1D(signal=[1, 1, 1, 1, 1], output=[3, 3, 3])
    with pytest.raises(ValueError, match="1 degree of freedom is free"):
        RECOVER_1D(signal=[1, 2, 3, 4], output=[1, 2], kernel_size=3)
    with pytest.raises(ValueError, match="cannot be inferred"):
        RECOVER_1D(signal=[1, 2, 3, 4, 5], output=[1, 2], stride=2)
    with pytest.raises(ValueError, match="longer than its input"):
        RECOVER_1D(signal=[1, 2], output=[1, 2, 3])
    with pytest.raises(ValueError, match="into 3 outputs, not 2"):
        RECOVER_1D(signal=[1, 2, 3, 4, 5], output=[1, 2], kernel_size=3)
    with pytest.raises(ValidationError):
        RECOVER_1D(signal=[1, 2, 3], output=[1], method="pinv")
    with pytest.raises(ValidationError):
        RECOVER_1D(signal=["1", 2, 3], output=[1])
    assert RECOVER_1D(signal=[1, 1, 1, 1, 1], output=[3, 3, 3], method="least_squares").tolist() == [1, 1, 1]
    assert RECOVER_1D(signal=[0, 0, 0], output=[1], method="least_squares").tolist() == [0, 0, 0]


@st.composite
def problems_2d(draw: st.DrawFn) -> tuple[list[list[int]], list[list[int]], int, int]:
    k_h, k_w = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.sampled_from([1, 1, 2]))
    padding = draw(st.sampled_from([0, 0, 1]))
    h, w = draw(st.integers(max(1, k_h - 2 * padding), 6)), draw(st.integers(max(1, k_w - 2 * padding), 6))
    x = draw(st.lists(st.lists(values, min_size=w, max_size=w), min_size=h, max_size=h))
    kernel = draw(st.lists(st.lists(values, min_size=k_w, max_size=k_w), min_size=k_h, max_size=k_h))
    return x, kernel, stride, padding


@settings(max_examples=scaled(200), deadline=None)
@given(problems_2d())
def test_recovers_2d_torch_filters(problem: tuple[list[list[int]], list[list[int]], int, int]) -> None:
    x, kernel, stride, padding = problem
    y = F.conv2d(
        torch.tensor(x, dtype=torch.float64)[None, None], torch.tensor(kernel, dtype=torch.float64)[None, None],
        stride=stride, padding=padding,
    )[0, 0]
    output = [[int(v) for v in row] for row in y.tolist()]
    k_h, k_w = len(kernel), len(kernel[0])
    x_pad = np.pad(np.array(x, dtype=np.float64), padding)
    a = np.array([
        [x_pad[stride * i + p, stride * j + q] for p in range(k_h) for q in range(k_w)]
        for i in range(len(output)) for j in range(len(output[0]))
    ])
    rank = np.linalg.matrix_rank(a)
    args = {"input": x, "output": output, "kernel_size": [k_h, k_w], "stride": stride, "padding": padding}
    if rank < k_h * k_w:
        with pytest.raises(ValueError, match=f"not unique.*{k_h * k_w - rank} degrees? of freedom"):
            RECOVER_2D(**args)
        return
    assert RECOVER_2D(**args).tolist() == kernel
    if stride == 1:
        del args["kernel_size"]
        assert RECOVER_2D(**args).tolist() == kernel


def test_2d_worked_example() -> None:
    x = [[1, 0, 2], [3, 1, 0], [0, 4, 1]]
    w = RECOVER_2D(input=x, output=[[5, 3], [8, 6]])  # the 2×2 box filter, inferred size
    assert w.shape == (2, 2) and w.tolist() == [[1, 1], [1, 1]]
    assert RECOVER_2D(input=x, output=[[6, 3], [12, 7]]).tolist() == [[1, 1], [1, 2]]
    with pytest.raises(ValueError, match="not a matrix"):
        RECOVER_2D(input=[[1, 2], [3]], output=[[1]])
    with pytest.raises(ValueError, match="no filter of size 2×2"):
        RECOVER_2D(input=[[1, 0, 2, 1], [3, 1, 0, 2], [0, 4, 1, 1]], output=[[6, 3, 5], [8, 6, 4]])
