"""One contract every registered plugin honours, checked on a tiny clip set (6 clips, 3 subjects, 2 classes)."""

import dataclasses
import math
import pkgutil
from pathlib import Path

import pytest
from django.conf import settings

import plugins
from mlbackend.contract import AUS, EMOTION, MAPS, SPOTTING, ClipPrediction, Plugin
from mlbackend.registry import get_plugin_class, load_plugins, plugin_names
from tests.plugins.clipfactory import CLASSES, make_set

# Every package under plugins/ plus whatever the settings enable; every registered plugin gets the contract test.
PLUGIN_PACKAGES = sorted(f"plugins.{module.name}" for module in pkgutil.iter_modules(plugins.__path__) if module.ispkg)
load_plugins(list(dict.fromkeys([*PLUGIN_PACKAGES, *settings.MESTUDIO_PLUGINS])))
PLUGINS = plugin_names()
LABELS = CLASSES
AU_NUMBERS = (1, 12)
# Every plugin taking TV-L1 maps computes them on the same clips: the first one pays (tests/conftest.py).
pytestmark = pytest.mark.usefixtures("tvl1_once")


@pytest.fixture(scope="module")
def clips():
    return make_set(3, 1, n_frames=30, seed=11)


def smoke_params(cls: type[Plugin]) -> dict | None:
    """A heavy network's published recipe (e.g. HTNet: 139.6M parameters, 800 epochs) is not what this test
    checks: such a plugin names a small configuration of the same code path in SMOKE_PARAMS."""
    return getattr(cls, "SMOKE_PARAMS", None)


def fit(cls: type[Plugin], clips, workdir: Path, seed: int = 0):
    calls = []
    plugin = cls(labels=LABELS, aus=AU_NUMBERS, params=smoke_params(cls))
    checkpoint = plugin.fit(clips, workdir=workdir, progress=lambda f, m: calls.append((f, m)), device="cpu", seed=seed)
    return Path(checkpoint), calls


def loaded(cls: type[Plugin], checkpoint: Path) -> Plugin:
    plugin = cls(labels=LABELS, aus=AU_NUMBERS, params=smoke_params(cls))
    plugin.load(checkpoint, device="cpu")
    return plugin


def inputs(clips, with_segments: bool):
    return [dataclasses.replace(c.clip, segments=tuple(e.segment for e in c.events) if with_segments else ())
            for c in clips]


def summary(predictions: list[ClipPrediction]):
    return [(p.clip_id, round(p.score, 6), [(e.onset, e.apex, e.offset, e.kind, round(e.score, 6),
                                             {k: round(v, 6) for k, v in e.emotion_probs.items()},
                                             {k: round(v, 6) for k, v in e.au_probs.items()}) for e in p.events])
            for p in predictions]


def check_predictions(cls, predictions, clip_inputs, version):
    assert isinstance(predictions, list) and len(predictions) == len(clip_inputs)
    for prediction, clip in zip(predictions, clip_inputs):
        assert isinstance(prediction, ClipPrediction)
        assert prediction.clip_id == clip.clip_id
        assert prediction.model_version == version
        assert 0.0 <= prediction.score <= 1.0
        if clip.segments and EMOTION in cls.capabilities:  # recognition: one event per segment, in order
            assert [(e.onset, e.apex, e.offset) for e in prediction.events] == \
                [(s.onset, s.apex, s.offset) for s in clip.segments]
        if SPOTTING in cls.capabilities and not clip.segments:
            assert prediction.events, "a spotter finds at least one event in a clip with a clear movement"
        for event in prediction.events:
            assert 0 <= event.onset <= event.offset < clip.n_frames
            assert event.apex is None or event.onset <= event.apex <= event.offset
            assert 0.0 <= event.score <= 1.0
            if EMOTION in cls.capabilities:
                assert set(event.emotion_probs) == set(LABELS)
                assert all(0.0 <= p <= 1.0 for p in event.emotion_probs.values())
                assert math.isclose(sum(event.emotion_probs.values()), 1.0, abs_tol=1e-4)
                assert event.emotion in LABELS
            if AUS in cls.capabilities:
                assert all(0.0 <= p <= 1.0 for p in event.au_probs.values())


def in_package(cls: type, package: str) -> bool:
    return cls.__module__ == package or cls.__module__.startswith(f"{package}.")


