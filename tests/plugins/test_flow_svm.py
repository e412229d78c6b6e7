import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError
from mlbackend.evaluation.loso import loso_evaluate
from plugins.flow_svm import FlowSvmPlugin, softmax
from tests.plugins.clipfactory import CLASSES, make_clip, make_set

REPO = Path(__file__).resolve().parents[2]


def quiet(fraction, message):
    pass


@pytest.mark.parametrize("module", ["plugins.flow_svm", "plugins.motion_spotter"])
def test_importing_a_plugin_loads_neither_cv2_nor_torch(module):
    code = (f"import {module}, sys; "
            "assert 'cv2' not in sys.modules and 'torch' not in sys.modules and 'sklearn' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_loso_on_toy_clips_separates_the_two_motions(tmp_path):
    data = make_set(4, 2, n_frames=30, seed=5)
    result = loso_evaluate(FlowSvmPlugin, data, labels=CLASSES, workdir=tmp_path, progress=quiet)
    assert result.overall["uf1"] == 1.0


def test_checkpoint_holds_arrays_only_and_predict_rebuilds_the_decision(tmp_path):
    data = make_set(3, 1, n_frames=30, seed=2)
    plugin = FlowSvmPlugin(params={"C": 0.5})
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    state = read_checkpoint(checkpoint)
    assert state["labels"] == list(CLASSES)  # sorted emotions of the training set
    assert state["coef"].shape == (2, 6 * 6 * 8 + 36) and state["intercept"].shape == (2,)
    assert state["params"]["C"] == 0.5 and state["n_train"] == 6
    # two classes: the rows are -w/2 and +w/2, so the softmax is the sigmoid of the SVM decision
    assert np.allclose(state["coef"][0].numpy(), -state["coef"][1].numpy())
    x = np.random.default_rng(0).normal(size=(4, state["mean"].shape[0]))
    probs = plugin.probabilities(x)
    decision = ((x - state["mean"].numpy()) / state["scale"].numpy()) @ (2 * state["coef"][1].numpy()) \
        + 2 * float(state["intercept"][1])
    assert probs[:, 1] == pytest.approx(1 / (1 + np.exp(-decision)))


def test_labels_absent_from_training_get_no_probability(tmp_path):
    data = make_set(3, 1, n_frames=30, seed=2)
    plugin = FlowSvmPlugin(labels=("brow", "smile", "surprise"))
    plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    (prediction,) = plugin.predict([dataclasses.replace(data[0].clip, segments=(data[0].events[0].segment,))])
    probs = prediction.events[0].emotion_probs
    assert list(probs) == ["brow", "smile", "surprise"] and probs["surprise"] < 1e-9
    assert sum(probs.values()) == pytest.approx(1.0)


def test_one_class_training_predicts_that_class(tmp_path):
    data = [make_clip(f"b{i}", i, "brow", n_frames=24, onset=4, apex=12, offset=20) for i in range(2)]
    plugin = FlowSvmPlugin(labels=CLASSES)
    plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    (prediction,) = plugin.predict([dataclasses.replace(data[0].clip, segments=(data[0].events[0].segment,))])
    assert prediction.events[0].emotion == "brow"


def test_segments_without_apex_or_at_the_edge_and_clips_without_segments(tmp_path):
    data = make_set(3, 1, n_frames=30, seed=4)
    plugin = FlowSvmPlugin()
    plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    clip = data[1].clip
    from mlbackend.contract import Segment

    segments = (Segment(2, None, 20), Segment(25, 29, 29))
    (prediction,) = plugin.predict([dataclasses.replace(clip, segments=segments)])
    assert [(e.onset, e.apex, e.offset) for e in prediction.events] == [(2, None, 20), (25, 29, 29)]
    (spotted,) = plugin.predict([clip])  # no segments: one spotted around the clip's main movement
    (event,) = spotted.events
    truth = data[1].events[0]
    assert abs(event.apex - truth.apex) <= 3 and event.emotion == truth.emotion


def test_progress_is_monotonic_and_reaches_one(tmp_path):
    calls = []
    FlowSvmPlugin().fit(make_set(3, 1, n_frames=24), workdir=tmp_path, progress=lambda f, m: calls.append(f),
                        device="cpu", seed=0)
    assert calls == sorted(calls) and calls[0] == 0.0 and calls[-1] == 1.0


def test_bad_parameters_and_unlabelled_training_are_refused(tmp_path):
    data = make_set(2, 1, n_frames=24)
    with pytest.raises(PluginError, match="does not know the parameters"):
        FlowSvmPlugin(params={"c": 1}).fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    unlabelled = [dataclasses.replace(c, events=tuple(dataclasses.replace(e, emotion="") for e in c.events))
                  for c in data]
    with pytest.raises(PluginError, match="labelled"):
        FlowSvmPlugin().fit(unlabelled, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    with pytest.raises(PluginError, match="load"):
        FlowSvmPlugin().predict([data[0].clip])


def test_softmax_is_stable():
    assert softmax(np.array([[1000.0, 1000.0]]))[0] == pytest.approx([0.5, 0.5])
