"""STSTNet as published, with PyTorch's default initialisation drawn from an explicit
torch.Generator, and a dropout whose mask comes from that generator too. STSTNet lives here, not
in its plugin, because the fused training step (fused.py) is built on it; OFF-ApexNet, which
only its plugin uses, is in plugins/off_apexnet/network.py.

Both choices make a training run a function of (data, seed) alone, without the global RNG:
folds can train side by side in threads (mlbackend.nets.fast) and still draw exactly what
they would draw one after the other.

Dropout: each unit is kept with probability 1 - p and scaled by 1 / (1 - p), as nn.Dropout.
For p = 0.5 (both published networks) the mask is read from random bits, 32 per 32-bit draw of the
generator: the same distribution as nn.Dropout's Bernoulli draws, about 30 times cheaper
(nn.Dropout's bernoulli_ costs ~5 ms per STSTNet batch of 256 on this CPU, as much as the
fused first block's whole forward pass).
"""

from __future__ import annotations

import contextvars
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

_SHIFTS = torch.arange(32, dtype=torch.int64)


def dropout_mask(shape: tuple[int, ...], p: float, generator: torch.Generator | None,
                 device: torch.device | str = "cpu") -> torch.Tensor:
    """A float mask of `shape` on `device`: 0 with probability p, else 1 / (1 - p), drawn on the CPU
    from `generator` (the same mask on any device; for p = 0.5 only the 32-bit words travel)."""
    n = math.prod(shape)
    if p == 0.5:
        words = torch.randint(0, 1 << 32, ((n + 31) // 32,), dtype=torch.int64, generator=generator).to(device)
        bits = ((words[:, None] >> _SHIFTS.to(device)) & 1).reshape(-1)[:n]
        return bits.reshape(shape).to(torch.float32) * 2.0
    keep = torch.rand(shape, generator=generator) >= p
    return (keep.to(torch.float32) / (1.0 - p)).to(device)


# mlbackend.nets.batched: record each fold's masks (drawn from its generator as the plain step would) or replay
# them inside a vmap over folds, where one forward serves every fold and no generator can be passed per fold.
DROPOUT_MASKS: contextvars.ContextVar = contextvars.ContextVar("dropout_masks", default=None)


def dropout(x: torch.Tensor, p: float, training: bool, generator: torch.Generator | None) -> torch.Tensor:
    if not training or p == 0:
        return x
    masks = DROPOUT_MASKS.get()
    if masks is not None:
        return masks.apply(x, p, generator)
    return x * dropout_mask(tuple(x.shape), p, generator, x.device)


class GeneratorDropout(nn.Module):
    """nn.Dropout with its masks drawn by `dropout` from `generator`, which the trainer sets (e.g. when it draws
    the initial weights): for networks with many dropout layers, whose forward cannot take the generator."""

    def __init__(self, p: float):
        super().__init__()
        self.p = float(p)
        self.generator: torch.Generator | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training, self.generator)


def default_init(module: nn.Module, generator: torch.Generator | None) -> None:
    """PyTorch's default initialisation of every conv/linear layer (kaiming_uniform_(a=sqrt(5)) and a
    uniform bias in +-1/sqrt(fan_in)), batch norm weight 1 and bias 0, in module order, from `generator`."""
    for layer in module.modules():
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
            if layer.bias is not None:
                fan_in = layer.weight[0].numel()
                bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
        elif isinstance(layer, nn.BatchNorm2d):
            layer.reset_parameters()


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class STSTNet(nn.Module):
    """Shallow triple-stream network (Liong et al., 2019): input u, v, strain at 28 x 28.

    Three parallel 3x3 convolutions of 3, 5 and 8 filters, each followed by ReLU, batch norm,
    3x3 max-pooling with stride 3 (padding 1: 28 -> 10) and dropout; the 16 maps are
    concatenated, average-pooled 2x2 (10 -> 5) and classified by one fully connected layer
    (400 -> classes). padding=1 is the published 'same' convolution (28 x 28 maps); padding=2
    is the authors' PyTorch release (30 x 30 maps, same 10 x 10 after pooling, same parameters).
    Dropout acts per unit, so one mask over the concatenated maps equals one per branch.
    """

    BRANCHES = (3, 5, 8)

    def __init__(self, n_classes: int = 3, *, padding: int = 1, dropout: float = 0.5, in_channels: int = 3):
        super().__init__()
        if padding not in (1, 2):
            raise ValueError("STSTNet padding is 1 ('same', 28 x 28 maps) or 2 (30 x 30 maps).")
        self.padding = padding
        self.p = float(dropout)
        for k, width in enumerate(self.BRANCHES, start=1):
            setattr(self, f"conv{k}", nn.Conv2d(in_channels, width, 3, padding=padding))
            setattr(self, f"bn{k}", nn.BatchNorm2d(width))
        self.fc = nn.Linear(sum(self.BRANCHES) * 5 * 5, n_classes)

    def branches(self) -> list[tuple[nn.Conv2d, nn.BatchNorm2d]]:
        return [(getattr(self, f"conv{k}"), getattr(self, f"bn{k}")) for k in range(1, len(self.BRANCHES) + 1)]

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The concatenated pooled maps (batch, 16, 10, 10), before dropout."""
        return torch.cat([F.max_pool2d(bn(F.relu(conv(x))), 3, 3, padding=1) for conv, bn in self.branches()], 1)

    def head(self, maps: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Dropout, 2x2 average pooling and the classifier on the pooled maps."""
        maps = dropout(maps, self.p, self.training, generator)
        return self.fc(F.avg_pool2d(maps, 2, 2).flatten(1))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.head(self.features(x), generator)
