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


def global_shift(reference_grey: np.ndarray, frame_grey: np.ndarray, method: str = "phase") -> tuple[float, float]:
    """(dx, dy): the frame's global translation against the reference (frame(x + d) ~ reference(x)).

    "phase": phase correlation, fast (~0.3 ms on 128 x 128) but biased towards whole pixels
    (1.6 px reads as ~1): enough to bring the flow's task down to a fraction of a pixel.
    "ecc": OpenCV's enhanced-correlation alignment, accurate to a few hundredths of a pixel
    but 2-5 ms a frame on faces; falls back to phase correlation when it does not converge.
    """
    import cv2

    reference = to_grey(reference_grey).astype(np.float32)
    frame = to_grey(frame_grey).astype(np.float32)
    if method == "ecc":
        warp = np.eye(2, 3, dtype=np.float32)
        criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
        try:
            _correlation, warp = cv2.findTransformECC(reference, frame, warp, cv2.MOTION_TRANSLATION, criteria, None, 3)
            return float(warp[0, 2]), float(warp[1, 2])
        except cv2.error:
            pass
    elif method != "phase":
        raise ValueError(f"Unknown global shift method {method!r}; choose 'ecc' or 'phase'.")
    (dx, dy), _response = cv2.phaseCorrelate(reference, frame)
    return float(dx), float(dy)


def face_flow(
    reference_grey: np.ndarray, frame_grey: np.ndarray, method: str = "dis", *, stabilise: bool = True,
    remove_global: bool = True, shift_method: str = "phase",
) -> np.ndarray:
    """Flow of the face's own movement from reference to frame, without the head's translation.

    stabilise: the frame's global translation (`global_shift`, by `shift_method`) is undone
    before the dense flow, whose errors grow with the displacement (above all on smooth
    skin); remove_global: the median of the flow (what translation is left) is subtracted.
    """
    reference_grey, frame_grey = to_grey(reference_grey), to_grey(frame_grey)
    if stabilise:
        import cv2

        dx, dy = global_shift(reference_grey, frame_grey, shift_method)
        back = np.float32([[1, 0, -dx], [0, 1, -dy]])
        frame_grey = cv2.warpAffine(frame_grey, back, frame_grey.shape[::-1], flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REPLICATE)
    flow = dense_flow(reference_grey, frame_grey, method)
    if remove_global:
        flow = flow - np.median(flow.reshape(-1, 2), axis=0)
    return flow


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
