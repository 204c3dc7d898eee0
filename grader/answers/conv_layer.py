"""A convolutional layer the student designs to do a fully connected layer's job: "kernel 10×10, stride 10,
padding 0, 1000 output channels". More than one setting can be right (a kernel that covers the whole
image may have any stride), so the layer is judged by what it must do, as designed filters are:

- ``output``: one output position per patch (the FC layer's one vector per patch);
- ``patches``: each output position sees exactly its patch's pixels, in all input channels (a kernel of the
  patch's size, windows that neither overlap nor skip pixels, and no padding, save padding that only zeros
  fill, as a kernel larger than the whole image by the padding has);
- ``channels``: as many output channels as the FC layer has outputs, when the answer gives them (the
  questions ask for the kernel size, stride and padding).

The reference value is the FC layer's situation (the image and the patch it is applied to), from the
``fc_as_conv_layer`` solver; the score is the fraction of the properties that hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from grader.answers.base import CORRECT, PARTIAL, WRONG, FormatError, Kind, Reading, SpecModel, Verdict
from grader.answers.common import never_raises
from grader.text import code

MAX_CHARS = 300
MAX_DIGITS = 7


class ConvLayerSpec(SpecModel):
    kind: Literal["conv_layer"]


@dataclass(frozen=True)
class FullyConnected:
    """An FC layer applied to each non-overlapping ``patch`` × ``patch`` patch of a C × H × W image (the
    whole image when ``patch`` is its size), with ``features`` outputs per patch."""

    height: int
    width: int
    in_channels: int
    features: int
    patch: int


@dataclass(frozen=True)
class Layer:
    """The settings the student gave; ``depth`` and ``out_channels`` are None when not given."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    depth: int | None = None
    out_channels: int | None = None


# --- reading ---------------------------------------------------------------------------------------------

_SETTINGS = {
    "kernel": ("kernel size", "kernel", "filter size", "receptive field", "window", "size", "k"),
    "stride": ("stride", "step", "s"),
    "padding": ("zero padding", "padding", "pad", "p"),
    "out_channels": ("output channels", "out channels", "c out", "cout", "number of filters", "filters",
                     "kernels", "channels", "output depth"),
}
_ALIASES = sorted(((alias, setting) for setting, aliases in _SETTINGS.items() for alias in aliases),
                  key=lambda pair: -len(pair[0]))
_NAME_OF = dict(_ALIASES)
_TOKEN = re.compile(r"(?P<nopad>\bno (?:zero )?padding\b|\b(?:zero )?padding\s*(?:[:=]|of|is)?\s*(?:none|valid)\b"
                    r"|\bzero padding\b(?!\s*(?:[:=]|of|is)?\s*\d))"
                    r"|(?P<same>\bpadding\s*(?:[:=]|of|is)?\s*(?:same|full)\b|\b(?:same|full) padding\b)"
                    r"|(?<![a-z])(?P<name>" + "|".join(re.escape(alias) for alias, _ in _ALIASES) + r")(?![a-z])"
                    r"|(?P<value>\d+(?:x\d+){0,2})(?!\d|\.\d)"
                    r"|(?P<decimal>\d*\.\d+)")
_TITLES = {"kernel": "kernel size", "stride": "stride", "padding": "padding",
           "out_channels": "number of output channels"}
EXAMPLE = "kernel 3x3, stride 1, padding 0, 16 output channels"


@never_raises("a convolutional layer's settings")
def parse(raw: Any, spec: ConvLayerSpec) -> Reading | FormatError:
    if not isinstance(raw, str):
        return FormatError(f"Expected the layer's settings as text, such as {code(EXAMPLE)}.")
    if len(raw) > MAX_CHARS:
        return FormatError(f"The answer is longer than {MAX_CHARS} characters; give just the settings, such as "
                           f"{code(EXAMPLE)}.")
    found = _settings(_normalised(raw))
    if isinstance(found, FormatError):
        return found
    missing = [_TITLES[name] for name in ("kernel", "stride", "padding") if name not in found]
    if missing:
        return FormatError(f"Give the {_listed(missing)} too, as in {code(EXAMPLE)}.")
    layer = _layer(found)
    return layer if isinstance(layer, FormatError) else Reading(layer, show_layer(layer))


_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _normalised(raw: str) -> str:
    """Lower case, one spelling of sizes (``10x10``, from ``10 × 10``, ``10 by 10``, ``(10, 10)``, ``10*10``),
    digits for the small number words ("stride one"), no thousands separators, ``_`` as a space
    (``kernel_size``)."""
    text = raw.lower().replace("×", "x").replace("*", "x").replace("_", " ").replace("’", "'")
    text = re.sub(r"'s\b", "", text)
    text = re.sub(r"(?<!-)\b(" + "|".join(_WORDS) + r")\b(?!\s*(?:hundred|thousand|million|-|padding))",
                  lambda match: str(_WORDS.index(match.group(1))), text)
    text = re.sub(r"\(\s*(\d+)\s*,\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)",
                  lambda match: "x".join(group for group in match.groups() if group), text)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    return re.sub(r"(\d)\s*(?:x|by)\s*(?=\d)", r"\1x", text)


