"""Distractors: each is the value of a specific wrong computation, taken where possible from torch."""

from __future__ import annotations

import inspect
import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from grader.solvers import SOLVERS, mistakes
from grader.solvers.network import parse_layers, walk_network
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(200), deadline=None)

COUNTERPART = {
    "conv_output_size_no_plus_one": "conv_output_size",
    "conv_output_size_rounded_up": "conv_output_size",
    "conv_output_size_padding_once": "conv_output_size",
    "conv2d_matrix_shape_no_plus_one": "conv2d_matrix_shape",
    "conv_transpose_output_size_as_conv": "conv_transpose_output_size",
    "conv_transpose_output_size_no_minus_one": "conv_transpose_output_size",
    "conv2d_params_ignoring_in_channels": "conv2d_params",
    "conv_transpose2d_params_swapped": "conv_transpose2d_params",
    "network_params_without_bias": "network_params",
    "conv2d_weight_gradient_by_convolution": "conv2d_weight_gradient_matrix",
    "conv2d_sgd_step_ascent": "conv2d_sgd_step_matrix",
}


def test_every_mistake_is_registered_with_its_counterparts_arguments() -> None:
    defined = {name for name, f in inspect.getmembers(mistakes, inspect.isfunction) if f.__module__ == mistakes.__name__}
    assert defined == set(COUNTERPART)
    for mistake, correct in COUNTERPART.items():
        ours = inspect.signature(SOLVERS[mistake].func).parameters
        theirs = inspect.signature(SOLVERS[correct].func).parameters
        assert [(p.name, p.default) for p in ours.values()] == [(p.name, p.default) for p in theirs.values()]


def size_1d(call, n: int, k: int, **kwargs) -> int | None:
    try:
        return call(torch.zeros(1, 1, n), torch.zeros(1, 1, k), **kwargs).shape[-1]
    except RuntimeError:
        return None


sizes = st.integers(1, 40)
kernels = st.integers(1, 9)
strides = st.integers(1, 5)
paddings = st.integers(0, 4)
dilations = st.integers(1, 3)


@PROPERTY
@given(sizes, kernels, strides, paddings, dilations)
def test_conv_output_size_distractors(n: int, k: int, s: int, p: int, d: int) -> None:
    correct = size_1d(F.conv1d, n, k, stride=s, padding=p, dilation=d)
    if correct is None:
        for name in ("conv_output_size_no_plus_one", "conv_output_size_rounded_up", "conv_output_size_padding_once"):
            with pytest.raises(ValueError):
                getattr(mistakes, name)(n, k, s, p, d)
        return
    assert mistakes.conv_output_size_no_plus_one(n, k, s, p, d) == correct - 1
    numerator = n + 2 * p - d * (k - 1) - 1
    assert mistakes.conv_output_size_rounded_up(n, k, s, p, d) == math.ceil(numerator / s) + 1
    assert (mistakes.conv_output_size_rounded_up(n, k, s, p, d) == correct) == (numerator % s == 0)
    if n + p >= d * (k - 1) + 1:  # torch pads one side only: (p, 0)
        one_side = F.conv1d(F.pad(torch.zeros(1, 1, n), (p, 0)), torch.zeros(1, 1, k), stride=s, dilation=d)
        assert mistakes.conv_output_size_padding_once(n, k, s, p, d) == one_side.shape[-1]


@PROPERTY
@given(st.tuples(sizes, sizes), kernels, strides, paddings, dilations)
def test_matrix_shape_without_plus_one(shape: tuple[int, int], k: int, s: int, p: int, d: int) -> None:
    try:
        out = F.conv2d(torch.zeros(1, 1, *shape), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d).shape[2:]
    except RuntimeError:
        with pytest.raises(ValueError):
            mistakes.conv2d_matrix_shape_no_plus_one(shape, k, s, p, d)
        return
    assert mistakes.conv2d_matrix_shape_no_plus_one(shape, k, s, p, d) == (out[0] - 1, out[1] - 1)


@PROPERTY
@given(sizes, kernels, strides, st.integers(0, 6), st.integers(0, 3), dilations)
def test_conv_transpose_output_size_distractors(n: int, k: int, s: int, p: int, a: int, d: int) -> None:
    correct = size_1d(F.conv_transpose1d, n, k, stride=s, padding=p, output_padding=a, dilation=d)
    if correct is None:
        for name in ("conv_transpose_output_size_as_conv", "conv_transpose_output_size_no_minus_one"):
            with pytest.raises(ValueError):
                getattr(mistakes, name)(n, k, s, p, a, d)
        return
    assert mistakes.conv_transpose_output_size_no_minus_one(n, k, s, p, a, d) == correct + s
    as_conv = size_1d(F.conv1d, n, k, stride=s, padding=p, dilation=d)
    if as_conv is not None:
        assert mistakes.conv_transpose_output_size_as_conv(n, k, s, p, a, d) == as_conv
    else:  # the mistaken formula still gives a number (below 1): no student answer will match it
        assert mistakes.conv_transpose_output_size_as_conv(n, k, s, p, a, d) < 1


