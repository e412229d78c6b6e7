"""mdmd: the MDMD block arithmetic by hand, and the plugin on small long videos with known movements."""

import dataclasses

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError, Segment
from mlbackend.evaluation.spotting import spotting_metrics
from plugins.mdmd.curve import blocks, mdmd_blocks, quadrant_bins
from plugins.mdmd import MdmdPlugin
from tests.mlbackend.spotting.longclip import make_long_clip


def quiet(fraction, message):
    pass


@pytest.fixture(scope="module")
def videos():
    return [make_long_clip(f"v{s}", s, seed=s) for s in range(3)]


def test_quadrant_bins_and_blocks():
    flow = np.array([[[1, 1], [-1, 1]], [[-1, -1], [1, -1]]], np.float32)  # right-down, left-down, left-up, right-up
    assert quadrant_bins(flow).tolist() == [[0, 1], [2, 3]]
    assert quadrant_bins(np.zeros((1, 1, 2), np.float32)).tolist() == [[0]]  # u >= 0, v >= 0
    image = np.arange(16).reshape(4, 4)
    assert blocks(image, 2).tolist() == [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]]


def test_mdmd_block_values_by_hand():
    # 12 x 12 flows, a 2 x 2 grid: four 6 x 6 blocks of 36 pixels (top third: 12 pixels)
    current = np.zeros((12, 12, 2), np.float32)
    tail = np.zeros((12, 12, 2), np.float32)
    # block 0 (top-left): every pixel (1, 1), tail 0 -> main bin 0, R = sqrt(2) everywhere -> sqrt(2)
    current[:6, :6] = (1, 1)
    # block 1 (top-right): 24 pixels (-2, 0) (bin 1), 12 pixels (1, 1) (bin 0) -> main bin 1 (24 pixels);
    # tail 0.5 there: R = 2 - 0.5 = 1.5 for those 24 (the (1, 1) pixels are not in the main direction)
    current[:6, 6:] = (-2, 0)
    current[:2, 6:] = (1, 1)
    tail[:6, 6:] = (0.5, 0)
    # block 2 (bottom-left): no flow -> bin 0, R = 0
    # block 3 (bottom-right): (0, -3) (bin 3); tail (0, -3) on the left half, (0, -1) on the right:
    # R = 0 on 18 pixels and 3 - 1 = 2 on 18 -> top 12 of R: all 2
    current[6:, 6:] = (0, -3)
    tail[6:, 6:9] = (0, -3)
    tail[6:, 9:] = (0, -1)
    values = mdmd_blocks(current, tail, grid=2)
    assert values == pytest.approx([np.sqrt(2), 1.5, 0.0, 2.0])
    # F = mean of the top third of 4 block values: ceil(4/3) = 2 values, (2 + 1.5) / 2
    from mlbackend.spotting import top_mean

    assert top_mean(values) == pytest.approx(1.75)


def test_k_and_length_filters_follow_fps_and_dataset(videos):
    plugin = MdmdPlugin()
    params = plugin.resolved_params()
    settings = plugin.clip_settings(videos[0].clip, params)  # 50 fps: k = round(0.4 x 50), round(1.3 x 50)
    assert (settings["micro"]["k"], settings["macro"]["k"]) == (20, 65)
    assert (settings["micro"]["stride"], settings["macro"]["stride"]) == (1, 2)
    assert settings["micro"]["limits"].micro_min == 2 and settings["micro"]["limits"].micro_max == 25
    samm = dataclasses.replace(videos[0].clip, fps=200.0, dataset="SAMM-LV", n_frames=1000)
    settings = plugin.clip_settings(samm, params)
    assert (settings["micro"]["k"], settings["macro"]["k"]) == (80, 260)
    assert settings["macro"]["limits"].micro_min == 47 and settings["macro"]["limits"].macro_min == 106
    short = dataclasses.replace(samm, n_frames=101)  # shorter than 2k + 1: k = (n - 1) // 2
    assert plugin.clip_settings(short, params)["micro"]["k"] == 50
    given = MdmdPlugin(params={"k_micro": 7, "micro_max": 30})
    settings = given.clip_settings(videos[0].clip, given.resolved_params())
    assert settings["micro"]["k"] == 7 and settings["micro"]["limits"].micro_max == 30
    assert settings["micro"]["limits"].macro_min == 31


