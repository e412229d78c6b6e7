"""Shared spotting helpers (no Django, no cv2 at import): the feature-difference framework of
protocols.md (window k from the fps, contrast, threshold, runs, length filters) and the apex-first
interval proposal. The MDMD and LBP chi-square feature curves live in their plugins.

    from mlbackend.spotting import window_k, length_limits, contrast, threshold, spot_curve
    from mlbackend.spotting.apex_first import propose_interval
"""

from mlbackend.spotting.framework import (
    CURVES, K_SECONDS, PROFILES, CurveCache, LengthLimits, Spotted, clip_fingerprint, contrast, dataset_profile,
    k_for, length_limits, runs_above, sampled_curve, spot_curve, spot_runs, threshold, top_count, top_mean, window_k,
)

__all__ = [
    "CURVES", "K_SECONDS", "PROFILES", "CurveCache", "LengthLimits", "Spotted", "clip_fingerprint", "contrast",
    "dataset_profile", "k_for", "length_limits", "runs_above", "sampled_curve", "spot_curve", "spot_runs", "threshold",
    "top_count", "top_mean", "window_k",
]
