"""Distractors: the value a student gets by a known mistake, for feedback when an answer is wrong.

Each takes the same arguments as its correct counterpart, so a problem file can reuse them. The
configuration must be valid for the correct formula (else ``ValueError``, as there); the mistaken value is
returned as computed, even when it is not a plausible size (the answer comparator simply won't match it).

Mistakes that are an argument of a correct solver need no function here: forgot the bias (``bias:
false``), true convolution instead of cross-correlation (``conv2d_matrix`` with ``flip_kernel: true``), a
transposed convolution as a "full" cross-correlation (``conv_transpose2d_matrix`` with ``flip_kernel:
true``), an ordinary convolution instead of a transposed one (``conv2d_matrix`` or
``conv2d_matrix_shape`` on the same data) and the reverse (``conv_transpose2d_matrix_shape``), and the
kernel's gradient for a layer that flips its kernel (``conv2d_weight_gradient_matrix`` with ``flip_kernel:
true``, the right gradient rotated by 180°).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from grader.solvers.argtypes import Flag, Matrix, NonNegative, NonNegativePair, Positive, PositivePair, Shape, pair
from grader.solvers.gradients import LearningRate, ShapeOrMatrix, conv2d_weight_gradient_matrix
from grader.solvers.numerics import _matrix
from grader.solvers.network import Layers, network_params
from grader.solvers.params import conv2d_params, conv_transpose2d_params
from grader.solvers.sizes import conv2d_matrix_shape, conv_output_size, conv_transpose_output_size

if TYPE_CHECKING:
    import numpy as np


def conv_output_size_no_plus_one(
    size: Positive,
    kernel_size: Positive,
    stride: Positive = 1,
    padding: NonNegative = 0,
    dilation: Positive = 1,
) -> int:
    """Forgot the +1: floor((n + 2p - d(k - 1) - 1)/s)."""
    return conv_output_size(size, kernel_size, stride, padding, dilation) - 1


def conv_output_size_rounded_up(
    size: Positive,
    kernel_size: Positive,
    stride: Positive = 1,
    padding: NonNegative = 0,
    dilation: Positive = 1,
) -> int:
    """Rounded the division up: ceil((n + 2p - d(k - 1) - 1)/s) + 1 (differs only when s does not divide)."""
    conv_output_size(size, kernel_size, stride, padding, dilation)
    numerator = size + 2 * padding - dilation * (kernel_size - 1) - 1
    return -(-numerator // stride) + 1


def conv_output_size_padding_once(
    size: Positive,
    kernel_size: Positive,
    stride: Positive = 1,
    padding: NonNegative = 0,
    dilation: Positive = 1,
) -> int:
    """Padded one side only: floor((n + p - d(k - 1) - 1)/s) + 1."""
    conv_output_size(size, kernel_size, stride, padding, dilation)
    return (size + padding - dilation * (kernel_size - 1) - 1) // stride + 1


def conv2d_matrix_shape_no_plus_one(
    input_shape: tuple[Positive, Positive],
    kernel_size: PositivePair,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
) -> tuple[int, int]:
    """Forgot the +1 on both sides: (H_out - 1, W_out - 1)."""
    height, width = conv2d_matrix_shape(input_shape, kernel_size, stride, padding, dilation)
    return (height - 1, width - 1)


def conv_transpose_output_size_as_conv(
    size: Positive,
    kernel_size: Positive,
    stride: Positive = 1,
    padding: NonNegative = 0,
    output_padding: NonNegative = 0,
    dilation: Positive = 1,
) -> int:
    """Used the convolution formula for a transposed convolution: floor((n + 2p - d(k - 1) - 1)/s) + 1."""
    conv_transpose_output_size(size, kernel_size, stride, padding, output_padding, dilation)
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


def conv_transpose_output_size_no_minus_one(
    size: Positive,
    kernel_size: Positive,
    stride: Positive = 1,
    padding: NonNegative = 0,
    output_padding: NonNegative = 0,
    dilation: Positive = 1,
) -> int:
    """Wrote n*s for (n - 1)*s: n*s - 2p + d(k - 1) + a + 1 (one stride too many)."""
    return conv_transpose_output_size(size, kernel_size, stride, padding, output_padding, dilation) + stride


def conv2d_params_ignoring_in_channels(
    in_channels: Positive,
    out_channels: Positive,
    kernel_size: PositivePair,
    bias: Flag = True,
    groups: Positive = 1,
) -> int:
    """Counted one k_h×k_w filter per output channel, ignoring the input channels: k_h*k_w*c_out + c_out."""
    conv2d_params(in_channels, out_channels, kernel_size, bias, groups)
    k_h, k_w = pair(kernel_size)
    return k_h * k_w * out_channels + (out_channels if bias else 0)


def conv_transpose2d_params_swapped(
    in_channels: Positive,
    out_channels: Positive,
    kernel_size: PositivePair,
    bias: Flag = True,
    groups: Positive = 1,
) -> int:
    """Counted a convolution c_out -> c_in ("channels swapped"): the biases on the c_in input channels."""
    conv_transpose2d_params(in_channels, out_channels, kernel_size, bias, groups)
    return conv2d_params(out_channels, in_channels, kernel_size, bias, groups)


def network_params_without_bias(
    input_shape: Shape, layers: Layers, output_shape: Optional[Shape] = None
) -> int:
    """Forgot every bias: the network's parameter count as if each layer had ``bias: false``."""
    unbiased = [layer.model_copy(update={"bias": False}) if hasattr(layer, "bias") else layer for layer in layers]
    return network_params(input_shape, unbiased, output_shape)


def conv2d_weight_gradient_by_convolution(
    input: Matrix,
    kernel_shape: ShapeOrMatrix,
    upstream: Matrix,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
    flip_kernel: Flag = False,
) -> np.ndarray:
    """The kernel's gradient with the upstream gradient rotated by 180°: a textbook convolution of the input
    with dy (``scipy.signal.convolve2d(x, dy, "valid")`` for stride 1, no padding) where the layer's
    cross-correlation needs dy as it is."""
    rotated = [list(reversed(row)) for row in reversed(upstream)]
    return conv2d_weight_gradient_matrix(input, kernel_shape, rotated, stride, padding, dilation, flip_kernel)


def conv2d_sgd_step_ascent(
    input: Matrix,
    kernel: Matrix,
    upstream: Matrix,
    learning_rate: LearningRate,
    stride: PositivePair = 1,
    padding: NonNegativePair = 0,
    dilation: PositivePair = 1,
) -> np.ndarray:
    """Stepped up the gradient: w + lr * dL/dw, which increases the loss."""
    import numpy as np

    gradient = conv2d_weight_gradient_matrix(input, kernel, upstream, stride, padding, dilation)
    return _matrix(kernel, "kernel").astype(np.float64) + learning_rate * gradient.astype(np.float64)
