"""tlcnn: TLCNN, the transferred long-term convolutional neural network (Wang, Li, Wang, Zhou, Wang, Fu,
"Micro-expression recognition with small sample size by transferring long-term convolutional neural network",
Neurocomputing 312, 2018). No code was published; the backbone, source data and hyperparameters are unverified
(models.md), so the sizes here are our choices, documented in docs/models.md.

What the paper describes and we keep: a deep CNN reads every frame of the clip, an LSTM reads the frames' CNN
features; against the small sample size the CNN is transferred twice before the LSTM is trained: (1) from
expression data, (2) from single frames of the micro-expression clips, each frame labelled with its clip's
emotion. Input per segment (mlbackend.nets.sequences): the grey faces from onset to offset resampled by TIM to
`length` (10) frames at `size` x `size` (48), standardised by the training set (TIM is our choice: the LSTM
could read any length, but a batch needs one). `difference: true` (not published; off by default) feeds each
frame minus the segment's first (onset) frame instead: without the paper's expression pretraining the CNN reads
identity rather than expression in raw frames (docs/models.md gives both figures on the synthetic set).

Network (network.py): four conv 3x3 blocks (32, 64, 128, 256; batch norm, ReLU, 2x2 max-pool), FC 512 (ReLU,
dropout 0.5) per frame; LSTM 256; FC classes: 2,359,750 parameters for 3 classes (asserted).

Training, three stages of fixed epochs (honest: nothing of a test subject picks anything), cross-entropy, Adam
lr 1e-3, batch 32:
1. expression transfer (`expression_epochs`, 20): the paper's expression datasets cannot be had here; their
   substitute is the fold's own macro-expressions: the apex frame (with `difference`, apex - onset) of every
   training event of kind "macro" with an emotion (e.g. the synthetic generator's macro movements,
   mlbackend/synthetic/generator.py), classified by emotion through a head of its own that is then dropped.
   Skipped when the fold holds macro events of fewer than two emotions (the checkpoint's history says how
   many frames it had).
2. micro-expression frames (`frame_epochs`, 20): the CNN with the frame classifier on every frame of every
   training sequence.
3. sequences (`lstm_epochs`, 50): the CNN frozen (evaluation mode), the LSTM and its classifier on the
   sequences of frame features.
"""

from __future__ import annotations

from mlbackend.sdk import PluginError, Segment, register
from mlbackend.sdk.nets import SequenceNetPlugin

DEFAULTS = {"threads": 1, "length": 10, "size": 48, "difference": False, "width": 32, "features": 512, "hidden": 256,
            "dropout": 0.5, "expression_epochs": 20, "frame_epochs": 20, "lstm_epochs": 50, "batch_size": 32,
            "lr": 1e-3}
SOURCE_KIND = "macro"


@register
class TLCNNPlugin(SequenceNetPlugin):
    name = "tlcnn"
    version = "1.0"
    description = ("TLCNN: TIM to 10 grey frames, per-frame CNN then LSTM; CNN transferred from the fold's macro-"
                   "expressions, then from single micro-expression frames; 2.4M parameters (our sizes: none "
                   "published). Clips only. Emotion only.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"length": 4, "size": 16, "width": 2, "features": 8, "hidden": 4, "expression_epochs": 1,
                    "frame_epochs": 1, "lstm_epochs": 2}

    def settings(self) -> dict:
        params = super().settings()
        if params["size"] < 16 or params["size"] % 16 or params["length"] < 2:
            raise PluginError("tlcnn: size a multiple of 16 (four 2x2 pools) and length >= 2 frames.")
        if min(params["width"], params["features"], params["hidden"], params["batch_size"]) < 1 or params["lr"] <= 0:
            raise PluginError("tlcnn: width, features, hidden and batch_size >= 1, lr > 0, please.")
        if not 0 <= params["dropout"] < 1 or min(params["frame_epochs"], params["lstm_epochs"]) < 1 \
                or params["expression_epochs"] < 0:
            raise PluginError("tlcnn: dropout in [0, 1), frame and lstm epochs >= 1, expression_epochs >= 0.")
        return params

    def sequence(self, faces, segment, params):
        from mlbackend.sdk.nets import grey_sequence, segment_frames

        frames = grey_sequence(segment_frames(faces, segment, params["length"]), params["size"])
        return frames - frames[:1] if params["difference"] else frames

    def build_model(self, n_classes: int, params: dict):
        from plugins.tlcnn.network import TLCNN

        return TLCNN(n_classes, width=int(params["width"]), size=int(params["size"]), features=int(params["features"]),
                     hidden=int(params["hidden"]), dropout=float(params["dropout"]))

    def train_model(self, data):
        import torch.nn.functional as F

        from mlbackend.sdk.nets import fixed_epochs, per_frame_features

        params, x, y = data.params, data.x.to(data.device), data.y.to(data.device)
        model = self.build_model(data.n_classes, params).to(data.device)
        optimiser = {"batch_size": params["batch_size"], "lr": params["lr"]}
        history = self.expression_transfer(model, data, optimiser)
        frames, frame_targets = x.flatten(0, 1), y.repeat_interleave(x.shape[1])
        history.update(fixed_epochs(
            model, len(frames), lambda b: F.cross_entropy(model.frame_head(model.cnn(frames[b])), frame_targets[b]),
            data, parameters=[*model.cnn.parameters(), *model.frame_head.parameters()], epochs=params["frame_epochs"],
            **optimiser, stage="frame", span=(0.3, 0.7)))
        features = per_frame_features(model.features, x)  # the CNN frozen from here on
        history.update(fixed_epochs(
            model, len(y), lambda b: F.cross_entropy(model.temporal(features[b]), y[b]), data,
            parameters=[*model.lstm.parameters(), *model.head.parameters()], epochs=params["lstm_epochs"],
            **optimiser, stage="lstm", span=(0.7, 1.0)))
        return model.cpu(), history

    def expression_transfer(self, model, data, optimiser: dict) -> dict:
        """Stage 1 on the apex frames of the fold's macro-expressions; {"expression_frames": 0} when skipped."""
        import torch
        import torch.nn.functional as F

        from mlbackend.sdk.nets import fixed_epochs
        from mlbackend.sdk.vision import segment_apex

        macro = [(clip.clip, event) for clip in data.train for event in clip.events
                 if event.kind == SOURCE_KIND and event.emotion]
        emotions = sorted({event.emotion for _, event in macro})
        if len(emotions) < 2 or data.params["expression_epochs"] == 0:
            return {"expression_frames": 0}
        onset_to_apex = [Segment(e.onset, segment_apex(e.segment), segment_apex(e.segment)) for _, e in macro]
        frames = data.more([(clip, segment) for (clip, _), segment in zip(macro, onset_to_apex)], self)[:, -1]
        frames = frames.to(data.device)
        targets = torch.tensor([emotions.index(event.emotion) for _, event in macro], device=data.device)
        head = torch.nn.Linear(model.frame_head.in_features, len(emotions)).to(data.device)
        history = fixed_epochs(
            model, len(frames), lambda b: F.cross_entropy(head(model.cnn(frames[b])), targets[b]), data,
            parameters=[*model.cnn.parameters(), *head.parameters()], epochs=data.params["expression_epochs"],
            **optimiser, stage="expression", span=(0.0, 0.3))
        return {**history, "expression_frames": len(frames)}
