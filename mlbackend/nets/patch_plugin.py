"""What the landmark-graph recognisers (GRAPH-AU, Graph-TCN; docs/models.md) share as plugins: one sample per
segment is the (1, nodes, 49) grey levels of the 7 x 7 patches at the graph's landmark nodes on the magnified
apex face (mlbackend.vision.patches.apex_patches), computed once per clip and segment like the flow maps of
FlowNetPlugin, whose training, checkpoints and inference they reuse (the single channel standardised by the
training set's mean and standard deviation).

Samples: clips of frames (onset and apex faces; the apex's motion since the onset magnified) and apex
images (a one-frame clip: no onset, so the apex face goes in unmagnified, and fit says so in its progress
message). Importing this module loads neither torch nor OpenCV.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np

from mlbackend.contract import APEX, CLIPS, ClipInput, PluginError, Progress, Segment
from mlbackend.nets.plugin_base import FlowNetPlugin
from mlbackend.vision.segment_features import segment_apex

PATCH_DEFAULTS = {
    "threads": 1, "val_subjects": 0, "patience": 0,  # as FlowNetPlugin's COMMON_DEFAULTS
    "face_size": 128,  # side of the grey face the patches are cut from, px
    "magnify": 10.0,  # alpha of the linear Eulerian magnification (the papers' learned magnifier is not here)
    "lambda_c": 16.0,  # its cut-off wavelength, px
}


class LandmarkPatchPlugin(FlowNetPlugin):
    """Base class: subclasses set NODES (face-mesh indices, mlbackend.sdk.vision), SAMPLE_SHAPE
    (1, len(NODES), 49), DEFAULTS ({**PATCH_DEFAULTS, epochs, batch_size, lr, dropout, ...}) and build_model,
    whose network returns log-probabilities and has init_weights(generator)."""

    inputs = frozenset({CLIPS, APEX})
    CHANNELS = (0,)
    SAMPLE_NAME = "landmark patches"
    MAP_PARAMS = ("face_size", "magnify", "lambda_c")
    NODES: ClassVar[tuple[int, ...]] = ()

    def settings(self) -> dict:
        params = super().settings()
        if params["face_size"] < 32 or params["magnify"] < 0 or params["lambda_c"] <= 0:
            raise PluginError(f"{self.name}: face_size >= 32, magnify >= 0 and lambda_c > 0, please.")
        return params

    def clip_sample(self, clip: ClipInput, segment: Segment, params: dict, faces_of: dict) -> np.ndarray:
        from mlbackend.vision.patches import apex_patches

        try:
            patches = apex_patches(clip, segment, self.NODES, size=params["face_size"], alpha=params["magnify"],
                                   lambda_c=params["lambda_c"])
        except ValueError as exc:
            raise PluginError(f"{self.name}: {exc}.") from None
        return patches[None]

    def maps(self, items: Sequence[tuple[ClipInput, Segment]], params: dict,
             progress: Progress | None = None) -> np.ndarray:
        unmagnified = sum(segment.onset == segment_apex(segment) for _, segment in items)
        if progress is not None and unmagnified:
            progress(0.0, f"{unmagnified} of {len(items)} samples have no onset before their apex (apex images): "
                          "their apex faces go in unmagnified")
        return super().maps(items, params, progress)

    def init_model(self, model, generator) -> None:
        """The network's initial weights and then its dropout masks, drawn from the run's generator: a run is a
        function of (data, seed), in a thread beside other folds too."""
        from mlbackend.nets.models import GeneratorDropout

        model.init_weights(generator)
        for module in model.modules():
            if isinstance(module, GeneratorDropout):
                module.generator = generator

    def train_model(self, x, y, n_classes, params, *, seed, device, validation, progress, should_stop):
        """Both papers' recipe: cross-entropy of the log-softmax output (their released loss; the same as its
        negative log-likelihood), Adam, a fixed number of epochs."""
        import torch

        from mlbackend.nets.recipes import adam_cross_entropy

        generator = torch.Generator().manual_seed(seed)
        model = self.build_model(n_classes, params)
        self.init_model(model, generator)
        history = adam_cross_entropy(model, x, y, params, generator, device=device, validation=validation,
                                     progress=progress, should_stop=should_stop)
        return model.cpu(), history
