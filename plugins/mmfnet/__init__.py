"""mmfnet: Meta-MMFNet (Gong, Zhang, Wang, Cheng, Gonzàlez, "Meta-MMFNet: Meta-Learning-based Multi-model
Fusion Network for Micro-expression Recognition", ACM TOMM 20(2), 2023, doi:10.1145/3539576; code
wenjgong/meta-fusion-based-method).

As in the paper: (1) feature fusion: an optical-flow stream and a frame-difference stream
(inputs.py) fused into one embedding f(x) (network.py); (2) metric-based meta-learning: class
prototypes w_c = mean embedding of the support samples of class c, p(c|x) = softmax_c <f(x), w_c>
(metric "dot", the default) or softmax_c(-||f(x) - w_c||^2) ("euclidean"), trained over episodes
(episodes.py): the fusion layer and both streams learn through the prototype loss; (3) model fusion:
a micro model and a macro model of the same shape, logits micro + alpha * macro (for "euclidean":
-(d_micro + alpha d_macro)).

Micro model: the training events that are not of kind "macro", `epochs` episodes from PyTorch's
default initialisation. Macro model (`macro: true`): pretrained for `macro_epochs` episodes on
macro-expression samples (macro.py: the training clips' macro events and the synthetic generator's
macro mode rendered on training faces; the paper used a macro-expression dataset), then meta-trained
on the micro events for `epochs` episodes as the release does. Both models' prototypes are the mean
embeddings (evaluation mode) of all micro training samples of each class. alpha is fixed (0.5, the
middle of the release's grid 0.1..1.0, which it searched on a test subject): nothing of a test
subject picks anything. No macro sample of two classes or more (labels the generator does not
render and no macro events, or a map set without macro events): the micro model alone, and the
progress message says so. `macro: false` gives the micro-only model.

Map sets (ClipInput.maps: u, v, strain, no frames): the flow stream alone reads u, v, strain, with
no frame-difference stream; fit says so in its progress messages. A model predicts on the kind of
sample it was trained on; a mixture, or the other kind, is refused (PluginError).

Training (honest, fixed episode counts): maps standardised per channel with the micro training
set's mean and std (the macro samples, at another intensity, with their own during pretraining);
horizontal-flip augmentation (u negated); Adam. Seeded: one torch.Generator per model draws its
weights and episodes; one torch thread and deterministic algorithms: the same data and seed give the
same checkpoint on a CPU. Checkpoint: tensors, numbers and strings only (torch.load(weights_only=True)).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlbackend.sdk import (
    CLIPS, EMOTION, MAPS, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, Progress, Segment,
    model_version, read_checkpoint, register, segment_predictions, write_checkpoint,
)

from plugins.mmfnet.inputs import FLOW_ONLY, sample_kind, sample_maps
from plugins.mmfnet.macro import MACRO, generator_classes, synthetic_macro
from plugins.mmfnet.network import build_network, fused_logits, prototype_logits

FORMAT = 2
DEFAULTS = {
    "size": 32,  # side of the input maps
    "width": 8,  # channels of the first conv block (then 2w, 2w)
    "dim": 32,  # embedding dimension
    "metric": "dot",  # "dot": <f, w_c> (the paper's); "euclidean": -||f - w_c||^2
    "epochs": 80,  # episodes of the micro model, and of the macro model's meta-training
    "lr": 3e-3,
    "weight_decay": 1e-4,
    "flow": "dis",
    "flip": True,  # augment training with mirrored samples (u negated)
    "threads": 1,
    "macro": True,  # the macro model and the fusion micro + alpha * macro
    "alpha": 0.5,  # weight of the macro model's logits
    "macro_epochs": 80,  # pretraining episodes on the macro samples
    "macro_faces": 16,  # training faces the generator's macro mode renders on (one sample per class each)
}
BOOLEANS = ("flip", "macro")
INTEGERS = ("size", "width", "dim", "epochs", "threads", "macro_epochs", "macro_faces")
ABSENT_LOGIT = -30.0
SAMPLE_WORDS = {CLIPS: "clips of frames", MAPS: "precomputed flow maps"}


def stream_seed(seed: int, stream: int) -> int:
    """An independent torch seed per model (micro 0, macro 1) from the run's seed."""
    return int(np.random.SeedSequence([seed, stream]).generate_state(1)[0])


