import dataclasses

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import Event, LabeledClip, PluginError
from mlbackend.nets.recipes import parameter_count_on_meta
from mlbackend.registry import get_plugin_class
from plugins.nmer import NMERPlugin
from tests.mlbackend.nets.mapset import LABELS, injected, map_set

SMALL = {"epochs": 2, "width": 4, "size": 64, "batch_size": 8}


def quiet(fraction, message):
    pass


def test_published_configuration():
    import torch

    assert get_plugin_class("nmer") is NMERPlugin
    settings = NMERPlugin().settings()
    published = (settings["size"], settings["batch_size"], settings["epochs"], settings["backbone_lr"])
    assert published == (224, 32, 100, 1e-5)
    assert parameter_count_on_meta(lambda: NMERPlugin().build_model(3, settings)) == 11_253_322  # ~11.3M
    model = NMERPlugin().build_model(3, {**settings, "width": 4, "size": 64})
    assert model(torch.zeros(2, 2, 28, 28)).shape == (2, 3)
    with pytest.raises(PluginError):
        NMERPlugin(params={"size": 32}).settings()


def test_flow_colours_follow_the_direction():
    import torch

    from plugins.nmer.network import flow_rgb

    right = flow_rgb(torch.ones(1, 1, 2, 2), torch.zeros(1, 1, 2, 2))  # hue 0: red
    assert torch.allclose(right[0, :, 0, 0], torch.tensor([1.0, -1.0, -1.0]))
    still = flow_rgb(torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 2, 2))
    assert torch.allclose(still, torch.full_like(still, -1.0))  # no motion: black


def with_macro_events(data):
    """Every third clip's event becomes a macro event: the source domain."""
    return [LabeledClip(c.clip, (dataclasses.replace(c.events[0], kind="macro"),)) if i % 3 == 0 else c
            for i, c in enumerate(data)]


def test_domain_adaptation_runs_when_the_fold_has_macro_events(tmp_path):
    data, maps = map_set(3, 6, seed=1)
    plugin = injected(NMERPlugin, maps)(labels=LABELS, params=SMALL)
    adapted = read_checkpoint(plugin.fit(with_macro_events(data), workdir=tmp_path / "a", progress=quiet,
                                         device="cpu", seed=0))
    assert adapted["history"]["trainer"] == "plain-domain"
    plain = read_checkpoint(plugin.fit(data, workdir=tmp_path / "b", progress=quiet, device="cpu", seed=0))
    assert plain["history"]["trainer"] == "plain"  # micro only: no source domain
    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in data]
    probs = np.array([[p.events[0].emotion_probs[k] for k in LABELS] for p in plugin.predict(clips)])
    assert probs.shape == (18, 3) and np.allclose(probs.sum(1), 1.0)
