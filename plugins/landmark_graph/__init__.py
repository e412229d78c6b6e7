"""landmark_graph: Graph-TCN, a graph-temporal convolutional network on landmark patches (Lei et al., "A novel
Graph-TCN with a graph structured representation for micro-expression recognition", ACM MM 2020; the
authors' release raying777/mercodes holds the network, a test script and per-fold weights, no training
script).

Input (mlbackend.sdk.vision.apex_patches, shared with graph_au): 7 x 7 patches at 10 eyebrow and 18 mouth
landmarks (dlib's 17-26 and 48-67 less the inner mouth corners 60 and 64, as face-mesh points:
mlbackend/vision/patches.py) of the magnified apex face, read as one sequence of 28 x 49 = 1372. Deviations
as in graph_au: the paper magnifies with a learned magnifier (Oh et al. 2018) and takes its intermediate
shape representation; here linear Eulerian magnification (alpha `magnify`) of the 128 px grey face, and the
patches are its grey levels; an apex-image sample (one frame, no onset) goes in unmagnified.

Network (network.py), as released: one TCN shared by the eyebrow part (490) and the mouth part (882): node
TCN (4 residual blocks of 25 channels, kernel 7, dilations 1, 2, 4, 8) + edge TCN (1 block, dilation 49);
concatenated -> FC 512 -> BN -> dropout -> ReLU -> FC classes -> BN -> dropout -> ReLU -> log-softmax;
dropout 0.05 (the release's test script). 17,600,631 parameters for 3 classes (models.md: about 17.6M; the
release also builds a BatchNorm1d(34300) that its forward never uses, 68,600 more, not reproduced).

Training (unpublished; the release has no training script): the recipe of the same authors' GRAPH-AU trainer
(raying777/FGRMER main_uf1_uar.py, which still builds this TCN with the same settings in commented-out
lines): cross-entropy on the log-softmax output, Adam lr 2e-4, batch 64, a fixed 2000 epochs (that trainer's
limit; it kept each test subject's best-F1 epoch, here the last epoch is kept). `channels` (25) narrows the
TCN for CPU training. Params: epochs, batch_size, lr, dropout, channels, face_size, magnify, lambda_c,
val_subjects, patience, threads.
"""

from __future__ import annotations

from mlbackend.sdk import PluginError, register
from mlbackend.sdk.nets import PATCH_DEFAULTS, LandmarkPatchPlugin
from mlbackend.sdk.vision import EYEBROWS, MOUTH_WITHOUT_INNER_CORNERS, PATCH

DEFAULTS = {**PATCH_DEFAULTS, "epochs": 2000, "batch_size": 64, "lr": 2e-4, "dropout": 0.05, "channels": 25}


@register
class LandmarkGraphPlugin(LandmarkPatchPlugin):
    name = "landmark_graph"
    version = "1.0"
    description = ("Graph-TCN: 7x7 patches at 10 eyebrow + 18 mouth landmarks of the magnified apex as one sequence, "
                   "shared node TCN (dilations 1-8) + edge TCN (dilation 49), FC 512 (17.6M parameters); Adam 2e-4, "
                   "batch 64, 2000 epochs. Emotion only; takes clips and apex images.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"epochs": 2, "channels": 2, "face_size": 64}
    NODES = EYEBROWS + MOUTH_WITHOUT_INNER_CORNERS
    SAMPLE_SHAPE = (1, len(NODES), PATCH * PATCH)

    def settings(self) -> dict:
        params = super().settings()
        if params["channels"] < 1:
            raise PluginError("landmark_graph: channels >= 1, please.")
        return params

    def build_model(self, n_classes: int, params: dict):
        from plugins.landmark_graph.network import GraphTCN

        return GraphTCN(n_classes, brows=len(EYEBROWS), mouth=len(MOUTH_WITHOUT_INNER_CORNERS),
                        channels=params["channels"], dropout=params["dropout"], patch=PATCH)
