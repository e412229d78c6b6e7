"""The plugin SDK: everything a plugin may import from mlbackend, and nothing else.

    from mlbackend.sdk import Plugin, ClipInput, ClipPrediction, register, write_checkpoint, fit_linear_svm, ...
    from mlbackend.sdk.vision import FaceFrames, motion_curve, segment_features, ...
    from mlbackend.sdk.spotting import FeatureDifferenceSpotter, top_mean, sampled_curve, ...
    from mlbackend.sdk.nets import FlowNetPlugin, STSTNet, TrainConfig, train_epochs, ...
    from mlbackend.sdk.synthetic import FaceTemplate, SyntheticConfig, make_clip, mean_face_layout, ...

A facade: the code lives where the rest of mlbackend uses it too (contract, registry, checkpoints,
predictions, linear, vision, spotting, nets, synthetic); these modules only name what is public for plugins. Plugins
import mlbackend.sdk and its submodules, their own package and third-party libraries: an
import-linter contract (pyproject.toml, run by tests/test_architecture.py) fails the tests on any
other mlbackend import, and on any path from a plugin to Django, annotator or the ORM.
Importing the SDK loads neither torch nor OpenCV (web processes import every plugin at start).
"""

from mlbackend.checkpoints import checkpoint_digest, model_version, read_checkpoint, write_checkpoint
from mlbackend.contract import (
    APEX, AU, AUS, CAPABILITIES, CLIPS, EMOTION, INPUT_KINDS, MAPS, SPOTTING, ArrayFrames, ClipInput, ClipPrediction, Event, FrameSource,
    LabeledClip, Plugin, PluginError, PredictedEvent, Progress, Segment,
)
from mlbackend.linear import ABSENT_LOGIT, fit_linear_svm, softmax
from mlbackend.predictions import segment_predictions
from mlbackend.registry import get_plugin_class, register

__all__ = [
    "ABSENT_LOGIT", "APEX", "AU", "AUS", "CAPABILITIES", "CLIPS", "EMOTION", "INPUT_KINDS", "MAPS", "SPOTTING",
    "ArrayFrames", "ClipInput", "ClipPrediction", "Event", "FrameSource", "LabeledClip", "Plugin", "PluginError",
    "PredictedEvent", "Progress", "Segment", "checkpoint_digest", "fit_linear_svm", "get_plugin_class",
    "model_version", "read_checkpoint", "register", "segment_predictions", "softmax", "write_checkpoint",
]
