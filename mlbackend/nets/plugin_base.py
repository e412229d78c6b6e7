"""What STSTNet and OFF-ApexNet share as plugins: maps per segment, standardisation, a fixed
number of epochs, checkpoints of tensors only, softmax probabilities per segment.

Importing this module loads neither torch nor OpenCV (the registry imports every plugin in web
processes); both are imported inside the methods.

Per sample (one labelled event, or one segment to recognise): the flow maps of the segment
(mlbackend.nets.maps), computed once per clip and segment and cached in memory for the call
(or, under mlbackend.nets.fast.loso_fast, once for a whole leave-one-subject-out run: the maps
of a clip do not depend on the fold). Per fit: each channel standardised by the training set's
mean and standard deviation (kept in the checkpoint), a network initialised from `seed`,
trained for `epochs` epochs. Honest protocol: nothing of a test subject picks anything; the
optional early stopping (`val_subjects` > 0 with `patience` > 0) watches a validation set of
whole *training* subjects drawn from `seed`, and those subjects are then left out of training.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np

from mlbackend.predictions import segment_predictions

from mlbackend.checkpoints import model_version, read_checkpoint, write_checkpoint
from mlbackend.contract import (
    CLIPS, EMOTION, MAPS, ClipInput, ClipPrediction, Event, LabeledClip, Plugin, PluginError, Progress, Segment,
)

FORMAT = 1
MAP_KEYS = ("flow", "stabilise", "remove_global")
COMMON_DEFAULTS = {
    "epochs": 800,
    "batch_size": 256,
    "lr": 5e-5,
    "flow": "tvl1",  # mlbackend.vision.flow method, onset -> apex
    "stabilise": True,  # undo the head's translation before the flow
    "remove_global": True,  # subtract the median flow after it
    "dropout": 0.5,
    "threads": 1,  # torch threads during fit (1: fastest on 2 shared cores, and the same floats anywhere)
    "val_subjects": 0,  # > 0: that many training subjects (drawn from the seed) form a validation set
    "patience": 0,  # > 0 with val_subjects: early stopping on the validation loss, best epoch restored
}
SPOT_FLOW = "dis"  # the flow of the motion curve that spots a segment when a clip comes without one



@dataclass
class PreparedFit:
    """One fit's standardised training tensors (torch), before any training draw."""
    params: dict
    labels: list
    x_fit: object
    y_fit: object
    validation: tuple | None
    mean: np.ndarray
    std: np.ndarray
    targets: np.ndarray
    fit_rows: np.ndarray
    held: list
    seed: int
    maps_seconds: float


