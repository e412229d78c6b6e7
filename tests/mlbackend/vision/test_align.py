import numpy as np
import pytest

from annotator.media.faces import TARGET_EYE_X, TARGET_EYE_Y, eye_centres_from_landmarks
from mlbackend.contract import ArrayFrames
from mlbackend.synthetic import load_face_bank
from mlbackend.vision.align import AlignedFrames, NoLandmarksError, align_clip, reference_frame, transform_points


@pytest.fixture(scope="module")
def template(sample_dir):
    return next(t for t in load_face_bank(sample_dir) if t.source == "0-f15-hao-ph.jpg")


def rotated_clip(template, angle_deg, n=6, scale=1.5, canvas=256):
    """The template pasted on a larger canvas, scaled, rotated about its centre and shifted a little each frame."""
    import cv2

    centre = (template.size / 2, template.size / 2)
    matrix = cv2.getRotationMatrix2D(centre, angle_deg, scale)
    matrix[:, 2] += (canvas - template.size) / 2
    frames, landmarks = [], []
    for t in range(n):
        m = matrix.copy()
        m[0, 2] += 0.5 * t  # the head drifts: alignment must not follow it
        frames.append(cv2.warpAffine(template.image, m, (canvas, canvas), flags=cv2.INTER_LINEAR))
        landmarks.append(transform_points(template.landmarks, m))
    return ArrayFrames(frames), np.stack(landmarks)


def eye_targets(size):
    return np.array([[TARGET_EYE_X[0] * size, TARGET_EYE_Y * size], [TARGET_EYE_X[1] * size, TARGET_EYE_Y * size]])


@pytest.mark.parametrize("size", [96, 128])
def test_eyes_land_on_the_targets_in_the_onset_crop(template, size):
    frames, landmarks = rotated_clip(template, 0.0)
    aligned = align_clip(frames, landmarks, onset=2, size=size)
    assert isinstance(aligned, AlignedFrames) and len(aligned) == len(frames) and aligned.reference_frame == 2
    assert aligned[2].shape == (size, size, 3) and aligned[2].dtype == np.uint8
    right, left = eye_centres_from_landmarks(aligned.landmarks[2])
    np.testing.assert_allclose(np.stack([right, left]), eye_targets(size), atol=1e-3)


def test_a_rotated_clip_is_derotated(template):
    frames, landmarks = rotated_clip(template, 17.0)
    aligned = align_clip(frames, landmarks, onset=0, size=128)
    # the similarity undoes the 17 degree rotation and the 1.5 scale
    angle = np.degrees(np.arctan2(aligned.matrix[1, 0], aligned.matrix[0, 0]))
    assert angle == pytest.approx(17.0, abs=0.2)  # getRotationMatrix2D turned it by -17 in matrix terms
    assert np.hypot(aligned.matrix[0, 0], aligned.matrix[1, 0]) == pytest.approx(1 / 1.5, rel=0.02)
    # and the crop looks like the upright template (the template itself is eye-line aligned at 128)
    crop = aligned[0].astype(np.float32)
    inner = slice(16, 112)
    error = np.abs(crop[inner, inner] - template.image[inner, inner].astype(np.float32)).mean()
    assert error < 8.0
    # one transform for the whole clip: the later frames' drift stays in the crops
    right, _left = eye_centres_from_landmarks(aligned.landmarks[4])
    drift = right - eye_targets(128)[0]  # 2 px along the canvas's x, scaled by 1 / 1.5 and turned by 17 degrees
    assert np.hypot(*drift) == pytest.approx(2.0 / 1.5, abs=0.02)
    assert np.degrees(np.arctan2(drift[1], drift[0])) == pytest.approx(17.0, abs=0.5)


def test_falls_back_to_the_nearest_frame_with_landmarks(template):
    frames, landmarks = rotated_clip(template, 5.0, n=8)
    landmarks[[0, 1, 2, 3]] = np.nan
    aligned = align_clip(frames, landmarks, onset=1, size=64)
    assert aligned.reference_frame == 4
    landmarks[4, 10] = np.nan  # a partial set counts as missing
    assert reference_frame(landmarks, 1) == 5
    assert reference_frame(landmarks, 7) == 7


def test_no_landmarks_anywhere_is_a_clear_error(template):
    frames, landmarks = rotated_clip(template, 0.0, n=3)
    with pytest.raises(NoLandmarksError, match="No frame of the clip has face landmarks"):
        align_clip(frames, np.full_like(landmarks, np.nan), onset=0)
    with pytest.raises(ValueError, match="frames but landmarks"):
        align_clip(frames, landmarks[:2], onset=0)
    with pytest.raises(ValueError, match="outside"):
        align_clip(frames, landmarks, onset=5)
