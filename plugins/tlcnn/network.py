"""TLCNN (Wang et al., Neurocomputing 2018) in PyTorch, with our sizes (no code was published): a per-frame CNN,
then an LSTM over the frames' CNN features."""

from __future__ import annotations

import torch
import torch.nn as nn


def frame_cnn(width: int, size: int, features: int, dropout: float) -> nn.Sequential:
    """Four blocks of conv 3x3 (width, 2, 4, 8 x width; batch norm, ReLU, 2x2 max-pool) on a grey size x size face,
    flattened -> FC `features` (ReLU, dropout)."""
    layers, channels = [], 1
    for k in range(4):
        out = width * 2 ** k
        layers += [nn.Conv2d(channels, out, 3, padding=1), nn.BatchNorm2d(out), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
        channels = out
    side = size // 16
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(channels * side * side, features), nn.ReLU(inplace=True),
                         nn.Dropout(dropout))


class TLCNN(nn.Module):
    """frame_cnn per frame, with the frame classifier of the micro-expression frame stage; the frames' features ->
    LSTM `hidden` -> FC classes. At width 32, 48 px, features 512, hidden 256, 3 classes: 2,359,750 parameters."""

    def __init__(self, n_classes: int = 3, *, width: int = 32, size: int = 48, features: int = 512, hidden: int = 256,
                 dropout: float = 0.5):
        super().__init__()
        self.cnn = frame_cnn(width, size, features, dropout)
        self.frame_head = nn.Linear(features, n_classes)
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(b, T, 1, H, W) -> (b, T, features)."""
        b, t = x.shape[:2]
        return self.cnn(x.flatten(0, 1)).reshape(b, t, -1)

    def temporal(self, features: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(features)
        return self.head(out[:, -1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.temporal(self.features(x))