class FlowNetPlugin(Plugin):
    """Base class: subclasses set name, version, description, DEFAULTS, CHANNELS and build_model/train_model."""

    capabilities = frozenset({EMOTION})
    inputs = frozenset({CLIPS, MAPS})  # a map sample's ClipInput.maps replaces the computed flow maps
    requires = ("cv2", "torch")
    DEFAULTS: ClassVar[dict] = COMMON_DEFAULTS
    CHANNELS: ClassVar[tuple[int, ...]] = (0, 1, 2)  # which of (u, v, strain) the network reads
    # One sample's array (the network's input before CHANNELS picks from it), what it is called in progress
    # messages, and the parameters it depends on (with the clip and segment, its key in the cache).
    SAMPLE_SHAPE: ClassVar[tuple[int, ...]] = (3, 28, 28)
    SAMPLE_NAME: ClassVar[str] = "flow maps"
    MAP_PARAMS: ClassVar[tuple[str, ...]] = MAP_KEYS

    def __init__(self, *, labels: Sequence[str] = (), aus: Sequence[int] = (), params: dict | None = None):
        super().__init__(labels=labels, aus=aus, params=params)
        self._shared: dict | None = None
        self._shared_lock = threading.Lock()

    # The shared evaluator hands every flow-map network's LOSO run to mlbackend.nets.fast.loso_fast (maps once,
    # folds side by side: processes on CPU, one batched model on CUDA); each fold is the plugin's own fit.
    fold_parallel: ClassVar[bool] = True

    # -- parameters ---------------------------------------------------------------------------------
    def settings(self) -> dict:
        params = typed_params(self.name, self.DEFAULTS, self.params)
        if params["epochs"] < 1 or params["batch_size"] < 2 or params["lr"] <= 0:
            raise PluginError(f"{self.name}: epochs >= 1, batch_size >= 2 and lr > 0, please.")
        if not 0 <= params["dropout"] < 1:
            raise PluginError(f"{self.name}: dropout is a probability below 1.")
        from mlbackend.vision import FLOW_METHODS

        if "flow" in params and params["flow"] not in FLOW_METHODS:
            raise PluginError(f"{self.name}: flow {params['flow']!r} unknown; choose from {sorted(FLOW_METHODS)}.")
        return params

    # -- maps ---------------------------------------------------------------------------------------
    def share_cache(self, cache: dict) -> None:
        """Use `cache` for the maps of every call from now on (loso_fast: one cache for all folds)."""
        self._shared = cache

    def segment_maps(self, faces, clip: ClipInput, segment: Segment, params: dict) -> np.ndarray:
        """(3, 28, 28) u, v, strain of one segment. Tests override this to inject precomputed maps."""
        from mlbackend.nets.maps import flow_maps

        return flow_maps(faces, segment, method=params["flow"], stabilise=params["stabilise"],
                         remove_global=params["remove_global"])

    @classmethod
    def cache_key(cls, clip: ClipInput, segment: Segment, params: dict) -> tuple:
        return (clip.dataset, clip.subject, clip.clip_id, segment.onset, segment.apex, segment.offset,
                *(params[k] for k in cls.MAP_PARAMS))

    def maps(self, items: Sequence[tuple[ClipInput, Segment]], params: dict,
             progress: Progress | None = None) -> np.ndarray:
        """(n, *SAMPLE_SHAPE) maps of (clip, segment) pairs, each computed once (per call, or per shared cache)."""
        cache = self._shared if self._shared is not None else {}
        out, faces_of = [], {}
        for done, (clip, segment) in enumerate(items, start=1):
            key = self.cache_key(clip, segment, params)
            maps = cache.get(key)
            if maps is None:
                maps = self._given_or_computed(clip, segment, params, faces_of)
                if maps.shape != self.SAMPLE_SHAPE:
                    raise PluginError(f"{self.name}: {self.SAMPLE_NAME} of shape {maps.shape}, "
                                      f"expected {self.SAMPLE_SHAPE}.")
                with self._shared_lock:
                    cache[key] = maps
            out.append(maps)
            if progress is not None and (done % 10 == 0 or done == len(items)):
                progress(done / len(items), f"{self.SAMPLE_NAME} {done}/{len(items)}")
        return np.stack(out) if out else np.zeros((0, *self.SAMPLE_SHAPE), np.float32)

    def _given_or_computed(self, clip: ClipInput, segment: Segment, params: dict, faces_of: dict) -> np.ndarray:
        """A map sample's own maps (resized to 28 x 28), else the sample computed from the clip's frames."""
        from mlbackend.nets.maps import given_maps

        if clip.maps is not None:
            try:
                return given_maps(clip.maps)
            except ValueError as exc:
                raise PluginError(f"{self.name}: sample {clip.clip_id}: {exc}.") from None
        return self.clip_sample(clip, segment, params, faces_of)

    def clip_sample(self, clip: ClipInput, segment: Segment, params: dict, faces_of: dict) -> np.ndarray:
        """One segment's sample from a clip of frames: the flow maps of its 128 px faces. `faces_of` holds
        the faces of one clip at a time for the call (segments of one clip come one after the other)."""
        from mlbackend.vision import FaceFrames

        faces = faces_of.get(id(clip))
        if faces is None:
            faces_of.clear()  # one clip's frames cached at a time
            faces = faces_of[id(clip)] = FaceFrames(clip, 128)
        return np.asarray(self.segment_maps(faces, clip, segment, params), dtype=np.float32)

    def precompute(self, items: Sequence[tuple[ClipInput, Segment]], progress: Progress | None = None) -> None:
        self.maps(items, self.settings(), progress)

    # -- training ---------------------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        import torch

        from mlbackend.nets.train import deterministic

        params = self.settings()
        torch.manual_seed(seed)
        with deterministic(threads=params["threads"] or None):
            return self.fit_inner(train, workdir=workdir, progress=progress, device=device, seed=seed)

    def fit_inner(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int,
                  should_stop: Callable[[], bool] | None = None) -> Path:
        """fit without touching process-wide torch settings (loso_fast sets them once for all folds)."""
        prepared = self.prepare_fit(train, seed=seed, progress=progress)
        started = time.monotonic()
        model, history = self.train_model(
            prepared.x_fit, prepared.y_fit, len(prepared.labels), prepared.params, seed=seed, device=device,
            validation=prepared.validation, progress=lambda f, m: progress(0.3 + 0.65 * f, m), should_stop=should_stop)
        checkpoint = self.save_fit(prepared, model, history, workdir=workdir, device=device,
                                   train_seconds=time.monotonic() - started)
        progress(1.0, f"trained {history['epochs']} epochs ({history.get('trainer', '')})")
        return checkpoint

    def prepare_fit(self, train: Sequence[LabeledClip], *, seed: int, progress: Progress) -> "PreparedFit":
        """The training tensors of one fit: maps, standardised by the training rows' statistics, and targets
        (mlbackend.nets.batched trains the PreparedFit of every fold as one batched model)."""
        import torch

        params = self.settings()
        labels, samples = training_events(self.name, self.labels, train)
        progress(0.0, f"{self.SAMPLE_NAME} of {len(samples)} events")
        started = time.monotonic()
        maps = self.maps([(clip.clip, event.segment) for clip, event in samples], params,
                         lambda f, m: progress(0.3 * f, m))
        maps_seconds = time.monotonic() - started
        maps = maps[:, list(self.CHANNELS)]
        targets = np.asarray([labels.index(event.emotion) for _, event in samples], dtype=np.int64)
        subjects = np.asarray([clip.clip.subject for clip, _ in samples])
        held = self._validation_subjects(sorted(set(subjects)), params, seed)
        fit_rows = ~np.isin(subjects, held)
        mean = maps[fit_rows].mean(axis=(0, 2, 3), dtype=np.float64)
        std = maps[fit_rows].std(axis=(0, 2, 3), dtype=np.float64)
        std = np.where(std > 1e-8, std, 1.0)
        x = torch.from_numpy(((maps - mean[None, :, None, None]) / std[None, :, None, None]).astype(np.float32))
        y = torch.from_numpy(targets)
        validation = (x[~fit_rows], y[~fit_rows]) if held else None
        return PreparedFit(params=params, labels=labels, x_fit=x[fit_rows], y_fit=y[fit_rows], validation=validation,
                           mean=mean, std=std, targets=targets, fit_rows=fit_rows, held=list(held), seed=int(seed),
                           maps_seconds=maps_seconds)

    def fit_events(self, train: Sequence[LabeledClip], seed: int) -> list[tuple[LabeledClip, Event]]:
        """The (clip, event) pairs a fit trains on, in the order of its rows (PreparedFit.x_fit): the labelled
        events less those of the validation subjects."""
        _, samples = training_events(self.name, self.labels, train)
        held = self._validation_subjects(sorted({clip.clip.subject for clip, _ in samples}), self.settings(), seed)
        return [(clip, event) for clip, event in samples if clip.clip.subject not in held]

    def save_fit(self, prepared: "PreparedFit", model, history: dict, *, workdir: Path, device: str,
                 train_seconds: float) -> Path:
        """Write the checkpoint of a trained model and load it."""
        import torch

        params, targets, fit_rows = prepared.params, prepared.targets, prepared.fit_rows
        state = {
            "format": FORMAT, "labels": prepared.labels,
            "model": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
            "mean": torch.from_numpy(prepared.mean), "std": torch.from_numpy(prepared.std),
            "params": {k: params[k] for k in self.DEFAULTS},
            "n_train": int(fit_rows.sum()),
            "class_counts": [int((targets[fit_rows] == k).sum()) for k in range(len(prepared.labels))],
            "validation_subjects": prepared.held, "seed": prepared.seed,
            "history": {"epochs": int(history["epochs"]), "best_epoch": history.get("best_epoch"),
                        "final_loss": float(history["loss"][-1]) if history["loss"] else None,
                        "trainer": history.get("trainer", ""), "train_seconds": round(train_seconds, 3),
                        "maps_seconds": round(prepared.maps_seconds, 3)},
        }
        checkpoint = write_checkpoint(Path(workdir) / f"{self.name}.pt", state)
        self.load(checkpoint, device=device)
        return checkpoint

    @staticmethod
    def _validation_subjects(subjects: list[str], params: dict, seed: int) -> list[str]:
        count = params["val_subjects"]
        if count <= 0:
            return []
        if count >= len(subjects):
            raise PluginError(f"val_subjects={count} leaves no training subject out of {len(subjects)}.")
        rng = np.random.default_rng([seed, 7919])  # its own stream: the torch generator's draws are unchanged
        return sorted(rng.choice(subjects, size=count, replace=False).tolist())

    def build_model(self, n_classes: int, params: dict):
        raise NotImplementedError

    def train_model(self, x, y, n_classes: int, params: dict, *, seed: int, device: str, validation,
                    progress: Progress, should_stop) -> tuple:
        """(trained model on the CPU, history dict): the plain loop; STSTNet adds the fused path."""
        import torch

        from mlbackend.nets.models import default_init
        from mlbackend.nets.train import TrainConfig, plain_step, train_epochs

        generator = torch.Generator().manual_seed(seed)
        model = self.build_model(n_classes, params)
        default_init(model, generator)
        model.to(device)
        config = TrainConfig(params["epochs"], params["batch_size"], params["lr"], params["patience"])
        history = train_epochs(model, len(y), plain_step(model, x.to(device), y.to(device), generator), config,
                               generator, progress=progress, should_stop=should_stop,
                               validation=validation_loss(model, validation, device))
        history["trainer"] = "plain"
        return model.cpu(), history

    # -- inference --------------------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        load_network(self, checkpoint, device)

    def probabilities(self, maps: np.ndarray) -> np.ndarray:
        """Softmax probabilities (n, labels) of raw (n, *SAMPLE_SHAPE) maps."""
        import torch

        from mlbackend.nets.train import predict_proba

        if not hasattr(self, "_model"):
            raise PluginError(f"{self.name}: call load(checkpoint) (or fit) before predict.")
        maps = maps[:, list(self.CHANNELS)]
        x = (maps - self._mean[None, :, None, None]) / self._std[None, :, None, None]
        x = torch.from_numpy(x.astype(np.float32)).to(self._device)
        return predict_proba(self._model, x).cpu().double().numpy()

    def _segments(self, clip: ClipInput) -> tuple[Segment, ...]:
        if clip.segments:
            return clip.segments
        if clip.maps is not None or clip.n_frames == 1:  # one map or one apex image, one sample: nothing to spot
            return (Segment(0, 0, 0),)
        from mlbackend.vision import FaceFrames
        from mlbackend.vision.motion import motion_curve, smooth, smoothing_window, spot_intervals

        faces = FaceFrames(clip, 128)
        curve = smooth(motion_curve(faces, method=SPOT_FLOW), smoothing_window(clip.fps))
        (interval,) = spot_intervals(curve, 0.3, max_events=1)
        return (Segment(interval.onset, interval.apex, interval.offset),)

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        if not hasattr(self, "_model"):
            raise PluginError(f"{self.name}: call load(checkpoint) (or fit) before predict.")
        params = self._loaded_params
        wanted = [(clip, self._segments(clip)) for clip in clips]
        items = [(clip, segment) for clip, segments in wanted for segment in segments]
        probs = self.probabilities(self.maps(items, params)) if items else np.zeros((0, len(self.labels)))
        return segment_predictions(wanted, probs, names=self.labels, field="emotion_probs",
                                   model_version=self.model_version)


