"""HTNet (Wang et al. 2024, arXiv 2307.14637) as in the authors' PyTorch release: a NesT-style
hierarchical transformer over facial-region crops of the u, v, strain maps."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

# Four 14 x 14 windows of the 28 x 28 maps, centred on the eyes and the mouth corners of an aligned face
# (row, column): the release centres them on MTCNN landmarks of the apex frame.
REGIONS = ((10, 9), (10, 19), (21, 10), (21, 18))


def region_tiles(x: torch.Tensor, half: int = 7) -> torch.Tensor:
    """(b, c, 28, 28) -> the four 14 x 14 windows tiled 2 x 2 into (b, c, 28, 28), windows clamped to the map."""
    size = x.shape[-1]
    tiles = []
    for row, col in REGIONS:
        r = min(max(row * size // 28 - half, 0), size - 2 * half)
        c = min(max(col * size // 28 - half, 0), size - 2 * half)
        tiles.append(x[:, :, r:r + 2 * half, c:c + 2 * half])
    return torch.cat([torch.cat(tiles[:2], 3), torch.cat(tiles[2:], 3)], 2)


class ChannelNorm(nn.Module):
    """Layer norm over the channel axis of a (b, c, h, w) map (the release's LayerNorm)."""

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.g = nn.Parameter(torch.ones(1, dim, 1, 1))
        self.b = nn.Parameter(torch.zeros(1, dim, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        var, mean = torch.var_mean(x, dim=1, unbiased=False, keepdim=True)
        return (x - mean) / (var + self.eps).sqrt() * self.g + self.b


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads, head = heads, dim // heads
        inner = head * heads  # dim // heads * heads: 255 of 256 at the first level, as released
        self.scale = head ** -0.5
        self.to_qkv = nn.Conv2d(dim, inner * 3, 1, bias=False)
        self.to_out = nn.Conv2d(inner, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        q, k, v = (t.reshape(b, self.heads, -1, h * w).transpose(2, 3) for t in self.to_qkv(x).chunk(3, 1))
        attention = torch.softmax(q @ k.transpose(2, 3) * self.scale, -1)
        out = (attention @ v).transpose(2, 3).reshape(b, -1, h, w)
        return self.to_out(out)


class Transformer(nn.Module):
    """Pre-norm blocks (attention, MLP x `mult` with GELU) on every local block of tokens, a learned position term."""

    def __init__(self, dim: int, seq_len: int, depth: int, heads: int, mult: int = 4):
        super().__init__()
        self.pos_emb = nn.Parameter(torch.randn(seq_len))
        self.layers = nn.ModuleList(nn.ModuleList([
            ChannelNorm(dim), Attention(dim, heads), ChannelNorm(dim),
            nn.Sequential(nn.Conv2d(dim, dim * mult, 1), nn.GELU(), nn.Conv2d(dim * mult, dim, 1)),
        ]) for _ in range(depth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        x = x + self.pos_emb[:h * w].reshape(1, 1, h, w)
        for norm1, attention, norm2, mlp in self.layers:
            x = attention(norm1(x)) + x
            x = mlp(norm2(x)) + x
        return x


def blocks_to_batch(x: torch.Tensor, n: int) -> torch.Tensor:
    b, c, h, w = x.shape
    return x.reshape(b, c, n, h // n, n, w // n).permute(0, 2, 4, 1, 3, 5).reshape(b * n * n, c, h // n, w // n)


def batch_to_blocks(x: torch.Tensor, n: int) -> torch.Tensor:
    bn, c, h, w = x.shape
    b = bn // (n * n)
    return x.reshape(b, n, n, c, h, w).permute(0, 3, 1, 4, 2, 5).reshape(b, c, n * h, n * w)


class HTNet(nn.Module):
    """image 28, patch 7 (4 x 4 tokens), 3 levels of dims dim/2dim/4dim, heads 3/6/12, depths 2/2/10; each
    level's transformer runs on 2^level x 2^level local blocks, then conv 3x3 + norm + max-pool s2;
    norm, mean-pool, FC. At dim 256: 139,585,519 parameters for 3 classes (models.md: about 139.6M)."""

    def __init__(self, n_classes: int = 3, *, dim: int = 256, heads: int = 3, depths=(2, 2, 10), image: int = 28,
                 patch: int = 7, channels: int = 3, regions: bool = True):
        super().__init__()
        self.patch, self.regions, levels = patch, regions, len(depths)
        fmap = image // patch
        seq_len = (fmap // 2 ** (levels - 1)) ** 2
        dims = [dim * 2 ** i for i in range(levels)]
        self.embed = nn.Conv2d(channels * patch * patch, dims[0], 1)
        self.transformers = nn.ModuleList(
            Transformer(d, seq_len, depth, heads * 2 ** i) for i, (d, depth) in enumerate(zip(dims, depths)))
        self.aggregates = nn.ModuleList(
            nn.Sequential(nn.Conv2d(d, d_out, 3, padding=1), ChannelNorm(d_out), nn.MaxPool2d(3, 2, padding=1))
            for d, d_out in zip(dims[:-1], dims[1:]))
        self.norm = ChannelNorm(dims[-1])
        self.fc = nn.Linear(dims[-1], n_classes)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if x.shape[-1] != 28:
            x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
        if self.regions:
            x = region_tiles(x)
        b, c, h, w = x.shape
        p = self.patch
        x = x.reshape(b, c, h // p, p, w // p, p).permute(0, 3, 5, 1, 2, 4).reshape(b, p * p * c, h // p, w // p)
        x = self.embed(x)
        levels = len(self.transformers)
        for i, transformer in enumerate(self.transformers):
            n = 2 ** (levels - 1 - i)
            x = batch_to_blocks(transformer(blocks_to_batch(x, n)), n)
            if i < len(self.aggregates):
                x = self.aggregates[i](x)
        return self.fc(self.norm(x).mean(dim=(2, 3)))
