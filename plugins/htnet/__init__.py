"""htnet: HTNet, the hierarchical transformer over facial regions (Wang et al. 2024, arXiv 2307.14637;
the authors' PyTorch release).

Input: onset -> apex u, v and optical strain at 28 x 28 (mlbackend.nets.maps, or precomputed
maps). The release crops four 14 x 14 windows around MTCNN landmarks of the apex frame (both eyes,
both mouth corners) and tiles them into a 28 x 28 image; here the windows sit at fixed positions
of the aligned face (network.REGIONS: no MTCNN here, and a map set brings no landmarks), and
`regions: false` feeds the whole 28 x 28 maps instead. Network (network.py): 7 x 7 patches -> 4 x
4 tokens; three levels of dims width/2width/4width, heads 3/6/12, depths 2/2/10, pre-norm local
transformer blocks (MLP x4) on 4 x 4, 2 x 2, 1 x 1 local blocks, each level followed by conv 3x3 +
norm + max-pool s2; norm, mean-pool, FC. As in the release every local block holds one token,
so the attention is trivial (the softmax over one key is 1). At the published width 256:
139,582,982 parameters for 3 classes (models.md: about 139.6M, computed from the release;
built on the meta device by the test). The release's inner attention width is width // heads *
heads (255, 510, 1020), kept here.

Training as published: cross-entropy, Adam lr 5e-5, batch 256, 800 epochs, no augmentation, no
pretraining. Honest: the last epoch (the paper kept each subject's best test-accuracy epoch).
`width` (default the published 256) makes the network practical on a CPU: width 32 has about
2.2M parameters. Params: width, regions, epochs, batch_size, lr and the common flow parameters.
"""

from __future__ import annotations

from mlbackend.sdk import PluginError, register
from mlbackend.sdk.nets import COMMON_DEFAULTS, FlowNetPlugin

DEFAULTS = {**COMMON_DEFAULTS, "epochs": 800, "batch_size": 256, "lr": 5e-5, "width": 256, "regions": True}
HEADS = 3


@register
class HTNetPlugin(FlowNetPlugin):
    name = "htnet"
    version = "1.0"
    description = ("HTNet: u, v, strain at 28x28 in four facial-region crops, hierarchical transformer (dims 256/512/"
                   "1024, depths 2/2/10, 139.6M parameters at width 256); Adam 5e-5, 800 epochs. Emotion only.")
    DEFAULTS = DEFAULTS
    SMOKE_PARAMS = {"epochs": 2, "width": 6, "flow": "dis"}
    CHANNELS = (0, 1, 2)

    def settings(self) -> dict:
        params = super().settings()
        if params["width"] < HEADS:
            raise PluginError(f"htnet: width >= {HEADS} (three heads at the first level).")
        return params

    def build_model(self, n_classes: int, params: dict):
        from plugins.htnet.network import HTNet

        return HTNet(n_classes, dim=int(params["width"]), heads=HEADS, regions=bool(params["regions"]))

    def train_model(self, x, y, n_classes, params, *, seed, device, validation, progress, should_stop):
        import torch

        from mlbackend.sdk.nets import adam_cross_entropy, default_init

        generator = torch.Generator().manual_seed(seed)
        model = self.build_model(n_classes, params)
        default_init(model, generator)
        with torch.no_grad():  # the position terms too from the run's generator, not the global one (threads)
            for transformer in model.transformers:
                transformer.pos_emb.copy_(torch.randn(transformer.pos_emb.shape, generator=generator))
        history = adam_cross_entropy(model, x, y, params, generator, device=device, validation=validation,
                                     progress=progress, should_stop=should_stop)
        return model.cpu(), history
