"""motion_spotter: spots the movement of a clip from its optical-flow motion curve.

For every frame it measures the DIS flow magnitude of the grey 128 x 128 face against the
clip's FIRST frame (mlbackend.vision.MotionMeter: the head's translation undone by phase
correlation, the flow's median subtracted, the magnitude averaged over the quarter of an
8 x 8 face grid that moved most), smooths that curve over about fps / 40 frames (25 ms), and
takes

* apex   = the frame of the highest smoothed motion,
* baseline = the median of the curve's lowest quarter,
* onset  = the last frame before the apex below baseline + fraction * (peak - baseline),
* offset = the first frame after the apex below it (the clip's last frame if none is).

score = (peak - baseline) / (peak - baseline + noise), noise being the larger of the
baseline, three robust standard deviations of the curve's lowest quarter and 0.02 px.

`fit` needs no emotion: it tunes only `fraction`, choosing from a small grid the value with
the highest mean temporal IoU between the spotted interval and the labelled event on the
training clips (ties go to the smaller fraction), and stores it in the checkpoint. Segments
given to `predict` are ignored: this plugin finds them. One event per clip for now
(`max_events` in the code allows more once long videos need it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlbackend.sdk import (
    SPOTTING, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, PredictedEvent, Progress, model_version,
    read_checkpoint, register, write_checkpoint,
)
from mlbackend.sdk.vision import FaceFrames, motion_curve, segment_iou, smooth, smoothing_window, spot_intervals

FORMAT = 1
DEFAULTS = {
    "fraction": 0.1,  # used as is when training has no labelled event to tune it on
    "fractions": [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5],  # the grid fit() chooses from
    "size": 128,
    "flow": "dis",
    "smoothing": 1.0,  # window = smoothing * fps / 40 frames
    "step": 1,  # measure every step-th frame, interpolate the rest
    "stabilise": True,  # undo the head's translation before the flow
    "top": 0.25,  # share of the face grid's cells, those that moved most, the motion is averaged over
    "max_events": 1,
}


@register
class MotionSpotterPlugin(Plugin):
    name = "motion_spotter"
    version = "1.0"
    capabilities = frozenset({SPOTTING})
    description = "Spots one movement per clip from the optical-flow motion against the first frame."
    requires = ("cv2", "torch")

    def _params(self) -> dict:
        unknown = set(self.params) - set(DEFAULTS)
        if unknown:
            raise PluginError(f"motion_spotter does not know the parameters {sorted(unknown)}; "
                              f"it takes {sorted(DEFAULTS)}.")
        params = {**DEFAULTS, **self.params}
        params["fractions"] = sorted(float(f) for f in params["fractions"])
        for key in ("size", "step", "max_events"):
            params[key] = int(params[key])
        for key in ("fraction", "smoothing", "top"):
            params[key] = float(params[key])
        params["stabilise"] = bool(params["stabilise"])
        if not all(0 < f < 1 for f in [params["fraction"], *params["fractions"]]):
            raise PluginError("motion_spotter: fractions must lie strictly between 0 and 1.")
        if params["step"] < 1 or params["max_events"] < 1:
            raise PluginError("motion_spotter: step and max_events must be at least 1.")
        if not 0 < params["top"] <= 1:
            raise PluginError("motion_spotter: top must lie in (0, 1].")
        return params

    @staticmethod
    def curve(clip: ClipInput, params: dict) -> np.ndarray:
        faces = FaceFrames(clip, params["size"])
        raw = motion_curve(faces, method=params["flow"], step=params["step"], stabilise=params["stabilise"],
                           top=params["top"])
        return smooth(raw, smoothing_window(clip.fps, params["smoothing"]))

    # -- training -------------------------------------------------------------------------
    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        params = self._params()
        labelled = [(clip, clip.events[0]) for clip in train if len(clip.events) == 1]
        progress(0.0, f"motion curves of {len(labelled)} clips with one labelled event")
        curves = []
        for index, (clip, _event) in enumerate(labelled):
            curves.append(self.curve(clip.clip, params))
            progress(0.9 * (index + 1) / len(labelled), f"motion curve {index + 1}/{len(labelled)}")
        ious = []
        for fraction in params["fractions"]:
            scores = []
            for curve, (_clip, event) in zip(curves, labelled):
                (spotted,) = spot_intervals(curve, fraction, max_events=1)
                scores.append(segment_iou((spotted.onset, spotted.offset), (event.onset, event.offset)))
            ious.append(float(np.mean(scores)) if scores else 0.0)
        fraction = params["fractions"][int(np.argmax(ious))] if curves else params["fraction"]
        state = {
            "format": FORMAT, "fraction": float(fraction), "fractions": params["fractions"], "train_iou": ious,
            "n_train": len(curves),
            "params": {k: params[k] for k in ("size", "flow", "smoothing", "step", "stabilise", "top", "max_events")},
        }
        checkpoint = write_checkpoint(Path(workdir) / "motion_spotter.pt", state)
        self.load(checkpoint, device=device)
        progress(1.0, f"fraction {fraction:g} (train IoU {max(ious, default=0.0):.3f})")
        return checkpoint

    # -- inference ------------------------------------------------------------------------
    def load(self, checkpoint: Path, *, device: str) -> None:
        state = read_checkpoint(checkpoint, device="cpu")
        if state.get("format") != FORMAT:
            raise PluginError(f"{checkpoint} is not a motion_spotter checkpoint of format {FORMAT}.")
        self.state = state
        self.model_version = model_version(self.name, self.version, checkpoint)

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        if not hasattr(self, "state"):
            raise PluginError("motion_spotter: call load(checkpoint) (or fit) before predict.")
        params, fraction = dict(self.state["params"]), float(self.state["fraction"])
        predictions = []
        for clip in clips:
            intervals = spot_intervals(self.curve(clip, params), fraction, max_events=params["max_events"])
            events = tuple(
                PredictedEvent(onset=i.onset, apex=i.apex, offset=i.offset, score=float(i.score)) for i in intervals
            )
            predictions.append(ClipPrediction(
                clip_id=clip.clip_id, events=events, score=max((e.score for e in events), default=0.0),
                model_version=self.model_version,
            ))
        return predictions
