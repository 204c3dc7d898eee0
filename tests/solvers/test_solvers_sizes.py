"""Output sizes against the shapes torch produces (small real tensors, or meta tensors for big ones)."""

from __future__ import annotations

import math
import re

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.solvers import SOLVERS
from grader.solvers.sizes import (
    conv2d_output_shape,
    conv_layers_to_reach,
    conv_output_size,
    conv_transpose2d_output_shape,
    conv_transpose_output_size,
    pool_output_size,
    same_padding,
)
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(300), deadline=None)

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")
"""torch warns that it copies the input for an asymmetric "same" padding; the shapes are what matter here."""


def torch_size(call, *args, **kwargs) -> int | None:
    """The last dimension torch computes, or None where torch rejects the configuration."""
    try:
        return call(*args, **kwargs).shape[-1]
    except RuntimeError:
        return None


def meta_shape(call, *args, **kwargs) -> tuple[int, ...] | None:
    """The output shape without the batch dimension, or None where torch rejects the configuration.

    The meta kernels of transposed convolutions skip two of the CPU checks (an output size of 0, an
    output padding not below the stride or dilation); the CPU kernels reject both.
    """
    try:
        shape = tuple(call(*args, **kwargs).shape[1:])
    except RuntimeError:
        return None
    return shape if min(shape) >= 1 else None


def ours(function, *args):
    try:
        return function(*args)
    except ValueError:
        return None


# --- one dimension, every configuration: valid ones agree, and we reject exactly what torch rejects ---


@PROPERTY
@given(st.integers(1, 40), st.integers(1, 9), st.integers(1, 5), st.integers(0, 4), st.integers(1, 3))
def test_conv_output_size_matches_torch(n: int, k: int, s: int, p: int, d: int) -> None:
    expected = torch_size(F.conv1d, torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p, dilation=d)
    assert ours(conv_output_size, n, k, s, p, d) == expected


@PROPERTY
@given(st.integers(1, 40), st.integers(1, 9), st.integers(1, 4), st.integers(0, 6), st.integers(0, 3), st.integers(1, 3))
def test_conv_transpose_output_size_matches_torch(n: int, k: int, s: int, p: int, a: int, d: int) -> None:
    x, w = torch.zeros(1, 1, n), torch.zeros(1, 1, k)
    expected = torch_size(F.conv_transpose1d, x, w, stride=s, padding=p, output_padding=a, dilation=d)
    assert ours(conv_transpose_output_size, n, k, s, p, a, d) == expected


@PROPERTY
@given(st.integers(1, 40), st.integers(1, 9), st.one_of(st.none(), st.integers(1, 5)), st.integers(0, 5))
def test_pool_output_size_matches_torch(n: int, k: int, s: int | None, p: int) -> None:
    for pool in (F.max_pool1d, F.avg_pool1d):
        expected = torch_size(pool, torch.zeros(1, 1, n), k, stride=s, padding=p)
        assert ours(pool_output_size, n, k, s, p) == expected


# --- 2-D shapes, big sizes and channels on the meta device ------------------------------------------------

pairs = st.one_of(st.integers(1, 7), st.tuples(st.integers(1, 7), st.integers(1, 7)))
paddings = st.one_of(st.integers(0, 4), st.tuples(st.integers(0, 4), st.integers(0, 4)))


def _as_yaml(value):
    return list(value) if isinstance(value, tuple) else value


@PROPERTY
@given(st.tuples(st.integers(1, 64), st.integers(1, 600), st.integers(1, 600)), st.integers(1, 512),
       pairs, pairs, paddings, pairs)
