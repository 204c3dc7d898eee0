"""Channel counts read off weight shapes in any layout, and the next layer's filter depth, against torch."""

from __future__ import annotations

import itertools

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from torch import nn

from grader.solvers import SOLVERS
from grader.solvers.channels import conv2d_in_channels
from tests.helpers import scaled
from tests.solvers.test_solvers_network import networks, torch_network

PROPERTY = settings(max_examples=scaled(300), deadline=None)

LAYOUTS = ["".join(order) for order in itertools.permutations("OIHW")]

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")


@st.composite
def grouped_convs(draw: st.DrawFn) -> nn.Conv2d:
    groups = draw(st.sampled_from([1, 1, 1, 2, 3, 4]))
    c_in, c_out = groups * draw(st.integers(1, 32)), groups * draw(st.integers(1, 32))
    kernel = draw(st.one_of(st.integers(1, 7), st.tuples(st.integers(1, 7), st.integers(1, 7))))
    return nn.Conv2d(c_in, c_out, kernel, groups=groups, device="meta")


@PROPERTY
@given(grouped_convs(), st.sampled_from(LAYOUTS))
def test_channels_read_off_a_permuted_torch_weight(conv: nn.Conv2d, layout: str) -> None:
    """torch's OIHW weight permuted into the layout; reading it back gives the module's channels."""
    weight = conv.weight.permute(*("OIHW".index(axis) for axis in layout))
    shape = list(weight.shape)
    assert SOLVERS["conv2d_out_channels"](weight_shape=shape, layout=layout) == conv.out_channels
    args = {"weight_shape": shape, "layout": layout, "groups": conv.groups}
    assert SOLVERS["conv2d_in_channels"](**args) == conv.in_channels
    if conv.groups > 1:  # without the groups, the depth of one filter: C_in/g
        assert SOLVERS["conv2d_in_channels"](weight_shape=shape, layout=layout) == conv.in_channels // conv.groups


@PROPERTY
@given(networks(), st.sampled_from([1, 1, 2, 3]), st.integers(1, 8), st.integers(1, 3))
def test_next_filter_depth_is_the_next_torch_conv_weights_depth(network, groups: int, filters: int, k: int) -> None:
    start, specs, copies = network
    if not specs:
        return
    layers = [{**spec, "repeat": count} for spec, count in zip(specs, copies)]
    _, shape = torch_network(start, specs, copies)
    args = {"input_shape": list(start), "layers": layers, "groups": groups}
    if len(shape) != 3 or shape[0] % groups:
        with pytest.raises(ValueError):
            SOLVERS["next_filter_depth"](**args)
        return
    following = nn.Conv2d(shape[0], groups * filters, k, groups=groups, device="meta")
    assert SOLVERS["next_filter_depth"](**args) == following.weight.shape[1]


def test_homework_values() -> None:
    # homework 003: W[k1, k2, n, m] of shape (3, 3, 10, 20), written HWIO
    assert SOLVERS["conv2d_in_channels"](weight_shape=[3, 3, 10, 20], layout="HWIO") == 10
    assert SOLVERS["conv2d_out_channels"](weight_shape=[3, 3, 10, 20], layout="HWIO") == 20
    # homework 002: five 5×5 filters on a 32×32×3 input; the next layer's filters are 5 deep
    conv = {"type": "conv2d", "out_channels": 5, "kernel_size": 5}
    assert SOLVERS["next_filter_depth"](input_shape=[3, 32, 32], layers=[conv]) == 5


@pytest.mark.parametrize("layout", ["OIH", "OIHWW", "OOHW", "oihw", "OIHX", ""])
def test_a_layout_names_each_axis_once(layout: str) -> None:
    with pytest.raises(ValidationError, match="names each of the axes O, I, H and W once"):
        SOLVERS["conv2d_out_channels"](weight_shape=[3, 3, 10, 20], layout=layout)
    with pytest.raises(ValueError, match="names each of the axes"):
        conv2d_in_channels((3, 3, 10, 20), layout)


def test_invalid_configurations() -> None:
    with pytest.raises(ValueError, match=r"the 20 output channels \(axis O\) are not divisible by groups \(3\)"):
        SOLVERS["conv2d_in_channels"](weight_shape=[3, 3, 10, 20], layout="HWIO", groups=3)
    flat = [{"type": "flatten"}]
    with pytest.raises(ValueError, match=r"a convolution needs a \(C, H, W\) input"):
        SOLVERS["next_filter_depth"](input_shape=[3, 4, 4], layers=flat)
    with pytest.raises(ValidationError):
        SOLVERS["conv2d_out_channels"](weight_shape=[3, 3, 10], layout="HWIO")
