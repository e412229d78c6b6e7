"""Labelled clips whose 28 x 28 maps are made by hand, for tests of the neural plugins without optical flow.

Each event's maps (u, v, strain) are a class pattern (a blob in a class-specific place and
direction) plus subject-specific texture and noise; `injected(cls)` subclasses a plugin so that
`segment_maps` returns them instead of computing TV-L1 flow. The clips' frames are a few black
frames: nothing reads them.
"""

from __future__ import annotations

import numpy as np

from mlbackend.contract import ArrayFrames, ClipInput, Event, LabeledClip

LABELS = ("negative", "positive", "surprise")
_FRAMES = ArrayFrames(np.zeros((16, 8, 8, 3), dtype=np.uint8))


def class_pattern(label: int, size: int = 28) -> np.ndarray:
    y, x = np.mgrid[0:size, 0:size] / size
    centres = [(0.3, 0.3), (0.75, 0.5), (0.3, 0.7), (0.6, 0.2)]
    cy, cx = centres[label % len(centres)]
    blob = np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / 0.02)
    angle = 2.1 * label
    return np.stack([np.cos(angle) * blob, np.sin(angle) * blob, 0.8 * blob]).astype(np.float32)


def map_set(n_subjects: int = 6, per_subject: int = 10, *, seed: int = 0, signal: float = 1.0,
            labels=LABELS) -> tuple[list[LabeledClip], dict]:
    """(clips, maps by clip id): per_subject one-event clips per subject, classes in turn."""
    rng = np.random.default_rng(seed)
    clips, maps = [], {}
    for s in range(n_subjects):
        texture = rng.normal(0, 0.4, (3, 28, 28)).astype(np.float32)
        for j in range(per_subject):
            label = (j + s) % len(labels)
            clip_id = f"s{s:02d}-{j:02d}"
            maps[clip_id] = (signal * class_pattern(label) + texture
                             + rng.normal(0, 0.5, (3, 28, 28))).astype(np.float32)
            clip = ClipInput(clip_id=clip_id, subject=f"s{s:02d}", dataset="maps", fps=200.0, n_frames=16,
                             frames=_FRAMES, faces=_FRAMES)
            clips.append(LabeledClip(clip, (Event(2, 6, 10, emotion=labels[label]),)))
    return clips, maps


def injected(cls, maps: dict):
    """A subclass of the plugin class `cls` that reads each clip's maps from `maps` (not registered)."""

    class Injected(cls):
        def segment_maps(self, faces, clip, segment, params):
            return maps[clip.clip_id]

    Injected.__name__ = f"Injected{cls.__name__}"
    return Injected
