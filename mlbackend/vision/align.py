"""Whole-clip face alignment on the eye line of one reference frame (docs/preprocessing.md).

Micro-expression pipelines align a clip with ONE similarity transform, taken from the onset
frame's landmarks, and apply it to every frame: aligning each frame on its own landmarks
would remove (or invent) the very motion a coder looks for, since landmark jitter is of the
order of a micro-expression's amplitude.

The transform is the annotator's (`annotator.media.faces.alignment_from_landmarks`): the eye
centres land at (0.32, 0.38) and (0.68, 0.38) of the crop's side. That module is imported
when first needed, as is cv2.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

N_LANDMARKS = 468


class NoLandmarksError(ValueError):
    """No frame of the clip has landmarks to align on."""


def _faces():
    from annotator.media import faces

    return faces


def _has_face(points: np.ndarray) -> bool:
    return bool(np.isfinite(points).all())


def reference_frame(landmarks: np.ndarray, onset: int) -> int:
    """`onset` when it has landmarks, else the nearest frame that has (the earlier one on a tie).

    Raises NoLandmarksError when no frame has a complete set of landmarks.
    """
    landmarks = np.asarray(landmarks)
    if landmarks.ndim != 3 or landmarks.shape[2] != 2:
        raise ValueError(f"Expected landmarks of shape (n_frames, {N_LANDMARKS}, 2), got {landmarks.shape}.")
    n = landmarks.shape[0]
    if not 0 <= onset < n:
        raise ValueError(f"Onset {onset} is outside the clip's frames 0..{n - 1}.")
    valid = np.isfinite(landmarks.reshape(n, -1)).all(axis=1)
    if not valid.any():
        raise NoLandmarksError(
            "No frame of the clip has face landmarks, so it cannot be aligned: run face detection "
            "(ingest with alignment) or align on a face box instead."
        )
    frames = np.flatnonzero(valid)
    return int(frames[np.argmin(np.abs(frames - onset) * 2 + (frames > onset))])


def similarity_for_clip(landmarks: np.ndarray, onset: int, size: int = 128) -> tuple[np.ndarray, int]:
    """(2x3 source -> crop similarity matrix, reference frame) from the reference frame's eye line."""
    if int(size) < 8:
        raise ValueError(f"Crop size must be at least 8 px, got {size}.")
    frame = reference_frame(landmarks, onset)
    alignment = _faces().alignment_from_landmarks(np.asarray(landmarks[frame], dtype=np.float64), frame, int(size))
    return np.asarray(alignment.matrix, dtype=np.float64), frame


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Points (..., 2) in source pixels mapped by a 2x3 affine matrix (NaN stays NaN)."""
    points = np.asarray(points, dtype=np.float64)
    matrix = np.asarray(matrix, dtype=np.float64)
    return (points @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


class AlignedFrames:
    """A lazy FrameSource of size x size crops: frame i is warped when asked for (no cache).

    matrix: the 2x3 similarity (source pixels -> crop pixels) applied to every frame;
    reference_frame: the frame whose landmarks gave it; landmarks: the clip's landmarks in
    crop coordinates (None when none were given).
    """

    def __init__(self, frames, matrix: np.ndarray, size: int, reference_frame: int,
                 landmarks: np.ndarray | None = None):
        self._frames = frames
        self.matrix = np.asarray(matrix, dtype=np.float64)
        self.size = int(size)
        self.reference_frame = int(reference_frame)
        self.landmarks = None if landmarks is None else transform_points(landmarks, self.matrix)

    def __len__(self) -> int:
        return len(self._frames)

    def __getitem__(self, index: int) -> np.ndarray:
        if not isinstance(index, (int, np.integer)):
            raise TypeError("AlignedFrames takes one integer frame index")
        if not 0 <= index < len(self):
            raise IndexError(f"frame {index} outside 0..{len(self) - 1}")
        return self.warp(self._frames[int(index)])

    def warp(self, image: np.ndarray) -> np.ndarray:
        """One image (any size the landmarks refer to) warped into the crop."""
        faces = _faces()
        return faces.warp_face(np.ascontiguousarray(image), faces.Alignment(self.matrix, self.size, "mediapipe",
                                                                            self.reference_frame))

    def to_array(self, indices: Sequence[int] | None = None) -> np.ndarray:
        """The crops of `indices` (all frames when None) stacked as (n, size, size[, 3])."""
        indices = range(len(self)) if indices is None else indices
        return np.stack([self[i] for i in indices])


def align_clip(frames, landmarks: np.ndarray, onset: int, size: int = 128) -> AlignedFrames:
    """Align a whole clip with the similarity transform from the onset frame's eye line.

    frames: a FrameSource (len, [i] -> HxWx3 BGR); landmarks: (n_frames, 468, 2) source pixels,
    NaN where no face was found. When the onset frame has no landmarks, the nearest frame
    that has is used (`AlignedFrames.reference_frame` says which); NoLandmarksError (a
    ValueError) when none has.
    """
    landmarks = np.asarray(landmarks)
    if landmarks.ndim != 3 or landmarks.shape[1:] != (N_LANDMARKS, 2):
        raise ValueError(f"Expected landmarks of shape (n_frames, {N_LANDMARKS}, 2), got {landmarks.shape}.")
    if len(frames) != landmarks.shape[0]:
        raise ValueError(f"The clip has {len(frames)} frames but landmarks for {landmarks.shape[0]}.")
    matrix, frame = similarity_for_clip(landmarks, onset, size)
    return AlignedFrames(frames, matrix, int(size), frame, landmarks)
