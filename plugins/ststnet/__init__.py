"""ststnet: STSTNet (Liong et al., 2019), the shallow triple-stream network on onset -> apex flow.

Pipeline (protocols.md): face crop; TV-L1 optical flow from the onset to the apex face; channels
u, v and optical strain, area-averaged to 28 x 28 and standardised per channel with the training
set's statistics (mlbackend.nets.maps); three parallel 3x3 convolutions of 3, 5 and 8 filters,
each with ReLU, batch norm, 3x3 max-pooling with stride 3 and dropout 0.5, concatenated, 2x2
average pooling and one fully connected layer 400 -> classes: 1,683 parameters for 3 classes.
Adam (lr 5e-5), batch 256, cross-entropy, a fixed number of epochs (800 by default; the honest
protocol: no test subject picks the epoch).

`fast` (default true) trains with the fused kernel of mlbackend.nets.fused: the same loop, the
same batches and dropout draws, the same numbers up to float rounding, about 7x faster on CPU
(docs/loso-speed.md); `fast: false` is the plain PyTorch loop. On CUDA the plain loop runs.
The plugin also opts in to mlbackend.nets.fast.loso_fast (`fold_parallel`), which computes the
maps once for a whole leave-one-subject-out run and trains its folds side by side.

Params: epochs, batch_size, lr, fast, backend ("auto" | "c" | "torch"), padding (1: the
published 'same' convolution on 28 x 28 maps; 2: the authors' PyTorch release, 30 x 30), dropout,
flow, stabilise, remove_global, threads, val_subjects, patience. Checkpoint: the state_dict,
the labels and the per-channel mean and standard deviation, tensors only.
"""

from __future__ import annotations

from mlbackend.sdk import register
from mlbackend.sdk.nets import COMMON_DEFAULTS, FlowNetPlugin, validation_loss

DEFAULTS = {**COMMON_DEFAULTS, "epochs": 800, "batch_size": 256, "lr": 5e-5, "fast": True, "backend": "auto",
            "padding": 1}


@register
class STSTNetPlugin(FlowNetPlugin):
    name = "ststnet"
    version = "1.0"
    description = ("STSTNet: TV-L1 flow onset->apex (u, v, optical strain at 28x28), three shallow conv branches, "
                   "1.7k parameters; fixed epochs. Emotion only.")
    DEFAULTS = DEFAULTS
    CHANNELS = (0, 1, 2)
    vmap_training = True  # its own loop is the plain one off the CPU, where the batched trainer runs

    def build_model(self, n_classes: int, params: dict):
        from mlbackend.sdk.nets import STSTNet

        return STSTNet(n_classes, padding=int(params["padding"]), dropout=float(params["dropout"]))

    def settings(self) -> dict:
        params = super().settings()
        if params["padding"] not in (1, 2):
            from mlbackend.sdk import PluginError

            raise PluginError("ststnet: padding is 1 ('same', as published) or 2 (the authors' PyTorch release).")
        if params["backend"] not in ("auto", "c", "torch"):
            from mlbackend.sdk import PluginError

            raise PluginError("ststnet: backend is 'auto', 'c' or 'torch'.")
        return params

    def train_model(self, x, y, n_classes, params, *, seed, device, validation, progress, should_stop):
        if not params["fast"] or not str(device).startswith("cpu"):
            return super().train_model(x, y, n_classes, params, seed=seed, device=device, validation=validation,
                                       progress=progress, should_stop=should_stop)
        import torch

        from mlbackend.sdk.nets import FusedSTSTNet
        from mlbackend.sdk.nets import default_init
        from mlbackend.sdk.nets import TrainConfig, train_epochs

        generator = torch.Generator().manual_seed(seed)
        model = self.build_model(n_classes, params)
        default_init(model, generator)
        config = TrainConfig(params["epochs"], params["batch_size"], params["lr"], params["patience"])
        with FusedSTSTNet(model, x, y, generator, backend=params["backend"], threads=max(1, params["threads"]),
                          max_batch=min(len(y), params["batch_size"])) as step:
            history = train_epochs(model, len(y), step, config, generator, progress=progress,
                                   should_stop=should_stop, validation=validation_loss(model, validation, "cpu"))
            history["trainer"] = f"fast-{step.backend}"
        return model, history
