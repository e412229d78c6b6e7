"""ELRCN (Khor, See, Phan, Lin, FG 2018) in PyTorch, after the Keras code
IcedDoggie/Micro-Expression-with-Deep-Learning: VGG-16 to fc7 per frame, an LSTM over the frames' fc7 features,
FC 128, FC classes."""

from __future__ import annotations

import torch
import torch.nn as nn

# Channels of a sequence (plugins.elrcn reads u, v, magnitude, strain, grey) per VGG-16: spatial enrichment (SE)
# stacks every modality on the channels of one network; temporal enrichment (TE) gives each modality its own.
GROUPS = {"se": ((0, 1, 2, 3, 4),), "te": ((0, 1, 2), (3,), (4,))}
VGG16 = (1, 1, "M", 2, 2, "M", 4, 4, 4, "M", 8, 8, 8, "M", 8, 8, 8, "M")  # conv widths in units of `width`


def vgg16(in_channels: int, width: int, size: int, fc: int) -> nn.Sequential:
    """VGG-16 up to fc7 (ReLU, dropout 0.5 after fc6 and fc7): 13 conv 3x3 layers of width 1, 2, 4, 8, 8 x `width`,
    five 2x2 max-pools, fc6 and fc7 of `fc` units. At width 64, fc 4096, 224 x 224 x 3: 134,260,544 parameters."""
    layers, channels = [], in_channels
    for item in VGG16:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(channels, item * width, 3, padding=1), nn.ReLU(inplace=True)]
            channels = item * width
    cells = (size // 32) ** 2
    layers += [nn.Flatten(), nn.Linear(channels * cells, fc), nn.ReLU(inplace=True), nn.Dropout(0.5),
               nn.Linear(fc, fc), nn.ReLU(inplace=True), nn.Dropout(0.5)]
    return nn.Sequential(*layers)


class ELRCN(nn.Module):
    """One VGG-16 per channel group (GROUPS), each with the frame classifier of its spatial training stage; the
    frames' fc7 features concatenated -> LSTM `hidden` -> FC 128 (ReLU) -> FC classes. At width 64 (fc 4096,
    LSTM 3000), 224 px, SE, 3 classes: 219,834,502 parameters."""

    def __init__(self, n_classes: int = 3, *, variant: str = "se", width: int = 64, size: int = 224,
                 hidden: int = 3000):
        super().__init__()
        fc = 64 * width
        self.groups = GROUPS[variant]
        self.encoders = nn.ModuleList(vgg16(len(group), width, size, fc) for group in self.groups)
        self.frame_heads = nn.ModuleList(nn.Linear(fc, n_classes) for _ in self.groups)
        self.lstm = nn.LSTM(fc * len(self.groups), hidden, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden, 128), nn.ReLU(inplace=True), nn.Linear(128, n_classes))

    def frames(self, x: torch.Tensor, k: int) -> torch.Tensor:
        """(b, T, C, H, W) -> the (b * T, c, H, W) frames of encoder k's channels."""
        return x[:, :, list(self.groups[k])].flatten(0, 1)

    def frame_logits(self, frames: torch.Tensor, k: int) -> torch.Tensor:
        return self.frame_heads[k](self.encoders[k](frames))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(b, T, C, H, W) -> (b, T, F): every frame's fc7 features, the encoders' concatenated."""
        b, t = x.shape[:2]
        return torch.cat([encoder(self.frames(x, k)) for k, encoder in enumerate(self.encoders)], 1).reshape(b, t, -1)

    def temporal(self, features: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(features)
        return self.head(out[:, -1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.temporal(self.features(x))
