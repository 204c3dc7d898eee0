"""Cases for output sizes, parameter counts and receptive fields: small integers, every argument varied."""

from __future__ import annotations

import random

from pydantic import Field

from grader.code.generators.common import (Case, Options, draw_cases, fixed_arguments, keep, pair_or_int,
                                           raises_not, restrict)
from grader.solvers.params import conv2d_params
from grader.solvers.receptive import receptive_field
from grader.solvers.sizes import conv_output_size, conv_transpose_output_size

# --- convolution output size ------------------------------------------------------------------------------


class ConvSizeOptions(Options):
    """Which of stride, padding and dilation vary (off: left out, so 1, 0 and 1), and how large sizes get."""

    stride: bool = True
    padding: bool = True
    dilation: bool = True
    max_size: int = Field(default=32, ge=1, le=1024)
    max_kernel: int = Field(default=7, ge=1, le=31)


_CONV_DEFAULTS = {"stride": 1, "padding": 0, "dilation": 1}

_CONV_EDGES: list[Case] = [
    {"size": 7, "kernel_size": 3, "stride": 1, "padding": 0, "dilation": 1},
    {"size": 5, "kernel_size": 5, "stride": 1, "padding": 0, "dilation": 1},  # kernel as large as the input
    {"size": 1, "kernel_size": 1, "stride": 1, "padding": 0, "dilation": 1},
    {"size": 9, "kernel_size": 1, "stride": 1, "padding": 0, "dilation": 1},  # 1×1 kernel
    {"size": 8, "kernel_size": 3, "stride": 2, "padding": 0, "dilation": 1},  # stride does not divide
    {"size": 10, "kernel_size": 1, "stride": 3, "padding": 0, "dilation": 1},
    {"size": 7, "kernel_size": 3, "stride": 2, "padding": 1, "dilation": 1},
    {"size": 4, "kernel_size": 5, "stride": 1, "padding": 1, "dilation": 1},  # padding makes the kernel fit
    {"size": 10, "kernel_size": 3, "stride": 1, "padding": 0, "dilation": 2},
    {"size": 7, "kernel_size": 4, "stride": 3, "padding": 2, "dilation": 2},
]


def conv_output_size_cases(rng: random.Random, count: int, options: ConvSizeOptions) -> list[Case]:
    fixed = fixed_arguments(options, _CONV_DEFAULTS)

    def draw(rng: random.Random) -> Case:
        case = {"size": rng.randint(1, options.max_size), "kernel_size": rng.randint(1, options.max_kernel),
                "stride": rng.randint(1, 4), "padding": rng.randint(0, 3), "dilation": rng.randint(1, 3)}
        return keep(case, fixed)

    return draw_cases(rng, count, restrict(_CONV_EDGES, fixed), draw, raises_not(conv_output_size))


# --- transposed convolution output size -----------------------------------------------------------------


class TransposeSizeOptions(ConvSizeOptions):
    """As for convolutions, and ``output_padding``: vary it (off: left out, so 0)."""

    output_padding: bool = True


_TRANSPOSE_DEFAULTS = {**_CONV_DEFAULTS, "output_padding": 0}

