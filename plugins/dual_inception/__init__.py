"""dual_inception: Dual-Inception (Zhou, Mao, Xue, FG 2019; code xly135846/MEGC2019, Keras).

Input: the onset -> apex flow's horizontal (u) and vertical (v) components at 28 x 28
(mlbackend.nets.maps; TV-L1), standardised per channel with the training set's statistics (the
published code divides its flow images by 255 instead). Network (network.py): one stream per
component, two Inception blocks (6 then 16 filters per branch) each followed by 2x2 max-pooling,
the two 7 x 7 x 64 maps concatenated -> FC 1024 (ReLU) -> classes: 6,449,963 parameters for 3
classes (models.md: about 6.45M). Training as published: cross-entropy with automatic
('balanced') class weights, Adam lr 1e-4, batch 3, 40 epochs, no augmentation, no pretraining.

Honest: a fixed 40 epochs (the published best-validation-loss checkpoint used a validation set
outside the test subject; here the optional `val_subjects`/`patience` do the same on training
subjects only). Params: epochs, batch_size, lr, hidden, class_weights ("balanced" | "none") and
the common flow parameters.
"""

from __future__ import annotations

from mlbackend.sdk import PluginError, register
from mlbackend.sdk.nets import COMMON_DEFAULTS, FlowNetPlugin

DEFAULTS = {**COMMON_DEFAULTS, "epochs": 40, "batch_size": 3, "lr": 1e-4, "hidden": 1024,
            "class_weights": "balanced"}
SMOKE = {"epochs": 2, "batch_size": 4, "hidden": 32, "flow": "dis"}


@register
class DualInceptionPlugin(FlowNetPlugin):
    name = "dual_inception"
    version = "1.0"
    description = ("Dual-Inception: TV-L1 flow onset->apex (u and v streams at 28x28), two Inception blocks per "
                   "stream, FC 1024; 6.45M parameters; Adam 1e-4, batch 3, 40 epochs. Emotion only.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = SMOKE
    CHANNELS = (0, 1)

    def settings(self) -> dict:
        params = super().settings()
        if params["class_weights"] not in ("balanced", "none") or params["hidden"] < 1:
            raise PluginError("dual_inception: class_weights is 'balanced' or 'none', hidden >= 1.")
        return params

    def build_model(self, n_classes: int, params: dict):
        from plugins.dual_inception.network import DualInception

        return DualInception(n_classes, hidden=int(params["hidden"]))

    def train_model(self, x, y, n_classes, params, *, seed, device, validation, progress, should_stop):
        import torch
        import torch.nn.functional as F

        from mlbackend.sdk.nets import balanced_class_weights, default_init, fit_epochs, validation_loss

        generator = torch.Generator().manual_seed(seed)
        model = self.build_model(n_classes, params)
        default_init(model, generator)
        model.to(device)
        x, y = x.to(device), y.to(device)
        balanced = params["class_weights"] == "balanced"
        weight = balanced_class_weights(y.cpu(), n_classes).to(device) if balanced else None
        optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"])
        history = fit_epochs(model, len(y), lambda b: F.cross_entropy(model(x[b]), y[b], weight=weight), optimizer,
                             epochs=params["epochs"], batch_size=params["batch_size"], generator=generator,
                             progress=progress, should_stop=should_stop, patience=params["patience"],
                             validation=validation_loss(model, validation, device))
        return model.cpu(), history
