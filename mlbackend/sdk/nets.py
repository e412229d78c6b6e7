"""Neural-network plugins' base (mlbackend.nets: docs/models.md, docs/loso-speed.md).

FlowNetPlugin (one onset -> apex map per segment), LandmarkPatchPlugin (patches of the magnified apex)
and SequenceNetPlugin (a TIM-normalised sequence per segment, clips only) and their helpers load at
import; the torch-backed names (networks, training loop, fused STSTNet step) load on first use, so a plugin module that imports this one at its top
still loads no torch until it trains or predicts.
"""

import importlib

from mlbackend.nets.patch_plugin import PATCH_DEFAULTS, LandmarkPatchPlugin
from mlbackend.nets.plugin_base import COMMON_DEFAULTS, FlowNetPlugin, validation_loss
from mlbackend.nets.sequence_plugin import (
    FLOW_DEFAULTS, SequenceNetPlugin, TrainingSet, fixed_epochs, per_frame_features,
)

_LAZY = {
    "STSTNet": "mlbackend.nets.models", "count_parameters": "mlbackend.nets.models",
    "default_init": "mlbackend.nets.models", "dropout": "mlbackend.nets.models", "dropout_mask": "mlbackend.nets.models",
    "GeneratorDropout": "mlbackend.nets.models",
    "TrainConfig": "mlbackend.nets.train", "deterministic": "mlbackend.nets.train",
    "plain_step": "mlbackend.nets.train", "predict_proba": "mlbackend.nets.train", "train_epochs": "mlbackend.nets.train",
    "FusedSTSTNet": "mlbackend.nets.fused",
    "flow_maps": "mlbackend.nets.maps", "given_maps": "mlbackend.nets.maps",
    "adam_cross_entropy": "mlbackend.nets.recipes", "balanced_class_weights": "mlbackend.nets.recipes",
    "fit_epochs": "mlbackend.nets.recipes",
    "parameter_count_on_meta": "mlbackend.nets.recipes",
    "Inception": "mlbackend.nets.layers", "inception_stream": "mlbackend.nets.layers",
    "FLOW_CHANNELS": "mlbackend.nets.sequences", "flow_sequence": "mlbackend.nets.sequences",
    "grey_sequence": "mlbackend.nets.sequences", "segment_frames": "mlbackend.nets.sequences",
}

__all__ = ["COMMON_DEFAULTS", "FLOW_DEFAULTS", "FlowNetPlugin", "LandmarkPatchPlugin", "PATCH_DEFAULTS",
           "SequenceNetPlugin", "TrainingSet", "fixed_epochs", "per_frame_features", "validation_loss", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
