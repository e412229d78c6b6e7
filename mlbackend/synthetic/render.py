"""Render frames: AU displacement fields over time, head drift, illumination flicker, sensor noise.

Per frame t the forward displacement is D_t(p) = sum_m a_m(t) F_m(p) + d(t): every movement m
scaled by its temporal profile a_m (0 before onset, raised-cosine rise to 1 at the apex, fall to
0 at the offset), plus the global head drift d(t). The backward map u with
frame_t(p) = template(p - u(p)) solves u(p) = D_t(p - u(p)) by fixed-point iteration, which
converges because the fields' slope stays below `aus.MAX_SLOPE`. Backward fields (the blink)
add a_m(t) B_m(p) to u.

u is computed at the crop size and applied to the template's `oversample` x larger crop, which
is then area-averaged down: sub-pixel motion then moves edges instead of blurring them, and a
frame without motion is the crop itself. Then the frame's illumination gain multiplies it,
Gaussian sensor noise is added, and it is rounded to uint8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FIXED_POINT_ITERATIONS = 8


@dataclass(frozen=True, eq=False)
class Layer:
    """One movement to render: its per-frame amplitude and its fields at amplitude 1."""

    amplitude: np.ndarray  # (n_frames,) in [0, 1]
    forward: np.ndarray  # (size, size, 2) float32, pixels
    backward: np.ndarray | None = None  # (size, size, 2) float32, pixels, or None


def temporal_profile(n_frames: int, onset: int, apex: int, offset: int) -> np.ndarray:
    """a(t): 0 up to the onset, raised cosine to 1 at the apex, back to 0 at the offset, 0 after."""
    if not 0 <= onset < apex < offset < n_frames:
        raise ValueError(f"need onset < apex < offset inside the clip, got {onset}, {apex}, {offset} of {n_frames}")
    t = np.arange(n_frames, dtype=np.float64)
    a = np.zeros(n_frames)
    rise = (t > onset) & (t <= apex)
    a[rise] = 0.5 * (1 - np.cos(np.pi * (t[rise] - onset) / (apex - onset)))
    fall = (t > apex) & (t < offset)
    a[fall] = 0.5 * (1 + np.cos(np.pi * (t[fall] - apex) / (offset - apex)))
    return a


def drift_path(rng: np.random.Generator, n_frames: int, max_px: float, smooth_frames: float = 12.0) -> np.ndarray:
    """(n_frames, 2) smooth random walk of the head's translation, 0 at frame 0, largest |d| = max_px."""
    import cv2

    steps = rng.standard_normal((n_frames, 2))
    walk = np.cumsum(steps, axis=0)
    if n_frames > 1:
        walk = cv2.GaussianBlur(walk.reshape(n_frames, 1, 2), (0, 0), sigmaX=0.1, sigmaY=smooth_frames,
                                borderType=cv2.BORDER_REPLICATE).reshape(n_frames, 2)
    walk -= walk[0]
    largest = float(np.hypot(walk[:, 0], walk[:, 1]).max())
    return walk * (max_px / largest) if largest > 0 else walk


def flicker_gains(rng: np.random.Generator, n_frames: int, fps: float, amplitude: float) -> np.ndarray:
    """(n_frames,) illumination gain: 1 + amplitude x (a slow 1-8 Hz sine and per-frame jitter)."""
    frequency = rng.uniform(1.0, 8.0)
    phase = rng.uniform(0, 2 * np.pi)
    jitter = rng.standard_normal(n_frames)
    t = np.arange(n_frames) / fps
    return 1.0 + amplitude * (0.8 * np.sin(2 * np.pi * frequency * t + phase) + 0.3 * jitter)


def invert_forward(displacement: np.ndarray, grid: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """u with u(p) = D(p - u(p)): the backward offsets of the forward displacement D (H, W, 2)."""
    import cv2

    xs, ys = grid
    u = displacement.copy()
    for _ in range(FIXED_POINT_ITERATIONS):
        u = cv2.remap(displacement, xs - u[..., 0], ys - u[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return u


def backward_offsets(layers: Sequence[Layer], t: int, drift: np.ndarray, grid, size: int) -> np.ndarray:
    """(size, size, 2) float32 u for frame t (frame(p) = template(p - u(p)))."""
    forward = np.zeros((size, size, 2), np.float32)
    moving = False
    for layer in layers:
        a = float(layer.amplitude[t])
        if a != 0.0 and layer.forward is not None:
            forward += np.float32(a) * layer.forward
            moving = True
    forward += drift[t].astype(np.float32)
    u = invert_forward(forward, grid) if moving else forward
    for layer in layers:
        a = float(layer.amplitude[t])
        if a != 0.0 and layer.backward is not None:
            u = u + np.float32(a) * layer.backward
    return u


def render_frames(
    image: np.ndarray, hires: np.ndarray | None, layers: Sequence[Layer], n_frames: int, *,
    drift: np.ndarray | None = None, gains: np.ndarray | None = None, noise_sigma: float = 0.0,
    noise_rng: np.random.Generator | None = None,
) -> np.ndarray:
    """(n_frames, size, size, 3) uint8 BGR frames of the template `image` (its `hires` version warped)."""
    import cv2

    size = image.shape[0]
    source = hires if hires is not None else image.astype(np.float32)
    scale = source.shape[0] // size
    big = source.shape[0]
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    grid = (xs, ys)
    big_ys, big_xs = np.mgrid[0:big, 0:big].astype(np.float32)
    drift = np.zeros((n_frames, 2)) if drift is None else drift
    gains = np.ones(n_frames) if gains is None else gains
    if noise_sigma > 0 and noise_rng is None:
        raise ValueError("noise needs its generator")
    frames = np.empty((n_frames, size, size, 3), np.uint8)
    for t in range(n_frames):
        u = backward_offsets(layers, t, drift, grid, size)
        if scale > 1:
            u = cv2.resize(u, (big, big), interpolation=cv2.INTER_LINEAR) * np.float32(scale)
        warped = cv2.remap(source, big_xs - u[..., 0], big_ys - u[..., 1], cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_REPLICATE)
        if scale > 1:
            warped = cv2.resize(warped, (size, size), interpolation=cv2.INTER_AREA)
        frame = warped * np.float32(gains[t])
        if noise_sigma > 0:
            frame += noise_rng.standard_normal(frame.shape, dtype=np.float32) * np.float32(noise_sigma)
        frames[t] = np.clip(np.rint(frame), 0, 255).astype(np.uint8)
    return frames
