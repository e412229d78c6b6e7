"""Flow features on a regular face grid: histograms of oriented optical flow (HOOF), magnitudes.

Pure numpy. Angles follow image axes: bin 0 is centred on "right" (+u), bins go round through
"down" (+v, image y grows downwards), "left" and "up".
"""

from __future__ import annotations

import numpy as np


def _pair(grid: int | tuple[int, int]) -> tuple[int, int]:
    rows, cols = (grid, grid) if isinstance(grid, int) else grid
    if rows < 1 or cols < 1:
        raise ValueError(f"A grid needs at least one row and column, got {grid!r}.")
    return int(rows), int(cols)


def cell_bounds(length: int, cells: int) -> np.ndarray:
    """cells + 1 integer edges splitting 0..length into near-equal parts."""
    return np.round(np.linspace(0, length, cells + 1)).astype(int)


def cell_index(shape: tuple[int, int], grid: int | tuple[int, int]) -> np.ndarray:
    """HxW int array: the grid cell (row-major) each pixel belongs to."""
    rows, cols = _pair(grid)
    height, width = shape
    if rows > height or cols > width:
        raise ValueError(f"A {rows}x{cols} grid does not fit a {height}x{width} image.")
    row_of = np.searchsorted(cell_bounds(height, rows), np.arange(height), side="right") - 1
    col_of = np.searchsorted(cell_bounds(width, cols), np.arange(width), side="right") - 1
    return row_of[:, None] * cols + col_of[None, :]


def cell_means(values: np.ndarray, grid: int | tuple[int, int] = (5, 5)) -> np.ndarray:
    """Mean of a 2-D array in each grid cell, row-major, as a float32 vector of rows * cols."""
    values = np.asarray(values, dtype=np.float64)
    rows, cols = _pair(grid)
    index = cell_index(values.shape, (rows, cols)).ravel()
    sums = np.bincount(index, weights=values.ravel(), minlength=rows * cols)
    counts = np.bincount(index, minlength=rows * cols)
    return (sums / np.maximum(counts, 1)).astype(np.float32)


def cell_histograms(bins: np.ndarray, n_bins: int, grid: int | tuple[int, int], normalise: bool = True) -> np.ndarray:
    """(cells, n_bins) float64 histograms of integer bins 0..n_bins-1 per grid cell (row-major).

    `bins` is (..., H, W): every leading index (a frame of a volume, say) is counted into the cell of
    its pixel. Each cell's histogram is L1-normalised when `normalise` (an empty cell stays zero).
    """
    bins = np.asarray(bins)
    rows, cols = _pair(grid)
    cells = np.broadcast_to(cell_index(bins.shape[-2:], (rows, cols)), bins.shape)
    flat = cells.ravel().astype(np.int64) * n_bins + bins.ravel()
    histogram = np.bincount(flat, minlength=rows * cols * n_bins).reshape(rows * cols, n_bins).astype(np.float64)
    if normalise:
        totals = histogram.sum(axis=1, keepdims=True)
        histogram = np.divide(histogram, totals, out=np.zeros_like(histogram), where=totals > 0)
    return histogram


def flow_magnitude(flow: np.ndarray) -> np.ndarray:
    """Per-pixel length of the flow vectors (HxW float32)."""
    flow = np.asarray(flow, dtype=np.float32)
    return np.hypot(flow[..., 0], flow[..., 1])


def flow_orientation_bins(flow: np.ndarray, bins: int = 8) -> np.ndarray:
    """HxW int array: orientation bin of each vector, bins centred on 0, 360/bins, ... degrees."""
    angle = np.arctan2(flow[..., 1], flow[..., 0])  # -pi..pi, 0 = right, pi/2 = down
    return np.round(angle / (2 * np.pi / bins)).astype(int) % bins


def hoof_grid(
    flow: np.ndarray, grid: int | tuple[int, int] = (5, 5), bins: int = 8, magnitude_weighted: bool = True,
) -> np.ndarray:
    """Histograms of oriented optical flow, one per grid cell, each L1-normalised, concatenated.

    Returns a float32 vector of rows * cols * bins, cell-major (cell 0's bins first). A cell
    with no flow at all gets an all-zero histogram.
    """
    flow = np.asarray(flow, dtype=np.float32)
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"Expected an HxWx2 flow field, got shape {flow.shape}.")
    if bins < 1:
        raise ValueError("bins must be at least 1.")
    rows, cols = _pair(grid)
    index = cell_index(flow.shape[:2], (rows, cols)) * bins + flow_orientation_bins(flow, bins)
    weights = flow_magnitude(flow).ravel().astype(np.float64) if magnitude_weighted else None
    histogram = np.bincount(index.ravel(), weights=weights, minlength=rows * cols * bins).reshape(rows * cols, bins)
    totals = histogram.sum(axis=1, keepdims=True)
    histogram = np.divide(histogram, totals, out=np.zeros_like(histogram, dtype=np.float64), where=totals > 0)
    return histogram.ravel().astype(np.float32)
