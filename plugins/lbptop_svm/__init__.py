"""lbptop_svm: LBP-TOP + linear SVM, the classical floor of micro-expression recognition.

The MEGC2019 baseline (composite UF1 .588 / UAR .579, protocols.md) after Zhao & Pietikäinen
(IEEE TPAMI 2007) and the CASME II baseline (Yan et al. 2014): LBP-TOP on a 5 x 5 block grid of
the face, radii R_x = R_y = 1, R_t = 4, 8 neighbours per plane, uniform patterns (59 bins per
plane), histograms concatenated (5 x 5 x 3 x 59 = 4,425 features), linear SVM.

Per segment: the grey face (`size` px, mlbackend.sdk.vision.FaceFrames) from onset to offset,
resampled to a fixed `frames` (20) evenly spaced times by linear interpolation between the nearest
frames: a fixed length in place of the temporal interpolation model (TIM) some baselines use, so
that R_t = 4 spans the same share of every movement whatever its length and the camera's frame
rate. LBP-TOP as in lbptop.py here. The histograms go to the SVM as they are (no standardisation:
they are already on one scale); scikit-learn's LinearSVC, one-vs-rest, class_weight="balanced", C
(mlbackend.sdk.fit_linear_svm). Probabilities: softmax of the decision values / `temperature`
(uncalibrated).

The checkpoint holds arrays and numbers only (labels, coef, intercept, feature parameters); predict
rebuilds the decision x @ coef.T + intercept in numpy. A clip without segments is classified on the
one movement its motion curve shows (mlbackend.sdk.vision.segments_or_spotted).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlbackend.sdk import (
    EMOTION, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, Progress, fit_linear_svm, model_version,
    read_checkpoint, register, segment_predictions, softmax, write_checkpoint,
)

FORMAT = 1
FEATURE_DEFAULTS = {
    "grid": 5,  # blocks per side
    "rx": 1, "ry": 1, "rt": 4,  # LBP-TOP radii along x, y and time
    "frames": 20,  # the segment resampled to this many frames
    "size": 128,  # face side in pixels
}
DEFAULTS = {
    **FEATURE_DEFAULTS,
    "C": 1.0,
    "temperature": 1.0,
    "max_iter": 10000,
}


def settings(params: dict) -> dict:
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise PluginError(f"lbptop_svm does not know the parameters {sorted(unknown)}; it takes {sorted(DEFAULTS)}.")
    merged = {**DEFAULTS, **params}
    try:
        for key in ("grid", "rx", "ry", "rt", "frames", "size", "max_iter"):
            merged[key] = int(merged[key])
        merged["C"], merged["temperature"] = float(merged["C"]), float(merged["temperature"])
    except (TypeError, ValueError) as exc:
        raise PluginError(f"lbptop_svm: bad parameter ({exc}).") from None
    if min(merged["rx"], merged["ry"], merged["rt"]) < 1 or merged["frames"] < 2 * merged["rt"] + 1:
        raise PluginError("lbptop_svm: radii at least 1, and frames at least 2 rt + 1 (a centre frame needs "
                          "rt frames on each side).")
    if merged["grid"] < 1 or merged["size"] < 2 * max(merged["rx"], merged["ry"]) + merged["grid"]:
        raise PluginError("lbptop_svm: the grid needs at least one centre pixel per block of the face.")
    if merged["C"] <= 0 or merged["temperature"] <= 0:
        raise PluginError("lbptop_svm: C and temperature must be positive.")
    return merged


def event_features(faces, segment, params: dict) -> np.ndarray:
    from plugins.lbptop_svm.lbptop import lbptop_features, segment_volume

    volume = segment_volume(faces, segment.onset, segment.offset, params["frames"])
    return lbptop_features(volume, params["grid"], params["rx"], params["ry"], params["rt"])


@register
class LbpTopSvmPlugin(Plugin):
    name = "lbptop_svm"
    version = "1.0"
    capabilities = frozenset({EMOTION})
    description = "LBP-TOP (5x5 blocks, radii 1,1,4, uniform 59 bins) on the onset->offset face sequence, linear SVM."
    requires = ("cv2", "sklearn", "torch")

    # -- training -------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        from mlbackend.sdk.vision import describe_segments, float64_tensor

        params = settings(self.params)
        labels = list(self.labels) or sorted({e.emotion for c in train for e in c.events if e.emotion})
        samples = [(clip, event) for clip in train for event in clip.events if event.emotion in labels]
        if not samples:
            raise PluginError(f"lbptop_svm found no training event labelled with one of {labels or 'any emotion'}.")
        progress(0.0, f"LBP-TOP of {len(samples)} events")
        x = describe_segments([(clip.clip, event.segment) for clip, event in samples], params["size"],
                              lambda faces, segment: event_features(faces, segment, params),
                              lambda f, m: progress(0.8 * f, m))
        y = np.asarray([labels.index(event.emotion) for _, event in samples])
        progress(0.85, f"fitting a linear SVM on {len(y)} events, {x.shape[1]} features")
        coef, intercept = fit_linear_svm(x, y, len(labels), C=params["C"], seed=seed, max_iter=params["max_iter"])
        state = {
            "format": FORMAT, "labels": labels, "coef": float64_tensor(coef), "intercept": float64_tensor(intercept),
            "params": {key: params[key] for key in (*FEATURE_DEFAULTS, "C", "temperature")},
            "n_train": int(len(y)), "class_counts": [int((y == k).sum()) for k in range(len(labels))],
            "seed": int(seed),
        }
        checkpoint = write_checkpoint(Path(workdir) / "lbptop_svm.pt", state)
        self.load(checkpoint, device=device)
        progress(1.0, "trained")
        return checkpoint

    # -- inference ------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        state = read_checkpoint(checkpoint, device="cpu")
        if state.get("format") != FORMAT or "coef" not in state:
            raise PluginError(f"{checkpoint} is not an lbptop_svm checkpoint of format {FORMAT}.")
        self.state = state
        self.labels = tuple(state["labels"])
        self._coef, self._intercept = state["coef"].double().numpy(), state["intercept"].double().numpy()
        self._feature_params = dict(state["params"])
        self.model_version = model_version(self.name, self.version, checkpoint)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        decision = np.atleast_2d(features) @ self._coef.T + self._intercept
        return softmax(decision / self._feature_params["temperature"])

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        if not hasattr(self, "_coef"):
            raise PluginError("lbptop_svm: call load(checkpoint) (or fit) before predict.")
        from mlbackend.sdk.vision import FaceFrames, describe_segments, segments_or_spotted

        size = self._feature_params["size"]
        wanted = [(clip, segments_or_spotted(clip, FaceFrames(clip, size), "dis")) for clip in clips]
        items = [(clip, segment) for clip, segments in wanted for segment in segments]
        probs = self.probabilities(describe_segments(
            items, size, lambda faces, segment: event_features(faces, segment, self._feature_params))) if items \
            else np.zeros((0, len(self.labels)))
        return segment_predictions(wanted, probs, names=self.labels, field="emotion_probs",
                                   model_version=self.model_version)
