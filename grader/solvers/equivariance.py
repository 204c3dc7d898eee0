"""Shift invariance of a fully convolutional network with circular padding and global average pooling.

A stack of stride-1 convolutions with circular ("wrap-around") padding and pointwise activations is
equivariant to circular shifts of its input: shifting the input shifts every feature map the same way.
Global average pooling then forgets the position, so the pooled features of a circularly shifted image
equal those of the original. Knowing the features of some images therefore gives the features of every
circular shift of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from grader.solvers.argtypes import Matrix, Number

if TYPE_CHECKING:
    import numpy as np

Features = Annotated[list[Number], Field(min_length=1)]


def circular_shift_between(source: Matrix, target: Matrix) -> tuple[int, int] | None:
    """The (rows, columns) circular shift taking ``source`` to ``target``, or None when there is none."""
    import numpy as np

    a, b = np.asarray(source), np.asarray(target)
    if a.shape != b.shape:
        return None
    for rows in range(a.shape[0]):
        for columns in range(a.shape[1]):
            if np.array_equal(np.roll(a, (rows, columns), axis=(0, 1)), b):
                return rows, columns
    return None


def gap_features_of_shifted_input(
    known_inputs: Annotated[list[Matrix], Field(min_length=1)],
    known_features: Annotated[list[Features], Field(min_length=1)],
    input: Matrix,
) -> np.ndarray:
    """GAP features g(x) of ``input`` for a circular-padding, stride-1 conv net: g(x) = g(x_i) when x is a
    circular shift of a known input x_i (known_inputs[i] ↦ known_features[i]).

    Raises ValueError when the input is no circular shift of any known input (the features then do not
    follow from invariance alone).
    """
    import numpy as np

    if len(known_inputs) != len(known_features):
        raise ValueError(f"{len(known_inputs)} known inputs but {len(known_features)} feature vectors")
    for source, features in zip(known_inputs, known_features):
        if circular_shift_between(source, input) is not None:
            values = np.asarray(features)
            return values if values.dtype.kind in "iu" else values.astype(np.float64)
    raise ValueError("the input is not a circular shift of any known input; invariance alone does not give "
                     "its features")