def test_conv2d_output_shape_matches_torch(shape, c_out, kernel, stride, padding, dilation) -> None:
    x = torch.empty(1, *shape, device="meta")
    w = torch.empty(c_out, shape[0], *_pair(kernel), device="meta")
    args = dict(stride=stride, padding=padding, dilation=dilation)
    expected = meta_shape(F.conv2d, x, w, **args)
    if expected is None:
        with pytest.raises(ValueError):
            conv2d_output_shape(shape, c_out, kernel, stride, padding, dilation)
        return
    yaml_args = {name: _as_yaml(value) for name, value in {**args, "kernel_size": kernel}.items()}
    got = SOLVERS["conv2d_output_shape"](input_shape=list(shape), out_channels=c_out, **yaml_args)
    assert got == expected and all(type(n) is int for n in got)


@PROPERTY
@given(st.tuples(st.integers(1, 64), st.integers(1, 300), st.integers(1, 300)), st.integers(1, 512),
       pairs, pairs, paddings, pairs, st.data())
def test_conv_transpose2d_output_shape_matches_torch(shape, c_out, kernel, stride, padding, dilation, data) -> None:
    limits = [max(s, d) - 1 for s, d in zip(_pair(stride), _pair(dilation))]
    output_padding = (data.draw(st.integers(0, limits[0])), data.draw(st.integers(0, limits[1])))
    x = torch.empty(1, *shape, device="meta")
    w = torch.empty(shape[0], c_out, *_pair(kernel), device="meta")
    args = dict(stride=stride, padding=padding, output_padding=output_padding, dilation=dilation)
    expected = meta_shape(F.conv_transpose2d, x, w, **args)
    if expected is None:
        with pytest.raises(ValueError):
            conv_transpose2d_output_shape(shape, c_out, kernel, **args)
        return
    assert conv_transpose2d_output_shape(shape, c_out, kernel, **args) == expected


@PROPERTY
@given(st.tuples(st.integers(1, 12), st.integers(1, 12)), pairs, pairs, paddings, pairs, st.booleans())
def test_matrix_shapes_match_torch_on_real_tensors(shape, kernel, stride, padding, dilation, transposed) -> None:
    """One channel, CPU tensors: every check torch makes, the output padding one included."""
    x, w = torch.zeros(1, 1, *shape), torch.zeros(1, 1, *_pair(kernel))
    args = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    if transposed:
        args["output_padding"] = (1, 0) if stride == 2 else 0
        expected = meta_shape(F.conv_transpose2d, x, w, **{k: v for k, v in args.items() if k != "kernel_size"})
        name = "conv_transpose2d_matrix_shape"
    else:
        expected = meta_shape(F.conv2d, x, w, **{k: v for k, v in args.items() if k != "kernel_size"})
        name = "conv2d_matrix_shape"
    yaml_args = {k: _as_yaml(v) for k, v in args.items()}
    got = ours(lambda: SOLVERS[name](input_shape=list(shape), **yaml_args))
    assert got == (expected[1:] if expected is not None else None)


def test_output_padding_must_be_below_stride_or_dilation() -> None:
    with pytest.raises(RuntimeError):  # torch checks this on real tensors only
        F.conv_transpose2d(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 3, 3), output_padding=1)
    with pytest.raises(ValueError, match=r"output_padding \(1\) must be smaller than either stride \(1\) or dilation \(1\)"):
        conv_transpose2d_output_shape((1, 4, 4), 1, 3, output_padding=1)


def _pair(value):
    return value if isinstance(value, tuple) else (value, value)


# --- layers to reach a size: count the torch layers ----------------------------------------------------


def torch_sizes(n: int, k: int, s: int, p: int, d: int, transposed: bool, steps: int) -> list[int | None]:
    """Sizes after 0, 1, ..., steps identical layers, computed by torch on meta tensors (None: invalid)."""
    sizes: list[int | None] = [n]
    for _ in range(steps):
        current = sizes[-1]
        if current is None or current > 10**6:  # stop growing stacks early (the target is at most 300)
            sizes.append(None)
            continue
        x = torch.empty(1, 1, current, device="meta")
        w = torch.empty(1, 1, k, device="meta")
        call = F.conv_transpose1d if transposed else F.conv1d
        sizes.append(torch_size(call, x, w, stride=s, padding=p, dilation=d))
    return sizes


