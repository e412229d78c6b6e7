"""NMER / EMR (Liu, Du, Zheng, Gedeon, FG 2019; code xiaobaishu0097/MEGC2019): a ResNet-18 on the flow
drawn as an HSV colour image, two half-face heads and a domain discriminator behind gradient reversal."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def flow_rgb(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """(b, 1, h, w) u, v -> (b, 3, h, w) in [-1, 1]: hue = direction, value = magnitude scaled to each
    sample's maximum (the release's cv2 HSV -> RGB drawing, saturation 1)."""
    hue = (torch.atan2(v, u) / (2 * math.pi)) % 1.0
    magnitude = torch.hypot(u, v)
    value = magnitude / magnitude.amax(dim=(1, 2, 3), keepdim=True).clamp(min=1e-6)
    channels = []
    for n in (5.0, 3.0, 1.0):  # R, G, B
        k = (n + hue * 6.0) % 6.0
        channels.append(value - value * torch.clamp(torch.minimum(k, 4.0 - k), 0.0, 1.0))
    return torch.cat(channels, 1) * 2.0 - 1.0


class BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (x if self.down is None else self.down(x)))


class ResNet18Trunk(nn.Module):
    """ResNet-18 up to layer 4 (no pooling, no FC): 11,176,512 parameters at width 64."""

    def __init__(self, width: int = 64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 7, 2, 3, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        widths = [width, 2 * width, 4 * width, 8 * width]
        layers, cin = [], width
        for i, cout in enumerate(widths):
            layers += [BasicBlock(cin, cout, 1 if i == 0 else 2), BasicBlock(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.out_channels = widths[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(self.stem(x))


class GradientReversal(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha: float):
        ctx.alpha = alpha
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return -ctx.alpha * grad, None


class NMER(nn.Module):
    """Trunk -> layer-4 map split into the upper 3/7 and lower 4/7 rows (rows 0-2 / 3-6 at 224 px), each
    average-pooled -> FC 512 -> 64 + tanh; the two concatenated -> FC classes (main), and an FC classes head
    per half (auxiliary); a domain discriminator 128 -> 64 -> 32 -> 1 behind gradient reversal.
    11,253,322 parameters for 3 classes at width 64 (models.md: about 11.3M)."""

    def __init__(self, n_classes: int = 3, *, width: int = 64, size: int = 224):
        super().__init__()
        self.size = size
        self.trunk = ResNet18Trunk(width)
        c = self.trunk.out_channels
        self.upper, self.lower = nn.Linear(c, 64), nn.Linear(c, 64)
        self.fc = nn.Linear(128, n_classes)
        self.aux_upper, self.aux_lower = nn.Linear(64, n_classes), nn.Linear(64, n_classes)
        self.domain = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))

    def heads(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """(main logits, upper-half logits, lower-half logits, the 128-d feature) of (b, >=2, h, w) maps."""
        image = flow_rgb(x[:, 0:1], x[:, 1:2])
        if image.shape[-1] != self.size:
            image = F.interpolate(image, size=(self.size, self.size), mode="bilinear", align_corners=False)
        fmap = self.trunk(image)
        split = max(1, min(fmap.shape[2] - 1, round(3 * fmap.shape[2] / 7)))
        upper = torch.tanh(self.upper(fmap[:, :, :split].mean(dim=(2, 3))))
        lower = torch.tanh(self.lower(fmap[:, :, split:].mean(dim=(2, 3))))
        feature = torch.cat([upper, lower], 1)
        return self.fc(feature), self.aux_upper(upper), self.aux_lower(lower), feature

    def domain_logit(self, feature: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
        return self.domain(GradientReversal.apply(feature, alpha)).squeeze(1)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.heads(x)[0]
