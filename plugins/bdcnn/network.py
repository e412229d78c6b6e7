"""BDCNN (Chen et al., IEEE TMM 2022; code MLDMXM2017/BDCNN): block-divided CNN over four flow images,
and the ISDA loss (implicit semantic data augmentation, Wang et al., NeurIPS 2019) it trains with."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

IMAGES = 4  # u, v, strain, magnitude (the fourth, "vis", is unverified: see the plugin's docstring)


class BlockStream(nn.Module):
    """One image (size x size x 3) cut into `blocks` x `blocks` squares; the same conv 3x3 (3 -> 8), ReLU and
    max-pool(3, stride 3, pad 1) on every square; the squares' maps stacked on the channel axis."""

    def __init__(self, blocks: int):
        super().__init__()
        self.blocks = blocks
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        b, c, height, _ = image.shape
        s = height // self.blocks
        squares = image.unfold(2, s, s).unfold(3, s, s)  # b, c, n, n, s, s
        squares = squares.permute(0, 2, 3, 1, 4, 5).reshape(-1, c, s, s)
        maps = F.max_pool2d(F.relu(self.conv(squares)), 3, stride=3, padding=1)
        return maps.reshape(b, self.blocks * self.blocks * 8, *maps.shape[-2:])


class BDCNN(nn.Module):
    """Four 120 x 120 x 3 images (each grey map in the three colour channels), 12 x 12 blocks of 10 px,
    a block stream per image (8 x 144 channels each, 4 x 4 maps), concatenated (4608) -> conv 1x1 -> 512
    (ReLU) -> FC 8192 -> 1024 -> 128 (ReLU) -> classes: 10,881,923 parameters for 3 classes."""

    def __init__(self, n_classes: int = 3, *, size: int = 120, blocks: int = 12):
        super().__init__()
        if size % blocks:
            raise ValueError("size must be a multiple of blocks")
        self.size = size
        self.streams = nn.ModuleList(BlockStream(blocks) for _ in range(IMAGES))
        side = (size // blocks + 2 - 3) // 3 + 1
        self.reduce = nn.Conv2d(IMAGES * blocks * blocks * 8, 512, 1)
        self.fc1 = nn.Linear(512 * side * side, 1024)
        self.fc2 = nn.Linear(1024, 128)
        self.fc = nn.Linear(128, n_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        u, v, strain = x[:, 0:1], x[:, 1:2], x[:, 2:3]
        images = torch.cat([u, v, strain, torch.sqrt(u * u + v * v + 1e-12)], 1)
        if images.shape[-1] != self.size:  # the flow maps are 28 x 28: resized to the published 120 x 120
            images = F.interpolate(images, size=(self.size, self.size), mode="bilinear", align_corners=False)
        maps = torch.cat([stream(images[:, i:i + 1].expand(-1, 3, -1, -1)) for i, stream in enumerate(self.streams)], 1)
        h = F.relu(self.reduce(maps)).flatten(1)
        return F.relu(self.fc2(F.relu(self.fc1(h))))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.fc(self.features(x))


class ISDALoss(nn.Module):
    """ISDA: cross-entropy on logits augmented by the class-conditional feature covariance,
    z_j + (lambda / 2) (w_j - w_y)^T Sigma_y (w_j - w_y), with Sigma_y estimated online from the
    training batches (features of class y), lambda = lambda0 * epoch / epochs."""

    def __init__(self, features: int, classes: int, weight: torch.Tensor | None = None):
        super().__init__()
        self.register_buffer("covariance", torch.zeros(classes, features, features))
        self.register_buffer("mean", torch.zeros(classes, features))
        self.register_buffer("count", torch.zeros(classes))
        self.weight = weight

    @torch.no_grad()
    def update(self, features: torch.Tensor, y: torch.Tensor) -> None:
        for c in y.unique():
            f = features[y == c]
            n, total = len(f), self.count[c] + len(f)
            mean = f.mean(0)
            centred = f - mean
            cov = centred.T @ centred / n
            delta = mean - self.mean[c]
            self.covariance[c] = (self.count[c] * self.covariance[c] + n * cov) / total \
                + (self.count[c] * n / total ** 2) * torch.outer(delta, delta)
            self.mean[c] = (self.count[c] * self.mean[c] + n * mean) / total
            self.count[c] = total

    def forward(self, features: torch.Tensor, logits: torch.Tensor, fc: nn.Linear, y: torch.Tensor,
                ratio: float) -> torch.Tensor:
        self.update(features.detach(), y)
        w = fc.weight  # classes x features
        diff = w[None, :, :] - w[y][:, None, :]  # batch x classes x features
        sigma = self.covariance[y]  # batch x features x features
        quadratic = torch.einsum("bcf,bfg,bcg->bc", diff, sigma, diff)
        return F.cross_entropy(logits + 0.5 * ratio * quadratic, y, weight=self.weight)
