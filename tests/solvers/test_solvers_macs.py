"""MACs and FLOPs against ``torch.utils.flop_counter.FlopCounterMode`` on meta tensors.

The flop counter counts 2 FLOPs per multiply-accumulate for convolutions (transposed or not) and matrix
products, and nothing for biases, activations or poolings: our FLOPs are its count, our MACs half of it.
"""

from __future__ import annotations

import re

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from grader.solvers import macs
from grader.solvers.network import parse_layers
from grader.solvers.registry import solver
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(300), deadline=None)

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")


def counted_flops(module: nn.Module, shape: tuple[int, ...]) -> int | None:
    """Torch's FLOPs for one input of this shape (batch 1); None where torch rejects the configuration."""
    try:
        with FlopCounterMode(display=False) as counter:
            out = module(torch.empty(1, *shape, device="meta"))
    except RuntimeError:
        return None
    if min(out.shape) < 1:  # the meta kernel of conv_transpose2d lets an empty output through
        return None
    return counter.get_total_flops()


pairs = lambda low, high: st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))  # noqa: E731
yaml = lambda value: list(value) if isinstance(value, tuple) else value  # noqa: E731
shapes = st.tuples(st.integers(1, 8), st.integers(1, 24), st.integers(1, 24))


@st.composite
def conv_configs(draw, transposed: bool):
    groups = draw(st.sampled_from([1, 1, 1, 2, 3]))
    channels = groups * draw(st.integers(1, 3))
    shape = (channels, draw(st.integers(1, 24)), draw(st.integers(1, 24)))
    args = {
        "input_shape": shape,
        "out_channels": groups * draw(st.integers(1, 4)),
        "kernel_size": yaml(draw(pairs(1, 5))),
        "stride": yaml(draw(pairs(1, 3))),
        "padding": yaml(draw(pairs(0, 3))),
        "dilation": yaml(draw(pairs(1, 2))),
        "groups": groups,
    }
    if transposed:
        args["output_padding"] = yaml(draw(pairs(0, 2)))
    elif draw(st.integers(0, 4)) == 0:  # torch's padding="same" needs stride 1
        args["padding"], args["stride"] = "same", 1
    return args


def torch_conv(args: dict, transposed: bool) -> nn.Module:
    kind = nn.ConvTranspose2d if transposed else nn.Conv2d
    extra = {"output_padding": args["output_padding"]} if transposed else {}
    return kind(
        args["input_shape"][0], args["out_channels"], args["kernel_size"], stride=args["stride"],
        padding=args["padding"], dilation=args["dilation"], groups=args["groups"], device="meta", **extra,
    )


