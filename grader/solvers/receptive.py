"""Receptive fields of stacked convolutions and poolings, along one spatial dimension.

A layer is ``{kernel_size, stride, dilation}``; convolutions and poolings alike (padding does not change
the receptive field, only where it lies). The receptive field of an output element is the extent, in
input elements, of the inputs it depends on. With the *jump* j (the distance in input elements between
two neighbouring elements of a layer's output, the product of the strides so far):

    r_0 = 1, j_0 = 1;   r_l = r_(l-1) + (k_l - 1)*d_l*j_(l-1);   j_l = j_(l-1)*s_l.
"""

from __future__ import annotations

from typing import Annotated, Any, Sequence

from pydantic import BaseModel, ConfigDict, Field

from grader.solvers.argtypes import Positive, SizeTerm
from grader.solvers.sizes import FUNCTIONS


class RFLayer(BaseModel):
    """One convolution or pooling: kernel size k, stride s, dilation d (a pooling's stride is explicit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kernel_size: Positive
    stride: Positive = 1
    dilation: Positive = 1


RFLayers = Annotated[list[RFLayer], Field(min_length=1)]
"""The layers in order, input first; at least one."""


def _layers(layers: Sequence[Any]) -> list[RFLayer]:
    """Layer models from models or plain dicts (a direct, unvalidated call); ValueError if empty."""
    if not layers:
        raise ValueError("a receptive field needs at least one layer")
    return [layer if isinstance(layer, RFLayer) else RFLayer.model_validate(layer) for layer in layers]


def receptive_field_growth(receptive_field: int, jump: int, kernel_size: int, dilation: int = 1) -> int:
    """One layer's receptive field: r_out = r_in + (k - 1)*d*j_in.

    r_in: receptive_field of the layer's input, j_in: jump of its input (product of the earlier strides),
    k: kernel_size, d: dilation; d(k - 1) + 1 is the dilated kernel's span in the layer's input.
    """
    return receptive_field + (kernel_size - 1) * dilation * jump


def receptive_field_per_layer(layers: RFLayers) -> list[int]:
    """The receptive field of each layer's output, in input elements: r_1, ..., r_L (r_L is the network's).

    r_l = r_(l-1) + (k_l - 1)*d_l*j_(l-1) with r_0 = 1 and j_l = j_(l-1)*s_l, j_0 = 1.
    """
    r, j, fields = 1, 1, []
    for layer in _layers(layers):
        r = receptive_field_growth(r, j, layer.kernel_size, layer.dilation)
        j *= layer.stride
        fields.append(r)
    return fields


def receptive_field(layers: RFLayers) -> int:
    """Receptive field of the last layer's output elements, in input elements (one spatial dimension).

    r_L from r_l = r_(l-1) + (k_l - 1)*d_l*j_(l-1), r_0 = 1; j_l = s_1*...*s_l is the cumulative stride
    (jump), j_0 = 1. k: kernel_size, s: stride, d: dilation.
    """
    return receptive_field_per_layer(layers)[-1]


def receptive_field_jumps(layers: RFLayers) -> list[int]:
    """The jump of each layer's output: j_l = s_1*s_2*...*s_l, the input distance between neighbours."""
    j, jumps = 1, []
    for layer in _layers(layers):
        j *= layer.stride
        jumps.append(j)
    return jumps


def receptive_field_previous_stride(layers: RFLayers) -> int:
    """Distractor: grows by the previous layer's stride alone, not the cumulative product of strides.

    R_l = R_(l-1) + (k_l - 1)*d_l*s_(l-1) with R_0 = 1, s_0 = 1 (the recursion as often misremembered).
    Never larger than the receptive field; equal to it when every layer but the last two has stride 1.
    """
    r, previous = 1, 1
    for layer in _layers(layers):
        r = receptive_field_growth(r, previous, layer.kernel_size, layer.dilation)
        previous = layer.stride
    return r


def receptive_field_formula(layers: SizeTerm = "N", kernel_size: SizeTerm = "K") -> str:
    """Receptive field of N stacked K×K stride-1 convolutions as a formula: 1 + N*(K - 1).

    N: layers (the number of convolutions), K: kernel_size; each is a symbol name or a number, numbers
    are folded in (with both numbers, the receptive field itself).
    """
    n, k = layers, kernel_size
    for value in (n, k):
        if isinstance(value, str) and value in FUNCTIONS:
            raise ValueError(f"{value!r} names a function in formulas; choose another symbol")
    if isinstance(n, int) and isinstance(k, int):
        return str(1 + n * (k - 1))
    if isinstance(k, int):  # N a symbol
        if k == 1:
            return "1"
        return f"1 + {n}" if k == 2 else f"1 + {k - 1}*{n}"
    if isinstance(n, int):  # K a symbol
        return k if n == 1 else f"1 + {n}*({k} - 1)"
    return f"1 + {n}*({k} - 1)"
