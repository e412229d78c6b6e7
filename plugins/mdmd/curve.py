"""MDMD, main directional maximal difference (Wang et al. 2017; the MEGC2020 spotting baseline).

For frame i with window k (protocols.md):

1. optical flow from the head frame i-k to the current frame i, and from i-k to the tail frame i+k;
2. the face split into a 6 x 6 block grid; in each block the main direction is the one of four
   quadrant bins (u >= 0, v >= 0 | u < 0, v >= 0 | u < 0, v < 0 | u >= 0, v < 0: right-down,
   left-down, left-up, right-up in image axes) holding most pixels of the flow i-k -> i;
3. for the pixels of the main direction, R = |flow(i-k -> i)| - |flow(i-k -> i+k)|: large when
   the face has moved at i and come back by i+k (a short movement), small for a lasting change;
4. block value = mean of the top third of R over those pixels; F_i = mean of the top third
   (12) of the 36 block values.
"""

from __future__ import annotations

import numpy as np

import threading

from mlbackend.sdk.spotting import top_mean
from mlbackend.sdk.vision import FLOW_METHODS, dense_flow, to_grey

# DIS presets besides mlbackend.sdk.vision's "dis" (= the MEDIUM preset): about 4x and 10x faster.
DIS_PRESETS = {"dis_fast": "DISOPTICAL_FLOW_PRESET_FAST", "dis_ultrafast": "DISOPTICAL_FLOW_PRESET_ULTRAFAST"}
_local = threading.local()


def flow_methods() -> list[str]:
    return sorted({*FLOW_METHODS, *DIS_PRESETS})


def flow(prev_grey: np.ndarray, next_grey: np.ndarray, method: str = "dis") -> np.ndarray:
    """mlbackend.sdk.vision.dense_flow, plus the DIS presets of DIS_PRESETS."""
    if method not in DIS_PRESETS:
        return dense_flow(prev_grey, next_grey, method)
    import cv2

    objects = _local.__dict__.setdefault("dis", {})
    if method not in objects:
        objects[method] = cv2.DISOpticalFlow_create(getattr(cv2, DIS_PRESETS[method]))
    return np.asarray(objects[method].calc(to_grey(prev_grey), to_grey(next_grey), None), dtype=np.float32)


def quadrant_bins(flow: np.ndarray) -> np.ndarray:
    """HxW int array 0..3, the quadrant of each flow vector (see the module docstring)."""
    u, v = flow[..., 0], flow[..., 1]
    right, down = u >= 0, v >= 0
    return np.where(down, np.where(right, 0, 1), np.where(right, 3, 2))


def blocks(values: np.ndarray, grid: int) -> np.ndarray:
    """(grid*grid, pixels) view of an HxW array cut to a multiple of the grid, row-major blocks."""
    height, width = values.shape[:2]
    bh, bw = height // grid, width // grid
    cut = values[:bh * grid, :bw * grid]
    return cut.reshape(grid, bh, grid, bw).swapaxes(1, 2).reshape(grid * grid, bh * bw)


def mdmd_blocks(flow_current: np.ndarray, flow_tail: np.ndarray, grid: int = 6, top: float = 1 / 3) -> np.ndarray:
    """The grid*grid block values of one frame from its two flows (head -> current, head -> tail)."""
    magnitude_current = np.hypot(flow_current[..., 0], flow_current[..., 1])
    magnitude_tail = np.hypot(flow_tail[..., 0], flow_tail[..., 1])
    difference = blocks(magnitude_current - magnitude_tail, grid).astype(np.float64)
    bins = blocks(quadrant_bins(flow_current), grid)
    counts = np.stack([(bins == b).sum(axis=1) for b in range(4)], axis=1)
    main = np.argmax(counts, axis=1)  # ties: the lower bin
    selected = np.where(bins == main[:, None], difference, np.nan)
    return top_mean(selected, top, axis=1)


def mdmd_value(head: np.ndarray, current: np.ndarray, tail: np.ndarray, *, grid: int = 6, top: float = 1 / 3,
               method: str = "dis") -> float:
    """F_i from grey head (i-k), current (i) and tail (i+k) frames of one size."""
    values = mdmd_blocks(flow(head, current, method), flow(head, tail, method), grid, top)
    return float(top_mean(values, top))


def mdmd_curve(faces, k: int, *, stride: int = 1, grid: int = 6, top: float = 1 / 3, method: str = "dis") -> np.ndarray:
    """F_i for every frame of `faces` (indexable grey frames), measured every `stride` frames and
    interpolated; head and tail indices clamped into the clip (framework docstring, Edges)."""
    from mlbackend.sdk.spotting import sampled_curve

    n = len(faces)

    def clamp(index: int) -> int:
        return min(max(index, 0), n - 1)

    def measure(i: int) -> float:
        head, tail = clamp(i - k), clamp(i + k)
        if head == i or tail == i:
            return float("nan")  # the clip's first or last frame: interpolated by sampled_curve
        return mdmd_value(faces[head], faces[i], faces[tail], grid=grid, top=top, method=method)

    return sampled_curve(measure, n, stride)
