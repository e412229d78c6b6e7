"""LBP chi-square feature difference (Moilanen et al. 2014; the CAS(ME)^2 / SAMM-LV LBP baseline).

For frame i with window k: the face's 6 x 6 block uniform LBP histograms of frame i, and the
average feature frame (AFF) = the mean of the histograms of frames i-k and i+k. Per block the
chi-square distance between frame i and the AFF; F_i = mean of the top third (12) of the 36
block distances (protocols.md). A movement between i-k and i+k that has come back by i+k makes
frame i differ from both ends; noise and lasting changes largely do not.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from mlbackend.sdk.spotting import sampled_curve, top_mean
from mlbackend.sdk.vision import block_histograms, chi_square


def lbp_difference_curve(faces, k: int, *, stride: int = 1, grid: int = 6, radius: int = 1, top: float = 1 / 3,
                         blur: float = 0.0) -> np.ndarray:
    """F_i for every frame of `faces` (indexable grey frames), every `stride` frames, interpolated.

    Histograms are computed once per frame (a small LRU holds the ~3k the sweep revisits).
    blur: Gaussian sigma in pixels applied to each face before the LBP (0: none).
    """
    n = len(faces)
    cache: OrderedDict[int, np.ndarray] = OrderedDict()
    capacity = 3 * k + 2 * max(1, stride) + 4  # i-k, i and i+k of the last k steps

    def histograms(index: int) -> np.ndarray:
        index = min(max(index, 0), n - 1)
        if index in cache:
            cache.move_to_end(index)
            return cache[index]
        image = faces[index]
        if blur > 0:
            import cv2

            image = cv2.GaussianBlur(image, (0, 0), blur)
        value = block_histograms(image, grid, radius)
        cache[index] = value
        if len(cache) > capacity:
            cache.popitem(last=False)
        return value

    def measure(i: int) -> float:
        if min(max(i - k, 0), n - 1) == i or min(max(i + k, 0), n - 1) == i:
            return float("nan")  # the clip's first or last frame: interpolated by sampled_curve
        average = 0.5 * (histograms(i - k) + histograms(i + k))
        return float(top_mean(chi_square(histograms(i), average, axis=1), top))

    return sampled_curve(measure, n, stride)
