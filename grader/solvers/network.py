"""A compact architecture walker: a list of layers applied to an input shape, one record per layer.

A problem file describes a network as a list of layers (a discriminated union on ``type``); shapes are
``(C, H, W)`` or ``(F,)`` without the batch dimension. Each layer may repeat:

- ``repeat: 3``: three copies;
- ``repeat: {until: [256, 16, 16]}``: copies until *this layer's* output has that shape (zero copies if its
  input already has it);
- ``repeat: {until_final: [3, 224, 224]}``: as many copies as make the *whole network's* output that shape
  (at most one layer per network).

A repeated layer infers its input channels/features from the shape it receives, so ``conv2d`` with
``out_channels: 256`` after a 128-channel layer is 128 -> 256 once and 256 -> 256 after that. The walker
produces a ``LayerRecord`` per layer copy (shapes and parameter count), so further quantities (MACs,
receptive fields) can be added as more fields without changing the solvers' contract.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Callable, Literal, Optional, Sequence, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

from grader.solvers.argtypes import (
    Flag,
    NonNegativePair,
    PaddingPair,
    Positive,
    PositivePair,
    Shape,
    kind_of,
    pair,
    tagged_union,
)
from grader.solvers.params import conv2d_params, conv_transpose2d_params, linear_params
from grader.solvers.sizes import (
    check_progress,
    conv2d_output_shape,
    conv_transpose2d_output_shape,
    pool_output_size,
)

# --- the layer schema ------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Until(_Strict):
    """Repeat a layer until its own output has this shape."""

    until: Shape


class UntilFinal(_Strict):
    """Repeat a layer until the whole network's output has this shape."""

    until_final: Shape


def _repeat_tag(value: Any) -> Optional[str]:
    if isinstance(value, (Until, UntilFinal)):
        return "until" if isinstance(value, Until) else "until_final"
    if kind_of(value) == "int":
        return "count"
    if kind_of(value) == "dict" and len(value) == 1 and set(value) <= {"until", "until_final"}:
        return next(iter(value))
    return None


Repeat = tagged_union(
    _repeat_tag,
    "repeat should be a count, {until: shape} or {until_final: shape}",
    count=Positive,
    until=Until,
    until_final=UntilFinal,
)


class _Layer(_Strict):
    repeat: Repeat = 1


class _Conv(_Layer):
    out_channels: Positive
    kernel_size: PositivePair
    stride: PositivePair = 1
    padding: NonNegativePair = 0
    dilation: PositivePair = 1
    bias: Flag = True
    groups: Positive = 1


class Conv2d(_Conv):
    type: Literal["conv2d"]
    padding: PaddingPair = 0  # or "same" (stride 1), as nn.Conv2d(padding="same")


class ConvTranspose2d(_Conv):
    type: Literal["conv_transpose2d"]
    output_padding: NonNegativePair = 0


class Linear(_Layer):
    type: Literal["linear"]
    out_features: Positive
    bias: Flag = True


class Flatten(_Layer):
    """Flattens everything but the batch dimension: (C, H, W) -> (C*H*W,)."""

    type: Literal["flatten"]


class _Pool(_Layer):
    kernel_size: PositivePair
    stride: Optional[PositivePair] = None  # None: the kernel size, as in torch
    padding: NonNegativePair = 0
    ceil_mode: Flag = False


class MaxPool2d(_Pool):
    type: Literal["maxpool2d"]


class AvgPool2d(_Pool):
    type: Literal["avgpool2d"]


class GlobalAvgPool2d(_Layer):
    """Global average pooling, the mean of each channel: (C, H, W) -> (C, 1, 1), as nn.AdaptiveAvgPool2d(1)."""

    type: Literal["global_avgpool2d"]


class ReLU(_Layer):
    type: Literal["relu"]


Layer = Annotated[
    Union[Conv2d, ConvTranspose2d, Linear, Flatten, MaxPool2d, AvgPool2d, GlobalAvgPool2d, ReLU],
    Field(discriminator="type"),
]

LayerType = Literal["conv2d", "conv_transpose2d", "linear", "flatten", "maxpool2d", "avgpool2d",
                    "global_avgpool2d", "relu"]

WEIGHT_LAYERS: tuple[str, ...] = ("conv2d", "conv_transpose2d", "linear")
"""The layers a network's depth counts by default (VGG-16 has 16 of them)."""


def _splice_stages(value: Any) -> Any:
    """A list item that is itself a list of layers (a stage, e.g. ``[$down, $up]``) is spliced in place."""
    if not isinstance(value, (list, tuple)):
        return value
    flat: list[Any] = []
    for item in value:
        flat.extend(_splice_stages(item) if isinstance(item, (list, tuple)) else [item])
    return flat


Layers = Annotated[list[Layer], BeforeValidator(_splice_stages), Field(min_length=1)]
"""Layers in order; nested lists (stages) are flattened, so error locations count flattened layers."""