def _settings(text: str) -> dict[str, tuple[int, ...]] | FormatError:
    """Each named setting with its number: a name takes the number after it ("stride 2"), or the one just
    before it when that number is not already taken ("1000 filters")."""
    found: dict[str, tuple[int, ...]] = {}
    waiting_name: str | None = None
    waiting_value: str | None = None

    def assign(name: str, value: str) -> FormatError | None:
        if name in found:
            return FormatError(f"The {_TITLES[name]} is given twice.")
        numbers = tuple(int(part) for part in value.split("x"))
        if any(len(part) > MAX_DIGITS for part in value.split("x")):
            return FormatError(f"The {_TITLES[name]} {code(value)} is far too large for a layer setting.")
        found[name] = numbers
        return None

    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        error = None
        if kind == "decimal":
            return FormatError(f"Layer settings are whole numbers, not {code(token)}.")
        if kind == "same":
            return FormatError("Give the padding as a number of pixels: how much `same` padding is depends on the "
                               "kernel and the stride.")
        if kind == "nopad":
            error = assign("padding", "0")
        elif kind == "name":
            name = _NAME_OF[token]
            if waiting_name is not None:
                return FormatError(f"No number is given for the {_TITLES[waiting_name]}.")
            if waiting_value is not None:
                error, waiting_value = assign(name, waiting_value), None
            else:
                waiting_name = name
        elif waiting_name is not None:
            error, waiting_name = assign(waiting_name, token), None
        elif waiting_value is None:
            waiting_value = token
        else:
            return FormatError(f"Could not tell which setting {code(waiting_value)} is: name each one (kernel, "
                               f"stride, padding, output channels), as in {code(EXAMPLE)}.")
        if error is not None:
            return error
    if waiting_name is not None:
        return FormatError(f"No number is given for the {_TITLES[waiting_name]}.")
    if waiting_value is not None:
        return FormatError(f"Could not tell which setting {code(waiting_value)} is: name each one (kernel, stride, "
                           f"padding, output channels), as in {code(EXAMPLE)}.")
    return found


def _layer(found: dict[str, tuple[int, ...]]) -> Layer | FormatError:
    for name in ("stride", "padding", "out_channels"):
        if len(found.get(name, ())) > (1 if name == "out_channels" else 2):
            return FormatError(f"The {_TITLES[name]} is one number{'' if name == 'out_channels' else ' (or two)'}.")
    kernel = found["kernel"]
    if len(kernel) == 1:
        kernel = kernel * 2
    stride, padding = (found[name] * (3 - len(found[name])) for name in ("stride", "padding"))
    if min(*kernel[:2], *stride) < 1:
        return FormatError("The kernel size and the stride must be at least 1.")
    channels = found.get("out_channels")
    return Layer((kernel[0], kernel[1]), (stride[0], stride[1]), (padding[0], padding[1]),
                 depth=kernel[2] if len(kernel) == 3 else None, out_channels=channels[0] if channels else None)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# --- judging ---------------------------------------------------------------------------------------------

def expected(value: Any, spec: ConvLayerSpec) -> FullyConnected:
    try:
        layer = FullyConnected(**{name: int(value[name]) for name in
                                  ("height", "width", "in_channels", "features", "patch")})
    except (TypeError, KeyError, ValueError):
        raise ValueError(f"expected the FC layer's height, width, in_channels, features and patch, got {value!r}")
    if layer.height % layer.patch or layer.width % layer.patch:
        raise ValueError(f"a {layer.patch}×{layer.patch} patch does not tile a {layer.height}×{layer.width} image")
    return layer


