import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import EMOTION, PluginError, Segment
from mlbackend.registry import get_plugin_class
from plugins.ststnet import STSTNetPlugin
from tests.mlbackend.nets.mapset import LABELS, injected, map_set
from tests.plugins.clipfactory import CLASSES, make_clip, make_set

REPO = Path(__file__).resolve().parents[3]


def quiet(fraction, message):
    pass


def test_importing_the_plugin_loads_neither_torch_nor_cv2():
    code = ("import plugins.ststnet, plugins.off_apexnet, sys; "
            "assert 'torch' not in sys.modules and 'cv2' not in sys.modules, 'eager import'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_registered_as_an_emotion_plugin():
    assert get_plugin_class("ststnet") is STSTNetPlugin
    assert STSTNetPlugin.capabilities == frozenset({EMOTION}) and set(STSTNetPlugin.requires) == {"cv2", "torch"}
    assert STSTNetPlugin().settings()["epochs"] == 800 and STSTNetPlugin().settings()["lr"] == 5e-5


def test_tvl1_maps_of_a_known_motion():
    """The published input: TV-L1 onset -> apex on the face, u, v and strain at 28 x 28 (one flow: TV-L1 is slow)."""
    from mlbackend.nets.maps import flow_maps
    from mlbackend.vision import FaceFrames

    clip = make_clip("brow", 0, "brow", n_frames=24, onset=4, apex=12, offset=20, amplitude=3.0)
    maps = flow_maps(FaceFrames(clip.clip, 128), clip.events[0].segment)
    assert maps.shape == (3, 28, 28) and maps.dtype == np.float32
    u, v, strain = maps
    assert (strain >= 0).all() and strain.max() > 0.05
    brow = (slice(5, 11), slice(10, 18))  # the lifted region: rows ~0.28 of the face
    assert v[brow].mean() < -0.3 and abs(u[brow].mean()) < 0.3 * abs(v[brow].mean())
    assert np.abs(v[20:, :]).mean() < 0.2 * np.abs(v[brow]).mean()  # the chin does not move


def test_fit_and_predict_through_the_contract_on_real_flow(tmp_path):
    """Flow of tiny synthetic clips (tests.plugins.clipfactory), the whole pipeline, a few epochs (DIS flow:
    the same code path as TV-L1 at 1/100 of the time)."""
    data = make_set(3, 1, n_frames=30, seed=3)
    plugin = STSTNetPlugin(params={"epochs": 3, "batch_size": 4, "flow": "dis"})
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)

    state = read_checkpoint(checkpoint)  # torch.load(weights_only=True): tensors, numbers, strings only
    assert state["labels"] == list(CLASSES) and state["n_train"] == 6 and state["class_counts"] == [3, 3]
    assert state["mean"].shape == (3,) and state["std"].shape == (3,) and (state["std"] > 0).all()
    assert set(state["model"]) >= {"conv1.weight", "conv3.bias", "bn2.running_var", "fc.weight"}
    assert state["history"]["epochs"] == 3 and state["history"]["trainer"].startswith("fast-")
    assert plugin.model_version.startswith("ststnet-1.0+")

    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment, Segment(2, None, 20))) for c in data[:2]]
    predictions = plugin.predict(clips)
    assert [p.clip_id for p in predictions] == [c.clip_id for c in clips]
    for clip, prediction in zip(clips, predictions):
        assert prediction.model_version == plugin.model_version
        assert [(e.onset, e.apex, e.offset) for e in prediction.events] == \
            [(s.onset, s.apex, s.offset) for s in clip.segments]
        for event in prediction.events:
            assert list(event.emotion_probs) == list(CLASSES)
            assert sum(event.emotion_probs.values()) == pytest.approx(1.0, abs=1e-6)
    (spotted,) = plugin.predict([data[0].clip])  # no segments: one spotted around the clip's main movement
    assert len(spotted.events) == 1 and spotted.events[0].onset <= spotted.events[0].offset

    reloaded = STSTNetPlugin()
    reloaded.load(checkpoint, device="cpu")
    again = reloaded.predict(clips)
    assert [e.emotion_probs for e in again[0].events] == [e.emotion_probs for e in predictions[0].events]


def fit_maps(tmp_path, name, seed=0, **params):
    data, maps = map_set(4, 9, seed=1)
    plugin = injected(STSTNetPlugin, maps)(labels=LABELS, params={"epochs": 4, "lr": 3e-3, "batch_size": 8, **params})
    plugin.fit(data, workdir=tmp_path / name, progress=quiet, device="cpu", seed=seed)
    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in data]
    return plugin, np.array([[p.events[0].emotion_probs[label] for label in LABELS] for p in plugin.predict(clips)])


def test_same_seed_same_predictions_other_seed_other_ones(tmp_path):
    _, first = fit_maps(tmp_path, "a", seed=3)
    _, second = fit_maps(tmp_path, "b", seed=3)
    _, other = fit_maps(tmp_path, "c", seed=4)
    assert np.array_equal(first, second)
    assert not np.allclose(first, other)


def test_fast_and_plain_training_agree(tmp_path):
    fast, p_fast = fit_maps(tmp_path, "fast", fast=True)
    plain, p_plain = fit_maps(tmp_path, "plain", fast=False)
    assert fast.state["history"]["trainer"] in ("fast-c", "fast-plain")
    assert plain.state["history"]["trainer"] == "plain"
    assert np.abs(p_fast - p_plain).max() < 1e-5


def test_early_stopping_watches_training_subjects_only(tmp_path):
    plugin, _ = fit_maps(tmp_path, "val", val_subjects=1, patience=2, epochs=30)
    state = plugin.state
    assert len(state["validation_subjects"]) == 1 and state["n_train"] == 27  # 9 samples of 4 subjects, 1 held
    assert state["history"]["best_epoch"] is not None and state["history"]["epochs"] <= 30


def test_parameters_are_checked():
    with pytest.raises(PluginError, match="does not know"):
        STSTNetPlugin(params={"epoch": 3}).settings()
    with pytest.raises(PluginError, match="padding"):
        STSTNetPlugin(params={"padding": 3}).settings()
    with pytest.raises(PluginError):
        STSTNetPlugin(params={"epochs": 0}).settings()
    with pytest.raises(PluginError, match="flow"):
        STSTNetPlugin(params={"flow": "magic"}).settings()
    assert STSTNetPlugin(params={"fast": "false", "epochs": "5"}).settings()["fast"] is False