@cache
def _layers_adapter() -> TypeAdapter[list[Any]]:
    return TypeAdapter(Layers)


def parse_layers(raw: Sequence[Any]) -> list[Any]:
    """Validate plain data (dicts, as in a problem file) into layer models (raises ValidationError)."""
    return _layers_adapter().validate_python(raw)


# --- applying one layer ----------------------------------------------------------------------------------

ShapeT = tuple[int, ...]


@dataclass(frozen=True)
class LayerRecord:
    """One copy of one layer, after repeats are expanded."""

    index: int  # position of the layer in the (flattened) list
    copy: int  # 0 for the first copy of a repeated layer
    layer: Any  # the layer model
    input_shape: ShapeT
    output_shape: ShapeT
    params: int

    @property
    def type(self) -> str:
        return self.layer.type


def _conv2d(layer: Conv2d, shape: ShapeT) -> tuple[ShapeT, int]:
    channels = _chw(layer, shape)
    out = conv2d_output_shape(
        shape, layer.out_channels, layer.kernel_size, layer.stride, layer.padding, layer.dilation
    )
    return out, conv2d_params(channels, layer.out_channels, layer.kernel_size, layer.bias, layer.groups)


def _conv_transpose2d(layer: ConvTranspose2d, shape: ShapeT) -> tuple[ShapeT, int]:
    channels = _chw(layer, shape)
    out = conv_transpose2d_output_shape(
        shape, layer.out_channels, layer.kernel_size, layer.stride, layer.padding, layer.output_padding,
        layer.dilation,
    )
    params = conv_transpose2d_params(channels, layer.out_channels, layer.kernel_size, layer.bias, layer.groups)
    return out, params


def _linear(layer: Linear, shape: ShapeT) -> tuple[ShapeT, int]:
    if len(shape) != 1:
        raise ValueError(f"linear needs a flat input (add a flatten layer before it), got {_show(shape)}")
    return (layer.out_features,), linear_params(shape[0], layer.out_features, layer.bias)


def _flatten(layer: Flatten, shape: ShapeT) -> tuple[ShapeT, int]:
    return (math.prod(shape),), 0


def _pool2d(layer: _Pool, shape: ShapeT) -> tuple[ShapeT, int]:
    channels = _chw(layer, shape)
    (k_h, k_w), (p_h, p_w) = pair(layer.kernel_size), pair(layer.padding)
    s_h, s_w = pair(layer.stride) if layer.stride is not None else (k_h, k_w)
    height = pool_output_size(shape[1], k_h, s_h, p_h, layer.ceil_mode)
    width = pool_output_size(shape[2], k_w, s_w, p_w, layer.ceil_mode)
    return (channels, height, width), 0


def _global_avgpool2d(layer: GlobalAvgPool2d, shape: ShapeT) -> tuple[ShapeT, int]:
    return (_chw(layer, shape), 1, 1), 0


def _relu(layer: ReLU, shape: ShapeT) -> tuple[ShapeT, int]:
    return shape, 0


_APPLY: dict[str, Callable[[Any, ShapeT], tuple[ShapeT, int]]] = {
    "conv2d": _conv2d,
    "conv_transpose2d": _conv_transpose2d,
    "linear": _linear,
    "flatten": _flatten,
    "maxpool2d": _pool2d,
    "avgpool2d": _pool2d,
    "global_avgpool2d": _global_avgpool2d,
    "relu": _relu,
}


def _chw(layer: Any, shape: ShapeT) -> int:
    if len(shape) != 3:
        raise ValueError(f"{layer.type} needs a (C, H, W) input, got {_show(shape)}")
    return shape[0]


def _apply(index: int, copy: int, layer: Any, shape: ShapeT) -> LayerRecord:
    try:
        output, params = _APPLY[layer.type](layer, shape)
    except ValueError as error:
        raise ValueError(f"{_name(index, layer, copy)} on input {_show(shape)}: {error}") from None
    return LayerRecord(index, copy, layer, shape, output, params)


def _name(index: int, layer: Any, copy: int | None = None) -> str:
    which = f", copy {copy + 1}" if copy else ""
    return f"layers[{index}] ({layer.type}{which})"


def _show(shape: ShapeT) -> str:
    return "×".join(str(n) for n in shape)


# --- walking the list ------------------------------------------------------------------------------------

_MAX_INVALID_COPIES = 1000
"""How many copy counts ``until_final`` tries while the layers after it are still invalid."""


