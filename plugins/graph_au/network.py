"""GRAPH-AU (Lei et al., CVPRW 2021) as in the authors' release (raying777/FGRMER, t_g_model_3and6.py): node
learning by a depthwise convolution inside each patch, edge learning by transformer encoders over the nodes
of the eyebrows and of the mouth, an AU graph convolution whose nodes weigh the two parts."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from mlbackend.sdk.nets import GeneratorDropout, default_init

# The 9 AU nodes: 3 of the eyebrows, then 6 of the mouth (the paper pairs them with the two parts 1:2; which
# AUs it uses is not in the release: these are the brow AUs and the most frequent mouth AUs of CASME II/SAMM).
EYEBROW_AUS = (1, 2, 4)
MOUTH_AUS = (10, 12, 14, 15, 17, 24)
AU_NODES = EYEBROW_AUS + MOUTH_AUS


def au_cooccurrence(events_aus: list[set[int]]) -> np.ndarray:
    """(9, 9) A = P + I with P[i, j] = P(AU_j | AU_i), the conditional co-occurrence of the AU nodes over the
    given events' coded AUs (ML-GCN, Chen et al. 2019, which the release's graph code follows; the release
    stores one such matrix per fold). A row of an AU that never occurs is 0 but for its self-loop."""
    present = np.asarray([[number in aus for number in AU_NODES] for aus in events_aus], dtype=np.float64)
    present = present.reshape(-1, len(AU_NODES))
    together = present.T @ present
    counts = np.diag(together).copy()
    conditional = np.divide(together, counts[:, None], out=np.zeros_like(together), where=counts[:, None] > 0)
    np.fill_diagonal(conditional, 0.0)
    return (conditional + np.eye(len(AU_NODES))).astype(np.float32)


def normalised_adjacency(a: torch.Tensor) -> torch.Tensor:
    """The release's gen_adj: D^-1/2 A^T D^-1/2 with D the row sums of A."""
    d = torch.diag(a.sum(1).pow(-0.5))
    return (a @ d).t() @ d


class EncoderLayer(nn.Module):
    """A post-norm transformer encoder layer (the release's copy of Y.-H. Huang's attention-is-all-you-need-pytorch):
    multi-head attention with bias-free projections to heads x d_k, dropout on the attention weights, then a
    position-wise ReLU feed-forward network; each sublayer dropout -> residual -> layer norm (eps 1e-6)."""

    def __init__(self, d_model: int, d_inner: int, heads: int, d_k: int, d_v: int, dropout: float):
        super().__init__()
        self.heads, self.d_k, self.d_v = heads, d_k, d_v
        self.w_qs = nn.Linear(d_model, heads * d_k, bias=False)
        self.w_ks = nn.Linear(d_model, heads * d_k, bias=False)
        self.w_vs = nn.Linear(d_model, heads * d_v, bias=False)
        self.fc = nn.Linear(heads * d_v, d_model, bias=False)
        self.attention_norm = nn.LayerNorm(d_model, eps=1e-6)
        self.w_1 = nn.Linear(d_model, d_inner)
        self.w_2 = nn.Linear(d_inner, d_model)
        self.feed_forward_norm = nn.LayerNorm(d_model, eps=1e-6)
        self.dropout = GeneratorDropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, _ = x.shape
        q = self.w_qs(x).view(b, n, self.heads, self.d_k).transpose(1, 2)
        k = self.w_ks(x).view(b, n, self.heads, self.d_k).transpose(1, 2)
        v = self.w_vs(x).view(b, n, self.heads, self.d_v).transpose(1, 2)
        attention = self.dropout(torch.softmax(q / math.sqrt(self.d_k) @ k.transpose(2, 3), dim=-1))
        heads = (attention @ v).transpose(1, 2).reshape(b, n, self.heads * self.d_v)
        x = self.attention_norm(self.dropout(self.fc(heads)) + x)
        return self.feed_forward_norm(self.dropout(self.w_2(F.relu(self.w_1(x)))) + x)


