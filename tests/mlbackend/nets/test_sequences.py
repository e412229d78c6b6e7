"""The sequence networks' inputs (mlbackend.nets.sequences) and their shared plugin base (sequence_plugin): TIM-
normalised segments, flow channels, and the refusal of precomputed map samples."""

import dataclasses

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from mlbackend.contract import MAPS, ArrayFrames, ClipInput, Event, LabeledClip, PluginError, Segment
from mlbackend.nets.sequence_plugin import channel_statistics, standardised
from mlbackend.nets.sequences import FLOW_CHANNELS, flow_sequence, grey_sequence, segment_frames
from mlbackend.registry import get_plugin_class, load_plugins
from mlbackend.services.jobs import check_plugin_inputs
from mlbackend.vision import FaceFrames
from tests.plugins.clipfactory import make_clip

SEQUENCE_PLUGINS = ("dtscnn", "elrcn", "tlcnn")
load_plugins([f"plugins.{name}" for name in SEQUENCE_PLUGINS])


def counting_clip(n_frames: int = 30) -> ClipInput:
    """Frame i is the constant grey level 4 i: which frames a sequence holds can be read off its values."""
    frames = ArrayFrames([np.full((128, 128, 3), 4 * i, np.uint8) for i in range(n_frames)])
    return ClipInput(clip_id="count", subject="s", dataset="d", fps=100.0, n_frames=n_frames, frames=frames,
                     faces=frames)


def test_segment_frames_resample_onset_to_offset_keeping_both_ends():
    faces = FaceFrames(counting_clip(), 128)
    frames = segment_frames(faces, Segment(5, 9, 25), 10)
    assert frames.shape == (10, 128, 128) and frames.dtype == np.uint8
    levels = frames[:, 0, 0].astype(int)
    assert levels[0] == 20 and levels[-1] == 100  # frames 5 and 25
    np.testing.assert_allclose(levels, 20 + np.arange(10) * 80 / 9, atol=1.5)  # a linear ramp stays one
    assert (segment_frames(faces, Segment(7, 7, 7), 4)[:, 0, 0] == 28).all()  # one frame: copies of it


def test_flow_sequence_channels_follow_the_movement():
    clip = make_clip("c", 0, "brow", n_frames=30, onset=4, apex=14, offset=24, amplitude=4.0, noise=0.0).clip
    frames = segment_frames(FaceFrames(clip, 128), Segment(4, 14, 14), 5)  # onset -> apex: a steady rise
    steps = flow_sequence(frames, FLOW_CHANNELS, 32, method="dis")
    assert steps.shape == (4, 5, 32, 32) and steps.dtype == np.float32
    u, v, magnitude, strain, grey = steps.transpose(1, 0, 2, 3)
    assert v[:, 5:12].mean() < -0.1  # the brows rise: v points up, in the upper face
    assert abs(u[:, 5:12].mean()) < 0.5 * abs(v[:, 5:12].mean())
    np.testing.assert_allclose(magnitude, np.hypot(u, v), atol=0.3)  # area means of |f| >= |mean f|, close
    assert (magnitude >= 0).all() and (strain >= 0).all()
    np.testing.assert_allclose(grey[-1], grey_sequence(frames[-1:], 32)[0, 0], atol=1e-6)  # the frame arrived at
    with pytest.raises(ValueError, match="unknown channels"):
        flow_sequence(frames, ("u", "depth"), 32, method="dis")


def test_standardisation_is_per_channel_over_samples_steps_and_pixels():
    x = np.random.default_rng(0).normal(size=(4, 3, 2, 5, 5)).astype(np.float32) * [[[[[2.0]], [[0.5]]]]] + 3
    x[:, :, 1] = 7.0  # a constant channel
    mean, std = channel_statistics(x)
    z = standardised(x, mean, std)
    np.testing.assert_allclose(z[:, :, 0].mean(), 0, atol=1e-5)
    np.testing.assert_allclose(z[:, :, 0].std(), 1, atol=1e-4)
    assert std[1] == 1.0 and (z[:, :, 1] == 0).all()


def map_sample(label: str = "a") -> LabeledClip:
    clip = ClipInput(clip_id="m1", subject="s", dataset="maps", fps=1.0, n_frames=1,
                     frames=ArrayFrames(np.zeros((1, 28, 28, 3), np.uint8)), maps=np.zeros((3, 28, 28), np.float32))
    return LabeledClip(clip, (Event(0, 0, 0, emotion=label),))


@pytest.mark.parametrize("name", SEQUENCE_PLUGINS)
def test_sequence_plugins_take_clips_only_and_refuse_map_samples(name, tmp_path):
    cls = get_plugin_class(name)
    assert MAPS not in cls.inputs
    with pytest.raises(ValidationError, match=f"{name} needs clips of frames; this project's samples include "
                                              "precomputed flow maps"):
        check_plugin_inputs(cls, {MAPS})  # what the job service runs before queueing
    plugin = cls(labels=("a", "b"), params=cls.SMOKE_PARAMS)
    with pytest.raises(PluginError, match=f"{name} reads clips of frames; sample 'm1' is a precomputed map"):
        plugin.fit([map_sample("a"), map_sample("b")], workdir=tmp_path, progress=lambda f, m: None, device="cpu",
                   seed=0)
    plugin._model = object()  # as if loaded: predict refuses the sample before any model runs
    with pytest.raises(PluginError, match="precomputed map"):
        plugin.predict([dataclasses.replace(map_sample().clip, segments=())])
