"""featref: FR, expression-specific feature refinement (Zhou et al., Pattern Recognition 2022).

No code was released and the paper's sizes, loss weights, optimiser and checkpointing are
unverified (models.md); what is published: Inception features of the onset -> apex optical flow
(horizontal and vertical), shared by an expression proposal module (attention, one feature per
class, a proposal loss) and a classification branch that fuses the class features; no pretraining.

Our choices (network.py): u and v at 28 x 28 (mlbackend.nets.maps), each in a Dual-Inception
stream (two Inception blocks, 6 and 16 filters per branch, 7 x 7 x 64), concatenated (128
channels); per class an attention map (sigmoid of a 1x1 conv), the attended features average-
pooled and projected to `dim` (64, ReLU); a proposal score per class; the class features
concatenated -> FC -> classes: 49,265 parameters for 3 classes at dim 64. Loss: cross-entropy of
the classification branch + `proposal_weight` (1.0) x cross-entropy of the proposal scores.
Adam lr 1e-4, batch 32, 100 epochs (fixed: the honest protocol).
"""

from __future__ import annotations

from mlbackend.sdk import PluginError, register
from mlbackend.sdk.nets import COMMON_DEFAULTS, FlowNetPlugin

DEFAULTS = {**COMMON_DEFAULTS, "epochs": 100, "batch_size": 32, "lr": 1e-4, "dim": 64, "proposal_weight": 1.0}


@register
class FeatRefPlugin(FlowNetPlugin):
    name = "featref"
    version = "1.0"
    description = ("FR (FeatRef): Inception features of u and v flow at 28x28, per-class attention proposals fused "
                   "for classification (sizes our choice: no code released); Adam, 100 epochs. Emotion only.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"epochs": 3, "flow": "dis"}
    CHANNELS = (0, 1)

    def settings(self) -> dict:
        params = super().settings()
        if params["dim"] < 1 or params["proposal_weight"] < 0:
            raise PluginError("featref: dim >= 1 and proposal_weight >= 0.")
        return params

    def build_model(self, n_classes: int, params: dict):
        from plugins.featref.network import FeatRef

        return FeatRef(n_classes, dim=int(params["dim"]))

    def train_model(self, x, y, n_classes, params, *, seed, device, validation, progress, should_stop):
        import torch
        import torch.nn.functional as F

        from mlbackend.sdk.nets import default_init, fit_epochs, validation_loss

        generator = torch.Generator().manual_seed(seed)
        model = self.build_model(n_classes, params)
        default_init(model, generator)
        model.to(device)
        x, y = x.to(device), y.to(device)

        def loss_of(batch):
            logits, proposals = model.both(x[batch])
            return F.cross_entropy(logits, y[batch]) + params["proposal_weight"] * F.cross_entropy(proposals, y[batch])

        optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"])
        history = fit_epochs(model, len(y), loss_of, optimizer, epochs=params["epochs"],
                             batch_size=params["batch_size"], generator=generator, progress=progress,
                             should_stop=should_stop, patience=params["patience"],
                             validation=validation_loss(model, validation, device))
        return model.cpu(), history
