"""graph_au: GRAPH-AU, facial graph representation learning with AU fusion (Lei et al., "Micro-expression
recognition based on facial graph representation learning and facial action unit fusion", CVPRW 2021;
the authors' release raying777/FGRMER).

Input (mlbackend.sdk.vision.apex_patches, shared with landmark_graph): 7 x 7 patches at 10 eyebrow and 20
mouth landmarks (the face-mesh points at dlib's 17-26 and 48-67: mlbackend/vision/patches.py) of the
magnified apex face, 30 x 49. Deviations: the paper magnifies with a learned magnifier (Oh et al. 2018)
and takes the patches from that network's intermediate shape representation; no such network or its
training data is here, so the apex's motion since the onset is magnified by linear Eulerian magnification
(mlbackend.sdk.vision.magnify_difference, alpha `magnify`) and the patches are grey levels of the 128 px
face. An apex-image sample (one frame, no onset) goes in unmagnified. Without landmarks the patches sit
at the mean landmark positions of an aligned face (mlbackend.vision.patches.CANONICAL_NODES).

Network (network.py), as released: depthwise conv 3x3 + BN + ReLU per patch; two 6-layer transformer
encoders (8 heads, d_model 49, d_k 16, FFN 128, dropout 0.5) over the eyebrow / mouth nodes -> FC 490/980
-> 320 -> 160; AU branch: 9 AU embeddings -> GCN 40 -> 80 -> 160 on the fold's AU co-occurrence graph, built
in fit from the coded AUs (Event.aus) of the training events alone; eyebrow vector x 3 eyebrow AU nodes,
mouth vector x 6 mouth AU nodes -> 9 -> layer norm -> FC classes -> log-softmax. 1,046,588 parameters for 3
classes; the release counts 1,046,669: it keeps the 9 x 9 graph as a Parameter it never trains (its
gradient is detached), a buffer here. The release applies each of the 6 encoder layers to the encoder's
input and keeps the last one's output (the other five get no gradient); here they are stacked, as the
paper describes.

Training as published: cross-entropy on the log-softmax output, Adam lr 2e-4, batch 64. The release runs up
to 2000 epochs and keeps each test subject's best-F1 epoch (leaky); here a fixed `epochs` (default the
release's 2000, the last epoch kept). Params: epochs, batch_size, lr, dropout, face_size, magnify, lambda_c,
val_subjects, patience, threads.
"""

from __future__ import annotations

from mlbackend.sdk import register
from mlbackend.sdk.nets import PATCH_DEFAULTS, LandmarkPatchPlugin
from mlbackend.sdk.vision import EYEBROWS, MOUTH, PATCH

DEFAULTS = {**PATCH_DEFAULTS, "epochs": 2000, "batch_size": 64, "lr": 2e-4, "dropout": 0.5}


@register
class GraphAUPlugin(LandmarkPatchPlugin):
    name = "graph_au"
    version = "1.0"
    description = ("GRAPH-AU: 7x7 patches at 10 eyebrow + 20 mouth landmarks of the magnified apex, depthwise conv + "
                   "two 6-layer transformers, AU-GCN on the training fold's AU co-occurrence (1.05M parameters); "
                   "Adam 2e-4, batch 64, 2000 epochs. Emotion only; takes clips and apex images.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"epochs": 2, "face_size": 64}
    NODES = EYEBROWS + MOUTH
    SAMPLE_SHAPE = (1, len(NODES), PATCH * PATCH)

    def build_model(self, n_classes: int, params: dict):
        from plugins.graph_au.network import GraphAU

        return GraphAU(n_classes, brows=len(EYEBROWS), mouth=len(MOUTH), dropout=params["dropout"], patch=PATCH)

    def prepare_fit(self, train, *, seed, progress):
        # The fold's AU graph: the coded AUs of the events this fit trains on, never of a test subject.
        from plugins.graph_au.network import au_cooccurrence

        self._au_graph = au_cooccurrence([{au.number for au in event.aus} for _, event in self.fit_events(train, seed)])
        return super().prepare_fit(train, seed=seed, progress=progress)

    def init_model(self, model, generator) -> None:
        import torch

        super().init_model(model, generator)
        model.au_graph.copy_(torch.from_numpy(self._au_graph))
