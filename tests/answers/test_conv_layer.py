"""A designed convolutional layer: how its settings are read, and its properties checked against torch (the
output grid of a real Conv2d, the input pixels each output depends on by autograd, and an FC layer's
weights copied into the reference layer giving the same numbers)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import event, given, settings
from hypothesis import strategies as st

from grader.answers.base import FormatError
from grader.answers.conv_layer import KIND, ConvLayerSpec, Layer, reference_layer
from grader.solvers import SOLVERS

SPEC = ConvLayerSpec(kind="conv_layer")


def _fc(height: int = 100, width: int = 100, in_channels: int = 1, features: int = 1000, patch: int = 10):
    return KIND.expected(SOLVERS["fc_as_conv_layer"](height=height, width=width, in_channels=in_channels,
                                                     features=features, patch=patch), SPEC)


PATCHES, WHOLE = _fc(), _fc(patch=100)


@pytest.mark.parametrize(("text", "layer"), [
    ("kernel 10x10, stride 10, padding 0, 1000 output channels", Layer((10, 10), (10, 10), (0, 0), None, 1000)),
    ("Kernel size = 10 × 10; stride = 10; no padding; 1,000 filters", Layer((10, 10), (10, 10), (0, 0), None, 1000)),
    ("kernel_size=(10, 10), stride=(10,10), padding=0, out_channels=1000", Layer((10, 10), (10, 10), (0, 0), None, 1000)),
    ("10x10 kernel, stride 10, padding 0.", Layer((10, 10), (10, 10), (0, 0))),
    ("1000 filters of size 10x10, stride 10, no padding", Layer((10, 10), (10, 10), (0, 0), None, 1000)),
    ("the kernel's size is 10x10, stride 10 and padding 0", Layer((10, 10), (10, 10), (0, 0))),
    ("kernel 100 x 100 x 1, stride 1, padding: valid", Layer((100, 100), (1, 1), (0, 0), 1)),
    ("k=3, s=2, p=1", Layer((3, 3), (2, 2), (1, 1))),
    ("a 100x100 kernel covering the whole image, stride 1 and zero padding", Layer((100, 100), (1, 1), (0, 0))),
    ("kernel ten by ten, stride ten, padding zero", Layer((10, 10), (10, 10), (0, 0))),
    ("kernel 3, stride 1, zero padding of 1", Layer((3, 3), (1, 1), (1, 1))),
    ("kernel 3x5, stride (1, 2), padding 0x1", Layer((3, 5), (1, 2), (0, 1))),
])
def test_settings_are_read_in_the_ways_students_write_them(text, layer):
    reading = KIND.parse(text, SPEC)
    assert not isinstance(reading, FormatError), reading
    assert reading.value == layer
    assert KIND.parse(reading.shown, SPEC).value == layer  # what is shown back reads the same


@pytest.mark.parametrize(("raw", "message"), [
    ("kernel 10 stride 10", "Give the padding too, as in `kernel 3x3, stride 1, padding 0, 16 output channels`."),
    ("stride 1", "Give the kernel size and padding too, as in `kernel 3x3, stride 1, padding 0, 16 output channels`."),
    ("kernel 3 3", "Could not tell which setting `3` is: name each one (kernel, stride, padding, output channels), "
                   "as in `kernel 3x3, stride 1, padding 0, 16 output channels`."),
    ("kernel, stride 1, padding 0", "No number is given for the kernel size."),
    ("kernel 3, stride 1, padding 0, kernel 5", "The kernel size is given twice."),
    ("kernel 10.5, stride 1, padding 0", "Layer settings are whole numbers, not `10.5`."),
    ("kernel 99999999, stride 1, padding 0", "The kernel size `99999999` is far too large for a layer setting."),
    ("kernel 0, stride 1, padding 0", "The kernel size and the stride must be at least 1."),
    ("kernel 3, stride 1x2x3, padding 0", "The stride is one number (or two)."),
    ("kernel 3, stride 1, padding 0, 4x4 filters", "The number of output channels is one number."),
    ("kernel 3, stride 1, padding same", "Give the padding as a number of pixels: how much `same` padding is "
                                         "depends on the kernel and the stride."),
    ("kernel 10, stride 10, no padding, one thousand filters", "No number is given for the number of output channels."),
    ("kernel 10, stride 10, no padding, twenty-one filters", "No number is given for the number of output channels."),
    (7, "Expected the layer's settings as text, such as `kernel 3x3, stride 1, padding 0, 16 output channels`."),
    ("kernel 3, " * 40, "The answer is longer than 300 characters; give just the settings, such as "
                        "`kernel 3x3, stride 1, padding 0, 16 output channels`."),
])
def test_what_cannot_be_read_says_why(raw, message):
    assert KIND.parse(raw, SPEC) == FormatError(message)


def _grade(text: str, fc):
    return KIND.grade(KIND.parse(text, SPEC).value, fc, SPEC)


def test_the_documents_answers_and_other_right_ones_get_full_marks():
    assert _grade("kernel 100x100, stride 1, padding 0, 1000 output channels", WHOLE).correct
    assert _grade("kernel 100x100, stride 7, padding 0", WHOLE).correct  # one window: any stride
    assert _grade("kernel 10x10, stride 10, padding 0, 1000 output channels", PATCHES).correct
    assert _grade("kernel 10x10x1, stride 10, no padding", PATCHES).correct


def test_wrong_layers_lose_what_they_break_and_are_told_why():
    overlapping = _grade("kernel 10, stride 5, padding 0, 1000 filters", PATCHES)
    assert overlapping.score == pytest.approx(1 / 3)
    assert overlapping.feedback == ("This layer does not do the FC layer's job: it gives a 19×19 grid of outputs, "
                                    "not one vector per patch; with stride 5 the windows overlap instead of tiling "
                                    "the patches.")
    padded = _grade("kernel 10, stride 10, padding 1, 1000 filters", PATCHES)
    assert padded.score == pytest.approx(2 / 3) and "padding shifts the windows off the patches" in padded.feedback
    patchwise = _grade("kernel 10, stride 10, padding 0, 1000 filters", WHOLE)
    assert patchwise.score == pytest.approx(1 / 3)
    assert "10×10 grid of outputs, not one vector for the whole image" in patchwise.feedback
    assert "a 10×10 window, not the whole image" in patchwise.feedback
    channels = _grade("kernel 10, stride 10, padding 0, 100 filters", PATCHES)
    assert channels.score == pytest.approx(2 / 3)
    assert "100 output channels do not give the FC layer's 1000 features" in channels.feedback
    assert "span the input's 1 channel, not 3" in _grade("kernel 10x10x3, stride 10, padding 0", PATCHES).feedback
    assert "does not fit" in _grade("kernel 200, stride 1, padding 0", PATCHES).feedback


def test_the_key_shows_a_layer_that_reads_back_as_correct():
    for fc in (PATCHES, WHOLE, _fc(12, 8, 3, 5, 4)):
        shown = KIND.show(fc, SPEC)
        assert KIND.grade(KIND.parse(shown, SPEC).value, fc, SPEC).correct
    assert KIND.show(PATCHES, SPEC) == "kernel 10×10, stride 10, padding 0, 1000 output channels"


def test_a_patch_that_does_not_tile_the_image_is_refused_at_load_time():
    with pytest.raises(ValueError, match="does not tile"):
        _fc(100, 100, 1, 10, 30)


def _masks(height: int, width: int, channels: int, layer: Layer) -> tuple[tuple[int, int], list[torch.Tensor]]:
    """The Conv2d's output grid, and for each output position the input pixels it depends on (autograd)."""
    image = torch.ones(1, channels, height, width, dtype=torch.float64, requires_grad=True)
    weights = torch.ones(1, channels, *layer.kernel, dtype=torch.float64)
    out = F.conv2d(image, weights, stride=layer.stride, padding=layer.padding)[0, 0]
    masks = []
    for position in range(out.numel()):
        (grad,) = torch.autograd.grad(out.flatten()[position], image, retain_graph=True)
        masks.append(grad[0] != 0)
    return tuple(out.shape), masks