def test_spots_every_movement_of_the_toy_videos(videos, tmp_path):
    plugin = MdmdPlugin(params={"tune_p": False})  # the MEGC baseline: p = 0.01
    checkpoint = plugin.fit(videos, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    assert read_checkpoint(checkpoint)["p"] == {"micro": 0.01, "macro": 0.01}
    predictions = plugin.predict([v.clip for v in videos])
    result = spotting_metrics([(v.events, p.events) for v, p in zip(videos, predictions)])
    # 2 micro + 1 macro per video, all found (IoU >= 0.5); the macro's own rise also shows as a micro
    # interval (an FP the MEGC baseline makes too)
    assert result["micro"]["tp"] == 6 and result["macro"]["tp"] == 3
    for prediction, video in zip(predictions, videos):
        assert prediction.model_version == plugin.model_version and prediction.clip_id == video.clip.clip_id
        for event in prediction.events:
            assert 0 <= event.onset <= event.apex <= event.offset < video.clip.n_frames
            assert event.kind in ("micro", "macro") and 0 <= event.score <= 1


def test_fit_tunes_p_on_training_f1_and_the_checkpoint_reloads(videos, tmp_path):
    plugin = MdmdPlugin(params={"suppress_micro_in_macro": True})
    checkpoint = plugin.fit(videos[:2], workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    state = read_checkpoint(checkpoint)
    assert state["tuned"] and set(state["train_f1"]) == {"micro", "macro"}
    for kind in ("micro", "macro"):
        figures = state["train_f1"][kind]
        assert len(figures) == len(state["p_grid"])
        assert state["p"][kind] == state["p_grid"][int(np.argmax(figures))]
    assert max(state["train_f1"]["micro"]) == 1.0  # with the macro's micro echo suppressed
    fresh = MdmdPlugin()
    fresh.load(checkpoint, device="cpu")
    held_out = [videos[2].clip]
    assert fresh.predict(held_out)[0].events == plugin.predict(held_out)[0].events
    assert fresh.model_version == plugin.model_version != "mdmd-1.0+untrained"
    result = spotting_metrics([(videos[2].events, fresh.predict(held_out)[0].events)])
    assert result["overall"]["fn"] == 0 and result["overall"]["f1"] >= 0.8


def test_segments_are_ignored_and_frames_work_without_faces(tmp_path):
    plugin = MdmdPlugin(params={"tune_p": False, "kinds": ["micro"], "cache": False})
    plugin.fit([], workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    clip = make_long_clip("short", 4, n_frames=90, movements=((40, 45, 52, "micro", "brow", 3.0),)).clip
    misleading = dataclasses.replace(clip, segments=(Segment(0, 1, 2),), faces=None)
    (a,), (b,) = plugin.predict([misleading]), plugin.predict([clip])
    assert a.events == b.events and {e.kind for e in a.events} == {"micro"}
    assert any(e.onset <= 45 <= e.offset for e in a.events)


def test_bad_parameters_are_refused():
    with pytest.raises(PluginError, match="does not know"):
        MdmdPlugin(params={"threshold": 1}).resolved_params()
    with pytest.raises(PluginError, match="unknown flow"):
        MdmdPlugin(params={"flow": "magic"}).resolved_params()
    with pytest.raises(PluginError, match="kinds"):
        MdmdPlugin(params={"kinds": ["blink"]}).resolved_params()
    with pytest.raises(PluginError, match="load"):
        MdmdPlugin().predict([])
