"""Temporal normalisation: a clip (onset .. offset) resampled to a fixed number of frames.

Two methods, both keeping the first and last frames exact (out[0] == frames[0], out[-1] ==
frames[-1]) and sampling the clip at evenly spaced times s_k = 1 + k (m - 1) / (n - 1),
k = 0 .. n-1, on the input's frame positions 1 .. m:

"tim" (default): the temporal interpolation model of Zhou, Zhao & Pietikäinen (2011), used
for micro-expressions since Pfister et al. (2011). The m frames are mapped to the path graph's
Laplacian embedding, a curve y(s) whose k-th coordinate is cos(pi k (s - 1/2) / m),
k = 1 .. m-1 (the paper's sin(pi k t + pi (m - k) / (2m)) with t = s / m); the linear map W with
x_j - mean = W y(j) is found for the input frames and evaluated on the curve at the new times:
x(s) = mean + W y(s). With every principal component kept (the paper's PCA step is then an
orthogonal change of basis that does not change the result) this is cosine (DCT-II)
interpolation along time, computed here as an (n x m) weight matrix applied to the frames.
It is smooth but can ring a little around abrupt changes; integer frames are rounded and
clipped to their dtype's range.

"linear": per pixel, linear interpolation between the two nearest frames.

n > m upsamples, n < m downsamples. Neither method low-passes before downsampling: the curve
passes through every input frame, and the new frames are read off it.

Used by the sequence networks (mlbackend.nets.sequences: ELRCN's 10 frames, DTSCNN's two
temporal scales, TLCNN's fixed-length sequences). Numpy only.
"""

from __future__ import annotations

import numpy as np

METHODS = ("tim", "linear")


def sample_times(m: int, n: int) -> np.ndarray:
    """The n positions (1-based, in 1 .. m) at which an m-frame clip is sampled."""
    if n == 1:
        return np.array([1.0])
    return 1.0 + np.arange(n) * (m - 1) / (n - 1)


def tim_weights(m: int, n: int) -> np.ndarray:
    """(n, m) float64 weights: out = weights @ frames (TIM, see the module's doc)."""
    if m == 1:
        return np.ones((n, 1))
    s = sample_times(m, n)
    j = np.arange(1, m + 1, dtype=np.float64)
    k = np.arange(1, m, dtype=np.float64)
    y_new = np.cos(np.pi * np.outer(s - 0.5, k) / m)  # (n, m-1): the curve at the new times
    y_old = np.cos(np.pi * np.outer(j - 0.5, k) / m)  # (m, m-1): the input frames' embedding
    # Rows of y_old.T are orthogonal with squared norm m / 2 and sum to zero, so W = X_c y_old (2 / m).
    return 1.0 / m + (2.0 / m) * y_new @ y_old.T


def linear_weights(m: int, n: int) -> np.ndarray:
    """(n, m) float64 weights of linear interpolation along time."""
    s = sample_times(m, n) - 1.0
    low = np.clip(np.floor(s).astype(int), 0, max(m - 2, 0))
    frac = s - low
    weights = np.zeros((n, m))
    rows = np.arange(n)
    if m == 1:
        weights[:, 0] = 1.0
        return weights
    weights[rows, low] = 1.0 - frac
    weights[rows, low + 1] += frac
    return weights


def normalise_length(frames, n: int, method: str = "tim") -> np.ndarray:
    """The clip resampled to n frames along time, first and last frames exact.

    frames: an (m, H, W[, C]) array or a FrameSource (e.g. aligned faces from onset to
    offset); returns an array of the same dtype (integers rounded and clipped to the dtype's
    range) with n frames. n == m gives a copy of the input.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown temporal normalisation {method!r}; choose from {', '.join(METHODS)}.")
    n = int(n)
    if n < 1:
        raise ValueError(f"The target length must be at least 1 frame, got {n}.")
    stack = frames if isinstance(frames, np.ndarray) else np.stack([np.asarray(frames[i]) for i in range(len(frames))])
    m = stack.shape[0]
    if m < 1:
        raise ValueError("Cannot normalise an empty clip.")
    if n == m:
        return stack.copy()
    if n == 1:
        return stack[:1].copy()
    weights = tim_weights(m, n) if method == "tim" else linear_weights(m, n)
    flat = stack.reshape(m, -1).astype(np.float32)
    out = weights.astype(np.float32) @ flat
    out = out.reshape((n,) + stack.shape[1:])
    if np.issubdtype(stack.dtype, np.integer):
        info = np.iinfo(stack.dtype)
        out = np.clip(np.rint(out), info.min, info.max).astype(stack.dtype)
    else:
        out = out.astype(stack.dtype)
    out[0], out[-1] = stack[0], stack[-1]
    return out
