"""Dual-Inception (Zhou, Mao, Xue, FG 2019) in PyTorch, after the Keras code xly135846/MEGC2019."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from mlbackend.sdk.nets import inception_stream


class DualInception(nn.Module):
    """Horizontal and vertical flow, each a 28 x 28 x 3 image (the grey map in the three colour channels,
    as the published code reads its flow images), in two Inception streams; the two 7 x 7 x 64 maps
    concatenated (6272) -> FC `hidden` (ReLU) -> classes: 6,449,963 parameters for 3 classes."""

    def __init__(self, n_classes: int = 3, *, hidden: int = 1024):
        super().__init__()
        self.h, self.v = inception_stream(), inception_stream()
        self.fc1 = nn.Linear(2 * 64 * 7 * 7, hidden)
        self.fc2 = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        size = x.shape[-1]
        if size != 28:  # precomputed maps of another size: the network is defined on 28 x 28
            x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
        h = self.h(x[:, 0:1].expand(-1, 3, -1, -1)).flatten(1)
        v = self.v(x[:, 1:2].expand(-1, 3, -1, -1)).flatten(1)
        return self.fc2(F.relu(self.fc1(torch.cat([h, v], 1))))
