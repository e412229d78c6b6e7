"""dtscnn: DTSCNN, the dual temporal scale convolutional neural network (Peng, Wang, Chen, Wang, Li, Frontiers in
Psychology 2017). No code was published, and the paper's frame counts, layers and training are unverified
(models.md): the sizes here are our choices, documented in docs/models.md.

What the paper describes and we keep: two independent shallow CNN streams on optical-flow sequences of two
temporal scales (to cope with different frame rates), fused for the classification. Input per segment
(mlbackend.nets.sequences): the faces from onset to offset resampled by TIM to `short` (8) and to `long` (16)
frames, the flow between consecutive resampled frames (u, v) at `size` x `size` (32), each channel standardised
by the training set; 7 and 15 flow steps. Network (network.py): per stream three 3x3x3 conv layers (width 16, 32,
64; batch norm, ReLU, max-pools 1x2x2, 2x2x2, 2x2x2), averaged over time, FC 128 (ReLU, dropout 0.5); the two
128-d vectors concatenated -> FC classes: 403,811 parameters for 3 classes (asserted). Training (ours): cross-
entropy, Adam lr 1e-3, batch 16, 60 epochs, fixed (honest: nothing of a test subject picks anything).
"""

from __future__ import annotations

import numpy as np

from mlbackend.sdk import PluginError, register
from mlbackend.sdk.nets import FLOW_DEFAULTS, SequenceNetPlugin

DEFAULTS = {**FLOW_DEFAULTS, "threads": 1, "short": 8, "long": 16, "size": 32, "width": 16, "features": 128,
            "dropout": 0.5, "epochs": 60, "batch_size": 16, "lr": 1e-3}
CHANNELS = ("u", "v")


@register
class DTSCNNPlugin(SequenceNetPlugin):
    name = "dtscnn"
    version = "1.0"
    description = ("DTSCNN: optical-flow sequences at two temporal scales (TIM to 8 and 16 frames), two shallow 3-D "
                   "CNN streams fused; 404k parameters (our sizes: none published); Adam, 60 epochs. Clips only. "
                   "Emotion only.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"short": 5, "long": 7, "size": 16, "width": 2, "features": 8, "epochs": 2, "flow": "dis"}

    def settings(self) -> dict:
        params = super().settings()
        if not 5 <= params["short"] < params["long"]:
            raise PluginError("dtscnn: 5 <= short < long frames (a stream pools time twice: 4 flow steps at least).")
        if params["size"] < 8 or params["size"] % 8 or min(params["width"], params["features"]) < 1:
            raise PluginError("dtscnn: size a multiple of 8 (three 2x2 pools), width >= 1 and features >= 1.")
        if not 0 <= params["dropout"] < 1 or params["epochs"] < 1 or params["batch_size"] < 1 or params["lr"] <= 0:
            raise PluginError("dtscnn: dropout in [0, 1), epochs >= 1, batch_size >= 1 and lr > 0.")
        return params

    def sequence(self, faces, segment, params):
        from mlbackend.sdk.nets import flow_sequence, segment_frames

        scales = [segment_frames(faces, segment, params[scale]) for scale in ("short", "long")]
        return np.concatenate([flow_sequence(frames, CHANNELS, params["size"], method=params["flow"],
                                             stabilise=params["stabilise"], remove_global=params["remove_global"])
                               for frames in scales])

    def build_model(self, n_classes: int, params: dict):
        from plugins.dtscnn.network import DTSCNN

        return DTSCNN(n_classes, short=int(params["short"]) - 1, width=int(params["width"]), size=int(params["size"]),
                      features=int(params["features"]), dropout=float(params["dropout"]), in_channels=len(CHANNELS))

    def train_model(self, data):
        import torch.nn.functional as F

        from mlbackend.sdk.nets import fixed_epochs

        params, x, y = data.params, data.x.to(data.device), data.y.to(data.device)
        model = self.build_model(data.n_classes, params).to(data.device)
        history = fixed_epochs(model, len(y), lambda b: F.cross_entropy(model(x[b]), y[b]), data,
                               epochs=params["epochs"], batch_size=params["batch_size"], lr=params["lr"], stage="train")
        return model.cpu(), history