@PROPERTY
@given(st.sampled_from([1, 1, 2, 4]), st.integers(1, 64), st.integers(1, 64), st.integers(1, 9), st.booleans())
def test_parameter_count_distractors(groups: int, a: int, b: int, k: int, bias: bool) -> None:
    c_in, c_out = groups * a, groups * b
    ignoring = nn.Conv2d(groups, c_out, k, groups=groups, bias=bias, device="meta")  # one k×k filter per output
    swapped = nn.Conv2d(c_out, c_in, k, groups=groups, bias=bias, device="meta")
    count = lambda module: sum(p.numel() for p in module.parameters())  # noqa: E731
    assert mistakes.conv2d_params_ignoring_in_channels(c_in, c_out, k, bias, groups) == count(ignoring)
    assert mistakes.conv_transpose2d_params_swapped(c_in, c_out, k, bias, groups) == count(swapped)


def _matrix(draw, rows: int, columns: int) -> list[list[int]]:
    return draw(st.lists(st.lists(st.integers(-4, 5), min_size=columns, max_size=columns), min_size=rows,
                         max_size=rows))


@PROPERTY
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2),
       st.integers(0, 1), st.integers(1, 2), st.data())
def test_weight_gradient_by_convolution_is_autograd_with_the_upstream_rotated(rows, columns, k_h, k_w, stride,
                                                                              padding, dilation, data) -> None:
    x, w = _matrix(data.draw, rows, columns), _matrix(data.draw, k_h, k_w)
    x_t = torch.tensor(x, dtype=torch.float64)[None, None]
    w_t = torch.tensor(w, dtype=torch.float64)[None, None].requires_grad_()
    try:
        y = F.conv2d(x_t, w_t, stride=stride, padding=padding, dilation=dilation)
    except RuntimeError:
        return
    g = _matrix(data.draw, *y.shape[-2:])
    y.backward(torch.tensor(g, dtype=torch.float64).flip(-1, -2)[None, None])
    ours = mistakes.conv2d_weight_gradient_by_convolution(x, w, g, stride, padding, dilation)
    assert ours.tolist() == w_t.grad[0, 0].to(torch.int64).tolist()
    if stride == dilation == 1:  # the textbook convolution of the (padded) input with dy, as scipy computes it
        by_convolution = F.conv2d(F.pad(x_t, [padding] * 4), torch.tensor(g, dtype=torch.float64).flip(-1, -2)[None, None])
        assert ours.tolist() == by_convolution[0, 0].to(torch.int64).tolist()


def test_network_without_bias_drops_every_bias() -> None:
    layers = [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "repeat": 2},
        {"type": "conv_transpose2d", "out_channels": 2, "kernel_size": 2, "bias": False},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "flatten"},
        {"type": "linear", "out_features": 10},
    ]
    modules = [
        nn.Conv2d(3, 4, 3, bias=False, device="meta"),
        nn.Conv2d(4, 4, 3, bias=False, device="meta"),
        nn.ConvTranspose2d(4, 2, 2, bias=False, device="meta"),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(2 * 4 * 4, 10, bias=False, device="meta"),
    ]
    assert tuple(nn.Sequential(*modules)(torch.empty(1, 3, 12, 12, device="meta")).shape[1:]) == (10,)
    expected = sum(p.numel() for m in modules for p in m.parameters())
    assert SOLVERS["network_params_without_bias"](input_shape=[3, 12, 12], layers=layers) == expected
    walked = walk_network((3, 12, 12), parse_layers(layers))
    assert sum(r.params for r in walked) - expected == 4 + 4 + 10  # the biases the student forgot


def test_distractors_differ_from_the_correct_values_in_problem_set_3() -> None:
    cases = [
        ("conv2d_params", "conv2d_params_ignoring_in_channels", dict(in_channels=3, out_channels=3, kernel_size=7), 150),
        ("conv_transpose_output_size", "conv_transpose_output_size_as_conv", dict(size=4, kernel_size=3), 2),
        ("conv_transpose_output_size", "conv_transpose_output_size_no_minus_one", dict(size=4, kernel_size=3), 7),
        ("conv_output_size", "conv_output_size_no_plus_one", dict(size=4, kernel_size=3), 1),
        ("conv2d_matrix_shape", "conv2d_matrix_shape_no_plus_one", dict(input_shape=[4, 4], kernel_size=3), (1, 1)),
        ("conv2d_matrix_shape", "conv_transpose2d_matrix_shape", dict(input_shape=[4, 4], kernel_size=3), (6, 6)),
        ("conv_transpose2d_matrix_shape", "conv2d_matrix_shape", dict(input_shape=[4, 4], kernel_size=3), (2, 2)),
        ("conv_transpose2d_params", "conv_transpose2d_params_swapped",
         dict(in_channels=256, out_channels=128, kernel_size=9), 2_654_464),
    ]
    for correct, mistake, args, value in cases:
        assert SOLVERS[mistake](**args) == value != SOLVERS[correct](**args)


def test_mistakes_validate_like_their_counterparts() -> None:
    with pytest.raises(ValueError, match="the kernel spans"):
        mistakes.conv_output_size_no_plus_one(3, 5)
    with pytest.raises(ValueError, match="output_padding"):
        mistakes.conv_transpose_output_size_as_conv(4, 3, output_padding=1)