@pytest.mark.parametrize("package", PLUGIN_PACKAGES)
def test_every_package_under_plugins_registers_a_plugin(package):
    """A package that registers nothing would silently escape the contract test below."""
    assert any(in_package(get_plugin_class(name), package) for name in PLUGINS), \
        f"{package} registers no plugin: decorate its Plugin subclass with mlbackend.sdk.register."


@pytest.mark.parametrize("name", PLUGINS)
def test_plugin_contract(name, clips, tmp_path):
    import torch

    cls = get_plugin_class(name)
    assert cls.capabilities and cls.version and cls.name == name

    checkpoint, calls = fit(cls, clips, tmp_path / "first", seed=0)
    assert checkpoint.is_file() and checkpoint.resolve().is_relative_to((tmp_path / "first").resolve())
    state = torch.load(checkpoint, weights_only=True)  # no pickled objects
    assert isinstance(state, dict)
    assert calls, "fit reports progress"
    assert all(0.0 <= fraction <= 1.0 and isinstance(message, str) for fraction, message in calls)

    plugin = loaded(cls, checkpoint)
    version = plugin.model_version
    assert version.startswith(f"{cls.name}-{cls.version}+") and not version.endswith("+untrained")
    assert loaded(cls, checkpoint).model_version == version  # stable for one checkpoint

    for with_segments in (True, False):
        clip_inputs = inputs(clips, with_segments)
        check_predictions(cls, plugin.predict(clip_inputs), clip_inputs, version)
    assert plugin.predict([]) == []

    again, _ = fit(cls, clips, tmp_path / "second", seed=0)
    clip_inputs = inputs(clips, True)
    assert summary(loaded(cls, again).predict(clip_inputs)) == summary(plugin.predict(clip_inputs))


class NoFrames:
    """A map sample's frames: a plugin that takes maps must not need them."""

    def __len__(self) -> int:
        return 1

    def __getitem__(self, index: int):
        raise AssertionError("a map plugin read frames of a map sample")


def map_samples(n_subjects: int = 3, seed: int = 5):
    import numpy as np

    from mlbackend.contract import ClipInput, Event, LabeledClip

    rng = np.random.default_rng(seed)
    samples = []
    for subject in range(n_subjects):
        for k, label in enumerate(LABELS):
            maps = rng.random((3, 28, 28), dtype=np.float32)
            maps[k, :14] += 1.0
            clip = ClipInput(clip_id=f"s{subject}-{k}", subject=f"s{subject}", dataset="maps", fps=1.0, n_frames=1,
                             frames=NoFrames(), maps=maps)
            samples.append(LabeledClip(clip, (Event(0, 0, 0, emotion=label),)))
    return samples


def map_params(cls: type[Plugin]) -> dict:
    """The contract, not the accuracy: the plugin's small configuration (SMOKE_PARAMS, as in the clip contract
    above), and at most 20 epochs where that names none (a published 500 or 800 would take minutes)."""
    params = dict(smoke_params(cls) or {})
    if "epochs" in getattr(cls, "DEFAULTS", {}):
        params.setdefault("epochs", 20)
    return params


@pytest.mark.parametrize("name", [name for name in PLUGINS if MAPS in get_plugin_class(name).inputs])
def test_map_plugins_train_and_predict_on_given_maps_alone(name, tmp_path):
    cls = get_plugin_class(name)
    samples = map_samples()
    params = map_params(cls)
    checkpoint = cls(labels=LABELS, aus=AU_NUMBERS, params=params).fit(
        samples, workdir=tmp_path, progress=lambda f, m: None, device="cpu", seed=0)
    plugin = loaded(cls, Path(checkpoint))
    for with_segments in (True, False):
        clip_inputs = inputs(samples, with_segments)
        predictions = plugin.predict(clip_inputs)
        check_predictions(cls, predictions, clip_inputs, plugin.model_version)
        assert all(len(p.events) == 1 and set(p.events[0].emotion_probs) == set(LABELS) for p in predictions)


def test_every_plugin_declares_what_it_takes_in():
    from mlbackend.contract import INPUT_KINDS

    for name in PLUGINS:
        inputs_of = get_plugin_class(name).inputs
        assert inputs_of and inputs_of <= INPUT_KINDS, name
