"""The probes: measurements on the grader's CUDA device, typed like solvers (same registry machinery)."""

from __future__ import annotations

from typing import Any

from grader.solvers.argtypes import Positive
from grader.solvers.memory import Optimizer, ResNetDepth, Unit, unit_bytes
from grader.solvers.registry import build_registry, solver as probe


@probe
def gpu_training_peak_memory(depth: ResNetDepth, num_classes: Positive, batch_size: Positive,
                             optimizer: Optimizer, image_size: Positive = 32, steps: Positive = 3,
                             unit: Unit = "MB") -> float:
    """Peak CUDA memory (``torch.cuda.max_memory_allocated``) of ``steps`` float32 training steps of
    ResNet-``depth`` on ``batch_size`` random 3×``image_size``² images, in ``unit``; the CUDA context is
    not included. Raises ``torch.cuda.OutOfMemoryError`` when the batch does not fit."""
    import torch
    import torch.nn.functional as F

    from grader.models.resnet import build_resnet

    device = torch.device("cuda")
    model = build_resnet(depth, num_classes, device=device)
    step = _optimizer(optimizer, model.parameters())
    images = torch.randn(batch_size, 3, image_size, image_size, device=device)
    labels = torch.randint(num_classes, (batch_size,), device=device)
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    for _ in range(steps):
        step.zero_grad(set_to_none=True)
        F.cross_entropy(model(images), labels).backward()
        step.step()
    torch.cuda.synchronize(device)
    peak = torch.cuda.max_memory_allocated(device)
    del model, step, images, labels
    torch.cuda.empty_cache()
    return peak / unit_bytes(unit)


def _optimizer(name: str, parameters: Any) -> Any:
    """The optimizers of the course notebook (the state they keep is what matters, not the rates)."""
    import torch

    if name == "sgd":
        return torch.optim.SGD(parameters, lr=0.01)
    if name == "sgd_momentum":
        return torch.optim.SGD(parameters, lr=0.01, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(parameters, lr=0.001)
    return torch.optim.AdamW(parameters, lr=0.001)


PROBES = build_registry([gpu_training_peak_memory])