@PROPERTY
@given(conv_configs(transposed=False))
def test_conv2d_macs_and_flops_match_the_flop_counter(args) -> None:
    expected = counted_flops(torch_conv(args, False), args["input_shape"])
    names = ("conv2d_macs", "conv2d_flops", "conv2d_macs_input_size", "conv2d_flops_as_macs")
    if expected is None:
        for name in names:
            with pytest.raises(ValueError):
                solver(getattr(macs, name))(**args)
        return
    assert solver(macs.conv2d_flops)(**args) == expected
    assert solver(macs.conv2d_macs)(**args) * 2 == expected
    assert solver(macs.conv2d_flops_as_macs)(**args) * 2 == expected
    # the distractor: the output size replaced by the input size
    _, height, width = args["input_shape"]
    out = torch_conv(args, False)(torch.empty(1, *args["input_shape"], device="meta")).shape
    wrong = solver(macs.conv2d_macs_input_size)(**args)
    assert wrong * out[2] * out[3] == expected // 2 * height * width
    assert (wrong == expected // 2) == (height * width == out[2] * out[3])


@PROPERTY
@given(conv_configs(transposed=True))
def test_conv_transpose2d_macs_and_flops_match_the_flop_counter(args) -> None:
    module = torch_conv(args, True)
    output_padding = [args["output_padding"]] * 2 if isinstance(args["output_padding"], int) else args["output_padding"]
    stride = [args["stride"]] * 2 if isinstance(args["stride"], int) else args["stride"]
    dilation = [args["dilation"]] * 2 if isinstance(args["dilation"], int) else args["dilation"]
    # torch checks output_padding < stride or < dilation only on CPU; the meta kernel does not
    valid_padding = all(a < s or a < d for a, s, d in zip(output_padding, stride, dilation))
    expected = counted_flops(module, args["input_shape"]) if valid_padding else None
    if expected is None:
        for name in ("conv_transpose2d_macs", "conv_transpose2d_flops"):
            with pytest.raises(ValueError):
                solver(getattr(macs, name))(**args)
        return
    assert solver(macs.conv_transpose2d_flops)(**args) == expected
    assert solver(macs.conv_transpose2d_macs)(**args) * 2 == expected


@PROPERTY
@given(st.integers(1, 64), st.integers(1, 64), st.booleans())
def test_linear_macs_and_flops_match_the_flop_counter(n_in, n_out, bias) -> None:
    expected = counted_flops(nn.Linear(n_in, n_out, bias=bias, device="meta"), (n_in,))
    assert solver(macs.linear_flops)(in_features=n_in, out_features=n_out) == expected
    assert solver(macs.linear_macs)(in_features=n_in, out_features=n_out) * 2 == expected


# --- whole networks --------------------------------------------------------------------------------------


@st.composite
def networks(draw):
    shape = (draw(st.integers(1, 4)), draw(st.integers(8, 32)), draw(st.integers(8, 32)))
    specs, modules, current = [], [], shape
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["conv2d", "conv2d", "conv_transpose2d", "maxpool2d", "relu"]))
        if kind in ("conv2d", "conv_transpose2d"):
            spec = {
                "type": kind, "out_channels": draw(st.integers(1, 6)), "kernel_size": draw(st.integers(1, 3)),
                "stride": draw(st.integers(1, 2)), "padding": draw(st.integers(0, 1)),
            }
            conv = nn.Conv2d if kind == "conv2d" else nn.ConvTranspose2d
            module = conv(current[0], spec["out_channels"], spec["kernel_size"], stride=spec["stride"],
                          padding=spec["padding"], device="meta")
        elif kind == "maxpool2d":
            spec, module = {"type": kind, "kernel_size": 2}, nn.MaxPool2d(2)
        else:
            spec, module = {"type": kind}, nn.ReLU()
        try:
            out = module(torch.empty(1, *current, device="meta")).shape[1:]
        except RuntimeError:  # a pooling window larger than its input
            break
        if min(out) < 1:
            break
        specs.append(spec)
        modules.append(module)
        current = tuple(out)
    if draw(st.booleans()):
        specs += [{"type": "flatten"}, {"type": "linear", "out_features": draw(st.integers(1, 10))}]
        modules += [nn.Flatten(), nn.Linear(int(torch.tensor(current).prod()), specs[-1]["out_features"], device="meta")]
    if not specs:
        specs, modules = [{"type": "relu"}], [nn.ReLU()]
    return shape, specs, modules


