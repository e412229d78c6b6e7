"""The mmfnet network and its prototype head. torch is imported inside the functions.

Per stream three 3x3 conv blocks (width w, 2w, 2w; batch norm, ReLU; 2x2 max-pooling after the first
two; global average pooling). The flow stream reads 3 channels (u, v, magnitude of clips; u, v,
strain of a map set), the frame-difference stream 1 (apex - onset); their 2w vectors are
concatenated and mapped linearly to a `dim`-dimensional embedding. Without frames (a map set) there
is no difference stream and the flow vector alone is mapped. 8,496 parameters at w=8, dim=32 with
both streams, 4,336 with the flow stream alone.
"""

from __future__ import annotations

FLOW_CHANNELS = 3


def encoder(channels: int, width: int):
    from torch import nn

    return nn.Sequential(
        nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    )


def build_network(width: int, dim: int, difference: bool = True):
    """The embedding network: flow stream (+ frame-difference stream when `difference`) -> fused embedding."""
    import torch
    from torch import nn

    class MMFNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.flow = encoder(FLOW_CHANNELS, width)
            self.diff = encoder(1, width) if difference else None
            self.fuse = nn.Linear((4 if difference else 2) * width, dim)

        def forward(self, x):
            features = self.flow(x[:, :FLOW_CHANNELS])
            if self.diff is not None:
                features = torch.cat([features, self.diff(x[:, FLOW_CHANNELS:])], dim=1)
            return self.fuse(features)

    return MMFNet()


def prototype_logits(embeddings, prototypes, metric: str):
    """<f, w_c> ("dot", the paper's) or -||f - w_c||^2 ("euclidean") for every embedding and prototype."""
    if metric == "dot":
        return embeddings @ prototypes.T
    return -((embeddings[:, None, :] - prototypes[None, :, :]) ** 2).sum(dim=2)


def fused_logits(micro, macro, alpha: float):
    """The paper's model fusion: micro + alpha * macro (for "euclidean": -(d_micro + alpha d_macro)).
    No macro model (None): the micro logits alone."""
    return micro if macro is None else micro + alpha * macro
