"""What a designed filter must do, by purpose: the reference for the ``designed_filter`` answer kind."""

from __future__ import annotations

from typing import Literal

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