@PROPERTY
@given(st.integers(1, 300), st.integers(1, 9), st.integers(1, 3), st.integers(0, 3), st.integers(1, 2),
       st.booleans(), st.integers(0, 8))
def test_conv_layers_to_reach_counts_like_iterating_torch(n, k, s, p, d, transposed, steps) -> None:
    sizes = torch_sizes(n, k, s, p, d, transposed, steps)
    target = sizes[-1]
    if target is None:
        return
    args = dict(kernel_size=k, stride=s, padding=p, dilation=d, transposed=transposed)
    expected = sizes.index(target)  # the first time torch's stack has the target size
    assert SOLVERS["conv_layers_to_reach"](input_size=n, target_size=target, **args) == expected


@PROPERTY
@given(st.integers(1, 300), st.integers(1, 300), st.integers(1, 9), st.integers(1, 3), st.integers(0, 3),
       st.integers(1, 2), st.booleans())
def test_conv_layers_to_reach_rejects_targets_torch_never_hits(n, target, k, s, p, d, transposed) -> None:
    sizes = torch_sizes(n, k, s, p, d, transposed, steps=400)
    if target in sizes:
        assert conv_layers_to_reach(n, target, k, s, p, d, transposed) == sizes.index(target)
    else:
        with pytest.raises(ValueError):
            conv_layers_to_reach(n, target, k, s, p, d, transposed)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((224, 9, 7), "layer 36 takes 14 to 8, past the target 9"),
        ((224, 230, 7), "layer 1 takes 224 to 218, no closer to the target 230"),
        ((10, 5, 1), "layer 1 leaves 10 unchanged: it never reaches 5"),
        ((10, 5, 3, 1, 1, 1, True), "layer 1 leaves 10 unchanged: it never reaches 5"),
        ((6, 1, 3), "after 2 layers the size is 2, and another layer is invalid"),
    ],
)
def test_conv_layers_to_reach_messages(args, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        conv_layers_to_reach(*args)


def test_conv_layers_to_reach_zero_layers_when_already_there() -> None:
    assert conv_layers_to_reach(8, 8, 7) == 0


# --- formulas in the student's symbols -----------------------------------------------------------------

ALLOWED = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*|\d+|[-+*/() ])*$")


def evaluate(formula: str, values: dict[str, int]) -> int:
    """Evaluate our own formula output (trusted text, tests only)."""
    assert ALLOWED.match(formula), formula
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula)) - {"floor"}
    assert names <= set(values), (formula, names)
    return eval(formula, {"__builtins__": {}, "floor": math.floor}, values)  # noqa: S307


symbolic = st.sampled_from(["N", "K", "S", "P", "D", "A", "H_in", "Kh"])


@PROPERTY
@given(
    st.integers(1, 60), st.integers(1, 9), st.integers(1, 5), st.integers(0, 4), st.integers(1, 3),
    st.lists(st.booleans(), min_size=5, max_size=5), st.permutations(["N", "K", "S", "P", "D"]),
)
def test_conv_output_size_formula_evaluates_to_the_size(n, k, s, p, d, as_symbol, names) -> None:
    numbers = dict(size=n, kernel_size=k, stride=s, padding=p, dilation=d)
    args = {arg: (name if symbol else numbers[arg]) for (arg, symbol, name) in zip(numbers, as_symbol, names)}
    values = {args[arg]: numbers[arg] for arg in numbers if isinstance(args[arg], str)}
    expected = ours(conv_output_size, n, k, s, p, d)
    try:
        formula = SOLVERS["conv_output_size_formula"](**args)
    except ValueError:
        assert expected is None
        return
    if expected is not None:
        assert evaluate(formula, values) == expected, formula
    if not values:
        assert formula == str(expected)
    if args["stride"] == 1:
        assert "floor" not in formula and "/" not in formula


