"""Every fold of a LOSO run as one batched model: torch.func stacked parameters, vmap over folds.

For the GPU (mlbackend.nets.fast picks it on CUDA; it runs on the CPU too, which is how it is
tested). Each fold trains exactly what the plain loop (mlbackend.nets.train.train_epochs with
plain_step) would train for it, so the predictions equal the fold-by-fold ones within float
rounding:

- fold k has its own torch.Generator seeded with `seed`: the same initial weights (default_init),
  then per epoch its own randperm of its own n_k samples, then per step its dropout masks. The masks
  are drawn, in the forward's order and shapes, by a forward of a meta-device copy of the network
  (no arithmetic) and replayed inside the vmapped forward (mlbackend.nets.models.DROPOUT_MASKS);
- folds whose current batch has the same size share one vmapped call (batch norm's statistics
  must see exactly the fold's batch: no padding); each fold's loss is its own batch mean, and the
  sum over folds gives each fold its own gradient;
- Adam is elementwise, so one update of the stacked tensors is every fold's update; a fold with no
  batch at a step (fewer samples than others) is left untouched, its step count included.

Not for networks with nn.Dropout modules (global random stream) or with early stopping: `supported`
says no, and the caller trains those fold by fold.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mlbackend.nets.models import DROPOUT_MASKS, default_init, dropout_mask

BETAS, EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults, as make_optimizer uses them


def supported(model: nn.Module, params: dict) -> bool:
    """True when the network draws its randomness only through mlbackend.nets.models.dropout and the fit has
    a fixed epoch count (no validation subjects)."""
    if params.get("patience", 0) or params.get("val_subjects", 0):
        return False
    return not any(isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0 for m in model.modules())


class _Record:
    """Draw the masks a forward would draw from `generator`, on `device`; the forward itself runs on meta."""

    def __init__(self, device):
        self.device, self.masks = device, []

    def apply(self, x, p, generator):
        self.masks.append(dropout_mask(tuple(x.shape), p, generator, self.device))
        return x


class _Replay:
    def __init__(self, masks):
        self.masks = list(masks)

    def apply(self, x, p, generator):
        return x * self.masks.pop(0)


def _draw_masks(meta_model: nn.Module, x_shape: tuple, generator: torch.Generator, device) -> list[torch.Tensor]:
    record = _Record(device)
    token = DROPOUT_MASKS.set(record)
    try:
        meta_model(torch.empty(x_shape, device="meta"), generator)
    finally:
        DROPOUT_MASKS.reset(token)
    return record.masks


def train_folds(build: Callable[[], nn.Module], xs: Sequence[torch.Tensor], ys: Sequence[torch.Tensor], *,
                epochs: int, batch_size: int, lr: float, seed: int, device: str,
                progress: Callable[[float, str], None] | None = None,
                should_stop: Callable[[], bool] | None = None) -> tuple[list[nn.Module], list[dict]]:
    """(one trained model per fold on the CPU, one history per fold) for the folds' training tensors."""
    from torch.func import functional_call, stack_module_state, vmap

    k_folds = len(xs)
    generators = [torch.Generator().manual_seed(seed) for _ in range(k_folds)]
    models = []
    for generator in generators:
        model = build()
        default_init(model, generator)
        models.append(model.to(device).train())
    weights, buffers = stack_module_state(models)
    weights = {name: w.detach().clone().requires_grad_(True) for name, w in weights.items()}
    base = copy.deepcopy(models[0]).train()
    meta = copy.deepcopy(models[0]).to("meta").train()
    xs = [x.to(device) for x in xs]
    ys = [y.to(device) for y in ys]
    ns = [len(y) for y in ys]
    moments = {name: (torch.zeros_like(w), torch.zeros_like(w)) for name, w in weights.items()}
    steps = torch.zeros(k_folds, dtype=torch.float64)
    histories = [{"epochs": 0, "loss": [], "val_loss": [], "best_epoch": None, "trainer": "vmap"}
                 for _ in range(k_folds)]

    def fold_loss(w, b, x, y, masks):
        token = DROPOUT_MASKS.set(_Replay(masks))
        try:
            out = functional_call(base, (w, b), (x,))
        finally:
            DROPOUT_MASKS.reset(token)
        return F.cross_entropy(out, y)

    batched_loss = vmap(fold_loss)
    for epoch in range(epochs):
        if should_stop is not None and should_stop():
            break
        orders = [torch.randperm(n, generator=g) for n, g in zip(ns, generators)]
        totals = [0.0] * k_folds
        for start in range(0, max(ns), batch_size):
            batches = {k: orders[k][start:start + batch_size] for k in range(k_folds) if start < ns[k]}
            masks = {k: _draw_masks(meta, (len(b), *xs[k].shape[1:]), generators[k], device)
                     for k, b in batches.items()}
            for w in weights.values():
                w.grad = None
            for size in sorted({len(b) for b in batches.values()}):
                group = [k for k, b in batches.items() if len(b) == size]
                index = torch.tensor(group, device=device)
                sub_buffers = {name: b[index] for name, b in buffers.items()}
                x = torch.stack([xs[k][batches[k].to(device)] for k in group])
                y = torch.stack([ys[k][batches[k].to(device)] for k in group])
                group_masks = tuple(torch.stack([masks[k][j] for k in group]) for j in range(len(masks[group[0]])))
                losses = batched_loss({name: w[index] for name, w in weights.items()}, sub_buffers, x, y,
                                      group_masks)
                losses.sum().backward()
                for name, b in sub_buffers.items():  # batch norm's running statistics, updated in the call
                    buffers[name][index] = b
                for k, loss in zip(group, losses.detach().cpu().tolist()):
                    totals[k] += loss * size
            active = torch.zeros(k_folds, dtype=torch.bool)
            active[list(batches)] = True
            _adam(weights, moments, steps, active, lr, device)
        for k in range(k_folds):
            histories[k]["epochs"] = epoch + 1
            histories[k]["loss"].append(totals[k] / ns[k])
        if progress is not None and (epoch + 1) % max(1, epochs // 50) == 0:
            progress((epoch + 1) / epochs, f"epoch {epoch + 1}/{epochs}, {k_folds} folds batched")
    trained = []
    for k, model in enumerate(models):
        state = {name: w[k].detach() for name, w in weights.items()}
        state.update({name: b[k] for name, b in buffers.items()})
        model.load_state_dict(state)
        trained.append(model.eval().cpu())
    return trained, histories


@torch.no_grad()
def _adam(weights: dict, moments: dict, steps: torch.Tensor, active: torch.Tensor, lr: float, device) -> None:
    """torch.optim.Adam (defaults, no weight decay) on the stacked tensors, for the active folds only."""
    beta1, beta2 = BETAS
    steps += active.to(steps.dtype)
    safe = steps.clamp(min=1)
    step_size = (lr / (1 - beta1 ** safe)).to(torch.float32).to(device)
    root_bc2 = torch.sqrt(1 - beta2 ** safe).to(torch.float32).to(device)
    on = active.to(device)
    for name, w in weights.items():
        if w.grad is None:
            continue
        shape = (-1,) + (1,) * (w.dim() - 1)
        m, v = moments[name]
        grad = torch.where(on.view(shape), w.grad, torch.zeros_like(w.grad))
        keep = on.view(shape)
        m.copy_(torch.where(keep, m.lerp(grad, 1 - beta1), m))
        v.copy_(torch.where(keep, v * beta2 + (1 - beta2) * grad * grad, v))
        update = step_size.view(shape) * m / (v.sqrt() / root_bc2.view(shape) + EPS)
        w.sub_(torch.where(keep, update, torch.zeros_like(update)))

