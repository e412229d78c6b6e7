"""The papers' training loop (mlbackend.nets.recipes.fit_epochs)."""

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mlbackend.contract import PluginError
from mlbackend.nets.recipes import fit_epochs


def run(lr: float, epochs: int = 20):
    """Least squares by SGD: stable for a small step, exploding (to inf, then NaN) for a large one."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(32, 4, generator=generator)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0])
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return fit_epochs(model, 32, lambda b: F.mse_loss(model(x[b]).squeeze(1), y[b]), optimizer, epochs=epochs,
                      batch_size=8, generator=generator)


def test_a_stable_run_lowers_the_loss():
    history = run(lr=1e-2)
    assert history["epochs"] == 20 and history["loss"][-1] < history["loss"][0]


def test_a_diverging_run_stops_with_a_clear_error_instead_of_a_one_class_model():
    with pytest.raises(PluginError, match="diverged at epoch"):
        run(lr=50.0)
