import numpy as np
import pytest

from mlbackend.synthetic import load_face_bank
from mlbackend.vision.regions import PARTS, region_labels, region_masks


@pytest.fixture(scope="module")
def bank(sample_dir):
    return load_face_bank(sample_dir)


def centre(mask):
    ys, xs = np.nonzero(mask)
    return xs.mean(), ys.mean()


def test_masks_sit_where_expected_and_barely_overlap(bank):
    for template in bank:
        masks = region_masks(template.landmarks, template.image.shape, split=True)
        eye_x = sorted(centre(masks[side])[0] for side in ("left_eye", "right_eye"))
        masks = {name: masks[name] for name in ("brows", "eyes", "nose", "mouth")}
        for name, mask in masks.items():
            assert mask.shape == template.image.shape[:2] and mask.dtype == bool
            assert 0.005 < mask.mean() < 0.15, (template.source, name)
        names = list(masks)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                shared = (masks[names[a]] & masks[names[b]]).sum()
                assert shared <= 0.25 * min(masks[names[a]].sum(), masks[names[b]].sum()), (template.source, names[a], names[b])
        y = {name: centre(mask)[1] for name, mask in masks.items()}
        assert y["brows"] < y["eyes"] < y["nose"] < y["mouth"], template.source
        # aligned crops: eyes on the line at 0.38 of the side; nose and mouth between the eyes (faces turn a little)
        assert abs(y["eyes"] - 0.38 * template.size) < 0.05 * template.size
        for name in ("nose", "mouth"):
            assert eye_x[0] < centre(masks[name])[0] < eye_x[1], (template.source, name)


def test_each_mask_covers_its_landmarks_and_sides_split(bank):
    template = bank[0]
    masks = region_masks(template.landmarks, template.image.shape, split=True)
    for part, indices in PARTS.items():
        region = {"left_brow": "brows", "right_brow": "brows", "left_eye": "eyes", "right_eye": "eyes"}.get(part, part)
        x, y = np.round(template.landmarks[list(indices)]).astype(int).T
        assert masks[region][y, x].all(), part
    # mediapipe's "left" is the subject's left: the image's right
    assert centre(masks["left_eye"])[0] > centre(masks["right_eye"])[0]
    assert not (masks["left_brow"] & masks["right_brow"]).any()


def test_dilation_grows_masks_and_labels_match():
    rng = np.random.default_rng(0)
    # a synthetic "face": landmarks scattered but with the right eye corners for the inter-ocular distance
    landmarks = rng.uniform(40, 80, size=(468, 2))
    tight = region_masks(landmarks, (128, 128), dilation=0)
    wide = region_masks(landmarks, (128, 128), dilation=0.2)
    for name in tight:
        assert wide[name].sum() > tight[name].sum() and (wide[name] | tight[name]).sum() == wide[name].sum()
    labels = region_labels(landmarks, (128, 128))
    assert set(np.unique(labels)) <= {0, 1, 2, 3, 4}


def test_missing_landmarks_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        region_masks(np.full((468, 2), np.nan), (64, 64))
    with pytest.raises(ValueError, match="468"):
        region_masks(np.zeros((10, 2)), (64, 64))
