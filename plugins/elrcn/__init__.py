"""elrcn: ELRCN, the enriched long-term recurrent convolutional network (Khor, See, Phan, Lin, FG 2018; code
IcedDoggie/Micro-Expression-with-Deep-Learning, Keras).

Input per segment (mlbackend.nets.sequences): the faces from onset to offset resampled to 10 frames by TIM (as
published), the TV-L1 flow between consecutive resampled frames (9 steps, as the release's tvl1flow runs), and per
step five channels: the release's 3-channel flow image (u, v, magnitude), the optical strain, and the grey frame
the flow arrives at; each channel standardised by the training set. Deviation: `size` 64 by default (published
224 x 224) so that a CPU can train it; size must be a multiple of 32 (VGG-16's five pools).

Network (network.py): `variant` "se" (spatial enrichment: the five channels stacked into one VGG-16) or "te"
(temporal enrichment: one VGG-16 each for flow, strain and grey, their fc7 features concatenated); VGG-16 to fc7
(4096) per frame -> LSTM 3000 -> FC 128 (ReLU) -> FC classes. At the published size (224 px, width 64): VGG-16
134,260,544 (models.md: ~134M) and LSTM + FC 85,560,515 (models.md: 85.5M; PyTorch's LSTM has two bias vectors,
12,000 more than Keras'), SE 219,834,502 in all for 3 classes (asserted on the meta device). `width` scales every
layer for CPU training: VGG widths w..8w, fc 64w, LSTM round(3000 w / 64) (w = 64 is the published network).

Training as released: a spatial stage, then a temporal stage. Spatial: each VGG-16 with a softmax classifier on
single frames, every frame labelled with its clip's emotion; temporal: the fc7 features of every frame (VGG
frozen, evaluation mode) -> LSTM, FC 128, FC classes. Cross-entropy, Adam lr 1e-5, batch 1, 100 + 100 epochs (the
README's command), no augmentation; the release ends in a sigmoid under categorical cross-entropy, here softmax.
Honest: both stages run their fixed epochs, and the prediction is the last epoch's (as published). VGG-Face
weights (the release's start) cannot be had here: every layer starts from PyTorch's default initialisation.
"""

from __future__ import annotations

from mlbackend.sdk import PluginError, register
from mlbackend.sdk.nets import FLOW_DEFAULTS, SequenceNetPlugin

DEFAULTS = {**FLOW_DEFAULTS, "threads": 1, "variant": "se", "length": 10, "size": 64, "width": 64,
            "spatial_epochs": 100, "temporal_epochs": 100, "batch_size": 1, "lr": 1e-5}
CHANNELS = ("u", "v", "magnitude", "strain", "grey")  # network.GROUPS indexes these
PUBLISHED_WIDTH, PUBLISHED_HIDDEN = 64, 3000


@register
class ELRCNPlugin(SequenceNetPlugin):
    name = "elrcn"
    version = "1.0"
    description = ("ELRCN: TIM to 10 frames, per step flow + strain + grey into VGG-16 (fc7 4096), LSTM 3000, FC 128; "
                   "SE or TE variant, 220M parameters at 224 px (size 64 by default, no VGG-Face weights); Adam 1e-5, "
                   "100 + 100 epochs. Clips only. Emotion only.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"width": 2, "size": 32, "spatial_epochs": 1, "temporal_epochs": 2, "batch_size": 8,
                    "flow": "dis"}

    def settings(self) -> dict:
        params = super().settings()
        if params["variant"] not in ("se", "te"):
            raise PluginError("elrcn: variant is 'se' (modalities stacked on the channels) or 'te' (one VGG each).")
        if params["size"] < 32 or params["size"] % 32 or params["width"] < 1 or params["length"] < 2:
            raise PluginError("elrcn: size a multiple of 32 (VGG-16's five pools), width >= 1, length >= 2 frames.")
        if min(params["spatial_epochs"], params["temporal_epochs"], params["batch_size"]) < 1 or params["lr"] <= 0:
            raise PluginError("elrcn: epochs >= 1, batch_size >= 1 and lr > 0, please.")
        return params

    def sequence(self, faces, segment, params):
        from mlbackend.sdk.nets import flow_sequence, segment_frames

        frames = segment_frames(faces, segment, params["length"])
        return flow_sequence(frames, CHANNELS, params["size"], method=params["flow"], stabilise=params["stabilise"],
                             remove_global=params["remove_global"])

    def build_model(self, n_classes: int, params: dict):
        from plugins.elrcn.network import ELRCN

        width = int(params["width"])
        return ELRCN(n_classes, variant=params["variant"], width=width, size=int(params["size"]),
                     hidden=max(1, round(PUBLISHED_HIDDEN * width / PUBLISHED_WIDTH)))

    def train_model(self, data):
        import torch.nn.functional as F

        from mlbackend.sdk.nets import fixed_epochs, per_frame_features

        params, x, y = data.params, data.x.to(data.device), data.y.to(data.device)
        model = self.build_model(data.n_classes, params).to(data.device)
        optimiser = {"batch_size": params["batch_size"], "lr": params["lr"]}
        history, groups, steps = {}, len(model.groups), x.shape[1]
        frame_targets = y.repeat_interleave(steps)
        for k in range(groups):  # spatial: each VGG-16 on single frames labelled with their clip's emotion
            frames = model.frames(x, k)
            history.update(fixed_epochs(
                model, len(frames), lambda b, k=k, frames=frames: F.cross_entropy(
                    model.frame_logits(frames[b], k), frame_targets[b]), data,
                parameters=[*model.encoders[k].parameters(), *model.frame_heads[k].parameters()],
                epochs=params["spatial_epochs"], **optimiser, stage=f"spatial{k}" if groups > 1 else "spatial",
                span=(0.8 * k / groups, 0.8 * (k + 1) / groups)))
        features = per_frame_features(model.features, x)  # the VGGs frozen from here on
        history.update(fixed_epochs(
            model, len(y), lambda b: F.cross_entropy(model.temporal(features[b]), y[b]), data,
            parameters=[*model.lstm.parameters(), *model.head.parameters()],
            epochs=params["temporal_epochs"], **optimiser, stage="temporal", span=(0.8, 1.0)))
        return model.cpu(), history
