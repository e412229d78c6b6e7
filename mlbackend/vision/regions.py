"""Facial region masks from the 468 mediapipe face-mesh landmarks.

Each region is the filled convex hull of a group of landmark indices (mediapipe's own
FACEMESH_* contour sets, so "left" is the subject's left, the image's right), dilated by
`dilation` x the inter-ocular distance (the distance between the eye centres):

    brows: FACEMESH_LEFT/RIGHT_EYEBROW (the upper and lower edge of each brow)
    eyes:  FACEMESH_LEFT/RIGHT_EYE (the lid margins)
    nose:  FACEMESH_NOSE without 168 (the bridge between the eyes, which would run into the
           eye regions): the bridge from landmark 6 down to the tip, the alae and subnasale
    mouth: the outer lip contour of FACEMESH_LIPS

The left and right parts of brows and eyes are separate hulls (union in "brows" / "eyes";
`split=True` adds "left_brow", "right_brow", "left_eye", "right_eye"). cv2 is imported
when first needed.
"""

from __future__ import annotations

import numpy as np

LEFT_BROW = (276, 282, 283, 285, 293, 295, 296, 300, 334, 336)
RIGHT_BROW = (46, 52, 53, 55, 63, 65, 66, 70, 105, 107)
LEFT_EYE = (249, 263, 362, 373, 374, 380, 381, 382, 384, 385, 386, 387, 388, 390, 398, 466)
RIGHT_EYE = (7, 33, 133, 144, 145, 153, 154, 155, 157, 158, 159, 160, 161, 163, 173, 246)
NOSE = (1, 2, 4, 5, 6, 19, 45, 48, 64, 94, 97, 98, 115, 195, 197, 220, 275, 278, 294, 326, 327, 344, 440)
MOUTH = (0, 17, 37, 39, 40, 61, 84, 91, 146, 181, 185, 267, 269, 270, 291, 314, 321, 375, 405, 409)

PARTS: dict[str, tuple[int, ...]] = {
    "left_brow": LEFT_BROW, "right_brow": RIGHT_BROW, "left_eye": LEFT_EYE, "right_eye": RIGHT_EYE,
    "nose": NOSE, "mouth": MOUTH,
}
REGIONS: dict[str, tuple[str, ...]] = {
    "brows": ("left_brow", "right_brow"), "eyes": ("left_eye", "right_eye"), "nose": ("nose",), "mouth": ("mouth",),
}


def inter_ocular_distance(landmarks: np.ndarray) -> float:
    """Distance between the eye centres (mean of each eye's corners 33/133 and 362/263)."""
    right = landmarks[[33, 133]].mean(axis=0)
    left = landmarks[[362, 263]].mean(axis=0)
    return float(np.linalg.norm(left - right))


def _hull_mask(points: np.ndarray, shape: tuple[int, int], radius: int) -> np.ndarray:
    import cv2

    mask = np.zeros(shape, dtype=np.uint8)
    hull = cv2.convexHull(np.round(points * 16).astype(np.int32))  # 4 fractional bits
    cv2.fillConvexPoly(mask, hull, 1, lineType=cv2.LINE_8, shift=4)
    if radius > 0:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        mask = cv2.dilate(mask, kernel)
    return mask.astype(bool)


def region_masks(landmarks: np.ndarray, shape, *, dilation: float = 0.06, split: bool = False) -> dict[str, np.ndarray]:
    """{"brows", "eyes", "nose", "mouth"} -> HxW bool mask, for one face's (468, 2) landmarks (x, y pixels).

    shape: (H, W) or an image shape (H, W, ...); dilation: grow each hull by this fraction of
    the inter-ocular distance (at least 1 px when > 0); split: also give each side of brows
    and eyes. ValueError when a landmark is missing (NaN).
    """
    landmarks = np.asarray(landmarks, dtype=np.float64)
    if landmarks.ndim != 2 or landmarks.shape[1] != 2 or landmarks.shape[0] < 468:
        raise ValueError(f"Expected (468, 2) face-mesh landmarks, got shape {landmarks.shape}.")
    if not np.isfinite(landmarks[:468]).all():
        raise ValueError("The landmarks hold NaN (no face in this frame): pick a frame with a face.")
    height, width = int(shape[0]), int(shape[1])
    radius = 0 if dilation <= 0 else max(1, int(round(dilation * inter_ocular_distance(landmarks))))
    parts = {name: _hull_mask(landmarks[list(indices)], (height, width), radius) for name, indices in PARTS.items()}
    masks = {region: np.logical_or.reduce([parts[p] for p in names]) for region, names in REGIONS.items()}
    if split:
        masks.update({name: parts[name] for name in ("left_brow", "right_brow", "left_eye", "right_eye")})
    return masks


def region_labels(landmarks: np.ndarray, shape, *, dilation: float = 0.06) -> np.ndarray:
    """HxW uint8 label image: 0 background, 1 brows, 2 eyes, 3 nose, 4 mouth (later regions win overlaps)."""
    labels = np.zeros((int(shape[0]), int(shape[1])), dtype=np.uint8)
    for value, mask in enumerate(region_masks(landmarks, shape, dilation=dilation).values(), start=1):
        labels[mask] = value
    return labels
