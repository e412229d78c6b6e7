import dataclasses

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError
from mlbackend.nets.models import count_parameters
from mlbackend.registry import get_plugin_class
from plugins.featref import FeatRefPlugin
from tests.mlbackend.nets.mapset import LABELS, injected, map_set


def quiet(fraction, message):
    pass


def test_registered_with_our_documented_choices():
    import torch

    assert get_plugin_class("featref") is FeatRefPlugin
    settings = FeatRefPlugin().settings()
    model = FeatRefPlugin().build_model(3, settings)
    assert count_parameters(model) == 49_265  # no published figure: our sizes (docs/models.md)
    logits, proposals = model.both(torch.zeros(4, 2, 28, 28))
    assert logits.shape == proposals.shape == (4, 3)
    with pytest.raises(PluginError):
        FeatRefPlugin(params={"proposal_weight": -1}).settings()


def test_fit_learns_the_classes_through_the_contract(tmp_path):
    data, maps = map_set(3, 6, seed=3, signal=3.0)
    plugin = injected(FeatRefPlugin, maps)(labels=LABELS, params={"epochs": 20, "lr": 3e-3, "batch_size": 9})
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    assert read_checkpoint(checkpoint)["history"]["epochs"] == 20
    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in data]
    predicted = [p.events[0].emotion for p in plugin.predict(clips)]
    truth = [c.events[0].emotion for c in data]
    assert np.mean([a == b for a, b in zip(predicted, truth)]) > 0.8  # training fit of a clear class pattern
