"""Further layer counts and shapes against torch on the meta device; formulas against the numeric solvers."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from grader.answers.arith import parse_formula
from grader.solvers import layers
from grader.solvers.macs import conv2d_macs
from grader.solvers.registry import solver
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(200), deadline=None)

S = {name: solver(getattr(layers, name)) for name in (
    "batchnorm2d_params", "depthwise_separable_params", "conv3d_params", "depthwise_separable_macs",
    "conv3d_output_shape", "conv2d_weight_shape", "conv_transpose2d_weight_shape", "conv2d_output_shape_hwc",
    "depthwise_separable_params_formula", "depthwise_separable_macs_formula", "conv2d_params_formula", "conv3d_macs",
    "conv3d_macs_formula",
)}


def torch_params(*modules: nn.Module) -> int:
    return sum(p.numel() for module in modules for p in module.parameters())


def yaml(value: int | tuple[int, ...]) -> int | list[int]:
    return list(value) if isinstance(value, tuple) else value


kernels2 = st.one_of(st.integers(1, 7), st.tuples(st.integers(1, 7), st.integers(1, 7)))
kernels3 = st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5)))


@st.composite
def grouped_channels(draw: st.DrawFn) -> tuple[int, int, int]:
    groups = draw(st.sampled_from([1, 1, 1, 2, 3, 4]))
    return groups * draw(st.integers(1, 32)), groups * draw(st.integers(1, 32)), groups


@PROPERTY
@given(st.integers(1, 4096), st.booleans())
def test_batchnorm2d_params_matches_torch(channels: int, affine: bool) -> None:
    module = nn.BatchNorm2d(channels, affine=affine, device="meta")
    assert S["batchnorm2d_params"](num_features=channels, affine=affine) == torch_params(module)
    assert sum(b.numel() for b in module.buffers()) == 2 * channels + 1  # running stats: buffers, not parameters


@PROPERTY
@given(st.integers(1, 128), st.integers(1, 128), kernels2, st.booleans())
def test_depthwise_separable_params_matches_torch(c_in: int, c_out: int, kernel: int | tuple[int, int], bias: bool) -> None:
    depthwise = nn.Conv2d(c_in, c_in, kernel, groups=c_in, bias=bias, device="meta")
    pointwise = nn.Conv2d(c_in, c_out, 1, bias=bias, device="meta")
    args = {"in_channels": c_in, "out_channels": c_out, "kernel_size": yaml(kernel), "bias": bias}
    assert S["depthwise_separable_params"](**args) == torch_params(depthwise, pointwise)


@PROPERTY
@given(grouped_channels(), kernels3, st.booleans())
def test_conv3d_params_and_weight_match_torch(channels: tuple[int, int, int], kernel: int | tuple[int, int, int], bias: bool) -> None:
    c_in, c_out, groups = channels
    module = nn.Conv3d(c_in, c_out, kernel, bias=bias, groups=groups, device="meta")
    args = {"in_channels": c_in, "out_channels": c_out, "kernel_size": yaml(kernel), "bias": bias, "groups": groups}
    assert S["conv3d_params"](**args) == torch_params(module)


@PROPERTY
@given(grouped_channels(), kernels2)
def test_weight_shapes_match_torch(channels: tuple[int, int, int], kernel: int | tuple[int, int]) -> None:
    c_in, c_out, groups = channels
    args = {"in_channels": c_in, "out_channels": c_out, "kernel_size": yaml(kernel), "groups": groups}
    conv = nn.Conv2d(c_in, c_out, kernel, groups=groups, device="meta")
    transposed = nn.ConvTranspose2d(c_in, c_out, kernel, groups=groups, device="meta")
    assert S["conv2d_weight_shape"](**args) == tuple(conv.weight.shape)
    assert S["conv_transpose2d_weight_shape"](**args) == tuple(transposed.weight.shape)


@st.composite
def conv3d_configs(draw: st.DrawFn) -> dict:
    kernel = draw(kernels3)
    stride = draw(st.one_of(st.integers(1, 3), st.tuples(*[st.integers(1, 3)] * 3)))
    padding = draw(st.one_of(st.integers(0, 2), st.tuples(*[st.integers(0, 2)] * 3)))
    dilation = draw(st.one_of(st.integers(1, 2), st.tuples(*[st.integers(1, 2)] * 3)))
    shape = (draw(st.integers(1, 4)), *(draw(st.integers(1, 12)) for _ in range(3)))
    return {"input_shape": shape, "out_channels": draw(st.integers(1, 16)), "kernel_size": kernel,
            "stride": stride, "padding": padding, "dilation": dilation}


@PROPERTY
@given(conv3d_configs())
def test_conv3d_output_shape_matches_torch(config: dict) -> None:
    c, *spatial = config["input_shape"]
    x = torch.empty(1, c, *spatial, device="meta")
    w = torch.empty(config["out_channels"], c, *layers.triple(config["kernel_size"]), device="meta")
    args = {name: yaml(value) for name, value in config.items()}
    try:
        expected = tuple(F.conv3d(x, w, stride=config["stride"], padding=config["padding"],
                                  dilation=config["dilation"]).shape[1:])
    except RuntimeError:
        with pytest.raises(ValueError):
            S["conv3d_output_shape"](**args)
        return
    assert S["conv3d_output_shape"](**args) == expected


@st.composite
def conv2d_configs(draw: st.DrawFn) -> dict:
    return {"input_shape": (draw(st.integers(1, 40)), draw(st.integers(1, 40)), draw(st.integers(1, 8))),
            "out_channels": draw(st.integers(1, 16)), "kernel_size": draw(kernels2),
            "stride": draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))),
            "padding": draw(st.one_of(st.integers(0, 3), st.tuples(st.integers(0, 3), st.integers(0, 3)))),
            "dilation": draw(st.one_of(st.integers(1, 2), st.tuples(st.integers(1, 2), st.integers(1, 2))))}


@PROPERTY
@given(conv2d_configs())
def test_conv2d_output_shape_hwc_is_torch_permuted(config: dict) -> None:
    height, width, channels = config["input_shape"]
    module = nn.Conv2d(channels, config["out_channels"], config["kernel_size"], stride=config["stride"],
                       padding=config["padding"], dilation=config["dilation"], device="meta")
    x = torch.empty(1, height, width, channels, device="meta").permute(0, 3, 1, 2)  # NHWC -> NCHW
    args = {name: yaml(value) for name, value in config.items()}
    try:
        expected = tuple(module(x).permute(0, 2, 3, 1).shape[1:])  # back to (H, W, C)
    except RuntimeError:
        with pytest.raises(ValueError):
            S["conv2d_output_shape_hwc"](**args)
        return
    assert S["conv2d_output_shape_hwc"](**args) == expected


@PROPERTY
@given(conv2d_configs())
def test_depthwise_separable_macs_is_depthwise_plus_pointwise(config: dict) -> None:
    height, width, channels = config["input_shape"]
    shape = (channels, height, width)
    geometry = {name: config[name] for name in ("stride", "padding", "dilation")}
    try:
        depthwise = conv2d_macs(shape, channels, config["kernel_size"], groups=channels, **geometry)
    except ValueError:
        return
    _, h_out, w_out = nn.Conv2d(channels, channels, config["kernel_size"], groups=channels, device="meta", **geometry)(
        torch.empty(1, *shape, device="meta")).shape[1:]
    expected = depthwise + conv2d_macs((channels, h_out, w_out), config["out_channels"], 1)
    assert expected == h_out * w_out * channels * (
        layers.pair(config["kernel_size"])[0] * layers.pair(config["kernel_size"])[1] + config["out_channels"])
    args = {"input_shape": list(shape), "out_channels": config["out_channels"],
            "kernel_size": yaml(config["kernel_size"]), **{k: yaml(v) for k, v in geometry.items()}}
    assert S["depthwise_separable_macs"](**args) == expected


symbols = st.sampled_from(["M", "N", "K", "C", "H", "W", "C_in"])
terms = st.one_of(symbols, st.integers(1, 9))


@settings(max_examples=scaled(300), deadline=None)
@given(terms, terms, terms, st.data())
def test_params_formula_evaluates_to_the_count(m: str | int, n: str | int, k: str | int, data: st.DataObject) -> None:
    text = S["depthwise_separable_params_formula"](in_channels=m, out_channels=n, kernel_size=k)
    names = sorted({v for v in (m, n, k) if isinstance(v, str)})
    values = {name: data.draw(st.integers(1, 64), label=name) for name in names}
    value = lambda term: values[term] if isinstance(term, str) else term  # noqa: E731
    expected = layers.depthwise_separable_params(value(m), value(n), value(k), bias=False)
    assert parse_formula(text, names).evaluate(values) == expected


@settings(max_examples=scaled(300), deadline=None)
@given(terms, terms, terms, terms, terms, st.data())
def test_macs_formula_evaluates_to_the_same_padding_count(
    h: str | int, w: str | int, m: str | int, n: str | int, k: str | int, data: st.DataObject
) -> None:
    text = S["depthwise_separable_macs_formula"](height=h, width=w, in_channels=m, out_channels=n, kernel_size=k)
    names = sorted({v for v in (h, w, m, n, k) if isinstance(v, str)})
    values = {name: data.draw(st.integers(1, 32), label=name) for name in names}
    value = lambda term: values[term] if isinstance(term, str) else term  # noqa: E731
    odd_k = value(k)
    if odd_k % 2 == 0:  # "same" padding with stride 1 needs an odd kernel for a symmetric padding
        return
    shape = (value(m), value(h), value(w))
    expected = layers.depthwise_separable_macs(shape, value(n), odd_k, padding=odd_k // 2)
    assert parse_formula(text, names).evaluate(values) == expected


def test_formula_texts() -> None:
    assert S["depthwise_separable_params_formula"]() == "M*K^2 + M*N"
    assert S["depthwise_separable_macs_formula"]() == "H*W*M*K^2 + H*W*M*N"
    assert S["depthwise_separable_params_formula"](kernel_size=3) == "9*M + M*N"
    assert S["depthwise_separable_params_formula"](kernel_size=3, out_channels=9) == "18*M"
    assert S["depthwise_separable_params_formula"](in_channels=3, out_channels=4, kernel_size=3) == "39"
    with pytest.raises(ValueError, match="names a function"):
        S["depthwise_separable_params_formula"](in_channels="floor")


def test_worked_values_and_validation() -> None:
    assert S["batchnorm2d_params"](num_features=64) == 128
    assert S["batchnorm2d_params"](num_features=64, affine=False) == 0
    assert S["depthwise_separable_params"](in_channels=32, out_channels=64, kernel_size=3, bias=False) == 288 + 2048
    assert S["conv2d_output_shape_hwc"](input_shape=[32, 32, 3], out_channels=64, kernel_size=3, padding=1) == (32, 32, 64)
    assert S["conv3d_output_shape"](input_shape=[3, 16, 112, 112], out_channels=64, kernel_size=[3, 3, 3], padding=1) == (64, 16, 112, 112)
    with pytest.raises(ValidationError, match="triple"):
        S["conv3d_params"](in_channels=3, out_channels=4, kernel_size="3")
    with pytest.raises(ValidationError):
        S["conv3d_params"](in_channels=3, out_channels=4, kernel_size=[3, 3])
    with pytest.raises(ValueError, match="divisible by groups"):
        S["conv2d_weight_shape"](in_channels=3, out_channels=4, kernel_size=3, groups=2)


@settings(max_examples=scaled(200), deadline=None)
@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 4),
       st.one_of(st.integers(1, 5), st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))))
def test_conv3d_weight_shape_matches_torch(groups: int, per_in: int, per_out: int, kernel) -> None:
    from grader.solvers.layers import conv3d_weight_shape

    in_channels, out_channels = groups * per_in, groups * per_out
    module = torch.nn.Conv3d(in_channels, out_channels, kernel, groups=groups, device="meta")
    assert conv3d_weight_shape(in_channels, out_channels, kernel, groups) == tuple(module.weight.shape)


# --- 3-D convolution MACs and convolution parameters as formulas -------------------------------------------


@PROPERTY
@given(conv3d_configs(), st.sampled_from([1, 1, 2, 3]))
def test_conv3d_macs_match_the_flop_counter(config: dict, groups: int) -> None:
    c, *spatial = config["input_shape"]
    c_in, c_out = c * groups, config["out_channels"] * groups
    module = nn.Conv3d(c_in, c_out, config["kernel_size"], stride=config["stride"], padding=config["padding"],
                       dilation=config["dilation"], groups=groups, device="meta")
    args = {**{name: yaml(value) for name, value in config.items()}, "input_shape": [c_in, *spatial],
            "out_channels": c_out, "groups": groups}
    try:
        with FlopCounterMode(display=False) as counter:
            module(torch.empty(1, c_in, *spatial, device="meta"))
    except RuntimeError:
        with pytest.raises(ValueError):
            S["conv3d_macs"](**args)
        return
    assert S["conv3d_macs"](**args) * 2 == counter.get_total_flops()


@settings(max_examples=scaled(300), deadline=None)
@given(st.lists(terms, min_size=6, max_size=6), st.data())
def test_conv3d_macs_formula_evaluates_to_the_count(values: list, data: st.DataObject) -> None:
    d, h, w, n, k, m = values
    text = S["conv3d_macs_formula"](output_depth=d, output_height=h, output_width=w, out_channels=n, kernel_size=k,
                                    in_channels=m)
    names = sorted({v for v in values if isinstance(v, str)})
    point = {name: data.draw(st.integers(1, 12), label=name) for name in names}
    value = lambda term: point[term] if isinstance(term, str) else term  # noqa: E731
    # the output (D, H, W) of a stride-1 convolution of a (D + K - 1, H + K - 1, W + K - 1) input, no padding
    kernel = value(k)
    shape = (value(m), *(value(t) + kernel - 1 for t in (d, h, w)))
    expected = layers.conv3d_macs(shape, value(n), kernel)
    assert parse_formula(text, names).evaluate(point) == expected


@settings(max_examples=scaled(300), deadline=None)
@given(terms, terms, terms, st.sampled_from([(True, True), (True, False), (False, True)]), st.data())
def test_conv2d_params_formula_counts_torch_parameters(c: str | int, f: str | int, k: str | int, counted,
                                                       data: st.DataObject) -> None:
    weights, bias = counted
    text = S["conv2d_params_formula"](in_channels=c, out_channels=f, kernel_size=k, weights=weights, bias=bias)
    names = sorted({v for v in (c, f, k) if isinstance(v, str)})
    point = {name: data.draw(st.integers(1, 16), label=name) for name in names}
    value = lambda term: point[term] if isinstance(term, str) else term  # noqa: E731
    module = nn.Conv2d(value(c), value(f), value(k), device="meta")
    expected = (module.weight.numel() if weights else 0) + (module.bias.numel() if bias else 0)
    assert parse_formula(text, names).evaluate(point) == expected


def test_more_formula_texts() -> None:
    assert S["conv2d_params_formula"]() == "K^2*C*F + F"
    assert S["conv2d_params_formula"](bias=False) == "K^2*C*F"
    assert S["conv2d_params_formula"](weights=False) == "F"
    assert S["conv2d_params_formula"](in_channels=10, out_channels=20, kernel_size=3) == "1820"
    assert S["conv3d_macs_formula"]() == "D*H*W*N*K^3*M"
    assert S["conv3d_macs_formula"](kernel_size=3, in_channels=1) == "27*D*H*W*N"
    with pytest.raises(ValueError, match="cannot both be false"):
        S["conv2d_params_formula"](weights=False, bias=False)
