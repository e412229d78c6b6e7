"""The shared spotting machinery: k and length filters from the fps, top-third means, contrast,
threshold, runs, the curve cache."""

import numpy as np
import pytest

from mlbackend.spotting import (
    CurveCache, LengthLimits, clip_fingerprint, contrast, dataset_profile, k_for, length_limits, runs_above,
    sampled_curve, spot_curve, spot_runs, threshold, top_count, top_mean, window_k,
)


def test_k_from_fps_reproduces_protocols_values():
    # protocols.md: CAS(ME)^2 (30 fps) k = 12 / 39, SAMM-LV (200 fps) k = 80 / 260 -> 0.4 s and 1.3 s
    assert (window_k(30, "micro"), window_k(30, "macro")) == (12, 39)
    assert (window_k(200, "micro"), window_k(200, "macro")) == (80, 260)
    assert window_k(100) == 40 and window_k(2) == 2  # at least 2
    assert k_for(30, "micro", "CAS(ME)^2") == 12 and k_for(200, "macro", "SAMM-LV") == 260
    assert k_for(100, "micro", "samm_lv") == 40  # the dataset's k scaled to this fps
    with pytest.raises(ValueError):
        window_k(0)
    with pytest.raises(ValueError):
        window_k(30, "blink")


def test_length_limits_from_fps_and_dataset():
    # from the fps: micro 1/25 s .. 1/2 s, macro longer: at 200 fps 8..100, macro >= 101
    assert length_limits(200) == LengthLimits(8, 100, 101)
    # 30 fps: ceil(1.2) = 2 .. floor(15) = 15, macro >= 16
    assert length_limits(30) == LengthLimits(2, 15, 16)
    assert length_limits(30, "CAS(ME)^2") == LengthLimits(7, 16, 17)
    assert length_limits(200, "SAMM-LV") == LengthLimits(47, 105, 106)
    assert length_limits(100, "SAMM LV".replace(" ", "-")) == LengthLimits(24, 52, 53)  # scaled by 100 / 200
    assert dataset_profile("CASME2") is None  # CASME II is not CAS(ME)^2
    assert length_limits(200).keeps("micro", 8) and not length_limits(200).keeps("micro", 101)
    assert length_limits(200).keeps("macro", 101) and not length_limits(200).keeps("macro", 100)


def test_top_third_mean():
    assert top_count(36) == 12 and top_count(3) == 1 and top_count(4) == 2 and top_count(1) == 1
    values = np.arange(36, dtype=float)  # the top 12 are 24..35, mean 29.5
    assert top_mean(values) == pytest.approx(29.5)
    rows = np.array([[1.0, 5.0, 3.0, np.nan], [np.nan, np.nan, np.nan, np.nan], [2.0, np.nan, np.nan, np.nan]])
    # row 0: 3 valid values, top ceil(1) = 1 -> 5; row 1: nothing -> NaN; row 2: 2
    result = top_mean(rows, axis=1)
    assert result[0] == 5.0 and np.isnan(result[1]) and result[2] == 2.0
    # 6 valid -> top 2: (9 + 8) / 2
    assert top_mean(np.array([1, 9, 3, 8, 2, 4.0])) == 8.5


def test_contrast_by_hand():
    feature = np.array([0.0, 0.0, 4.0, 0.0, 0.0, 2.0, 2.0])
    c = contrast(feature, 2)
    # i = 2: 4 - (F0 + F4) / 2 = 4; i = 4: 0 - (F2 + F6) / 2 = -3; i = 3: 0 - (F1 + F5) / 2 = -1
    assert c[2] == 4.0 and c[4] == -3.0 and c[3] == -1.0
    # i = 0: only F2 exists, it stands for both -> 0 - 4 = -4; i = 6: only F4 -> 2 - 0 = 2
    assert c[0] == -4.0 and c[6] == 2.0
    assert np.all(contrast(feature, 10) == 0)  # no neighbour inside: 0


def test_threshold_and_runs():
    c = np.array([0, 1, 5, 5, 1, 0, 0, 3, 0, 0.0])
    # mean 1.5, max 5: T = 1.5 + 0.1 x 3.5 = 1.85
    assert threshold(c, 0.1) == pytest.approx(1.85)
    assert threshold(c, 0.0) == pytest.approx(1.5)
    assert runs_above(c, 1.85) == [(2, 3), (7, 7)]
    assert runs_above(np.array([2.0, 2.0, 0.0, 2.0]), 1.0) == [(0, 1), (3, 3)]
    assert runs_above(c, 10) == []


def test_spot_runs_keeps_lengths_of_the_kind_with_apex_and_score():
    c = np.zeros(40)
    c[5:8] = [1, 3, 1]          # 3 frames
    c[20:32] = 2.0              # 12 frames
    c[25] = 4.0
    limits = LengthLimits(2, 5, 6)
    micro = spot_runs(c, 0.5, "micro", limits)
    assert [(s.onset, s.apex, s.offset, s.kind) for s in micro] == [(5, 6, 7, "micro")]
    macro = spot_runs(c, 0.5, "macro", limits)
    assert [(s.onset, s.apex, s.offset) for s in macro] == [(20, 25, 31)]
    assert macro[0].score == 1.0 and micro[0].score == pytest.approx((3 - 0.5) / (4 - 0.5))


def test_spot_curve_finds_a_bump_in_a_flat_feature():
    feature = np.zeros(100)
    feature[50:56] = [1, 2, 3, 3, 2, 1]
    found = spot_curve(feature, k=10, p=0.1, kind="micro", limits=LengthLimits(2, 20, 21))
    assert len(found) == 1 and found[0].onset >= 49 and found[0].offset <= 56 and found[0].apex in (52, 53)


def test_sampled_curve_interpolates_strides_and_gaps():
    calls = []

    def measure(i):
        calls.append(i)
        return float("nan") if i == 0 else 2.0 * i

    curve = sampled_curve(measure, 10, stride=3)
    assert calls == [0, 3, 6, 9]
    assert curve[3] == 6.0 and curve[4] == pytest.approx(8.0) and curve[0] == 6.0  # NaN: the nearest value
    assert np.all(sampled_curve(lambda i: float("nan"), 4) == 0)


def test_curve_cache_is_bounded_and_keyed():
    cache = CurveCache(max_values=10)
    computed = []

    def compute(value):
        def run():
            computed.append(value)
            return np.full(4, value, float)
        return run

    assert cache.get_or_compute(("a",), compute(1))[0] == 1
    assert cache.get_or_compute(("a",), compute(2))[0] == 1  # cached
    cache.get_or_compute(("b",), compute(3))
    cache.get_or_compute(("c",), compute(4))  # 12 values > 10: "a" goes
    assert cache.get_or_compute(("a",), compute(5))[0] == 5
    assert computed == [1, 3, 4, 5] and cache.hits == 1


def test_fingerprint_tells_clips_apart():
    from tests.mlbackend.spotting.longclip import make_long_clip

    a = make_long_clip("x", 1, n_frames=20, movements=())
    b = make_long_clip("x", 2, n_frames=20, movements=())
    assert clip_fingerprint(a.clip) != clip_fingerprint(b.clip)
    assert clip_fingerprint(a.clip) == clip_fingerprint(make_long_clip("x", 1, n_frames=20, movements=()).clip)
