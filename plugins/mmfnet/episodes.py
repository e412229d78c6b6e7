"""Prototype meta-learning over episodes (the paper's metric-based pipeline), and class prototypes.

One episode per epoch over the whole sample set: each class's samples are shuffled (from the
torch.Generator given) and split in half into support and query; the prototypes are the mean support
embeddings; the loss is the cross-entropy of the query samples through the prototype head; Adam. A
class with one sample serves as support only; an episode with fewer than two classes, or no query,
ends the training (nothing to learn from). torch is imported inside the functions.
"""

from __future__ import annotations

from mlbackend.sdk import Progress

from plugins.mmfnet.network import prototype_logits


def class_rows(y, n_classes: int) -> list:
    import torch

    return [torch.nonzero(y == c).flatten().cpu() for c in range(n_classes)]


def episode(by_class: list, generator):
    """(support rows per class, query rows, query targets in episode-class order), or None without a query."""
    import torch

    support, query, targets = [], [], []
    for rows in (r for r in by_class if len(r)):
        rows = rows[torch.randperm(len(rows), generator=generator)]
        half = max(1, len(rows) // 2)
        if len(rows) > half:
            query.append(rows[half:])
            targets.append(torch.full((len(rows) - half,), len(support)))
        support.append(rows[:half])
    if not query or len(support) < 2:
        return None
    return support, torch.cat(query), torch.cat(targets)


def train_episodes(model, x, y, n_classes: int, *, epochs: int, lr: float, weight_decay: float, metric: str,
                   generator, device: str, progress: Progress) -> list[float]:
    """Train `model` (on `device`) for `epochs` episodes of (x, y); the losses, one per episode."""
    import torch
    import torch.nn.functional as F

    x, by_class = x.to(device), class_rows(y, n_classes)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    losses = []
    for epoch in range(epochs):
        drawn = episode(by_class, generator)
        if drawn is None:
            break
        support, query, targets = drawn
        model.train()
        embeddings = model(x[torch.cat([*support, query]).to(device)])
        prototypes, offset = [], 0
        for rows in support:
            prototypes.append(embeddings[offset:offset + len(rows)].mean(dim=0))
            offset += len(rows)
        loss = F.cross_entropy(prototype_logits(embeddings[offset:], torch.stack(prototypes), metric), targets.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
        if (epoch + 1) % max(1, epochs // 10) == 0:
            progress((epoch + 1) / epochs, f"episode {epoch + 1}/{epochs}, loss {losses[-1]:.4f}")
    model.eval()
    return losses


def embed(model, x, device: str):
    import torch

    with torch.no_grad():
        return torch.cat([model(x[i:i + 256].to(device)) for i in range(0, len(x), 256)]).cpu()


def class_prototypes(model, x, y, n_classes: int, device: str):
    """(prototypes (classes x dim), present mask): each class's mean embedding (evaluation mode) over
    (x, y); a class without a sample gets a zero prototype and present False."""
    import torch

    embeddings = embed(model, x, device)
    prototypes = torch.zeros((n_classes, embeddings.shape[1]))
    present = []
    for c, rows in enumerate(class_rows(y, n_classes)):
        present.append(len(rows) > 0)
        if len(rows):
            prototypes[c] = embeddings[rows].mean(dim=0)
    return prototypes, present
