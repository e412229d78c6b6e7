"""What the sequence networks (plugins dtscnn, elrcn, tlcnn) share as plugins: one input sequence per
segment (mlbackend.nets.sequences), standardised per channel, fixed epochs, checkpoints of tensors only,
softmax probabilities per segment.

They take clips of frames only (`inputs = {CLIPS}`): a precomputed map set holds one 28 x 28 map per
sample and no frames to make a sequence of, so the job service refuses these plugins on such a project
before anything is queued (mlbackend.services.jobs.check_plugin_inputs), and a map sample that reaches
one anyway (a script) is a PluginError that says so.

Per fit: one sample per labelled event, the subclass's `sequence` of its segment, (T, C, H, W); each
channel standardised by the training samples' mean and standard deviation (kept in the checkpoint); the
subclass's `train_model` runs its training stages for their fixed numbers of epochs (honest protocol:
nothing of a test subject picks anything) with weights, shuffles and dropout drawn from `seed` (inside
torch.random.fork_rng: the process's global RNG is untouched), one torch thread and deterministic
algorithms by default. Predicting a clip without segments spots its one movement first (DIS motion curve).

Importing this module loads neither torch nor OpenCV.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from mlbackend.checkpoints import write_checkpoint
from mlbackend.contract import (
    CLIPS, EMOTION, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, Progress, Segment,
)
from mlbackend.nets.plugin_base import FORMAT, load_network, training_events, typed_params
from mlbackend.predictions import segment_predictions

FLOW_DEFAULTS = {
    "flow": "tvl1",  # mlbackend.vision.flow method between consecutive resampled frames
    "stabilise": True,  # undo the head's translation before each flow
    "remove_global": True,  # subtract each flow's median after it
}
SPOT_FLOW = "dis"  # the motion curve that spots a segment when a clip comes without one
PREDICT_BATCH = 16


@dataclass
class TrainingSet:
    """What a network's training stages get: standardised sequences, targets, and the fold's clips."""

    x: object  # torch.Tensor (n, T, C, H, W)
    y: object  # torch.Tensor (n,) int64
    n_classes: int
    params: dict
    device: str
    generator: object  # torch.Generator: shuffles of every stage
    progress: Progress
    train: Sequence[LabeledClip]
    mean: np.ndarray  # the per-channel statistics x was standardised with
    std: np.ndarray

    def more(self, items: Sequence[tuple[ClipInput, Segment]], plugin: "SequenceNetPlugin"):
        """Further sequences (e.g. of other events of the fold), standardised as x, as a tensor."""
        import torch

        return torch.from_numpy(standardised(plugin.sequences(items, self.params), self.mean, self.std))


class SequenceNetPlugin(Plugin):
    """Subclasses set name, version, description, DEFAULTS and sequence, build_model and train_model."""

    capabilities = frozenset({EMOTION})
    inputs = frozenset({CLIPS})
    requires = ("cv2", "torch")
    DEFAULTS: ClassVar[dict] = {"threads": 1}

    def settings(self) -> dict:
        params = typed_params(self.name, self.DEFAULTS, self.params)
        if "flow" in params:
            from mlbackend.vision import FLOW_METHODS

            if params["flow"] not in FLOW_METHODS:
                raise PluginError(f"{self.name}: flow {params['flow']!r} unknown; choose from {sorted(FLOW_METHODS)}.")
        return params

    # -- what a subclass defines --------------------------------------------------------------------------
    def sequence(self, faces, segment: Segment, params: dict) -> np.ndarray:
        """The network input of one segment, (T, C, H, W) float32."""
        raise NotImplementedError

    def build_model(self, n_classes: int, params: dict):
        raise NotImplementedError

    def train_model(self, data: TrainingSet) -> tuple:
        """(trained model on the CPU, history: a dict of numbers and strings)."""
        raise NotImplementedError

    # -- inputs -------------------------------------------------------------------------------------------
    def sequences(self, items: Sequence[tuple[ClipInput, Segment]], params: dict,
                  progress: Progress | None = None) -> np.ndarray:
        """(n, T, C, H, W) float32 sequences of (clip, segment) pairs, one clip's faces read at a time."""
        from mlbackend.vision import FaceFrames

        out, faces = [], None
        for done, (clip, segment) in enumerate(items, start=1):
            self.refuse_maps(clip)
            if faces is None or faces.clip is not clip:
                faces = FaceFrames(clip, 128)
            out.append(np.asarray(self.sequence(faces, segment, params), dtype=np.float32))
            if progress is not None and (done % 10 == 0 or done == len(items)):
                progress(done / len(items), f"sequences {done}/{len(items)}")
        if not out:
            raise PluginError(f"{self.name}: no segment to read.")
        return np.stack(out)

    def refuse_maps(self, clip: ClipInput) -> None:
        if clip.maps is not None:
            raise PluginError(f"{self.name} reads clips of frames; sample {clip.clip_id!r} is a precomputed map, which "
                              "holds no sequence of frames. Use a flow-map network (e.g. ststnet) on map sets.")

    # -- training -----------------------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        import torch

        from mlbackend.nets.train import deterministic

        params = self.settings()
        labels, samples = training_events(self.name, self.labels, train)
        progress(0.0, f"sequences of {len(samples)} events")
        x = self.sequences([(clip.clip, event.segment) for clip, event in samples], params,
                           lambda f, m: progress(0.3 * f, m))
        targets = np.asarray([labels.index(event.emotion) for _, event in samples], dtype=np.int64)
        mean, std = channel_statistics(x)
        x = torch.from_numpy(standardised(x, mean, std))
        with deterministic(threads=params["threads"] or None), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            data = TrainingSet(x=x, y=torch.from_numpy(targets), n_classes=len(labels), params=params, device=device,
                               generator=torch.Generator().manual_seed(seed), train=train, mean=mean, std=std,
                               progress=lambda f, m: progress(0.3 + 0.65 * f, m))
            model, history = self.train_model(data)
        state = {
            "format": FORMAT, "labels": labels,
            "model": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
            "mean": torch.from_numpy(mean), "std": torch.from_numpy(std),
            "params": {k: params[k] for k in self.DEFAULTS}, "n_train": len(samples),
            "class_counts": [int((targets == k).sum()) for k in range(len(labels))],
            "history": history, "seed": int(seed),
        }
        checkpoint = write_checkpoint(Path(workdir) / f"{self.name}.pt", state)
        self.load(checkpoint, device=device)
        progress(1.0, f"trained ({', '.join(f'{k} {v}' for k, v in history.items() if k.endswith('epochs'))})")
        return checkpoint

    # -- inference ----------------------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        load_network(self, checkpoint, device)

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        import torch

        from mlbackend.nets.train import predict_proba
        from mlbackend.vision import FaceFrames
        from mlbackend.vision.segment_features import segments_or_spotted

        if not hasattr(self, "_model"):
            raise PluginError(f"{self.name}: call load(checkpoint) (or fit) before predict.")
        for clip in clips:
            self.refuse_maps(clip)
        wanted = [(clip, segments_or_spotted(clip, FaceFrames(clip, 128), SPOT_FLOW)) for clip in clips]
        items = [(clip, segment) for clip, segments in wanted for segment in segments]
        probs = np.zeros((0, len(self.labels)))
        if items:
            x = standardised(self.sequences(items, self._loaded_params), self._mean, self._std)
            probs = predict_proba(self._model, torch.from_numpy(x).to(self._device), PREDICT_BATCH).cpu().double()
            probs = probs.numpy()
        return segment_predictions(wanted, probs, names=self.labels, field="emotion_probs",
                                   model_version=self.model_version)


