"""Parameter counts and shapes of further layers: batch norm, depthwise-separable and 3-D convolutions,
weight shapes, channels-last output shapes; convolution parameters, depthwise-separable counts and 3-D
MACs as formulas.

Counts are ``sum(p.numel() for p in layer.parameters())`` (Python ints); shapes are as torch gives them.
"""

from __future__ import annotations

from typing import Union

from grader.solvers.argtypes import (
    Flag,
    NonNegative,
    PaddingPair,
    Positive,
    PositivePair,
    SizeTerm,
    kind_of,
    pair,
    tagged_union,
)
from grader.solvers.macs import conv2d_macs
from grader.solvers.params import _check_groups
from grader.solvers.sizes import FUNCTIONS, conv2d_matrix_shape, conv_output_size

_TRIPLE = {"int": "int", "list": "triple"}
_triple_tag = lambda value: _TRIPLE.get(kind_of(value) or "")  # noqa: E731

_NOT_A_TRIPLE = "Input should be an integer or a triple [depth, height, width]"

PositiveTriple = tagged_union(_triple_tag, _NOT_A_TRIPLE, int=Positive, triple=tuple[Positive, Positive, Positive])
"""One value for all three spatial dimensions, or ``(depth, height, width)``."""

NonNegativeTriple = tagged_union(
    _triple_tag, _NOT_A_TRIPLE, int=NonNegative, triple=tuple[NonNegative, NonNegative, NonNegative]
)

ShapeCDHW = tuple[Positive, Positive, Positive, Positive]
ShapeHWC = tuple[Positive, Positive, Positive]


def triple(value: Union[int, tuple[int, int, int], list[int]]) -> tuple[int, int, int]:
    """``3 -> (3, 3, 3)``; ``(1, 3, 5) -> (1, 3, 5)``."""
    if isinstance(value, int):
        return (value, value, value)
    depth, height, width = value
    return (depth, height, width)


# --- parameter counts ------------------------------------------------------------------------------------


def batchnorm2d_params(num_features: Positive, affine: Flag = True) -> int:
    """Learnable parameters of a 2-D batch norm: 2*C (a scale gamma and a shift beta per channel).

    C: num_features (channels). Zero without ``affine``. The running mean and variance (and the batch
    counter) are buffers, not parameters: they are updated by averaging, not learned by gradient descent,
    so they are not counted (with them, 4*C values plus one counter are stored).
    """
    return 2 * num_features if affine else 0


def depthwise_separable_params(
    in_channels: Positive, out_channels: Positive, kernel_size: PositivePair, bias: Flag = True
) -> int:
    """Parameters of a depthwise-separable convolution: k_h*k_w*C_in (+C_in) + C_in*C_out (+C_out).

    A depthwise k_h×k_w convolution (groups = C_in, one filter per input channel, weight (C_in, 1, k_h,
    k_w)) followed by a pointwise 1×1 convolution C_in -> C_out; the biases (C_in, then C_out) only when
    ``bias``.
    """
    k_h, k_w = pair(kernel_size)
    depthwise = k_h * k_w * in_channels + (in_channels if bias else 0)
    pointwise = in_channels * out_channels + (out_channels if bias else 0)
    return depthwise + pointwise


