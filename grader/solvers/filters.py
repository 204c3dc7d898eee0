"""What a design must do: a filter, by purpose (the reference for the ``designed_filter`` answer kind), and a
convolutional layer that does a fully connected layer's job (for the ``conv_layer`` kind)."""

from __future__ import annotations

from typing import Literal

from grader.solvers.argtypes import Positive

PURPOSES: dict[str, list[str]] = {
    "blur": ["nonnegative", "sums_to_one", "spreads"],
    "vertical_edge": ["sums_to_zero", "detects_vertical_edges"],
    "horizontal_edge": ["sums_to_zero", "detects_horizontal_edges"],
}


def designed_filter_properties(purpose: Literal["blur", "vertical_edge", "horizontal_edge"]) -> list[str]:
    """Properties a filter designed for ``purpose`` must have.

    blur: non-negative weights summing to 1, spread over several pixels (so the mean brightness is kept and
    the image is averaged, not copied). Edge filters: zero response to a flat image, a strong response to an
    edge of the named orientation and a weak one (at most a quarter) to the other orientation.
    """
    return list(PURPOSES[purpose])


def fc_as_conv_layer(height: Positive, width: Positive, in_channels: Positive, features: Positive,
                     patch: Positive) -> dict[str, int]:
    """An FC layer with ``features`` outputs applied to each non-overlapping ``patch`` × ``patch`` patch of an
    ``in_channels`` × ``height`` × ``width`` image (the whole image when ``patch`` is its size): what a
    convolutional layer designed to do its job must reproduce. One such layer has a ``patch``-sized kernel,
    stride ``patch`` and no padding, with ``features`` output channels."""
    if height % patch or width % patch:
        raise ValueError(f"a {patch}×{patch} patch does not tile a {height}×{width} image")
    return {"height": height, "width": width, "in_channels": in_channels, "features": features, "patch": patch}
