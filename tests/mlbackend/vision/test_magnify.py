import numpy as np
import pytest

from mlbackend.vision.magnify import (
    collapse_pyramid, default_levels, laplacian_pyramid, level_alphas, magnify_difference,
)


def blob(shift: float = 0.0, size: int = 128, sigma: float = 6.0) -> np.ndarray:
    """A bright Gaussian blob at the centre, moved sideways by `shift` px (float grey levels)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    return 60 + 150 * np.exp(-((xx - size / 2 - shift) ** 2 + (yy - size / 2) ** 2) / (2 * sigma ** 2))


def displacement(image: np.ndarray, reference: np.ndarray) -> float:
    """Sideways displacement against the reference, from the intensity change along the blob's edges (first
    order: I - I_ref = -dx * dI/dx)."""
    gx = np.gradient(reference, axis=1)
    return float(-((image - reference) * gx).sum() / (gx * gx).sum())


def test_subpixel_motion_is_magnified_by_about_the_factor():
    onset, apex = blob(), blob(0.25)
    alpha = 10.0
    magnified = magnify_difference(onset, apex, alpha, lambda_c=8.0)
    assert magnified.shape == apex.shape and magnified.dtype == np.float32
    before, after = displacement(apex, onset), displacement(magnified, onset)
    assert before == pytest.approx(0.25, rel=0.05)
    assert 0.75 * (1 + alpha) < after / before < 1.1 * (1 + alpha)


def test_lambda_c_attenuates_and_a_static_pair_or_alpha_zero_changes_nothing():
    onset, apex = blob(), blob(0.25)
    weak = displacement(magnify_difference(onset, apex, 10.0, lambda_c=64.0), onset)
    strong = displacement(magnify_difference(onset, apex, 10.0, lambda_c=8.0), onset)
    assert weak < 0.8 * strong
    np.testing.assert_allclose(magnify_difference(onset, apex, 0.0), apex, atol=1e-3)
    frame = np.random.default_rng(0).integers(0, 256, size=(64, 80)).astype(np.float32)
    np.testing.assert_allclose(magnify_difference(frame, frame, 20.0), frame, atol=1e-3)
    alphas = level_alphas(128, 128, 5, 10.0, 16.0)
    assert len(alphas) == 6 and alphas[0] == 0.0 and alphas[-1] == 0.0 and max(alphas) == 10.0
    assert alphas[1] < alphas[3]  # fine levels get less


def test_pyramid_round_trip():
    image = np.random.default_rng(1).random((37, 50, 3)).astype(np.float32)
    pyramid = laplacian_pyramid(image, 3)
    assert [p.shape[:2] for p in pyramid] == [(37, 50), (19, 25), (10, 13), (5, 7)]
    np.testing.assert_allclose(collapse_pyramid(pyramid), image, atol=1e-5)
    grey = image[..., 0]
    np.testing.assert_allclose(collapse_pyramid(laplacian_pyramid(grey, 3)), grey, atol=1e-5)
    assert default_levels(128, 128) == 5


def test_bad_arguments():
    image = np.zeros((16, 16), np.float32)
    with pytest.raises(ValueError, match="one shape"):
        magnify_difference(image, np.zeros((16, 17), np.float32), 5.0)
    with pytest.raises(ValueError, match="alpha >= 0"):
        magnify_difference(image, image, -1.0)
    with pytest.raises(ValueError, match="do not fit"):
        magnify_difference(image, image, 5.0, levels=6)