class GraphConvolution(nn.Module):
    """Kipf & Welling's layer without bias: adjacency @ x @ W."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_features, out_features))

    def forward(self, x: torch.Tensor, adjacency: torch.Tensor) -> torch.Tensor:
        return adjacency @ (x @ self.weight)


class PartBranch(nn.Module):
    """One facial part: a stack of encoder layers over its nodes, flattened -> FC 320 -> ReLU -> dropout ->
    FC 160 -> ReLU."""

    def __init__(self, nodes: int, depth: int, d_model: int, d_inner: int, heads: int, d_k: int, dropout: float):
        super().__init__()
        self.layers = nn.ModuleList(EncoderLayer(d_model, d_inner, heads, d_k, d_k, dropout) for _ in range(depth))
        self.hidden = nn.Linear(nodes * d_model, 320)
        self.out = nn.Linear(320, 160)
        self.dropout = GeneratorDropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return F.relu(self.out(self.dropout(F.relu(self.hidden(x.flatten(1))))))


class GraphAU(nn.Module):
    """(b, 1, 30, 49) patches (10 eyebrow then 20 mouth nodes of 7 x 7) -> log-probabilities (b, classes).

    Nodes: depthwise conv 3x3 per patch + batch norm + ReLU. Edges: two 6-layer encoders (8 heads, d_model 49,
    d_k = d_v 16, FFN 128, dropout 0.5), eyebrows and mouth apart -> FC 490/980 -> 320 -> 160 each. AUs: 9
    embeddings (40) -> GCN 40 -> 80 -> 160 (LeakyReLU 0.2) on the fold's AU graph (the `au_graph` buffer, A of
    au_cooccurrence; set before training, kept in the checkpoint); the eyebrow vector times the 3 eyebrow AU
    nodes, the mouth vector times the 6 mouth ones -> 9 -> layer norm -> FC classes -> log-softmax.
    1,046,588 parameters for 3 classes (models.md: about 1.0M).
    """

    def __init__(self, n_classes: int = 3, *, brows: int = 10, mouth: int = 20, depth: int = 6, heads: int = 8,
                 d_k: int = 16, d_inner: int = 128, dropout: float = 0.5, patch: int = 7):
        super().__init__()
        nodes, d_model = brows + mouth, patch * patch
        self.brows, self.patch = brows, patch
        self.node_conv = nn.Conv2d(nodes, nodes, 3, padding=1, groups=nodes)
        self.node_norm = nn.BatchNorm2d(nodes)
        self.eyebrows = PartBranch(brows, depth, d_model, d_inner, heads, d_k, dropout)
        self.mouth = PartBranch(mouth, depth, d_model, d_inner, heads, d_k, dropout)
        self.au_embedding = nn.Embedding(len(AU_NODES), 40)
        self.gc1 = GraphConvolution(40, 80)
        self.gc2 = GraphConvolution(80, 160)
        self.register_buffer("au_graph", torch.eye(len(AU_NODES)))
        self.fusion_norm = nn.LayerNorm(len(AU_NODES), eps=1e-6)
        self.classifier = nn.Linear(len(AU_NODES), n_classes)

    def init_weights(self, generator: torch.Generator) -> None:
        """PyTorch's defaults, drawn from `generator` in module order; the embeddings N(0, 0.01) and the graph
        convolutions U(+-1/sqrt(out)) as in the release."""
        default_init(self, generator)
        nn.init.normal_(self.au_embedding.weight, 0.0, 0.01, generator=generator)
        for gc in (self.gc1, self.gc2):
            bound = 1.0 / math.sqrt(gc.weight.shape[1])
            nn.init.uniform_(gc.weight, -bound, bound, generator=generator)

    def au_matrix(self) -> torch.Tensor:
        """(160, 9): the AU nodes after the two graph convolutions."""
        adjacency = normalised_adjacency(self.au_graph)
        x = F.leaky_relu(self.gc1(self.au_embedding.weight, adjacency), 0.2)
        return F.leaky_relu(self.gc2(x, adjacency), 0.2).t()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        x = x.reshape(b, -1, self.patch, self.patch)
        x = F.relu(self.node_norm(self.node_conv(x))).flatten(2)
        aus = self.au_matrix()
        brow_aus, mouth_aus = aus[:, :len(EYEBROW_AUS)], aus[:, len(EYEBROW_AUS):]
        fused = torch.cat([self.eyebrows(x[:, :self.brows]) @ brow_aus, self.mouth(x[:, self.brows:]) @ mouth_aus], 1)
        return F.log_softmax(self.classifier(self.fusion_norm(fused)), dim=1)
