import dataclasses

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import EMOTION, PluginError
from mlbackend.evaluation.loso import loso_evaluate
from mlbackend.nets.fast import loso_fast
from mlbackend.nets.models import count_parameters
from mlbackend.registry import get_plugin_class
from plugins.off_apexnet import OffApexNetPlugin
from tests.mlbackend.nets.mapset import LABELS, injected, map_set
from tests.plugins.clipfactory import CLASSES, make_set

PARAMS = {"epochs": 4, "lr": 1e-3, "batch_size": 8, "hidden": 64}


def quiet(fraction, message):
    pass


def probabilities(predictions):
    return np.array([[p.events[0].emotion_probs[label] for label in LABELS] for p in predictions])


def test_registered_with_the_published_network():
    assert get_plugin_class("off_apexnet") is OffApexNetPlugin
    assert OffApexNetPlugin.capabilities == frozenset({EMOTION})
    plugin = OffApexNetPlugin()
    settings = plugin.settings()
    assert settings["lr"] == 1e-4 and settings["kernel"] == 5 and settings["hidden"] == 1024
    assert count_parameters(plugin.build_model(3, settings)) == 1_614_875  # hand count: tests/mlbackend/nets
    with pytest.raises(PluginError):
        OffApexNetPlugin(params={"kernel": 4}).settings()


def test_fit_and_predict_through_the_contract(tmp_path):
    data = make_set(3, 1, n_frames=30, seed=1)
    plugin = OffApexNetPlugin(params={**PARAMS, "flow": "dis"})
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    state = read_checkpoint(checkpoint)
    assert state["labels"] == list(CLASSES) and state["mean"].shape == (2,)  # u and v only
    assert state["history"]["trainer"] == "plain" and "u.0.weight" in state["model"]
    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in data]
    predictions = plugin.predict(clips)
    assert all(sum(p.events[0].emotion_probs.values()) == pytest.approx(1.0, abs=1e-6) for p in predictions)
    assert all(p.model_version == plugin.model_version for p in predictions)


def test_deterministic_and_the_same_under_loso_fast(tmp_path):
    data, maps = map_set(4, 6, seed=2)
    plugin = injected(OffApexNetPlugin, maps)
    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in data]
    runs = []
    for name in ("a", "b"):
        fitted = plugin(labels=LABELS, params=PARAMS)
        fitted.fit(data, workdir=tmp_path / name, progress=quiet, device="cpu", seed=5)
        runs.append(probabilities(fitted.predict(clips)))
    assert np.array_equal(runs[0], runs[1])

    factory = lambda: plugin(labels=LABELS, params=PARAMS)  # noqa: E731
    shared = loso_evaluate(factory, data, labels=LABELS, workdir=tmp_path / "loso", progress=quiet)
    fast = loso_fast(factory, data, labels=LABELS, workdir=tmp_path / "fast", progress=quiet)
    assert fast.overall == shared.overall
    assert [s.probs for s in fast.samples] == [s.probs for s in shared.samples]