@PROPERTY
@given(
    st.integers(1, 60), st.integers(1, 9), st.integers(1, 5), st.integers(0, 4), st.integers(0, 2), st.integers(1, 3),
    st.lists(st.booleans(), min_size=6, max_size=6), st.permutations(["N", "K", "S", "P", "A", "D"]),
)
def test_conv_transpose_output_size_formula_evaluates_to_the_size(n, k, s, p, a, d, as_symbol, names) -> None:
    numbers = dict(size=n, kernel_size=k, stride=s, padding=p, output_padding=a, dilation=d)
    args = {arg: (name if symbol else numbers[arg]) for (arg, symbol, name) in zip(numbers, as_symbol, names)}
    values = {args[arg]: numbers[arg] for arg in numbers if isinstance(args[arg], str)}
    expected = ours(conv_transpose_output_size, n, k, s, p, a, d)
    try:
        formula = SOLVERS["conv_transpose_output_size_formula"](**args)
    except ValueError:
        assert expected is None and not values
        return
    if expected is not None:
        assert evaluate(formula, values) == expected, formula


@pytest.mark.parametrize(
    ("solver", "args", "formula"),
    [
        ("conv_output_size_formula", {}, "floor((N + 2*P - K)/S) + 1"),
        ("conv_output_size_formula", {"stride": 1}, "N + 2*P - K + 1"),
        ("conv_output_size_formula", {"stride": 1, "padding": 0, "kernel_size": 7}, "N - 6"),
        ("conv_output_size_formula", {"stride": 2, "padding": 1, "kernel_size": 3}, "floor((N - 1)/2) + 1"),
        ("conv_output_size_formula", {"dilation": "D"}, "floor((N + 2*P - D*(K - 1) - 1)/S) + 1"),
        ("conv_output_size_formula", {"size": "H", "kernel_size": "F"}, "floor((H + 2*P - F)/S) + 1"),
        ("conv_output_size_formula", {"size": 224, "dilation": 2}, "floor((225 + 2*P - 2*K)/S) + 1"),
        ("conv_output_size_formula", {"size": 224, "kernel_size": 7, "stride": 1, "padding": 0}, "218"),
        ("conv_output_size_formula", {"size": 5, "kernel_size": 5, "padding": 0}, "1"),
        ("conv_transpose_output_size_formula", {}, "(N - 1)*S - 2*P + K"),
        ("conv_transpose_output_size_formula", {"stride": 1, "padding": 0}, "N + K - 1"),
        ("conv_transpose_output_size_formula", {"output_padding": "A", "dilation": "D"},
         "(N - 1)*S - 2*P + D*(K - 1) + A + 1"),
        ("conv_transpose_output_size_formula", {"stride": 2, "padding": 1, "kernel_size": 4}, "2*N"),
        ("conv_transpose_output_size_formula", {"size": 4, "padding": 0}, "3*S + K"),
        ("conv_transpose_output_size_formula", {"size": 4, "kernel_size": 3, "stride": 1, "padding": 0}, "6"),
    ],
)
def test_formula_goldens(solver: str, args: dict, formula: str) -> None:
    assert SOLVERS[solver](**args) == formula


def test_formula_refuses_function_names_as_symbols() -> None:
    with pytest.raises(ValueError, match="'floor' names a function"):
        SOLVERS["conv_output_size_formula"](size="floor")


def test_formula_with_a_kernel_larger_than_the_input_is_invalid() -> None:
    with pytest.raises(ValueError, match="below 1"):
        SOLVERS["conv_output_size_formula"](size=3, kernel_size=5, padding=0)


def test_formula_with_same_padding_keeps_the_size() -> None:
    import pytest
    import torch
    import torch.nn.functional as F

    from grader.solvers import SOLVERS

    formula = SOLVERS["conv_output_size_formula"]
    assert formula(size="H", kernel_size="K", stride=1, padding="same") == "H"
    assert formula(size=9, kernel_size=4, stride=1, padding="same") == "9"
    out = F.conv2d(torch.zeros(1, 1, 9, 9), torch.zeros(1, 1, 3, 3), padding="same")
    assert out.shape[-1] == 9
    with pytest.raises(ValueError, match="stride 1"):
        formula(size="H", kernel_size="K", stride=2, padding="same")


