"""The feature-difference spotting framework for plugins (protocols: docs/spotting.md): a plugin gives
the feature curve F of a clip, FeatureDifferenceSpotter does the rest (passes, threshold tuning,
checkpoint); the framework's pieces (window k, top-third means, sampled curves) build F."""

from mlbackend.spotting import *  # noqa: F403
from mlbackend.spotting import __all__ as _FRAMEWORK
from mlbackend.spotting.plugin import BASE_DEFAULTS, KINDS, FeatureDifferenceSpotter

__all__ = [*_FRAMEWORK, "BASE_DEFAULTS", "KINDS", "FeatureDifferenceSpotter"]
