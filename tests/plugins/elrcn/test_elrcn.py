import dataclasses

import numpy as np
import pytest

from mlbackend.contract import PluginError
from mlbackend.nets.recipes import parameter_count_on_meta
from mlbackend.registry import get_plugin_class
from mlbackend.vision import FaceFrames
from plugins.elrcn import ELRCNPlugin
from tests.plugins.clipfactory import CLASSES, make_set

SMALL = {"width": 4, "size": 32, "spatial_epochs": 8, "temporal_epochs": 20, "batch_size": 4, "lr": 1e-3,
         "flow": "dis"}


def quiet(fraction, message):
    pass


@pytest.fixture(scope="module")
def clips():
    return make_set(4, 2, n_frames=30, seed=5)


def test_published_configuration_and_its_size():
    from plugins.elrcn.network import vgg16

    assert get_plugin_class("elrcn") is ELRCNPlugin
    settings = ELRCNPlugin().settings()
    published = (settings["length"], settings["width"], settings["lr"], settings["batch_size"], settings["flow"],
                 settings["spatial_epochs"], settings["temporal_epochs"], settings["variant"])
    assert published == (10, 64, 1e-5, 1, "tvl1", 100, 100, "se")
    at_224 = {**settings, "size": 224}
    # Built on the meta device: 880 MB of weights never allocated.
    assert parameter_count_on_meta(lambda: vgg16(3, 64, 224, 4096)) == 134_260_544  # models.md: VGG ~134M
    assert parameter_count_on_meta(lambda: ELRCNPlugin().build_model(3, at_224)) == 219_834_502
    temporal = parameter_count_on_meta(lambda: ELRCNPlugin().build_model(3, at_224).lstm) + \
        parameter_count_on_meta(lambda: ELRCNPlugin().build_model(3, at_224).head)
    assert temporal == 85_560_515  # models.md: LSTM 85.5M (Keras: one bias vector, 12,000 fewer)
    for bad in ({"variant": "both"}, {"size": 48}, {"width": 0}, {"lr": 0}, {"flow": "magic"}):
        with pytest.raises(PluginError):
            ELRCNPlugin(params=bad).settings()


def test_the_variants_route_the_modalities():
    import torch

    se = ELRCNPlugin().build_model(3, {**ELRCNPlugin().settings(), "width": 1, "size": 32})
    te = ELRCNPlugin().build_model(3, {**ELRCNPlugin().settings(), "width": 1, "size": 32, "variant": "te"})
    assert [e[0].in_channels for e in se.encoders] == [5]  # flow (3) + strain + grey stacked
    assert [e[0].in_channels for e in te.encoders] == [3, 1, 1]  # one VGG-16 per modality
    x = torch.zeros(2, 9, 5, 32, 32)
    assert se(x).shape == te(x).shape == (2, 3)
    assert te.features(x).shape == (2, 9, 3 * 64)  # three fc7 vectors of 64 w per frame


def test_sequence_is_nine_flow_steps_of_five_channels(clips):
    params = ELRCNPlugin(params=SMALL).settings()
    clip, event = clips[0].clip, clips[0].events[0]
    sequence = ELRCNPlugin().sequence(FaceFrames(clip, 128), event.segment, params)
    assert sequence.shape == (9, 5, 32, 32)  # TIM to 10 frames: 9 consecutive flows


def test_fit_learns_held_out_subjects(clips, tmp_path):
    train = [c for c in clips if c.clip.subject != "s03"]
    test = [c for c in clips if c.clip.subject == "s03"]
    plugin = ELRCNPlugin(labels=CLASSES, params=SMALL)
    plugin.fit(train, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    history = plugin.state["history"]
    assert (history["spatial_epochs"], history["temporal_epochs"]) == (8, 20)
    assert history["temporal_loss"] < 0.3  # ln 2 = 0.69 is chance
    inputs = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in test]
    predictions = plugin.predict(inputs)
    assert [p.events[0].emotion for p in predictions] == [c.events[0].emotion for c in test]
    probs = np.array([[p.events[0].emotion_probs[k] for k in CLASSES] for p in predictions])
    assert np.allclose(probs.sum(1), 1.0)


def test_same_seed_same_checkpoint_and_the_vgg_frozen_for_the_lstm(clips, tmp_path):
    import torch

    tiny = {**ELRCNPlugin.SMOKE_PARAMS, "temporal_epochs": 2}
    train = clips[:4]
    states = []
    for name, params in (("a", tiny), ("b", tiny), ("c", {**tiny, "temporal_epochs": 3})):
        plugin = ELRCNPlugin(labels=CLASSES, params=params)
        plugin.fit(train, workdir=tmp_path / name, progress=quiet, device="cpu", seed=0)
        states.append(plugin.state["model"])
    first, second, longer = states
    assert all(torch.equal(first[k], second[k]) for k in first)
    assert all(torch.equal(first[k], longer[k]) for k in first if k.startswith(("encoders", "frame_heads")))
    assert not torch.equal(first["lstm.weight_hh_l0"], longer["lstm.weight_hh_l0"])  # only the LSTM trained on
