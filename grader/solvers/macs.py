"""Computational cost of layers: multiply-accumulates (MACs) and floating-point operations (FLOPs).

Conventions: one MAC is one multiplication added into a running sum; FLOPs = 2*MACs (a multiply and an
add), as ``torch.utils.flop_counter.FlopCounterMode`` counts convolutions and matrix products. Biases,
activations and poolings are not counted. Shapes are ``(C, H, W)`` without the batch dimension (one
input image); every count is for one input.
"""

from __future__ import annotations

from grader.solvers.argtypes import NonNegativePair, PaddingPair, Positive, PositivePair, Shape, ShapeCHW, SizeTerm, pair
from grader.solvers.network import Layers, walk_network
from grader.solvers.params import _check_groups
from grader.solvers.sizes import FUNCTIONS, conv2d_output_shape, conv_transpose2d_output_shape


def flops_from_macs(macs: int) -> int:
    """FLOPs of a count of multiply-accumulates: 2*MACs (one multiplication and one addition each)."""
    return 2 * macs


# --- single layers ---------------------------------------------------------------------------------------


def linear_macs(in_features: Positive, out_features: Positive) -> int:
    """MACs of a fully connected layer on one input vector: n_in*n_out (n_in: in_features, n_out: out)."""
    return in_features * out_features


def linear_flops(in_features: Positive, out_features: Positive) -> int:
    """FLOPs of a fully connected layer: 2*n_in*n_out (2 FLOPs per MAC, the bias not counted)."""
    return flops_from_macs(linear_macs(in_features, out_features))