_TRANSPOSE_EDGES: list[Case] = [
    {"size": 3, "kernel_size": 3, "stride": 2, "padding": 0, "output_padding": 0, "dilation": 1},
    {"size": 1, "kernel_size": 1, "stride": 1, "padding": 0, "output_padding": 0, "dilation": 1},
    {"size": 4, "kernel_size": 4, "stride": 2, "padding": 1, "output_padding": 0, "dilation": 1},  # doubles
    {"size": 5, "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1, "dilation": 1},
    {"size": 6, "kernel_size": 3, "stride": 1, "padding": 1, "output_padding": 0, "dilation": 1},  # same size
    {"size": 3, "kernel_size": 2, "stride": 3, "padding": 0, "output_padding": 0, "dilation": 1},  # gaps
    {"size": 4, "kernel_size": 3, "stride": 1, "padding": 0, "output_padding": 0, "dilation": 2},
    {"size": 2, "kernel_size": 1, "stride": 1, "padding": 0, "output_padding": 1, "dilation": 2},
]


def conv_transpose_output_size_cases(rng: random.Random, count: int, options: TransposeSizeOptions) -> list[Case]:
    fixed = fixed_arguments(options, _TRANSPOSE_DEFAULTS)

    def draw(rng: random.Random) -> Case:
        stride, dilation = rng.randint(1, 4), rng.randint(1, 3)
        case = {"size": rng.randint(1, options.max_size), "kernel_size": rng.randint(1, options.max_kernel),
                "stride": stride, "padding": rng.randint(0, 3),
                "output_padding": rng.randint(0, max(stride, dilation) - 1), "dilation": dilation}
        return keep(case, fixed)

    return draw_cases(rng, count, restrict(_TRANSPOSE_EDGES, fixed), draw, raises_not(conv_transpose_output_size))


# --- convolution parameter count ------------------------------------------------------------------------


class ConvParamsOptions(Options):
    """``bias``: draw bias on and off (off: left out, so true); ``groups``: grouped and depthwise layers;
    ``pairs``: some kernels as ``[height, width]``."""

    bias: bool = True
    groups: bool = True
    pairs: bool = True
    max_channels: int = Field(default=512, ge=1, le=4096)


_PARAMS_EDGES: list[Case] = [
    {"in_channels": 3, "out_channels": 64, "kernel_size": 3, "bias": True, "groups": 1},
    {"in_channels": 3, "out_channels": 64, "kernel_size": 3, "bias": False, "groups": 1},
    {"in_channels": 1, "out_channels": 1, "kernel_size": 1, "bias": True, "groups": 1},
    {"in_channels": 64, "out_channels": 128, "kernel_size": 1, "bias": True, "groups": 1},  # 1×1 convolution
    {"in_channels": 16, "out_channels": 32, "kernel_size": [3, 5], "bias": True, "groups": 1},
    {"in_channels": 32, "out_channels": 32, "kernel_size": 3, "bias": True, "groups": 32},  # depthwise
    {"in_channels": 8, "out_channels": 16, "kernel_size": 3, "bias": False, "groups": 4},
]


def conv2d_params_cases(rng: random.Random, count: int, options: ConvParamsOptions) -> list[Case]:
    fixed = fixed_arguments(options, {"bias": True, "groups": 1})
    edges = [case for case in _PARAMS_EDGES if options.pairs or isinstance(case["kernel_size"], int)]
    edges = [case for case in edges if max(case["in_channels"], case["out_channels"]) <= options.max_channels]

    def draw(rng: random.Random) -> Case:
        groups = rng.choice([1, 1, 1, 2, 4, 8]) if options.groups else 1
        limit = max(1, options.max_channels // groups)
        case = {"in_channels": groups * _channels(rng, limit), "out_channels": groups * _channels(rng, limit),
                "kernel_size": pair_or_int(rng, 1, 7, options.pairs), "bias": rng.random() < 0.5,
                "groups": groups}
        return keep(case, fixed)

    return draw_cases(rng, count, restrict(edges, fixed), draw, raises_not(conv2d_params))


def _channels(rng: random.Random, limit: int) -> int:
    """A channel count up to ``limit``: often a power of two, sometimes any number (3, 100, ...)."""
    if rng.random() < 0.5:
        return min(limit, 2 ** rng.randint(0, 9))
    return rng.randint(1, limit)


# --- receptive field of a stack ---------------------------------------------------------------------------


class ReceptiveOptions(Options):
    """``dilation``: give every layer a dilation (off: layers have kernel_size and stride only)."""

    dilation: bool = True
    max_layers: int = Field(default=6, ge=1, le=20)
    max_kernel: int = Field(default=7, ge=1, le=15)
    max_stride: int = Field(default=3, ge=1, le=4)


def _stack(*layers: tuple[int, int, int]) -> Case:
    return {"layers": [{"kernel_size": k, "stride": s, "dilation": d} for k, s, d in layers]}


_RECEPTIVE_EDGES: list[Case] = [
    _stack((1, 1, 1)),
    _stack((3, 1, 1), (3, 1, 1), (3, 1, 1)),  # 7
    _stack((5, 2, 1), (5, 2, 1), (5, 2, 1)),  # 29 (grown by the previous stride alone: 21)
    _stack((3, 2, 1), (2, 2, 1), (3, 1, 1), (2, 2, 1)),  # convolutions and poolings
    _stack((7, 2, 1), (3, 2, 1), (3, 1, 1), (3, 1, 1)),
    _stack((3, 1, 1), (3, 1, 2), (3, 1, 4)),  # dilated stack: 15
]


def receptive_field_cases(rng: random.Random, count: int, options: ReceptiveOptions) -> list[Case]:
    edges = [case for case in _RECEPTIVE_EDGES if _fits(case, options)]
    if not options.dilation:
        edges = [_undilated(case) for case in edges]

    def draw(rng: random.Random) -> Case:
        layers = []
        for _ in range(rng.randint(1, options.max_layers)):
            layer = {"kernel_size": rng.randint(1, options.max_kernel), "stride": rng.randint(1, options.max_stride)}
            if options.dilation:
                layer["dilation"] = rng.choice([1, 1, 1, 2, 3])
            layers.append(layer)
        return {"layers": layers}

    return draw_cases(rng, count, edges, draw, raises_not(receptive_field))


def _fits(case: Case, options: ReceptiveOptions) -> bool:
    layers = case["layers"]
    return (len(layers) <= options.max_layers
            and all(layer["kernel_size"] <= options.max_kernel and layer["stride"] <= options.max_stride
                    for layer in layers)
            and (options.dilation or all(layer["dilation"] == 1 for layer in layers)))


def _undilated(case: Case) -> Case:
    return {"layers": [{"kernel_size": layer["kernel_size"], "stride": layer["stride"]} for layer in case["layers"]]}
