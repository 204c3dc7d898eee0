"""Problem Set 3 (shared/homework/000_459c1037803de172.txt): every value the autograder will key on.

Each value is computed by the solvers and cross-checked against torch. Where the document's printed
solution is wrong (question 4's up-sampling stage), the test says so.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from grader.solvers import SOLVERS

INPUT = [[2, 0, -1, -1], [0, 1, 0, 2], [-2, 0, 1, 1], [1, 1, 0, -1]]
FILTER = [[1, -1, 1], [0, 1, 0], [1, -1, 1]]


def count(modules: list[nn.Module]) -> int:
    return sum(p.numel() for m in modules for p in m.parameters())


def shape_after(modules: list[nn.Module], shape: list[int]) -> tuple[int, ...]:
    return tuple(nn.Sequential(*modules)(torch.empty(1, *shape, device="meta")).shape[1:])


# --- 2(a): a fully connected network ---------------------------------------------------------------------


def test_2a_fully_connected() -> None:
    first = SOLVERS["linear_params"](in_features=150_528, out_features=75_264)
    second = SOLVERS["linear_params"](in_features=75_264, out_features=100)
    assert (first, second) == (11_329_414_656, 7_526_500)
    assert type(first) is int
    layers = [{"type": "flatten"}, {"type": "linear", "out_features": 75_264}, {"type": "linear", "out_features": 100}]
    total = SOLVERS["network_params"](input_shape=[3, 224, 224], layers=layers, output_shape=[100])
    assert total == first + second == 11_336_941_156
    modules = [nn.Flatten(), nn.Linear(150_528, 75_264, device="meta"), nn.Linear(75_264, 100, device="meta")]
    assert count(modules) == total
    assert SOLVERS["linear_params"](in_features=150_528, out_features=75_264, bias=False) == 11_329_339_392


# --- 2(b): 36 stacked 7×7 convolutions, then a linear layer -------------------------------------------

Q2B = [
    {"type": "conv2d", "out_channels": 3, "kernel_size": 7, "repeat": {"until": [3, 8, 8]}},
    {"type": "flatten"},
    {"type": "linear", "out_features": 100},
]


def test_2b_convolutional() -> None:
    assert SOLVERS["conv2d_params"](in_channels=3, out_channels=3, kernel_size=7) == 444
    assert SOLVERS["conv_layers_to_reach"](input_size=224, target_size=8, kernel_size=7) == 36
    assert SOLVERS["linear_params"](in_features=3 * 8 * 8, out_features=100) == 19_300
    args = {"input_shape": [3, 224, 224], "layers": Q2B}
    assert SOLVERS["network_layer_count"](**args, types=["conv2d"]) == 36
    assert SOLVERS["network_layer_count"](**args) == 37  # weight layers: 36 convolutions and the linear one
    assert SOLVERS["network_params"](**args, output_shape=[100]) == 36 * 444 + 19_300 == 35_284
    modules = [nn.Conv2d(3, 3, 7, device="meta") for _ in range(36)] + [nn.Flatten(), nn.Linear(192, 100, device="meta")]
    assert shape_after(modules[:36], [3, 224, 224]) == (3, 8, 8)
    assert count(modules) == 35_284


def test_2b_formula_and_distractors() -> None:
    assert SOLVERS["conv_output_size"](size=224, kernel_size=7) == 218
    assert SOLVERS["conv_output_size_formula"](stride=1, padding=0, kernel_size=7) == "N - 6"
    assert SOLVERS["conv2d_params_ignoring_in_channels"](in_channels=3, out_channels=3, kernel_size=7) == 150
    assert SOLVERS["conv2d_params"](in_channels=3, out_channels=3, kernel_size=7, bias=False) == 441
    assert SOLVERS["network_params_without_bias"](input_shape=[3, 224, 224], layers=Q2B) == 35_284 - 36 * 3 - 100


# --- 3: convolution and transposed convolution of the 4×4 input with the 3×3 filter ---------------------


def test_3a_convolution_is_cross_correlation() -> None:
    got = SOLVERS["conv2d_matrix"](input=INPUT, kernel=FILTER)
    assert got.dtype == np.int64 and got.tolist() == [[1, 0], [-1, 4]]
    expected = F.conv2d(
        torch.tensor(INPUT, dtype=torch.float64)[None, None], torch.tensor(FILTER, dtype=torch.float64)[None, None]
    )
    assert got.tolist() == expected[0, 0].to(torch.int64).tolist()
    flipped = SOLVERS["conv2d_matrix"](input=INPUT, kernel=FILTER, flip_kernel=True)
    assert flipped.tolist() == [[1, 0], [-1, 4]]  # this filter is symmetric under a 180° rotation


TRANSPOSED = [
    [2, -2, 1, 0, 0, -1],
    [0, 3, -1, 2, -3, 2],
    [0, 0, 1, 0, 2, 0],
    [1, -1, -1, 4, 0, 1],
    [-2, 3, 0, 0, -1, 1],
    [1, 0, 0, 0, 1, -1],
]


def test_3b_transposed_convolution() -> None:
    got = SOLVERS["conv_transpose2d_matrix"](input=INPUT, kernel=FILTER)
    assert got.dtype == np.int64 and got.tolist() == TRANSPOSED  # the document's matrix
    expected = F.conv_transpose2d(
        torch.tensor(INPUT, dtype=torch.float64)[None, None], torch.tensor(FILTER, dtype=torch.float64)[None, None]
    )
    assert got.tolist() == expected[0, 0].to(torch.int64).tolist()
    assert SOLVERS["conv_transpose_output_size"](size=4, kernel_size=3) == 6
    assert SOLVERS["conv_transpose_output_size_as_conv"](size=4, kernel_size=3) == 2


# --- 4 (extra credit): encoder and decoder --------------------------------------------------------------

DOWN = [{"type": "conv2d", "out_channels": c, "kernel_size": 3} for c in (16, 32, 64, 128, 256)] + [
    {"type": "conv2d", "out_channels": 256, "kernel_size": 3, "repeat": {"until": [256, 16, 16]}}
]
UP = [{"type": "conv_transpose2d", "out_channels": 256, "kernel_size": 9, "repeat": {"until_final": [3, 224, 224]}}] + [
    {"type": "conv_transpose2d", "out_channels": c, "kernel_size": 9} for c in (128, 64, 32, 16, 3)
]


def torch_encoder_decoder() -> tuple[list[nn.Module], list[nn.Module]]:
    channels_down = [3, 16, 32, 64, 128] + [256] * 100
    down = [nn.Conv2d(a, b, 3, device="meta") for a, b in zip(channels_down, channels_down[1:])]
    channels_up = [256] * 22 + [128, 64, 32, 16, 3]
    up = [nn.ConvTranspose2d(a, b, 9, device="meta") for a, b in zip(channels_up, channels_up[1:])]
    return down, up


def test_4_down_sampling_stage() -> None:
    args = {"input_shape": [3, 224, 224], "layers": DOWN}
    assert SOLVERS["network_layer_count"](**args) == 104  # 5 channel-changing + 99 of 256 -> 256
    assert SOLVERS["network_params"](**args, output_shape=[256, 16, 16]) == 58_810_528
    down, _ = torch_encoder_decoder()
    assert len(down) == 104 and shape_after(down, [3, 224, 224]) == (256, 16, 16)
    assert count(down) == 58_810_528


def test_4_up_sampling_stage_corrects_the_documents_arithmetic() -> None:
    args = {"input_shape": [256, 16, 16], "layers": UP}
    assert SOLVERS["network_layer_count"](**args) == 26  # 21 of 256 -> 256, then 5 channel-changing
    up_params = SOLVERS["network_params"](**args, output_shape=[3, 224, 224])
    # The document prints 32 -> 16 as (9*9*32 + 1)*16 = 41448 (it is 41488), so its stage total 115,011,323
    # is 40 short.
    assert SOLVERS["conv_transpose2d_params"](in_channels=32, out_channels=16, kernel_size=9) == 41_488
    assert up_params == 115_011_363 == 115_011_323 + 40
    _, up = torch_encoder_decoder()
    assert len(up) == 26 and shape_after(up, [256, 16, 16]) == (3, 224, 224)
    assert count(up) == up_params


def test_4_whole_model_from_its_two_stages() -> None:
    args = {"input_shape": [3, 224, 224], "layers": [DOWN, UP]}  # stages: nested lists are spliced
    assert SOLVERS["network_layer_count"](**args) == 130
    assert SOLVERS["network_params"](**args, output_shape=[3, 224, 224]) == 173_821_891  # printed: 173,821,851
    down, up = torch_encoder_decoder()
    assert count(down + up) == 173_821_891


def test_4_channel_swap_distractor() -> None:
    # "the same as a convolution with the channels swapped" puts the biases on the input channels
    assert SOLVERS["conv_transpose2d_params_swapped"](in_channels=256, out_channels=128, kernel_size=9) == 2_654_464
    assert SOLVERS["conv_transpose2d_params"](in_channels=256, out_channels=128, kernel_size=9) == 2_654_336