def output_size(layer: Layer, height: int, width: int) -> tuple[int, int] | None:
    """The layer's output height and width on a ``height`` × ``width`` image (None when the kernel does not
    fit inside the padded image)."""
    sizes = []
    for size, kernel, stride, padding in zip((height, width), layer.kernel, layer.stride, layer.padding):
        if size + 2 * padding < kernel:
            return None
        sizes.append((size + 2 * padding - kernel) // stride + 1)
    return sizes[0], sizes[1]


def _check_output(layer: Layer, fc: FullyConnected) -> str | None:
    produced = output_size(layer, fc.height, fc.width)
    wanted = (fc.height // fc.patch, fc.width // fc.patch)
    if produced is None:
        return f"the {_size(layer.kernel)} kernel does not fit in the {fc.height}×{fc.width} image, even padded"
    if produced == wanted:
        return None
    what = "one vector for the whole image" if wanted == (1, 1) else "one vector per patch"
    return f"it gives a {_size(produced)} grid of outputs, not {what}"


def windows(size: int, kernel: int, stride: int, padding: int) -> list[tuple[int, int]]:
    """The image rows (or columns) each output position sees, as [start, end): its window, less padding."""
    count = (size + 2 * padding - kernel) // stride + 1 if size + 2 * padding >= kernel else 0
    return [(max(0, i * stride - padding), min(size, i * stride - padding + kernel)) for i in range(count)]


def _aligned(size: int, kernel: int, stride: int, padding: int, patch: int) -> bool:
    """Whether output position i sees exactly patch i, for every i (none beyond the last patch)."""
    seen = windows(size, kernel, stride, padding)
    return bool(seen) and all(i * patch < size and window == (i * patch, (i + 1) * patch)
                              for i, window in enumerate(seen))


def _check_patches(layer: Layer, fc: FullyConnected) -> str | None:
    whole = fc.patch == fc.height == fc.width
    region = "the whole image" if whole else f"one {fc.patch}×{fc.patch} patch"
    if layer.depth is not None and layer.depth != fc.in_channels:
        return (f"each filter must span the input's {fc.in_channels} channel{'s' if fc.in_channels != 1 else ''}, "
                f"not {layer.depth}")
    if all(_aligned(size, kernel, stride, padding, fc.patch) for size, kernel, stride, padding in
           zip((fc.height, fc.width), layer.kernel, layer.stride, layer.padding)):
        return None
    if layer.padding == (0, 0) and layer.kernel != (fc.patch, fc.patch):
        return f"each output sees a {_size(layer.kernel)} window, not {region}"
    if layer.padding != (0, 0):
        return "its padding shifts the windows off the patches and adds border pixels that the FC layer never sees"
    how = "overlap" if min(layer.stride) < fc.patch else "skip pixels"
    return f"with stride {_size(layer.stride, square=True)} the windows {how} instead of tiling the patches"


def _check_channels(layer: Layer, fc: FullyConnected) -> str | None:
    if layer.out_channels is None or layer.out_channels == fc.features:
        return None
    return f"{layer.out_channels} output channels do not give the FC layer's {fc.features} features per position"


CHECKS = (("output", _check_output), ("patches", _check_patches), ("channels", _check_channels))


def grade(value: Layer, fc: FullyConnected, spec: ConvLayerSpec) -> Verdict:
    if output_size(value, fc.height, fc.width) is None:
        return Verdict(score=0.0, note=WRONG, feedback=f"This layer has no output: {_check_output(value, fc)}.")
    judged = [(name, check(value, fc)) for name, check in CHECKS
              if name != "channels" or value.out_channels is not None]
    problems = [message for _, message in judged if message is not None]
    if not problems:
        return Verdict(score=1.0, note=CORRECT,
                       feedback="Correct: this layer computes what the fully connected layer does.")
    score = 1 - len(problems) / len(judged)
    return Verdict(score=score, note=PARTIAL if score > 0 else WRONG,
                   feedback="This layer does not do the FC layer's job: " + "; ".join(problems) + ".")


def reference_layer(fc: FullyConnected) -> Layer:
    """The layer every property holds for: a patch-sized kernel, stride the patch, no padding."""
    stride = 1 if fc.patch == fc.height == fc.width else fc.patch
    return Layer((fc.patch, fc.patch), (stride, stride), (0, 0), out_channels=fc.features)


def show(fc: FullyConnected, spec: ConvLayerSpec) -> str:
    return show_layer(reference_layer(fc))


def show_layer(layer: Layer) -> str:
    kernel = _size(layer.kernel) + (f"×{layer.depth}" if layer.depth is not None else "")
    text = f"kernel {kernel}, stride {_size(layer.stride, square=True)}, padding {_size(layer.padding, square=True)}"
    if layer.out_channels is None:
        return text
    return text + f", {layer.out_channels} output channel{'s' if layer.out_channels != 1 else ''}"


def _size(pair: tuple[int, int], *, square: bool = False) -> str:
    return str(pair[0]) if square and pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


def describe(spec: ConvLayerSpec) -> str:
    return (f"The layer's settings, each named, e.g. {code(EXAMPLE)}; sizes may be written `3x3`, `3×3`, "
            "`(3, 3)` or `3`, and `no padding` is read as padding 0.")


def example(fc: FullyConnected, spec: ConvLayerSpec) -> Layer:
    return reference_layer(fc)


KIND = Kind(name="conv_layer", spec_model=ConvLayerSpec, parse=parse, expected=expected, grade=grade, show=show,
            describe=describe, example=example)
