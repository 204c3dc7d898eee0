"""ResNet (He et al. 2015), the torchvision architecture (v1.5: the stride sits on the 3x3 convolution).

Same modules, parameter names and parameter counts as ``torchvision.models.resnet{18,34,50,101,152}``
(torchvision is not a dependency): a 7x7/2 stem convolution, a 3x3/2 max pool, four stages of residual
blocks with 64, 128, 256 and 512 base channels (stages 2-4 start with stride 2), global average pooling
and a fully connected classifier. Convolutions have no bias (each is followed by batch norm); a 1x1
projection with batch norm ("downsample") matches a shortcut whose shape changes.

Parameter counts with 1000 classes: ResNet-18 11,689,512; ResNet-34 21,797,672; ResNet-50 25,557,032;
ResNet-101 44,549,160; ResNet-152 60,192,808. Batch norm running statistics are buffers, not parameters.
"""

from __future__ import annotations

from typing import Optional, Union

import torch
from torch import Tensor, nn

DeviceLike = Optional[Union[str, torch.device]]

STAGES: dict[int, tuple[str, tuple[int, int, int, int]]] = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}
"""Depth -> (block kind, blocks per stage)."""


def conv3x3(in_planes: int, out_planes: int, stride: int = 1, device: DeviceLike = None) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, 3, stride=stride, padding=1, bias=False, device=device)


def conv1x1(in_planes: int, out_planes: int, stride: int = 1, device: DeviceLike = None) -> nn.Conv2d:
    return nn.Conv2d(in_planes, out_planes, 1, stride=stride, bias=False, device=device)



class BasicBlock(nn.Module):
    """Two 3x3 convolutions (ResNet-18/34); output channels = planes."""

    expansion = 1

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None,
        device: DeviceLike = None,
    ) -> None:
        super().__init__()
        self.conv1 = conv3x3(inplanes, planes, stride, device)
        self.bn1 = nn.BatchNorm2d(planes, device=device)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = conv3x3(planes, planes, device=device)
        self.bn2 = nn.BatchNorm2d(planes, device=device)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    """1x1 reduce, 3x3 (carrying the stride), 1x1 expand (ResNet-50/101/152); output = 4*planes."""

    expansion = 4

    def __init__(
        self, inplanes: int, planes: int, stride: int = 1, downsample: Optional[nn.Module] = None,
        device: DeviceLike = None,
    ) -> None:
        super().__init__()
        self.conv1 = conv1x1(inplanes, planes, device=device)
        self.bn1 = nn.BatchNorm2d(planes, device=device)
        self.conv2 = conv3x3(planes, planes, stride, device)
        self.bn2 = nn.BatchNorm2d(planes, device=device)
        self.conv3 = conv1x1(planes, planes * self.expansion, device=device)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion, device=device)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x: Tensor) -> Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """The ImageNet ResNet: stem, four stages of ``block``, average pool, ``fc`` to ``num_classes``."""

    def __init__(
        self,
        block: type[Union[BasicBlock, Bottleneck]],
        layers: tuple[int, int, int, int] | list[int],
        num_classes: int = 1000,
        device: DeviceLike = None,
    ) -> None:
        super().__init__()
        if len(layers) != 4 or any(n < 1 for n in layers):
            raise ValueError(f"layers must be 4 positive block counts, got {layers}")
        if num_classes < 1:
            raise ValueError(f"num_classes must be positive, got {num_classes}")
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False, device=device)
        self.bn1 = nn.BatchNorm2d(64, device=device)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0], 1, device)
        self.layer2 = self._make_layer(block, 128, layers[1], 2, device)
        self.layer3 = self._make_layer(block, 256, layers[2], 2, device)
        self.layer4 = self._make_layer(block, 512, layers[3], 2, device)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes, device=device)
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(module, nn.BatchNorm2d):
                nn.init.ones_(module.weight)
                nn.init.zeros_(module.bias)

    def _make_layer(
        self, block: type[Union[BasicBlock, Bottleneck]], planes: int, blocks: int, stride: int,
        device: DeviceLike,
    ) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                conv1x1(self.inplanes, planes * block.expansion, stride, device),
                nn.BatchNorm2d(planes * block.expansion, device=device),
            )
        layers: list[nn.Module] = [block(self.inplanes, planes, stride, downsample, device)]
        self.inplanes = planes * block.expansion
        layers += [block(self.inplanes, planes, device=device) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def build_resnet(depth: int, num_classes: int = 1000, device: DeviceLike = "meta") -> ResNet:
    """ResNet-``depth`` (18, 34, 50, 101 or 152), on the meta device unless told otherwise.

    The meta device allocates no memory: enough to count parameters (``p.numel()``) and shapes; pass
    ``device="cpu"`` to run it. Raises ``ValueError`` for another depth.
    """
    if depth not in STAGES:
        raise ValueError(f"ResNet depth must be one of {sorted(STAGES)}, got {depth!r}")
    kind, layers = STAGES[depth]
    block = BasicBlock if kind == "basic" else Bottleneck
    return ResNet(block, layers, num_classes=num_classes, device=device)


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """``sum(p.numel())`` over the module's parameters (those with ``requires_grad`` unless told)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
