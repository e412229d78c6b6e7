"""off_apexnet: OFF-ApexNet (Gan et al., 2019), optical-flow features from the onset to the apex.

Pipeline (protocols.md): face crop; TV-L1 optical flow onset -> apex; the horizontal (u) and
vertical (v) components, area-averaged to 28 x 28 and standardised per channel with the training
set's statistics (mlbackend.nets.maps). Network (network.py here): one stream per
component, conv `kernel` x `kernel` with 6 filters -> ReLU -> 2x2 max-pool -> conv with 16 filters
-> ReLU -> 2x2 max-pool; the two 16 x 7 x 7 maps concatenated (1568), a fully connected layer of
1024 units with ReLU and dropout 0.5, then the classifier: 1,614,875 parameters for 3 classes
with 5 x 5 kernels (the paper's). Adam (lr 1e-4), batch 256, cross-entropy, a fixed number of
epochs (default 500; no test subject picks it), the plain training loop of mlbackend.nets.train.

Params: epochs, batch_size, lr, kernel, hidden, dropout, flow, stabilise, remove_global, threads,
val_subjects, patience. Checkpoint: the state_dict, the labels and the per-channel mean and
standard deviation, tensors only.
"""

from __future__ import annotations

from mlbackend.sdk import register
from mlbackend.sdk.nets import COMMON_DEFAULTS, FlowNetPlugin

DEFAULTS = {**COMMON_DEFAULTS, "epochs": 500, "batch_size": 256, "lr": 1e-4, "kernel": 5, "hidden": 1024}


@register
class OffApexNetPlugin(FlowNetPlugin):
    name = "off_apexnet"
    version = "1.0"
    description = ("OFF-ApexNet: TV-L1 flow onset->apex (u and v streams at 28x28), conv 6 -> 16 per stream, "
                   "FC 1024; fixed epochs. Emotion only.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"epochs": 20, "hidden": 64, "flow": "dis"}  # the contract test's small run of the same code path
    CHANNELS = (0, 1)

    def build_model(self, n_classes: int, params: dict):
        from plugins.off_apexnet.network import OffApexNet

        return OffApexNet(n_classes, kernel=int(params["kernel"]), hidden=int(params["hidden"]),
                          dropout=float(params["dropout"]))

    def settings(self) -> dict:
        params = super().settings()
        if params["kernel"] < 1 or params["kernel"] % 2 == 0 or params["hidden"] < 1:
            from mlbackend.sdk import PluginError

            raise PluginError("off_apexnet: kernel is an odd size ('same' padding) and hidden >= 1.")
        return params
