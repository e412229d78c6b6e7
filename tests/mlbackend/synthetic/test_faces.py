import numpy as np
import pytest

from annotator.media.faces import TARGET_EYE_X, TARGET_EYE_Y, eye_centres_from_landmarks
from mlbackend.synthetic import load_face_bank


def test_bank_holds_distinct_aligned_subjects(bank, sample_dir):
    subjects = {t.subject for t in bank}
    assert len(subjects) >= 8
    for t in bank:
        assert t.image.shape == (128, 128, 3) and t.image.dtype == np.uint8
        assert t.landmarks.shape == (468, 2) and t.landmarks.dtype == np.float32
        right, left = eye_centres_from_landmarks(t.landmarks)
        assert right == pytest.approx([TARGET_EYE_X[0] * 128, TARGET_EYE_Y * 128], abs=0.01)
        assert left == pytest.approx([TARGET_EYE_X[1] * 128, TARGET_EYE_Y * 128], abs=0.01)
        nose, chin_area = t.landmarks[1], t.landmarks[14]  # nose tip and lower lip lie in the crop, under the eyes
        assert 48 < nose[1] < chin_area[1] < 128 and 30 < nose[0] < 98
    # the same call returns the same bank, in the same order
    assert [(t.subject, t.source) for t in load_face_bank(sample_dir)] == [(t.subject, t.source) for t in bank]


def test_subjects_follow_people(bank):
    by_source = {t.source.split("@")[0].split("#")[0]: t.subject for t in bank}
    # the three door videos film one man; every face of multi_face.jpg is its own person
    assert by_source["single_face.mp4"] == by_source["face_noface.mov"] == by_source["noface_face.mov"]
    multi = [t for t in bank if t.source.startswith("multi_face.jpg#")]
    assert len(multi) >= 3 and len({t.subject for t in multi}) == len(multi)
    assert by_source["0-f1-su-ph.jpg"] != by_source["0-f15-hao-ph.jpg"]


def test_hires_crop_averages_to_the_crop(template):
    import cv2

    assert template.oversample == 4
    small = cv2.resize(template.hires, (128, 128), interpolation=cv2.INTER_AREA)
    assert np.abs(small - template.image).max() <= 0.5 + 1e-3
    assert not template.image.flags.writeable and not template.landmarks.flags.writeable


def test_too_few_subjects_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="subjects"):
        load_face_bank(tmp_path, min_faces=1)
