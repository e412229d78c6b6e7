"""lbptop_svm: LBP-TOP against the reference loop, hand-made values, dimensions, the plugin on toy clips."""

import dataclasses

import numpy as np
import pytest

from mlbackend.checkpoints import read_checkpoint
from mlbackend.contract import ArrayFrames, ClipInput, PluginError
from mlbackend.evaluation.loso import loso_evaluate
from mlbackend.sdk.vision import UNIFORM_TABLE, FaceFrames
from plugins.lbptop_svm import LbpTopSvmPlugin
from plugins.lbptop_svm.lbptop import lbptop_codes, lbptop_features, plane_offsets, segment_volume
from tests.plugins.clipfactory import CLASSES, make_set


def quiet(fraction, message):
    pass


def reference_codes(volume: np.ndarray, rx: int, ry: int, rt: int) -> dict[str, np.ndarray]:
    """Zhao & Pietikäinen's loop without interpolation, voxel by voxel: the vectorised codes' reference."""
    length, height, width = volume.shape
    border = max(rx, ry)
    out = {plane: np.zeros((length - 2 * rt, height - 2 * border, width - 2 * border), np.uint8)
           for plane in ("XY", "XT", "YT")}
    for i in range(rt, length - rt):
        for yc in range(border, height - border):
            for xc in range(border, width - border):
                centre = volume[i, yc, xc]
                codes = dict.fromkeys(out, 0)
                for p in range(8):
                    angle = 2 * np.pi * p / 8
                    x = int(np.floor(xc + rx * np.cos(angle) + 0.5))
                    y = int(np.floor(yc - ry * np.sin(angle) + 0.5))
                    codes["XY"] |= int(volume[i, y, x] >= centre) << p
                    t = int(np.floor(i + rt * np.sin(angle) + 0.5))
                    codes["XT"] |= int(volume[t, yc, x] >= centre) << p
                    t = int(np.floor(i + rt * np.cos(angle) + 0.5))
                    codes["YT"] |= int(volume[t, y, xc] >= centre) << p
                for plane, code in codes.items():
                    out[plane][i - rt, yc - border, xc - border] = code
    return out


def test_neighbours_follow_the_reference_rounding():
    offsets = plane_offsets(1, 1, 4)  # (dt, dy, dx), bit p at angle 2 pi p / 8
    assert offsets["XY"] == [(0, 0, 1), (0, -1, 1), (0, -1, 0), (0, -1, -1), (0, 0, -1), (0, 1, -1), (0, 1, 0),
                             (0, 1, 1)]
    assert offsets["XT"] == [(0, 0, 1), (3, 0, 1), (4, 0, 0), (3, 0, -1), (0, 0, -1), (-3, 0, -1), (-4, 0, 0),
                             (-3, 0, 1)]
    assert offsets["YT"] == [(4, 0, 0), (3, -1, 0), (0, -1, 0), (-3, -1, 0), (-4, 0, 0), (-3, 1, 0), (0, 1, 0),
                             (3, 1, 0)]


@pytest.mark.parametrize("radii", [(1, 1, 4), (2, 1, 3)])
def test_vectorised_codes_equal_the_reference_loop(radii):
    volume = np.random.default_rng(3).integers(0, 5, size=(11, 8, 9)).astype(np.uint8)  # few levels: many ties
    codes = lbptop_codes(volume, *radii)
    expected = reference_codes(volume, *radii)
    for plane in ("XY", "XT", "YT"):
        assert np.array_equal(codes[plane], UNIFORM_TABLE[expected[plane]]), plane


def test_codes_of_a_brightening_volume_by_hand():
    # grey level = frame number: in its frame every neighbour ties with the centre (all bits set); in time the
    # neighbours at t >= the centre's set their bit. XT: dt of bits 0..7 = 0, 3, 4, 3, 0, -3, -4, -3 -> bits 0-4 (31);
    # YT: dt = 4, 3, 0, -3, -4, -3, 0, 3 -> bits 0, 1, 2, 6, 7 (199).
    volume = np.broadcast_to(np.arange(9, dtype=np.uint8)[:, None, None], (9, 4, 4))
    codes = lbptop_codes(volume, 1, 1, 4)
    assert codes["XY"].shape == (1, 2, 2)
    assert (codes["XY"] == UNIFORM_TABLE[255]).all()
    assert (codes["XT"] == UNIFORM_TABLE[31]).all() and (codes["YT"] == UNIFORM_TABLE[199]).all()
    assert UNIFORM_TABLE[31] < 58 and UNIFORM_TABLE[199] < 58  # both uniform


def test_feature_dimension_and_normalised_blocks():
    volume = np.random.default_rng(0).integers(0, 256, size=(20, 64, 64)).astype(np.uint8)
    features = lbptop_features(volume, grid=5)
    assert features.shape == (5 * 5 * 3 * 59,)
    assert np.allclose(features.reshape(25, 3, 59).sum(axis=2), 1.0)


def test_segment_volume_interpolates_linearly_between_frames():
    frames = ArrayFrames([np.full((8, 8), 10 * i, np.uint8) for i in range(6)])
    clip = ClipInput(clip_id="ramp", subject="s", dataset="toy", fps=100.0, n_frames=6, frames=frames, faces=frames)
    volume = segment_volume(FaceFrames(clip, 8), 2, 4, 5)
    assert volume.shape == (5, 8, 8)
    assert volume[:, 0, 0].tolist() == [20, 25, 30, 35, 40]


def test_bad_parameters_are_refused():
    with pytest.raises(PluginError, match="frames at least"):
        LbpTopSvmPlugin(params={"frames": 8}).fit(make_set(1, 1, n_frames=24), workdir=".", progress=quiet,
                                                  device="cpu", seed=0)
    with pytest.raises(PluginError, match="does not know"):
        LbpTopSvmPlugin(params={"radius": 2}).fit([], workdir=".", progress=quiet, device="cpu", seed=0)


def test_loso_on_toy_clips_beats_chance(tmp_path):
    data = make_set(4, 2, n_frames=30, seed=5)
    result = loso_evaluate(lambda: LbpTopSvmPlugin(params={"size": 64}), data, labels=CLASSES, workdir=tmp_path,
                           progress=quiet)
    assert result.overall["uf1"] >= 0.75  # two classes: chance 0.5


def test_checkpoint_holds_arrays_and_the_same_seed_gives_the_same_model(tmp_path):
    data = make_set(3, 1, n_frames=24, seed=2)
    params = {"size": 48, "grid": 3}
    first = LbpTopSvmPlugin(params=params)
    checkpoint = first.fit(data, workdir=tmp_path / "a", progress=quiet, device="cpu", seed=0)
    state = read_checkpoint(checkpoint)
    assert state["labels"] == list(CLASSES) and state["coef"].shape == (2, 3 * 3 * 3 * 59)
    assert state["params"]["rt"] == 4 and state["n_train"] == 6
    again = read_checkpoint(LbpTopSvmPlugin(params=params).fit(data, workdir=tmp_path / "b", progress=quiet,
                                                               device="cpu", seed=0))
    assert np.array_equal(state["coef"].numpy(), again["coef"].numpy())
    clip = dataclasses.replace(data[0].clip, segments=(data[0].events[0].segment,))
    (prediction,) = first.predict([clip])
    assert sum(prediction.events[0].emotion_probs.values()) == pytest.approx(1.0)
