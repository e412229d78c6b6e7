"""DTSCNN (Peng et al. 2017) in PyTorch, with our sizes (no code was published): two independent shallow 3-D CNN
streams on optical-flow sequences of two temporal scales, fused before the classifier."""

from __future__ import annotations

import torch
import torch.nn as nn


def stream(in_channels: int, width: int, size: int, features: int, dropout: float) -> nn.Sequential:
    """Three 3x3x3 conv layers (width, 2 width, 4 width; batch norm, ReLU), max-pooled 1x2x2, 2x2x2, 2x2x2; the
    map averaged over time and flattened -> FC `features` (ReLU, dropout). Needs at least 4 flow steps."""
    layers, channels = [], in_channels
    for out, pool in ((width, (1, 2, 2)), (2 * width, 2), (4 * width, 2)):
        layers += [nn.Conv3d(channels, out, 3, padding=1), nn.BatchNorm3d(out), nn.ReLU(inplace=True),
                   nn.MaxPool3d(pool)]
        channels = out
    side = size // 8
    return nn.Sequential(*layers, nn.AdaptiveAvgPool3d((1, side, side)), nn.Flatten(),
                         nn.Linear(channels * side * side, features), nn.ReLU(inplace=True), nn.Dropout(dropout))


class DTSCNN(nn.Module):
    """Input (b, short + long, 2, size, size): the short scale's flow steps, then the long scale's; each goes to its
    own stream, the two feature vectors are concatenated -> FC classes. At width 16, 32 px, features 128, 3 classes:
    403,811 parameters."""

    def __init__(self, n_classes: int = 3, *, short: int = 7, width: int = 16, size: int = 32, features: int = 128,
                 dropout: float = 0.5, in_channels: int = 2):
        super().__init__()
        self.short = short
        self.streams = nn.ModuleList(stream(in_channels, width, size, features, dropout) for _ in range(2))
        self.classifier = nn.Linear(2 * features, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scales = (x[:, :self.short], x[:, self.short:])  # (b, T, C, H, W) each; Conv3d reads (b, C, T, H, W)
        fused = torch.cat([s(t.transpose(1, 2)) for s, t in zip(self.streams, scales)], 1)
        return self.classifier(fused)
