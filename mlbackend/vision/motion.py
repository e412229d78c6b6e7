"""Motion curves and interval spotting: how far each frame has moved from a reference frame.

`motion_curve` measures, for each frame, the mean optical-flow magnitude against the
reference (the first frame by default), after removing the frame's median flow so a rigid
head translation does not count as facial movement. `spot_intervals` finds peaks of such a
curve and the onset/offset around each where the curve crosses a fraction of its height.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlbackend.vision.face import FaceFrames
from mlbackend.vision.flow import dense_flow


@dataclass(frozen=True)
class Interval:
    onset: int
    apex: int
    offset: int
    amplitude: float  # peak - baseline, in the curve's unit (pixels of the face image)
    score: float  # 0..1: amplitude against the noise level


def frame_motion(reference: np.ndarray, frame: np.ndarray, method: str = "dis", remove_global: bool = True) -> float:
    flow = dense_flow(reference, frame, method)
    if remove_global:
        flow = flow - np.median(flow.reshape(-1, 2), axis=0)
    return float(np.hypot(flow[..., 0], flow[..., 1]).mean())


def motion_curve(
    faces: FaceFrames, *, method: str = "dis", reference: int = 0, step: int = 1, remove_global: bool = True,
    start: int = 0, stop: int | None = None,
) -> np.ndarray:
    """Per-frame motion against `reference` for frames start..stop-1 (float64, length stop - start).

    With step > 1 only every step-th frame (and the last) is measured and the rest interpolated.
    """
    stop = len(faces) if stop is None else min(stop, len(faces))
    if stop <= start:
        return np.zeros(0)
    measured = np.unique(np.r_[np.arange(start, stop, max(1, int(step))), stop - 1])
    base = faces[reference]
    values = np.array([
        0.0 if index == reference else frame_motion(base, faces[index], method, remove_global)
        for index in measured
    ])
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
