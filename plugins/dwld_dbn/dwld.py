"""Double Weber local descriptor (DWLD): the Weber local descriptor (Chen et al., IEEE TPAMI 2010) at two scales.

Per pixel and scale s (the ring of 8 s pixels at chessboard distance s: 3 x 3 for s = 1, 5 x 5 for s = 2):

- differential excitation xi = arctan(alpha * sum_ring(x_i - x_c) / (x_c + beta)), in (-pi/2, pi/2):
  Weber's law, the neighbourhood's change relative to the centre's intensity; alpha = 3 and
  beta = 5 (a lens on the ratio, and a guard against a zero centre) as in the public WLD code;
- orientation theta = atan2(x(below) - x(above), x(right) - x(left)) at distance s, in [0, 2 pi),
  quantised to T dominant orientations centred on 0, 2 pi / T, ... (t = floor(theta / (2 pi / T) + 1/2) mod T).

xi is quantised into N equal bands of (-pi/2, pi/2); each pixel votes in the joint (band, orientation)
bin band * T + t. Per block of a grid x grid split and per scale an L1-normalised histogram of N x T
bins; the descriptor is all of them concatenated, scale-major. Both scales use one set of centre
pixels (those at least 2 pixels from the border).
"""

from __future__ import annotations

import numpy as np

from mlbackend.sdk.vision import cell_histograms

SCALES = (1, 2)
ALPHA, BETA = 3.0, 5.0


def ring_offsets(scale: int) -> list[tuple[int, int]]:
    """The 8 * scale (dy, dx) at chessboard distance `scale`."""
    span = range(-scale, scale + 1)
    return [(dy, dx) for dy in span for dx in span if max(abs(dy), abs(dx)) == scale]


def weber_maps(image: np.ndarray, scale: int, margin: int) -> tuple[np.ndarray, np.ndarray]:
    """(excitation, orientation), each (H - 2 margin, W - 2 margin) float64, of one scale."""
    values = np.asarray(image, dtype=np.float64)
    height, width = values.shape
    if scale > margin or min(height, width) <= 2 * margin:
        raise ValueError(f"Scale {scale} with margin {margin} does not fit a {height}x{width} image.")

    def shifted(dy: int, dx: int) -> np.ndarray:
        return values[margin + dy:height - margin + dy, margin + dx:width - margin + dx]

    centre = shifted(0, 0)
    ring = ring_offsets(scale)
    differences = sum(shifted(dy, dx) for dy, dx in ring) - len(ring) * centre
    excitation = np.arctan(ALPHA * differences / (centre + BETA))
    orientation = np.arctan2(shifted(scale, 0) - shifted(-scale, 0), shifted(0, scale) - shifted(0, -scale))
    return excitation, np.mod(orientation, 2 * np.pi)


def weber_bins(excitation: np.ndarray, orientation: np.ndarray, bands: int, orientations: int) -> np.ndarray:
    """Joint bin band * orientations + t of every pixel."""
    band = np.clip(np.floor((excitation + np.pi / 2) / (np.pi / bands)), 0, bands - 1).astype(np.int64)
    t = np.floor(orientation / (2 * np.pi / orientations) + 0.5).astype(np.int64) % orientations
    return band * orientations + t


def dwld_features(image: np.ndarray, grid: int = 5, bands: int = 6, orientations: int = 8) -> np.ndarray:
    """len(SCALES) x grid^2 x (bands * orientations) float64 vector of one grey image."""
    margin = max(SCALES)
    parts = []
    for scale in SCALES:
        bins = weber_bins(*weber_maps(image, scale, margin), bands, orientations)
        parts.append(cell_histograms(bins, bands * orientations, grid))
    return np.concatenate(parts).ravel()


def feature_size(grid: int, bands: int, orientations: int) -> int:
    return len(SCALES) * grid * grid * bands * orientations
