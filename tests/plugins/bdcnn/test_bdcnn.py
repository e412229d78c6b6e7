import dataclasses

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError
from mlbackend.nets.models import count_parameters
from mlbackend.registry import get_plugin_class
from plugins.bdcnn import BDCNNPlugin
from tests.mlbackend.nets.mapset import LABELS, injected, map_set


def quiet(fraction, message):
    pass


def test_registered_with_the_published_network_and_recipe():
    import torch

    assert get_plugin_class("bdcnn") is BDCNNPlugin
    settings = BDCNNPlugin().settings()
    assert (settings["lr"], settings["batch_size"], settings["epochs"], settings["size"]) == (0.01, 128, 100, 120)
    model = BDCNNPlugin().build_model(3, settings)
    assert count_parameters(model) == 10_881_923  # models.md: about 10.9M
    assert model(torch.zeros(2, 3, 28, 28)).shape == (2, 3)  # 28 x 28 maps resized to 120 x 120
    assert BDCNNPlugin.class_weights(settings, 3) == (0.15, 0.425, 0.425)
    assert BDCNNPlugin.class_weights(settings, 2) is None  # another class count: balanced weights
    with pytest.raises(PluginError):
        BDCNNPlugin(params={"size": 100, "blocks": 12}).settings()


def test_isda_adds_nothing_before_any_covariance_and_grows_with_it():
    import torch

    from plugins.bdcnn.network import ISDALoss

    torch.manual_seed(0)
    fc = torch.nn.Linear(4, 3)
    features, y = torch.randn(12, 4), torch.arange(12) % 3
    loss = ISDALoss(4, 3)
    plain = torch.nn.functional.cross_entropy(fc(features), y)
    assert torch.isclose(loss(features, fc(features), fc, y, ratio=0.0), plain)
    assert loss(features, fc(features), fc, y, ratio=0.5) > plain  # covariance now estimated: harder targets


def test_fit_and_predict_through_the_contract(tmp_path):
    data, maps = map_set(3, 6, seed=1)
    plugin = injected(BDCNNPlugin, maps)(labels=LABELS, params={"epochs": 3, "size": 24, "blocks": 4,
                                                                 "batch_size": 8})
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    state = read_checkpoint(checkpoint)
    assert state["history"]["trainer"] == "plain-isda" and state["history"]["epochs"] == 3
    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in data]
    probs = np.array([[p.events[0].emotion_probs[k] for k in LABELS] for p in plugin.predict(clips)])
    assert probs.shape == (18, 3) and np.allclose(probs.sum(1), 1.0)
