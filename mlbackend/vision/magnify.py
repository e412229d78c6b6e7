"""Linear Eulerian motion magnification (Wu et al., SIGGRAPH 2012) of one onset -> apex pair of grey faces.

The papers of the landmark-graph recognisers (GRAPH-AU, Graph-TCN) magnify the apex with a learned
magnifier (Oh et al. 2018) trained on data MEStudio does not have. `magnify_difference` is the
two-frame case of the linear Eulerian method instead: each face is split into a Laplacian pyramid,
the temporal band-pass of every coefficient is its change since the onset (apex - onset: a static
pair comes back unchanged), that change is multiplied by alpha_l and added back to the apex, and the
pyramid is collapsed. Wu et al.'s bound on alpha per level keeps the first-order approximation: with
lambda the representative wavelength of a level (the image's diagonal / 3 at the coarsest, halving at
each finer one) and delta = lambda_c / 8 / (1 + alpha), alpha_l = min(alpha, 2 (lambda / delta / 8 - 1));
the finest level (noise) and the low-pass residual (lighting) are not amplified. A displacement d
reads as about (1 + alpha) d while (1 + alpha) d stays below lambda / 8 of the structures that move.

cv2 is imported inside the functions (web processes import every plugin, and so this module, at start).
"""

from __future__ import annotations

import math

import numpy as np


def default_levels(height: int, width: int) -> int:
    """Laplacian bands down to a low-pass residual of at least 4 px (5 bands at 128 x 128)."""
    return max(1, int(math.floor(math.log2(max(min(height, width), 8)))) - 2)


def laplacian_pyramid(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """`levels` band-pass images (finest first) then the low-pass residual; float32, collapse_pyramid inverts it."""
    import cv2

    current = np.asarray(image, dtype=np.float32)
    pyramid = []
    for _ in range(levels):
        down = cv2.pyrDown(current)
        up = cv2.pyrUp(down, dstsize=(current.shape[1], current.shape[0]))
        pyramid.append(current - up.reshape(current.shape))  # cv2 drops the channel axis of a 1-channel image
        current = down
    pyramid.append(current)
    return pyramid


def collapse_pyramid(pyramid: list[np.ndarray]) -> np.ndarray:
    """The image whose Laplacian pyramid this is."""
    import cv2

    current = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        current = cv2.pyrUp(current, dstsize=(band.shape[1], band.shape[0])).reshape(band.shape) + band
    return current


def level_alphas(height: int, width: int, levels: int, alpha: float, lambda_c: float) -> list[float]:
    """Amplification per pyramid entry (finest band first, residual last), Wu et al. 2012."""
    delta = lambda_c / 8.0 / (1.0 + alpha)
    wavelength = math.hypot(height, width) / 3.0  # representative wavelength of the coarsest entry
    alphas = []
    for entry in reversed(range(levels + 1)):  # coarsest (the residual) to finest
        if entry == levels or entry == 0:
            alphas.append(0.0)
        else:
            alphas.append(float(min(alpha, max(0.0, 2.0 * (wavelength / delta / 8.0 - 1.0)))))
        wavelength /= 2.0
    return alphas[::-1]


def magnify_difference(onset: np.ndarray, apex: np.ndarray, alpha: float, *, lambda_c: float = 16.0,
                       levels: int | None = None) -> np.ndarray:
    """The apex grey image with its motion since the onset magnified about 1 + alpha times (float32, 0..255).

    onset, apex: grey images of one shape (uint8 or float, 0..255). alpha 0 returns the apex.
    """
    onset, apex = np.asarray(onset, dtype=np.float32), np.asarray(apex, dtype=np.float32)
    if onset.shape != apex.shape or onset.ndim != 2:
        raise ValueError(f"Expected two grey images of one shape, got {onset.shape} and {apex.shape}.")
    if alpha < 0 or lambda_c <= 0:
        raise ValueError(f"Need alpha >= 0 and lambda_c > 0, got alpha={alpha}, lambda_c={lambda_c}.")
    height, width = apex.shape
    levels = default_levels(height, width) if levels is None else int(levels)
    if levels < 1 or min(height, width) >> levels < 1:
        raise ValueError(f"{levels} pyramid levels do not fit a {height} x {width} image.")
    bands = zip(laplacian_pyramid(onset, levels), laplacian_pyramid(apex, levels),
                level_alphas(height, width, levels, alpha, lambda_c))
    magnified = [after + level_alpha * (after - before) for before, after, level_alpha in bands]
    return np.clip(collapse_pyramid(magnified), 0.0, 255.0).astype(np.float32)
