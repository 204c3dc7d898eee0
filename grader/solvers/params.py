"""Parameter counts of single layers, weights plus biases: ``sum(p.numel() for p in layer.parameters())``."""

from __future__ import annotations

from grader.solvers.argtypes import Flag, Positive, PositivePair, pair


def linear_params(in_features: Positive, out_features: Positive, bias: Flag = True) -> int:
    """Parameters of a fully connected layer: n_in*n_out + n_out.

    n_in: in_features, n_out: out_features; the n_out biases only when ``bias``.
    """
    weights = in_features * out_features
    return weights + (out_features if bias else 0)


def conv2d_params(
    in_channels: Positive,
    out_channels: Positive,
    kernel_size: PositivePair,
    bias: Flag = True,
    groups: Positive = 1,
) -> int:
    """Parameters of a 2-D convolution: k_h*k_w*(c_in/g)*c_out + c_out.

    c_in, c_out: in/out channels, k_h*k_w: kernel_size, g: groups (each output channel sees c_in/g
    input channels); the c_out biases only when ``bias``. Weight shape (c_out, c_in/g, k_h, k_w).
    """
    _check_groups(in_channels, out_channels, groups)
    k_h, k_w = pair(kernel_size)
    weights = k_h * k_w * (in_channels // groups) * out_channels
    return weights + (out_channels if bias else 0)


def conv_transpose2d_params(
    in_channels: Positive,
    out_channels: Positive,
    kernel_size: PositivePair,
    bias: Flag = True,
    groups: Positive = 1,
) -> int:
    """Parameters of a 2-D transposed convolution: k_h*k_w*c_in*(c_out/g) + c_out.

    Weight shape (c_in, c_out/g, k_h, k_w): the same weight count as a convolution c_in -> c_out, and
    the biases belong to the c_out *output* channels (not the input channels).
    """
    _check_groups(in_channels, out_channels, groups)
    k_h, k_w = pair(kernel_size)
    weights = k_h * k_w * in_channels * (out_channels // groups)
    return weights + (out_channels if bias else 0)


def _check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ValueError(f"{name} ({channels}) must be divisible by groups ({groups})")
