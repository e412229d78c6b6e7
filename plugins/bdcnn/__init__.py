"""bdcnn: BDCNN, the block-division CNN (Chen et al., IEEE TMM 2022; code MLDMXM2017/BDCNN).

Input: four images of the onset -> apex flow, u, v, optical strain and a fourth. The paper's
fourth image ("vis") is unverified (models.md); here it is the flow magnitude sqrt(u^2 + v^2),
computed from the standardised u and v. Our flow pipeline (mlbackend.nets.maps) and the
precomputed map sets give 28 x 28 maps; the network resizes them bilinearly to the published
120 x 120 (a deviation: the paper computes its images at that size). No learned magnification
(it is pretrained on external data, which cannot be had here). Network (network.py): each image
cut into 12 x 12 blocks of 10 px, a conv 3x3 (3 -> 8) + ReLU + max-pool(3, s3, p1) shared by the
blocks of an image, the 4 x 144 x 8 = 4608 channels -> conv 1x1 -> 512 -> FC 8192 -> 1024 -> 128
-> classes: 10,881,923 parameters for 3 classes (models.md: about 10.9M). The CBAM of the
released code is built but unused there, so it is not built here.

Training as published: ISDA loss (lambda0 0.5, ramped with the epoch), class weights 0.15 / 0.425 /
0.425 for three classes in label order (negative, positive, surprise: the negative majority
down-weighted; other class counts get 'balanced' weights), SGD with Nesterov momentum 0.9, lr 0.01,
weight decay 1e-4, lr x0.1 at epochs 80 and 120, 100 epochs, batch 128, no augmentation.
Honest: fixed epochs (the paper's best-validation epoch used 20% of the training fold; the optional
`val_subjects`/`patience` do that on training subjects). `isda: false` trains with weighted
cross-entropy alone; `clip_grad` > 0 clips the gradient norm (not published: on the synthetic set the
ISDA term diverged to NaN without it, docs/models.md).
"""

from __future__ import annotations

from mlbackend.sdk import PluginError, register
from mlbackend.sdk.nets import COMMON_DEFAULTS, FlowNetPlugin

DEFAULTS = {**COMMON_DEFAULTS, "epochs": 100, "batch_size": 128, "lr": 0.01, "momentum": 0.9, "weight_decay": 1e-4,
            "milestones": "80,120", "isda": True, "isda_lambda": 0.5, "class_weights": "0.15,0.425,0.425",
            "size": 120, "blocks": 12, "clip_grad": 0.0}
PUBLISHED_THREE_CLASS_WEIGHTS = (0.15, 0.425, 0.425)


@register
class BDCNNPlugin(FlowNetPlugin):
    name = "bdcnn"
    version = "1.0"
    description = ("BDCNN: u, v, strain and flow magnitude as four 120x120 images in 12x12 blocks, 10.9M parameters; "
                   "ISDA loss, SGD Nesterov 0.01, 100 epochs. Emotion only.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"epochs": 2, "batch_size": 8, "size": 24, "blocks": 2, "flow": "dis"}
    CHANNELS = (0, 1, 2)

    def settings(self) -> dict:
        params = super().settings()
        if params["size"] % params["blocks"] or params["size"] // params["blocks"] < 2:
            raise PluginError("bdcnn: size is a multiple of blocks, each block at least 2 px.")
        try:
            self.milestones(params)
            self.class_weights(params, 3)
        except ValueError:
            raise PluginError("bdcnn: milestones are epochs and class_weights numbers, comma-separated, "
                              "or class_weights 'balanced'.") from None
        return params

    @staticmethod
    def milestones(params: dict) -> list[int]:
        return [int(m) for m in params["milestones"].split(",") if m.strip()]

    @staticmethod
    def class_weights(params: dict, n_classes: int) -> tuple[float, ...] | None:
        """The configured weights when there is one per class; None means 'balanced'."""
        if params["class_weights"] == "balanced":
            return None
        weights = tuple(float(w) for w in params["class_weights"].split(","))
        return weights if len(weights) == n_classes else None

    def build_model(self, n_classes: int, params: dict):
        from plugins.bdcnn.network import BDCNN

        return BDCNN(n_classes, size=int(params["size"]), blocks=int(params["blocks"]))

    def train_model(self, x, y, n_classes, params, *, seed, device, validation, progress, should_stop):
        import torch
        import torch.nn.functional as F

        from mlbackend.sdk.nets import balanced_class_weights, default_init, fit_epochs, validation_loss
        from plugins.bdcnn.network import ISDALoss

        generator = torch.Generator().manual_seed(seed)
        model = self.build_model(n_classes, params)
        default_init(model, generator)
        model.to(device)
        x, y = x.to(device), y.to(device)
        configured = self.class_weights(params, n_classes)
        weight = (torch.tensor(configured, dtype=torch.float32) if configured
                  else balanced_class_weights(y.cpu(), n_classes)).to(device)
        isda = ISDALoss(model.fc.in_features, n_classes, weight).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=params["lr"], momentum=params["momentum"], nesterov=True,
                                    weight_decay=params["weight_decay"])
        scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, self.milestones(params), gamma=0.1)
        epochs = params["epochs"]

        def loss_of(batch):
            if not params["isda"]:
                return F.cross_entropy(model(x[batch]), y[batch], weight=weight)
            features = model.features(x[batch])
            ratio = params["isda_lambda"] * scheduler.last_epoch / epochs
            return isda(features, model.fc(features), model.fc, y[batch], ratio)

        history = fit_epochs(model, len(y), loss_of, optimizer, epochs=epochs, batch_size=params["batch_size"],
                             generator=generator, scheduler=scheduler, clip_grad=params["clip_grad"] or None,
                             progress=progress, should_stop=should_stop,
                             patience=params["patience"], validation=validation_loss(model, validation, device))
        history["trainer"] = "plain-isda" if params["isda"] else "plain"
        return model.cpu(), history
