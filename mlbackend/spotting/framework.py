"""The feature-difference spotting framework shared by MDMD and LBP chi-square (protocols.md).

    per frame i:  F_i  = a feature difference of frame i against frames i-k (and i+k)
    contrast:     C_i  = F_i - (F_{i-m} + F_{i+m}) / 2,   m = k - 1
    threshold:    T    = mean(C) + p (max(C) - mean(C))    (p = 0.01 in the MEGC baseline)
    intervals:    each run of consecutive frames with C_i > T, then the length filter of its kind.

Window k from the frame rate
----------------------------
protocols.md gives k = 12 (micro) / 39 (macro) for CAS(ME)^2 at 30 fps and 80 / 260 for SAMM-LV
at 200 fps. Both pairs are the same duration: 12/30 = 80/200 = 0.4 s and 39/30 = 260/200 = 1.3 s.
So k = round(0.4 s x fps) for micro and round(1.3 s x fps) for macro expressions: about 0.4 s is
a little under a typical micro-expression (0.5 s at most), so frame i-k lies before the onset
and i+k after the offset when i is in the movement.

A clip shorter than 2k + 1 frames (a short recognition clip rather than a long video) uses
k = (n - 1) // 2 instead, so the middle frame still has a head and a tail frame and the contrast
a neighbour on each side (FeatureDifferenceSpotter.clip_settings).

Length filters
--------------
Lengths are inclusive frame counts (offset - onset + 1). Known datasets use protocols.md's
values (CAS(ME)^2: micro 7-16 frames, macro >= 17; SAMM-LV: micro 47-105, macro >= 106),
scaled by the clip's fps against the dataset's own when they differ. Otherwise, from the fps:
micro 1/25 s .. 1/2 s (ceil(fps / 25) .. floor(fps / 2) frames), macro from the next frame on.

Edges
-----
Near the ends the head (i-k) and tail (i+k) frames are clamped to the clip's first / last frame,
so movements within k frames of either end are still measured, against that frame. The first
and last frames themselves (where the clamped head or tail IS frame i, a difference of zero that
no real frame pair shows) are not measured but interpolated from their neighbours. In the
contrast, where i-m or i+m falls outside the clip the other one stands for both.
"""

from __future__ import annotations

import hashlib
import math
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

K_SECONDS = {"micro": 0.4, "macro": 1.3}
MICRO_SECONDS = (1 / 25, 1 / 2)


def window_k(fps: float, kind: str = "micro") -> int:
    """The feature window k in frames: round(0.4 s x fps) for micro, round(1.3 s x fps) for macro, >= 2."""
    if kind not in K_SECONDS:
        raise ValueError(f"kind must be 'micro' or 'macro', got {kind!r}")
    if not fps or fps <= 0:
        raise ValueError(f"a positive fps is needed to derive k, got {fps!r}")
    return max(2, int(round(K_SECONDS[kind] * float(fps))))


@dataclass(frozen=True)
class LengthLimits:
    """Inclusive frame counts: micro intervals micro_min..micro_max, macro intervals >= macro_min."""

    micro_min: int
    micro_max: int
    macro_min: int

    def keeps(self, kind: str, length: int) -> bool:
        if kind == "micro":
            return self.micro_min <= length <= self.micro_max
        if kind == "macro":
            return length >= self.macro_min
        raise ValueError(f"kind must be 'micro' or 'macro', got {kind!r}")


@dataclass(frozen=True)
class DatasetProfile:
    name: str
    fps: float
    k: dict  # kind -> frames at the dataset's fps
    limits: LengthLimits


PROFILES = {
    "casme_sq": DatasetProfile("CAS(ME)^2", 30.0, {"micro": 12, "macro": 39}, LengthLimits(7, 16, 17)),
    "samm_lv": DatasetProfile("SAMM-LV", 200.0, {"micro": 80, "macro": 260}, LengthLimits(47, 105, 106)),
}
# Spellings read as each dataset (lower case, spaces dropped). CASME II ("casme2") is a different,
# short-clip dataset and deliberately not an alias of CAS(ME)^2.
ALIASES = {
    "cas(me)^2": "casme_sq", "cas(me)2": "casme_sq", "cas(me)²": "casme_sq", "casme^2": "casme_sq",
    "casme_sq": "casme_sq", "cas_me_2": "casme_sq", "cas(me)^2longvideos": "casme_sq",
    "samm-lv": "samm_lv", "samm_lv": "samm_lv", "sammlv": "samm_lv", "sammlongvideos": "samm_lv",
    "samm-longvideos": "samm_lv",
}


