"""Motion curves and interval spotting: how far each frame has moved from a reference frame.

`motion_curve` measures, for each frame, the optical-flow magnitude against the reference
(the first frame by default) with `MotionMeter`: the head's translation is undone first and
the magnitude averaged over the part of the face that moved most. `spot_intervals` finds
peaks of such a curve and the onset/offset around each where the curve crosses a fraction of
its height.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlbackend.vision.face import FaceFrames
from mlbackend.vision.features import cell_means, flow_magnitude
from mlbackend.vision.flow import face_flow, to_grey


@dataclass(frozen=True)
class Interval:
    onset: int
    apex: int
    offset: int
    amplitude: float  # peak - baseline, in the curve's unit (pixels of the face image)
    score: float  # 0..1: amplitude against the noise level


class MotionMeter:
    """How far a frame has moved from a reference frame, in pixels of the face image.

    1. `face_flow` from the reference to the frame: the head's translation undone first
       (stabilise), the flow's median subtracted after (remove_global);
    2. the flow magnitude without a `border` strip (pixels that entered or left the image),
       averaged per cell of a grid x grid face grid, then over the `top` share of the cells
       that moved most: a micro-expression moves a small part of the face, and a mean over
       the whole face would drown it in the noise of the rest.
    """

    def __init__(self, reference: np.ndarray, *, method: str = "dis", stabilise: bool = True,
                 remove_global: bool = True, border: float = 1 / 16, grid: int = 8, top: float = 0.25):
        self.reference = to_grey(reference)
        self.method, self.stabilise, self.remove_global = method, stabilise, remove_global
        side = min(self.reference.shape)
        self.margin = max(0, min(int(round(border * side)), (side - grid) // 2))
        self.grid = grid
        self.top = max(1, int(round(top * grid * grid)))

    def __call__(self, frame: np.ndarray) -> float:
        flow = face_flow(self.reference, frame, self.method, stabilise=self.stabilise,
                         remove_global=self.remove_global)
        magnitude = flow_magnitude(flow)
        if self.margin > 0:
            magnitude = magnitude[self.margin:-self.margin, self.margin:-self.margin]
        cells = np.sort(cell_means(magnitude, (self.grid, self.grid)))
        return float(cells[-self.top:].mean())


def frame_motion(reference: np.ndarray, frame: np.ndarray, method: str = "dis", **options) -> float:
    return MotionMeter(reference, method=method, **options)(frame)


def motion_curve(
    faces: FaceFrames, *, method: str = "dis", reference: int = 0, step: int = 1, start: int = 0,
    stop: int | None = None, **options,
) -> np.ndarray:
    """Per-frame motion against `reference` for frames start..stop-1 (float64, length stop - start).

    With step > 1 only every step-th frame (and the last) is measured and the rest interpolated.
    `options` go to MotionMeter (stabilise, remove_global, border, grid, top).
    """
    stop = len(faces) if stop is None else min(stop, len(faces))
    if stop <= start:
        return np.zeros(0)
    measured = np.unique(np.r_[np.arange(start, stop, max(1, int(step))), stop - 1])
    meter = MotionMeter(faces[reference], method=method, **options)
    values = np.array([0.0 if index == reference else meter(faces[index]) for index in measured])
    return np.interp(np.arange(start, stop), measured, values)


def smooth(curve: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average over `window` frames (made odd), edges padded by replication."""
    curve = np.asarray(curve, dtype=np.float64)
    window = int(window)
    if window <= 1 or curve.size < 3:
        return curve.copy()
    window = min(window | 1, curve.size if curve.size % 2 else curve.size - 1)
    half = window // 2
    padded = np.pad(curve, half, mode="edge")
    return np.convolve(padded, np.ones(window) / window, mode="valid")


def smoothing_window(fps: float, frames_per_40th: float = 1.0) -> int:
    """About fps / 40 frames (25 ms), odd, at least 1: short enough to keep a 1/25 s onset."""
    return max(1, int(round(frames_per_40th * float(fps or 0) / 40.0)) | 1)


def baseline_and_noise(curve: np.ndarray, low_quantile: float = 0.25) -> tuple[float, float]:
    """Baseline: median of the curve's lowest part; noise: a robust spread of that part."""
    curve = np.asarray(curve, dtype=np.float64)
    if curve.size == 0:
        return 0.0, 0.0
    low = np.sort(curve)[: max(1, int(np.ceil(low_quantile * curve.size)))]
    baseline = float(np.median(low))
    spread = float(1.4826 * np.median(np.abs(low - baseline)))
    return baseline, spread


def _interval_around(curve: np.ndarray, apex: int, threshold: float) -> tuple[int, int]:
    below_before = np.flatnonzero(curve[:apex] < threshold)
    below_after = np.flatnonzero(curve[apex + 1:] < threshold)
    onset = int(below_before[-1]) if below_before.size else 0
    offset = int(apex + 1 + below_after[0]) if below_after.size else int(curve.size - 1)
    return onset, offset


def spot_intervals(
    curve: np.ndarray, fraction: float = 0.3, *, max_events: int = 1, min_score: float = 0.0,
    noise_floor: float = 0.02,
) -> list[Interval]:
    """Peaks of a (smoothed) motion curve, highest first, each with onset/offset at
    baseline + fraction * (peak - baseline). Later peaks are searched outside earlier intervals."""
    curve = np.asarray(curve, dtype=np.float64)
    if curve.size == 0:
        return []
    baseline, spread = baseline_and_noise(curve)
    noise = max(baseline, 3 * spread, noise_floor)
    available = np.ones(curve.size, dtype=bool)
    intervals: list[Interval] = []
    while len(intervals) < max_events and available.any():
        apex = int(np.flatnonzero(available)[np.argmax(curve[available])])
        amplitude = max(0.0, float(curve[apex] - baseline))
        score = amplitude / (amplitude + noise)
        if intervals and score < min_score:
            break
        onset, offset = _interval_around(curve, apex, baseline + fraction * amplitude)
        intervals.append(Interval(onset, apex, offset, amplitude, score))
        available[onset:offset + 1] = False
    return intervals


def segment_iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Intersection over union of two inclusive frame ranges (onset, offset)."""
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    if inter <= 0:
        return 0.0
    union = (a[1] - a[0] + 1) + (b[1] - b[0] + 1) - inter
    return inter / union
