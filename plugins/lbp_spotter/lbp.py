"""Local binary patterns (Ojala et al.): 8 neighbours, uniform mapping (59 bins), block histograms.

Pure numpy. The 8 neighbours of a pixel lie on the square ring at distance `radius` (the classic
3 x 3 LBP for radius 1), taken in circular order starting top-left and going clockwise:

    bit 0 (-r, -r)   bit 1 (-r, 0)   bit 2 (-r, +r)
    bit 7 ( 0, -r)      centre       bit 3 ( 0, +r)
    bit 6 (+r, -r)   bit 5 (+r, 0)   bit 4 (+r, +r)        (dy, dx)

bit j = 1 when neighbour j >= the centre. Codes are computed for pixels at least `radius` from
the border, so the code image is (H - 2r) x (W - 2r).

Uniform mapping: a code is uniform when its circular bit string has at most two 0/1
transitions; the 58 uniform codes get bins 0..57 in increasing code order, every other code
bin 58.
"""

from __future__ import annotations

import numpy as np

NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))
N_UNIFORM_BINS = 59


def transitions(code: int) -> int:
    """Number of 0/1 changes around the circular 8-bit string of `code`."""
    rotated = ((code >> 1) | ((code & 1) << 7)) & 0xFF
    return bin(code ^ rotated).count("1")


def _uniform_table() -> np.ndarray:
    table = np.full(256, N_UNIFORM_BINS - 1, dtype=np.uint8)
    next_bin = 0
    for code in range(256):
        if transitions(code) <= 2:
            table[code] = next_bin
            next_bin += 1
    assert next_bin == N_UNIFORM_BINS - 1
    return table


UNIFORM_TABLE = _uniform_table()


def lbp_codes(image: np.ndarray, radius: int = 1) -> np.ndarray:
    """(H-2r) x (W-2r) uint8 LBP codes of a 2-D image (vectorised)."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"Expected a 2-D grey image, got shape {image.shape}.")
    r = int(radius)
    height, width = image.shape
    if r < 1 or height <= 2 * r or width <= 2 * r:
        raise ValueError(f"radius {radius} does not fit a {height}x{width} image.")
    values = image.astype(np.int16) if image.dtype == np.uint8 else image.astype(np.float64)
    centre = values[r:height - r, r:width - r]
    codes = np.zeros(centre.shape, dtype=np.uint8)
    for bit, (dy, dx) in enumerate(NEIGHBOURS):
        neighbour = values[r + r * dy:height - r + r * dy, r + r * dx:width - r + r * dx]
        codes |= (neighbour >= centre).astype(np.uint8) << bit
    return codes


def lbp_codes_naive(image: np.ndarray, radius: int = 1) -> np.ndarray:
    """The same codes with plain loops: the reference the vectorised version is tested against."""
    image = np.asarray(image)
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


def uniform_lbp(image: np.ndarray, radius: int = 1) -> np.ndarray:
    """(H-2r) x (W-2r) uint8 uniform-pattern bins 0..58."""
    return UNIFORM_TABLE[lbp_codes(image, radius)]


def block_histograms(image: np.ndarray, grid: int = 6, radius: int = 1, normalise: bool = True) -> np.ndarray:
    """(grid*grid, 59) float64 uniform LBP histograms of a grid x grid block split (row-major) of the
    code image; each L1-normalised when `normalise`. Blocks follow mlbackend.sdk.vision.cell_index."""
    from mlbackend.sdk.vision import cell_index

    bins = uniform_lbp(image, radius)
    cells = cell_index(bins.shape, grid)
    n_cells = grid * grid
    flat = cells.ravel().astype(np.int64) * N_UNIFORM_BINS + bins.ravel()
    histogram = np.bincount(flat, minlength=n_cells * N_UNIFORM_BINS).reshape(n_cells, N_UNIFORM_BINS)
    histogram = histogram.astype(np.float64)
    if normalise:
        totals = histogram.sum(axis=1, keepdims=True)
        histogram = np.divide(histogram, totals, out=np.zeros_like(histogram), where=totals > 0)
    return histogram


def chi_square(p: np.ndarray, q: np.ndarray, axis: int = -1) -> np.ndarray:
    """Chi-square distance sum (p - q)^2 / (p + q) over `axis`, bins where p + q = 0 left out."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    total = p + q
    terms = np.divide((p - q) ** 2, total, out=np.zeros(np.broadcast(p, q).shape), where=total > 0)
    return terms.sum(axis=axis)
