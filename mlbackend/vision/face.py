"""The face a plugin looks at: aligned crops when the clip has them, else a fixed box around
the landmarks, else the whole frame; always grey, square and of one size.

A fixed box (not one per frame) matters for optical flow: a box that follows the landmarks
frame by frame would add its own jitter to the motion being measured.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from mlbackend.contract import ClipInput
from mlbackend.vision.flow import to_grey


def face_box(
    landmarks: np.ndarray | None, frame_shape: tuple[int, int], margin: float = 0.15,
) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1): a square around the median landmark extent over the clip, clipped to the frame.

    None when there are no usable landmarks.
    """
    if landmarks is None:
        return None
    points = np.asarray(landmarks, dtype=np.float64)
    if points.ndim != 3 or points.shape[-1] != 2:
        return None
    found = ~np.isnan(points).any(axis=(1, 2))
    if not found.any():
        return None
    points = points[found]
    low = np.median(points.min(axis=1), axis=0)
    high = np.median(points.max(axis=1), axis=0)
    centre = (low + high) / 2
    side = float(max(high - low)) * (1 + 2 * margin)
    height, width = frame_shape
    side = min(side, width, height)
    if side < 8:
        return None
    x0 = int(round(min(max(centre[0] - side / 2, 0), width - side)))
    y0 = int(round(min(max(centre[1] - side / 2, 0), height - side)))
    return x0, y0, x0 + int(side), y0 + int(side)


def prepare_face(frame: np.ndarray, size: int = 128, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Grey uint8 size x size image of the frame (or of `box` inside it)."""
    grey = to_grey(frame)
    if box is not None:
        x0, y0, x1, y1 = box
        grey = grey[y0:y1, x0:x1]
    if grey.shape != (size, size):
        import cv2

        interpolation = cv2.INTER_AREA if min(grey.shape) > size else cv2.INTER_LINEAR
        grey = cv2.resize(grey, (size, size), interpolation=interpolation)
    return np.ascontiguousarray(grey)


class FaceFrames:
    """Grey, square face images of one clip by frame index, with a small cache.

    Uses clip.faces when present, else clip.frames cropped to a fixed landmark box (when the
    clip has landmarks), else whole frames. Indices are clamped into the clip.
    """

    def __init__(self, clip: ClipInput, size: int = 128, cache: int = 64):
        self.clip = clip
        self.size = int(size)
        self.source = clip.faces if clip.faces is not None else clip.frames
        self.n_frames = min(int(clip.n_frames), len(self.source)) if len(self.source) else 0
        if self.n_frames < 1:
            raise ValueError(f"Clip {clip.clip_id!r} has no frames.")
        self._box_known = clip.faces is not None or clip.landmarks is None
        self._box: tuple[int, int, int, int] | None = None
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_size = cache

    def clamp(self, index: int) -> int:
        return int(min(max(int(index), 0), self.n_frames - 1))

    def __len__(self) -> int:
        return self.n_frames

    def __getitem__(self, index: int) -> np.ndarray:
        index = self.clamp(index)
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        frame = np.asarray(self.source[index])
        if not self._box_known:
            self._box = face_box(self.clip.landmarks, frame.shape[:2])
            self._box_known = True
        image = prepare_face(frame, self.size, self._box)
        self._cache[index] = image
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return image