def training_events(name: str, labels: Sequence[str], train: Sequence[LabeledClip]) -> tuple[list, list]:
    """(labels, [(clip, event), ...]): the plugin's labels (else every emotion coded in `train`, sorted) and the
    training events labelled with one of them, in order; a PluginError when there are none."""
    labels = list(labels) or sorted({e.emotion for c in train for e in c.events if e.emotion})
    if not labels:
        raise PluginError(f"{name} needs labelled events (an emotion per event) to train.")
    samples = [(clip, event) for clip in train for event in clip.events if event.emotion in labels]
    if not samples:
        raise PluginError(f"{name} found no training event labelled with one of {labels}.")
    return labels, samples


def load_network(plugin, checkpoint: Path, device: str) -> None:
    """Load a network plugin's checkpoint (format FORMAT: labels, model state, per-channel mean and std, params)
    into `plugin`, whose build_model makes the network: sets labels, _model, _device, _mean, _std,
    _loaded_params, state and model_version."""
    state = read_checkpoint(checkpoint, device="cpu")
    if state.get("format") != FORMAT or "model" not in state:
        raise PluginError(f"{checkpoint} is not a {plugin.name} checkpoint of format {FORMAT}.")
    plugin.labels = tuple(state["labels"])
    params = {**plugin.DEFAULTS, **state["params"]}
    model = plugin.build_model(len(plugin.labels), params)
    model.load_state_dict(state["model"])
    model.eval()
    plugin._model, plugin._device, plugin._loaded_params = model.to(device), device, params
    plugin._mean, plugin._std = state["mean"].numpy(), state["std"].numpy()
    plugin.state = state
    plugin.model_version = model_version(plugin.name, plugin.version, checkpoint)


