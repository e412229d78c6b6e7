"""Layers more than one zoo network uses (docs/models.md)."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class Inception(nn.Module):
    """Four branches of `filters` each: 1x1; 1x1 -> 3x3; 1x1 -> 5x5; 3x3 max-pool -> 1x1 ('same', ReLU):
    the block of Dual-Inception (Zhou et al., FG 2019), which FR (FeatRef) builds on."""

    def __init__(self, channels: int, filters: int):
        super().__init__()
        self.one = nn.Conv2d(channels, filters, 1)
        self.three = nn.Sequential(nn.Conv2d(channels, filters, 1), nn.ReLU(),
                                   nn.Conv2d(filters, filters, 3, padding=1))
        self.five = nn.Sequential(nn.Conv2d(channels, filters, 1), nn.ReLU(), nn.Conv2d(filters, filters, 5, padding=2))
        self.pool = nn.Conv2d(channels, filters, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = F.max_pool2d(x, 3, stride=1, padding=1)
        return F.relu(torch.cat([self.one(x), self.three(x), self.five(x), self.pool(pooled)], 1))


def inception_stream(channels: int = 3, first: int = 6, second: int = 16) -> nn.Sequential:
    """28 x 28 -> Inception(first/branch) -> max-pool 2 -> Inception(second/branch) -> max-pool 2: 7 x 7 x 4*second."""
    return nn.Sequential(Inception(channels, first), nn.MaxPool2d(2), Inception(4 * first, second), nn.MaxPool2d(2))
