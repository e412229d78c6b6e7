import dataclasses

import numpy as np
import pytest

from mlbackend.contract import PluginError
from mlbackend.nets.recipes import parameter_count_on_meta
from mlbackend.registry import get_plugin_class
from mlbackend.vision import FaceFrames
from plugins.dtscnn import DTSCNNPlugin
from tests.plugins.clipfactory import CLASSES, make_set

SMALL = {"short": 6, "long": 10, "size": 16, "width": 4, "features": 16, "epochs": 15, "batch_size": 4, "lr": 3e-3,
         "flow": "dis"}


def quiet(fraction, message):
    pass


@pytest.fixture(scope="module")
def clips():
    return make_set(4, 2, n_frames=30, seed=7)


def test_our_configuration_and_its_size():
    assert get_plugin_class("dtscnn") is DTSCNNPlugin
    settings = DTSCNNPlugin().settings()
    chosen = (settings["short"], settings["long"], settings["size"], settings["width"], settings["epochs"],
              settings["lr"], settings["flow"])
    assert chosen == (8, 16, 32, 16, 60, 1e-3, "tvl1")
    assert parameter_count_on_meta(lambda: DTSCNNPlugin().build_model(3, settings)) == 403_811
    for bad in ({"short": 16}, {"short": 4}, {"size": 20}, {"dropout": 1.0}, {"epochs": 0}, {"scales": 3}):
        with pytest.raises(PluginError):
            DTSCNNPlugin(params=bad).settings()


def test_the_two_scales_go_to_two_independent_streams(clips):
    import torch

    params = DTSCNNPlugin(params=SMALL).settings()
    clip, event = clips[0].clip, clips[0].events[0]
    sequence = DTSCNNPlugin().sequence(FaceFrames(clip, 128), event.segment, params)
    assert sequence.shape == (5 + 9, 2, 16, 16)  # TIM to 6 and to 10 frames: 5 and 9 flow steps of (u, v)
    model = DTSCNNPlugin().build_model(3, params).eval()
    x = torch.from_numpy(sequence)[None].repeat(2, 1, 1, 1, 1)
    x[1, 5:] = torch.randn(9, 2, 16, 16)  # another long scale, the same short one
    with torch.no_grad():
        short = [model.streams[0](x[i:i + 1, :5].transpose(1, 2)) for i in range(2)]
        long = [model.streams[1](x[i:i + 1, 5:].transpose(1, 2)) for i in range(2)]
        assert torch.equal(short[0], short[1]) and not torch.equal(long[0], long[1])
        assert model(x).shape == (2, 3)


def test_fit_learns_held_out_subjects_and_repeats_with_the_seed(clips, tmp_path):
    import torch

    train = [c for c in clips if c.clip.subject != "s03"]
    test = [c for c in clips if c.clip.subject == "s03"]
    plugin = DTSCNNPlugin(labels=CLASSES, params=SMALL)
    plugin.fit(train, workdir=tmp_path / "a", progress=quiet, device="cpu", seed=0)
    assert plugin.state["history"]["train_epochs"] == 15 and plugin.state["history"]["train_loss"] < 0.3
    inputs = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in test]
    predictions = plugin.predict(inputs)
    assert [p.events[0].emotion for p in predictions] == [c.events[0].emotion for c in test]
    assert np.allclose([sum(p.events[0].emotion_probs.values()) for p in predictions], 1.0)
    again = DTSCNNPlugin(labels=CLASSES, params=SMALL)
    again.fit(train, workdir=tmp_path / "b", progress=quiet, device="cpu", seed=0)
    assert all(torch.equal(v, again.state["model"][k]) for k, v in plugin.state["model"].items())
