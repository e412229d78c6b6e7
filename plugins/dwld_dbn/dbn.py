"""Deep belief network (Hinton, Osindero & Teh 2006): RBMs pretrained greedily with CD-1, then a softmax on top,
the whole stack fine-tuned by backpropagation.

Layer 1 is a Gaussian-Bernoulli RBM (real, standardised inputs of unit variance; the reconstruction
is the visible mean), the others Bernoulli-Bernoulli RBMs fed the hidden probabilities of the layer
below. CD-1 as in Hinton's practical guide (UTML TR 2010-003): hidden states sampled in the positive
phase, probabilities in the negative phase; mini-batches, momentum 0.5 for the first 5 epochs then
0.9, L2 weight decay, weights drawn from N(0, 0.01^2), biases zero. A Gaussian visible layer takes
a learning rate ten times smaller (the guide: one to two orders). Fine-tuning: the RBMs' weights and
hidden biases initialise sigmoid layers, a linear softmax layer is added, cross-entropy, SGD with
momentum, a fixed number of epochs. Every random draw comes from the one `generator`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn


def build_classifier(n_inputs: int, hidden: Sequence[int], n_classes: int) -> nn.Sequential:
    """Linear + sigmoid per hidden layer, then a linear layer to the class logits."""
    layers: list[nn.Module] = []
    sizes = [n_inputs, *hidden]
    for n_in, n_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(n_in, n_out), nn.Sigmoid()]
    layers.append(nn.Linear(sizes[-1], n_classes))
    return nn.Sequential(*layers)


def train_rbm(data: torch.Tensor, n_hidden: int, *, gaussian: bool, epochs: int, lr: float, batch: int,
              weight_decay: float, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, list[float]]:
    """CD-1. Returns (weights n_visible x n_hidden, hidden biases, mean squared reconstruction error per epoch)."""
    n, n_visible = data.shape
    weights = 0.01 * torch.randn(n_visible, n_hidden, generator=generator, dtype=data.dtype)
    hidden_bias = torch.zeros(n_hidden, dtype=data.dtype)
    visible_bias = torch.zeros(n_visible, dtype=data.dtype)
    velocity = [torch.zeros_like(weights), torch.zeros_like(hidden_bias), torch.zeros_like(visible_bias)]
    errors = []
    for epoch in range(epochs):
        momentum = 0.5 if epoch < 5 else 0.9
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch):
            v0 = data[order[start:start + batch]]
            p_h0 = torch.sigmoid(v0 @ weights + hidden_bias)
            h0 = torch.bernoulli(p_h0, generator=generator)
            v1 = h0 @ weights.T + visible_bias
            if not gaussian:
                v1 = torch.sigmoid(v1)
            p_h1 = torch.sigmoid(v1 @ weights + hidden_bias)
            m = len(v0)
            gradients = ((v0.T @ p_h0 - v1.T @ p_h1) / m - weight_decay * weights,
                         (p_h0 - p_h1).mean(dim=0), (v0 - v1).mean(dim=0))
            for parameter, speed, gradient in zip((weights, hidden_bias, visible_bias), velocity, gradients):
                speed.mul_(momentum).add_(lr * gradient)
                parameter.add_(speed)
            total += float(((v0 - v1) ** 2).sum())
        errors.append(total / data.numel())
    return weights, hidden_bias, errors


def pretrain(model: nn.Sequential, data: torch.Tensor, *, epochs: int, lr: float, batch: int, weight_decay: float,
             generator: torch.Generator, progress: Callable[[int, list[float]], None] | None = None
             ) -> list[list[float]]:
    """Greedy layer-wise CD-1 into the model's hidden Linear layers; returns each RBM's error curve."""
    hidden_layers = [layer for layer in model if isinstance(layer, nn.Linear)][:-1]
    curves, inputs = [], data
    for index, layer in enumerate(hidden_layers):
        gaussian = index == 0
        weights, bias, errors = train_rbm(inputs, layer.out_features, gaussian=gaussian, epochs=epochs,
                                          lr=lr / 10 if gaussian else lr, batch=batch, weight_decay=weight_decay,
                                          generator=generator)
        with torch.no_grad():
            layer.weight.copy_(weights.T)
            layer.bias.copy_(bias)
        inputs = torch.sigmoid(inputs @ weights + bias)
        curves.append(errors)
        if progress is not None:
            progress(index + 1, errors)
    return curves


def fine_tune(model: nn.Sequential, x: torch.Tensor, y: torch.Tensor, *, epochs: int, lr: float, momentum: float,
              batch: int, generator: torch.Generator,
              progress: Callable[[int, float], None] | None = None) -> list[float]:
    """Backpropagation through the whole stack: cross-entropy, SGD with momentum; the mean loss per epoch."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    losses = []
    model.train()
    for epoch in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        total = 0.0
        for start in range(0, len(x), batch):
            rows = order[start:start + batch]
            loss = nn.functional.cross_entropy(model(x[rows]), y[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(rows)
        losses.append(total / len(x))
        if progress is not None:
            progress(epoch + 1, losses[-1])
    model.eval()
    return losses
