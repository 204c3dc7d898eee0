"""Channel counts of a 2-D convolution read off its weight tensor, and the depth of the next layer's filters.

A weight's layout names its four axes with the letters O (output channels: one filter each), I (input
channels per group), H and W (the kernel's height and width). ``nn.Conv2d`` stores OIHW; TensorFlow and
many texts write HWIO, (k_h, k_w, C_in, C_out), as in ``W[k1, k2, n, m]``. A transposed convolution's
weight (``nn.ConvTranspose2d``: C_in, C_out/g, k_h, k_w) is not read here.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from grader.solvers.argtypes import Positive, Shape
from grader.solvers.network import Layers, network_output_shape


def _check_layout(layout: str) -> str:
    if len(layout) != 4 or sorted(layout) != sorted("OIHW"):
        raise ValueError("a weight layout names each of the axes O, I, H and W once, e.g. 'OIHW' or 'HWIO'")
    return layout


WeightLayout = Annotated[str, AfterValidator(_check_layout)]
"""The order of a weight's axes: "OIHW" (PyTorch), "HWIO" (TensorFlow), or any other order of O, I, H, W."""

WeightShape = tuple[Positive, Positive, Positive, Positive]


def conv2d_in_channels(weight_shape: WeightShape, layout: WeightLayout = "OIHW", groups: Positive = 1) -> int:
    """Input channels of a 2-D convolution read off its weight shape: C_in = I*g.

    I: the weight's input-channel axis (the depth of one filter), g: groups (each filter sees C_in/g
    channels). The output channels (axis O) must divide into the groups, as torch requires.
    """
    weight_shape = _checked(weight_shape, layout)
    out_channels = weight_shape[layout.index("O")]
    if out_channels % groups:
        raise ValueError(f"the {out_channels} output channels (axis O) are not divisible by groups ({groups})")
    return weight_shape[layout.index("I")] * groups


def conv2d_out_channels(weight_shape: WeightShape, layout: WeightLayout = "OIHW") -> int:
    """Output channels of a 2-D convolution read off its weight shape: C_out, the O axis (one filter each)."""
    return _checked(weight_shape, layout)[layout.index("O")]


def next_filter_depth(input_shape: Shape, layers: Layers, groups: Positive = 1) -> int:
    """Depth of a filter of a convolution applied to the network's output: its channels C, or C/g with g groups.

    A filter spans every channel of its input (of its group), so the depth of the next layer's filters is
    the number of output channels (filters) of the layer before it.
    """
    shape = network_output_shape(input_shape, layers)
    if len(shape) != 3:
        raise ValueError(f"a convolution needs a (C, H, W) input; the network's output is {shape}")
    channels = shape[0]
    if channels % groups:
        raise ValueError(f"the {channels} channels are not divisible by groups ({groups})")
    return channels // groups


def _checked(weight_shape: WeightShape, layout: str) -> WeightShape:
    """A direct (unvalidated) call gets the same layout check as a problem file."""
    _check_layout(layout)
    return tuple(weight_shape)  # type: ignore[return-value]
