"""Pooling, backpropagation and SGD worked matrices against torch autograd in float64 (one channel)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from grader.solvers import SOLVERS, gradients
from grader.solvers.gradients import (
    avg_pool2d_backward_matrix,
    avg_pool2d_matrix,
    conv1d_vector,
    conv2d_input_gradient_matrix,
    conv2d_matrix_circular,
    conv2d_sgd_step_matrix,
    conv2d_weight_gradient_matrix,
    max_pool2d_backward_matrix,
    max_pool2d_matrix,
    relu_backward_matrix,
    sgd_step_matrix,
)
from grader.solvers.registry import _evaluate, solver
from tests.helpers import scaled
from tests.solvers.oracle import assert_same

PROPERTY = settings(max_examples=scaled(200), deadline=None)

small_pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
small_paddings = st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)))
strides_or_none = st.one_of(st.none(), small_pairs)


def matrices(entries: st.SearchStrategy, max_side: int) -> st.SearchStrategy[list[list]]:
    return st.integers(1, max_side).flatmap(
        lambda cols: st.lists(st.lists(entries, min_size=cols, max_size=cols), min_size=1, max_size=max_side)
    )


def shaped(entries: st.SearchStrategy, shape: tuple[int, ...]) -> st.SearchStrategy[list[list]]:
    rows, cols = shape
    return st.lists(st.lists(entries, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


ints = st.integers(-9, 9)
tie_prone_ints = st.integers(-2, 2)  # many ties and zeros
floats = st.floats(-10, 10, allow_nan=False, width=64)


def tensor(matrix: list[list], grad: bool = False) -> torch.Tensor:
    return torch.tensor(matrix, dtype=torch.float64)[None, None].requires_grad_(grad)


def pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else value




def ours_or_none(call, *args, **kwargs) -> np.ndarray | None:
    try:
        return call(*args, **kwargs)
    except ValueError:
        return None


def torch_pool(pool, x: list[list], kernel_size, stride) -> torch.Tensor | None:
    try:
        return pool(tensor(x, grad=True), kernel_size, stride)
    except RuntimeError:
        return None


def backward(output: torch.Tensor, leaf: torch.Tensor, upstream: list[list]) -> np.ndarray:
    output.backward(tensor(upstream))
    return leaf.grad[0, 0].numpy()


# --- pooling ---------------------------------------------------------------------------------------------


@PROPERTY
@given(matrices(ints, 7), small_pairs, strides_or_none)
def test_max_pool2d_matrix_matches_torch_exactly(x, kernel_size, stride) -> None:
    y = torch_pool(F.max_pool2d, x, kernel_size, stride)
    expected = None if y is None else y[0, 0].detach().numpy()
    assert_same(ours_or_none(max_pool2d_matrix, x, kernel_size, stride), expected, exact=True)


@PROPERTY
@given(st.one_of(matrices(ints, 7), matrices(floats, 7)), small_pairs, strides_or_none)
def test_avg_pool2d_matrix_matches_torch(x, kernel_size, stride) -> None:
    y = torch_pool(F.avg_pool2d, x, kernel_size, stride)
    expected = None if y is None else y[0, 0].detach().numpy()
    assert_same(ours_or_none(avg_pool2d_matrix, x, kernel_size, stride), expected, exact=False)


@PROPERTY
@given(matrices(tie_prone_ints, 7), small_pairs, strides_or_none, st.data())
def test_max_pool2d_backward_matches_autograd_exactly_ties_included(x, kernel_size, stride, data) -> None:
    leaf = tensor(x, grad=True)
    try:
        y = F.max_pool2d(leaf, kernel_size, stride)
    except RuntimeError:
        assert ours_or_none(max_pool2d_backward_matrix, x, [[1]], kernel_size, stride) is None
        return
    g = data.draw(shaped(ints, tuple(y.shape[-2:])))
    expected = backward(y, leaf, g)
    assert_same(max_pool2d_backward_matrix(x, g, kernel_size, stride), expected, exact=True)


@PROPERTY
@given(matrices(ints, 7), small_pairs, strides_or_none, st.data())
def test_avg_pool2d_backward_matches_autograd(x, kernel_size, stride, data) -> None:
    leaf = tensor(x, grad=True)
    try:
        y = F.avg_pool2d(leaf, kernel_size, stride)
    except RuntimeError:
        assert ours_or_none(avg_pool2d_backward_matrix, x, [[1]], kernel_size, stride) is None
        return
    g = data.draw(shaped(st.one_of(ints, floats), tuple(y.shape[-2:])))
    expected = backward(y, leaf, g)
    assert_same(avg_pool2d_backward_matrix(x, g, kernel_size, stride), expected, exact=False)


def test_max_pool2d_backward_sends_a_tie_to_the_first_maximum() -> None:
    x = [[1, 5], [5, 5]]
    assert max_pool2d_backward_matrix(x, [[7]], 2).tolist() == [[0, 7], [0, 0]]
    # overlapping windows that share a maximum add up
    assert max_pool2d_backward_matrix([[0, 9, 0]], [[1, 2]], (1, 2), 1).tolist() == [[0, 3, 0]]


# --- activations -----------------------------------------------------------------------------------------


@PROPERTY
@given(matrices(tie_prone_ints, 6).flatmap(lambda x: st.tuples(st.just(x), shaped(ints, np.shape(x)))))
def test_relu_backward_matches_autograd_exactly(args) -> None:
    x, g = args
    leaf = tensor(x, grad=True)
    expected = backward(F.relu(leaf), leaf, g)
    assert_same(relu_backward_matrix(x, g), expected, exact=True)


def test_relu_derivative_at_zero_is_zero() -> None:
    assert relu_backward_matrix([[-1, 0, 2]], [[5, 5, 5]]).tolist() == [[0, 0, 5]]
    assert relu_backward_matrix([[0.0]], [[1]]).dtype == np.float64


# --- convolution gradients -------------------------------------------------------------------------------


def conv_case(entries: st.SearchStrategy, x, w, stride, padding, dilation, data):
    """(input leaf, kernel leaf, output, upstream) or None when torch rejects the configuration."""
    x_leaf, w_leaf = tensor(x, grad=True), tensor(w, grad=True)
    try:
        y = F.conv2d(x_leaf, w_leaf, stride=stride, padding=padding, dilation=dilation)
    except RuntimeError:
        return None
    return x_leaf, w_leaf, y, data.draw(shaped(entries, tuple(y.shape[-2:])))


@PROPERTY
@given(matrices(ints, 8), matrices(ints, 4), small_pairs, small_paddings, small_pairs, st.booleans(), st.data())
def test_conv2d_input_gradient_matches_autograd_exactly(x, w, stride, padding, dilation, as_matrix, data) -> None:
    case = conv_case(ints, x, w, stride, padding, dilation, data)
    input_shape = x if as_matrix else np.shape(x)
    args = dict(stride=stride, padding=padding, dilation=dilation)
    if case is None:
        assert ours_or_none(conv2d_input_gradient_matrix, input_shape, w, [[1]], **args) is None
        return
    x_leaf, _, y, g = case
    expected = backward(y, x_leaf, g)
    assert_same(conv2d_input_gradient_matrix(input_shape, w, g, **args), expected, exact=True)


@PROPERTY
@given(matrices(ints, 8), matrices(ints, 4), small_pairs, small_paddings, small_pairs, st.booleans(), st.data())
def test_conv2d_weight_gradient_matches_autograd_exactly(x, w, stride, padding, dilation, as_matrix, data) -> None:
    case = conv_case(ints, x, w, stride, padding, dilation, data)
    kernel_shape = w if as_matrix else np.shape(w)
    args = dict(stride=stride, padding=padding, dilation=dilation)
    if case is None:
        assert ours_or_none(conv2d_weight_gradient_matrix, x, kernel_shape, [[1]], **args) is None
        return
    _, w_leaf, y, g = case
    expected = backward(y, w_leaf, g)
    assert_same(conv2d_weight_gradient_matrix(x, kernel_shape, g, **args), expected, exact=True)


@PROPERTY
@given(matrices(ints, 8), matrices(ints, 4), small_pairs, small_paddings, small_pairs, st.data())
def test_flip_kernel_is_the_weight_gradient_of_a_layer_that_flips_its_kernel(x, w, stride, padding, dilation,
                                                                              data) -> None:
    """The distractor for a gradient computed by true convolution: autograd through conv2d(x, flip(w))."""
    x_leaf, w_leaf = tensor(x), tensor(w, grad=True)
    try:
        y = F.conv2d(x_leaf, w_leaf.flip(-1, -2), stride=stride, padding=padding, dilation=dilation)
    except RuntimeError:
        return
    g = data.draw(shaped(ints, tuple(y.shape[-2:])))
    expected = backward(y, w_leaf, g)
    ours = conv2d_weight_gradient_matrix(x, w, g, stride=stride, padding=padding, dilation=dilation, flip_kernel=True)
    assert_same(ours, expected, exact=True)


@PROPERTY
@given(matrices(floats, 6), matrices(floats, 3), small_pairs, small_paddings, st.data())
def test_conv2d_gradients_of_floats_match_autograd(x, w, stride, padding, data) -> None:
    case = conv_case(floats, x, w, stride, padding, 1, data)
    if case is None:
        return
    x_leaf, w_leaf, y, g = case
    y.backward(tensor(g))
    args = dict(stride=stride, padding=padding)
    assert_same(conv2d_input_gradient_matrix(np.shape(x), w, g, **args), x_leaf.grad[0, 0].numpy(), exact=False)
    assert_same(conv2d_weight_gradient_matrix(x, np.shape(w), g, **args), w_leaf.grad[0, 0].numpy(), exact=False)


def test_upstream_of_the_wrong_shape_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"upstream has shape \(1, 1\) but the output of the convolution has shape"):
        conv2d_input_gradient_matrix((3, 3), [[1]], [[1]])
    with pytest.raises(ValueError, match="upstream has shape"):
        conv2d_weight_gradient_matrix([[1, 2], [3, 4]], (1, 1), [[1, 2]])
    with pytest.raises(ValueError, match="upstream has shape"):
        max_pool2d_backward_matrix([[1, 2], [3, 4]], [[1, 2]], 2)
    with pytest.raises(ValueError, match="upstream has shape"):
        relu_backward_matrix([[1, 2]], [[1]])
    with pytest.raises(ValueError, match="gradient has shape"):
        sgd_step_matrix([[1, 2]], [[1]], 0.1)


@PROPERTY
@given(matrices(ints, 7), matrices(ints, 3), small_pairs, small_paddings, small_pairs,
       st.sampled_from([0.01, 0.1, 0.25, 0.5, 1.0, 3]), st.booleans(), st.data())
def test_conv2d_sgd_step_matches_torch_sgd_on_a_conv2d(x, w, stride, padding, dilation, learning_rate, maximize,
                                                        data) -> None:
    """A bias-free nn.Conv2d, loss (y · dy).sum(), one torch.optim.SGD step (maximize: the ascent mistake)."""
    layer = torch.nn.Conv2d(1, 1, np.shape(w), stride=stride, padding=padding, dilation=dilation, bias=False,
                            dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(tensor(w))
    try:
        y = layer(tensor(x))
    except RuntimeError:
        return
    g = data.draw(shaped(ints, tuple(y.shape[-2:])))
    (y * tensor(g)).sum().backward()
    torch.optim.SGD(layer.parameters(), lr=learning_rate, maximize=maximize).step()
    step = SOLVERS["conv2d_sgd_step_ascent" if maximize else "conv2d_sgd_step_matrix"]
    ours = step(input=x, kernel=w, upstream=g, learning_rate=learning_rate, stride=stride, padding=padding,
                dilation=dilation)
    assert_same(ours, layer.weight.detach()[0, 0].numpy(), exact=False)


def test_integers_stay_exact_beyond_float64() -> None:
    big = 2**53 + 1
    assert conv2d_input_gradient_matrix((1, 1), [[big]], [[1]])[0, 0] == big
    assert conv2d_weight_gradient_matrix([[big]], (1, 1), [[1]])[0, 0] == big
    assert max_pool2d_backward_matrix([[1]], [[big]], 1)[0, 0] == big


# --- 1-D and circular convolution ------------------------------------------------------------------------


vectors = lambda entries: st.lists(entries, min_size=1, max_size=9)  # noqa: E731


@PROPERTY
@given(
    vectors(ints),
    st.lists(ints, min_size=1, max_size=4),
    st.integers(1, 3),
    st.integers(0, 4),
    st.integers(1, 3),
    st.sampled_from(["zeros", "circular"]),
)
def test_conv1d_vector_matches_torch_exactly(x, w, stride, padding, dilation, mode) -> None:
    x_t, w_t = torch.tensor(x, dtype=torch.float64)[None, None], torch.tensor(w, dtype=torch.float64)[None, None]
    try:
        if mode == "circular":
            x_t = F.pad(x_t, (padding, padding), mode="circular")
            expected = F.conv1d(x_t, w_t, stride=stride, dilation=dilation)[0, 0].numpy()
        else:
            expected = F.conv1d(x_t, w_t, stride=stride, padding=padding, dilation=dilation)[0, 0].numpy()
    except RuntimeError:
        expected = None
    got = ours_or_none(conv1d_vector, x, w, stride, padding, dilation, mode)
    assert_same(got, expected, exact=True)


@PROPERTY
@given(matrices(ints, 6), matrices(ints, 4), small_pairs, small_paddings, small_pairs)
def test_conv2d_matrix_circular_matches_torch_exactly(x, w, stride, padding, dilation) -> None:
    p_h, p_w = pair(padding)
    try:
        x_t = F.pad(tensor(x), (p_w, p_w, p_h, p_h), mode="circular")
        expected = F.conv2d(x_t, tensor(w), stride=stride, dilation=dilation)[0, 0].numpy()
    except RuntimeError:
        expected = None
    assert_same(ours_or_none(conv2d_matrix_circular, x, w, stride, padding, dilation), expected, exact=True)


def test_conv2d_matrix_circular_agrees_with_the_module() -> None:
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(1, 1, 3, padding=1, padding_mode="circular", bias=False).double()
    x = torch.randint(-5, 5, (1, 1, 4, 5)).double()
    got = conv2d_matrix_circular(x[0, 0].tolist(), conv.weight[0, 0].tolist(), padding=1)
    np.testing.assert_allclose(got, conv(x)[0, 0].detach().numpy(), rtol=1e-12)


# --- SGD -------------------------------------------------------------------------------------------------


@PROPERTY
@given(
    matrices(st.one_of(ints, floats), 5).flatmap(
        lambda w: st.tuples(st.just(w), shaped(st.one_of(ints, floats), np.shape(w)))
    ),
    st.one_of(st.integers(1, 3), st.floats(1e-4, 2.0)),
)
def test_sgd_step_matches_torch_optim(args, learning_rate) -> None:
    w, g = args
    param = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))
    param.grad = torch.tensor(g, dtype=torch.float64)
    torch.optim.SGD([param], lr=learning_rate).step()
    assert_same(sgd_step_matrix(w, g, learning_rate), param.detach().numpy(), exact=False)


# --- registry --------------------------------------------------------------------------------------------

PUBLIC = [
    func
    for name, func in inspect.getmembers(gradients, inspect.isfunction)
    if func.__module__ == gradients.__name__ and not name.startswith("_")
]

VALID_ARGS = {
    "max_pool2d_matrix": dict(input=[[1, 2], [3, 4]], kernel_size=2),
    "avg_pool2d_matrix": dict(input=[[1, 2], [3, 4]], kernel_size=[1, 2], stride=1),
    "relu_matrix": dict(input=[[-1, 0, 1]]),
    "relu_backward_matrix": dict(input=[[-1, 0, 1]], upstream=[[1, 2, 3]]),
    "max_pool2d_backward_matrix": dict(input=[[1, 2], [3, 4]], upstream=[[1]], kernel_size=2),
    "avg_pool2d_backward_matrix": dict(input=[[1, 2], [3, 4]], upstream=[[1]], kernel_size=2),
    "conv2d_input_gradient_matrix": dict(input_shape=[3, 3], kernel=[[1, 2], [3, 4]], upstream=[[1, 0], [0, 1]]),
    "conv2d_weight_gradient_matrix": dict(input=[[1, 2], [3, 4]], kernel_shape=[[0]], upstream=[[1, 0], [0, 1]]),
    "sgd_step_matrix": dict(weights=[[1.0, 2.0]], gradient=[[1, -1]], learning_rate=0.5),
    "conv2d_sgd_step_matrix": dict(input=[[1, 2], [3, 4]], kernel=[[1]], upstream=[[1, 0], [0, 1]], learning_rate=1),
    "conv1d_vector": dict(input=[1, 2, 3], kernel=[1, -1], padding=1, padding_mode="circular"),
    "conv2d_matrix_circular": dict(input=[[1, 2], [3, 4]], kernel=[[1]], padding=[1, 0]),
}


def test_every_public_function_has_valid_arguments_listed() -> None:
    assert {func.__name__ for func in PUBLIC} == set(VALID_ARGS)


@pytest.mark.parametrize("func", PUBLIC, ids=lambda func: func.__name__)
def test_every_function_is_a_solver_with_a_strict_schema(func) -> None:
    item = solver(func)
    assert item.summary and not item.summary.endswith(":")
    assert set(item.args_model.model_fields) == set(inspect.signature(func).parameters)
    for param in inspect.signature(func).parameters.values():
        if param.default is not inspect.Parameter.empty:
            TypeAdapter(_evaluate(param.annotation, func)).validate_python(param.default)
    args = VALID_ARGS[func.__name__]
    np.testing.assert_array_equal(item(**args), func(**args))
    with pytest.raises(ValidationError) as caught:
        item.validate_args({**args, "unknown_argument": 1})
    assert [(error["loc"], error["type"]) for error in caught.value.errors()] == [
        (("unknown_argument",), "extra_forbidden")
    ]


@pytest.mark.parametrize(
    ("name", "update", "loc"),
    [
        ("sgd_step_matrix", {"learning_rate": 0}, ("learning_rate", "int")),
        ("sgd_step_matrix", {"learning_rate": -0.1}, ("learning_rate", "float")),
        ("sgd_step_matrix", {"learning_rate": True}, ("learning_rate",)),
        ("sgd_step_matrix", {"learning_rate": "0.1"}, ("learning_rate",)),
        ("sgd_step_matrix", {"learning_rate": float("inf")}, ("learning_rate", "float")),
        ("conv1d_vector", {"padding_mode": "reflect"}, ("padding_mode",)),
        ("conv1d_vector", {"input": []}, ("input",)),
        ("conv1d_vector", {"input": [1, True]}, ("input", 1)),
        ("conv2d_input_gradient_matrix", {"input_shape": [3, 0]}, ("input_shape", "shape", 1)),
        ("conv2d_input_gradient_matrix", {"input_shape": [3, 3, 3]}, ("input_shape", "shape")),
        ("conv2d_input_gradient_matrix", {"input_shape": 3}, ("input_shape",)),
        ("conv2d_weight_gradient_matrix", {"kernel_shape": [[1, "a"]]}, ("kernel_shape", "matrix", 0, 1)),
        ("max_pool2d_matrix", {"stride": 0}, ("stride", "int")),
        ("max_pool2d_backward_matrix", {"upstream": [[1.5, None]]}, ("upstream", 0, 1)),
    ],
)
def test_bad_arguments_are_located(name, update, loc) -> None:
    item = solver(getattr(gradients, name))
    with pytest.raises(ValidationError) as caught:
        item.validate_args({**VALID_ARGS[name], **update})
    locs = [error["loc"] for error in caught.value.errors()]
    assert len(locs) == 1 and locs[0][: len(loc)] == loc, locs


def test_shape_or_matrix_accepts_both() -> None:
    item = solver(conv2d_input_gradient_matrix)
    args = VALID_ARGS["conv2d_input_gradient_matrix"]
    by_shape = item(**args)
    by_matrix = item(**{**args, "input_shape": [[0, 0, 0]] * 3})
    assert np.array_equal(by_shape, by_matrix) and by_shape.dtype == np.int64
    with pytest.raises(ValueError, match="input_shape is not a matrix"):
        item(**{**args, "input_shape": [[0, 0, 0], [0]]})


@settings(max_examples=scaled(200), deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.data())
def test_relu_matches_torch(rows: int, columns: int, data: st.DataObject) -> None:
    from grader.solvers.gradients import relu_matrix

    values = data.draw(st.lists(st.lists(st.integers(-5, 5), min_size=columns, max_size=columns),
                                min_size=rows, max_size=rows))
    expected = torch.relu(torch.tensor(values, dtype=torch.float64)).numpy()
    got = relu_matrix(values)
    assert got.dtype == np.int64 and np.array_equal(got, expected)