@settings(max_examples=scaled(150), deadline=None)
@given(networks())
def test_network_macs_match_the_flop_counter(network) -> None:
    shape, specs, modules = network
    expected = counted_flops(nn.Sequential(*modules), shape)
    assert solver(macs.network_flops)(input_shape=list(shape), layers=specs) == expected
    assert solver(macs.network_macs)(input_shape=list(shape), layers=specs) * 2 == expected
    per_layer = macs.network_layer_macs(shape, parse_layers(specs))
    assert per_layer == [counted_flops(m, s) // 2 for m, s in zip(modules, layer_inputs(shape, modules))]


def layer_inputs(shape, modules):
    shapes = []
    for module in modules:
        shapes.append(shape)
        shape = tuple(module(torch.empty(1, *shape, device="meta")).shape[1:])
    return shapes


def test_homework_three_5x5_stride_2_convolutions() -> None:
    layers = parse_layers([{"type": "conv2d", "out_channels": c, "kernel_size": 5, "stride": 2, "padding": 2}
                           for c in (64, 128, 256)])
    assert macs.network_layer_macs((3, 128, 128), layers) == [
        64 * 64 * 64 * 5**2 * 3,
        32 * 32 * 128 * 5**2 * 64,
        16 * 16 * 256 * 5**2 * 128,
    ]
    assert macs.conv2d_macs((3, 128, 128), 64, 5, 2, 2) == 64 * 64 * 64 * 25 * 3


# --- formula ---------------------------------------------------------------------------------------------

ALLOWED = re.compile(r"^[A-Za-z0-9_+\-*/() ]+$")


def evaluate(formula: str, values: dict[str, int]) -> int:
    assert ALLOWED.match(formula), formula
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", formula))
    assert names <= set(values), (formula, names)
    return eval(formula, {"__builtins__": {}}, values)  # noqa: S307 - our own output, tests only


ARGS = ("output_height", "output_width", "out_channels", "kernel_size", "in_channels")


@PROPERTY
@given(
    st.tuples(*[st.integers(1, 9)] * 5),
    st.tuples(*[st.booleans()] * 5),
    st.sampled_from([("H", "W", "N", "K", "M"), ("H_out", "W_out", "C_out", "k", "C_in"), ("H", "H", "N", "K", "N")]),
)
def test_formula_evaluates_to_the_macs(numbers, as_symbol, names) -> None:
    h, w, n, k, m = numbers
    values = {}
    for name, number, symbol in zip(names, numbers, as_symbol):
        if symbol:
            values.setdefault(name, number)
    numbers = tuple(values.get(name, number) if symbol else number
                    for name, number, symbol in zip(names, numbers, as_symbol))  # a repeated symbol: one value
    h, w, n, k, m = numbers
    args = {arg: (name if symbol else number) for arg, name, number, symbol in zip(ARGS, names, numbers, as_symbol)}
    formula = solver(macs.conv2d_macs_formula)(**args)
    expected = macs.conv2d_macs((m, h + k - 1, w + k - 1), n, k)
    assert expected == h * w * n * k * k * m
    assert evaluate(formula, values) == expected, formula
    if not any(as_symbol):
        assert formula == str(expected)


@pytest.mark.parametrize(
    ("args", "formula"),
    [
        ({}, "H*W*N*K**2*M"),
        ({"kernel_size": 5}, "25*H*W*N*M"),
        ({"output_height": "H_out", "output_width": "W_out"}, "H_out*W_out*N*K**2*M"),
        ({"output_width": "H"}, "H**2*N*K**2*M"),
        ({"output_height": 2, "output_width": 3, "out_channels": 4, "kernel_size": 1, "in_channels": 5}, "120"),
    ],
)
def test_formula_text(args, formula) -> None:
    assert macs.conv2d_macs_formula(**args) == formula


def test_formula_rejects_function_names() -> None:
    with pytest.raises(ValueError, match="names a function"):
        macs.conv2d_macs_formula(kernel_size="max")


# --- argument validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "location"),
    [
        ({"input_shape": [3, 8], "out_channels": 4, "kernel_size": 3}, "input_shape"),
        ({"input_shape": [3, 8, 8], "out_channels": 0, "kernel_size": 3}, "out_channels"),
        ({"input_shape": [3, 8, 8], "out_channels": 4, "kernel_size": 3.0}, "kernel_size"),
        ({"input_shape": [3, 8, 8], "out_channels": 4, "kernel_size": 3, "padding": -1}, "padding"),
        ({"input_shape": [3, 8, 8], "out_channels": 4, "kernel_size": 3, "bias": True}, "bias"),
        ({"input_shape": [3, 8, 8], "out_channels": "4", "kernel_size": 3}, "out_channels"),
    ],
)
@pytest.mark.parametrize("name", ["conv2d_macs", "conv2d_flops", "conv2d_macs_input_size", "conv2d_flops_as_macs"])
def test_invalid_conv_arguments_are_rejected(name, args, location) -> None:
    with pytest.raises(ValidationError, match=re.escape(location)):
        solver(getattr(macs, name))(**args)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: macs.conv2d_macs((3, 8, 8), 4, 3, groups=2), "in_channels"),
        (lambda: macs.conv2d_macs((4, 8, 8), 3, 3, groups=2), "out_channels"),
        (lambda: macs.conv2d_macs((3, 2, 8), 4, 3), "kernel spans"),
        (lambda: macs.conv_transpose2d_macs((3, 4, 4), 4, 3, stride=2, output_padding=2), "output_padding"),
        (lambda: macs.conv_transpose2d_macs((3, 1, 1), 4, 1, padding=1), "padding"),
    ],
)
def test_invalid_configurations_raise_value_error(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_distractors_take_their_counterparts_arguments() -> None:
    import inspect

    for wrong, right in (("conv2d_macs_input_size", "conv2d_macs"), ("conv2d_flops_as_macs", "conv2d_flops")):
        ours = inspect.signature(getattr(macs, wrong)).parameters.values()
        theirs = inspect.signature(getattr(macs, right)).parameters.values()
        assert [(p.name, p.default) for p in ours] == [(p.name, p.default) for p in theirs]