def with_mirrored(maps: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The samples and their mirror images (flipped left-right, u negated)."""
    mirrored = maps[:, :, :, ::-1].copy()
    mirrored[:, 0] *= -1
    return np.concatenate([maps, mirrored]), np.concatenate([targets, targets])


def channel_stats(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean = maps.mean(axis=(0, 2, 3), dtype=np.float64)
    std = maps.std(axis=(0, 2, 3), dtype=np.float64)
    return mean, np.where(std > 1e-8, std, 1.0)


def standardised(maps: np.ndarray, mean: np.ndarray, std: np.ndarray):
    import torch

    return torch.from_numpy(((maps - mean[None, :, None, None]) / std[None, :, None, None]).astype(np.float32))


@register
class MMFNetPlugin(Plugin):
    name = "mmfnet"
    version = "2.0"
    capabilities = frozenset({EMOTION})
    inputs = frozenset({CLIPS, MAPS})
    description = ("Meta-MMFNet: optical-flow and frame-difference streams fused into an embedding, prototype "
                   "meta-learning over episodes, micro model + alpha x macro model (macro pretrained on the "
                   "synthetic generator's macro-expressions on training faces and the clips' macro events); "
                   "on precomputed map sets the flow stream alone (no frame difference). Fixed episodes.")
    requires = ("cv2", "torch")
    DEFAULTS = DEFAULTS

    def settings(self) -> dict:
        unknown = set(self.params) - set(DEFAULTS)
        if unknown:
            raise PluginError(f"mmfnet does not know the parameters {sorted(unknown)}; it takes {sorted(DEFAULTS)}.")
        params = {**DEFAULTS, **self.params}
        try:
            for key in INTEGERS:
                params[key] = int(params[key])
            for key in ("lr", "weight_decay", "alpha"):
                params[key] = float(params[key])
            for key in BOOLEANS:
                params[key] = str(params[key]).strip().lower() in ("1", "true", "yes", "on")
            params["metric"], params["flow"] = str(params["metric"]), str(params["flow"])
        except (TypeError, ValueError) as exc:
            raise PluginError(f"mmfnet: bad parameter ({exc}).") from None
        if params["metric"] not in ("dot", "euclidean"):
            raise PluginError("mmfnet: metric is 'dot' or 'euclidean'.")
        if (params["size"] < 8 or params["width"] < 1 or params["dim"] < 2 or params["epochs"] < 1
                or params["macro_epochs"] < 1 or params["lr"] <= 0):
            raise PluginError("mmfnet: size >= 8, width >= 1, dim >= 2, epochs >= 1, macro_epochs >= 1 and lr > 0, "
                              "please.")
        if params["alpha"] < 0 or params["macro_faces"] < 0:
            raise PluginError("mmfnet: alpha >= 0 and macro_faces >= 0, please.")
        return params

    # -- training -------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        from mlbackend.sdk.nets import deterministic

        from plugins.mmfnet.episodes import class_prototypes

        params = self.settings()
        labels = list(self.labels) or sorted({e.emotion for c in train for e in c.events if e.emotion})
        kind = sample_kind([c.clip for c in train])
        samples = [(c.clip, e) for c in train for e in c.events if e.emotion in labels and e.kind != MACRO]
        if not samples:
            raise PluginError(f"mmfnet found no training micro-expression labelled with one of "
                              f"{labels or 'any emotion'}.")
        progress(0.0, f"maps of {len(samples)} events" + (f"; {FLOW_ONLY}" if kind == MAPS else ""))
        maps = sample_maps([(clip, e.segment) for clip, e in samples], kind, params["size"], params["flow"],
                           lambda f, m: progress(0.3 * f, m))
        targets = np.asarray([labels.index(e.emotion) for _, e in samples], dtype=np.int64)
        macro, note = (self.macro_samples(train, labels, kind, params, seed, progress) if params["macro"]
                       else (None, "macro: false, micro model only"))
        progress(0.45, note)
        mean, std = channel_stats(with_mirrored(maps, targets)[0] if params["flip"] else maps)
        x, y = self.training_tensors(maps, targets, mean, std, params["flip"])
        with deterministic(threads=params["threads"] or None):
            micro, losses = self.meta_trained(None, x, y, len(labels), kind, params, stream_seed(seed, 0), device,
                                              lambda f, m: progress(0.45 + 0.2 * f, f"micro model: {m}"))
            prototypes, present = class_prototypes(micro, x, y, len(labels), device)
            macro_state = {}
            if macro is not None:
                model, pre, meta = self.macro_model(macro, x, y, len(labels), kind, params, seed, device,
                                                    lambda f, m: progress(0.65 + 0.3 * f, f"macro model: {m}"))
                macro_prototypes, _ = class_prototypes(model, x, y, len(labels), device)
                macro_state = {"model": model.cpu().state_dict(), "prototypes": macro_prototypes,
                               "pretrain_loss": pre[-1] if pre else 0.0, "final_loss": meta[-1] if meta else 0.0,
                               "n_samples": len(macro[1])}
        state = {
            "format": FORMAT, "labels": labels, "input": kind,
            "model": {k: v.detach().cpu().clone() for k, v in micro.cpu().state_dict().items()},
            "prototypes": prototypes, "present": self.tensor(np.asarray(present)),
            "macro": {k: ({n: t.detach().clone() for n, t in v.items()} if k == "model" else v)
                      for k, v in macro_state.items()},
            "macro_note": note, "mean": self.tensor(mean), "std": self.tensor(std),
            "params": {k: params[k] for k in DEFAULTS}, "n_train": len(samples),
            "class_counts": [int((targets == k).sum()) for k in range(len(labels))],
            "final_loss": losses[-1] if losses else 0.0, "seed": int(seed),
        }
        checkpoint = write_checkpoint(Path(workdir) / "mmfnet.pt", state)
        self.load(checkpoint, device=device)
        streams = "flow stream only (map samples)" if kind == MAPS else "flow + frame-difference streams"
        models = "micro + alpha x macro models" if macro_state else "micro model only"
        progress(1.0, f"trained {params['epochs']} episodes: {streams}, {models}")
        return checkpoint

    @staticmethod
    def tensor(array: np.ndarray):
        import torch

        return torch.from_numpy(np.ascontiguousarray(array))

    def training_tensors(self, maps: np.ndarray, targets: np.ndarray, mean: np.ndarray, std: np.ndarray, flip: bool):
        """(x, y): the standardised samples (and their mirror images with `flip`) and their targets."""
        if flip:
            maps, targets = with_mirrored(maps, targets)
        return standardised(maps, mean, std), self.tensor(targets)

    def macro_samples(self, train, labels, kind: str, params: dict, seed: int, progress: Progress):
        """((maps, targets) of the macro set, or None when it has fewer than two classes; a note saying which)."""
        events = [(c.clip, e) for c in train for e in c.events if e.emotion in labels and e.kind == MACRO]
        maps = [sample_maps([(clip, e.segment) for clip, e in events], kind, params["size"], params["flow"])]
        targets = [np.asarray([labels.index(e.emotion) for _, e in events], dtype=np.int64)]
        rendered = 0
        if kind == CLIPS and params["macro_faces"]:
            more, more_targets = synthetic_macro(train, labels, limit=params["macro_faces"], seed=seed,
                                                 size=params["size"], flow=params["flow"],
                                                 progress=lambda f, m: progress(0.3 + 0.15 * f, m))
            maps.append(more)
            targets.append(more_targets)
            rendered = len(more_targets)
        maps, targets = np.concatenate(maps), np.concatenate(targets)
        counts = f"{len(events)} macro events, {rendered} rendered macro-expressions"
        if len(set(targets.tolist())) < 2:
            why = ("; a map set has no faces to render macro-expressions on" if kind == MAPS else
                   "" if generator_classes(labels) else
                   f"; the generator renders positive, negative, surprise, not {', '.join(labels)}")
            return None, f"macro samples of fewer than two classes ({counts}{why}): micro model only"
        return (maps, targets), f"macro model on {counts}"

    @staticmethod
    def meta_trained(model, x, y, n_classes: int, kind: str, params: dict, seed: int, device: str,
                     progress: Progress, epochs: int | None = None):
        """(model, losses): `model` (a new one initialised from `seed` when None) trained over episodes of (x, y)."""
        import torch

        from mlbackend.sdk.nets import default_init

        from plugins.mmfnet.episodes import train_episodes

        generator = torch.Generator().manual_seed(seed)
        if model is None:
            model = build_network(params["width"], params["dim"], difference=kind == CLIPS)
            default_init(model, generator)
        model.to(device)
        losses = train_episodes(model, x, y, n_classes, epochs=epochs or params["epochs"], lr=params["lr"],
                                weight_decay=params["weight_decay"], metric=params["metric"], generator=generator,
                                device=device, progress=progress)
        return model, losses

    def macro_model(self, macro, x, y, n_classes: int, kind: str, params: dict, seed: int, device: str,
                    progress: Progress):
        """(model, pretraining losses, meta-training losses): pretrained on the macro samples (standardised by
        their own statistics: they move 2-20 times more), then meta-trained on the micro samples (x, y)."""
        maps, targets = macro
        mean, std = channel_stats(with_mirrored(maps, targets)[0] if params["flip"] else maps)
        macro_x, macro_y = self.training_tensors(maps, targets, mean, std, params["flip"])
        model, pre = self.meta_trained(None, macro_x, macro_y, n_classes, kind, params, stream_seed(seed, 1), device,
                                       lambda f, m: progress(0.5 * f, f"pretraining, {m}"),
                                       epochs=params["macro_epochs"])
        model, meta = self.meta_trained(model, x, y, n_classes, kind, params, stream_seed(seed, 2), device,
                                        lambda f, m: progress(0.5 + 0.5 * f, f"meta-training, {m}"))
        return model, pre, meta

    # -- inference ------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        state = read_checkpoint(checkpoint, device="cpu")
        if state.get("format") != FORMAT or "prototypes" not in state:
            raise PluginError(f"{checkpoint} is not an mmfnet checkpoint of format {FORMAT}.")
        params = {**DEFAULTS, **state["params"]}
        self._input = state["input"]
        self._models = [self._network(state["model"], state["prototypes"], params, device)]
        if state["macro"]:
            self._models.append(self._network(state["macro"]["model"], state["macro"]["prototypes"], params, device))
        self._present = state["present"].bool().to(device)
        self._mean, self._std = state["mean"].numpy(), state["std"].numpy()
        self._loaded_params, self._device = params, device
        self.labels = tuple(state["labels"])
        self.state = state
        self.model_version = model_version(self.name, self.version, checkpoint)

    def _network(self, weights: dict, prototypes, params: dict, device: str) -> tuple:
        model = build_network(int(params["width"]), int(params["dim"]), difference=self._input == CLIPS)
        model.load_state_dict(weights)
        return model.eval().to(device), prototypes.float().to(device)

    def logits(self, maps: np.ndarray) -> list:
        """The prototype logits of each model (micro, then macro when trained) for raw maps."""
        import torch

        x = standardised(maps, self._mean, self._std).to(self._device)
        with torch.no_grad():
            return [prototype_logits(model(x), prototypes, self._loaded_params["metric"])
                    for model, prototypes in self._models]

    def probabilities(self, maps: np.ndarray) -> np.ndarray:
        import torch

        logits = self.logits(maps)
        fused = fused_logits(logits[0], logits[1] if len(logits) > 1 else None, self._loaded_params["alpha"])
        present = self._present[None, :]
        best = fused.masked_fill(~present, float("-inf")).max(dim=1, keepdim=True).values
        fused = torch.where(present, fused, best + ABSENT_LOGIT)  # a label absent from training never wins
        return torch.softmax(fused.double(), dim=1).cpu().numpy()

    def _segments(self, clip: ClipInput) -> tuple[Segment, ...]:
        if clip.segments:
            return clip.segments
        if clip.maps is not None:  # one map, one sample: nothing to spot
            return (Segment(0, 0, 0),)
        from mlbackend.sdk.vision import FaceFrames, motion_curve, smooth, smoothing_window, spot_intervals

        curve = smooth(motion_curve(FaceFrames(clip, 128), method="dis"), smoothing_window(clip.fps))
        (interval,) = spot_intervals(curve, 0.3, max_events=1)
        return (Segment(interval.onset, interval.apex, interval.offset),)

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        if not hasattr(self, "_models"):
            raise PluginError("mmfnet: call load(checkpoint) (or fit) before predict.")
        if not clips:
            return []
        kind = sample_kind(clips)
        if kind != self._input:
            raise PluginError(f"mmfnet: this model was trained on {SAMPLE_WORDS[self._input]} and cannot predict "
                              f"{SAMPLE_WORDS[kind]}; train one on {SAMPLE_WORDS[kind]}.")
        wanted = [(clip, self._segments(clip)) for clip in clips]
        items = [(clip, segment) for clip, segments in wanted for segment in segments]
        params = self._loaded_params
        probs = self.probabilities(sample_maps(items, kind, params["size"], params["flow"]))
        return segment_predictions(wanted, probs, names=self.labels, field="emotion_probs",
                                   model_version=self.model_version)
