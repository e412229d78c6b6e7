"""LBP-TOP (Zhao & Pietikäinen, IEEE TPAMI 2007): uniform LBP on three orthogonal planes of a face volume.

A volume is (T, H, W) grey frames. Every centre voxel at least R_t frames from both ends and
max(R_x, R_y) pixels from every side gets three 8-bit codes: one in its XY plane (the frame),
one in its XT plane (its row over time), one in its YT plane (its column over time). The 8
neighbours sit on an ellipse, point p at angle 2 pi p / 8, rounded to the nearest voxel as the
authors' reference code does without interpolation (floor(v + 0.5)):

    XY: x + R_x cos, y - R_y sin       XT: x + R_x cos, t + R_t sin       YT: y - R_y sin, t + R_t cos

so with radii (1, 1, 4) the XY ring is the 3 x 3 square starting right and going
anticlockwise, and the XT/YT rings reach 3 frames on the diagonals and 4 on the axis.
Codes map to the 59 uniform bins; per block of a grid x grid split of the centre area, one
L1-normalised histogram per plane; the feature is all of them concatenated, block-major
(block 0: XY, XT, YT; block 1: ...).
"""

from __future__ import annotations

import numpy as np

from mlbackend.sdk.vision import N_UNIFORM_BINS, UNIFORM_TABLE, cell_histograms, offset_codes

POINTS = 8  # neighbours per plane: 59 uniform bins
PLANES = ("XY", "XT", "YT")


def _nearest(value: float) -> int:
    return int(np.floor(value + 0.5))


def plane_offsets(rx: int, ry: int, rt: int) -> dict[str, list[tuple[int, int, int]]]:
    """Per plane the 8 neighbour offsets (dt, dy, dx), bit p at angle 2 pi p / 8."""
    angles = 2 * np.pi * np.arange(POINTS) / POINTS
    cos, sin = np.cos(angles), np.sin(angles)
    return {
        "XY": [(0, _nearest(-ry * s), _nearest(rx * c)) for c, s in zip(cos, sin)],
        "XT": [(_nearest(rt * s), 0, _nearest(rx * c)) for c, s in zip(cos, sin)],
        "YT": [(_nearest(rt * c), _nearest(-ry * s), 0) for c, s in zip(cos, sin)],
    }


def lbptop_codes(volume: np.ndarray, rx: int = 1, ry: int = 1, rt: int = 4) -> dict[str, np.ndarray]:
    """Per plane the (T - 2 R_t, H - 2 R, W - 2 R) uint8 uniform bins (R = max(R_x, R_y)) of one volume."""
    volume = np.asarray(volume)
    if volume.ndim != 3:
        raise ValueError(f"Expected a (T, H, W) volume, got shape {volume.shape}.")
    margin = max(rx, ry)
    margins = (rt, margin, margin)  # one set of centre voxels for all three planes, as the reference
    return {plane: UNIFORM_TABLE[offset_codes(volume, offsets, margins)]
            for plane, offsets in plane_offsets(rx, ry, rt).items()}


def lbptop_features(volume: np.ndarray, grid: int = 5, rx: int = 1, ry: int = 1, rt: int = 4) -> np.ndarray:
    """grid^2 x 3 x 59 float64 vector: per block the normalised XY, XT and YT uniform histograms."""
    codes = lbptop_codes(volume, rx, ry, rt)
    per_plane = [cell_histograms(codes[plane], N_UNIFORM_BINS, grid) for plane in PLANES]  # each (blocks, 59)
    return np.stack(per_plane, axis=1).ravel()


def segment_volume(faces, onset: int, offset: int, frames: int) -> np.ndarray:
    """(frames, size, size) float32: the faces from onset to offset resampled to `frames` evenly spaced
    times, linearly interpolated between the two nearest frames (a fixed length, in place of TIM)."""
    onset, offset = faces.clamp(onset), faces.clamp(offset)
    times = np.linspace(onset, max(onset, offset), frames)
    low = np.floor(times).astype(int)
    high = np.minimum(low + 1, max(onset, offset))
    weight = (times - low).astype(np.float32)
    return np.stack([(1 - w) * faces[a].astype(np.float32) + w * faces[b].astype(np.float32)
                     for a, b, w in zip(low, high, weight)])