@settings(max_examples=250, deadline=None)
@given(st.data())
def test_the_properties_agree_with_a_real_conv2d(data):
    patch = data.draw(st.integers(1, 5))
    rows, columns = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    height, width, channels = patch * rows, patch * columns, data.draw(st.integers(1, 3))
    fc = _fc(height, width, channels, 4, patch)
    near = st.one_of(st.just(patch), st.integers(max(1, patch - 1), patch + 3))  # right layers, near misses
    layer = Layer(tuple(data.draw(st.one_of(near, st.integers(1, 12))) for _ in range(2)),
                  tuple(data.draw(st.one_of(near, near, st.integers(1, 6))) for _ in range(2)),
                  tuple(data.draw(st.one_of(st.just(0), st.integers(0, 3))) for _ in range(2)), out_channels=4)
    padded = (height + 2 * layer.padding[0], width + 2 * layer.padding[1])
    if layer.kernel[0] > padded[0] or layer.kernel[1] > padded[1]:
        assert KIND.grade(layer, fc, SPEC).score == 0
        return
    grid, masks = _masks(height, width, channels, layer)
    right_grid = grid == (rows, columns)
    patches = []
    for index in range(len(masks)):
        i, j = divmod(index, grid[1])
        wanted = torch.zeros(channels, height, width, dtype=torch.bool)
        wanted[:, i * patch:(i + 1) * patch, j * patch:(j + 1) * patch] = True
        patches.append(i < rows and j < columns and bool(torch.equal(masks[index], wanted)))
    each_sees_its_patch = all(patches)
    verdict = KIND.grade(layer, fc, SPEC)
    assert verdict.score == pytest.approx((right_grid + each_sees_its_patch + 1) / 3)
    assert verdict.correct == (right_grid and each_sees_its_patch)
    event("equivalent" if verdict.correct else "not equivalent")


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 6))
def test_the_reference_layer_computes_the_fc_layer_with_its_weights(patch, rows, columns, channels, features):
    fc = _fc(patch * rows, patch * columns, channels, features, patch)
    layer = reference_layer(fc)
    linear = torch.nn.Linear(channels * patch * patch, features, dtype=torch.float64)
    conv = torch.nn.Conv2d(channels, features, layer.kernel, stride=layer.stride, padding=layer.padding,
                           dtype=torch.float64)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.reshape(features, channels, patch, patch))
        conv.bias.copy_(linear.bias)
    image = torch.randn(1, channels, fc.height, fc.width, dtype=torch.float64)
    out = conv(image)[0]
    assert out.shape == (features, rows, columns)
    for i in range(rows):
        for j in range(columns):
            piece = image[0, :, i * patch:(i + 1) * patch, j * patch:(j + 1) * patch].reshape(-1)
            torch.testing.assert_close(out[:, i, j], linear(piece))


def test_validate_rejects_a_mistake_that_is_a_right_layer(tmp_path):
    from grader.problems.loader import validate_file

    text = Path("problems/hw002.yaml").read_text(encoding="utf-8")
    useless = text.replace("          - name: WHOLE_IMAGE\n            args: {patch: $H}",
                           "          - name: WHOLE_IMAGE\n            args: {patch: $patch}")
    assert useless != text
    path = tmp_path / "hw002.yaml"
    path.write_text(useless, encoding="utf-8")
    errors = [str(error) for error in validate_file(path)]
    assert len(errors) == 1 and errors[0].endswith(
        "mistake WHOLE_IMAGE gives the correct value kernel 10×10, stride 10, padding 0, 1000 output channels; "
        "it could never fire")