def dataset_profile(dataset: str | None) -> DatasetProfile | None:
    if not dataset:
        return None
    return PROFILES.get(ALIASES.get(re.sub(r"\s+", "", str(dataset).lower())))


def length_limits(fps: float, dataset: str | None = None) -> LengthLimits:
    """The length filters for a clip: the dataset's (scaled to this fps) when known, else from the fps."""
    profile = dataset_profile(dataset)
    if profile is not None:
        scale = float(fps) / profile.fps if fps else 1.0
        limits = profile.limits
        micro_min = max(1, int(round(limits.micro_min * scale)))
        micro_max = max(micro_min, int(round(limits.micro_max * scale)))
        return LengthLimits(micro_min, micro_max, max(micro_max + 1, int(round(limits.macro_min * scale))))
    if not fps or fps <= 0:
        raise ValueError(f"a positive fps is needed for the length filters, got {fps!r}")
    micro_min = max(1, math.ceil(MICRO_SECONDS[0] * fps - 1e-9))
    micro_max = max(micro_min, math.floor(MICRO_SECONDS[1] * fps + 1e-9))
    return LengthLimits(micro_min, micro_max, micro_max + 1)


def k_for(fps: float, kind: str, dataset: str | None = None) -> int:
    """k of protocols.md for a known dataset (scaled to this fps), else `window_k`."""
    profile = dataset_profile(dataset)
    if profile is not None:
        return max(2, int(round(profile.k[kind] * float(fps) / profile.fps)))
    return window_k(fps, kind)


# ---- curve arithmetic ------------------------------------------------------------------------

def top_count(n: int, fraction: float = 1 / 3) -> int:
    """How many values make 'the top third' of n: ceil(fraction x n), at least 1 (12 of 36 blocks)."""
    return max(1, math.ceil(fraction * n - 1e-9))


def top_mean(values: np.ndarray, fraction: float = 1 / 3, axis: int = -1) -> np.ndarray:
    """Mean of the largest ceil(fraction x n) values along `axis` (NaN entries ignored: they do not
    count in n). A slice of NaN only gives NaN."""
    values = np.asarray(values, dtype=np.float64)
    moved = np.moveaxis(values, axis, -1)
    valid = ~np.isnan(moved)
    n = valid.sum(axis=-1)
    ordered = -np.sort(np.where(valid, -moved, np.inf), axis=-1)  # descending, NaN (as -inf) last
    take = np.maximum(1, np.ceil(fraction * n - 1e-9)).astype(int)
    ranks = np.arange(moved.shape[-1])
    selected = ranks < take[..., None]
    sums = np.where(selected & np.isfinite(ordered), ordered, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, sums / np.minimum(take, np.maximum(n, 1)), np.nan)


def contrast(feature: np.ndarray, m: int) -> np.ndarray:
    """C_i = F_i - (F_{i-m} + F_{i+m}) / 2; where only one of i-m, i+m lies inside the curve, that one
    stands for both (C_i = F_i - F_{i+m} near the start), and where neither does, C_i = 0."""
    feature = np.asarray(feature, dtype=np.float64)
    n = feature.size
    m = max(0, int(m))
    if n == 0 or m == 0:
        return np.zeros_like(feature)
    index = np.arange(n)
    has_before, has_after = index - m >= 0, index + m <= n - 1
    before = feature[np.clip(index - m, 0, n - 1)]
    after = feature[np.clip(index + m, 0, n - 1)]
    before = np.where(has_before, before, after)
    after = np.where(has_after, after, before)
    return np.where(has_before | has_after, feature - 0.5 * (before + after), 0.0)


def threshold(curve: np.ndarray, p: float) -> float:
    """T = mean(C) + p (max(C) - mean(C))."""
    curve = np.asarray(curve, dtype=np.float64)
    if curve.size == 0:
        return math.inf
    mean = float(curve.mean())
    return mean + float(p) * (float(curve.max()) - mean)


