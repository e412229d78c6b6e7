"""Flow features of one segment (onset face -> apex face), shared by the flow-feature plugins; any plugin's
per-segment descriptor over a list of segments."""

from collections.abc import Callable, Sequence

import numpy as np

from mlbackend.contract import ClipInput, Segment
from mlbackend.vision.face import FaceFrames

FEATURE_DEFAULTS = {
    "grid": 6,  # face grid rows = columns
    "bins": 8,  # orientation bins per cell
    "size": 128,  # face image side in pixels
    "flow": "dis",  # mlbackend.vision.flow method
    "magnitude": True,  # append each cell's mean flow magnitude to the HOOF
    "stabilise": True,  # undo the head's translation (phase correlation) before the flow
    "remove_global": True,  # subtract the median flow (what translation is left) after it
}
FEATURE_KEYS = tuple(FEATURE_DEFAULTS)


def segment_apex(segment: Segment) -> int:
    return segment.apex if segment.apex is not None else (segment.onset + segment.offset) // 2


def segment_features(faces, segment: Segment, params: dict) -> np.ndarray:
    """HOOF (+ relative cell magnitudes) of the flow from the onset face to the apex face."""
    from mlbackend.vision import cell_means, face_flow, flow_magnitude, hoof_grid

    onset, apex = faces.clamp(segment.onset), faces.clamp(segment_apex(segment))
    flow = face_flow(faces[onset], faces[apex], params["flow"], stabilise=params["stabilise"],
                     remove_global=params["remove_global"])
    grid = (params["grid"], params["grid"])
    parts = [hoof_grid(flow, grid=grid, bins=params["bins"], magnitude_weighted=True)]
    if params["magnitude"]:
        magnitude = cell_means(flow_magnitude(flow), grid)
        parts.append(magnitude / max(float(magnitude.max()), 1e-3))
    return np.concatenate(parts).astype(np.float64)


def segments_or_spotted(clip: ClipInput, faces, flow_method: str) -> tuple[Segment, ...]:
    """The segments to recognise; a clip given none gets the one movement the motion curve finds."""
    if clip.segments:
        return clip.segments
    from mlbackend.vision.motion import motion_curve, smooth, smoothing_window, spot_intervals

    curve = smooth(motion_curve(faces, method=flow_method), smoothing_window(clip.fps))
    (interval,) = spot_intervals(curve, 0.3, max_events=1)
    return (Segment(interval.onset, interval.apex, interval.offset),)


def float64_tensor(array: np.ndarray):
    import torch

    return torch.from_numpy(np.ascontiguousarray(array, dtype=np.float64))


def describe_segments(items: Sequence[tuple[ClipInput, Segment]], size: int,
                      describe: Callable[[FaceFrames, Segment], np.ndarray],
                      progress: Callable[[float, str], None] | None = None) -> np.ndarray:
    """np.vstack of describe(faces, segment) over (clip, segment) pairs, faces the clip's `size` px FaceFrames.

    Pairs of one clip should be adjacent: one clip's frames are held (cached) at a time. progress gets
    (fraction done, message) every 10 segments and at the end.
    """
    rows, faces, faces_clip = [], None, None
    for done, (clip, segment) in enumerate(items, start=1):
        if faces_clip is not clip:
            faces, faces_clip = FaceFrames(clip, size), clip
        rows.append(describe(faces, segment))
        if progress is not None and (done % 10 == 0 or done == len(items)):
            progress(done / len(items), f"features {done}/{len(items)}")
    return np.vstack(rows)
