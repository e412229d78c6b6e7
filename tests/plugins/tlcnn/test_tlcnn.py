import dataclasses

import numpy as np
import pytest

from mlbackend.contract import LabeledClip, PluginError
from mlbackend.nets.recipes import parameter_count_on_meta
from mlbackend.registry import get_plugin_class
from mlbackend.vision import FaceFrames
from plugins.tlcnn import TLCNNPlugin
from tests.plugins.clipfactory import CLASSES, make_clip, make_set

SMALL = {"length": 6, "size": 32, "width": 4, "features": 32, "hidden": 16, "difference": True,
         "expression_epochs": 3, "frame_epochs": 6, "lstm_epochs": 30, "batch_size": 8}


def quiet(fraction, message):
    pass


@pytest.fixture(scope="module")
def clips():
    return make_set(4, 2, n_frames=30, seed=9)


def macro_clips(n: int = 2) -> list[LabeledClip]:
    """Larger, longer movements coded as macro-expressions: stage 1's substitute for expression data."""
    out = []
    for i in range(2 * n):
        kind = CLASSES[i % 2]
        clip = make_clip(f"m{i}", 10 + i // 2, kind, n_frames=40, onset=5, apex=20, offset=35, amplitude=8.0, seed=i)
        out.append(LabeledClip(clip.clip, (dataclasses.replace(clip.events[0], kind="macro"),)))
    return out


def test_our_configuration_and_its_size():
    assert get_plugin_class("tlcnn") is TLCNNPlugin
    settings = TLCNNPlugin().settings()
    chosen = (settings["length"], settings["size"], settings["width"], settings["features"], settings["hidden"],
              settings["difference"], settings["expression_epochs"], settings["frame_epochs"], settings["lstm_epochs"])
    assert chosen == (10, 48, 32, 512, 256, False, 20, 20, 50)
    assert parameter_count_on_meta(lambda: TLCNNPlugin().build_model(3, settings)) == 2_359_750
    for bad in ({"size": 40}, {"length": 1}, {"hidden": 0}, {"lstm_epochs": 0}, {"expression_epochs": -1}):
        with pytest.raises(PluginError):
            TLCNNPlugin(params=bad).settings()


def test_frames_or_differences_from_the_onset(clips):
    clip, segment = clips[0].clip, clips[0].events[0].segment
    faces = FaceFrames(clip, 128)
    raw = TLCNNPlugin().sequence(faces, segment, TLCNNPlugin(params={"size": 32}).settings())
    assert raw.shape == (10, 1, 32, 32)
    onset_face = faces[segment.onset].reshape(32, 4, 32, 4).mean(axis=(1, 3)) / 255  # area-averaged to 32
    np.testing.assert_allclose(raw[0, 0], onset_face, atol=1e-4)
    difference = TLCNNPlugin().sequence(faces, segment, TLCNNPlugin(params={"size": 32, "difference": True}).settings())
    np.testing.assert_allclose(difference, raw - raw[:1], atol=1e-6)


def test_the_expression_stage_runs_on_the_folds_macro_events_only(clips, tmp_path):
    import torch

    train = clips[:4] + macro_clips()
    runs = {}
    for name, data, epochs in (("macro", train, 2), ("off", train, 0), ("none", clips[:4], 2)):
        plugin = TLCNNPlugin(labels=CLASSES, params={**TLCNNPlugin.SMOKE_PARAMS, "expression_epochs": epochs})
        plugin.fit(data, workdir=tmp_path / name, progress=quiet, device="cpu", seed=0)
        runs[name] = plugin.state
    assert runs["macro"]["history"]["expression_frames"] == 4 and runs["macro"]["history"]["expression_epochs"] == 2
    for skipped in ("off", "none"):  # no expression epochs asked for; no macro events in the fold
        assert runs[skipped]["history"]["expression_frames"] == 0
        assert "expression_epochs" not in runs[skipped]["history"]
    weights = "cnn.0.weight"
    assert not torch.equal(runs["macro"]["model"][weights], runs["off"]["model"][weights])


def test_fit_learns_held_out_subjects_and_repeats_with_the_seed(clips, tmp_path):
    import torch

    train = [c for c in clips if c.clip.subject != "s03"]
    test = [c for c in clips if c.clip.subject == "s03"]
    plugin = TLCNNPlugin(labels=CLASSES, params=SMALL)
    plugin.fit(train, workdir=tmp_path / "a", progress=quiet, device="cpu", seed=0)
    assert plugin.state["history"]["lstm_loss"] < 0.3  # ln 2 = 0.69 is chance
    inputs = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in test]
    assert [p.events[0].emotion for p in plugin.predict(inputs)] == [c.events[0].emotion for c in test]
    again = TLCNNPlugin(labels=CLASSES, params=SMALL)
    again.fit(train, workdir=tmp_path / "b", progress=quiet, device="cpu", seed=0)
    assert all(torch.equal(v, again.state["model"][k]) for k, v in plugin.state["model"].items())
