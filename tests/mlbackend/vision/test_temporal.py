import numpy as np
import pytest

from mlbackend.contract import ArrayFrames
from mlbackend.vision.temporal import linear_weights, normalise_length, tim_weights


def ramp_clip(m, size=8):
    """Frame t is the constant 10 t (plus a fixed texture): every pixel is linear in time."""
    texture = np.random.default_rng(1).integers(0, 50, size=(size, size, 3))
    return np.stack([texture + 10 * t for t in range(m)]).astype(np.uint8)


@pytest.mark.parametrize("method", ["tim", "linear"])
@pytest.mark.parametrize("m,n", [(7, 10), (20, 10), (2, 5), (11, 11), (30, 4)])
def test_length_dtype_and_exact_ends(method, m, n):
    clip = ramp_clip(m)
    out = normalise_length(clip, n, method)
    assert out.shape == (n,) + clip.shape[1:] and out.dtype == np.uint8
    assert np.array_equal(out[0], clip[0]) and np.array_equal(out[-1], clip[-1])


def test_linear_interpolation_is_exact_on_a_linear_ramp():
    clip = ramp_clip(5).astype(np.float32)
    out = normalise_length(clip, 9, "linear")
    expected = clip[0] + 10 * (np.arange(9) * 0.5)[:, None, None, None]
    np.testing.assert_allclose(out, expected, atol=1e-4)


def test_tim_passes_through_the_input_frames_and_stays_close_to_linear():
    clip = ramp_clip(6).astype(np.float32)
    out = normalise_length(clip, 11, "tim")  # times 1, 1.5, 2, ... 6: every other one is an input frame
    np.testing.assert_allclose(out[::2], clip, atol=1e-3)
    linear = normalise_length(clip, 11, "linear")
    assert np.abs(out - linear).max() < 4.0  # cosine interpolation rings a little on a ramp, not much


def test_weights_are_partitions_of_unity():
    for m, n in [(5, 9), (12, 4), (2, 3)]:
        for weights in (tim_weights(m, n), linear_weights(m, n)):
            assert weights.shape == (n, m)
            np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-9)
    assert (linear_weights(12, 4) >= 0).all()


def test_a_static_clip_stays_static_and_framesources_are_accepted():
    frame = np.random.default_rng(0).integers(0, 255, size=(16, 16, 3), dtype=np.uint8)
    clip = ArrayFrames([frame] * 9)
    for method in ("tim", "linear"):
        out = normalise_length(clip, 20, method)
        assert all(np.array_equal(f, frame) for f in out)


def test_bad_arguments():
    clip = ramp_clip(4)
    with pytest.raises(ValueError, match="at least 1"):
        normalise_length(clip, 0)
    with pytest.raises(ValueError, match="Unknown"):
        normalise_length(clip, 5, "cubic")
    assert normalise_length(clip, 1).shape[0] == 1


def test_tim_weights_equal_the_papers_graph_embedding_fit():
    """Zhou et al.'s TIM: the m frames sit on the path graph's Laplacian embedding y_k(t) = sin(pi k t + pi (m - k) /
    (2m)), t = j / m; the map W with x_j - mean = W y(t_j) is fitted by least squares and read at the new times."""
    m, n = 7, 12
    frames = np.random.default_rng(3).normal(size=(m, 20))
    k = np.arange(1, m)

    def embedding(t):
        return np.sin(np.pi * np.outer(t, k) + np.pi * (m - k) / (2 * m))

    mean = frames.mean(axis=0)
    w, *_ = np.linalg.lstsq(embedding(np.arange(1, m + 1) / m), frames - mean, rcond=None)
    times = (1 + np.arange(n) * (m - 1) / (n - 1)) / m
    np.testing.assert_allclose(tim_weights(m, n) @ frames, mean + embedding(times) @ w, atol=1e-9)


def test_the_sdk_exports_the_temporal_normalisation():
    from mlbackend.sdk import vision

    assert vision.normalise_length is normalise_length and vision.tim_weights is tim_weights