def walk_network(input_shape: Sequence[int], layers: Sequence[Any]) -> tuple[LayerRecord, ...]:
    """Apply the layers to the input shape, expanding repeats; one record per layer copy."""
    layers = tuple(layers)
    shape = tuple(input_shape)
    finals = [index for index, layer in enumerate(layers) if isinstance(layer.repeat, UntilFinal)]
    if len(finals) > 1:
        raise ValueError(f"at most one layer may repeat until_final; layers {finals} do")
    if not finals:
        return tuple(_walk(shape, layers, 0))
    (index,) = finals
    records = _walk(shape, layers[:index], 0)
    shape = records[-1].output_shape if records else shape
    copies = _copies_until_final(shape, index, layers[index], layers[index + 1 :])
    records += _repeat(shape, index, layers[index], copies)
    shape = records[-1].output_shape if records else shape
    return tuple(records + _walk(shape, layers[index + 1 :], index + 1))


def _walk(shape: ShapeT, layers: Sequence[Any], offset: int) -> list[LayerRecord]:
    records: list[LayerRecord] = []
    for index, layer in enumerate(layers, start=offset):
        copies = layer.repeat if isinstance(layer.repeat, int) else _copies_until(shape, index, layer)
        new = _repeat(shape, index, layer, copies)
        records += new
        shape = new[-1].output_shape if new else shape
    return records


def _repeat(shape: ShapeT, index: int, layer: Any, copies: int) -> list[LayerRecord]:
    records = []
    for copy in range(copies):
        records.append(_apply(index, copy, layer, shape))
        shape = records[-1].output_shape
    return records


def _copies_until(shape: ShapeT, index: int, layer: Any) -> int:
    """Copies of the layer until its output is ``layer.repeat.until`` (zero if the input already is)."""
    target = tuple(layer.repeat.until)
    fixed = getattr(layer, "out_channels", None) or getattr(layer, "out_features", None)
    if shape != target and fixed is not None and target[0] != fixed:
        raise ValueError(f"{_name(index, layer)} outputs {fixed} channels/features, so never {_show(target)}")
    copies = 0
    while shape != target:
        following = _apply(index, copies, layer, shape).output_shape
        check_progress(shape, following, target, f"copy {copies + 1} of {_name(index, layer)}")
        shape, copies = following, copies + 1
    return copies


def _copies_until_final(shape: ShapeT, index: int, layer: Any, rest: Sequence[Any]) -> int:
    """The fewest copies of the layer for which the network's output is ``layer.repeat.until_final``."""
    target = tuple(layer.repeat.until_final)
    previous: ShapeT | None = None
    for copies in itertools.count():
        if copies:
            following = _apply(index, copies - 1, layer, shape).output_shape
            if following == shape:
                raise ValueError(
                    f"{_name(index, layer)} leaves {_show(shape)} unchanged, so repeating it cannot make the "
                    f"network's output {_show(target)}"
                )
            shape = following
        try:
            records = _walk(shape, rest, index + 1)
        except ValueError as error:
            if previous is None and copies < _MAX_INVALID_COPIES:
                continue
            raise ValueError(f"with {copies} copies of {_name(index, layer)}: {error}") from None
        final = records[-1].output_shape if records else shape
        if final == target:
            return copies
        step = f"copy {copies} of {_name(index, layer)}"
        if previous is not None:
            check_progress(previous, final, target, step, subject="the network's output from ")
        elif len(final) != len(target):
            if copies == 0:  # the first copy may still change the rank (a flatten); later ones cannot
                continue
            raise ValueError(
                f"with {copies} copies of {_name(index, layer)} the network's output is {_show(final)}, "
                f"which can never be {_show(target)}"
            )
        previous = final
    raise AssertionError("unreachable")  # pragma: no cover


# --- solvers ---------------------------------------------------------------------------------------------


def network_params(input_shape: Shape, layers: Layers, output_shape: Optional[Shape] = None) -> int:
    """Total parameters of a network: the sum over every layer copy of its weights and biases.

    ``output_shape``, when given, is checked against the network's output (a cross-check of the problem
    statement: a mismatch raises ``ValueError``).
    """
    records = walk_network(input_shape, layers)
    final = _output_shape(input_shape, records)
    if output_shape is not None and final != tuple(output_shape):
        raise ValueError(f"the network's output is {_show(final)}, not {_show(tuple(output_shape))}")
    return sum(record.params for record in records)


def network_output_shape(input_shape: Shape, layers: Layers) -> tuple[int, ...]:
    """The shape of the network's output (without the batch dimension)."""
    return _output_shape(input_shape, walk_network(input_shape, layers))


def _output_shape(input_shape: Sequence[int], records: Sequence[LayerRecord]) -> ShapeT:
    return records[-1].output_shape if records else tuple(input_shape)


def network_layer_count(input_shape: Shape, layers: Layers, types: Optional[list[LayerType]] = None) -> int:
    """Number of layer copies after expanding repeats, counting only ``types``.

    By default the weight layers (conv2d, conv_transpose2d, linear), the usual meaning of a network's
    depth; pass e.g. ``types: [conv2d]`` for "how many convolution layers".
    """
    counted = WEIGHT_LAYERS if types is None else tuple(types)
    return sum(1 for record in walk_network(input_shape, layers) if record.type in counted)