def channel_statistics(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel (axis 2 of (n, T, C, H, W)) mean and standard deviation; a constant channel gets std 1."""
    axes = (0, 1, 3, 4)
    mean = x.mean(axis=axes, dtype=np.float64)
    std = x.std(axis=axes, dtype=np.float64)
    return mean, np.where(std > 1e-8, std, 1.0)


def standardised(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    shape = (1, 1, -1, 1, 1)
    return ((x - mean.reshape(shape)) / std.reshape(shape)).astype(np.float32)


def fixed_epochs(model, n: int, loss_of, data: TrainingSet, *, epochs: int, batch_size: int, lr: float,
                 parameters=None, stage: str, span: tuple[float, float] = (0.0, 1.0)) -> dict:
    """One training stage: Adam on `parameters` (default: all the model's) for `epochs` epochs; its history."""
    import torch

    from mlbackend.nets.recipes import fit_epochs

    start, end = span
    optimizer = torch.optim.Adam(model.parameters() if parameters is None else parameters, lr=lr)
    history = fit_epochs(model, n, loss_of, optimizer, epochs=epochs, batch_size=batch_size, generator=data.generator,
                         progress=lambda f, m: data.progress(start + (end - start) * f, f"{stage}: {m}"))
    return {f"{stage}_epochs": int(history["epochs"]),
            f"{stage}_loss": float(history["loss"][-1]) if history["loss"] else 0.0}


def per_frame_features(features, x, batch_size: int = 64):
    """`features` ((b, T, C, H, W) -> (b, T, F)) of every sequence of x, without gradients: the frozen input of a
    temporal stage (the model in evaluation mode, as fit_epochs leaves it)."""
    import torch

    with torch.no_grad():
        return torch.cat([features(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
