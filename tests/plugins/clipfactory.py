"""Tiny synthetic clips for plugin tests: a smooth textured "face" warped by a known local motion.

Each subject has its own texture. Class "brow" lifts the upper third of the face, class
"smile" pulls the lower third outwards and up; the displacement grows smoothly from onset to
apex and returns to zero at offset. Frames are BGR uint8, small Gaussian noise added.
"""

from __future__ import annotations

import numpy as np

from mlbackend.contract import AU, ArrayFrames, ClipInput, Event, LabeledClip

CLASSES = ("brow", "smile")


def texture(seed: int, size: int = 128) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(seed)
    image = np.zeros((size, size), np.float32)
    for sigma, weight in ((2.0, 0.5), (5.0, 1.0), (12.0, 1.0)):
        layer = cv2.GaussianBlur(rng.standard_normal((size, size)).astype(np.float32), (0, 0), sigma)
        image += weight * layer / (layer.std() + 1e-6)
    image = (image - image.min()) / (image.max() - image.min())
    return (40 + 180 * image).astype(np.float32)


def displacement(kind: str, size: int, amplitude: float) -> tuple[np.ndarray, np.ndarray]:
    """(dx, dy) of the motion at full amplitude: where each output pixel samples from, negated."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / size
    if kind == "brow":
        weight = np.exp(-((y - 0.28) ** 2) / 0.008 - ((x - 0.5) ** 2) / 0.08)
        return np.zeros_like(x), -amplitude * weight  # upwards
    if kind == "smile":
        left = np.exp(-((y - 0.72) ** 2) / 0.006 - ((x - 0.32) ** 2) / 0.008)
        right = np.exp(-((y - 0.72) ** 2) / 0.006 - ((x - 0.68) ** 2) / 0.008)
        return amplitude * (right - left), -0.5 * amplitude * (left + right)  # outwards and up
    raise ValueError(kind)


def profile(n_frames: int, onset: int, apex: int, offset: int) -> np.ndarray:
    t = np.arange(n_frames, dtype=np.float64)
    rise = np.clip((t - onset) / max(1, apex - onset), 0, 1)
    fall = np.clip((offset - t) / max(1, offset - apex), 0, 1)
    return np.where(t <= apex, 0.5 - 0.5 * np.cos(np.pi * rise), 0.5 - 0.5 * np.cos(np.pi * fall))


def make_clip(clip_id, subject: int, kind: str, *, n_frames: int = 40, onset: int = 8, apex: int = 20,
              offset: int = 32, amplitude: float = 3.0, noise: float = 2.0, seed: int = 0, fps: float = 200.0,
              size: int = 128, faces: bool = True) -> LabeledClip:
    import cv2

    rng = np.random.default_rng(seed)
    base = texture(1000 + subject, size)
    dx, dy = displacement(kind, size, amplitude)
    gy, gx = np.mgrid[0:size, 0:size].astype(np.float32)
    frames = []
    for weight in profile(n_frames, onset, apex, offset):
        warped = cv2.remap(base, (gx - weight * dx).astype(np.float32), (gy - weight * dy).astype(np.float32),
                           cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        grey = np.clip(warped + rng.normal(0, noise, warped.shape), 0, 255).astype(np.uint8)
        frames.append(np.repeat(grey[:, :, None], 3, axis=2))
    source = ArrayFrames(frames)
    clip = ClipInput(clip_id=clip_id, subject=f"s{subject:02d}", dataset="toy", fps=fps, n_frames=n_frames,
                     frames=source, faces=source if faces else None)
    au = AU(1) if kind == "brow" else AU(12)
    return LabeledClip(clip=clip, events=(Event(onset, apex, offset, emotion=kind, aus=(au,)),))


def make_set(n_subjects: int = 3, per_class: int = 1, *, seed: int = 0, **options) -> list[LabeledClip]:
    rng = np.random.default_rng(seed)
    clips = []
    for subject in range(n_subjects):
        for kind in CLASSES:
            for _ in range(per_class):
                n_frames = int(options.get("n_frames", 40))
                onset = int(rng.integers(3, n_frames // 4))
                apex = onset + int(rng.integers(n_frames // 6, n_frames // 3))
                offset = min(n_frames - 2, apex + int(rng.integers(n_frames // 6, n_frames // 3)))
                clips.append(make_clip(f"c{len(clips):03d}", subject, kind, onset=onset, apex=apex, offset=offset,
                                       amplitude=float(rng.uniform(2.0, 4.0)), seed=int(rng.integers(1 << 30)),
                                       **options))
    return clips
