"""The architecture walker against an equivalent ``nn.Sequential`` built on the meta device.

Random networks are drawn layer by layer; torch computes every shape (the strategy never uses the
walker). Some layers are then rewritten to ``repeat: {until: ...}`` or ``repeat: {until_final: ...}`` with
the shape torch reached, where the torch shapes meet the walker's documented contract (each copy brings
the shape strictly closer to the target without passing it).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import torch
from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from torch import nn

from grader.solvers import SOLVERS
from grader.solvers.network import LayerType, parse_layers, walk_network
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(300), deadline=None)

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")

Shape = tuple[int, ...]
Spec = dict[str, Any]

# --- torch side ------------------------------------------------------------------------------------------


def torch_layer(spec: Spec, shape: Shape) -> nn.Module:
    kind, get = spec["type"], spec.get
    if kind in ("conv2d", "conv_transpose2d"):
        conv = nn.Conv2d if kind == "conv2d" else nn.ConvTranspose2d
        extra = {"output_padding": get("output_padding", 0)} if kind == "conv_transpose2d" else {}
        return conv(
            shape[0], spec["out_channels"], spec["kernel_size"], stride=get("stride", 1), padding=get("padding", 0),
            dilation=get("dilation", 1), bias=get("bias", True), groups=get("groups", 1), device="meta", **extra,
        )
    if kind == "linear":
        return nn.Linear(shape[0], spec["out_features"], bias=get("bias", True), device="meta")
    if kind in ("maxpool2d", "avgpool2d"):
        pool = nn.MaxPool2d if kind == "maxpool2d" else nn.AvgPool2d
        return pool(spec["kernel_size"], stride=get("stride"), padding=get("padding", 0))
    return {"flatten": nn.Flatten, "relu": nn.ReLU}[kind]()


def run(module: nn.Module, shape: Shape) -> Shape:
    """Output shape without the batch dimension; RuntimeError where torch rejects the input."""
    out = tuple(module(torch.empty(1, *shape, device="meta")).shape[1:])
    if min(out) < 1:  # the meta kernel of conv_transpose2d lets a 0 through; the CPU one rejects it
        raise RuntimeError(f"empty output {out}")
    return out


def torch_network(shape: Shape, specs: list[Spec], copies: list[int]) -> tuple[list[nn.Module], Shape]:
    modules = []
    for spec, count in zip(specs, copies):
        for _ in range(count):
            module = torch_layer(spec, shape)
            shape = run(module, shape)
            modules.append(module)
    return modules, shape


def torch_params(modules: list[nn.Module]) -> int:
    return sum(p.numel() for module in modules for p in module.parameters())


# --- drawing networks --------------------------------------------------------------------------------------

def pairs(low: int, high: int) -> st.SearchStrategy:
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


def _yaml(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _pair(value: Any) -> tuple[int, int]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


@st.composite
def layer_for(draw: st.DrawFn, shape: Shape) -> Spec:
    """A layer that usually suits the shape (torch has the last word: unsuitable ones are dropped)."""
    if len(shape) == 1:
        kind = draw(st.sampled_from(["linear", "linear", "relu", "flatten"]))
    else:
        kinds = ["conv2d", "conv2d", "maxpool2d", "avgpool2d", "relu", "flatten"]
        kinds += ["conv_transpose2d", "conv_transpose2d"] if max(shape) <= 64 else []
        kind = draw(st.sampled_from(kinds))
    spec: Spec = {"type": kind}
    if kind == "linear":
        spec["out_features"] = draw(st.integers(1, 64))
    elif kind in ("conv2d", "conv_transpose2d"):
        groups = draw(st.sampled_from([g for g in (1, 1, 1, 2, 3) if shape[0] % g == 0]))
        spec["out_channels"] = groups * draw(st.integers(1, 4))
        spec["kernel_size"] = draw(pairs(1, 5))
        for name, strategy in (("stride", pairs(1, 3)), ("padding", pairs(0, 2)), ("dilation", pairs(1, 2))):
            if draw(st.booleans()):
                spec[name] = draw(strategy)
        if groups > 1:
            spec["groups"] = groups
        if draw(st.booleans()):
            spec["bias"] = draw(st.booleans())
        if kind == "conv2d" and draw(st.integers(0, 4)) == 0:  # torch's padding="same" needs stride 1
            spec["padding"] = "same"
            spec.pop("stride", None)
        if kind == "conv_transpose2d" and draw(st.booleans()):
            limits = [max(s, d) - 1 for s, d in zip(_pair(spec.get("stride", 1)), _pair(spec.get("dilation", 1)))]
            spec["output_padding"] = (draw(st.integers(0, limits[0])), draw(st.integers(0, limits[1])))
    elif kind in ("maxpool2d", "avgpool2d"):
        kernel = draw(pairs(1, 4))
        spec["kernel_size"] = kernel
        if draw(st.booleans()):
            spec["stride"] = draw(pairs(1, 3))
        if draw(st.booleans()):
            spec["padding"] = tuple(draw(st.integers(0, k // 2)) for k in _pair(kernel))
    return {name: _yaml(value) for name, value in spec.items()}


@st.composite
def networks(draw: st.DrawFn) -> tuple[Shape, list[Spec], list[int]]:
    """An input shape, layer specs with integer repeats, and the copies of each (all valid for torch)."""
    shape: Shape = (draw(st.integers(1, 4)), draw(st.integers(1, 40)), draw(st.integers(1, 40)))
    if draw(st.integers(0, 9)) == 0:
        shape = (draw(st.integers(1, 500)),)
    start, specs, copies = shape, [], []
    for _ in range(draw(st.integers(1, 6))):
        spec = draw(layer_for(shape))
        count = draw(st.integers(1, 3))
        try:
            _, shape = torch_network(shape, [spec], [count])
        except RuntimeError:
            continue
        specs.append(spec)
        copies.append(count)
    return start, specs, copies


def approaches(sequence: list[Shape | None], target: Shape) -> bool:
    """The walker's contract: after the first valid shape, every step is valid and strictly closer to the
    target (sum of |shape_i - target_i|) without passing it, and only the last one equals it. Invalid
    shapes may come first, and so may a first shape (no copies) of another rank."""
    if sequence[0] is not None and len(sequence[0]) != len(target):
        sequence = [None, *sequence[1:]]
    valid = [shape for shape in sequence if shape is not None]
    first = sequence.index(valid[0])
    if None in sequence[first:] or sequence[-1] != target or target in sequence[:-1]:
        return False
    if len(valid[0]) != len(target):
        return False
    for before, after in zip(valid, valid[1:]):
        if len(after) != len(target):
            return False
        if len(before) == len(target):
            if any((b - t) * (a - t) < 0 for b, a, t in zip(before, after, target)):
                return False
            if sum(abs(a - t) for a, t in zip(after, target)) >= sum(abs(b - t) for b, t in zip(before, target)):
                return False
    return True


@st.composite
def walker_cases(draw: st.DrawFn) -> tuple[Shape, list[Any], list[nn.Module]]:
    """(input shape, the layers as a problem file writes them, the equivalent torch modules)."""
    start, specs, copies = draw(networks())
    layers = [
        {**spec, "repeat": count} if count != 1 or draw(st.booleans()) else dict(spec)  # repeat: 1 is optional
        for spec, count in zip(specs, copies)
    ]
    final_at = draw(st.one_of(st.none(), st.integers(0, len(specs) - 1))) if specs else None
    until_at = draw(st.one_of(st.none(), st.integers(0, len(specs) - 1))) if specs else None
    if final_at is not None:
        finals = []
        for count in range(copies[final_at] + 1):
            trial = copies[:final_at] + [count] + copies[final_at + 1 :]
            try:
                finals.append(torch_network(start, specs, trial)[1])
            except (RuntimeError, ValueError):  # e.g. groups no longer divide the channels
                finals.append(None)
        if approaches(finals, finals[-1]):
            layers[final_at] = {**specs[final_at], "repeat": {"until_final": list(finals[-1])}}
            event("until_final")
        else:
            final_at = None
    if until_at is not None and (final_at is None or until_at < final_at):
        shape = torch_network(start, specs[:until_at], copies[:until_at])[1]
        sequence: list[Shape | None] = [shape]
        for _ in range(copies[until_at]):
            sequence.append(run(torch_layer(specs[until_at], sequence[-1]), sequence[-1]))
        if approaches(sequence, sequence[-1]):
            layers[until_at] = {**specs[until_at], "repeat": {"until": list(sequence[-1])}}
            event("until")
    if specs and draw(st.booleans()):  # stages: nested lists are spliced in place
        cut = draw(st.integers(0, len(layers)))
        layers = [layers[:cut], layers[cut:]]
    modules, _ = torch_network(start, specs, copies)
    return start, layers, modules


# --- properties --------------------------------------------------------------------------------------------


@PROPERTY
@given(walker_cases())
def test_walker_matches_torch_sequential(case: tuple[Shape, list[Any], list[nn.Module]]) -> None:
    start, layers, modules = case
    if not modules:
        return
    expected_shape = tuple(nn.Sequential(*modules)(torch.empty(1, *start, device="meta")).shape[1:])
    args = {"input_shape": list(start), "layers": layers}
    assert SOLVERS["network_params"](**args) == torch_params(modules)
    assert SOLVERS["network_params"](**args, output_shape=list(expected_shape)) == torch_params(modules)
    assert SOLVERS["network_output_shape"](**args) == expected_shape
    weight_layers = sum(isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)) for m in modules)
    assert SOLVERS["network_layer_count"](**args) == weight_layers
    relus = sum(isinstance(m, nn.ReLU) for m in modules)
    assert SOLVERS["network_layer_count"](**args, types=["relu", "conv2d"]) == relus + sum(
        type(m) is nn.Conv2d for m in modules
    )
    records = walk_network(start, parse_layers(layers))
    assert [r.params for r in records] == [sum(p.numel() for p in m.parameters()) for m in modules]
    wrong = [n + 1 for n in expected_shape]
    with pytest.raises(ValueError, match="the network's output is"):
        SOLVERS["network_params"](**args, output_shape=wrong)


@PROPERTY
@given(networks(), st.data())
def test_walker_rejects_what_torch_rejects(network: tuple[Shape, list[Spec], list[int]], data: st.DataObject) -> None:
    """A last layer drawn for some other shape: valid for torch exactly when valid for the walker.

    One deliberate difference: torch applies ``nn.Linear`` to the last dimension of any input; the walker
    asks for a flatten layer first (a linear layer on a C×H×W input is almost always a mistake).
    """
    start, specs, copies = network
    _, shape = torch_network(start, specs, copies)
    other = data.draw(st.sampled_from([shape, (5,), (2, 3, 3), (6, 40, 40)]))
    extra = data.draw(layer_for(other))
    layers = [*({**spec, "repeat": count} for spec, count in zip(specs, copies)), extra]
    args = {"input_shape": list(start), "layers": layers}
    try:
        expected = torch_network(start, [*specs, extra], [*copies, 1])[1]
    except (RuntimeError, ValueError, IndexError):  # torch's own kinds of refusal
        expected = None
    if expected is None or (extra["type"] == "linear" and len(shape) != 1):
        event("rejected")
        with pytest.raises(ValueError):
            SOLVERS["network_output_shape"](**args)
    else:
        event("valid")
        assert SOLVERS["network_output_shape"](**args) == expected


# --- repeats, by hand ------------------------------------------------------------------------------------


def conv(out: int, k: int, **more: Any) -> Spec:
    return {"type": "conv2d", "out_channels": out, "kernel_size": k, **more}


def tconv(out: int, k: int, **more: Any) -> Spec:
    return {"type": "conv_transpose2d", "out_channels": out, "kernel_size": k, **more}


def test_until_infers_input_channels_from_the_previous_copy() -> None:
    layers = [conv(16, 3, repeat={"until": [16, 4, 4]})]
    records = walk_network((3, 10, 10), parse_layers(layers))
    assert [(r.input_shape, r.output_shape, r.params) for r in records] == [
        ((3, 10, 10), (16, 8, 8), 3 * 3 * 3 * 16 + 16),
        ((16, 8, 8), (16, 6, 6), 3 * 3 * 16 * 16 + 16),
        ((16, 6, 6), (16, 4, 4), 3 * 3 * 16 * 16 + 16),
    ]
    assert [r.copy for r in records] == [0, 1, 2] and {r.index for r in records} == {0}


def test_until_takes_zero_copies_when_the_input_already_has_the_shape() -> None:
    layers = [conv(3, 3, repeat={"until": [3, 8, 8]}), {"type": "flatten"}]
    assert SOLVERS["network_layer_count"](input_shape=[3, 8, 8], layers=layers) == 0
    assert SOLVERS["network_output_shape"](input_shape=[3, 8, 8], layers=layers) == (192,)


def test_until_final_skips_copy_counts_for_which_the_rest_is_invalid() -> None:
    # 0 copies: 8 -> conv 9 is invalid; 1 copy: 10 -> 2; 2 copies: 12 -> 4.
    layers = [tconv(1, 3, repeat={"until_final": [1, 4, 4]}), conv(1, 9)]
    assert SOLVERS["network_layer_count"](input_shape=[1, 8, 8], layers=layers, types=["conv_transpose2d"]) == 2


def test_until_final_allows_a_first_copy_that_changes_the_rank() -> None:
    layers = [{"type": "flatten", "repeat": {"until_final": [4]}}]
    assert SOLVERS["network_output_shape"](input_shape=[1, 2, 2], layers=layers) == (4,)


def test_until_final_counts_the_copies_before_the_rest() -> None:
    layers = [tconv(8, 3, repeat={"until_final": [2, 20, 20]}), tconv(2, 5)]
    # 8 + 2 * copies + 4 = 20
    assert SOLVERS["network_layer_count"](input_shape=[8, 8, 8], layers=layers) == 5


@pytest.mark.parametrize(
    ("input_shape", "layers", "message"),
    [
        ([3, 224, 224], [conv(3, 7, repeat={"until": [3, 9, 9]})],
         "copy 36 of layers[0] (conv2d) takes 3×14×14 to 3×8×8, past the target 3×9×9"),
        ([3, 10, 10], [conv(4, 3, repeat={"until": [3, 4, 4]})],
         "layers[0] (conv2d) outputs 4 channels/features, so never 3×4×4"),
        ([3, 10, 10], [{"type": "relu", "repeat": {"until": [3, 4, 4]}}],
         "copy 1 of layers[0] (relu) leaves 3×10×10 unchanged: it never reaches 3×4×4"),
        ([3, 10, 10], [conv(3, 3, repeat={"until": [3, 1, 1]})],
         "layers[0] (conv2d, copy 5) on input 3×2×2: the kernel spans d(k-1)+1 = 3"),
        ([3, 10, 10], [{"type": "linear", "out_features": 4}],
         "layers[0] (linear) on input 3×10×10: linear needs a flat input (add a flatten layer before it)"),
        ([12], [conv(3, 3)], "layers[0] (conv2d) on input 12: conv2d needs a (C, H, W) input, got 12"),
        ([3, 8, 8], [tconv(3, 3, repeat={"until_final": [3, 11, 11]})],
         "copy 2 of layers[0] (conv_transpose2d) takes the network's output from 3×10×10 to 3×12×12, "
         "past the target 3×11×11"),
        ([3, 8, 8], [{"type": "relu", "repeat": {"until_final": [3, 11, 11]}}],
         "layers[0] (relu) leaves 3×8×8 unchanged, so repeating it cannot make the network's output 3×11×11"),
        ([3, 8, 8], [tconv(3, 3, repeat={"until_final": [3, 11, 11]}), {"type": "flatten"}],
         "with 1 copies of layers[0] (conv_transpose2d) the network's output is 300, which can never be 3×11×11"),
        ([3, 8, 8], [tconv(3, 3, repeat={"until_final": [3, 12, 12]}), tconv(3, 3, repeat={"until_final": [3, 12, 12]})],
         "at most one layer may repeat until_final; layers [0, 1] do"),
        ([4, 8, 8], [conv(4, 3, groups=3)], "in_channels (4) must be divisible by groups (3)"),
        ([4, 8, 8], [{"type": "maxpool2d", "kernel_size": 2, "padding": 2}],
         "pooling padding (2) must be at most half the kernel size (2)"),
    ],
)
def test_invalid_networks_are_explained(input_shape: list[int], layers: list[Spec], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        SOLVERS["network_output_shape"](input_shape=input_shape, layers=layers)


# --- the schema ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "loc", "kind"),
    [
        ({"type": "conv3d", "out_channels": 3, "kernel_size": 3}, ("layers", 0), "union_tag_invalid"),
        ({"type": "conv2d", "out_channels": 3, "kernel": 3}, ("layers", 0, "conv2d", "kernel"), "extra_forbidden"),
        ({"type": "conv2d", "out_channels": 3}, ("layers", 0, "conv2d", "kernel_size"), "missing"),
        ({"type": "conv2d", "out_channels": 0, "kernel_size": 3}, ("layers", 0, "conv2d", "out_channels"),
         "greater_than_equal"),
        ({"type": "linear", "out_features": 3.0}, ("layers", 0, "linear", "out_features"), "int_type"),
        ({"type": "relu", "repeat": {"untill": [3, 8, 8]}}, ("layers", 0, "relu", "repeat"), "wrong_kind"),
        ({"type": "relu", "repeat": 0}, ("layers", 0, "relu", "repeat", "count"), "greater_than_equal"),
        ({"type": "relu", "repeat": {"until": [3, 0]}}, ("layers", 0, "relu", "repeat", "until", "until", 1),
         "greater_than_equal"),
        ({"type": "maxpool2d", "kernel_size": [2, 2, 2]}, ("layers", 0, "maxpool2d", "kernel_size", "pair"), "too_long"),
    ],
)
def test_layer_schema_errors(layer: Spec, loc: tuple, kind: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SOLVERS["network_params"].validate_args({"input_shape": [3, 8, 8], "layers": [layer]})
    assert any(error["loc"] == loc and error["type"] == kind for error in caught.value.errors()), caught.value.errors()


def test_layer_types_literal_lists_every_layer() -> None:
    from typing import get_args

    from grader.solvers.network import _APPLY

    assert set(get_args(LayerType)) == set(_APPLY)


def test_empty_layer_list_is_rejected() -> None:
    with pytest.raises(ValidationError):
        SOLVERS["network_params"].validate_args({"input_shape": [3, 8, 8], "layers": []})


@settings(max_examples=scaled(200), deadline=None)
@given(st.integers(1, 6), st.integers(2, 30), st.integers(2, 30), st.integers(1, 4), st.integers(1, 4),
       st.integers(0, 2), st.booleans())
def test_pooling_with_ceil_mode_and_global_average_pooling_match_torch(
        channels: int, height: int, width: int, kernel: int, stride: int, padding: int, ceil_mode: bool) -> None:
    import torch
    from torch import nn

    from grader.solvers.network import network_output_shape, network_params, parse_layers

    if 2 * padding > kernel:
        return
    layers = parse_layers([
        {"type": "maxpool2d", "kernel_size": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode},
        {"type": "global_avgpool2d"}, {"type": "flatten"}, {"type": "linear", "out_features": 3},
    ])
    model = nn.Sequential(nn.MaxPool2d(kernel, stride, padding, ceil_mode=ceil_mode), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(channels, 3))
    try:
        expected = tuple(model(torch.zeros(1, channels, height, width)).shape[1:])
    except RuntimeError:
        expected = None
    try:
        got = network_output_shape([channels, height, width], layers)
    except ValueError:
        got = None
    assert got == expected
    if got is not None:
        assert network_params([channels, height, width], layers) == sum(p.numel() for p in model.parameters())
