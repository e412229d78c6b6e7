"""Base class of the feature-difference spotters (MDMD, LBP chi-square): passes, p tuning, checkpoint.

A subclass supplies `feature_curve(faces, k, stride, params)`, the per-frame feature difference
F of one clip for window k; everything after it is shared (mlbackend.spotting.framework):
contrast with m = k - 1, T = mean + p (max - mean), runs above T, length filters.

Passes (MEGC baseline practice): one pass per kind, "micro" with k_micro and the micro length
filter, "macro" with k_macro and the macro filter; each interval takes the kind of its pass.

Honest tuning: `fit` picks p per kind from `p_grid`, the value with the highest F1 of that kind
(MEGC rule) on the TRAINING videos it is given; ties go to the smaller p, and a kind with no
training event keeps the baseline p = 0.01. `tune_p: False` keeps the given p.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlbackend.checkpoints import model_version, read_checkpoint, write_checkpoint
from mlbackend.contract import (
    SPOTTING, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, PredictedEvent, Progress,
)
from mlbackend.spotting.framework import (
    CURVES, Spotted, clip_fingerprint, k_for, length_limits, spot_curve,
)
from mlbackend.vision.face import FaceFrames
from mlbackend.vision.motion import smooth, smoothing_window

FORMAT = 1
KINDS = ("micro", "macro")
BASE_DEFAULTS = {
    "kinds": ["micro", "macro"],  # the passes to run
    "p": 0.01,  # the MEGC baseline's threshold fraction, both kinds (p_micro / p_macro override)
    "p_micro": None,
    "p_macro": None,
    "tune_p": True,  # fit() picks p per kind from p_grid on the training videos
    "p_grid": [0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5],
    "k_micro": None,  # frames; None: protocols.md's k for a known dataset, else round(0.4 s x fps)
    "k_macro": None,  # frames; None: as above, else round(1.3 s x fps)
    "micro_min": None,  # length filters, inclusive frames; None: dataset values, else 1/25 s ..
    "micro_max": None,  # .. 1/2 s for micro
    "macro_min": None,  # and longer than micro_max for macro
    "stride_micro": None,  # measure F at every stride-th frame, interpolate; None: from the fps
    "stride_macro": None,
    "smoothing": 0.0,  # moving average of F over smoothing x fps / 40 frames (odd) before the contrast; 0: none
    "size": 128,  # face side in pixels (rounded down to a multiple of the grid)
    "grid": 6,
    "cache": True,  # reuse feature curves across LOSO folds (they do not depend on p)
    # Not in the MEGC baseline: drop micro intervals that overlap a macro interval of the macro pass
    # (a macro movement's rise and fall also make micro-length runs in the micro pass).
    "suppress_micro_in_macro": False,
}


class FeatureDifferenceSpotter(Plugin):
    capabilities = frozenset({SPOTTING})
    requires = ("cv2", "torch")
    extra_defaults: dict = {}
    # Frames per second of the F curve per kind when stride_* is None (stride = round(fps / rate)).
    curve_rate = {"micro": 200.0, "macro": 25.0}

    # -- what a subclass provides ---------------------------------------------------------------
    @abstractmethod
    def feature_curve(self, faces: FaceFrames, k: int, stride: int, params: dict) -> np.ndarray:
        """F_i for every frame of the clip (length len(faces)), with window k."""

    def curve_key(self, params: dict) -> tuple:
        """The settings a curve depends on besides k and stride (for the cache)."""
        return tuple((name, repr(params[name])) for name in sorted(self.extra_defaults)) + (
            ("size", params["size"]), ("grid", params["grid"]))

    # -- parameters -------------------------------------------------------------------------------
    @classmethod
    def defaults(cls) -> dict:
        return {**BASE_DEFAULTS, **cls.extra_defaults}

    def resolved_params(self) -> dict:
        defaults = self.defaults()
        unknown = set(self.params) - set(defaults)
        if unknown:
            raise PluginError(f"{self.name} does not know the parameters {sorted(unknown)}; "
                              f"it takes {sorted(defaults)}.")
        params = {**defaults, **self.params}
        kinds = [str(kind) for kind in params["kinds"]]
        if not kinds or set(kinds) - set(KINDS):
            raise PluginError(f"{self.name}: kinds must be a non-empty subset of {list(KINDS)}, got {kinds}.")
        params["kinds"] = [kind for kind in KINDS if kind in kinds]
        params["p_grid"] = sorted(float(p) for p in params["p_grid"])
        for name in ("p", "p_micro", "p_macro"):
            if params[name] is not None:
                params[name] = float(params[name])
        if not all(0.0 <= p <= 1.0 for p in [params["p"], *params["p_grid"]]):
            raise PluginError(f"{self.name}: p values must lie in [0, 1].")
        for name in ("k_micro", "k_macro", "micro_min", "micro_max", "macro_min", "stride_micro", "stride_macro"):
            if params[name] is not None:
                params[name] = int(params[name])
                if params[name] < 1:
                    raise PluginError(f"{self.name}: {name} must be at least 1.")
        params["size"], params["grid"], params["smoothing"] = int(params["size"]), int(params["grid"]), \
            float(params["smoothing"])
        if params["smoothing"] < 0:
            raise PluginError(f"{self.name}: smoothing must be 0 or more.")
        if params["grid"] < 1 or params["size"] < 2 * params["grid"]:
            raise PluginError(f"{self.name}: size must be at least twice the grid.")
        for name in ("tune_p", "cache", "suppress_micro_in_macro"):
            params[name] = bool(params[name])
        return params

    def clip_settings(self, clip: ClipInput, params: dict) -> dict:
        """k, stride and length limits of each pass for this clip (fps and dataset)."""
        limits = length_limits(clip.fps, clip.dataset)
        limits = type(limits)(
            params["micro_min"] or limits.micro_min, params["micro_max"] or limits.micro_max,
            params["macro_min"] or max(limits.macro_min, (params["micro_max"] or 0) + 1),
        )
        settings = {}
        longest = max(2, (int(clip.n_frames) - 1) // 2)  # a clip shorter than 2k + 1: k shrinks to fit
        for kind in params["kinds"]:
            k = min(params[f"k_{kind}"] or k_for(clip.fps, kind, clip.dataset), longest)
            stride = params[f"stride_{kind}"] or max(1, int(round(float(clip.fps) / self.curve_rate[kind])))
            settings[kind] = {"k": int(k), "stride": int(min(stride, max(1, k // 4))), "limits": limits}
        return settings

    # -- curves -----------------------------------------------------------------------------------
    def faces(self, clip: ClipInput, params: dict, k: int, stride: int) -> FaceFrames:
        working = params["grid"] * (params["size"] // params["grid"])
        return FaceFrames(clip, working, cache=3 * k + 2 * stride + 16)  # i-k, i, i+k of the last k steps

    def curve(self, clip: ClipInput, params: dict, kind: str, settings: dict) -> np.ndarray:
        k, stride = settings[kind]["k"], settings[kind]["stride"]

        def compute() -> np.ndarray:
            faces = self.faces(clip, params, k, stride)
            curve = np.asarray(self.feature_curve(faces, k, stride, params), dtype=np.float64)
            if curve.shape != (len(faces),):
                raise PluginError(f"{self.name}: feature curve of {curve.shape} for {len(faces)} frames.")
            return curve

        if not params["cache"]:
            return compute()
        key = (self.name, self.version, clip_fingerprint(clip), k, stride, self.curve_key(params))
        return CURVES.get_or_compute(key, compute)

    def spot(self, clip: ClipInput, params: dict, p: dict[str, float],
             curves: dict[str, np.ndarray] | None = None) -> list[Spotted]:
        settings = self.clip_settings(clip, params)
        found = {}
        for kind in params["kinds"]:
            feature = curves[kind] if curves is not None else self.curve(clip, params, kind, settings)
            if params["smoothing"] > 0:  # at most k / 2 frames (short clips shrink k)
                window = min(smoothing_window(clip.fps, params["smoothing"]), max(1, settings[kind]["k"] // 2) | 1)
                feature = smooth(feature, window)
            found[kind] = spot_curve(feature, settings[kind]["k"], p[kind], kind, settings[kind]["limits"])
        if params["suppress_micro_in_macro"] and found.get("micro") and found.get("macro"):
            found["micro"] = [s for s in found["micro"]
                              if not any(s.onset <= m.offset and m.onset <= s.offset for m in found["macro"])]
        spotted = [s for kind in params["kinds"] for s in found[kind]]
        return sorted(spotted, key=lambda s: (s.onset, s.offset, s.kind))

    def _given_p(self, params: dict) -> dict[str, float]:
        return {kind: params[f"p_{kind}"] if params[f"p_{kind}"] is not None else params["p"] for kind in KINDS}

    # -- training -----------------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        from mlbackend.evaluation.spotting import spotting_metrics

        params = self.resolved_params()
        chosen = self._given_p(params)
        scores: dict[str, list[float]] = {}
        tuned = params["tune_p"] and any(clip.events for clip in train)
        if tuned:
            progress(0.0, f"feature curves of {len(train)} training videos")
            curves = []
            for index, clip in enumerate(train):
                settings = self.clip_settings(clip.clip, params)
                curves.append({kind: self.curve(clip.clip, params, kind, settings) for kind in params["kinds"]})
                progress(0.9 * (index + 1) / len(train), f"curve {index + 1}/{len(train)}")
            for kind in sorted(params["kinds"], key=lambda kind: kind != "macro"):  # macro first: micro may
                if not any(e.kind == kind for clip in train for e in clip.events):  # be suppressed by it
                    continue  # nothing to tune on: keep the given p
                figures = []
                for p in params["p_grid"]:
                    trial = {**chosen, kind: p}
                    videos = [(clip.events, self.spot(clip.clip, params, trial, clip_curves))
                              for clip, clip_curves in zip(train, curves)]
                    figures.append(spotting_metrics(videos)[kind]["f1"])
                scores[kind] = figures
                if max(figures) > 0:
                    chosen[kind] = params["p_grid"][int(np.argmax(figures))]  # first maximum: smallest p
        state = {
            "format": FORMAT, "plugin": self.name, "p": {k: float(v) for k, v in chosen.items()},
            "train_f1": scores, "p_grid": params["p_grid"], "n_train": len(train), "tuned": bool(tuned),
            "params": {k: v for k, v in params.items() if k not in ("p_grid",)},
        }
        checkpoint = write_checkpoint(Path(workdir) / f"{self.name}.pt", state)
        self.load(checkpoint, device=device)
        summary = ", ".join(f"p_{kind} {chosen[kind]:g}" for kind in params["kinds"])
        progress(1.0, summary + (" (tuned on training F1)" if tuned else " (given)"))
        return checkpoint

    # -- inference ----------------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        state = read_checkpoint(checkpoint, device="cpu")
        if state.get("format") != FORMAT or state.get("plugin") != self.name:
            raise PluginError(f"{checkpoint} is not a {self.name} checkpoint of format {FORMAT}.")
        self.state = state
        self.model_version = model_version(self.name, self.version, checkpoint)

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        """Spots every clip; segments given with a clip are ignored (this plugin finds them)."""
        if not hasattr(self, "state"):
            raise PluginError(f"{self.name}: call load(checkpoint) (or fit) before predict.")
        params = {**self.state["params"], "p_grid": []}
        p = {kind: float(value) for kind, value in self.state["p"].items()}
        predictions = []
        for clip in clips:
            events = tuple(
                PredictedEvent(onset=s.onset, apex=s.apex, offset=s.offset, kind=s.kind, score=s.score)
                for s in self.spot(clip, params, p)
            )
            predictions.append(ClipPrediction(
                clip_id=clip.clip_id, events=events, score=max((e.score for e in events), default=0.0),
                model_version=self.model_version,
            ))
        return predictions