def conv3d_params(
    in_channels: Positive,
    out_channels: Positive,
    kernel_size: PositiveTriple,
    bias: Flag = True,
    groups: Positive = 1,
) -> int:
    """Parameters of a 3-D convolution: k_d*k_h*k_w*(c_in/g)*c_out + c_out.

    Weight shape (c_out, c_in/g, k_d, k_h, k_w); the c_out biases only when ``bias``.
    """
    _check_groups(in_channels, out_channels, groups)
    k_d, k_h, k_w = triple(kernel_size)
    weights = k_d * k_h * k_w * (in_channels // groups) * out_channels
    return weights + (out_channels if bias else 0)


def depthwise_separable_macs(
    input_shape: tuple[Positive, Positive, Positive],
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: PaddingPair = 0,
    dilation: PositivePair = 1,
) -> int:
    """MACs of a depthwise-separable convolution on an input (C, H, W): H_out*W_out*C*(k_h*k_w + C_out).

    The depthwise k_h×k_w convolution (groups = C, with the given stride, padding and dilation) takes
    H_out*W_out*C*k_h*k_w MACs; the pointwise 1×1 convolution C -> C_out on its output H_out*W_out*C*C_out.
    Biases are not counted.
    """
    channels, _, _ = input_shape
    depthwise = conv2d_macs(input_shape, channels, kernel_size, stride, padding, dilation, groups=channels)
    _, h_out, w_out = (channels, *conv2d_matrix_shape(input_shape[1:], kernel_size, stride, padding, dilation))
    return depthwise + conv2d_macs((channels, h_out, w_out), out_channels, 1)


def conv3d_macs(
    input_shape: ShapeCDHW,
    out_channels: Positive,
    kernel_size: PositiveTriple,
    stride: PositiveTriple = 1,
    padding: NonNegativeTriple = 0,
    dilation: PositiveTriple = 1,
    groups: Positive = 1,
) -> int:
    """MACs of a 3-D convolution: D_out*H_out*W_out*C_out*(C_in/g)*k_d*k_h*k_w.

    D_out, H_out, W_out: the output size; C_in: input_shape's channels, C_out: out_channels, g: groups.
    Each of the D_out*H_out*W_out*C_out outputs takes (C_in/g)*k_d*k_h*k_w products; biases not counted.
    """
    channels = input_shape[0]
    _check_groups(channels, out_channels, groups)
    _, d_out, h_out, w_out = conv3d_output_shape(input_shape, out_channels, kernel_size, stride, padding, dilation)
    k_d, k_h, k_w = triple(kernel_size)
    return d_out * h_out * w_out * out_channels * (channels // groups) * k_d * k_h * k_w


# --- shapes ----------------------------------------------------------------------------------------------


def conv3d_output_shape(
    input_shape: ShapeCDHW,
    out_channels: Positive,
    kernel_size: PositiveTriple,
    stride: PositiveTriple = 1,
    padding: NonNegativeTriple = 0,
    dilation: PositiveTriple = 1,
) -> tuple[int, int, int, int]:
    """Output shape (C_out, D_out, H_out, W_out) of a 3-D convolution of an input (C, D, H, W).

    Each spatial size is floor((n + 2p - d(k - 1) - 1)/s) + 1, per dimension.
    """
    _, *spatial = input_shape
    sizes = tuple(
        conv_output_size(n, k, s, p, d)
        for n, k, s, p, d in zip(spatial, *map(triple, (kernel_size, stride, padding, dilation)))
    )
    return (out_channels, *sizes)  # type: ignore[return-value]


def conv2d_weight_shape(
    in_channels: Positive, out_channels: Positive, kernel_size: PositivePair, groups: Positive = 1
) -> tuple[int, int, int, int]:
    """Shape of a 2-D convolution's weight: (C_out, C_in/g, k_h, k_w), as ``nn.Conv2d(...).weight.shape``."""
    _check_groups(in_channels, out_channels, groups)
    return (out_channels, in_channels // groups, *pair(kernel_size))


def conv3d_weight_shape(
    in_channels: Positive, out_channels: Positive, kernel_size: PositiveTriple, groups: Positive = 1
) -> tuple[int, int, int, int, int]:
    """Shape of a 3-D convolution's weight: (C_out, C_in/g, k_d, k_h, k_w), as ``nn.Conv3d(...).weight.shape``."""
    _check_groups(in_channels, out_channels, groups)
    return (out_channels, in_channels // groups, *triple(kernel_size))


def conv_transpose2d_weight_shape(
    in_channels: Positive, out_channels: Positive, kernel_size: PositivePair, groups: Positive = 1
) -> tuple[int, int, int, int]:
    """Shape of a transposed convolution's weight: (C_in, C_out/g, k_h, k_w), input channels first."""
    _check_groups(in_channels, out_channels, groups)
    return (in_channels, out_channels // groups, *pair(kernel_size))


def conv2d_output_shape_hwc(
    input_shape: ShapeHWC,
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: PaddingPair = 0,
    dilation: PositivePair = 1,
) -> tuple[int, int, int]:
    """Output shape (H_out, W_out, C_out) of a 2-D convolution of an input written channels-last (H, W, C)."""
    height, width, _ = input_shape
    return (*conv2d_matrix_shape((height, width), kernel_size, stride, padding, dilation), out_channels)


# --- formulas in the student's symbols -------------------------------------------------------------------

Factors = list[tuple[Union[str, int], int]]
"""A monomial as (symbol or number, power) factors."""


def depthwise_separable_params_formula(
    in_channels: SizeTerm = "M", out_channels: SizeTerm = "N", kernel_size: SizeTerm = "K"
) -> str:
    """Weights of a K×K depthwise-separable convolution as a formula: M*K^2 + M*N (no biases).

    M: in_channels, N: out_channels, K: kernel_size (square). Depthwise M*K^2, pointwise M*N; biases are
    not counted (with them add M + N). Numbers are folded in; with every argument a number, the count.
    """
    m, n, k = in_channels, out_channels, kernel_size
    return _polynomial([[(m, 1), (k, 2)], [(m, 1), (n, 1)]])


def depthwise_separable_macs_formula(
    height: SizeTerm = "H",
    width: SizeTerm = "W",
    in_channels: SizeTerm = "M",
    out_channels: SizeTerm = "N",
    kernel_size: SizeTerm = "K",
) -> str:
    """MACs of a K×K depthwise-separable convolution as a formula: H*W*M*K^2 + H*W*M*N.

    H, W: the output's height and width (the input's, with stride 1 and "same" padding), M: in_channels,
    N: out_channels, K: kernel_size. Depthwise H*W*M*K^2, pointwise H*W*M*N; biases not counted.
    """
    h, w, m, n, k = height, width, in_channels, out_channels, kernel_size
    return _polynomial([[(h, 1), (w, 1), (m, 1), (k, 2)], [(h, 1), (w, 1), (m, 1), (n, 1)]])


def conv2d_params_formula(
    in_channels: SizeTerm = "C",
    out_channels: SizeTerm = "F",
    kernel_size: SizeTerm = "K",
    weights: Flag = True,
    bias: Flag = True,
) -> str:
    """Parameters of a K×K convolution as a formula: K^2*C*F weights plus F biases.

    C: in_channels, F: out_channels (filters), K: kernel_size (square). ``bias: false`` counts the
    weights alone (K^2*C*F), ``weights: false`` the biases alone (F). Numbers are folded in; with every
    argument a number, the count.
    """
    c, f, k = in_channels, out_channels, kernel_size
    monomials: list[Factors] = ([[(k, 2), (c, 1), (f, 1)]] if weights else []) + ([[(f, 1)]] if bias else [])
    if not monomials:
        raise ValueError("count the weights, the biases or both (weights and bias cannot both be false)")
    return _polynomial(monomials)


def conv3d_macs_formula(
    output_depth: SizeTerm = "D",
    output_height: SizeTerm = "H",
    output_width: SizeTerm = "W",
    out_channels: SizeTerm = "N",
    kernel_size: SizeTerm = "K",
    in_channels: SizeTerm = "M",
) -> str:
    """MACs of a K×K×K 3-D convolution as a formula: D*H*W*N*K^3*M.

    D, H, W: the output's depth (frames), height and width; N: out_channels, K: kernel_size (cubic), M:
    in_channels. Each of the D*H*W*N outputs takes K^3*M products; biases not counted. Numbers are folded
    in; with every argument a number, the count.
    """
    d, h, w, n, k, m = output_depth, output_height, output_width, out_channels, kernel_size, in_channels
    return _polynomial([[(d, 1), (h, 1), (w, 1), (n, 1), (k, 3), (m, 1)]])


def _polynomial(monomials: list[Factors]) -> str:
    """A sum of monomials: numbers folded into coefficients, repeated symbols as powers, like terms merged.

    Symbols keep their order of first appearance: "M*K^2 + M*N", "18*M", "H*W*M*K^2 + H*W*M*N".
    """
    terms: dict[tuple[tuple[str, int], ...], int] = {}
    for factors in monomials:
        coefficient, powers = 1, {}  # symbol -> power
        for value, power in factors:
            if isinstance(value, int):
                coefficient *= value**power
                continue
            if value in FUNCTIONS:
                raise ValueError(f"{value!r} names a function in formulas; choose another symbol")
            powers[value] = powers.get(value, 0) + power
        key = tuple(powers.items())
        same = next((other for other in terms if sorted(other) == sorted(key)), key)
        terms[same] = terms.get(same, 0) + coefficient
    parts = []
    for key, coefficient in terms.items():
        factors = [name if power == 1 else f"{name}^{power}" for name, power in key]
        if coefficient != 1 or not factors:
            factors.insert(0, str(coefficient))
        parts.append("*".join(factors))
    return " + ".join(parts)
