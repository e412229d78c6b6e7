"""au_flow: an AU detector on onset -> apex optical flow, one binary head per AU.

Features per segment are those of flow_svm (the same recipe, reimplemented here so that this
plugin does not import, and so register, another plugin): DIS optical
flow from the onset to the apex face (128 px, head translation removed), histograms of oriented
flow on a 6 x 6 face grid plus each cell's mean flow magnitude. They are standardised with the
training set's statistics (sqrt(std^2 + scale_floor^2), as flow_svm) and one L2-regularised
logistic regression per AU (scikit-learn, class_weight="balanced") is fitted: multi-label, so an
event may show several AUs.

Which AUs: the project's AU set (`aus`; every AU coded in training when it is empty). An AU gets a
head when the training events show it at least `min_positives` times (default 3) and it is absent
from at least one event; any other AU of the set is predicted at its training prevalence (0 when
never seen), which is below 0.5 and so never counts as detected. `au_probs` holds the sigmoid
of the head's decision value for every AU of the set.

Training data: the labelled events with at least one coded AU (an event with none coded may
simply not be AU-coded yet). The checkpoint holds arrays only (mean, scale, coef, intercept,
AU numbers, prevalences); predict recomputes sigmoid(x @ coef.T + intercept) in numpy.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlbackend.sdk import (
    AUS, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, Progress, model_version, read_checkpoint,
    register, segment_predictions, write_checkpoint,
)
from mlbackend.sdk.vision import (
    FEATURE_DEFAULTS, FEATURE_KEYS, float64_tensor, segment_features, segments_or_spotted,
)

FORMAT = 1
DEFAULTS = {
    **FEATURE_DEFAULTS,
    "C": 0.1,  # logistic-regression regularisation (smaller: stronger)
    "min_positives": 3,  # an AU needs this many coded training events for a head of its own
    "max_iter": 5000,
    "scale_floor": 0.05,
}



def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


@register
class AuFlowPlugin(Plugin):
    name = "au_flow"
    version = "1.0"
    capabilities = frozenset({AUS})
    description = "AU detection: DIS flow onset->apex, HOOF on a face grid, one balanced logistic regression per AU."
    requires = ("cv2", "sklearn", "torch")

    def _params(self) -> dict:
        unknown = set(self.params) - set(DEFAULTS)
        if unknown:
            raise PluginError(f"au_flow does not know the parameters {sorted(unknown)}; it takes {sorted(DEFAULTS)}.")
        params = {**DEFAULTS, **self.params}
        for key in ("grid", "bins", "size", "min_positives", "max_iter"):
            params[key] = int(params[key])
        for key in ("C", "scale_floor"):
            params[key] = float(params[key])
        for key in ("magnitude", "stabilise", "remove_global"):
            params[key] = bool(params[key])
        params["flow"] = str(params["flow"])
        if params["C"] <= 0 or params["scale_floor"] <= 0 or params["min_positives"] < 1:
            raise PluginError("au_flow: C and scale_floor must be positive, min_positives at least 1.")
        return params

    # -- training -------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        from mlbackend.sdk.vision import FaceFrames

        params = self._params()
        samples = [(clip, event) for clip in train for event in clip.events if event.aus]
        if not samples:
            raise PluginError("au_flow needs training events with coded AUs.")
        aus = sorted({int(n) for n in self.aus}) or sorted({au.number for _, e in samples for au in e.aus})
        progress(0.0, f"extracting flow features of {len(samples)} events")
        features, truths, faces, faces_clip = [], [], None, None
        for done, (clip, event) in enumerate(samples, start=1):
            if faces_clip is not clip:
                faces, faces_clip = FaceFrames(clip.clip, params["size"]), clip  # one clip's frames at a time
            features.append(segment_features(faces, event.segment, params))
            truths.append({au.number for au in event.aus})
            if done % 10 == 0 or done == len(samples):
                progress(0.8 * done / len(samples), f"features {done}/{len(samples)}")
        x = np.vstack(features)
        mean = x.mean(axis=0)
        scale = np.sqrt(x.std(axis=0) ** 2 + params["scale_floor"] ** 2)
        z = (x - mean) / scale
        y = np.array([[number in truth for number in aus] for truth in truths], dtype=np.int64)
        positives = y.sum(axis=0)
        trained = (positives >= params["min_positives"]) & (positives < len(y))
        coef, intercept = np.zeros((len(aus), x.shape[1])), np.zeros(len(aus))
        prevalence = positives / len(y)
        progress(0.85, f"fitting {int(trained.sum())} AU heads on {len(y)} events, {x.shape[1]} features")
        from sklearn.linear_model import LogisticRegression

        for k in np.flatnonzero(trained):
            head = LogisticRegression(C=params["C"], class_weight="balanced", max_iter=params["max_iter"],
                                      random_state=seed)
            head.fit(z, y[:, k])
            coef[k], intercept[k] = head.coef_[0], head.intercept_[0]
        state = {
            "format": FORMAT, "aus": [int(n) for n in aus], "trained": [bool(t) for t in trained],
            "prevalence": float64_tensor(prevalence), "positives": [int(p) for p in positives],
            "mean": float64_tensor(mean), "scale": float64_tensor(scale), "coef": float64_tensor(coef), "intercept": float64_tensor(intercept),
            "params": {k: params[k] for k in FEATURE_KEYS + ("C", "min_positives", "scale_floor")},
            "n_train": int(len(y)), "seed": int(seed),
        }
        checkpoint = write_checkpoint(Path(workdir) / "au_flow.pt", state)
        self.load(checkpoint, device=device)
        progress(1.0, f"trained heads for AUs {[n for n, t in zip(aus, trained) if t]}")
        return checkpoint

    # -- inference ------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        state = read_checkpoint(checkpoint, device="cpu")
        if state.get("format") != FORMAT or "coef" not in state or "aus" not in state:
            raise PluginError(f"{checkpoint} is not an au_flow checkpoint of format {FORMAT}.")
        self.state = state
        self._aus = [int(n) for n in state["aus"]]
        self._trained = np.asarray(state["trained"], dtype=bool)
        self._arrays = {key: state[key].double().numpy()
                        for key in ("mean", "scale", "coef", "intercept", "prevalence")}
        self._feature_params = dict(state["params"])
        self.model_version = model_version(self.name, self.version, checkpoint)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(n, AUs) probabilities: the heads' sigmoids, the training prevalence where an AU has no head."""
        a = self._arrays
        decision = ((np.atleast_2d(features) - a["mean"]) / a["scale"]) @ a["coef"].T + a["intercept"]
        return np.where(self._trained[None, :], _sigmoid(decision), a["prevalence"][None, :])

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        if not hasattr(self, "_arrays"):
            raise PluginError("au_flow: call load(checkpoint) (or fit) before predict.")
        from mlbackend.sdk.vision import FaceFrames

        wanted, features = [], []
        for clip in clips:
            faces = FaceFrames(clip, self._feature_params["size"])
            segments = segments_or_spotted(clip, faces, self._feature_params["flow"])
            wanted.append((clip, segments))
            features.extend(segment_features(faces, segment, self._feature_params) for segment in segments)
        probs = self.probabilities(np.vstack(features)) if features else np.zeros((0, len(self._aus)))
        return segment_predictions(wanted, probs, names=self._aus, field="au_probs", model_version=self.model_version)