def runs_above(curve: np.ndarray, level: float) -> list[tuple[int, int]]:
    """(start, end), inclusive, of each run of consecutive frames with curve > level."""
    above = np.asarray(curve) > level
    if not above.any():
        return []
    edges = np.diff(np.r_[0, above.astype(np.int8), 0])
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return list(zip(starts.tolist(), ends.tolist()))


@dataclass(frozen=True)
class Spotted:
    onset: int
    apex: int
    offset: int
    kind: str
    score: float  # 0..1: how far the run's peak contrast rises above T, against the curve's highest


def spot_runs(curve: np.ndarray, level: float, kind: str, limits: LengthLimits) -> list[Spotted]:
    """Runs of `curve` above `level` kept by the length filter of `kind`; apex = the run's peak."""
    curve = np.asarray(curve, dtype=np.float64)
    if curve.size == 0:
        return []
    top = float(curve.max())
    spotted = []
    for start, end in runs_above(curve, level):
        if not limits.keeps(kind, end - start + 1):
            continue
        apex = start + int(np.argmax(curve[start:end + 1]))
        score = (curve[apex] - level) / (top - level) if top > level else 0.0
        spotted.append(Spotted(int(start), int(apex), int(end), kind, float(np.clip(score, 0.0, 1.0))))
    return spotted


def spot_curve(feature: np.ndarray, k: int, p: float, kind: str, limits: LengthLimits,
               m: int | None = None) -> list[Spotted]:
    """The whole post-processing of a feature curve F: contrast (m = k - 1), threshold, runs, filter."""
    c = contrast(feature, k - 1 if m is None else m)
    return spot_runs(c, threshold(c, p), kind, limits)


def sampled_curve(measure: Callable[[int], float], n_frames: int, stride: int = 1) -> np.ndarray:
    """measure(i) at every stride-th frame (and the last), linearly interpolated to all n frames.

    A measure may answer NaN (a frame it cannot measure); those frames are interpolated from the
    measured ones too (the nearest measured value beyond the ends; all zero if none was measured).
    """
    stride = max(1, int(stride))
    if n_frames <= 0:
        return np.zeros(0)
    at = np.unique(np.r_[np.arange(0, n_frames, stride), n_frames - 1])
    values = np.array([measure(int(i)) for i in at], dtype=np.float64)
    valid = np.isfinite(values)
    if not valid.any():
        return np.zeros(n_frames)
    if valid.all() and at.size == n_frames:
        return values
    return np.interp(np.arange(n_frames), at[valid], values[valid])


# ---- a small cache of feature curves -----------------------------------------------------------

class CurveCache:
    """Feature curves by (clip fingerprint, settings), bounded by the number of stored values.

    fit() tunes p on the same training videos in every LOSO fold; their curves do not depend
    on p, so a fold need not recompute them. Thread safe; the key includes a hash of three
    frames so two different clips that share an id do not share a curve.
    """

    def __init__(self, max_values: int = 4_000_000):
        self.max_values = int(max_values)
        self._store: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_compute(self, key: tuple, compute: Callable[[], np.ndarray]) -> np.ndarray:
        with self._lock:
            if key in self._store:
                self._store.move_to_end(key)
                self.hits += 1
                return self._store[key].copy()
            self.misses += 1
        value = np.asarray(compute(), dtype=np.float64)
        with self._lock:
            if key not in self._store and value.size <= self.max_values:
                self._store[key] = value.copy()
                self._size += value.size
                while self._size > self.max_values:
                    _old, dropped = self._store.popitem(last=False)
                    self._size -= dropped.size
        return value

    def clear(self) -> None:
        with self._lock:
            self._store.clear()
            self._size = 0
            self.hits = self.misses = 0


CURVES = CurveCache()


def clip_fingerprint(clip) -> tuple:
    """(clip_id, n_frames, fps, digest of the first, middle and last source frames)."""
    source = clip.faces if clip.faces is not None else clip.frames
    n = min(int(clip.n_frames), len(source))
    digest = hashlib.blake2b(digest_size=16)
    for index in sorted({0, n // 2, n - 1}) if n else ():
        frame = np.ascontiguousarray(source[index])
        digest.update(str(frame.shape).encode())
        digest.update(frame.tobytes())
    return (str(clip.clip_id), n, float(clip.fps), digest.hexdigest())
