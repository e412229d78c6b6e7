"""OFF-ApexNet (Gan et al., 2019), initialised and dropped out from an explicit torch.Generator
(mlbackend.sdk.nets: default_init, dropout), so a training run is a function of (data, seed) alone."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from mlbackend.sdk.nets import dropout


class OffApexNet(nn.Module):
    """OFF-ApexNet (Gan et al., 2019): horizontal (u) and vertical (v) flow, 28 x 28, in two streams.

    Each stream: conv `kernel` x `kernel` with 6 filters ('same'), ReLU, 2x2 max-pool (14),
    conv with 16 filters, ReLU, 2x2 max-pool (7); the two 16 x 7 x 7 maps are concatenated
    (1568), then a fully connected layer of `hidden` units with ReLU, dropout, and the classifier.
    """

    def __init__(self, n_classes: int = 3, *, kernel: int = 5, hidden: int = 1024, dropout: float = 0.5):
        super().__init__()
        self.p = float(dropout)
        pad = kernel // 2
        for name in ("u", "v"):
            setattr(self, name, nn.Sequential(
                nn.Conv2d(1, 6, kernel, padding=pad), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(6, 16, kernel, padding=pad), nn.ReLU(), nn.MaxPool2d(2),
            ))
        self.fc1 = nn.Linear(2 * 16 * 7 * 7, hidden)
        self.fc2 = nn.Linear(hidden, n_classes)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        h = torch.cat([self.u(x[:, 0:1]).flatten(1), self.v(x[:, 1:2]).flatten(1)], 1)
        h = dropout(F.relu(self.fc1(h)), self.p, self.training, generator)
        return self.fc2(h)
