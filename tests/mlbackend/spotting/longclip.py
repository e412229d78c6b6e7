"""A small long video for spotter tests: a textured "face" (tests.plugins.clipfactory) with a few
movements at known frames, at a low frame rate so k and the clip stay short.

At 50 fps: k = 20 (micro) / 65 (macro); length filters micro 2..25 frames, macro >= 26.
"""

from __future__ import annotations

import numpy as np

from mlbackend.contract import ArrayFrames, ClipInput, Event, LabeledClip
from tests.plugins.clipfactory import displacement, profile, texture

# (onset, apex, offset, kind, region, amplitude in px on the 128 px face)
MOVEMENTS = (
    (40, 45, 52, "micro", "brow", 3.0),
    (120, 140, 170, "macro", "smile", 6.0),
    (230, 235, 243, "micro", "smile", 3.0),
)


def make_long_clip(clip_id: str = "long", subject: int = 1, *, n_frames: int = 300, fps: float = 50.0,
                   movements=MOVEMENTS, noise: float = 1.0, seed: int = 0, dataset: str = "toy") -> LabeledClip:
    import cv2

    size = 128
    rng = np.random.default_rng(seed)
    base = texture(2000 + subject, size)
    gy, gx = np.mgrid[0:size, 0:size].astype(np.float32)
    dx_total = np.zeros((n_frames, size, size), np.float32)
    dy_total = np.zeros((n_frames, size, size), np.float32)
    for onset, apex, offset, _kind, region, amplitude in movements:
        dx, dy = displacement(region, size, amplitude)
        weights = profile(n_frames, onset, apex, offset)
        weights[:onset] = 0.0
        weights[offset:] = 0.0
        dx_total += weights[:, None, None].astype(np.float32) * dx
        dy_total += weights[:, None, None].astype(np.float32) * dy
    frames = np.empty((n_frames, size, size, 3), np.uint8)
    for t in range(n_frames):
        warped = cv2.remap(base, gx - dx_total[t], gy - dy_total[t], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        grey = np.clip(warped + rng.normal(0, noise, warped.shape), 0, 255).astype(np.uint8)
        frames[t] = grey[:, :, None]
    source = ArrayFrames(frames)
    clip = ClipInput(clip_id=clip_id, subject=f"s{subject:02d}", dataset=dataset, fps=fps, n_frames=n_frames,
                     frames=source, faces=source)
    events = tuple(Event(onset, apex, offset, kind=kind) for onset, apex, offset, kind, _r, _a in movements)
    return LabeledClip(clip, events)
