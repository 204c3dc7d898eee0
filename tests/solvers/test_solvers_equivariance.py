"""GAP features of shifted inputs: the invariance the solver relies on holds for real torch networks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from grader.solvers import SOLVERS
from grader.solvers.equivariance import circular_shift_between, gap_features_of_shifted_input
from tests.helpers import scaled


def _network(seed: int, channels: int, kernel: int) -> nn.Module:
    torch.manual_seed(seed)
    padding = kernel // 2
    return nn.Sequential(
        nn.Conv2d(1, channels, kernel, padding=padding, padding_mode="circular"), nn.ReLU(),
        nn.Conv2d(channels, 3, kernel, padding=padding, padding_mode="circular"), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    ).double()


@settings(max_examples=scaled(100), deadline=None)
@given(seed=st.integers(0, 10_000), height=st.integers(3, 9), width=st.integers(3, 9),
       rows=st.integers(0, 8), columns=st.integers(0, 8), kernel=st.sampled_from([1, 3, 5]))
def test_solver_agrees_with_torch_networks(seed: int, height: int, width: int, rows: int, columns: int,
                                           kernel: int) -> None:
    generator = np.random.default_rng(seed)
    image = generator.integers(-2, 3, size=(height, width))
    shifted = np.roll(image, (rows, columns), axis=(0, 1))
    network = _network(seed, 4, kernel)
    with torch.no_grad():
        features = network(torch.tensor(image, dtype=torch.float64)[None, None])[0].tolist()
        truth = network(torch.tensor(shifted, dtype=torch.float64)[None, None])[0].numpy()
    solved = gap_features_of_shifted_input([image.tolist()], [features], shifted.tolist())
    np.testing.assert_allclose(solved, truth, rtol=1e-12, atol=1e-12)


def test_homework_004_question_2f() -> None:
    x1 = [[0] * 8, [1] * 8] + [[0] * 8 for _ in range(5)]
    x2 = [[0, 1, 0, 0, 0, 0, 0, 0] for _ in range(7)]
    x3 = [[0, 0, 0, 0, 0, 0, 1, 0] for _ in range(7)]
    x4 = [[0] * 8 for _ in range(5)] + [[1] * 8, [0] * 8]
    solve = SOLVERS["gap_features_of_shifted_input"]
    known = {"known_inputs": [x1, x2], "known_features": [[0.8, 0, 0], [0, 0.8, 0]]}
    assert solve(**known, input=x3).tolist() == [0, 0.8, 0]
    assert solve(**known, input=x4).tolist() == [0.8, 0, 0]


def test_no_shift_and_mismatched_lists_raise() -> None:
    with pytest.raises(ValueError, match="not a circular shift"):
        gap_features_of_shifted_input([[[1, 0], [0, 0]]], [[1.0]], [[1, 1], [0, 0]])
    with pytest.raises(ValueError, match="2 known inputs but 1"):
        gap_features_of_shifted_input([[[1]], [[2]]], [[1.0]], [[1]])
    assert circular_shift_between([[1, 2, 3]], [[3, 1, 2]]) == (0, 1)
    assert circular_shift_between([[1, 2]], [[1, 2, 3]]) is None
