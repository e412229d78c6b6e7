import numpy as np
import pytest

from mlbackend.synthetic.aus import AU_SPECS, EMOTION_VARIANTS, MAX_SLOPE, au_field, blink_field, build_field, max_slope

BROWS = (70, 63, 105, 66, 107, 300, 293, 334, 296, 336)
MOUTH = (61, 291, 0, 17, 13, 14)


def _magnitude(field):
    return np.hypot(field[..., 0], field[..., 1])


def _near(landmarks, indices, radius=5):
    ys, xs = np.mgrid[0:128, 0:128]
    mask = np.zeros((128, 128), bool)
    for x, y in landmarks[list(indices)]:
        mask |= (xs - x) ** 2 + (ys - y) ** 2 <= radius ** 2
    return mask


def _at(field, point):
    x, y = np.round(point).astype(int)
    return field[y, x]


def test_fields_are_local(template):
    lm = template.landmarks
    smile = _magnitude(au_field(12, "both", lm, 128))
    frown = _magnitude(au_field(4, "both", lm, 128))
    assert smile[_near(lm, BROWS)].max() < 0.01 and smile[_near(lm, (61, 291))].max() > 0.5
    assert frown[_near(lm, MOUTH)].max() < 0.01 and frown[_near(lm, (107, 336))].max() > 0.5


def test_fields_move_the_right_way(template):
    lm = template.landmarks
    smile = au_field(12, "both", lm, 128)
    right, left = _at(smile, lm[61]), _at(smile, lm[291])  # subject's right corner is on the image's left
    assert right[1] < 0 and left[1] < 0 and right[0] < 0 < left[0]
    frown = au_field(4, "both", lm, 128)
    inner_r, inner_l = _at(frown, lm[107]), _at(frown, lm[336])
    assert inner_r[1] > 0 and inner_l[1] > 0 and inner_r[0] > 0 > inner_l[0]  # down and together
    assert _at(au_field(1, "both", lm, 128), lm[107])[1] < 0
    assert _at(au_field(15, "both", lm, 128), lm[61])[1] > 0
    assert _at(au_field(26, "both", lm, 128), lm[17])[1] > 0
    assert abs(_at(au_field(26, "both", lm, 128), lm[0])[1]) < 0.1  # the upper lip stays
    one_sided = _magnitude(au_field(12, "L", lm, 128))
    assert _at(one_sided, lm[291]) > 0.5 and _at(one_sided, lm[61]) < 0.01


@pytest.mark.parametrize("peak", [0.5, 3.0, 10.0])
def test_built_field_has_its_peak_and_stays_invertible(template, peak):
    for variants in EMOTION_VARIANTS.values():
        for aus, _ in variants:
            forward, backward = build_field(aus, template.landmarks, 128, peak, sigma_scale=1.5 if peak > 3 else 1.0)
            assert forward.dtype == np.float32 and forward.shape == (128, 128, 2)
            assert _magnitude(forward).max() == pytest.approx(peak, rel=1e-4)
            assert max_slope(forward) <= MAX_SLOPE + 1e-6
            assert not backward.any()


def test_blink_closes_the_eye(template):
    lm = template.landmarks
    field = blink_field(lm, 128)
    for upper, lower in ((159, 145), (386, 374)):
        x, row = int(round(lm[lower, 0])), int(np.floor(lm[lower, 1]))  # just above the lower lid
        source_row = row - field[row, x, 1]  # frame(p) = template(p - B(p))
        assert source_row <= lm[upper, 1] + 1.0  # shows the upper lid's edge or the lid skin above it
    assert _magnitude(field)[_near(lm, MOUTH + BROWS)].max() == 0
    assert AU_SPECS[45].backward


def test_unknown_au_is_refused(template):
    with pytest.raises(ValueError, match="AU99"):
        build_field(((99, "both"),), template.landmarks, 128, 1.0)
