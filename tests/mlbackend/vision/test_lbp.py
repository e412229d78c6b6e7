"""mlbackend.vision.lbp (plugins: mlbackend.sdk.vision): the vectorised LBP against a plain loop, the uniform
mapping, histograms."""

import numpy as np
import pytest

from mlbackend.sdk.vision import (
    N_UNIFORM_BINS, UNIFORM_TABLE, block_histograms, cell_histograms, chi_square, lbp_codes, offset_codes,
    transitions, uniform_lbp,
)
from mlbackend.vision.lbp import NEIGHBOURS


def lbp_codes_naive(image: np.ndarray, radius: int = 1) -> np.ndarray:
    """The codes with plain loops: the reference the vectorised version is tested against."""
    r = int(radius)
    height, width = image.shape
    codes = np.zeros((height - 2 * r, width - 2 * r), dtype=np.uint8)
    for y in range(r, height - r):
        for x in range(r, width - r):
            code = 0
            for bit, (dy, dx) in enumerate(NEIGHBOURS):
                if float(image[y + r * dy, x + r * dx]) >= float(image[y, x]):
                    code |= 1 << bit
            codes[y - r, x - r] = code
    return codes


@pytest.mark.parametrize("radius", [1, 2, 3])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_vectorised_codes_equal_the_naive_loop(radius, dtype):
    rng = np.random.default_rng(radius)
    image = rng.integers(0, 6, size=(17, 23)).astype(dtype)  # few grey levels: many ties (>= counts as 1)
    codes = lbp_codes(image, radius)
    assert codes.shape == (17 - 2 * radius, 23 - 2 * radius) and codes.dtype == np.uint8
    assert np.array_equal(codes, lbp_codes_naive(image, radius))


def test_codes_by_hand():
    # neighbours clockwise from top-left are bits 0..7; centre 5
    image = np.array([[9, 1, 9],
                      [1, 5, 9],
                      [1, 1, 5]], dtype=np.uint8)
    # top-left 9 >= 5: bit 0; top 1: no; top-right 9: bit 2; right 9: bit 3; bottom-right 5 >= 5: bit 4;
    # bottom 1, bottom-left 1, left 1: no -> 1 + 4 + 8 + 16 = 29
    assert lbp_codes(image)[0, 0] == 29
    assert lbp_codes(np.full((3, 3), 7, np.uint8))[0, 0] == 255  # flat: every neighbour >= centre


def test_uniform_mapping():
    uniform = [code for code in range(256) if transitions(code) <= 2]
    assert len(uniform) == 58 and N_UNIFORM_BINS == 59
    assert UNIFORM_TABLE[0] == 0 and UNIFORM_TABLE[255] == 57  # first and last uniform codes
    assert UNIFORM_TABLE[0b00011100] < 58 and UNIFORM_TABLE[0b10000001] < 58  # one run, also wrapping round
    assert UNIFORM_TABLE[0b01010101] == 58 and UNIFORM_TABLE[0b00100100] == 58  # 8 and 4 transitions
    assert sorted(set(UNIFORM_TABLE[uniform].tolist())) == list(range(58))
    assert uniform_lbp(np.full((5, 5), 3, np.uint8)).max() == 57


def test_block_histograms_are_normalised_per_block():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(62, 62)).astype(np.uint8)
    histograms = block_histograms(image, grid=6)
    assert histograms.shape == (36, 59)
    assert np.allclose(histograms.sum(axis=1), 1.0)
    counts = block_histograms(image, grid=6, normalise=False)
    assert counts.sum() == 60 * 60  # every code pixel counted once
    # block 0 holds the top-left 10 x 10 code pixels
    expected = np.bincount(uniform_lbp(image)[:10, :10].ravel(), minlength=59)
    assert np.array_equal(counts[0], expected)


def test_chi_square_by_hand():
    p, q = np.array([0.5, 0.5, 0.0]), np.array([1.0, 0.0, 0.0])
    # (0.5 - 1)^2 / 1.5 + (0.5 - 0)^2 / 0.5 + (bin 3 empty in both: left out) = 1/6 + 1/2
    assert chi_square(p, q) == pytest.approx(2 / 3)
    assert chi_square(p, p) == 0.0
    assert np.allclose(chi_square(np.stack([p, q]), np.stack([q, q]), axis=1), [2 / 3, 0.0])


def test_offset_codes_on_a_volume_by_hand():
    volume = np.zeros((3, 3, 3), np.uint8)  # (t, y, x); centre (1, 1, 1) = 5
    volume[1, 1, 1] = 5
    volume[0, 1, 1], volume[1, 1, 2] = 9, 5  # the frame before: greater; the right neighbour: a tie, counts as 1
    offsets = [(-1, 0, 0), (1, 0, 0), (0, 0, 1), (0, 1, 0)]  # before, after, right, below
    codes = offset_codes(volume, offsets, (1, 1, 1))
    assert codes.shape == (1, 1, 1) and codes[0, 0, 0] == 0b0101
    with pytest.raises(ValueError, match="does not fit"):
        offset_codes(volume, [(2, 0, 0)], (1, 1, 1))
    with pytest.raises(ValueError, match="no centre"):
        offset_codes(volume, offsets, (2, 1, 1))


def test_cell_histograms_count_every_frame_of_a_volume():
    bins = np.array([[[0, 1], [2, 2]], [[1, 1], [0, 2]]])  # 2 frames of 2 x 2, grid 1 x 2: left and right columns
    counts = cell_histograms(bins, 3, (1, 2), normalise=False)
    assert counts.tolist() == [[2, 1, 1], [0, 2, 2]]
    assert np.allclose(cell_histograms(bins, 3, (1, 2)).sum(axis=1), 1.0)
