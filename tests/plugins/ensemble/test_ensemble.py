import dataclasses
import json

import numpy as np
import pytest

from mlbackend.contract import PluginError
from mlbackend.evaluation.loso import loso_evaluate
from mlbackend.registry import get_plugin_class
from plugins.dual_inception import DualInceptionPlugin
from plugins.ensemble import EnsemblePlugin
from plugins.featref import FeatRefPlugin
from tests.mlbackend.nets.mapset import LABELS, map_set

MEMBER_PARAMS = {"dual_inception": {"epochs": 3, "hidden": 16, "batch_size": 6},
                 "featref": {"epochs": 3, "batch_size": 6}}
PARAMS = {"members": "dual_inception,featref", "member_params": json.dumps(MEMBER_PARAMS)}


def quiet(fraction, message):
    pass


@pytest.fixture
def maps_injected(monkeypatch):
    """The members read hand-made maps instead of computing optical flow (the registry's own classes patched)."""
    data, maps = map_set(3, 4, seed=4)
    for cls in (DualInceptionPlugin, FeatRefPlugin):
        monkeypatch.setattr(cls, "segment_maps", lambda self, faces, clip, segment, params: maps[clip.clip_id])
    return data


def probabilities(predictions):
    return np.array([[e.emotion_probs[k] for k in LABELS] for p in predictions for e in p.events])


def test_settings_refuse_unknown_or_self_members():
    assert get_plugin_class("ensemble") is EnsemblePlugin
    for bad in ({"members": "ensemble"}, {"members": "dual_inception,dual_inception"}, {"members": "nope"},
                {"members": "dual_inception", "member_params": "{\"featref\": {}}"}, {"member_params": "[1"}):
        with pytest.raises(PluginError):
            EnsemblePlugin(params=bad).settings()


def test_prediction_is_the_mean_of_the_members_trained_on_the_same_clips(maps_injected, tmp_path):
    data = maps_injected
    ensemble = EnsemblePlugin(labels=LABELS, params=PARAMS)
    ensemble.fit(data, workdir=tmp_path / "ensemble", progress=quiet, device="cpu", seed=3)
    clips = [dataclasses.replace(c.clip, segments=(c.events[0].segment,)) for c in data]
    alone = []
    for cls in (DualInceptionPlugin, FeatRefPlugin):
        member = cls(labels=LABELS, params=MEMBER_PARAMS[cls.name])
        member.fit(data, workdir=tmp_path / cls.name, progress=quiet, device="cpu", seed=3)
        alone.append(probabilities(member.predict(clips)))
    assert np.allclose(probabilities(ensemble.predict(clips)), (alone[0] + alone[1]) / 2, atol=1e-6)


def test_the_shared_evaluator_fits_it_per_fold_with_one_map_cache(maps_injected, tmp_path):
    seen, caches = [], []

    class Recording(EnsemblePlugin):
        def fit_inner(self, train, **kwargs):
            seen.append(sorted({c.clip.subject for c in train}))
            return super().fit_inner(train, **kwargs)

        def share_cache(self, cache):
            caches.append(cache)
            super().share_cache(cache)

    # Threads: the recording lists and the shared cache are this process's (forked fold workers would fill copies).
    report = loso_evaluate(lambda: Recording(labels=LABELS, params=PARAMS), maps_injected, labels=list(LABELS),
                           workdir=tmp_path, progress=quiet, device="cpu", seed=0, trainer="threads")
    assert sorted(map(tuple, seen)) == [("s00", "s01"), ("s00", "s02"), ("s01", "s02")]
    assert len(report.samples) == len(maps_injected)  # every held-out clip predicted once, by its own fold
    assert caches and all(cache is caches[0] for cache in caches) and len(caches[0]) == len(maps_injected)
