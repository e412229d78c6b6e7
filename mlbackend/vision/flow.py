"""Dense optical flow between two grey frames, behind one name-keyed registry.

cv2 is imported inside the functions: importing this module (and the plugins that use it)
must not load OpenCV, because web processes import every plugin at start.

Flow convention: an HxWx2 float32 array (u, v) in pixels, u to the right, v downwards, such
that next[y + v, x + u] ~ prev[y, x].
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

FlowFunction = Callable[[np.ndarray, np.ndarray], np.ndarray]
FLOW_METHODS: dict[str, FlowFunction] = {}
_local = threading.local()  # OpenCV flow objects are stateful and not thread safe: one per thread


def register_flow_method(name: str) -> Callable[[FlowFunction], FlowFunction]:
    """Decorator: make `dense_flow(..., method=name)` call the function (prev_grey, next_grey) -> HxWx2."""

    def decorate(function: FlowFunction) -> FlowFunction:
        FLOW_METHODS[name] = function
        return function

    return decorate


def _cached(key: str, factory: Callable[[], object]) -> object:
    objects = _local.__dict__.setdefault("objects", {})
    if key not in objects:
        objects[key] = factory()
    return objects[key]


@register_flow_method("dis")
def _dis_flow(prev_grey: np.ndarray, next_grey: np.ndarray) -> np.ndarray:
    import cv2

    dis = _cached("dis", lambda: cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM))
    return dis.calc(prev_grey, next_grey, None)  # no initial flow: every pair is computed afresh


@register_flow_method("farneback")
def _farneback_flow(prev_grey: np.ndarray, next_grey: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.calcOpticalFlowFarneback(
        prev_grey, next_grey, None, pyr_scale=0.5, levels=3, winsize=15, iterations=3, poly_n=5, poly_sigma=1.2,
        flags=0,
    )


@register_flow_method("tvl1")
def _tvl1_flow(prev_grey: np.ndarray, next_grey: np.ndarray) -> np.ndarray:
    """TV-L1 (opencv-contrib); about 5x slower than DIS."""
    import cv2

    tvl1 = _cached("tvl1", lambda: cv2.optflow.DualTVL1OpticalFlow_create())
    return tvl1.calc(prev_grey, next_grey, None)


def dense_flow(prev_grey: np.ndarray, next_grey: np.ndarray, method: str = "dis") -> np.ndarray:
    """Optical flow from prev to next (2-D uint8 images of one size) as HxWx2 float32 (u, v)."""
    try:
        function = FLOW_METHODS[method]
    except KeyError:
        raise ValueError(f"Unknown optical flow method {method!r}; choose from {sorted(FLOW_METHODS)}.") from None
    prev_grey, next_grey = to_grey(prev_grey), to_grey(next_grey)
    if prev_grey.shape != next_grey.shape:
        raise ValueError(f"Frames differ in size: {prev_grey.shape} and {next_grey.shape}.")
    flow = function(prev_grey, next_grey)
    return np.asarray(flow, dtype=np.float32)


def to_grey(frame: np.ndarray) -> np.ndarray:
    """A BGR (HxWx3), BGRA (HxWx4) or grey (HxW, HxWx1) frame as a contiguous 2-D uint8 image."""
    frame = np.asarray(frame)
    if frame.dtype != np.uint8:
        if np.issubdtype(frame.dtype, np.floating) and frame.size and float(np.nanmax(frame)) <= 1.0:
            frame = frame * 255.0
        frame = np.clip(np.nan_to_num(frame), 0, 255).astype(np.uint8)
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim == 2:
        return np.ascontiguousarray(frame)
    if frame.ndim != 3 or frame.shape[2] not in (3, 4):
        raise ValueError(f"Expected a BGR, BGRA or grey image, got shape {frame.shape}.")
    import cv2

    code = cv2.COLOR_BGR2GRAY if frame.shape[2] == 3 else cv2.COLOR_BGRA2GRAY
    return cv2.cvtColor(np.ascontiguousarray(frame), code)
