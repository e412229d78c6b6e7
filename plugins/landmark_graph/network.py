"""Graph-TCN (Lei et al., ACM MM 2020) as in the authors' release (raying777/mercodes: mymodel.py, mytcn.py):
one temporal convolutional network reads the patch sequence of the eyebrows and, with the same weights, that
of the mouth; node TCN (dilations 1-8: along the pixels of a patch) plus edge TCN (dilation 49: the same
pixel of the previous patches)."""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm

from mlbackend.sdk.nets import GeneratorDropout


class TemporalBlock(nn.Module):
    """Bai et al.'s residual TCN block: two weight-normalised causal dilated convolutions (ReLU, dropout), a 1x1
    convolution on the residual path where the width changes, ReLU of the sum."""

    def __init__(self, n_in: int, n_out: int, kernel: int, dilation: int, dropout: float):
        super().__init__()
        self.trim = (kernel - 1) * dilation  # the padding on the right that a causal convolution drops
        self.conv1 = weight_norm(nn.Conv1d(n_in, n_out, kernel, padding=self.trim, dilation=dilation))
        self.conv2 = weight_norm(nn.Conv1d(n_out, n_out, kernel, padding=self.trim, dilation=dilation))
        self.downsample = nn.Conv1d(n_in, n_out, 1) if n_in != n_out else None
        self.dropout = GeneratorDropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.dropout(F.relu(self.conv1(x)[..., :-self.trim]))
        out = self.dropout(F.relu(self.conv2(out)[..., :-self.trim]))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class GraphTCN(nn.Module):
    """(b, 1, brows + mouth, 49) patches -> log-probabilities (b, classes).

    The eyebrow sequence (brows x 49) and the mouth sequence (mouth x 49) each go through the shared TCN: node
    TCN (`levels` blocks of `channels`, kernel 7, dilations 1, 2, 4, 8) + edge TCN (1 block, dilation 49);
    the two outputs concatenated along the sequence (channels x 1372 for 10 + 18 nodes) -> FC 512 -> BN ->
    dropout -> ReLU -> FC classes -> BN -> dropout -> ReLU -> log-softmax (the release's head, a ReLU on the
    logits included). 17,600,631 parameters for 3 classes, 17,601,661 for 5 (models.md: about 17.6M).
    """

    def __init__(self, n_classes: int = 5, *, brows: int = 10, mouth: int = 18, channels: int = 25, levels: int = 4,
                 kernel: int = 7, edge_dilation: int = 49, dropout: float = 0.05, patch: int = 7):
        super().__init__()
        self.split = brows * patch * patch
        self.nodes = nn.Sequential(*(TemporalBlock(1 if i == 0 else channels, channels, kernel, 2 ** i, dropout)
                                     for i in range(levels)))
        self.edges = TemporalBlock(1, channels, kernel, edge_dilation, dropout)
        self.hidden = nn.Linear(channels * (brows + mouth) * patch * patch, 512)
        self.hidden_norm = nn.BatchNorm1d(512)
        self.classifier = nn.Linear(512, n_classes)
        self.classifier_norm = nn.BatchNorm1d(n_classes)
        self.dropout = GeneratorDropout(dropout)

    def init_weights(self, generator: torch.Generator) -> None:
        """PyTorch's defaults drawn from `generator` in module order (through the weight normalisation: g = |v|);
        the residual 1x1 convolutions N(0, 0.01) as in the release."""
        for module in self.modules():
            if isinstance(module, (nn.Conv1d, nn.Linear)):
                weight = torch.empty(module.weight.shape)
                nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
                bound = 1 / math.sqrt(weight[0].numel())
                with torch.no_grad():
                    if parametrize.is_parametrized(module, "weight"):
                        module.weight = weight  # sets the weight normalisation's g and v from it
                    else:
                        module.weight.copy_(weight)
                    nn.init.uniform_(module.bias, -bound, bound, generator=generator)
        for block in [*self.nodes, self.edges]:
            if block.downsample is not None:
                nn.init.normal_(block.downsample.weight, 0.0, 0.01, generator=generator)

    def tcn(self, x: torch.Tensor) -> torch.Tensor:
        return self.nodes(x) + self.edges(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.reshape(x.shape[0], 1, -1)
        y = torch.cat([self.tcn(x[..., :self.split]), self.tcn(x[..., self.split:])], dim=2).flatten(1)
        y = F.relu(self.dropout(self.hidden_norm(self.hidden(y))))
        return F.log_softmax(F.relu(self.dropout(self.classifier_norm(self.classifier(y)))), dim=1)
