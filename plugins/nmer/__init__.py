"""nmer: NMER / EMR, expression magnification and reduction with domain adaptation (Liu, Du, Zheng,
Gedeon, FG 2019, the MEGC2019 winner; code xiaobaishu0097/MEGC2019).

Input: the onset -> apex flow (mlbackend.nets.maps, or precomputed maps), u and v drawn as an HSV
colour image (hue = direction, value = magnitude; network.flow_rgb), resized from 28 x 28 to the
published 224 x 224. Not reproduced: dlib alignment (the face crops of the ingest serve), EVM
magnification, and the release's random crop / rotation / jitter (applied even at test time there).
Network (network.py): ResNet-18 to layer 4; the layer-4 map split into rows 0-2 / 3-6, each pooled
-> FC 512 -> 64 + tanh; concatenated -> FC classes, plus an auxiliary head per half; a domain
discriminator 128 -> 64 -> 32 -> 1 behind gradient reversal: 11,253,322 parameters for 3 classes
(models.md: about 11.3M). The release starts from pretrained "pt_mcn" ResNet-18 weights; no weights
can be downloaded here, so the trunk starts from PyTorch's default initialisation.

Domain adaptation: the release adds CK+ macro-expression clips to every training fold as the source
domain. Here the source domain is the fold's own events of kind "macro" that carry one of the labels
(the synthetic generator's macro movements are such events; the evaluator hands them over with the
training subjects only), the target domain its micro events. A fold without both domains trains
without the domain loss. Loss: cross-entropy of the main and both auxiliary heads on every training
event + the discriminator's binary cross-entropy (macro 0, micro 1).
Training as published: Adam, trunk lr 1e-5, heads lr 1e-3, both halved every 10 epochs, weight decay
1e-6, batch 32, 100 epochs, gradient norm clipped at 1. Honest: the last epoch (the paper read the
best-F1 epoch on the test fold). `width` (64) and `size` (224) scale the trunk for CPU training.
"""

from __future__ import annotations

import numpy as np

from mlbackend.sdk import PluginError, register
from mlbackend.sdk.nets import COMMON_DEFAULTS, FlowNetPlugin

DEFAULTS = {**COMMON_DEFAULTS, "epochs": 100, "batch_size": 32, "lr": 1e-3, "backbone_lr": 1e-5,
            "weight_decay": 1e-6, "step": 10, "clip_grad": 1.0, "width": 64, "size": 224, "domain": True}
SOURCE_KIND = "macro"


@register
class NMERPlugin(FlowNetPlugin):
    name = "nmer"
    version = "1.0"
    description = ("NMER/EMR: flow as an HSV image at 224x224, ResNet-18 (no pretrained weights), half-face heads, "
                   "domain adaptation against the fold's macro events; 11.3M parameters, Adam, 100 epochs.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"epochs": 2, "width": 4, "size": 64, "flow": "dis"}
    CHANNELS = (0, 1)

    def settings(self) -> dict:
        params = super().settings()
        if params["width"] < 1 or params["size"] < 64 or params["step"] < 1:
            raise PluginError("nmer: width >= 1, size >= 64 (two rows of layer-4 map) and step >= 1.")
        return params

    def build_model(self, n_classes: int, params: dict):
        from plugins.nmer.network import NMER

        return NMER(n_classes, width=int(params["width"]), size=int(params["size"]))

    def fit_inner(self, train, *, workdir, progress, device, seed, should_stop=None):
        # The domain of each training row, in the order of the rows.
        self._source = np.asarray([event.kind == SOURCE_KIND for _, event in self.fit_events(train, seed)], dtype=bool)
        try:
            return super().fit_inner(train, workdir=workdir, progress=progress, device=device, seed=seed,
                                     should_stop=should_stop)
        finally:
            del self._source

    def train_model(self, x, y, n_classes, params, *, seed, device, validation, progress, should_stop):
        import torch
        import torch.nn.functional as F

        from mlbackend.sdk.nets import default_init, fit_epochs, validation_loss

        generator = torch.Generator().manual_seed(seed)
        model = self.build_model(n_classes, params)
        default_init(model, generator)
        model.to(device)
        x, y = x.to(device), y.to(device)
        source = getattr(self, "_source", np.zeros(len(y), dtype=bool))
        micro = torch.from_numpy(~source).float().to(device)
        adapt = params["domain"] and 0 < int(source.sum()) < len(source)
        trunk = list(model.trunk.parameters())
        trunk_ids = {id(p) for p in trunk}
        heads = [p for p in model.parameters() if id(p) not in trunk_ids]
        optimizer = torch.optim.Adam([{"params": trunk, "lr": params["backbone_lr"]},
                                      {"params": heads, "lr": params["lr"]}], weight_decay=params["weight_decay"])
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, params["step"], gamma=0.5)

        def loss_of(batch):
            main, upper, lower, feature = model.heads(x[batch])
            target = y[batch]
            loss = F.cross_entropy(main, target) + F.cross_entropy(upper, target) + F.cross_entropy(lower, target)
            if adapt:
                loss = loss + F.binary_cross_entropy_with_logits(model.domain_logit(feature), micro[batch])
            return loss

        history = fit_epochs(model, len(y), loss_of, optimizer, epochs=params["epochs"],
                             batch_size=params["batch_size"], generator=generator, scheduler=scheduler,
                             clip_grad=params["clip_grad"], progress=progress, should_stop=should_stop,
                             patience=params["patience"], validation=validation_loss(model, validation, device))
        history["trainer"] = "plain-domain" if adapt else "plain"
        return model.cpu(), history
