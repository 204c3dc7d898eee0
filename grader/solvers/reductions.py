"""What a replacement saves: percent fewer parameters or MACs when some layers are replaced by others.

Both stacks take the same input and must give the same output shape (a replacement, such as a
depthwise-separable convolution for a standard one). The reduction is 100*(1 - new/old) percent; the
counts are ``network_params`` and ``network_macs``.
"""

from __future__ import annotations

from typing import Callable

from grader.solvers.argtypes import Shape
from grader.solvers.macs import network_macs
from grader.solvers.network import Layers, network_output_shape, network_params


def network_params_reduction(input_shape: Shape, layers: Layers, replacement: Layers) -> float:
    """Percent fewer parameters when ``replacement`` replaces ``layers``: 100*(1 - P_new/P_old).

    P_old, P_new: the parameters (weights and biases) of ``layers`` and of ``replacement`` on the same input.
    """
    old, new = _counts(network_params, input_shape, layers, replacement)
    return 100 * (1 - new / old)


def network_macs_reduction(input_shape: Shape, layers: Layers, replacement: Layers) -> float:
    """Percent fewer MACs when ``replacement`` replaces ``layers``: 100*(1 - M_new/M_old), for one input."""
    old, new = _counts(network_macs, input_shape, layers, replacement)
    return 100 * (1 - new / old)


# --- distractors -----------------------------------------------------------------------------------------


def network_params_percent_kept(input_shape: Shape, layers: Layers, replacement: Layers) -> float:
    """Distractor: 100*P_new/P_old, the percentage of the parameters kept, not the reduction."""
    old, new = _counts(network_params, input_shape, layers, replacement)
    return 100 * new / old


def network_macs_percent_kept(input_shape: Shape, layers: Layers, replacement: Layers) -> float:
    """Distractor: 100*M_new/M_old, the percentage of the MACs kept, not the reduction."""
    old, new = _counts(network_macs, input_shape, layers, replacement)
    return 100 * new / old


def _counts(
    count: Callable[[Shape, Layers], int], input_shape: Shape, layers: Layers, replacement: Layers
) -> tuple[int, int]:
    """(old, new) counts; ValueError unless both stacks give the same output shape and old is not 0."""
    before, after = network_output_shape(input_shape, layers), network_output_shape(input_shape, replacement)
    if before != after:
        raise ValueError(f"the replacement outputs {after}, the layers it replaces {before}: not a replacement")
    old = count(input_shape, layers)
    if old == 0:
        raise ValueError("the replaced layers count 0: a reduction from 0 is undefined")
    return old, count(input_shape, replacement)
