"""Vision helpers for plugins: face frames, optical flow, flow features on a face grid, local binary patterns,
motion curves, the per-segment flow features of the recognition baselines. No cv2 at import."""

from mlbackend.vision import *  # noqa: F403  (the package's __all__ is its public face)
from mlbackend.vision import __all__ as _VISION
from mlbackend.vision.segment_features import (
    FEATURE_DEFAULTS, FEATURE_KEYS, describe_segments, float64_tensor, segment_apex, segment_features,
    segments_or_spotted,
)

__all__ = [*_VISION, "FEATURE_DEFAULTS", "FEATURE_KEYS", "describe_segments", "float64_tensor", "segment_apex",
           "segment_features", "segments_or_spotted"]
