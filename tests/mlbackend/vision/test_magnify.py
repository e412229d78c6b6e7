import numpy as np
import pytest

from mlbackend.vision.magnify import (
    collapse_pyramid, default_levels, laplacian_pyramid, level_alphas, magnify_motion, temporal_bandpass,
)

FPS, FREQ = 30.0, 2.0


def blob_clip(n=45, size=128, amplitude=0.25, sigma=6.0):
    """A bright Gaussian blob oscillating sideways by +-amplitude px at FREQ Hz; returns (uint8 frames, float frames)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    dx = amplitude * np.sin(2 * np.pi * FREQ * np.arange(n) / FPS)
    frames = np.stack([60 + 150 * np.exp(-((xx - size / 2 - d) ** 2 + (yy - size / 2) ** 2) / (2 * sigma ** 2))
                       for d in dx])
    return np.rint(frames).astype(np.uint8), frames


def displacement(frames, reference):
    """Sideways displacement of each frame against the reference, from the intensity change along the blob's
    edges (first order: I_t - I_ref = -dx * dI/dx)."""
    gx = np.gradient(reference, axis=1)
    change = frames.astype(np.float64) - reference
    return -(change * gx).sum(axis=(1, 2)) / (gx * gx).sum()


@pytest.mark.parametrize("kind", ["ideal", "butterworth"])
def test_subpixel_motion_is_magnified_by_about_the_factor(kind):
    clip, exact = blob_clip()
    reference = exact.mean(axis=0)
    alpha = 10.0
    magnified = magnify_motion(clip, FPS, 1.0, 3.0, alpha, lambda_c=8.0, temporal_filter=kind)
    assert magnified.shape == clip.shape and magnified.dtype == np.uint8
    before, after = displacement(clip, reference), displacement(magnified, reference)
    assert np.std(before) == pytest.approx(0.25 / np.sqrt(2), rel=0.1)
    ratio = np.std(after) / np.std(before)
    assert 0.75 * (1 + alpha) < ratio < 1.1 * (1 + alpha)
    assert np.corrcoef(before, after)[0, 1] > 0.99  # in phase: the same motion, larger
    assert np.abs(after).max() < 4.0  # about 2.75 px: still a smooth sway, no blow-up


def test_magnified_motion_reads_larger_with_dis_flow():
    from mlbackend.vision import dense_flow

    clip, _exact = blob_clip()
    magnified = magnify_motion(clip, FPS, 1.0, 3.0, 10.0, lambda_c=8.0)
    peak, trough = 4, 11  # sin peaks at frame 3.75 and troughs at 11.25 at 2 Hz / 30 fps
    box = (slice(52, 76), slice(52, 76))
    small = np.median(dense_flow(clip[peak], clip[trough])[box][..., 0])
    large = np.median(dense_flow(magnified[peak], magnified[trough])[box][..., 0])
    assert small < 0 and large < 0
    assert large / small > 5


def test_lambda_c_attenuates_and_alpha_zero_is_identity():
    clip, exact = blob_clip(n=30)
    reference = exact.mean(axis=0)
    weak = np.std(displacement(magnify_motion(clip, FPS, 1.0, 3.0, 10.0, lambda_c=64.0), reference))
    strong = np.std(displacement(magnify_motion(clip, FPS, 1.0, 3.0, 10.0, lambda_c=8.0), reference))
    assert weak < 0.8 * strong
    assert np.array_equal(magnify_motion(clip, FPS, 1.0, 3.0, 0.0), clip)
    alphas = level_alphas(128, 128, 5, 10.0, 16.0)
    assert len(alphas) == 6 and alphas[0] == 0.0 and alphas[-1] == 0.0 and max(alphas) == 10.0
    assert alphas[1] < alphas[3]  # fine levels get less


@pytest.mark.parametrize("kind", ["ideal", "butterworth"])
def test_a_static_clip_is_unchanged(kind):
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, size=(64, 80, 3), dtype=np.uint8)
    clip = np.repeat(frame[None], 20, axis=0)
    assert np.array_equal(magnify_motion(clip, FPS, 0.5, 5.0, 20.0, temporal_filter=kind), clip)
    grey = clip[..., 0]
    assert np.array_equal(magnify_motion(grey, FPS, 0.5, 5.0, 20.0, temporal_filter=kind), grey)


def test_pyramid_round_trip_and_bandpass():
    image = np.random.default_rng(1).random((37, 50, 3)).astype(np.float32)
    pyramid = laplacian_pyramid(image, 3)
    assert [p.shape[:2] for p in pyramid] == [(37, 50), (19, 25), (10, 13), (5, 7)]
    np.testing.assert_allclose(collapse_pyramid(pyramid), image, atol=1e-5)
    assert default_levels(128, 128) == 5
    t = np.arange(60) / FPS
    signal = np.stack([np.sin(2 * np.pi * 2 * t), np.sin(2 * np.pi * 10 * t), np.ones_like(t)], axis=1)
    for kind in ("ideal", "butterworth"):
        out = temporal_bandpass(signal, FPS, 1.0, 3.0, kind, order=2)
        assert np.std(out[10:-10, 0]) > 0.6 and np.std(out[10:-10, 1]) < 0.15 and np.abs(out[:, 2]).max() < 1e-3


def test_bad_arguments():
    clip = np.zeros((5, 16, 16), np.uint8)
    with pytest.raises(ValueError, match="fl < fh"):
        magnify_motion(clip, FPS, 3.0, 1.0, 5.0)
    with pytest.raises(ValueError, match="at least 2 frames"):
        magnify_motion(clip[:1], FPS, 1.0, 3.0, 5.0)
    with pytest.raises(ValueError, match="Unknown temporal filter"):
        magnify_motion(clip, FPS, 1.0, 3.0, 5.0, temporal_filter="box")
