"""Local binary patterns (Ojala et al.): codes at any neighbour offsets, uniform mapping (59 bins), block histograms.

Pure numpy, shared by the LBP plugins (lbp_spotter's 2-D LBP, lbptop_svm's LBP-TOP).

`offset_codes` is the general operator: for every centre element of an N-D array (image or
frame volume), bit j is 1 when the element at centre + offsets[j] is >= the centre. The 2-D
`lbp_codes` uses 8 neighbours on the square ring at distance `radius` (the classic 3 x 3 LBP for
radius 1), taken in circular order starting top-left and going clockwise:

    bit 0 (-r, -r)   bit 1 (-r, 0)   bit 2 (-r, +r)
    bit 7 ( 0, -r)      centre       bit 3 ( 0, +r)
    bit 6 (+r, -r)   bit 5 (+r, 0)   bit 4 (+r, +r)        (dy, dx)

Codes are computed for pixels at least `radius` from the border, so the code image is
(H - 2r) x (W - 2r).

Uniform mapping: a code is uniform when its circular bit string has at most two 0/1
transitions; the 58 uniform codes get bins 0..57 in increasing code order, every other code
bin 58 (the u2 mapping of the reference LBP code).
"""

from __future__ import annotations

from collections.abc import Sequence

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


def offset_codes(values: np.ndarray, offsets: Sequence[Sequence[int]], margins: Sequence[int]) -> np.ndarray:
    """uint8 codes of the centre elements of an N-D array, one bit per offset (at most 8).

    The centres are the elements at least margins[axis] from both ends of every axis, so the
    result has shape (n_axis - 2 * margin_axis, ...). Bit j is 1 where values[centre + offsets[j]]
    >= values[centre]. Every |offset| must fit inside its axis's margin.
    """
    values = np.asarray(values)
    values = values.astype(np.int16) if values.dtype == np.uint8 else values.astype(np.float64)
    margins = tuple(int(m) for m in margins)
    if len(margins) != values.ndim or not 1 <= len(offsets) <= 8:
        raise ValueError(f"{len(offsets)} offsets and {len(margins)} margins for a {values.ndim}-D array.")
    for offset in offsets:
        if len(offset) != values.ndim or any(abs(int(d)) > m for d, m in zip(offset, margins)):
            raise ValueError(f"Offset {tuple(offset)} does not fit the margins {margins}.")
    if any(n <= 2 * m for n, m in zip(values.shape, margins)):
        raise ValueError(f"Margins {margins} leave no centre in an array of shape {values.shape}.")

    def shifted(offset) -> np.ndarray:
        return values[tuple(slice(m + int(d), n - m + int(d)) for d, m, n in zip(offset, margins, values.shape))]

    centre = shifted((0,) * values.ndim)
    codes = np.zeros(centre.shape, dtype=np.uint8)
    for bit, offset in enumerate(offsets):
        codes |= (shifted(offset) >= centre).astype(np.uint8) << bit
    return codes


def lbp_codes(image: np.ndarray, radius: int = 1) -> np.ndarray:
    """(H-2r) x (W-2r) uint8 LBP codes of a 2-D image (vectorised)."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"Expected a 2-D grey image, got shape {image.shape}.")
    r = int(radius)
    height, width = image.shape
    if r < 1 or height <= 2 * r or width <= 2 * r:
        raise ValueError(f"radius {radius} does not fit a {height}x{width} image.")
    return offset_codes(image, [(r * dy, r * dx) for dy, dx in NEIGHBOURS], (r, r))


def uniform_lbp(image: np.ndarray, radius: int = 1) -> np.ndarray:
    """(H-2r) x (W-2r) uint8 uniform-pattern bins 0..58."""
    return UNIFORM_TABLE[lbp_codes(image, radius)]


def block_histograms(image: np.ndarray, grid: int = 6, radius: int = 1, normalise: bool = True) -> np.ndarray:
    """(grid*grid, 59) float64 uniform LBP histograms of a grid x grid block split (row-major) of the
    code image; each L1-normalised when `normalise`. Blocks follow cell_index."""
    from mlbackend.vision.features import cell_histograms

    return cell_histograms(uniform_lbp(image, radius), N_UNIFORM_BINS, grid, normalise=normalise)


def chi_square(p: np.ndarray, q: np.ndarray, axis: int = -1) -> np.ndarray:
    """Chi-square distance sum (p - q)^2 / (p + q) over `axis`, bins where p + q = 0 left out."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    total = p + q
    terms = np.divide((p - q) ** 2, total, out=np.zeros(np.broadcast(p, q).shape), where=total > 0)
    return terms.sum(axis=axis)
