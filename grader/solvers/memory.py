"""Memory of a model's parameters and of training it: weights, gradients and optimizer state.

Units (``unit``): "MB" = 10**6 bytes and "GB" = 10**9 bytes (decimal, SI); "MiB" = 2**20 = 1,048,576
bytes and "GiB" = 2**30 bytes (binary, what ``nvidia-smi`` and ``torch.cuda.memory_allocated() / 2**20``
report). ResNet-152's 60,192,808 float32 parameters: 240,771,232 bytes = 240.77 MB = 229.62 MiB.

Training memory here is weights + gradients + optimizer state, each the parameters' dtype; activations,
the CUDA context and allocator caching are not counted. Optimizer state counts per-element buffers only
(as ``torch.optim`` keeps them, ``zeros_like(param)``): SGD none, SGD with momentum one
(``momentum_buffer``), Adam and AdamW two (``exp_avg``, ``exp_avg_sq``; three with ``amsgrad``:
``max_exp_avg_sq``). torch's Adam/AdamW also keep a scalar ``step`` tensor per parameter *tensor* (not per
element): a few bytes per tensor, not counted.

No torch at module level: answers files import this module (``resnet_params`` imports it lazily).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from grader.solvers.argtypes import Flag, NonNegative, Positive, kind_of

Dtype = Literal["float32", "float16", "bfloat16", "float64", "int8"]

Unit = Literal["MB", "MiB", "GB", "GiB", "bytes"]

Optimizer = Literal["sgd", "sgd_momentum", "adam", "adamw"]

DTYPE_BYTES: dict[str, int] = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8, "int8": 1}
"""Bytes per element: ``torch.empty((), dtype=torch.<dtype>).element_size()``."""

UNIT_BYTES: dict[str, int] = {"bytes": 1, "MB": 10**6, "MiB": 2**20, "GB": 10**9, "GiB": 2**30}

OPTIMIZER_BUFFERS: dict[str, int] = {"sgd": 0, "sgd_momentum": 1, "adam": 2, "adamw": 2}
"""Per-element state tensors, each the size of the parameters: momentum 1; Adam/AdamW m and v."""


def _strict_int(value: Any) -> Any:
    """Reject ``true`` and ``50.0`` before a ``Literal`` of integers would accept them."""
    if kind_of(value) != "int":
        raise ValueError("Input should be an integer")
    return value


ResNetDepth = Annotated[Literal[18, 34, 50, 101, 152], BeforeValidator(_strict_int)]


def dtype_bytes(dtype: Dtype) -> int:
    """Bytes per element of ``dtype``: float64 8, float32 4, float16 and bfloat16 2, int8 1."""
    try:
        return DTYPE_BYTES[dtype]
    except KeyError:
        raise ValueError(f"dtype must be one of {sorted(DTYPE_BYTES)}, got {dtype!r}") from None


def unit_bytes(unit: Unit) -> int:
    """Bytes in one ``unit``: MB 10**6, MiB 2**20, GB 10**9, GiB 2**30, bytes 1."""
    try:
        return UNIT_BYTES[unit]
    except KeyError:
        raise ValueError(f"unit must be one of {sorted(UNIT_BYTES)}, got {unit!r}") from None


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError(f"count must be a positive integer, got {count!r}")


def param_bytes(count: Positive, dtype: Dtype = "float32") -> int:
    """Bytes of the parameters: N*b.

    N: count (parameters), b: ``dtype_bytes(dtype)`` (float32 4). Equals
    ``sum(p.numel() * p.element_size() for p in model.parameters())``.
    """
    _check_count(count)
    return count * dtype_bytes(dtype)


def model_size(count: Positive, dtype: Dtype = "float32", unit: Unit = "MB") -> float:
    """Size of the parameters in ``unit``: N*b / u.

    N: count, b: bytes per element of ``dtype``, u: bytes per unit: MB = 10**6 (decimal), MiB = 2**20
    (binary), GB = 10**9, GiB = 2**30. ResNet-152 float32: 240.77 MB = 229.62 MiB.
    """
    return param_bytes(count, dtype) / unit_bytes(unit)


def optimizer_state_bytes(
    count: Positive, optimizer: Optimizer, dtype: Dtype = "float32", amsgrad: Flag = False
) -> int:
    """Bytes of the optimizer's per-element state: k*N*b.

    N: count, b: bytes per element of ``dtype`` (torch keeps state in the parameters' dtype), k: buffers
    per parameter element: sgd 0, sgd_momentum 1 (``momentum_buffer``), adam and adamw 2 (``exp_avg``,
    ``exp_avg_sq``), 3 with ``amsgrad`` (``max_exp_avg_sq``). Adam's scalar ``step`` tensor per parameter
    tensor is not counted. ``amsgrad`` applies to adam and adamw only (``ValueError`` otherwise).
    """
    _check_count(count)
    if optimizer not in OPTIMIZER_BUFFERS:
        raise ValueError(f"optimizer must be one of {sorted(OPTIMIZER_BUFFERS)}, got {optimizer!r}")
    if amsgrad and optimizer not in ("adam", "adamw"):
        raise ValueError(f"amsgrad applies to adam and adamw, not {optimizer!r}")
    buffers = OPTIMIZER_BUFFERS[optimizer] + (1 if amsgrad else 0)
    return buffers * param_bytes(count, dtype)


def training_memory_bytes(
    count: Positive, optimizer: Optimizer, dtype: Dtype = "float32", amsgrad: Flag = False
) -> int:
    """Bytes to train without activations: weights + gradients + optimizer state = (2 + k)*N*b.

    N: count, b: bytes per element of ``dtype``, k: optimizer buffers per element (sgd 0, sgd_momentum
    1, adam/adamw 2, 3 with ``amsgrad``). Activations, the CUDA context and the allocator cache are not
    included: a GPU's measured use is larger.
    """
    weights = param_bytes(count, dtype)
    return 2 * weights + optimizer_state_bytes(count, optimizer, dtype, amsgrad)


def training_memory_with_activations(
    count: Positive, optimizer: Optimizer, batch_size: Positive, activation_elements: NonNegative,
    dtype: Dtype = "float32", unit: Unit = "MB",
) -> float:
    """Memory to train, in ``unit``, with activations: ((2 + k)*N + B*A)*b / u.

    N: count, k: optimizer buffers per element (sgd 0, sgd_momentum 1, adam/adamw 2), B: batch size,
    A: activation elements one sample keeps for the backward pass, b: bytes per element of ``dtype``,
    u: bytes per unit (MB = 10**6, MiB = 2**20). The analytic model a notebook's reported figures are
    checked against; a GPU's measured peak is larger (allocator workspace), the CUDA context not included.
    """
    activations = batch_size * activation_elements * dtype_bytes(dtype)
    return (training_memory_bytes(count, optimizer, dtype) + activations) / unit_bytes(unit)


def resnet_params(depth: ResNetDepth, num_classes: Positive = 1000) -> int:
    """Trainable parameters of ResNet-``depth`` (torchvision architecture), counted on the meta device.

    depth: 18, 34 (basic blocks) or 50, 101, 152 (bottleneck blocks, expansion 4); 1000 classes:
    11,689,512; 21,797,672; 25,557,032; 44,549,160; 60,192,808. Batch norm running statistics are buffers,
    not parameters.
    """
    return _resnet_params(depth, num_classes)


@lru_cache(maxsize=32)
def _resnet_params(depth: int, num_classes: int) -> int:
    from grader.models.resnet import build_resnet, count_parameters  # torch, imported only when counting

    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    return count_parameters(build_resnet(depth, num_classes, device="meta"))


# distractors (common mistakes); same arguments as their correct counterparts


def model_size_mib_as_mb(count: Positive, dtype: Dtype = "float32", unit: Unit = "MB") -> float:
    """Mixed decimal and binary units: divided by 2**20 for MB (10**6 for MiB; 2**30 / 10**9 for GB / GiB).

    ResNet-152 float32: 229.62 "MB" instead of 240.77. With unit "bytes", the bytes as MiB.
    """
    swapped = {"MB": "MiB", "MiB": "MB", "GB": "GiB", "GiB": "GB", "bytes": "MiB"}
    return param_bytes(count, dtype) / unit_bytes(swapped[unit])


def optimizer_state_bytes_adam_as_momentum(
    count: Positive, optimizer: Optimizer, dtype: Dtype = "float32", amsgrad: Flag = False
) -> int:
    """Counted one buffer for Adam/AdamW (as for momentum), forgetting the second moment: N*b, not 2*N*b."""
    correct = optimizer_state_bytes(count, optimizer, dtype, amsgrad)
    if optimizer in ("adam", "adamw"):
        return correct - param_bytes(count, dtype)
    return correct
