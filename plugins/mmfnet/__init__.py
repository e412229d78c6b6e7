"""mmfnet: a Meta-MMFNet-style recogniser (after Gong et al., "Meta-MMFNet: Meta-Learning-based
Multi-model Fusion Network for Micro-expression Recognition", ACM TOMM 20(2), 2023, doi:10.1145/3539576).

What it keeps of the paper: two input streams fused into one embedding, (1) the optical flow from
the onset to the apex face and (2) the apex - onset frame difference, and a prototype classifier
trained episodically: class prototypes w_c are the mean embedding of the support samples of class
c, and p(c|x) = softmax_c(<f(x), w_c>) (metric "dot", the default, as in protocols.md) or
softmax_c(-||f(x) - w_c||^2) (metric "euclidean", the prototypical-network form).

What it simplifies (documented in docs/models.md): no macro-expression model (no second dataset
and no fused distance d_micro + alpha d_macro), small CNN encoders
instead of the paper's backbones, no meta-learning across tasks beyond episodic prototype training.

Per segment (a missing apex means the middle frame): the grey 128 px faces at onset and apex
(mlbackend.vision.FaceFrames); the apex face shifted back by the head's translation (phase
correlation); flow stream: DIS flow onset -> apex with the median removed, channels u, v and
magnitude, area-averaged to `size` x `size` (32); difference stream: apex - onset grey levels
/ 255 at the same size. Each channel is standardised with the training set's mean and std.

Network: per stream three 3x3 conv blocks (width w, 2w, 2w; batch norm, ReLU; 2x2 max-pooling
after the first two; global average pooling), the two 2w vectors concatenated and mapped
linearly to a `dim`-dimensional embedding: 8,496 parameters at w=8, dim=32 (the test asserts it).

Training (honest: a fixed number of epochs, nothing of a test subject is seen): per epoch one
episode over the whole training set, each class's samples shuffled and split in half into
support and query; prototypes from the support embeddings; cross-entropy of the query samples
through the prototype head; Adam. A class with one sample serves as support only. After the last
epoch the prototypes are recomputed as the mean embedding (evaluation mode) of *all* training
samples of each class and stored in the checkpoint; a label absent from training gets no
prototype and probability ~0. Seeded (one torch.Generator for weights and episodes), one torch
thread and deterministic algorithms: the same data and seed give the same checkpoint on a CPU.

Checkpoint: state_dict, prototypes (labels x dim), present mask, channel mean/std, params: tensors,
numbers and strings only (torch.load(weights_only=True)).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlbackend.sdk import (
    EMOTION, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, Progress, Segment, model_version,
    read_checkpoint, register, segment_predictions, write_checkpoint,
)


FORMAT = 1
DEFAULTS = {
    "size": 32,  # side of the input maps
    "width": 8,  # channels of the first conv block (then 2w, 2w)
    "dim": 32,  # embedding dimension
    "metric": "dot",  # "dot": <f, w_c> (the paper's); "euclidean": -||f - w_c||^2
    "epochs": 80,
    "lr": 3e-3,
    "weight_decay": 1e-4,
    "flow": "dis",
    "flip": True,  # augment training with mirrored samples (u negated)
    "threads": 1,
}
MAP_KEYS = ("size", "flow")
ABSENT_LOGIT = -30.0
CHANNELS = 4  # u, v, magnitude | difference


def build_network(width: int, dim: int):
    import torch
    from torch import nn

    def encoder(channels: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )

    class MMFNet(nn.Module):
        """Flow stream (3 channels) + frame-difference stream (1 channel) -> fused embedding."""

        def __init__(self):
            super().__init__()
            self.flow = encoder(3)
            self.diff = encoder(1)
            self.fuse = nn.Linear(4 * width, dim)

        def forward(self, x):
            return self.fuse(torch.cat([self.flow(x[:, :3]), self.diff(x[:, 3:])], dim=1))

    return MMFNet()


def prototype_logits(embeddings, prototypes, metric: str):
    if metric == "dot":
        return embeddings @ prototypes.T
    return -((embeddings[:, None, :] - prototypes[None, :, :]) ** 2).sum(dim=2)


def segment_maps(faces, segment: Segment, size: int, flow_method: str) -> np.ndarray:
    """(4, size, size) float32: u, v, magnitude of the onset -> apex flow, and the apex - onset difference."""
    import cv2

    from mlbackend.sdk.vision import dense_flow, global_shift

    apex = segment.apex if segment.apex is not None else (segment.onset + segment.offset) // 2
    onset_face, apex_face = faces[faces.clamp(segment.onset)], faces[faces.clamp(apex)]
    dx, dy = global_shift(onset_face, apex_face, "phase")
    back = np.float32([[1, 0, -dx], [0, 1, -dy]])
    apex_face = cv2.warpAffine(apex_face, back, apex_face.shape[::-1], flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)
    flow = dense_flow(onset_face, apex_face, flow_method)
    flow = flow - np.median(flow.reshape(-1, 2), axis=0)
    magnitude = np.sqrt((flow ** 2).sum(axis=2))
    difference = (apex_face.astype(np.float32) - onset_face.astype(np.float32)) / 255.0
    channels = (flow[:, :, 0], flow[:, :, 1], magnitude, difference)
    return np.stack([cv2.resize(np.ascontiguousarray(c, dtype=np.float32), (size, size), interpolation=cv2.INTER_AREA)
                     for c in channels]).astype(np.float32)


@register
class MMFNetPlugin(Plugin):
    name = "mmfnet"
    version = "1.0"
    capabilities = frozenset({EMOTION})
    description = ("Meta-MMFNet-style: optical-flow and frame-difference streams fused into an embedding, "
                   "prototype (class-mean) classifier trained episodically; fixed epochs. Emotion only.")
    requires = ("cv2", "torch")

    def settings(self) -> dict:
        unknown = set(self.params) - set(DEFAULTS)
        if unknown:
            raise PluginError(f"mmfnet does not know the parameters {sorted(unknown)}; it takes {sorted(DEFAULTS)}.")
        params = {**DEFAULTS, **self.params}
        try:
            for key in ("size", "width", "dim", "epochs", "threads"):
                params[key] = int(params[key])
            for key in ("lr", "weight_decay"):
                params[key] = float(params[key])
            params["flip"] = str(params["flip"]).strip().lower() in ("1", "true", "yes", "on")
            params["metric"], params["flow"] = str(params["metric"]), str(params["flow"])
        except (TypeError, ValueError) as exc:
            raise PluginError(f"mmfnet: bad parameter ({exc}).") from None
        if params["metric"] not in ("dot", "euclidean"):
            raise PluginError("mmfnet: metric is 'dot' or 'euclidean'.")
        if params["size"] < 8 or params["width"] < 1 or params["dim"] < 2 or params["epochs"] < 1 or params["lr"] <= 0:
            raise PluginError("mmfnet: size >= 8, width >= 1, dim >= 2, epochs >= 1 and lr > 0, please.")
        return params

    def maps(self, items: Sequence[tuple[ClipInput, Segment]], params: dict, progress: Progress | None = None
             ) -> np.ndarray:
        from mlbackend.sdk.vision import FaceFrames

        out, faces, faces_clip = [], None, None
        for done, (clip, segment) in enumerate(items, start=1):
            if faces_clip is not clip:
                faces, faces_clip = FaceFrames(clip, 128), clip  # one clip's frames at a time
            out.append(segment_maps(faces, segment, params["size"], params["flow"]))
            if progress is not None and (done % 10 == 0 or done == len(items)):
                progress(done / len(items), f"maps {done}/{len(items)}")
        return np.stack(out) if out else np.zeros((0, CHANNELS, params["size"], params["size"]), np.float32)

    # -- training -------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        import torch

        from mlbackend.sdk.nets import deterministic

        params = self.settings()
        labels = list(self.labels) or sorted({e.emotion for c in train for e in c.events if e.emotion})
        samples = [(clip, event) for clip in train for event in clip.events if event.emotion in labels]
        if not samples:
            raise PluginError(f"mmfnet found no training event labelled with one of {labels or 'any emotion'}.")
        progress(0.0, f"maps of {len(samples)} events")
        maps = self.maps([(clip.clip, event.segment) for clip, event in samples], params,
                         lambda f, m: progress(0.3 * f, m))
        targets = np.asarray([labels.index(event.emotion) for _, event in samples], dtype=np.int64)
        if params["flip"]:  # mirrored faces: flip left-right, u changes sign
            mirrored = maps[:, :, :, ::-1].copy()
            mirrored[:, 0] *= -1
            maps, targets = np.concatenate([maps, mirrored]), np.concatenate([targets, targets])
        mean = maps.mean(axis=(0, 2, 3), dtype=np.float64)
        std = maps.std(axis=(0, 2, 3), dtype=np.float64)
        std = np.where(std > 1e-8, std, 1.0)
        x = torch.from_numpy(((maps - mean[None, :, None, None]) / std[None, :, None, None]).astype(np.float32))
        y = torch.from_numpy(targets)
        with deterministic(threads=params["threads"] or None), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model, prototypes, present, losses = self._train(x, y, len(labels), params, seed, device, progress)
        state = {
            "format": FORMAT, "labels": labels,
            "model": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
            "prototypes": prototypes.detach().cpu().clone(), "present": torch.tensor(present),
            "mean": torch.from_numpy(mean), "std": torch.from_numpy(std),
            "params": {k: params[k] for k in DEFAULTS}, "n_train": len(samples),
            "class_counts": [int((targets[:len(samples)] == k).sum()) for k in range(len(labels))],
            "final_loss": float(losses[-1]) if losses else 0.0, "seed": int(seed),
        }
        checkpoint = write_checkpoint(Path(workdir) / "mmfnet.pt", state)
        self.load(checkpoint, device=device)
        progress(1.0, f"trained {params['epochs']} epochs")
        return checkpoint

    @staticmethod
    def _train(x, y, n_classes: int, params: dict, seed: int, device: str, progress: Progress):
        import torch
        import torch.nn.functional as F

        generator = torch.Generator().manual_seed(seed)
        model = build_network(params["width"], params["dim"])  # default init from the seeded global RNG
        model.to(device)
        x, y = x.to(device), y.to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=params["lr"], weight_decay=params["weight_decay"])
        by_class = [torch.nonzero(y == c).flatten().cpu() for c in range(n_classes)]
        losses = []
        for epoch in range(params["epochs"]):
            support, query, query_targets, episode_classes = [], [], [], []
            for c, rows in enumerate(by_class):
                if len(rows) == 0:
                    continue
                rows = rows[torch.randperm(len(rows), generator=generator)]
                half = max(1, len(rows) // 2)
                support.append(rows[:half])
                if len(rows) > half:
                    query.append(rows[half:])
                    query_targets.append(torch.full((len(rows) - half,), len(episode_classes)))
                episode_classes.append(c)
            if not query or len(episode_classes) < 2:
                break  # one class, or no class with two samples: nothing to learn from
            model.train()
            order = torch.cat(support + query).to(device)
            embeddings = model(x[order])
            offset, prototypes = 0, []
            for rows in support:
                prototypes.append(embeddings[offset:offset + len(rows)].mean(dim=0))
                offset += len(rows)
            logits = prototype_logits(embeddings[offset:], torch.stack(prototypes), params["metric"])
            loss = F.cross_entropy(logits, torch.cat(query_targets).to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
            if (epoch + 1) % max(1, params["epochs"] // 20) == 0:
                progress(0.3 + 0.65 * (epoch + 1) / params["epochs"], f"epoch {epoch + 1}/{params['epochs']}, "
                                                                      f"loss {losses[-1]:.4f}")
        model.eval()
        with torch.no_grad():
            embeddings = torch.cat([model(x[i:i + 256]) for i in range(0, len(x), 256)])
        prototypes = torch.zeros((n_classes, params["dim"]))
        present = []
        for c, rows in enumerate(by_class):
            present.append(len(rows) > 0)
            if len(rows):
                prototypes[c] = embeddings[rows.to(device)].mean(dim=0).cpu()
        return model.cpu(), prototypes, present, losses

    # -- inference ------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        state = read_checkpoint(checkpoint, device="cpu")
        if state.get("format") != FORMAT or "prototypes" not in state:
            raise PluginError(f"{checkpoint} is not an mmfnet checkpoint of format {FORMAT}.")
        params = {**DEFAULTS, **state["params"]}
        model = build_network(int(params["width"]), int(params["dim"]))
        model.load_state_dict(state["model"])
        model.eval()
        self._model, self._device = model.to(device), device
        self._prototypes = state["prototypes"].float().to(device)
        self._present = state["present"].bool().to(device)
        self._mean, self._std = state["mean"].numpy(), state["std"].numpy()
        self._loaded_params = params
        self.labels = tuple(state["labels"])
        self.state = state
        self.model_version = model_version(self.name, self.version, checkpoint)

    def probabilities(self, maps: np.ndarray) -> np.ndarray:
        import torch

        if not hasattr(self, "_model"):
            raise PluginError("mmfnet: call load(checkpoint) (or fit) before predict.")
        x = (maps - self._mean[None, :, None, None]) / self._std[None, :, None, None]
        x = torch.from_numpy(x.astype(np.float32)).to(self._device)
        with torch.no_grad():
            logits = prototype_logits(self._model(x), self._prototypes, self._loaded_params["metric"])
            best = logits.masked_fill(~self._present[None, :], float("-inf")).max(dim=1, keepdim=True).values
            logits = torch.where(self._present[None, :], logits, best + ABSENT_LOGIT)  # never wins
            return torch.softmax(logits.double(), dim=1).cpu().numpy()

    def _segments(self, clip: ClipInput) -> tuple[Segment, ...]:
        if clip.segments:
            return clip.segments
        from mlbackend.sdk.vision import FaceFrames
        from mlbackend.sdk.vision import motion_curve, smooth, smoothing_window, spot_intervals

        curve = smooth(motion_curve(FaceFrames(clip, 128), method="dis"), smoothing_window(clip.fps))
        (interval,) = spot_intervals(curve, 0.3, max_events=1)
        return (Segment(interval.onset, interval.apex, interval.offset),)

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        if not hasattr(self, "_model"):
            raise PluginError("mmfnet: call load(checkpoint) (or fit) before predict.")
        wanted = [(clip, self._segments(clip)) for clip in clips]
        items = [(clip, segment) for clip, segments in wanted for segment in segments]
        probs = (self.probabilities(self.maps(items, self._loaded_params)) if items
                 else np.zeros((0, len(self.labels))))
        return segment_predictions(wanted, probs, names=self.labels, field="emotion_probs",
                                   model_version=self.model_version)
