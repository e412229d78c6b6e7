"""dwld_dbn: Weber values by hand, descriptor size, the DBN's size and training, the plugin on toy clips."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import PluginError
from mlbackend.evaluation.loso import loso_evaluate
from mlbackend.contract import ArrayFrames, ClipInput, Segment
from mlbackend.sdk.vision import FaceFrames
from plugins.dwld_dbn import DwldDbnPlugin, event_image
from plugins.dwld_dbn.dbn import build_classifier, train_rbm
from plugins.dwld_dbn.dwld import dwld_features, feature_size, ring_offsets, weber_bins, weber_maps
from tests.plugins.clipfactory import CLASSES, make_set

SMALL = {"hidden": "32,16", "pretrain_epochs": 10, "epochs": 40, "size": 64}


def quiet(fraction, message):
    pass


def test_rings_hold_8_and_16_pixels():
    assert len(ring_offsets(1)) == 8 and len(ring_offsets(2)) == 16
    assert all(max(abs(dy), abs(dx)) == 2 for dy, dx in ring_offsets(2))


def test_weber_values_on_a_hand_made_image():
    image = np.zeros((5, 5))  # the outer ring (scale 2) stays 0
    image[1:4, 1:4] = 20  # the inner ring (scale 1)
    image[2, 2] = 10  # the centre
    image[3, 2] = 30  # the pixel below it
    (xi1,), (theta1,) = (m.ravel() for m in weber_maps(image, 1, 2))
    # scale 1: sum of differences 7 x (20 - 10) + (30 - 10) = 90; below - above = 10, right - left = 0: straight down
    assert xi1 == pytest.approx(math.atan(3 * 90 / (10 + 5))) and theta1 == pytest.approx(math.pi / 2)
    (xi2,), (theta2,) = (m.ravel() for m in weber_maps(image, 2, 2))
    assert xi2 == pytest.approx(math.atan(3 * 16 * (0 - 10) / (10 + 5))) and theta2 == 0.0
    # 6 bands of pi/6 from -pi/2: atan(18) = 1.515 is band 5, atan(-32) = -1.540 band 0; pi/2 is orientation 2 of 8
    assert weber_bins(np.array([xi1, xi2]), np.array([theta1, theta2]), 6, 8).tolist() == [5 * 8 + 2, 0]


def test_orientation_bins_are_centred_on_the_directions():
    angles = np.array([0.0, np.pi / 8 - 1e-9, np.pi / 8 + 1e-9, 2 * np.pi - 1e-3])
    assert (weber_bins(np.zeros(4), angles, 6, 8) % 8).tolist() == [0, 0, 1, 0]


def test_descriptor_size_and_normalised_blocks():
    image = np.random.default_rng(0).integers(0, 256, size=(64, 64)).astype(np.uint8)
    features = dwld_features(image, grid=5, bands=6, orientations=8)
    assert features.shape == (feature_size(5, 6, 8),) == (2400,)
    assert np.allclose(features.reshape(2 * 25, 48).sum(axis=1), 1.0)


def test_the_difference_image_is_mid_grey_where_nothing_changed():
    frames = [np.full((8, 8), 100, np.uint8) for _ in range(5)]
    frames[3] = frames[3].copy()
    frames[3][0, 0], frames[3][0, 1] = 250, 0  # the apex brightens one pixel past the clip, darkens another
    source = ArrayFrames(frames)
    faces = FaceFrames(ClipInput(clip_id="c", subject="s", dataset="toy", fps=100.0, n_frames=5, frames=source,
                                 faces=source), 8)
    difference = event_image(faces, Segment(1, 3, 4), "difference")
    assert difference[0, 0] == 255 and difference[0, 1] == 28 and (difference.ravel()[2:] == 128).all()
    assert event_image(faces, Segment(1, 3, 4), "apex")[0, 0] == 250
    assert (event_image(faces, Segment(1, None, 3), "apex") == 100).all()  # no apex: the middle frame, 2


def test_parameter_count_of_the_default_dbn():
    with torch.device("meta"):
        model = build_classifier(feature_size(5, 6, 8), [500, 100], 3)
    # 2400 x 500 + 500, 500 x 100 + 100, 100 x 3 + 3
    assert sum(p.numel() for p in model.parameters()) == 1_250_903


@pytest.mark.parametrize("gaussian", [True, False])
def test_cd1_pretraining_lowers_the_reconstruction_error(gaussian):
    generator = torch.Generator().manual_seed(0)
    codes = torch.randint(0, 2, (60, 4), generator=generator).float()  # 4 hidden causes -> 40 visible units
    data = (codes @ torch.randn(4, 40, generator=generator) > 0).float()
    if gaussian:
        data = (data - data.mean(0)) / (data.std(0) + 1e-2)
    _, _, errors = train_rbm(data, 16, gaussian=gaussian, epochs=30, lr=0.01 if gaussian else 0.1, batch=10,
                             weight_decay=2e-4, generator=generator)
    assert errors[-1] < 0.7 * errors[0]


def test_bad_parameters_are_refused():
    for params, message in (({"input": "mean"}, "input"), ({"hidden": "0"}, "hidden"),
                            ({"width": 3}, "does not know"), ({"size": 6}, "too small")):
        with pytest.raises(PluginError, match=message):
            DwldDbnPlugin(params=params).fit([], workdir=".", progress=quiet, device="cpu", seed=0)


def test_the_same_seed_gives_the_same_network_and_training_lowers_the_loss(tmp_path):
    data = make_set(3, 1, n_frames=24, seed=2)
    first = read_checkpoint(DwldDbnPlugin(params=SMALL).fit(data, workdir=tmp_path / "a", progress=quiet,
                                                            device="cpu", seed=0))
    again = read_checkpoint(DwldDbnPlugin(params=SMALL).fit(data, workdir=tmp_path / "b", progress=quiet,
                                                            device="cpu", seed=0))
    other = read_checkpoint(DwldDbnPlugin(params=SMALL).fit(data, workdir=tmp_path / "c", progress=quiet,
                                                            device="cpu", seed=1))
    assert all(torch.equal(first["model"][k], again["model"][k]) for k in first["model"])
    assert not torch.equal(first["model"]["0.weight"], other["model"]["0.weight"])
    assert first["mean"].shape == (2400,) and len(first["rbm_errors"]) == 2
    assert first["losses"][-1] < 0.5 * first["losses"][0]


def test_loso_on_toy_clips_beats_chance(tmp_path):
    data = make_set(4, 2, n_frames=30, seed=5)
    result = loso_evaluate(lambda: DwldDbnPlugin(params=SMALL), data, labels=CLASSES, workdir=tmp_path,
                           progress=quiet)
    assert result.overall["uf1"] >= 0.75  # two classes: chance 0.5


def test_a_label_absent_from_training_never_wins(tmp_path):
    data = make_set(2, 1, n_frames=24, seed=2)
    plugin = DwldDbnPlugin(labels=("brow", "smile", "surprise"), params=SMALL)
    plugin.fit(data, workdir=tmp_path, progress=quiet, device="cpu", seed=0)
    (prediction,) = plugin.predict([dataclasses.replace(data[0].clip, segments=(data[0].events[0].segment,))])
    probs = prediction.events[0].emotion_probs
    assert probs["surprise"] < 1e-9 and sum(probs.values()) == pytest.approx(1.0)
