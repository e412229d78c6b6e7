"""flow_svm: the classical micro-expression emotion baseline.

For each segment (onset -> apex; a missing apex means the middle frame) it computes dense
optical flow (DIS) between the grey, 128 x 128 face at onset and at apex, with the head's
translation taken out (mlbackend.vision.face_flow: phase-correlation stabilisation, then the
flow's median subtracted; a rigid shift of the whole face is not an expression), describes it with
histograms of oriented optical flow (HOOF) on a 6 x 6 face grid plus the mean flow magnitude
of each cell (relative to the face's largest cell), standardises the features (by
sqrt(std^2 + scale_floor^2): a feature that hardly varies in training must not explode on a
new face) and applies a linear SVM (scikit-learn LinearSVC, one-vs-rest, class_weight="balanced").

Probabilities: softmax of the SVM decision values divided by `temperature` (default 1);
uncalibrated (mlbackend.sdk.fit_linear_svm says why and how two classes are handled).

The checkpoint holds only arrays and numbers (labels, mean, scale, coef, intercept and the
feature parameters); `predict` rebuilds decision = x @ coef.T + intercept with numpy, so
no scikit-learn object is ever pickled.

Segments given to `predict` are classified in order. A clip without segments is classified
on one interval spotted from its motion against the first frame (see mlbackend.vision.motion).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlbackend.sdk import (
    EMOTION, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, Progress, fit_linear_svm, model_version,
    read_checkpoint, register, segment_predictions, softmax, write_checkpoint,
)
from mlbackend.sdk.vision import (
    FEATURE_DEFAULTS, FEATURE_KEYS, FaceFrames, float64_tensor, segment_features, segments_or_spotted,
)

FORMAT = 1
DEFAULTS = {
    **FEATURE_DEFAULTS,
    "C": 1.0,  # SVM regularisation
    "temperature": 1.0,  # softmax(decision / temperature)
    "max_iter": 10000,
    "scale_floor": 0.05,  # standardise by sqrt(std^2 + floor^2): features of [0, 1] that barely vary in training
}

@register
class FlowSvmPlugin(Plugin):
    name = "flow_svm"
    version = "1.0"
    capabilities = frozenset({EMOTION})
    description = "Optical flow (DIS) onset->apex, HOOF on a face grid, linear SVM. Emotion only."
    requires = ("cv2", "sklearn", "torch")

    def _params(self) -> dict:
        unknown = set(self.params) - set(DEFAULTS)
        if unknown:
            raise PluginError(f"flow_svm does not know the parameters {sorted(unknown)}; "
                              f"it takes {sorted(DEFAULTS)}.")
        params = {**DEFAULTS, **self.params}
        for key in ("grid", "bins", "size", "max_iter"):
            params[key] = int(params[key])
        for key in ("C", "temperature", "scale_floor"):
            params[key] = float(params[key])
        for key in ("magnitude", "stabilise", "remove_global"):
            params[key] = bool(params[key])
        params["flow"] = str(params["flow"])
        if params["temperature"] <= 0 or params["C"] <= 0 or params["scale_floor"] <= 0:
            raise PluginError("flow_svm: C, temperature and scale_floor must be positive.")
        return params

    # -- training -------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        params = self._params()
        labels = list(self.labels) or sorted({e.emotion for c in train for e in c.events if e.emotion})
        if not labels:
            raise PluginError("flow_svm needs labelled events (an emotion per event) to train.")
        n_samples = sum(event.emotion in labels for clip in train for event in clip.events)
        if not n_samples:
            raise PluginError(f"flow_svm found no training event labelled with one of {labels}.")
        progress(0.0, f"extracting flow features of {n_samples} events")
        features, targets = [], []
        for clip in train:
            events = [event for event in clip.events if event.emotion in labels]
            if not events:
                continue
            faces = FaceFrames(clip.clip, params["size"])  # one clip's frames cached at a time
            for event in events:
                features.append(segment_features(faces, event.segment, params))
                targets.append(labels.index(event.emotion))
                if len(targets) % 10 == 0 or len(targets) == n_samples:
                    progress(0.8 * len(targets) / n_samples, f"features {len(targets)}/{n_samples}")
        x, y = np.vstack(features), np.asarray(targets)
        mean = x.mean(axis=0)
        scale = np.sqrt(x.std(axis=0) ** 2 + params["scale_floor"] ** 2)
        progress(0.85, f"fitting a linear SVM on {len(y)} events, {x.shape[1]} features")
        coef, intercept = fit_linear_svm((x - mean) / scale, y, len(labels), C=params["C"], seed=seed,
                                         max_iter=params["max_iter"])
        state = {
            "format": FORMAT, "labels": labels,
            "mean": float64_tensor(mean), "scale": float64_tensor(scale), "coef": float64_tensor(coef), "intercept": float64_tensor(intercept),
            "params": {k: params[k] for k in FEATURE_KEYS + ("C", "temperature", "scale_floor")},
            "n_train": int(len(y)), "class_counts": [int((y == k).sum()) for k in range(len(labels))],
            "seed": int(seed),
        }
        checkpoint = write_checkpoint(Path(workdir) / "flow_svm.pt", state)
        self.load(checkpoint, device=device)
        progress(1.0, "trained")
        return checkpoint

    # -- inference ------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        state = read_checkpoint(checkpoint, device="cpu")
        if state.get("format") != FORMAT:
            raise PluginError(f"{checkpoint} is not a flow_svm checkpoint of format {FORMAT}.")
        self.state = state
        self.labels = tuple(state["labels"])
        self._arrays = {key: state[key].double().numpy() for key in ("mean", "scale", "coef", "intercept")}
        self._feature_params = dict(state["params"])
        self.model_version = model_version(self.name, self.version, checkpoint)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        a = self._arrays
        decision = ((np.atleast_2d(features) - a["mean"]) / a["scale"]) @ a["coef"].T + a["intercept"]
        return softmax(decision / self._feature_params["temperature"])

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        if not hasattr(self, "_arrays"):
            raise PluginError("flow_svm: call load(checkpoint) (or fit) before predict.")
        wanted, features = [], []
        for clip in clips:
            faces = FaceFrames(clip, self._feature_params["size"])
            segments = segments_or_spotted(clip, faces, self._feature_params["flow"])
            wanted.append((clip, segments))
            features.extend(segment_features(faces, segment, self._feature_params) for segment in segments)
        probs = self.probabilities(np.vstack(features)) if features else np.zeros((0, len(self.labels)))
        return segment_predictions(wanted, probs, names=self.labels, field="emotion_probs", model_version=self.model_version)

