import dataclasses

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError
from mlbackend.nets.recipes import parameter_count_on_meta
from mlbackend.registry import get_plugin_class
from plugins.htnet import HTNetPlugin
from tests.mlbackend.nets.mapset import LABELS, injected, map_set


def quiet(fraction, message):
    pass


def test_published_configuration_has_the_released_parameter_count():
    assert get_plugin_class("htnet") is HTNetPlugin
    settings = HTNetPlugin().settings()
    assert (settings["width"], settings["lr"], settings["batch_size"], settings["epochs"]) == (256, 5e-5, 256, 800)
    # Built on the meta device: 560 MB of weights never allocated.
    assert parameter_count_on_meta(lambda: HTNetPlugin().build_model(3, settings)) == 139_582_982  # ~139.6M
    with pytest.raises(PluginError):
        HTNetPlugin(params={"width": 2}).settings()


def test_region_tiles_take_the_four_windows():
    import torch

    from plugins.htnet.network import REGIONS, region_tiles

    x = torch.arange(28 * 28, dtype=torch.float32).reshape(1, 1, 28, 28)
    tiles = region_tiles(x)
    assert tiles.shape == (1, 1, 28, 28)
    (row, col) = REGIONS[3]  # right mouth corner -> bottom-right tile
    assert tiles[0, 0, 14, 14] == x[0, 0, row - 7, col - 7]


def test_forward_shape_and_fit_through_the_contract(tmp_path):
    import torch

    plugin_cls = injected(HTNetPlugin, map_set(3, 6, seed=1)[1])
    model = HTNetPlugin().build_model(3, {**HTNetPlugin().settings(), "width": 12})
    assert model(torch.zeros(4, 3, 28, 28)).shape == (4, 3)
    data, _ = map_set(3, 6, seed=1)
    plugin = plugin_cls(labels=LABELS, params={"epochs": 3, "width": 6, "batch_size": 8, "lr": 1e-3})
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    assert read_checkpoint(checkpoint)["params"]["width"] == 6
    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in data]
    probs = np.array([[p.events[0].emotion_probs[k] for k in LABELS] for p in plugin.predict(clips)])
    assert probs.shape == (18, 3) and np.allclose(probs.sum(1), 1.0)
