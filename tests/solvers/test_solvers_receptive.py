"""Receptive fields against torch autograd: the input-gradient extent of one output element.

A stack of single-channel layers with all-ones weights and no bias (average pooling for poolings, so
every input in a window gets a positive gradient) is run on an all-ones input; the gradient of one
central output element is positive exactly on the inputs it depends on, and its extent (last minus first
non-zero index, plus one) is the receptive field.
"""

from __future__ import annotations

import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from grader.solvers import receptive
from grader.solvers.registry import solver
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(300), deadline=None)

# (kind, kernel_size, stride, dilation); average pooling has no dilation
layer_specs = st.one_of(
    st.tuples(st.just("conv"), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.just("pool"), st.integers(1, 4), st.integers(1, 3), st.just(1)),
)


def as_dicts(specs: list[tuple[str, int, int, int]]) -> list[dict[str, int]]:
    return [{"kernel_size": k, "stride": s, "dilation": d} for _, k, s, d in specs]


def extent(gradient: torch.Tensor) -> int:
    nonzero = torch.nonzero(gradient > 0).flatten()
    return int(nonzero.max() - nonzero.min() + 1)


def torch_receptive_field_1d(specs: list[tuple[str, int, int, int]], size: int) -> int:
    x = torch.ones(1, 1, size, dtype=torch.float64, requires_grad=True)
    y = x
    for kind, k, s, d in specs:
        if kind == "conv":
            y = F.conv1d(y, torch.ones(1, 1, k, dtype=torch.float64), stride=s, dilation=d)
        else:
            y = F.avg_pool1d(y, k, stride=s)
    y[0, 0, y.shape[-1] // 2].backward()
    return extent(x.grad[0, 0])


def torch_receptive_field_2d(specs: list[tuple[str, int, int, int]], size: int) -> tuple[int, int]:
    x = torch.ones(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    y = x
    for kind, k, s, d in specs:
        if kind == "conv":
            y = F.conv2d(y, torch.ones(1, 1, k, k, dtype=torch.float64), stride=s, dilation=d)
        else:
            y = F.avg_pool2d(y, k, stride=s)
    y[0, 0, y.shape[-2] // 2, y.shape[-1] // 2].backward()
    grad = x.grad[0, 0]
    return extent(grad.sum(dim=1)), extent(grad.sum(dim=0))


# at most 1 + 3*3*(1 + 3 + 9 + 27 + 81) = 1090 inputs for 5 layers of k <= 4, d <= 3, s <= 3
SIZE_1D = 1100


@PROPERTY
@given(st.lists(layer_specs, min_size=1, max_size=5))
def test_receptive_field_is_the_gradient_extent_1d(specs) -> None:
    expected = torch_receptive_field_1d(specs, SIZE_1D)
    layers = as_dicts(specs)
    assert receptive.receptive_field(layers) == expected
    assert solver(receptive.receptive_field)(layers=layers) == expected
    per_layer = receptive.receptive_field_per_layer(layers)
    assert per_layer[-1] == expected
    assert per_layer == [torch_receptive_field_1d(specs[: i + 1], SIZE_1D) for i in range(len(specs))]


small_specs = st.one_of(
    st.tuples(st.just("conv"), st.integers(1, 3), st.integers(1, 2), st.integers(1, 2)),
    st.tuples(st.just("pool"), st.integers(1, 3), st.integers(1, 2), st.just(1)),
)


@settings(max_examples=scaled(100), deadline=None)
@given(st.lists(small_specs, min_size=1, max_size=3))
def test_receptive_field_is_the_gradient_extent_2d(specs) -> None:
    # at most 1 + 2*2*(1 + 2 + 4) = 29
    height, width = torch_receptive_field_2d(specs, 32)
    assert height == width == receptive.receptive_field(as_dicts(specs))


@PROPERTY
@given(st.lists(layer_specs, min_size=1, max_size=5))
def test_jumps_are_the_cumulative_strides(specs) -> None:
    layers = as_dicts(specs)
    jumps = receptive.receptive_field_jumps(layers)
    strides = [s for _, _, s, _ in specs]
    assert jumps == [int(torch.tensor(strides[: i + 1]).prod()) for i in range(len(specs))]
    # neighbouring outputs of the whole stack are one jump apart in the input
    for i in range(len(specs)):
        x = torch.ones(1, 1, SIZE_1D, dtype=torch.float64, requires_grad=True)
        y = x
        for kind, k, s, d in specs[: i + 1]:
            w = torch.ones(1, 1, k, dtype=torch.float64)
            y = F.conv1d(y, w, stride=s, dilation=d) if kind == "conv" else F.avg_pool1d(y, k, stride=s)
        if y.shape[-1] < 2:
            continue
        (first,) = torch.autograd.grad(y[0, 0, 0], x, retain_graph=True)
        (second,) = torch.autograd.grad(y[0, 0, 1], x)
        start = lambda g: int(torch.nonzero(g[0, 0] > 0).min())  # noqa: E731
        assert start(second) - start(first) == jumps[i]


@PROPERTY
@given(st.lists(layer_specs, min_size=1, max_size=5))
def test_previous_stride_distractor(specs) -> None:
    layers = as_dicts(specs)
    correct = receptive.receptive_field(layers)
    wrong = receptive.receptive_field_previous_stride(layers)
    r, previous = 1, 1
    for _, k, s, d in specs:
        r, previous = r + (k - 1) * d * previous, s
    assert wrong == r
    assert wrong <= correct
    if all(s == 1 for _, _, s, _ in specs[:-2]):  # at most the layer before the last strides
        assert wrong == correct


def test_homework_example_three_5x5_stride_2_convolutions() -> None:
    layers = [{"kernel_size": 5, "stride": 2}] * 3
    assert receptive.receptive_field_per_layer(layers) == [5, 13, 29]
    assert receptive.receptive_field_jumps(layers) == [2, 4, 8]
    assert receptive.receptive_field_previous_stride(layers) == 21
    assert torch_receptive_field_1d([("conv", 5, 2, 1)] * 3, 100) == 29


# --- formula ---------------------------------------------------------------------------------------------

ALLOWED = re.compile(r"^[A-Za-z0-9_+\-*/() ]+$")


def evaluate(formula: str, values: dict[str, int]) -> int:
    assert ALLOWED.match(formula), formula
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula))
    assert names <= set(values), (formula, names)
    return eval(formula, {"__builtins__": {}}, values)  # noqa: S307 - our own output, tests only


@PROPERTY
@given(
    st.integers(1, 6),
    st.integers(1, 7),
    st.booleans(),
    st.booleans(),
    st.sampled_from([("N", "K"), ("L", "k"), ("n_layers", "K_1")]),
)
def test_formula_evaluates_to_the_stacked_receptive_field(n, k, n_symbol, k_symbol, names) -> None:
    args = {"layers": names[0] if n_symbol else n, "kernel_size": names[1] if k_symbol else k}
    formula = solver(receptive.receptive_field_formula)(**args)
    expected = receptive.receptive_field([{"kernel_size": k}] * n)
    assert expected == 1 + n * (k - 1)
    assert evaluate(formula, {names[0]: n, names[1]: k}) == expected, formula
    if not (n_symbol or k_symbol):
        assert formula == str(expected)


@pytest.mark.parametrize(
    ("args", "formula"),
    [
        ({}, "1 + N*(K - 1)"),
        ({"kernel_size": 3}, "1 + 2*N"),
        ({"kernel_size": 2}, "1 + N"),
        ({"kernel_size": 1}, "1"),
        ({"layers": 1}, "K"),
        ({"layers": 3}, "1 + 3*(K - 1)"),
        ({"layers": 3, "kernel_size": 3}, "7"),
    ],
)
def test_formula_text(args, formula) -> None:
    assert receptive.receptive_field_formula(**args) == formula


def test_formula_rejects_function_names() -> None:
    with pytest.raises(ValueError, match="names a function"):
        receptive.receptive_field_formula(layers="floor")
    with pytest.raises(ValidationError):
        solver(receptive.receptive_field_formula)(layers=0)
    with pytest.raises(ValidationError):
        solver(receptive.receptive_field_formula)(kernel_size="2K")


# --- argument validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["receptive_field", "receptive_field_per_layer", "receptive_field_jumps", "receptive_field_previous_stride"]
)
@pytest.mark.parametrize(
    ("layers", "location"),
    [
        ([], "layers"),
        ([{"kernel_size": 3, "padding": 1}], "padding"),
        ([{"kernel_size": 0}], "kernel_size"),
        ([{"kernel_size": "3"}], "kernel_size"),
        ([{"kernel_size": 3.0}], "kernel_size"),
        ([{"kernel_size": True}], "kernel_size"),
        ([{"kernel_size": 3, "stride": 0}], "stride"),
        ([{"kernel_size": 3, "dilation": 0}], "dilation"),
        ([{"stride": 2}], "kernel_size"),
        ([3], "layers.0"),
    ],
)
def test_invalid_layers_are_rejected(name, layers, location) -> None:
    with pytest.raises(ValidationError, match=re.escape(location)):
        solver(getattr(receptive, name))(layers=layers)


def test_unknown_arguments_are_rejected() -> None:
    with pytest.raises(ValidationError, match="input_size"):
        solver(receptive.receptive_field)(layers=[{"kernel_size": 3}], input_size=32)


def test_direct_call_without_layers_raises_value_error() -> None:
    with pytest.raises(ValueError, match="at least one layer"):
        receptive.receptive_field([])
