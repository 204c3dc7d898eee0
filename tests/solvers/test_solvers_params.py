"""Parameter counts against torch: ``sum(p.numel() for p in module.parameters())`` on the meta device."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from grader.solvers import SOLVERS
from grader.solvers.params import conv2d_params, conv_transpose2d_params, linear_params
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(300), deadline=None)


def torch_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


kernels = st.one_of(st.integers(1, 11), st.tuples(st.integers(1, 11), st.integers(1, 11)))


@st.composite
def grouped_channels(draw: st.DrawFn) -> tuple[int, int, int]:
    groups = draw(st.sampled_from([1, 1, 1, 2, 3, 4, 8]))
    return groups * draw(st.integers(1, 128)), groups * draw(st.integers(1, 128)), groups


@PROPERTY
@given(st.integers(1, 10**6), st.integers(1, 10**5), st.booleans())
def test_linear_params_matches_torch(in_features: int, out_features: int, bias: bool) -> None:
    module = nn.Linear(in_features, out_features, bias=bias, device="meta")
    args = {"in_features": in_features, "out_features": out_features, "bias": bias}
    assert SOLVERS["linear_params"](**args) == torch_params(module)


@PROPERTY
@given(grouped_channels(), kernels, st.booleans())
def test_conv2d_params_matches_torch(channels: tuple[int, int, int], kernel: int | tuple[int, int], bias: bool) -> None:
    c_in, c_out, groups = channels
    module = nn.Conv2d(c_in, c_out, kernel, bias=bias, groups=groups, device="meta")
    yaml_kernel = list(kernel) if isinstance(kernel, tuple) else kernel  # a problem file holds lists
    args = {"in_channels": c_in, "out_channels": c_out, "kernel_size": yaml_kernel, "bias": bias, "groups": groups}
    assert SOLVERS["conv2d_params"](**args) == torch_params(module)


@PROPERTY
@given(grouped_channels(), kernels, st.booleans())
def test_conv_transpose2d_params_matches_torch(
    channels: tuple[int, int, int], kernel: int | tuple[int, int], bias: bool
) -> None:
    c_in, c_out, groups = channels
    module = nn.ConvTranspose2d(c_in, c_out, kernel, bias=bias, groups=groups, device="meta")
    assert conv_transpose2d_params(c_in, c_out, kernel, bias, groups) == torch_params(module)


@PROPERTY
@given(st.integers(1, 64), st.integers(1, 64), st.integers(2, 8))
def test_groups_that_do_not_divide_are_rejected_like_torch(c_in: int, c_out: int, groups: int) -> None:
    if c_in % groups == 0 and c_out % groups == 0:
        return
    with pytest.raises(ValueError):
        nn.Conv2d(c_in, c_out, 3, groups=groups, device="meta")
    for count in (conv2d_params, conv_transpose2d_params):
        with pytest.raises(ValueError, match="divisible by groups"):
            count(c_in, c_out, 3, groups=groups)


def test_counts_are_python_ints_beyond_int32() -> None:
    count = linear_params(150_528, 75_264)
    assert type(count) is int and count == 11_329_414_656 > 2**31
    assert torch_params(nn.Linear(150_528, 75_264, device="meta")) == count


def test_transposed_convolution_biases_belong_to_output_channels() -> None:
    assert conv_transpose2d_params(256, 128, 9) == 9 * 9 * 256 * 128 + 128
    assert conv_transpose2d_params(256, 128, 9, bias=False) == conv2d_params(128, 256, 9, bias=False)