def typed_params(name: str, defaults: dict, given: dict) -> dict:
    """The defaults overridden by `given`, each value of its default's type (strings such as "true" or "0.5", from
    the CLI or a form, converted); an unknown name or a value that does not convert is a PluginError."""
    unknown = set(given) - set(defaults)
    if unknown:
        raise PluginError(f"{name} does not know the parameters {sorted(unknown)}; it takes {sorted(defaults)}.")
    params = {**defaults, **given}
    for key, default in defaults.items():
        value = params[key]
        try:
            if isinstance(default, bool):
                if isinstance(value, str):
                    value = value.strip().lower() in ("1", "true", "yes", "on")
                params[key] = bool(value)
            elif isinstance(default, int):
                params[key] = int(value)
            elif isinstance(default, float):
                params[key] = float(value)
            else:
                params[key] = str(value)
        except (TypeError, ValueError):
            raise PluginError(f"{name}: parameter {key}={value!r} is not a {type(default).__name__}.") from None
    return params


def validation_loss(model, validation, device: str):
    """A callable: cross-entropy of the model (eval mode) on the validation maps, or None without any."""
    if validation is None:
        return None
    import torch.nn.functional as F

    x_val, y_val = validation[0].to(device), validation[1].to(device)
    return lambda: F.cross_entropy(model(x_val), y_val)