@PROPERTY
@given(st.integers(1, 40), st.integers(1, 9), st.one_of(st.none(), st.integers(1, 5)), st.integers(0, 5))
def test_pool_output_size_with_ceil_mode_matches_torch(n: int, k: int, s: int | None, p: int) -> None:
    for pool in (F.max_pool1d, F.avg_pool1d):
        expected = torch_size(pool, torch.zeros(1, 1, n), k, stride=s, padding=p, ceil_mode=True)
        assert ours(pool_output_size, n, k, s, p, True) == expected


# --- padding "same", as torch's padding="same" ------------------------------------------------------------


@PROPERTY
@given(st.integers(1, 40), st.integers(1, 9), st.integers(1, 3), st.integers(1, 3))
def test_conv_output_size_with_same_padding_matches_torch(n: int, k: int, s: int, d: int) -> None:
    """torch keeps the size at stride 1 (even for a kernel longer than the input) and rejects any other stride."""
    expected = torch_size(F.conv1d, torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding="same", dilation=d)
    assert ours(conv_output_size, n, k, s, "same", d) == expected
    args = dict(size=n, kernel_size=k, stride=s, padding="same", dilation=d)
    assert ours(lambda: SOLVERS["conv_output_size"](**args)) == expected


@PROPERTY
@given(st.integers(1, 30), st.integers(1, 9), st.integers(1, 3))
def test_same_padding_splits_as_torch_does(n: int, k: int, d: int) -> None:
    """d(k - 1) zeros in all, the odd one on the right: torch's "same" output equals explicit zero padding."""
    generator = torch.Generator().manual_seed(n * 100 + k * 10 + d)
    x = torch.randn(1, 1, n, dtype=torch.float64, generator=generator)
    w = torch.randn(1, 1, k, dtype=torch.float64, generator=generator)
    left, right = same_padding(k, d)
    assert left + right == d * (k - 1) and right - left in (0, 1)
    explicit = F.conv1d(F.pad(x, (left, right)), w, dilation=d)
    torch.testing.assert_close(F.conv1d(x, w, padding="same", dilation=d), explicit, rtol=0, atol=0)


@PROPERTY
@given(st.tuples(st.integers(1, 64), st.integers(1, 200), st.integers(1, 200)), st.integers(1, 64), pairs,
       st.one_of(st.just(1), pairs), pairs)
def test_conv2d_shapes_with_same_padding_match_torch(shape, c_out, kernel, stride, dilation) -> None:
    x = torch.empty(1, *shape, device="meta")
    w = torch.empty(c_out, shape[0], *_pair(kernel), device="meta")
    expected = meta_shape(F.conv2d, x, w, stride=stride, padding="same", dilation=dilation)
    args = dict(kernel_size=_as_yaml(kernel), stride=_as_yaml(stride), padding="same", dilation=_as_yaml(dilation))
    got = ours(lambda: SOLVERS["conv2d_output_shape"](input_shape=list(shape), out_channels=c_out, **args))
    assert got == expected
    matrix = ours(lambda: SOLVERS["conv2d_matrix_shape"](input_shape=list(shape[1:]), **args))
    assert matrix == (expected[1:] if expected is not None else None)


@pytest.mark.parametrize("padding", ["valid", "SAME", "", True, 1.0, -1, [1, "same"]])
def test_padding_is_a_count_or_same(padding) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        SOLVERS["conv_output_size"].validate_args({"size": 8, "kernel_size": 3, "padding": padding})
    with pytest.raises(ValidationError):
        SOLVERS["conv2d_matrix_shape"].validate_args({"input_shape": [8, 8], "kernel_size": 3, "padding": padding})


def test_same_padding_message() -> None:
    with pytest.raises(ValueError, match=re.escape("padding 'same' needs stride 1, got stride 2")):
        conv_output_size(8, 3, 2, "same")
