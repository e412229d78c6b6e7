import dataclasses

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError, Segment
from mlbackend.evaluation.metrics import apex_metrics
from mlbackend.vision import segment_iou
from plugins.motion_spotter import MotionSpotterPlugin
from tests.plugins.clipfactory import make_set


def quiet(fraction, message):
    pass


@pytest.fixture(scope="module")
def toy():
    return make_set(3, 2, n_frames=36, seed=8)


def test_fit_tunes_the_fraction_on_training_iou(toy, tmp_path):
    plugin = MotionSpotterPlugin()
    checkpoint = plugin.fit(toy[:6], workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    state = read_checkpoint(checkpoint)
    assert len(state["train_iou"]) == len(state["fractions"]) and state["n_train"] == 6
    assert state["fraction"] == state["fractions"][int(np.argmax(state["train_iou"]))]
    assert max(state["train_iou"]) > 0.6


def test_spots_the_apex_of_held_out_clips(toy, tmp_path):
    plugin = MotionSpotterPlugin()
    plugin.fit(toy[:6], workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    test = toy[6:]
    predictions = plugin.predict([c.clip for c in test])
    apexes = apex_metrics([c.events[0].apex for c in test], [p.events[0].apex for p in predictions], tolerance=5)
    assert apexes["hit_rate"] == 1.0
    ious = [segment_iou((p.events[0].onset, p.events[0].offset), (c.events[0].onset, c.events[0].offset))
            for c, p in zip(test, predictions)]
    assert np.mean(ious) > 0.6
    assert all(0.5 < p.score <= 1 for p in predictions)


def test_given_segments_are_ignored_and_frames_work_without_faces(toy, tmp_path):
    plugin = MotionSpotterPlugin(params={"step": 2})
    plugin.fit([], workdir=tmp_path, progress=quiet, device="cpu", seed=0)  # nothing to tune: the default
    assert plugin.state["fraction"] == 0.1 and plugin.state["n_train"] == 0
    clip = toy[0].clip
    misleading = dataclasses.replace(clip, segments=(Segment(0, 1, 2),), faces=None)
    (a,), (b,) = plugin.predict([misleading]), plugin.predict([clip])
    assert a.events == b.events and abs(a.events[0].apex - toy[0].events[0].apex) <= 3


def test_still_clip_scores_low(tmp_path):
    plugin = MotionSpotterPlugin()
    plugin.fit([], workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    from tests.plugins.clipfactory import make_clip

    still = make_clip("still", 1, "brow", n_frames=30, amplitude=0.0).clip
    moving = make_clip("moving", 1, "brow", n_frames=30, amplitude=3.0).clip
    (s,), (m,) = plugin.predict([still]), plugin.predict([moving])
    assert s.score < 0.5 < m.score


def test_bad_parameters_are_refused(tmp_path):
    with pytest.raises(PluginError, match="does not know"):
        MotionSpotterPlugin(params={"window": 3}).fit([], workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    with pytest.raises(PluginError, match="strictly between"):
        MotionSpotterPlugin(params={"fractions": [0, 0.5]}).fit([], workdir=tmp_path, progress=quiet,
                                                                  device="cpu", seed=0)
    with pytest.raises(PluginError, match="load"):
        MotionSpotterPlugin().predict([])