def conv2d_macs(
    input_shape: ShapeCHW,
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: PaddingPair = 0,
    dilation: PositivePair = 1,
    groups: Positive = 1,
) -> int:
    """MACs of a 2-D convolution: H_out*W_out*C_out*(C_in/g)*k_h*k_w.

    H_out, W_out: the output size; C_in: input_shape's channels, C_out: out_channels, k_h*k_w:
    kernel_size, g: groups. Each of the H_out*W_out*C_out outputs takes (C_in/g)*k_h*k_w products.
    """
    channels, _, _ = input_shape
    _check_groups(channels, out_channels, groups)
    _, h_out, w_out = conv2d_output_shape(input_shape, out_channels, kernel_size, stride, padding, dilation)
    k_h, k_w = pair(kernel_size)
    return h_out * w_out * out_channels * (channels // groups) * k_h * k_w


def conv2d_flops(
    input_shape: ShapeCHW,
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: PaddingPair = 0,
    dilation: PositivePair = 1,
    groups: Positive = 1,
) -> int:
    """FLOPs of a 2-D convolution: 2*H_out*W_out*C_out*(C_in/g)*k_h*k_w (2 FLOPs per MAC, no bias)."""
    return flops_from_macs(conv2d_macs(input_shape, out_channels, kernel_size, stride, padding, dilation, groups))


def conv_transpose2d_macs(
    input_shape: ShapeCHW,
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    output_padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
    groups: Positive = 1,
) -> int:
    """MACs of a 2-D transposed convolution: H_in*W_in*C_in*(C_out/g)*k_h*k_w.

    H_in, W_in, C_in: input_shape, C_out: out_channels, k_h*k_w: kernel_size, g: groups. Each input
    element is multiplied by a k_h×k_w kernel for each of the C_out/g output channels of its group (the
    products cropped by the padding are still counted). Raises for an invalid output size.
    """
    channels, height, width = input_shape
    _check_groups(channels, out_channels, groups)
    conv_transpose2d_output_shape(
        input_shape, out_channels, kernel_size, stride, padding, output_padding, dilation
    )  # validates the configuration
    k_h, k_w = pair(kernel_size)
    return height * width * channels * (out_channels // groups) * k_h * k_w


def conv_transpose2d_flops(
    input_shape: ShapeCHW,
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    output_padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
    groups: Positive = 1,
) -> int:
    """FLOPs of a 2-D transposed convolution: 2*H_in*W_in*C_in*(C_out/g)*k_h*k_w (2 per MAC, no bias)."""
    macs = conv_transpose2d_macs(
        input_shape, out_channels, kernel_size, stride, padding, output_padding, dilation, groups
    )
    return flops_from_macs(macs)


# --- whole networks --------------------------------------------------------------------------------------


def network_layer_macs(input_shape: Shape, layers: Layers) -> list[int]:
    """MACs of every layer copy of a network (repeats expanded), 0 for layers without weights."""
    counts = []
    for record in walk_network(input_shape, layers):
        layer, shape = record.layer, record.input_shape
        if record.type == "conv2d":
            macs = conv2d_macs(
                shape, layer.out_channels, layer.kernel_size, layer.stride, layer.padding, layer.dilation,
                layer.groups,
            )
        elif record.type == "conv_transpose2d":
            macs = conv_transpose2d_macs(
                shape, layer.out_channels, layer.kernel_size, layer.stride, layer.padding,
                layer.output_padding, layer.dilation, layer.groups,
            )
        elif record.type == "linear":
            macs = linear_macs(shape[0], layer.out_features)
        else:
            macs = 0
        counts.append(macs)
    return counts


def network_macs(input_shape: Shape, layers: Layers) -> int:
    """Total MACs of a network on one input: the sum over its convolutions and linear layers."""
    return sum(network_layer_macs(input_shape, layers))


def network_flops(input_shape: Shape, layers: Layers) -> int:
    """Total FLOPs of a network on one input: 2*MACs (biases, activations and poolings not counted)."""
    return flops_from_macs(network_macs(input_shape, layers))


# --- distractors -----------------------------------------------------------------------------------------


def conv2d_macs_input_size(
    input_shape: ShapeCHW,
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: PaddingPair = 0,
    dilation: PositivePair = 1,
    groups: Positive = 1,
) -> int:
    """Distractor: H_in*W_in*C_out*(C_in/g)*k_h*k_w, the input's size in place of the output's.

    Equal to the MACs when the output has the input's size (stride 1 and "same" padding). Raises where
    the convolution itself is invalid.
    """
    channels, height, width = input_shape
    _check_groups(channels, out_channels, groups)
    conv2d_output_shape(input_shape, out_channels, kernel_size, stride, padding, dilation)
    k_h, k_w = pair(kernel_size)
    return height * width * out_channels * (channels // groups) * k_h * k_w


def conv2d_flops_as_macs(
    input_shape: ShapeCHW,
    out_channels: Positive,
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: PaddingPair = 0,
    dilation: PositivePair = 1,
    groups: Positive = 1,
) -> int:
    """Distractor for FLOPs: the MACs, the factor 2 (one multiplication and one addition) forgotten."""
    return conv2d_macs(input_shape, out_channels, kernel_size, stride, padding, dilation, groups)


# --- formulas in the student's symbols -------------------------------------------------------------------


def conv2d_macs_formula(
    output_height: SizeTerm = "H",
    output_width: SizeTerm = "W",
    out_channels: SizeTerm = "N",
    kernel_size: SizeTerm = "K",
    in_channels: SizeTerm = "M",
) -> str:
    """MACs of a K×K convolution as a formula: H*W*N*K**2*M in the given symbols.

    H, W: the output's height and width (the input's with stride 1 and "same" padding), N: out_channels
    (filters), K: kernel_size (square), M: in_channels. Numbers are multiplied into one leading
    coefficient and repeated symbols become powers (H*H -> H**2); with every argument a number, the count.
    """
    values = (output_height, output_width, out_channels, kernel_size, in_channels)
    powers = (1, 1, 1, 2, 1)
    coefficient, symbols = 1, {}  # symbol -> power, in order of first appearance
    for value, power in zip(values, powers):
        if isinstance(value, int):
            coefficient *= value**power
            continue
        if value in FUNCTIONS:
            raise ValueError(f"{value!r} names a function in formulas; choose another symbol")
        symbols[value] = symbols.get(value, 0) + power
    factors = [name if power == 1 else f"{name}**{power}" for name, power in symbols.items()]
    if coefficient != 1 or not factors:
        factors.insert(0, str(coefficient))
    return "*".join(factors)

