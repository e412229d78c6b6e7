"""Training recipes of the published flow-map networks (the model zoo, docs/models.md).

The plain loop of mlbackend.nets.train fixes Adam and unweighted cross-entropy; the zoo's papers
use their own optimisers, schedules, class weights and auxiliary losses. `fit_epochs` is the same
honest loop with those left to the caller: a fixed number of epochs, one randperm per epoch from
one torch.Generator, nothing of a test subject seen. Optional early stopping, as in the plain loop,
only on a validation set of *training* subjects.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn as nn

from mlbackend.contract import PluginError


def balanced_class_weights(y: torch.Tensor, n_classes: int) -> torch.Tensor:
    """n / (k * count_c), Keras' and scikit-learn's 'balanced' weights; an absent class gets weight 0."""
    counts = torch.bincount(y, minlength=n_classes).double()
    weights = torch.where(counts > 0, len(y) / (n_classes * counts.clamp(min=1)), torch.zeros_like(counts))
    return weights.float()


def fit_epochs(
    model: nn.Module, n: int, loss_of: Callable[[torch.Tensor], torch.Tensor], optimizer: torch.optim.Optimizer, *,
    epochs: int, batch_size: int, generator: torch.Generator, scheduler=None, clip_grad: float | None = None,
    progress: Callable[[float, str], None] | None = None, should_stop: Callable[[], bool] | None = None,
    validation: Callable[[], torch.Tensor] | None = None, patience: int = 0,
) -> dict:
    """Train `model` in place for `epochs` epochs; `loss_of(batch indices)` is the batch's loss (training mode)."""
    history = {"epochs": 0, "loss": [], "val_loss": [], "best_epoch": None, "trainer": "plain"}
    best, best_loss, waited = None, float("inf"), 0
    for epoch in range(epochs):
        if should_stop is not None and should_stop():
            break
        model.train()
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_of(batch)
            loss.backward()
            if clip_grad:
                nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
            optimizer.step()
            total += float(loss.detach()) * len(batch)
        if scheduler is not None:
            scheduler.step()
        history["epochs"] = epoch + 1
        history["loss"].append(total / max(n, 1))
        if not math.isfinite(history["loss"][-1]):
            # A diverged network predicts one class everywhere: its figures would look like a result.
            raise PluginError(f"training diverged at epoch {epoch + 1} (loss {history['loss'][-1]}); lower the "
                              "learning rate or change the loss (the plugin's docs say which settings are stable).")
        if validation is not None:
            model.eval()
            with torch.no_grad():
                val_loss = float(validation())
            history["val_loss"].append(val_loss)
            if val_loss < best_loss:
                best_loss, best, waited = val_loss, copy.deepcopy(model.state_dict()), 0
                history["best_epoch"] = epoch + 1
            else:
                waited += 1
                if patience and waited >= patience:
                    break
        if progress is not None and (epoch + 1) % max(1, epochs // 50) == 0:
            progress((epoch + 1) / epochs, f"epoch {epoch + 1}/{epochs}, loss {total / max(n, 1):.4f}")
    if best is not None and patience:
        model.load_state_dict(best)
    model.eval()
    return history


def adam_cross_entropy(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, params: dict, generator: torch.Generator, *, device: str,
    validation: tuple | None = None, progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict:
    """The plainest published recipe: `model` (initialised) on `device`, cross-entropy, Adam at params["lr"],
    params["epochs"] epochs of params["batch_size"] (fit_epochs, with its optional early stopping on the
    validation subjects' (x, y) after params["patience"] epochs without progress)."""
    import torch.nn.functional as F

    from mlbackend.nets.plugin_base import validation_loss

    model.to(device)
    x, y = x.to(device), y.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"])
    return fit_epochs(model, len(y), lambda b: F.cross_entropy(model(x[b]), y[b]), optimizer,
                      epochs=params["epochs"], batch_size=params["batch_size"], generator=generator,
                      progress=progress, should_stop=should_stop, patience=params["patience"],
                      validation=validation_loss(model, validation, device))


def parameter_count_on_meta(build: Callable[[], nn.Module]) -> int:
    """Parameters of the module `build()` makes, built on the meta device: no memory for the weights."""
    with torch.device("meta"):
        model = build()
    return int(sum(np.prod(p.shape) for p in model.parameters()))
