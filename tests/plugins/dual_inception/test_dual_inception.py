import dataclasses

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError
from mlbackend.nets.models import count_parameters
from mlbackend.registry import get_plugin_class
from plugins.dual_inception import DualInceptionPlugin
from tests.mlbackend.nets.mapset import LABELS, injected, map_set


def quiet(fraction, message):
    pass


def test_registered_with_the_published_network_and_recipe():
    import torch

    assert get_plugin_class("dual_inception") is DualInceptionPlugin
    settings = DualInceptionPlugin().settings()
    assert (settings["lr"], settings["batch_size"], settings["epochs"]) == (1e-4, 3, 40)
    model = DualInceptionPlugin().build_model(3, settings)
    assert count_parameters(model) == 6_449_963  # models.md: about 6.45M
    assert model(torch.zeros(5, 2, 28, 28)).shape == (5, 3)
    with pytest.raises(PluginError):
        DualInceptionPlugin(params={"class_weights": "inverse"}).settings()


def test_fit_and_predict_through_the_contract(tmp_path):
    data, maps = map_set(3, 6, seed=1)
    plugin = injected(DualInceptionPlugin, maps)(labels=LABELS, params={"epochs": 3, "hidden": 16, "batch_size": 6})
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    state = read_checkpoint(checkpoint)
    assert state["labels"] == list(LABELS) and state["mean"].shape == (2,)  # u and v only
    assert state["history"]["epochs"] == 3
    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in data]
    probs = np.array([[p.events[0].emotion_probs[k] for k in LABELS] for p in plugin.predict(clips)])
    assert probs.shape == (18, 3) and np.allclose(probs.sum(1), 1.0)
