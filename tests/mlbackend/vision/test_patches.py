import numpy as np
import pytest

from mlbackend.contract import ArrayFrames, ClipInput, Segment
from mlbackend.vision.patches import (
    CANONICAL_NODES, EYEBROWS, MOUTH, MOUTH_WITHOUT_INNER_CORNERS, apex_patches, face_and_nodes, patches_at,
)

NODES = EYEBROWS + MOUTH
SIDE = 64


def frames(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.repeat(rng.integers(0, 256, (SIDE, SIDE, 1), dtype=np.uint8), 3, axis=2) for _ in range(n)]


def mesh(seed: int = 0) -> np.ndarray:
    """468 integer points spread over the whole 64 px frame: the landmark box is the frame itself, so the
    face the patches come from is the frame, unscaled."""
    points = np.random.default_rng(seed).integers(4, SIDE - 4, (468, 2)).astype(np.float32)
    points[:2] = [[0, 0], [SIDE - 1, SIDE - 1]]
    return points


def clip(images, landmarks=None, faces=True) -> ClipInput:
    source = ArrayFrames(images)
    return ClipInput("c", "s1", "toy", 30.0, len(images), frames=source, faces=source if faces else None,
                     landmarks=landmarks)


def window(image: np.ndarray, x: int, y: int) -> np.ndarray:
    return image[y - 3:y + 4, x - 3:x + 4].astype(np.float32).reshape(-1)


def test_nodes_follow_the_nearest_frame_with_landmarks_in_frame_coordinates():
    landmarks = np.stack([mesh(), *np.full((2, 468, 2), np.nan), mesh() + 1]).astype(np.float32)
    faces, points = face_and_nodes(clip(frames(4), landmarks), 2, NODES, SIDE)
    np.testing.assert_array_equal(points, landmarks[3, list(NODES)])  # frame 3 is the apex's nearest with a face
    assert np.array_equal(faces[1], frames(4)[1][..., 0])
    patches = apex_patches(clip(frames(4), landmarks), Segment(0, 2, 3), NODES, size=SIDE, alpha=0.0)
    assert patches.shape == (30, 49) and patches.dtype == np.float32
    x, y = landmarks[3, NODES[5]].astype(int)
    np.testing.assert_array_equal(patches[5], window(frames(4)[2][..., 0], x, y))


def test_the_apex_is_magnified_against_the_onset_unless_it_is_the_onset():
    images = frames(1) * 2
    images[1] = np.clip(images[0].astype(int) + 20, 0, 255).astype(np.uint8)  # brighter apex
    landmarks = np.stack([mesh(), mesh()])
    still = apex_patches(clip(images, landmarks), Segment(1, 1, 1), NODES, size=SIDE, alpha=10.0)
    moved = apex_patches(clip(images, landmarks), Segment(0, 1, 1), NODES, size=SIDE, alpha=10.0)
    x, y = landmarks[1, NODES[0]].astype(int)
    np.testing.assert_array_equal(still[0], window(images[1][..., 0], x, y))  # an apex image: as it is
    assert not np.allclose(moved, still)


def test_without_landmarks_the_aligned_faces_take_the_canonical_layout():
    faces, points = face_and_nodes(clip(frames(2)), 0, MOUTH_WITHOUT_INNER_CORNERS, 128)
    assert faces[0].shape == (128, 128)
    np.testing.assert_allclose(points, [np.asarray(CANONICAL_NODES[i]) * 128 for i in MOUTH_WITHOUT_INNER_CORNERS])
    nan_landmarks = np.full((2, 468, 2), np.nan, np.float32)
    assert np.allclose(face_and_nodes(clip(frames(2), nan_landmarks), 0, MOUTH, 128)[1],
                       face_and_nodes(clip(frames(2)), 0, MOUTH, 128)[1])
    with pytest.raises(ValueError, match="no face landmarks and no aligned face crops"):
        face_and_nodes(clip(frames(2), nan_landmarks, faces=False), 0, MOUTH, 128)


def test_patches_at_sample_sub_pixel_centres_and_repeat_the_border():
    image = np.arange(20 * 20, dtype=np.float32).reshape(20, 20)
    patches = patches_at(image, np.array([[10.0, 5.0], [10.5, 5.0], [0.0, 0.0]]))
    assert patches.shape == (3, 49)
    np.testing.assert_array_equal(patches[0], window(image, 10, 5))
    np.testing.assert_allclose(patches[1], window(image, 10, 5) + 0.5)  # half a pixel right: + 0.5 on a ramp in x
    assert patches[2].reshape(7, 7)[0, 0] == image[0, 0] and patches[2].reshape(7, 7)[3, 6] == image[0, 3]


def test_node_lists_and_canonical_layout():
    assert (len(EYEBROWS), len(MOUTH), len(MOUTH_WITHOUT_INNER_CORNERS)) == (10, 20, 18)
    assert len(set(NODES)) == 30 and set(CANONICAL_NODES) == set(NODES) and max(NODES) < 468
    # dlib's order mirrors: brow i <-> 9 - i; outer lip corner to corner around the mouth, inner likewise.
    mirrored = [*zip(EYEBROWS, EYEBROWS[::-1]), *zip(MOUTH[:7], (MOUTH[6], *MOUTH[5::-1])),
                *zip(MOUTH[12:17], MOUTH[16:11:-1])]
    for a, b in mirrored:
        (xa, ya), (xb, yb) = CANONICAL_NODES[a], CANONICAL_NODES[b]
        assert abs(xa + xb - 1.0) < 0.03 and abs(ya - yb) < 0.03, (a, b)
    assert all(CANONICAL_NODES[i][1] < 0.38 for i in EYEBROWS)  # above the aligned eye line
    assert all(CANONICAL_NODES[i][1] > 0.6 for i in MOUTH)
