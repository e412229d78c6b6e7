"""lbp_spotter on small long videos with known movements (tests.mlbackend.spotting.longclip)."""

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError
from mlbackend.evaluation.spotting import interval_iou, spotting_metrics
from plugins.lbp_spotter.curve import lbp_difference_curve
from mlbackend.vision.face import FaceFrames
from plugins.lbp_spotter import LbpSpotterPlugin
from tests.mlbackend.spotting.longclip import make_long_clip


def quiet(fraction, message):
    pass


@pytest.fixture(scope="module")
def videos():
    return [make_long_clip(f"v{s}", s, seed=s) for s in range(3)]


def test_feature_peaks_inside_the_movements(videos):
    for video in videos:
        curve = lbp_difference_curve(FaceFrames(video.clip, 126, cache=128), 20, blur=1.0)
        assert curve.shape == (video.clip.n_frames,) and np.isfinite(curve).all()
        still = np.r_[curve[60:110], curve[185:220]]  # no movement within k = 20 frames
        for event in video.events:
            assert curve[event.onset:event.offset + 1].max() > still.max()


def test_spots_the_macro_and_finds_the_micro_movements(videos, tmp_path):
    plugin = LbpSpotterPlugin()
    checkpoint = plugin.fit(videos[:2], workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    state = read_checkpoint(checkpoint)
    assert state["tuned"] and state["p"]["micro"] in state["p_grid"]
    predictions = plugin.predict([v.clip for v in videos])
    result = spotting_metrics([(v.events, p.events) for v, p in zip(videos, predictions)])
    print("lbp_spotter on the toy videos (TP, FP, FN):",
          {k: (result[k]["tp"], result[k]["fp"], result[k]["fn"]) for k in ("micro", "macro")})
    assert result["macro"]["tp"] == 3 and result["macro"]["fp"] <= 1
    # LBP differences are noisier than flow: each micro movement's apex lies in a predicted micro
    # interval (give or take 2 frames), among false alarms
    for video, prediction in zip(videos, predictions):
        micro = [e for e in prediction.events if e.kind == "micro"]
        for event in (e for e in video.events if e.kind == "micro"):
            assert any(p.onset - 2 <= event.apex <= p.offset + 2 and interval_iou(event, p) > 0 for p in micro)
    assert result["micro"]["tp"] >= 3  # measured: micro (4, 6, 2), macro (3, 1, 0)


def test_parameters_checked():
    with pytest.raises(PluginError, match="radius"):
        LbpSpotterPlugin(params={"radius": 0}).resolved_params()
    assert LbpSpotterPlugin().resolved_params()["blur"] == 1.0
