"""dwld_dbn: double Weber local descriptor + deep belief network (after Hao & Tian 2017).

Published (models.md §11; the Xie survey): DWLD for local texture, a DBN for global features,
evaluated on AFEE; the sizes, scales, grid, schedule and protocol are not verified. Our choices:

- Descriptor (dwld.py here): the Weber local descriptor at two scales (3 x 3 and 5 x 5 rings):
  differential excitation in `bands` (6) bands x gradient orientation in `orientations` (8)
  directions, one joint histogram per block of a `grid` x `grid` (5 x 5) split and per scale:
  2 x 25 x 48 = 2,400 features per image, on the grey `size` (128) px face (FaceFrames).
- Input per segment, `input`: "difference" (default) describes the onset -> apex difference image
  (apex - onset + 128, clipped to 0..255: mid-grey where nothing changed), "apex" the apex face
  alone (a missing apex is the middle frame). The apex texture alone mostly tells who the person
  is; the difference image keeps what the expression changed. On the synthetic set (LOSO, linear
  SVM on the descriptor) the difference image gave UF1 0.65, the apex alone 0.43 and the difference
  of the two faces' histograms 0.52, hence the default.
- Features standardised with the training set's mean and sqrt(std^2 + 0.01^2) (a Gaussian visible
  layer wants unit variance).
- DBN (dbn.py here): `hidden` (500, 100) sigmoid units; layer 1 a Gaussian-Bernoulli RBM, layer 2
  Bernoulli-Bernoulli; CD-1 greedy pretraining, `pretrain_epochs` (50) per layer, lr 0.01 (0.001
  for the Gaussian layer), momentum 0.5 -> 0.9, weight decay 2e-4, batch 10; then a softmax layer
  and backpropagation through the stack: cross-entropy, SGD lr 0.1 momentum 0.9, batch 10,
  `epochs` (100) fixed. 1,250,903 parameters for 3 classes (asserted in the tests).
- Trained on the CPU whatever the device (a small network on a few hundred samples), deterministic:
  every draw from one generator seeded by `seed` (inside torch.random.fork_rng: the process's RNG
  is untouched), one thread, deterministic algorithms.

The checkpoint holds tensors and numbers only (the classifier's state dict, mean, scale, labels,
params, the RBMs' reconstruction errors and the fine-tuning losses). A label absent from
training never wins (its logit is set far below the best). A clip without segments is classified
on the one movement its motion curve shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlbackend.sdk import (
    ABSENT_LOGIT, EMOTION, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, Progress, Segment,
    model_version, read_checkpoint, register, segment_predictions, softmax, write_checkpoint,
)

FORMAT = 1
FEATURE_DEFAULTS = {"grid": 5, "bands": 6, "orientations": 8, "size": 128, "input": "difference"}
DEFAULTS = {
    **FEATURE_DEFAULTS,
    "hidden": "500,100",  # hidden layer sizes, comma-separated
    "pretrain_epochs": 50,
    "pretrain_lr": 0.01,  # Bernoulli layers; the Gaussian layer takes a tenth of it
    "epochs": 100,  # fine-tuning
    "lr": 0.1,
    "momentum": 0.9,
    "weight_decay": 2e-4,  # RBM pretraining
    "batch": 10,
    "threads": 1,
}
SCALE_FLOOR = 0.01
INPUTS = ("difference", "apex")


def settings(params: dict) -> dict:
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise PluginError(f"dwld_dbn does not know the parameters {sorted(unknown)}; it takes {sorted(DEFAULTS)}.")
    merged = {**DEFAULTS, **params}
    try:
        for key in ("grid", "bands", "orientations", "size", "pretrain_epochs", "epochs", "batch", "threads"):
            merged[key] = int(merged[key])
        for key in ("pretrain_lr", "lr", "momentum", "weight_decay"):
            merged[key] = float(merged[key])
        hidden = merged["hidden"]
        hidden = [int(n) for n in (hidden.split(",") if isinstance(hidden, str) else hidden)]
        merged["hidden"] = ",".join(str(n) for n in hidden)
    except (TypeError, ValueError) as exc:
        raise PluginError(f"dwld_dbn: bad parameter ({exc}).") from None
    merged["input"] = str(merged["input"])
    if merged["input"] not in INPUTS:
        raise PluginError(f"dwld_dbn: input is one of {INPUTS}.")
    if not hidden or min(hidden) < 1 or min(merged["bands"], merged["orientations"], merged["grid"]) < 1:
        raise PluginError("dwld_dbn: at least one hidden layer; hidden sizes, bands, orientations and grid >= 1.")
    if merged["size"] < 4 + merged["grid"]:
        raise PluginError("dwld_dbn: the face is too small for the grid (the 5 x 5 ring leaves a 2 px border).")
    if min(merged["pretrain_epochs"], merged["epochs"]) < 0 or merged["batch"] < 1 \
            or min(merged["lr"], merged["pretrain_lr"]) <= 0:
        raise PluginError("dwld_dbn: epochs >= 0, batch >= 1, learning rates > 0.")
    return merged


def hidden_sizes(params: dict) -> list[int]:
    return [int(n) for n in params["hidden"].split(",")]


def event_image(faces, segment: Segment, kind: str) -> np.ndarray:
    """The image described: the apex face, or the onset -> apex difference around mid-grey."""
    from mlbackend.sdk.vision import segment_apex

    apex = faces[faces.clamp(segment_apex(segment))].astype(np.float64)
    if kind == "apex":
        return apex
    return np.clip(apex - faces[faces.clamp(segment.onset)] + 128.0, 0.0, 255.0)


def event_features(faces, segment: Segment, params: dict) -> np.ndarray:
    from plugins.dwld_dbn.dwld import dwld_features

    image = event_image(faces, segment, params["input"])
    return dwld_features(image, params["grid"], params["bands"], params["orientations"])


@register
class DwldDbnPlugin(Plugin):
    name = "dwld_dbn"
    version = "1.0"
    capabilities = frozenset({EMOTION})
    description = ("Double Weber local descriptor (two scales, 5x5 blocks) of the onset->apex difference image, deep "
                   "belief network (CD-1 pretrained RBMs, fine-tuned softmax); fixed epochs.")
    requires = ("cv2", "torch")
    SMOKE_PARAMS = {"hidden": "32,16", "pretrain_epochs": 5, "epochs": 10, "size": 64}

    @staticmethod
    def features(items: Sequence[tuple[ClipInput, Segment]], params: dict, progress: Progress | None = None
                 ) -> np.ndarray:
        from mlbackend.sdk.vision import describe_segments

        return describe_segments(items, params["size"], lambda faces, segment: event_features(faces, segment, params),
                                 progress)

    # -- training -------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        import torch

        from mlbackend.sdk.nets import deterministic

        params = settings(self.params)
        labels = list(self.labels) or sorted({e.emotion for c in train for e in c.events if e.emotion})
        samples = [(clip, event) for clip in train for event in clip.events if event.emotion in labels]
        if not samples:
            raise PluginError(f"dwld_dbn found no training event labelled with one of {labels or 'any emotion'}.")
        progress(0.0, f"DWLD of {len(samples)} events")
        x = self.features([(clip.clip, event.segment) for clip, event in samples], params,
                          lambda f, m: progress(0.3 * f, m))
        y = np.asarray([labels.index(event.emotion) for _, event in samples], dtype=np.int64)
        mean = x.mean(axis=0)
        scale = np.sqrt(x.std(axis=0) ** 2 + SCALE_FLOOR ** 2)
        with deterministic(threads=params["threads"] or None), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model, curves, losses = self._train((x - mean) / scale, y, len(labels), params, seed, progress)
        state = {
            "format": FORMAT, "labels": labels,
            "model": {k: v.detach().clone() for k, v in model.state_dict().items()},
            "present": torch.tensor([bool((y == k).any()) for k in range(len(labels))]),
            "mean": torch.from_numpy(mean), "scale": torch.from_numpy(scale),
            "params": {k: params[k] for k in DEFAULTS}, "n_train": len(samples),
            "class_counts": [int((y == k).sum()) for k in range(len(labels))],
            "rbm_errors": [torch.tensor(curve, dtype=torch.float64) for curve in curves],
            "losses": torch.tensor(losses, dtype=torch.float64), "seed": int(seed),
        }
        checkpoint = write_checkpoint(Path(workdir) / "dwld_dbn.pt", state)
        self.load(checkpoint, device=device)
        progress(1.0, f"pretrained {len(curves)} RBMs, fine-tuned {params['epochs']} epochs")
        return checkpoint

    @staticmethod
    def _train(x: np.ndarray, y: np.ndarray, n_classes: int, params: dict, seed: int, progress: Progress):
        import torch

        from plugins.dwld_dbn.dbn import build_classifier, fine_tune, pretrain

        generator = torch.Generator().manual_seed(seed)
        hidden = hidden_sizes(params)
        model = build_classifier(x.shape[1], hidden, n_classes)  # output layer: default init, seeded
        inputs, targets = torch.from_numpy(x.astype(np.float32)), torch.from_numpy(y)
        epochs, every = params["epochs"], max(1, params["epochs"] // 20)

        def pretrained(layer: int, errors: list[float]) -> None:
            error = f"{errors[-1]:.4f}" if errors else "-"
            progress(0.3 + 0.3 * layer / len(hidden), f"RBM {layer}/{len(hidden)}: reconstruction error {error}")

        def tuned(epoch: int, loss: float) -> None:
            if epoch % every == 0:
                progress(0.6 + 0.35 * epoch / epochs, f"fine-tuning epoch {epoch}/{epochs}, loss {loss:.4f}")

        curves = pretrain(model, inputs, epochs=params["pretrain_epochs"], lr=params["pretrain_lr"],
                          batch=params["batch"], weight_decay=params["weight_decay"], generator=generator,
                          progress=pretrained)
        losses = fine_tune(model, inputs, targets, epochs=epochs, lr=params["lr"], momentum=params["momentum"],
                           batch=params["batch"], generator=generator, progress=tuned)
        return model, curves, losses

    # -- inference ------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        from plugins.dwld_dbn.dbn import build_classifier

        state = read_checkpoint(checkpoint, device="cpu")
        if state.get("format") != FORMAT or "model" not in state:
            raise PluginError(f"{checkpoint} is not a dwld_dbn checkpoint of format {FORMAT}.")
        params = {**DEFAULTS, **state["params"]}
        model = build_classifier(int(state["mean"].shape[0]), hidden_sizes(params), len(state["labels"]))
        model.load_state_dict(state["model"])
        model.eval()
        self._model, self._device = model.to(device), device
        self._present = state["present"].bool().numpy()
        self._mean, self._scale = state["mean"].numpy(), state["scale"].numpy()
        self._loaded_params = params
        self.labels = tuple(state["labels"])
        self.state = state
        self.model_version = model_version(self.name, self.version, checkpoint)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        import torch

        x = torch.from_numpy(((np.atleast_2d(features) - self._mean) / self._scale).astype(np.float32))
        with torch.no_grad():
            logits = self._model(x.to(self._device)).double().cpu().numpy()
        best = np.where(self._present[None, :], logits, -np.inf).max(axis=1, keepdims=True)
        return softmax(np.where(self._present[None, :], logits, best + ABSENT_LOGIT))  # an absent label never wins

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        if not hasattr(self, "_model"):
            raise PluginError("dwld_dbn: call load(checkpoint) (or fit) before predict.")
        from mlbackend.sdk.vision import FaceFrames, segments_or_spotted

        wanted = [(clip, segments_or_spotted(clip, FaceFrames(clip, self._loaded_params["size"]), "dis"))
                  for clip in clips]
        items = [(clip, segment) for clip, segments in wanted for segment in segments]
        probs = self.probabilities(self.features(items, self._loaded_params)) if items \
            else np.zeros((0, len(self.labels)))
        return segment_predictions(wanted, probs, names=self.labels, field="emotion_probs",
                                   model_version=self.model_version)
