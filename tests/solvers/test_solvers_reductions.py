"""Percent reductions against the parameters and flop counts of equivalent torch stacks on the meta device."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from grader.solvers import SOLVERS
from tests.helpers import scaled

PROPERTY = settings(max_examples=scaled(200), deadline=None)

Spec = dict


def module(spec: Spec, channels: int) -> nn.Module:
    return nn.Conv2d(channels, spec["out_channels"], spec["kernel_size"], stride=spec.get("stride", 1),
                     padding=spec.get("padding", 0), groups=spec.get("groups", 1), bias=spec.get("bias", True),
                     device="meta")


def torch_counts(shape: tuple[int, int, int], specs: list[Spec]) -> tuple[int, int, tuple[int, ...]]:
    """(parameters, MACs, output shape) of the stack, from torch."""
    modules, channels = [], shape[0]
    for spec in specs:
        modules.append(module(spec, channels))
        channels = spec["out_channels"]
    stack = nn.Sequential(*modules)
    with FlopCounterMode(display=False) as counter:
        out = stack(torch.empty(1, *shape, device="meta"))
    return sum(p.numel() for p in stack.parameters()), counter.get_total_flops() // 2, tuple(out.shape[1:])


@st.composite
def replacements(draw: st.DrawFn) -> tuple[tuple[int, int, int], list[Spec], list[Spec]]:
    """A standard convolution and a replacement with the same output: depthwise separable or a bottleneck."""
    channels, filters = draw(st.integers(1, 64)), draw(st.integers(1, 64))
    k, stride = draw(st.sampled_from([1, 3, 5, 7])), draw(st.integers(1, 2))
    size = draw(st.integers(k, 40))
    geometry = {"kernel_size": k, "stride": stride, "padding": draw(st.integers(0, k // 2))}
    bias = draw(st.booleans())
    layers = [{"type": "conv2d", "out_channels": filters, "bias": bias, **geometry}]
    if draw(st.booleans()):
        replacement = [
            {"type": "conv2d", "out_channels": channels, "groups": channels, "bias": bias, **geometry},
            {"type": "conv2d", "out_channels": filters, "kernel_size": 1, "bias": bias},
        ]
    else:
        width = draw(st.integers(1, 16))
        replacement = [
            {"type": "conv2d", "out_channels": width, "kernel_size": 1, "bias": bias},
            {"type": "conv2d", "out_channels": width, "bias": bias, **geometry},
            {"type": "conv2d", "out_channels": filters, "kernel_size": 1, "bias": bias},
        ]
    return (channels, size, size), layers, replacement


@PROPERTY
@given(replacements())
def test_reductions_match_torch_counts(case) -> None:
    shape, layers, replacement = case
    old_params, old_macs, old_shape = torch_counts(shape, layers)
    new_params, new_macs, new_shape = torch_counts(shape, replacement)
    assert old_shape == new_shape
    args = {"input_shape": list(shape), "layers": layers, "replacement": replacement}
    assert SOLVERS["network_params_reduction"](**args) == pytest.approx(100 * (1 - new_params / old_params), rel=1e-12)
    assert SOLVERS["network_macs_reduction"](**args) == pytest.approx(100 * (1 - new_macs / old_macs), rel=1e-12)
    assert SOLVERS["network_params_percent_kept"](**args) == pytest.approx(100 * new_params / old_params, rel=1e-12)
    assert SOLVERS["network_macs_percent_kept"](**args) == pytest.approx(100 * new_macs / old_macs, rel=1e-12)


def test_homework_001_layer_2() -> None:
    """128 5×5 filters on 64×64×64 (stride 2, padding 2) against depthwise separable: about 95% fewer."""
    conv = {"type": "conv2d", "kernel_size": 5, "stride": 2, "padding": 2}
    args = {
        "input_shape": [64, 64, 64],
        "layers": [{**conv, "out_channels": 128}],
        "replacement": [{**conv, "out_channels": 64, "groups": 64}, {"type": "conv2d", "out_channels": 128,
                                                                    "kernel_size": 1}],
    }
    assert SOLVERS["network_params_reduction"](**args) == pytest.approx(100 * (1 - 9984 / 204928))
    assert SOLVERS["network_macs_reduction"](**args) == pytest.approx(100 * (1 - 10027008 / 209715200))


def test_a_replacement_must_keep_the_output_shape() -> None:
    args = {
        "input_shape": [3, 8, 8],
        "layers": [{"type": "conv2d", "out_channels": 4, "kernel_size": 3}],
        "replacement": [{"type": "conv2d", "out_channels": 4, "kernel_size": 1}],
    }
    with pytest.raises(ValueError, match=r"the replacement outputs \(4, 8, 8\), the layers it replaces \(4, 6, 6\)"):
        SOLVERS["network_params_reduction"](**args)


def test_a_reduction_from_zero_is_undefined() -> None:
    args = {"input_shape": [3, 8, 8], "layers": [{"type": "relu"}], "replacement": [{"type": "relu"}]}
    with pytest.raises(ValueError, match="undefined"):
        SOLVERS["network_macs_reduction"](**args)
