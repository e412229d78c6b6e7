"""FR / FeatRef (Zhou et al., Pattern Recognition 2022): expression-specific feature refinement.

No code was released; the layer sizes below are our choice (docs/models.md, plugin docstring)."""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from mlbackend.sdk.nets import inception_stream


class FeatRef(nn.Module):
    """Shared features: an Inception stream per flow component (h, v; as Dual-Inception), 7 x 7 x 128.
    Expression proposal module: per class c an attention map sigmoid(conv 1x1) over the shared map,
    the attended map average-pooled and projected to a `dim` feature f_c (ReLU), and a proposal score
    <p_c, f_c>. Classification branch: the k features f_c concatenated (fusion) -> FC -> classes."""

    def __init__(self, n_classes: int = 3, *, dim: int = 64):
        super().__init__()
        self.h, self.v = inception_stream(), inception_stream()
        channels = 2 * 64
        self.attention = nn.Conv2d(channels, n_classes, 1)
        self.project = nn.ModuleList(nn.Linear(channels, dim) for _ in range(n_classes))
        self.proposal = nn.ModuleList(nn.Linear(dim, 1) for _ in range(n_classes))
        self.classify = nn.Linear(n_classes * dim, n_classes)

    def both(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(classification logits, proposal scores), each (b, classes)."""
        if x.shape[-1] != 28:
            x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
        shared = torch.cat([self.h(x[:, 0:1].expand(-1, 3, -1, -1)), self.v(x[:, 1:2].expand(-1, 3, -1, -1))], 1)
        attention = torch.sigmoid(self.attention(shared))  # b, classes, 7, 7
        pooled = torch.einsum("bchw,bkhw->bkc", shared, attention) / attention[0, 0].numel()
        features = [F.relu(project(pooled[:, k])) for k, project in enumerate(self.project)]
        proposals = torch.cat([score(f) for score, f in zip(self.proposal, features)], 1)
        return self.classify(torch.cat(features, 1)), proposals

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.both(x)[0]
