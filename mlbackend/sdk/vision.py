"""Vision helpers for plugins: face frames, optical flow, flow features on a face grid, local binary patterns,
motion curves, the per-segment flow features of the recognition baselines, two-frame motion magnification
and the landmark patches of the landmark-graph recognisers. No cv2 at import."""

from mlbackend.vision import *  # noqa: F403  (the package's __all__ is its public face)
from mlbackend.vision import __all__ as _VISION
from mlbackend.vision.magnify import magnify_difference
from mlbackend.vision.patches import (
    CANONICAL_NODES, EYEBROWS, MOUTH, MOUTH_WITHOUT_INNER_CORNERS, PATCH, apex_patches, face_and_nodes, patches_at,
)
from mlbackend.vision.segment_features import (
    FEATURE_DEFAULTS, FEATURE_KEYS, describe_segments, float64_tensor, segment_apex, segment_features,
    segments_or_spotted,
)

__all__ = [*_VISION, "CANONICAL_NODES", "EYEBROWS", "FEATURE_DEFAULTS", "FEATURE_KEYS", "MOUTH",
           "MOUTH_WITHOUT_INNER_CORNERS", "PATCH", "apex_patches", "describe_segments", "face_and_nodes",
           "float64_tensor", "magnify_difference", "patches_at", "segment_apex", "segment_features",
           "segments_or_spotted"]
