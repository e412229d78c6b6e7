import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import AU, Event, LabeledClip, PluginError
from mlbackend.evaluation.loso import loso_evaluate
from plugins.au_flow import AuFlowPlugin
from tests.plugins.clipfactory import make_set

REPO = Path(__file__).resolve().parents[3]


def quiet(fraction, message):
    pass


def test_importing_loads_neither_cv2_nor_torch_nor_sklearn():
    code = ("import plugins.au_flow, sys; "
            "assert not {'cv2', 'torch', 'sklearn'} & set(sys.modules); "
            "from mlbackend.registry import plugin_names; assert 'flow_svm' not in plugin_names()")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_heads_for_aus_with_enough_positives_and_arrays_only(tmp_path):
    data = make_set(3, 1, n_frames=30, seed=2)  # 3 x AU1 (brow), 3 x AU12 (smile)
    plugin = AuFlowPlugin(aus=(1, 4, 12), params={"min_positives": 3})
    checkpoint = plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    state = read_checkpoint(checkpoint)
    assert state["aus"] == [1, 4, 12] and state["trained"] == [True, False, True]
    assert state["positives"] == [3, 0, 3] and state["coef"].shape == (3, 6 * 6 * 8 + 36)
    inputs = [dataclasses.replace(c.clip, segments=tuple(e.segment for e in c.events)) for c in data]
    out = plugin.predict(inputs)
    for prediction, clip in zip(out, data):
        (event,) = prediction.events
        assert set(event.au_probs) == {1, 4, 12} and event.au_probs[4] == 0.0 and event.emotion_probs == {}
        truth = clip.events[0].aus[0].number
        assert event.au_probs[truth] > 0.5 > event.au_probs[13 - truth]  # training data: separated
    x = np.random.default_rng(0).normal(size=(2, state["mean"].shape[0]))
    z = (x - state["mean"].numpy()) / state["scale"].numpy()
    expected = 1 / (1 + np.exp(-(z @ state["coef"][0].numpy() + float(state["intercept"][0]))))
    assert plugin.probabilities(x)[:, 0] == pytest.approx(expected)


def test_loso_detects_the_toy_aus_and_is_deterministic(tmp_path):
    data = make_set(4, 1, n_frames=30, seed=5)
    runs = [loso_evaluate(lambda: AuFlowPlugin(aus=(1, 12)), data, labels=[], workdir=tmp_path / str(i),
                          progress=quiet, aus=[1, 12]) for i in range(2)]
    metrics = runs[0].au_metrics
    assert metrics["per_au"][1]["f1"] == 1.0 and metrics["per_au"][12]["f1"] == 1.0 and metrics["mean_f1"] == 1.0
    assert [s.au_probs for s in runs[0].samples] == [s.au_probs for s in runs[1].samples]


def test_multi_label_events_and_errors(tmp_path):
    data = make_set(3, 1, n_frames=30, seed=2)
    data = [LabeledClip(c.clip, tuple(dataclasses.replace(e, aus=e.aus + (AU(4),)) if i % 2 == 0 else e
                                      for e in c.events)) for i, c in enumerate(data)]
    plugin = AuFlowPlugin(params={"min_positives": 2})  # no AU set: every AU coded in training
    plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    assert plugin.state["aus"] == [1, 4, 12] and plugin.state["positives"] == [3, 3, 3]
    bare = [LabeledClip(c.clip, tuple(Event(e.onset, e.apex, e.offset, emotion=e.emotion) for e in c.events))
            for c in data]
    with pytest.raises(PluginError, match="coded AUs"):
        AuFlowPlugin().fit(bare, workdir=tmp_path / "bare", progress=quiet, device="cpu", seed=0)
    with pytest.raises(PluginError, match="does not know"):
        AuFlowPlugin(params={"kernel": "rbf"}).fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
